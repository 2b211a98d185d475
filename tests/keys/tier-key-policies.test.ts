// Every use of a customer-managed key in each tier's plan, checked against that key's policy as the
// program passes it: the service that uses the key can, and nobody can use it directly.
import { expect } from "chai";
import { KEY_CRYPTO_ACTIONS } from "../../components/keys/encryption-key";
import type { PlanFile, PlanResource } from "../../tools/plan/types";
import { EXPRESS_PLUS, planStack } from "../helpers/plan";
import { ofType, prop } from "../helpers/resources";
import { type PolicyRequest, allows } from "./evaluate";

const ACCOUNT = "123456789012";
const KEY = "aws:kms/key:Key";

interface KeyStatement {
  Sid: string;
  Effect: string;
  Principal: { AWS?: string; Service?: string };
  Action: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

function statementsOf(key: PlanResource): KeyStatement[] {
  return (JSON.parse(prop<string>(key, "policy")) as { Statement: KeyStatement[] }).Statement;
}

type Use = (r: PlanResource, plan: PlanFile) => PolicyRequest[];

function through(service: string, actions: string[]): Use {
  return (_r, plan) =>
    actions.map((action) => ({
      principal: { account: ACCOUNT },
      action,
      context: {
        "kms:ViaService": `${service}.${plan.region}.amazonaws.com`,
        "kms:CallerAccount": ACCOUNT,
      },
    }));
}

const ebs = through("ec2", [
  "kms:CreateGrant",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:Decrypt",
  "kms:ReEncryptFrom",
  "kms:DescribeKey",
]);
const rds = through("rds", [
  "kms:CreateGrant",
  "kms:GenerateDataKey",
  "kms:Decrypt",
  "kms:DescribeKey",
]);
const s3 = through("s3", ["kms:GenerateDataKey", "kms:Decrypt"]);

const logGroup: Use = (r, plan) =>
  ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncryptFrom"].map((action) => ({
    principal: { service: `logs.${plan.region}.amazonaws.com` },
    action,
    context: {
      "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${plan.region}:${ACCOUNT}:log-group:${prop<string>(r, "name")}`,
    },
  }));

const trail: Use = (r, plan): PolicyRequest[] => {
  const arn = `arn:aws:cloudtrail:${plan.region}:${ACCOUNT}:trail/${prop<string>(r, "name")}`;
  return [
    {
      principal: { service: "cloudtrail.amazonaws.com" },
      action: "kms:GenerateDataKey",
      context: { "aws:SourceArn": arn, "kms:EncryptionContext:aws:cloudtrail:arn": arn },
    },
    {
      principal: { service: "cloudtrail.amazonaws.com" },
      action: "kms:DescribeKey",
      context: { "aws:SourceArn": arn },
    },
  ];
};

/** The alarms that notify the topic publish through CloudWatch's service principal. */
const topic: Use = (r, plan) => {
  const alarms = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) =>
    (a.propertyDependencies["alarmActions"] ?? []).includes(r.urn),
  );
  expect(alarms, `alarms notifying ${r.name}`).to.not.be.empty;
  return [
    ...alarms.flatMap((a) =>
      ["kms:GenerateDataKey", "kms:Decrypt"].map((action) => ({
        principal: { service: "cloudwatch.amazonaws.com" },
        action,
        context: {
          "aws:SourceAccount": ACCOUNT,
          "aws:SourceArn": `arn:aws:cloudwatch:${plan.region}:${ACCOUNT}:alarm:${a.name}`,
        },
      })),
    ),
    ...through("sns", ["kms:GenerateDataKey", "kms:Decrypt"])(r, plan),
  ];
};

const sessions =
  (target: string): Use =>
  () =>
    ["kms:GenerateDataKey", "kms:Decrypt"].map((action) => ({
      principal: { account: ACCOUNT },
      action,
      context: {
        "kms:CallerAccount": ACCOUNT,
        "kms:EncryptionContext:aws:ssm:SessionId": "admin-0123456789abcdef0",
        "kms:EncryptionContext:aws:ssm:TargetId": target,
      },
    }));
const ecsExecSessions = sessions("ecs:openemr-prod_task_container");

/** Resource type and property that take a key, and what the key must then allow. */
const USES: Record<string, Use> = {
  "aws:ec2/instance:Instance rootBlockDevice": ebs,
  "aws:ebs/volume:Volume kmsKeyId": ebs,
  // the host's backup script writes and reads SSE-KMS objects with the key (aws s3 cp --sse aws:kms)
  "aws:ec2/instance:Instance userData": s3,
  "aws:rds/instance:Instance kmsKeyId": rds,
  "aws:rds/instance:Instance performanceInsightsKmsKeyId": rds,
  "aws:rds/cluster:Cluster kmsKeyId": rds,
  "aws:rds/clusterInstance:ClusterInstance performanceInsightsKmsKeyId": rds,
  "aws:secretsmanager/secret:Secret kmsKeyId": through("secretsmanager", [
    "kms:GenerateDataKey",
    "kms:Decrypt",
    "kms:DescribeKey",
  ]),
  "aws:ssm/parameter:Parameter keyId": through("ssm", ["kms:Encrypt", "kms:Decrypt"]),
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration rules":
    s3,
  "aws:cloudwatch/logGroup:LogGroup kmsKeyId": logGroup,
  "aws:cloudtrail/trail:Trail kmsKeyId": trail,
  "aws:sns/topic:Topic kmsMasterKeyId": topic,
  "aws:backup/vault:Vault kmsKeyArn": through("backup", [
    "kms:CreateGrant",
    "kms:GenerateDataKey",
    "kms:Decrypt",
    "kms:DescribeKey",
  ]),
  "aws:efs/fileSystem:FileSystem kmsKeyId": through("elasticfilesystem", [
    "kms:CreateGrant",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:Decrypt",
    "kms:DescribeKey",
  ]),
  "aws:elasticache/serverlessCache:ServerlessCache kmsKeyId": through("elasticache", [
    "kms:CreateGrant",
    "kms:GenerateDataKey",
    "kms:Decrypt",
    "kms:DescribeKey",
  ]),
  "aws:ecs/cluster:Cluster configuration": ecsExecSessions,
  // Session Manager shells on the EC2 host: the client's data key, decrypted by the agent
  "aws:ssm/document:Document content": sessions("i-0123456789abcdef0"),
  // not uses: the alias names the key; IAM role policies are checked on their own below
  "aws:kms/alias:Alias targetKeyId": () => [],
  "aws:iam/rolePolicy:RolePolicy policy": () => [],
};

const STACKS: [string, string, Record<string, string>][] = [
  ["express-plus", "dev", EXPRESS_PLUS],
  ["standard", "staging", {}],
  ["fargate", "prod", {}],
  ["fargate with ECS Exec", "prod", { "openemr:fargate": JSON.stringify({ ecsExec: true }) }],
];

for (const [tier, stack, sets] of STACKS) {
  describe(`customer-managed key policies: ${tier} (${stack} plan)`, function () {
    let plan: PlanFile;
    let keys: PlanResource[];
    before(async () => {
      plan = await planStack(stack, sets);
      keys = ofType(plan, KEY);
    });

    /** Every (resource, property, key) where a resource takes one of the plan's keys. */
    function keyUses(): { r: PlanResource; property: string; key: PlanResource }[] {
      return plan.resources.flatMap((r) =>
        Object.entries(r.propertyDependencies).flatMap(([property, urns]) =>
          keys.filter((k) => urns.includes(k.urn)).map((key) => ({ r, property, key })),
        ),
      );
    }

    it("lets the account administer every key but never use one directly", () => {
      expect(keys).to.not.be.empty;
      for (const key of keys) {
        const statements = statementsOf(key);
        const admin = statements.find((s) => s.Sid === "AccountAdministersKey");
        expect(admin?.Principal, key.name).to.deep.equal({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
        expect(admin?.Action, key.name).to.include("kms:PutKeyPolicy").and.not.include("kms:*");
        for (const action of KEY_CRYPTO_ACTIONS) {
          const direct = { principal: { account: ACCOUNT }, action };
          expect(allows(statements, direct), `${key.name}: ${action}`).to.equal(false);
          expect(
            allows(statements, { ...direct, context: { "kms:CallerAccount": ACCOUNT } }),
            `${key.name}: ${action} by this account`,
          ).to.equal(false);
        }
      }
    });

    it("allows each use of a key by the service that makes it", () => {
      const uses = keyUses();
      expect(uses.length).to.be.greaterThan(keys.length);
      for (const { r, property, key } of uses) {
        const use = USES[`${r.type} ${property}`];
        expect(use, `${r.type} ${property} takes ${key.name}: add it to USES`).to.not.equal(
          undefined,
        );
        const statements = statementsOf(key);
        for (const request of use(r, plan)) {
          expect(
            allows(statements, request),
            `${r.name}.${property} → ${key.name}: ${request.action} ${JSON.stringify(request.context)}`,
          ).to.equal(true);
        }
      }
    });

    it("leaves no IAM permission on a key that its policy would make useless", () => {
      for (const { r, key } of keyUses().filter(
        (u) => u.r.type === "aws:iam/rolePolicy:RolePolicy",
      )) {
        const statements = statementsOf(key);
        const granted = (
          JSON.parse(prop<string>(r, "policy")) as { Statement: { Action: string | string[] }[] }
        ).Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).filter((a) =>
          a.startsWith("kms:"),
        );
        expect(granted, r.name).to.not.be.empty;
        // the contexts the key's statements for this account's principals can be reached in
        const contexts = statements
          .filter((s) => s.Principal.AWS !== undefined && s.Sid !== "AccountAdministersKey")
          .map((s) => ({
            "kms:CallerAccount": ACCOUNT,
            ...Object.fromEntries(
              Object.entries(s.Condition?.StringEquals ?? {})
                .filter(([k]) => k === "kms:ViaService")
                .map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]),
            ),
            ...(s.Condition?.Null ? { "kms:EncryptionContext:aws:ssm:SessionId": "s-1" } : {}),
          }));
        for (const action of granted) {
          expect(
            contexts.some((context) =>
              allows(statements, { principal: { account: ACCOUNT }, action, context }),
            ),
            `${r.name}: ${action} on ${key.name}`,
          ).to.equal(true);
        }
      }
    });
  });
}
