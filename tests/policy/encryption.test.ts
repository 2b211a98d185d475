import { COMPUTED } from "../../tools/plan/types";
import {
  expectPass,
  expectViolation,
  hardenedBucket,
  kmsKey,
  planOf,
  ref,
  single,
} from "./fixtures";

const VOLUME = "aws:ebs/volume:Volume";
const INSTANCE = "aws:ec2/instance:Instance";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";

describe("ebs-volume-encrypted", () => {
  const policy = "ebs-volume-encrypted";
  it("passes an encrypted volume", () =>
    expectPass(
      single(VOLUME, "data", { availabilityZone: "us-east-1a", encrypted: true }),
      policy,
    ));
  it("catches encrypted: false", () =>
    expectViolation(single(VOLUME, "data", { encrypted: false }), policy, {
      resource: "data",
      says: ["not encrypted", "encrypted: true"],
    }));
  it("catches a volume that omits encrypted (Pulumi's default is unencrypted)", () =>
    expectViolation(single(VOLUME, "data", { size: 20 }), policy, {
      resource: "data",
      says: ["encrypted: true"],
    }));
});

describe("ec2-instance-volumes-encrypted", () => {
  const policy = "ec2-instance-volumes-encrypted";
  const good = {
    rootBlockDevice: { encrypted: true },
    ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true }],
  };
  it("passes an instance with encrypted root and block devices", () =>
    expectPass(single(INSTANCE, "web", good), policy));
  it("catches an instance without rootBlockDevice", () =>
    expectViolation(single(INSTANCE, "web", { ami: "ami-1" }), policy, {
      resource: "web",
      says: ["no rootBlockDevice", "rootBlockDevice: { encrypted: true }"],
    }));
  it("catches an unencrypted root volume", () =>
    expectViolation(single(INSTANCE, "web", { rootBlockDevice: { encrypted: false } }), policy, {
      resource: "web",
      says: ["rootBlockDevice.encrypted: true"],
    }));
  it("catches an unencrypted attached block device, naming the device", () =>
    expectViolation(
      single(INSTANCE, "web", {
        ...good,
        ebsBlockDevices: [{ deviceName: "/dev/sdg", encrypted: false }],
      }),
      policy,
      { resource: "web", says: ['"/dev/sdg"', "encrypted: true"] },
    ));
  it("leaves the root volume of an instance built from a launch template to the template's policy", () =>
    expectPass(
      single(INSTANCE, "web", { launchTemplate: { id: "lt-1", version: "$Latest" } }),
      policy,
    ));
});

describe("launch-template-volumes-encrypted", () => {
  const policy = "launch-template-volumes-encrypted";
  it('passes mappings with encrypted "true" (a string in the API)', () =>
    expectPass(
      single(LAUNCH_TEMPLATE, "lt", {
        blockDeviceMappings: [
          { deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeType: "gp3" } },
          { deviceName: "/dev/sdb", virtualName: "ephemeral0" },
        ],
      }),
      policy,
    ));
  it("catches a template without block device mappings", () =>
    expectViolation(single(LAUNCH_TEMPLATE, "lt", { imageId: "ami-1" }), policy, {
      resource: "lt",
      says: ["no blockDeviceMappings", 'encrypted: "true"'],
    }));
  it('catches encrypted "false"', () =>
    expectViolation(
      single(LAUNCH_TEMPLATE, "lt", {
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }],
      }),
      policy,
      { resource: "lt", says: ['"/dev/xvda"', 'ebs.encrypted: "true"'] },
    ));
  it("catches a mapping that omits encrypted", () =>
    expectViolation(
      single(LAUNCH_TEMPLATE, "lt", {
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 30 } }],
      }),
      policy,
      { resource: "lt", says: ['ebs.encrypted: "true"'] },
    ));
});

describe("rds-storage-encrypted", () => {
  const policy = "rds-storage-encrypted";
  it("passes an encrypted instance and cluster", async () => {
    await expectPass(
      single(RDS_INSTANCE, "db", { engine: "mysql", storageEncrypted: true }),
      policy,
    );
    await expectPass(
      single(RDS_CLUSTER, "db", { engine: "aurora-mysql", storageEncrypted: true }),
      policy,
    );
  });
  it("catches an unencrypted instance", () =>
    expectViolation(single(RDS_INSTANCE, "db", { engine: "mysql" }), policy, {
      resource: "db",
      says: ["storageEncrypted: true"],
    }));
  it("catches an unencrypted Aurora cluster", () =>
    expectViolation(
      single(RDS_CLUSTER, "db", { engine: "aurora-mysql", storageEncrypted: false }),
      policy,
      {
        resource: "db",
        says: ["RDS cluster", "storageEncrypted: true"],
      },
    ));
  it("skips read replicas, which inherit the source's encryption", () =>
    expectPass(single(RDS_INSTANCE, "replica", { replicateSourceDb: "db" }), policy));
});

describe("efs-encrypted", () => {
  const policy = "efs-encrypted";
  const FS = "aws:efs/fileSystem:FileSystem";
  it("passes an encrypted file system", () =>
    expectPass(single(FS, "sites", { encrypted: true }), policy));
  it("catches a file system that omits encrypted (Pulumi's default is false)", () =>
    expectViolation(single(FS, "sites", {}), policy, {
      resource: "sites",
      says: ["encrypted: true"],
    }));
});

describe("elasticache-encrypted-at-rest", () => {
  const policy = "elasticache-encrypted-at-rest";
  const RG = "aws:elasticache/replicationGroup:ReplicationGroup";
  const CLUSTER = "aws:elasticache/cluster:Cluster";
  it("passes an encrypted replication group and a serverless cache", async () => {
    await expectPass(single(RG, "cache", { atRestEncryptionEnabled: true }), policy);
    await expectPass(
      single("aws:elasticache/serverlessCache:ServerlessCache", "cache", { engine: "valkey" }),
      policy,
    );
  });
  it("catches a replication group without at-rest encryption", () =>
    expectViolation(single(RG, "cache", { atRestEncryptionEnabled: false }), policy, {
      resource: "cache",
      says: ["atRestEncryptionEnabled: true"],
    }));
  it("refuses a standalone cache cluster, which cannot be encrypted at rest", () =>
    expectViolation(single(CLUSTER, "memcached", { engine: "memcached" }), policy, {
      resource: "memcached",
      says: ["ServerlessCache", "atRestEncryptionEnabled: true"],
    }));
  it("leaves members of a replication group to the group", () =>
    expectPass(single(CLUSTER, "member", { replicationGroupId: "cache" }), policy));
});

describe("backup-vault-encrypted", () => {
  const policy = "backup-vault-encrypted";
  const VAULT = "aws:backup/vault:Vault";
  it("passes a vault with a key, even when the key ARN is unknown during preview", () =>
    expectPass(single(VAULT, "vault", { kmsKeyArn: COMPUTED }), policy));
  it("catches a vault without kmsKeyArn", () =>
    expectViolation(single(VAULT, "vault", {}), policy, {
      resource: "vault",
      says: ["kmsKeyArn"],
    }));
});

describe("cloudtrail-encrypted", () => {
  const policy = "cloudtrail-encrypted";
  const TRAIL = "aws:cloudtrail/trail:Trail";
  it("passes a trail with a KMS key", () =>
    expectPass(single(TRAIL, "trail", { kmsKeyId: COMPUTED }), policy));
  it("catches a trail without kmsKeyId", () =>
    expectViolation(single(TRAIL, "trail", { isMultiRegionTrail: true }), policy, {
      resource: "trail",
      says: ["kmsKeyId", "cloudtrail.amazonaws.com"],
    }));
});

describe("s3-bucket-encryption", () => {
  const policy = "s3-bucket-encryption";
  const SSE =
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";

  it("passes a bucket with an SSE-KMS configuration", () =>
    expectPass(
      planOf((b) => hardenedBucket(b, "docs", { key: kmsKey(b, "key") })),
      policy,
    ));
  it("passes an SSE-S3 bucket tagged as a load-balancer log bucket", () =>
    expectPass(
      planOf((b) => hardenedBucket(b, "alb-logs", { sseS3: true, purpose: "lb-access-logs" })),
      policy,
    ));
  it("passes an SSE-S3 bucket matched by a configured name pattern", () =>
    expectPass(
      planOf((b) => hardenedBucket(b, "elb-logs", { sseS3: true, purpose: "logs" })),
      policy,
      { [policy]: { sseS3BucketNamePatterns: ["^elb-logs"] } },
    ));
  it("accepts aws:kms:dsse and the V2 resource tokens", () =>
    expectPass(
      planOf((b) => {
        const bucket = b.add("aws:s3/bucketV2:BucketV2", "v2", {});
        b.add(
          "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
          "v2-sse",
          {
            bucket: ref(bucket),
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms:dsse" } }],
          },
        );
      }),
      policy,
    ));
  it("matches a configuration given the bucket's literal name (no property dependency)", () =>
    expectPass(
      planOf((b) => {
        b.add("aws:s3/bucket:Bucket", "named", { bucket: "clinic-docs" });
        b.add(SSE, "named-sse", {
          bucket: "clinic-docs",
          rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
        });
      }),
      policy,
    ));
  it("catches a bucket without an encryption configuration", () =>
    expectViolation(
      planOf((b) => b.add("aws:s3/bucket:Bucket", "docs", {})),
      policy,
      {
        resource: "docs",
        says: ["no server-side encryption configuration", 'sseAlgorithm "aws:kms"'],
      },
    ));
  it("catches SSE-S3 on a bucket that is not a load-balancer log bucket, with the tag that would allow it", () =>
    expectViolation(
      planOf((b) => hardenedBucket(b, "docs", { sseS3: true, purpose: "documents" })),
      policy,
      { resource: "docs", says: ['"AES256"', '"aws:kms"', "openemr:purpose=lb-access-logs"] },
    ));
  it("catches a configuration without rules", () =>
    expectViolation(
      planOf((b) => {
        const bucket = b.add("aws:s3/bucket:Bucket", "docs", {});
        b.add(SSE, "docs-sse", { bucket: ref(bucket), rules: [] });
      }),
      policy,
      { resource: "docs", says: ["has no rules", '"aws:kms"'] },
    ));
  it("catches a rule without a default encryption", () =>
    expectViolation(
      planOf((b) => {
        const bucket = b.add("aws:s3/bucket:Bucket", "docs", {});
        b.add(SSE, "docs-sse", { bucket: ref(bucket), rules: [{ bucketKeyEnabled: true }] });
      }),
      policy,
      { resource: "docs", says: ["without applyServerSideEncryptionByDefault"] },
    ));
});
