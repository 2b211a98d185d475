import { expect } from "chai";
import { COMPUTED, type PlanFile, type PlanValue } from "../../tools/plan/types";
import {
  addResource,
  copyResource,
  mutate,
  resource,
  setProp,
  unsetProp,
  valueAt,
  type PlanEdit,
  type Target,
} from "../helpers/mutate";
import {
  CMK_MANDATORY,
  check,
  expectPass,
  expectViolation,
  fargate,
  standard,
  violationsOf,
} from "./verdict";

const RDS_INSTANCE = "aws:rds/instance:Instance";
const INSTANCE = "aws:ec2/instance:Instance";
const DB: Target = [RDS_INSTANCE, "openemr-staging-db"];
const WEB: Target = [INSTANCE, "openemr-staging-web"];

describe("kms-key-rotation", () => {
  const policy = "kms-key-rotation";
  const KEY: Target = ["aws:kms/key:Key", "openemr-staging-key-key"];
  it("passes the standard plan's rotating symmetric key", async () =>
    expectPass(await standard(), policy, KEY));
  it("catches a symmetric key without rotation", async () =>
    expectViolation(mutate(await standard(), unsetProp(KEY, "enableKeyRotation")), policy, {
      resource: "openemr-staging-key-key",
      says: ["enableKeyRotation: true"],
    }));
  it("does not ask asymmetric keys to rotate (AWS cannot)", async () =>
    expectPass(
      mutate(
        await standard(),
        unsetProp(KEY, "enableKeyRotation"),
        setProp(KEY, "customerMasterKeySpec", "RSA_2048"),
        setProp(KEY, "keyUsage", "SIGN_VERIFY"),
      ),
      policy,
      KEY,
    ));
  it("catches a key that bypasses the policy lockout safety check", async () =>
    expectViolation(
      mutate(await standard(), setProp(KEY, "bypassPolicyLockoutSafetyCheck", true)),
      policy,
      { resource: "openemr-staging-key-key", says: ["bypassPolicyLockoutSafetyCheck"] },
    ));
});

interface CmkCase {
  policy: string;
  /** The plan holding the resource, with whatever makes it one the policy checks. */
  plan: () => Promise<PlanFile>;
  target: Target;
  field: string;
  managedAlias?: string;
}

const RG = "aws:elasticache/replicationGroup:ReplicationGroup";

const cmkCases: CmkCase[] = [
  {
    policy: "secretsmanager-secret-customer-managed-key",
    plan: standard,
    target: ["aws:secretsmanager/secret:Secret", "openemr-staging-db-master-secret"],
    field: "kmsKeyId",
    managedAlias: "alias/aws/secretsmanager",
  },
  {
    policy: "cloudwatch-log-group-customer-managed-key",
    plan: standard,
    target: ["aws:cloudwatch/logGroup:LogGroup", "openemr-staging-containers"],
    field: "kmsKeyId",
  },
  {
    policy: "sns-topic-customer-managed-key",
    plan: standard,
    target: ["aws:sns/topic:Topic", "openemr-staging-alarms"],
    field: "kmsMasterKeyId",
    managedAlias: "alias/aws/sns",
  },
  {
    policy: "data-store-customer-managed-key",
    plan: standard,
    target: ["aws:ebs/volume:Volume", "openemr-staging-web-data"],
    field: "kmsKeyId",
  },
  {
    policy: "data-store-customer-managed-key",
    plan: fargate,
    target: ["aws:efs/fileSystem:FileSystem", "openemr-prod-sites-fs"],
    field: "kmsKeyId",
  },
  {
    policy: "data-store-customer-managed-key",
    plan: standard,
    target: DB,
    field: "kmsKeyId",
  },
  {
    policy: "data-store-customer-managed-key",
    plan: fargate,
    target: ["aws:rds/cluster:Cluster", "openemr-prod-db-cluster"],
    field: "kmsKeyId",
  },
  {
    policy: "data-store-customer-managed-key",
    // The program never creates a replication group: a small hand-written one with a key.
    plan: async () =>
      mutate(
        await fargate(),
        addResource({
          type: RG,
          name: "cache",
          props: { atRestEncryptionEnabled: true, kmsKeyId: COMPUTED },
        }),
      ),
    target: [RG, "cache"],
    field: "kmsKeyId",
  },
  {
    policy: "data-store-customer-managed-key",
    plan: fargate,
    target: ["aws:elasticache/serverlessCache:ServerlessCache", "openemr-prod-sessions-valkey"],
    field: "kmsKeyId",
  },
];

describe("customer-managed-key policies", () => {
  for (const c of cmkCases) {
    const name = c.target[1];
    const edited = async (...edits: PlanEdit[]) => mutate(await c.plan(), ...edits);
    describe(`${c.policy} on ${c.target[0]}`, () => {
      it("passes a resource with a customer-managed key (unknown during preview)", async () =>
        expectPass(
          await edited(setProp(c.target, c.field, COMPUTED)),
          c.policy,
          c.target,
          CMK_MANDATORY,
        ));
      it("is advisory by default", async () =>
        expectViolation(await edited(unsetProp(c.target, c.field)), c.policy, {
          resource: name,
          level: "advisory",
          says: [`Set ${c.field} to a customer-managed KMS key`],
        }));
      it("is mandatory with config.cmk-mandatory.json", async () =>
        expectViolation(await edited(unsetProp(c.target, c.field)), c.policy, {
          resource: name,
          config: CMK_MANDATORY,
          says: [c.field],
        }));
      if (c.managedAlias) {
        const alias = c.managedAlias;
        it(`catches the AWS-managed key ${alias}`, async () =>
          expectViolation(await edited(setProp(c.target, c.field, alias)), c.policy, {
            resource: name,
            config: CMK_MANDATORY,
            says: [alias, "customer-managed"],
          }));
      }
    });
  }
});

describe("data-store-customer-managed-key: nested keys", () => {
  const policy = "data-store-customer-managed-key";
  it("asks for the Performance Insights and managed-secret keys of a database that uses them", async () => {
    const plan = mutate(
      await standard(),
      setProp(DB, "performanceInsightsEnabled", true),
      unsetProp(DB, "password"),
      setProp(DB, "manageMasterUserPassword", true),
    );
    await expectViolation(plan, policy, {
      resource: "openemr-staging-db",
      config: CMK_MANDATORY,
      count: 2,
      says: ["performanceInsightsKmsKeyId", "masterUserSecretKmsKeyId"],
    });
  });
  it("asks for the root and block-device keys of an instance", async () => {
    const base = await standard();
    const root = valueAt(resource(base, WEB), "rootBlockDevice");
    if (typeof root !== "object" || root === null || Array.isArray(root)) {
      throw new Error("the standard plan's web server has no rootBlockDevice");
    }
    const rootWithoutKey = { ...root };
    delete rootWithoutKey["kmsKeyId"];
    const devices: PlanValue = [
      { ...root, deviceName: "/dev/sdf" },
      { ...rootWithoutKey, deviceName: "/dev/sdg" },
    ];
    await expectViolation(
      mutate(
        base,
        unsetProp(WEB, "rootBlockDevice.kmsKeyId"),
        setProp(WEB, "ebsBlockDevices", devices),
      ),
      policy,
      {
        resource: "openemr-staging-web",
        config: CMK_MANDATORY,
        count: 2,
        says: ["rootBlockDevice.kmsKeyId", '"/dev/sdg"'],
      },
    );
  });
  it("asks for the key of launch-template volumes", async () =>
    expectViolation(
      mutate(
        await standard(),
        // The program never creates launch templates: a small hand-written one.
        addResource({
          type: "aws:ec2/launchTemplate:LaunchTemplate",
          name: "lt",
          props: { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }] },
        }),
      ),
      policy,
      { resource: "lt", config: CMK_MANDATORY, says: ["ebs.kmsKeyId"] },
    ));
  it("asks for the Performance Insights key of an Aurora instance", async () => {
    const writer: Target = ["aws:rds/clusterInstance:ClusterInstance", "openemr-prod-db-writer"];
    const base = await fargate();
    expect(valueAt(resource(base, writer), "performanceInsightsEnabled")).to.equal(true);
    await expectViolation(mutate(base, unsetProp(writer, "performanceInsightsKmsKeyId")), policy, {
      resource: "openemr-prod-db-writer",
      config: CMK_MANDATORY,
      says: ["performanceInsightsKmsKeyId"],
    });
  });
  it("asks S3 SSE-KMS rules for a kmsMasterKeyId, and leaves SSE-S3 rules to s3-bucket-encryption", async () => {
    const SSE =
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
    const base = await standard();
    const lbLogs = resource(base, [SSE, "openemr-staging-lb-access-logs-encryption"]);
    expect(valueAt(lbLogs, "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm")).to.equal(
      "AES256",
    );
    await expectViolation(
      mutate(
        base,
        unsetProp(
          [SSE, "openemr-staging-audit-logs-encryption"],
          "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId",
        ),
      ),
      policy,
      {
        resource: "openemr-staging-audit-logs-encryption",
        config: CMK_MANDATORY,
        says: ["applyServerSideEncryptionByDefault.kmsMasterKeyId"],
      },
    );
  });
  it("does not ask read replicas for a key", async () => {
    const replica: Target = [RDS_INSTANCE, "openemr-staging-db-replica"];
    const block = await check(
      mutate(
        await standard(),
        copyResource(DB, "openemr-staging-db-replica"),
        setProp(replica, "replicateSourceDb", "openemr-staging-db"),
        unsetProp(replica, "kmsKeyId"),
      ),
      CMK_MANDATORY,
    );
    expect(violationsOf(block, policy)).to.deep.equal([]);
  });
});
