// SessionLogging on its own: a stack-specific Session document (never the account-wide
// SSM-SessionManagerRunShell) whose preferences stream every shell to a retained log group, encrypted
// with the stack's key where it has one, with patient identifiers masked; the statements the instance
// role needs; and the admin command that uses the document.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type SessionDocumentContent,
  SessionLogging,
  documentNameProblem,
  sessionDocumentContent,
  sessionInstanceStatements,
  startSessionCommand,
} from "../../components/admin/session-logging";
import { allows } from "../keys/evaluate";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const DOCUMENT = "aws:ssm/document:Document";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const POLICY = "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy";

function build(name: string, withKey: boolean, extra: Record<string, number> = {}) {
  return () => {
    const key = withKey ? new aws.kms.Key("stack-key", { description: "test" }) : undefined;
    const sessions = new SessionLogging(name, {
      logGroupPrefix: "/openemr/test",
      logRetentionDays: 365,
      kmsKeyArn: key?.arn,
      protect: true,
      ...extra,
    });
    return {
      keyArn: key?.arn ?? "",
      documentName: sessions.documentName,
      logGroupArn: sessions.logGroup.arn,
      statements: sessions.instanceStatements,
      command: startSessionCommand("us-east-1", "i-0123456789abcdef0", sessions.documentName),
    };
  };
}

const content = (p: ComponentPlan, name: string) =>
  JSON.parse(p.named(name, DOCUMENT).props.content as string) as SessionDocumentContent;

describe("SessionLogging", () => {
  describe("with the stack's key", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(build("openemr-test-admin-shell", true));
    });

    it("creates the Session document, its retained log group and the group's data-protection policy", () => {
      const component = p.named("openemr-test-admin-shell", "openemr:admin:SessionLogging");
      expect(inventory(p.resources.filter((r) => r.parent === component.urn))).to.have.members([
        `${DOCUMENT}::openemr-test-admin-shell`,
        `${LOG_GROUP}::openemr-test-admin-shell-logs`,
        `${POLICY}::openemr-test-admin-shell-logs-data-protection`,
      ]);
    });

    it("names the document after the stack, never the account-wide SSM-SessionManagerRunShell", () => {
      const doc = p.named("openemr-test-admin-shell", DOCUMENT);
      expect(doc.props).to.deep.include({
        name: "openemr-test-admin-shell",
        documentType: "Session",
        documentFormat: "JSON",
        tags: { Name: "openemr-test-admin-shell" },
      });
      expect(p.outputs.documentName).to.equal("openemr-test-admin-shell");
      expect(p.ofType(DOCUMENT).map((d) => d.props.name)).to.not.include(
        "SSM-SessionManagerRunShell",
      );
    });

    it("streams every session to the retained group, KMS-encrypted, session data under the key, no Run As", () => {
      const c = content(p, "openemr-test-admin-shell");
      expect(c).to.deep.equal({
        schemaVersion: "1.0",
        description:
          "OpenEMR admin shell: every session streamed to an encrypted, retained log group",
        sessionType: "Standard_Stream",
        inputs: {
          s3BucketName: "",
          s3KeyPrefix: "",
          s3EncryptionEnabled: true,
          cloudWatchLogGroupName: "/openemr/test/session-manager",
          cloudWatchEncryptionEnabled: true,
          cloudWatchStreamingEnabled: true,
          kmsKeyId: p.outputs.keyArn,
          runAsEnabled: false,
          runAsDefaultUser: "",
          idleSessionTimeout: "20",
          maxSessionDuration: "240",
          shellProfile: {
            linux: "echo 'This Session Manager session is recorded in CloudWatch Logs.'; cd ~",
            windows: "",
          },
        },
      });
      const doc = p.named("openemr-test-admin-shell", DOCUMENT);
      expect(p.dependenciesOf(doc, "content").map((r) => r.name)).to.have.members([
        "openemr-test-admin-shell-logs",
        "stack-key",
      ]);
    });

    it("keeps the transcripts under the key, protected, masked for readers without logs:Unmask", () => {
      const group = p.named("openemr-test-admin-shell-logs", LOG_GROUP);
      expect(group.props).to.deep.equal({
        name: "/openemr/test/session-manager",
        retentionInDays: 365,
        kmsKeyId: p.outputs.keyArn,
        logGroupClass: "STANDARD",
        skipDestroy: true,
      });
      expect(group.opts.protect).to.equal(true);
      const policy = p.named("openemr-test-admin-shell-logs-data-protection", POLICY);
      expect(policy.props.logGroupName).to.equal("/openemr/test/session-manager");
    });

    it("gives the instance role what the agent needs: this group's streams, DescribeLogGroups, Decrypt of session keys only", () => {
      const group = p.outputs.logGroupArn as string;
      const key = p.outputs.keyArn as string;
      expect(p.outputs.statements).to.deep.equal([
        {
          Sid: "SessionTranscriptsToTheirLogGroup",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: [group, `${group}:log-stream:*`],
        },
        {
          Sid: "SessionAgentChecksTheLogGroup",
          Effect: "Allow",
          Action: "logs:DescribeLogGroups",
          Resource: "*",
        },
        {
          Sid: "SessionDataKeys",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: key,
          Condition: { Null: { "kms:EncryptionContext:aws:ssm:SessionId": "false" } },
        },
      ]);
      // the same statements (equal above) as an identity policy of a principal of the account
      const statements = sessionInstanceStatements(group, key).map((s) => ({
        ...s,
        Principal: { AWS: "123456789012" },
      }));
      const can = (action: string, resource: string, context: Record<string, string> = {}) =>
        allows(statements, { principal: { account: "123456789012" }, action, resource, context });
      expect(can("logs:PutLogEvents", `${group}:log-stream:session-1`)).to.equal(true);
      expect(
        can(
          "logs:PutLogEvents",
          group.replace("session-manager", "apache-access") + ":log-stream:x",
        ),
        "another group",
      ).to.equal(false);
      expect(can("logs:PutRetentionPolicy", group), "retention").to.equal(false);
      expect(
        can("kms:Decrypt", key, { "kms:EncryptionContext:aws:ssm:SessionId": "admin-0123" }),
      ).to.equal(true);
      expect(can("kms:Decrypt", key), "a data key of something else").to.equal(false);
      expect(can("kms:GenerateDataKey", key), "only the client generates").to.equal(false);
    });

    it("gives the admin command that opens a shell with this document", () => {
      expect(p.outputs.command).to.equal(
        "aws ssm start-session --region us-east-1 --target i-0123456789abcdef0 --document-name openemr-test-admin-shell",
      );
    });
  });

  describe("without a key (express)", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(
        build("openemr-dev-admin-shell", false, {
          idleSessionTimeoutMinutes: 15,
          maxSessionDurationMinutes: 60,
        }),
      );
    });

    it("still logs every session, to a service-key group, without asking the agent for a KMS-encrypted group", () => {
      const c = content(p, "openemr-dev-admin-shell");
      expect(c.inputs).to.deep.include({
        cloudWatchLogGroupName: "/openemr/test/session-manager",
        cloudWatchEncryptionEnabled: false,
        cloudWatchStreamingEnabled: true,
        kmsKeyId: "",
        idleSessionTimeout: "15",
        maxSessionDuration: "60",
      });
      expect(p.named("openemr-dev-admin-shell-logs", LOG_GROUP).props).to.not.have.property(
        "kmsKeyId",
      );
      expect((p.outputs.statements as { Sid: string }[]).map((s) => s.Sid)).to.deep.equal([
        "SessionTranscriptsToTheirLogGroup",
        "SessionAgentChecksTheLogGroup",
      ]);
    });
  });

  describe("what AWS accepts", () => {
    it("document names: 3 to 128 of [a-zA-Z0-9_.-], not starting with aws, amazon or amzn", () => {
      expect(documentNameProblem("openemr-prod-admin-shell")).to.equal(undefined);
      expect(documentNameProblem("x".repeat(128))).to.equal(undefined);
      for (const bad of ["ab", "x".repeat(129), "openemr/admin", "openemr admin"]) {
        expect(documentNameProblem(bad), bad).to.match(/is not an SSM document name/);
      }
      for (const reserved of [
        "AWS-StartSession",
        "aws-shell",
        "Amazon-shell",
        "amzn-shell",
        "AWSSupport-x",
      ]) {
        expect(documentNameProblem(reserved), reserved).to.match(/reserves/);
      }
    });

    it("refuses a component name that is not a document name", async () => {
      let error: unknown;
      await planComponent(build("aws-admin-shell", true)).catch((err: unknown) => (error = err));
      expect(String(error)).to.contain(
        'aws-admin-shell: "aws-admin-shell" starts with a prefix AWS reserves',
      );
    });

    it("idle timeout 1-60 and session length 1-1440 minutes, whole numbers", () => {
      const base = {
        logGroupName: "/g",
        kmsKeyArn: "",
        idleSessionTimeoutMinutes: 20,
        maxSessionDurationMinutes: 240,
      };
      expect(
        sessionDocumentContent({
          ...base,
          idleSessionTimeoutMinutes: 60,
          maxSessionDurationMinutes: 1440,
        }).inputs,
      ).to.deep.include({
        idleSessionTimeout: "60",
        maxSessionDuration: "1440",
      });
      for (const idle of [0, 61, 1.5]) {
        expect(
          () => sessionDocumentContent({ ...base, idleSessionTimeoutMinutes: idle }),
          String(idle),
        ).to.throw(/idleSessionTimeout/);
      }
      for (const max of [0, 1441]) {
        expect(
          () => sessionDocumentContent({ ...base, maxSessionDurationMinutes: max }),
          String(max),
        ).to.throw(/maxSessionDuration/);
      }
    });

    it("refuses an out-of-range timeout when the component is built, not at deploy", async () => {
      let error: unknown;
      await planComponent(
        build("openemr-test-admin-shell", true, { idleSessionTimeoutMinutes: 90 }),
      ).catch((err: unknown) => (error = err));
      expect(String(error)).to.contain(
        "idleSessionTimeout must be a whole number of minutes from 1 to 60, not 90",
      );
    });

    it("the instance statements without a key grant no KMS action", () => {
      const s = sessionInstanceStatements("arn:aws:logs:us-east-1:123456789012:log-group:/g", "");
      expect(JSON.stringify(s)).to.not.contain("kms:");
    });
  });

  it("the command interpolates outputs", async () => {
    const p = await planComponent(() => ({
      command: startSessionCommand(pulumi.output("eu-west-1"), pulumi.output("i-1"), "doc-1"),
    }));
    expect(p.outputs.command).to.equal(
      "aws ssm start-session --region eu-west-1 --target i-1 --document-name doc-1",
    );
  });
});
