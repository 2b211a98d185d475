// openemrHost() on its own: what every EC2 tier's host is (passwords, log groups, user data, role,
// instance, status alarm), and what a tier may add (its own passwords, log groups, env sections,
// statements) without a second copy of the rest.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { monitoring } from "../../components/alarms/monitoring";
import { openemrHost } from "../../components/compute/openemr-host";
import { DATA_DEVICE } from "../../components/compute/web-instance";
import { prop } from "../helpers/resources";
import { type ComponentPlan, planComponent } from "./harness";

const INSTANCE = "aws:ec2/instance:Instance";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const PARAMETER = "aws:ssm/parameter:Parameter";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

interface Variant {
  dataVolumeGb?: number;
  extra: boolean;
  restoreFrom?: string;
  restoreKmsKeyArn?: string;
}

function build(v: Variant): () => Record<string, pulumi.Input<unknown>> {
  return () => {
    const tier = new pulumi.ComponentResource("test:index:Tier", "tier");
    const child = { parent: tier };
    const host = openemrHost(
      "openemr-test",
      {
        stack: "test",
        region: "us-east-1",
        openemrImage: "openemr/openemr:8.0.0",
        openemrVersion: "8.0.0",
        restoreFrom: v.restoreFrom,
        restoreKmsKeyArn: v.restoreKmsKeyArn,
        logGroupPrefix: "/openemr/test",
        parameterPrefix: "/openemr/test",
        logRetentionDays: 2192,
        protect: false,
        backupMode: v.extra ? "s3" : "aws-backup",
        tlsDatabase: !v.extra,
        siteAddress: v.extra ? "emr.example.org" : undefined,
        extraPasswords: v.extra ? { dbRoot: "db-root-password" } : undefined,
        extraLogGroups: v.extra ? { database: "database" } : undefined,
        env: {
          images: v.extra ? { MARIADB_IMAGE: "mariadb:11.4" } : undefined,
          swapGb: 2,
          database: v.extra ? undefined : pulumi.output({ DB_HOST: "db.internal" }),
          backup: v.extra ? pulumi.output({ BACKUP_BUCKET: "bucket-1" }) : undefined,
          domain: v.extra ? "emr.example.org" : "",
          certificate: v.extra ? { ACME_EMAIL: "it@example.org" } : undefined,
        },
        policyStatements: v.extra
          ? [{ Sid: "TierOwn", Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:x" }]
          : undefined,
        instance: {
          vpcId: "vpc-1",
          subnetId: "subnet-1",
          instanceType: "t4g.small",
          architecture: "arm64",
          rootVolumeGb: 20,
          dataVolumeGb: v.dataVolumeGb,
          allowedCidrs: ["203.0.113.0/24"],
          publicAddress: true,
          detailedMonitoring: false,
        },
        monitoring: monitoring("openemr-test", {}, child),
      },
      child,
    );
    return { shell: host.access.adminShellCommand!, password: host.access.adminPasswordCommand };
  };
}

function deployEnv(p: ComponentPlan): [string, string][] {
  const doc = parse(prop<string>(p.named("openemr-test-web", INSTANCE), "userData")) as {
    write_files: { path: string; content: string }[];
  };
  const file = doc.write_files.find((f) => f.path === "/etc/openemr/deploy.env")!.content;
  return file
    .trim()
    .split("\n")
    .map((line) => {
      const at = line.indexOf("=");
      return [line.slice(0, at), line.slice(at + 1).replace(/^'|'$/g, "")];
    });
}

function statements(p: ComponentPlan): aws.iam.PolicyStatement[] {
  const policy = p.named("openemr-test-web-access", "aws:iam/rolePolicy:RolePolicy");
  return (JSON.parse(prop<string>(policy, "policy")) as { Statement: aws.iam.PolicyStatement[] })
    .Statement;
}

describe("openemrHost", () => {
  describe("with only what every host has", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(build({ dataVolumeGb: 30, extra: false }));
    });

    it("keeps the database user and admin passwords under the stack's prefix, encrypted", () => {
      const names = p.ofType(PARAMETER).map((r) => [prop(r, "name"), prop(r, "type")]);
      expect(names).to.have.deep.members([
        ["/openemr/test/db-user-password", "SecureString"],
        ["/openemr/test/admin-password", "SecureString"],
        // every script but the boot's (install-scripts.sh), openemr-export in two parts
        ...["backup", "restore", "certificate", "forget-superuser", "health"].map((s) => [
          `/openemr/test/scripts/${s}/1`,
          "SecureString",
        ]),
        ["/openemr/test/scripts/export/1", "SecureString"],
        ["/openemr/test/scripts/export/2", "SecureString"],
      ]);
    });

    it("names the script parameters in deploy.env, each whole when put back together", () => {
      const env = Object.fromEntries(deployEnv(p));
      expect(env.SCRIPT_PARAMETERS).to.equal(
        ["backup", "restore", "certificate", "forget-superuser", "health"]
          .map((s) => `/usr/local/sbin/openemr-${s}=/openemr/test/scripts/${s}:1`)
          .concat("/usr/local/sbin/openemr-export=/openemr/test/scripts/export:2")
          .join(" "),
      );
      const parts = p
        .ofType(PARAMETER)
        .filter((r) => prop<string>(r, "name").startsWith("/openemr/test/scripts/export/"))
        .map((r) => prop<string>(r, "description"));
      expect(parts).to.deep.equal([
        "openemr-test: /usr/local/sbin/openemr-export, part 1 of 2 (gzip, base64)",
        "openemr-test: /usr/local/sbin/openemr-export, part 2 of 2 (gzip, base64)",
      ]);
    });

    it("writes deploy.env in the boot scripts' order, naming each password and log group", () => {
      expect(deployEnv(p).map(([k]) => k)).to.deep.equal([
        "STACK",
        "REGION",
        "OPENEMR_IMAGE",
        "OPENEMR_VERSION",
        "DATA_DIR",
        "DATA_DEVICE",
        "SWAP_GB",
        "DB_HOST",
        "DB_USER_PARAM",
        "ADMIN_PARAM",
        "LOG_GROUP_CONTAINERS",
        "LOG_GROUP_SYSTEM",
        "CONTAINER_START",
        "BACKUP_MODE",
        "DOMAIN",
        "SITE_ADDRESS",
        "RESTORE_FROM",
        "SCRIPT_PARAMETERS",
      ]);
      const env = Object.fromEntries(deployEnv(p));
      expect(env.OPENEMR_VERSION).to.equal("8.0.0");
      expect(env.RESTORE_FROM).to.equal("");
      expect(env.DATA_DEVICE).to.equal(DATA_DEVICE);
      expect(env.DB_USER_PARAM).to.equal("/openemr/test/db-user-password");
      expect(env.LOG_GROUP_SYSTEM).to.equal("/openemr/test/system");
      expect(env.BACKUP_MODE).to.equal("aws-backup");
      expect(env.SITE_ADDRESS).to.equal("");
    });

    it("lets the role read only the stack's own parameters and report only OpenEMR metrics", () => {
      const list = statements(p);
      expect(list.map((s) => s.Sid)).to.deep.equal([
        "SsmAgent",
        "ReadOwnParameters",
        "ReportHealth",
        "WriteOwnLogs",
        "SessionTranscriptsToTheirLogGroup",
        "SessionAgentChecksTheLogGroup",
      ]);
      expect(list[1].Resource).to.match(/^arn:aws:ssm:us-east-1:\d+:parameter\/openemr\/test\/\*$/);
      // the host's own groups only: never the trail's, flow logs', DNS or backup-arrival groups
      expect(list[3].Resource).to.deep.equal(
        ["containers", "system"].flatMap((g) => [
          `arn:aws:logs:us-east-1:123456789012:log-group:/openemr/test/${g}`,
          `arn:aws:logs:us-east-1:123456789012:log-group:/openemr/test/${g}:log-stream:*`,
        ]),
      );
      expect(list[2].Condition).to.deep.equal({
        StringEquals: { "cloudwatch:namespace": "OpenEMR" },
      });
    });

    it("starts the instance only after its log groups and script parameters exist", () => {
      const after = p.dependsOn(p.named("openemr-test-web", "openemr:compute:WebInstance"));
      expect(after.filter((r) => r.type === LOG_GROUP).map((r) => r.name)).to.have.members([
        "openemr-test-containers",
        "openemr-test-system",
      ]);
      const scripts = p
        .ofType(PARAMETER)
        .filter((r) => prop<string>(r, "name").startsWith("/openemr/test/scripts/"));
      expect(after.filter((r) => r.type === PARAMETER).map((r) => r.name)).to.have.members(
        scripts.map((r) => r.name),
      );
      expect(after).to.have.length(2 + scripts.length);
    });

    it("alarms through the stack's topic when the instance fails its status check", () => {
      const alarm = p.named("openemr-test-web-status-failed", ALARM);
      expect(prop(alarm, "metricName")).to.equal("StatusCheckFailed_Instance");
      const topic = p.named("openemr-test-alarms", "aws:sns/topic:Topic");
      expect(p.dependenciesOf(alarm, "alarmActions").map((r) => r.urn)).to.deep.equal([topic.urn]);
      expect(p.dependenciesOf(alarm, "okActions").map((r) => r.urn)).to.deep.equal([topic.urn]);
    });
  });

  describe("its alarms", () => {
    let withData: ComponentPlan;
    let rootOnly: ComponentPlan;
    before(async () => {
      withData = await planComponent(build({ dataVolumeGb: 30, extra: false }));
      rootOnly = await planComponent(build({ extra: true }));
    });
    const alarm = (p: ComponentPlan, suffix: string) => p.named(`openemr-test-${suffix}`, ALARM);

    it("alarms when OpenEMR stops answering, and when the host stops reporting at all", () => {
      const a = alarm(withData, "openemr-not-answering");
      expect(a.props).to.include({
        namespace: "OpenEMR",
        metricName: "OpenEMRAnswers",
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 3,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
      });
      expect(a.props.dimensions).to.deep.equal({ Stack: "test" });
    });

    it("watches memory and every volume's disk use with the agent's own dimensions", () => {
      const memory = alarm(withData, "web-memory-high");
      expect(memory.props).to.include({ metricName: "mem_used_percent", threshold: 90 });
      const instance = withData.named("openemr-test-web", INSTANCE);
      expect(withData.dependenciesOf(memory, "dimensions").map((r) => r.urn)).to.deep.equal([
        instance.urn,
      ]);
      const paths = (p: ComponentPlan) =>
        p
          .ofType(ALARM)
          .filter((r) => r.props.metricName === "disk_used_percent")
          .map((r) => [r.name, (r.props.dimensions as Record<string, string>).path]);
      expect(paths(withData)).to.deep.equal([
        ["openemr-test-web-disk-root-full", "/"],
        ["openemr-test-web-disk-data-full", "/var/lib/openemr"],
      ]);
      expect(paths(rootOnly)).to.deep.equal([["openemr-test-web-disk-root-full", "/"]]);
      for (const r of withData.ofType(ALARM)) {
        expect((r.props.alarmDescription as string).length, r.name).to.be.within(1, 1024);
      }
    });
  });

  describe("with a tier's own passwords, log groups, env sections and statements", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(build({ extra: true }));
    });

    it("puts each section where the boot scripts expect it", () => {
      expect(deployEnv(p).map(([k]) => k)).to.deep.equal([
        "STACK",
        "REGION",
        "OPENEMR_IMAGE",
        "OPENEMR_VERSION",
        "MARIADB_IMAGE",
        "DATA_DIR",
        "DATA_DEVICE",
        "SWAP_GB",
        "DB_ROOT_PARAM",
        "DB_USER_PARAM",
        "ADMIN_PARAM",
        "LOG_GROUP_CONTAINERS",
        "LOG_GROUP_DATABASE",
        "LOG_GROUP_SYSTEM",
        "CONTAINER_START",
        "BACKUP_MODE",
        "BACKUP_BUCKET",
        "DOMAIN",
        "SITE_ADDRESS",
        "ACME_EMAIL",
        "RESTORE_FROM",
        "SCRIPT_PARAMETERS",
      ]);
      const env = Object.fromEntries(deployEnv(p));
      expect(env.DATA_DEVICE, "no data volume, no device").to.equal("");
      expect(env.DB_ROOT_PARAM).to.equal("/openemr/test/db-root-password");
      expect(env.SITE_ADDRESS).to.equal("https://emr.example.org");
      expect(env.BACKUP_BUCKET).to.equal("bucket-1");
    });

    it("adds the tier's statements after the common ones", () => {
      expect(statements(p).map((s) => s.Sid)).to.deep.equal([
        "SsmAgent",
        "ReadOwnParameters",
        "ReportHealth",
        "WriteOwnLogs",
        "SessionTranscriptsToTheirLogGroup",
        "SessionAgentChecksTheLogGroup",
        "TierOwn",
      ]);
    });

    it("gives the admin the exact commands for the password and a shell", () => {
      expect(p.outputs.password).to.equal(
        "aws ssm get-parameter --region us-east-1 --with-decryption --name /openemr/test/admin-password --query Parameter.Value --output text",
      );
      expect(p.outputs.shell)
        .to.be.a("string")
        .and.match(/^aws ssm start-session --region us-east-1 --target /);
    });
  });
});
