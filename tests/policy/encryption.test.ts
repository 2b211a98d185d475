import { expect } from "chai";
import { COMPUTED, type PlanFile, type PlanValue } from "../../tools/plan/types";
import {
  addResource,
  copyResource,
  dropDependency,
  dropResource,
  mutate,
  resource,
  retype,
  setProp,
  unsetProp,
  valueAt,
  type Target,
} from "../helpers/mutate";
import { expectPass, expectViolation, fargate, standard } from "./verdict";

const VOLUME = "aws:ebs/volume:Volume";
const INSTANCE = "aws:ec2/instance:Instance";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";
const BUCKET = "aws:s3/bucket:Bucket";
const SSE =
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";

// The standard (staging) and fargate (prod) plans' resources these policies look at.
const DATA_VOLUME: Target = [VOLUME, "openemr-staging-web-data"];
const WEB: Target = [INSTANCE, "openemr-staging-web"];
const DB: Target = [RDS_INSTANCE, "openemr-staging-db"];
const CLUSTER: Target = [RDS_CLUSTER, "openemr-prod-db-cluster"];
const AUDIT_BUCKET: Target = [BUCKET, "openemr-staging-audit-logs"];
const AUDIT_SSE: Target = [SSE, "openemr-staging-audit-logs-encryption"];
const LB_LOG_BUCKET: Target = [BUCKET, "openemr-staging-lb-access-logs"];

/** The web server's real root device, as an attached EBS block device named `deviceName`. */
async function blockDeviceLikeRoot(deviceName: string): Promise<Record<string, PlanValue>> {
  const root = valueAt(resource(await standard(), WEB), "rootBlockDevice");
  if (typeof root !== "object" || root === null || Array.isArray(root)) {
    throw new Error("the standard plan's web server has no rootBlockDevice");
  }
  return { ...root, deviceName };
}

/** A read replica of the standard plan's database, built from the real instance. */
function replicaOf(plan: PlanFile, ...unset: string[]): PlanFile {
  const replica: Target = [RDS_INSTANCE, "openemr-staging-db-replica"];
  return mutate(
    plan,
    copyResource(DB, "openemr-staging-db-replica"),
    setProp(replica, "replicateSourceDb", "openemr-staging-db"),
    ...unset.map((p) => unsetProp(replica, p)),
  );
}

describe("ebs-volume-encrypted", () => {
  const policy = "ebs-volume-encrypted";
  it("passes the standard plan's encrypted data volume", async () =>
    expectPass(await standard(), policy, DATA_VOLUME));
  it("catches encrypted: false", async () =>
    expectViolation(mutate(await standard(), setProp(DATA_VOLUME, "encrypted", false)), policy, {
      resource: "openemr-staging-web-data",
      says: ["not encrypted", "encrypted: true"],
    }));
  it("catches a volume that omits encrypted (Pulumi's default is unencrypted)", async () =>
    expectViolation(mutate(await standard(), unsetProp(DATA_VOLUME, "encrypted")), policy, {
      resource: "openemr-staging-web-data",
      says: ["encrypted: true"],
    }));
});

describe("ec2-instance-volumes-encrypted", () => {
  const policy = "ec2-instance-volumes-encrypted";
  it("passes an instance with encrypted root and block devices", async () =>
    expectPass(
      mutate(
        await standard(),
        setProp(WEB, "ebsBlockDevices", [await blockDeviceLikeRoot("/dev/sdf")]),
      ),
      policy,
      WEB,
    ));
  it("catches an instance without rootBlockDevice", async () =>
    expectViolation(mutate(await standard(), unsetProp(WEB, "rootBlockDevice")), policy, {
      resource: "openemr-staging-web",
      says: ["no rootBlockDevice", "rootBlockDevice: { encrypted: true }"],
    }));
  it("catches an unencrypted root volume", async () =>
    expectViolation(
      mutate(await standard(), setProp(WEB, "rootBlockDevice.encrypted", false)),
      policy,
      { resource: "openemr-staging-web", says: ["rootBlockDevice.encrypted: true"] },
    ));
  it("catches an unencrypted attached block device, naming the device", async () =>
    expectViolation(
      mutate(
        await standard(),
        setProp(WEB, "ebsBlockDevices", [
          await blockDeviceLikeRoot("/dev/sdf"),
          { ...(await blockDeviceLikeRoot("/dev/sdg")), encrypted: false },
        ]),
      ),
      policy,
      { resource: "openemr-staging-web", says: ['"/dev/sdg"', "encrypted: true"] },
    ));
  it("leaves the root volume of an instance built from a launch template to the template's policy", async () =>
    expectPass(
      mutate(
        await standard(),
        unsetProp(WEB, "rootBlockDevice"),
        setProp(WEB, "launchTemplate", { id: "lt-1", version: "$Latest" }),
      ),
      policy,
      WEB,
    ));
});

describe("launch-template-volumes-encrypted", () => {
  const policy = "launch-template-volumes-encrypted";
  const LT: Target = [LAUNCH_TEMPLATE, "lt"];
  // The program never creates launch templates: these are small hand-written ones, added to the
  // standard plan.
  const withTemplate = async (props: Record<string, PlanValue>) =>
    mutate(await standard(), addResource({ type: LAUNCH_TEMPLATE, name: "lt", props }));
  it('passes mappings with encrypted "true" (a string in the API)', async () =>
    expectPass(
      await withTemplate({
        blockDeviceMappings: [
          { deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeType: "gp3" } },
          { deviceName: "/dev/sdb", virtualName: "ephemeral0" },
        ],
      }),
      policy,
      LT,
    ));
  it("catches a template without block device mappings", async () =>
    expectViolation(await withTemplate({ imageId: "ami-1" }), policy, {
      resource: "lt",
      says: ["no blockDeviceMappings", 'encrypted: "true"'],
    }));
  it('catches encrypted "false"', async () =>
    expectViolation(
      await withTemplate({
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }],
      }),
      policy,
      { resource: "lt", says: ['"/dev/xvda"', 'ebs.encrypted: "true"'] },
    ));
  it("catches a mapping that omits encrypted", async () =>
    expectViolation(
      await withTemplate({
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 30 } }],
      }),
      policy,
      { resource: "lt", says: ['ebs.encrypted: "true"'] },
    ));
});

describe("rds-storage-encrypted", () => {
  const policy = "rds-storage-encrypted";
  it("passes the standard plan's encrypted instance and the fargate plan's encrypted cluster", async () => {
    await expectPass(await standard(), policy, DB);
    await expectPass(await fargate(), policy, CLUSTER);
  });
  it("catches an unencrypted instance", async () =>
    expectViolation(mutate(await standard(), unsetProp(DB, "storageEncrypted")), policy, {
      resource: "openemr-staging-db",
      says: ["storageEncrypted: true"],
    }));
  it("catches an unencrypted Aurora cluster", async () =>
    expectViolation(mutate(await fargate(), setProp(CLUSTER, "storageEncrypted", false)), policy, {
      resource: "openemr-prod-db-cluster",
      says: ["RDS cluster", "storageEncrypted: true"],
    }));
  it("skips read replicas, which inherit the source's encryption", async () =>
    expectPass(replicaOf(await standard(), "storageEncrypted", "kmsKeyId"), policy, [
      RDS_INSTANCE,
      "openemr-staging-db-replica",
    ]));
});

describe("efs-encrypted", () => {
  const policy = "efs-encrypted";
  const SITES: Target = ["aws:efs/fileSystem:FileSystem", "openemr-prod-sites-fs"];
  it("passes the fargate plan's encrypted file systems", async () =>
    expectPass(await fargate(), policy, SITES));
  it("catches a file system that omits encrypted (Pulumi's default is false)", async () =>
    expectViolation(mutate(await fargate(), unsetProp(SITES, "encrypted")), policy, {
      resource: "openemr-prod-sites-fs",
      says: ["encrypted: true"],
    }));
});

describe("elasticache-encrypted-at-rest", () => {
  const policy = "elasticache-encrypted-at-rest";
  const RG = "aws:elasticache/replicationGroup:ReplicationGroup";
  const CACHE_CLUSTER = "aws:elasticache/cluster:Cluster";
  // The program creates only a serverless cache; replication groups and cache clusters are small
  // hand-written resources added to the fargate plan.
  const withCache = async (type: string, name: string, props: Record<string, PlanValue>) =>
    mutate(await fargate(), addResource({ type, name, props }));
  it("passes an encrypted replication group and the fargate plan's serverless cache", async () => {
    await expectPass(await withCache(RG, "cache", { atRestEncryptionEnabled: true }), policy, [
      RG,
      "cache",
    ]);
    await expectPass(await fargate(), policy, [
      "aws:elasticache/serverlessCache:ServerlessCache",
      "openemr-prod-sessions-valkey",
    ]);
  });
  it("catches a replication group without at-rest encryption", async () =>
    expectViolation(await withCache(RG, "cache", { atRestEncryptionEnabled: false }), policy, {
      resource: "cache",
      says: ["atRestEncryptionEnabled: true"],
    }));
  it("refuses a standalone cache cluster, which cannot be encrypted at rest", async () =>
    expectViolation(await withCache(CACHE_CLUSTER, "memcached", { engine: "memcached" }), policy, {
      resource: "memcached",
      says: ["ServerlessCache", "atRestEncryptionEnabled: true"],
    }));
  it("leaves members of a replication group to the group", async () =>
    expectPass(await withCache(CACHE_CLUSTER, "member", { replicationGroupId: "cache" }), policy, [
      CACHE_CLUSTER,
      "member",
    ]));
});

describe("backup-vault-encrypted", () => {
  const policy = "backup-vault-encrypted";
  const VAULT: Target = ["aws:backup/vault:Vault", "openemr-staging-backup-vault"];
  it("passes a vault with a key, even when the key ARN is unknown during preview", async () =>
    expectPass(mutate(await standard(), setProp(VAULT, "kmsKeyArn", COMPUTED)), policy, VAULT));
  it("catches a vault without kmsKeyArn", async () =>
    expectViolation(mutate(await standard(), unsetProp(VAULT, "kmsKeyArn")), policy, {
      resource: "openemr-staging-backup-vault",
      says: ["kmsKeyArn"],
    }));
});

describe("cloudtrail-encrypted", () => {
  const policy = "cloudtrail-encrypted";
  const TRAIL: Target = ["aws:cloudtrail/trail:Trail", "openemr-staging-audit-trail"];
  it("passes the standard plan's trail, encrypted with its KMS key", async () =>
    expectPass(await standard(), policy, TRAIL));
  it("catches a trail without kmsKeyId", async () =>
    expectViolation(mutate(await standard(), unsetProp(TRAIL, "kmsKeyId")), policy, {
      resource: "openemr-staging-audit-trail",
      says: ["kmsKeyId", "cloudtrail.amazonaws.com"],
    }));
});

describe("s3-bucket-encryption", () => {
  const policy = "s3-bucket-encryption";
  const DEFAULT_ENCRYPTION = "rules.0.applyServerSideEncryptionByDefault";

  it("passes the standard plan's SSE-KMS audit-log bucket", async () =>
    expectPass(await standard(), policy, AUDIT_BUCKET));
  it("passes the standard plan's SSE-S3 bucket tagged as a load-balancer log bucket", async () => {
    const plan = await standard();
    const sse = resource(plan, [SSE, "openemr-staging-lb-access-logs-encryption"]);
    expect(valueAt(sse, `${DEFAULT_ENCRYPTION}.sseAlgorithm`)).to.equal("AES256");
    await expectPass(plan, policy, LB_LOG_BUCKET);
  });
  it("passes an SSE-S3 bucket matched by a configured name pattern", async () =>
    expectPass(
      mutate(await standard(), setProp(LB_LOG_BUCKET, ["tags", "openemr:purpose"], "logs")),
      policy,
      LB_LOG_BUCKET,
      { [policy]: { sseS3BucketNamePatterns: ["^openemr-staging-lb-access-logs$"] } },
    ));
  it("accepts aws:kms:dsse and the V2 resource tokens", async () =>
    expectPass(
      mutate(
        await standard(),
        retype(AUDIT_BUCKET, "aws:s3/bucketV2:BucketV2"),
        retype(
          AUDIT_SSE,
          "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
        ),
        setProp(
          [
            "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
            "openemr-staging-audit-logs-encryption",
          ],
          `${DEFAULT_ENCRYPTION}.sseAlgorithm`,
          "aws:kms:dsse",
        ),
      ),
      policy,
      ["aws:s3/bucketV2:BucketV2", "openemr-staging-audit-logs"],
    ));
  it("matches a configuration given the bucket's literal name (no property dependency)", async () => {
    const base = await standard();
    const name = valueAt(resource(base, AUDIT_SSE), "bucket");
    if (typeof name !== "string") throw new Error("the encryption configuration names no bucket");
    await expectPass(
      mutate(
        base,
        unsetProp(AUDIT_BUCKET, "bucketPrefix"),
        setProp(AUDIT_BUCKET, "bucket", name),
        dropDependency(AUDIT_SSE, "bucket"),
      ),
      policy,
      AUDIT_BUCKET,
    );
  });
  it("catches a bucket without an encryption configuration", async () =>
    expectViolation(mutate(await standard(), dropResource(AUDIT_SSE)), policy, {
      resource: "openemr-staging-audit-logs",
      says: ["no server-side encryption configuration", 'sseAlgorithm "aws:kms"'],
    }));
  it("catches SSE-S3 on a bucket that is not a load-balancer log bucket, with the tag that would allow it", async () =>
    expectViolation(
      mutate(await standard(), setProp(AUDIT_SSE, DEFAULT_ENCRYPTION, { sseAlgorithm: "AES256" })),
      policy,
      {
        resource: "openemr-staging-audit-logs",
        says: ['"AES256"', '"aws:kms"', "openemr:purpose=lb-access-logs"],
      },
    ));
  it("catches a configuration without rules", async () =>
    expectViolation(mutate(await standard(), setProp(AUDIT_SSE, "rules", [])), policy, {
      resource: "openemr-staging-audit-logs",
      says: ["has no rules", '"aws:kms"'],
    }));
  it("catches a rule without a default encryption", async () =>
    expectViolation(mutate(await standard(), unsetProp(AUDIT_SSE, DEFAULT_ENCRYPTION)), policy, {
      resource: "openemr-staging-audit-logs",
      says: ["without applyServerSideEncryptionByDefault"],
    }));
});
