import { expect } from "chai";
import { COMPUTED } from "../../tools/plan/types";
import {
  CMK_MANDATORY,
  check,
  expectPass,
  expectViolation,
  hardenedBucket,
  planOf,
  single,
  violationsOf,
} from "./fixtures";

describe("kms-key-rotation", () => {
  const policy = "kms-key-rotation";
  const KEY = "aws:kms/key:Key";
  it("passes a rotating symmetric key", () =>
    expectPass(single(KEY, "key", { enableKeyRotation: true }), policy));
  it("catches a symmetric key without rotation", () =>
    expectViolation(single(KEY, "key", { description: "data" }), policy, {
      resource: "key",
      says: ["enableKeyRotation: true"],
    }));
  it("does not ask asymmetric keys to rotate (AWS cannot)", () =>
    expectPass(
      single(KEY, "signing", { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" }),
      policy,
    ));
  it("catches a key that bypasses the policy lockout safety check", () =>
    expectViolation(
      single(KEY, "key", { enableKeyRotation: true, bypassPolicyLockoutSafetyCheck: true }),
      policy,
      {
        resource: "key",
        says: ["bypassPolicyLockoutSafetyCheck"],
      },
    ));
});

interface CmkCase {
  policy: string;
  type: string;
  field: string;
  managedAlias?: string;
  extra?: Record<string, string | boolean>;
}

const cmkCases: CmkCase[] = [
  {
    policy: "secretsmanager-secret-customer-managed-key",
    type: "aws:secretsmanager/secret:Secret",
    field: "kmsKeyId",
    managedAlias: "alias/aws/secretsmanager",
  },
  {
    policy: "cloudwatch-log-group-customer-managed-key",
    type: "aws:cloudwatch/logGroup:LogGroup",
    field: "kmsKeyId",
  },
  {
    policy: "sns-topic-customer-managed-key",
    type: "aws:sns/topic:Topic",
    field: "kmsMasterKeyId",
    managedAlias: "alias/aws/sns",
  },
  {
    policy: "data-store-customer-managed-key",
    type: "aws:ebs/volume:Volume",
    field: "kmsKeyId",
    extra: { encrypted: true },
  },
  {
    policy: "data-store-customer-managed-key",
    type: "aws:efs/fileSystem:FileSystem",
    field: "kmsKeyId",
    extra: { encrypted: true },
  },
  {
    policy: "data-store-customer-managed-key",
    type: "aws:rds/instance:Instance",
    field: "kmsKeyId",
    extra: { storageEncrypted: true },
  },
  {
    policy: "data-store-customer-managed-key",
    type: "aws:rds/cluster:Cluster",
    field: "kmsKeyId",
    extra: { storageEncrypted: true },
  },
  {
    policy: "data-store-customer-managed-key",
    type: "aws:elasticache/replicationGroup:ReplicationGroup",
    field: "kmsKeyId",
  },
  {
    policy: "data-store-customer-managed-key",
    type: "aws:elasticache/serverlessCache:ServerlessCache",
    field: "kmsKeyId",
    extra: { engine: "valkey" },
  },
];

describe("customer-managed-key policies", () => {
  for (const c of cmkCases) {
    describe(`${c.policy} on ${c.type}`, () => {
      it("passes a resource with a customer-managed key (unknown during preview)", () =>
        expectPass(
          single(c.type, "res", { ...c.extra, [c.field]: COMPUTED }),
          c.policy,
          CMK_MANDATORY,
        ));
      it("is advisory by default", () =>
        expectViolation(single(c.type, "res", { ...c.extra }), c.policy, {
          resource: "res",
          level: "advisory",
          says: [`Set ${c.field} to a customer-managed KMS key`],
        }));
      it("is mandatory with config.cmk-mandatory.json", () =>
        expectViolation(single(c.type, "res", { ...c.extra }), c.policy, {
          resource: "res",
          config: CMK_MANDATORY,
          says: [c.field],
        }));
      if (c.managedAlias) {
        const alias = c.managedAlias;
        it(`catches the AWS-managed key ${alias}`, () =>
          expectViolation(single(c.type, "res", { [c.field]: alias }), c.policy, {
            resource: "res",
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
    const plan = single("aws:rds/instance:Instance", "db", {
      storageEncrypted: true,
      kmsKeyId: COMPUTED,
      performanceInsightsEnabled: true,
      manageMasterUserPassword: true,
    });
    await expectViolation(plan, policy, {
      resource: "db",
      config: CMK_MANDATORY,
      count: 2,
      says: ["performanceInsightsKmsKeyId", "masterUserSecretKmsKeyId"],
    });
  });
  it("asks for the root and block-device keys of an instance", () =>
    expectViolation(
      single("aws:ec2/instance:Instance", "web", {
        rootBlockDevice: { encrypted: true },
        ebsBlockDevices: [
          { deviceName: "/dev/sdf", encrypted: true, kmsKeyId: COMPUTED },
          { deviceName: "/dev/sdg", encrypted: true },
        ],
      }),
      policy,
      {
        resource: "web",
        config: CMK_MANDATORY,
        count: 2,
        says: ["rootBlockDevice.kmsKeyId", '"/dev/sdg"'],
      },
    ));
  it("asks for the key of launch-template volumes", () =>
    expectViolation(
      single("aws:ec2/launchTemplate:LaunchTemplate", "lt", {
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }],
      }),
      policy,
      { resource: "lt", config: CMK_MANDATORY, says: ["ebs.kmsKeyId"] },
    ));
  it("asks for the Performance Insights key of an Aurora instance", () =>
    expectViolation(
      single("aws:rds/clusterInstance:ClusterInstance", "writer", {
        performanceInsightsEnabled: true,
      }),
      policy,
      { resource: "writer", config: CMK_MANDATORY, says: ["performanceInsightsKmsKeyId"] },
    ));
  it("asks S3 SSE-KMS rules for a kmsMasterKeyId, and leaves SSE-S3 rules to s3-bucket-encryption", async () => {
    const plan = planOf((b) => {
      const kms = hardenedBucket(b, "docs");
      kms.sse.props["rules"] = [
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } },
      ];
      hardenedBucket(b, "alb-logs", { sseS3: true, purpose: "lb-access-logs" });
    });
    await expectViolation(plan, policy, {
      resource: "docs-sse",
      config: CMK_MANDATORY,
      says: ["applyServerSideEncryptionByDefault.kmsMasterKeyId"],
    });
  });
  it("does not ask read replicas for a key", async () => {
    const block = await check(
      single("aws:rds/instance:Instance", "replica", { replicateSourceDb: "db" }),
      CMK_MANDATORY,
    );
    expect(violationsOf(block, policy)).to.deep.equal([]);
  });
});
