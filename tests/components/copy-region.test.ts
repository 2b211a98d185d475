// Copies in a second region (openemr:backupCopyRegion): the copy region's provider and key, AWS
// Backup copy actions on every rule into a locked vault there with the rule's retention, and S3
// replication of a backup bucket to a locked, KMS-encrypted bucket there through a scoped role.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { BackupPlan } from "../../components/backup/backup-plan";
import { BucketCopy, CopyRegion, replicationPolicy } from "../../components/backup/copy-region";
import { monitoring } from "../../components/alarms/monitoring";
import { SecureBucket } from "../../components/storage/secure-bucket";
import { planComponent } from "./harness";

const COPY_REGION = "us-west-2";

/** True when `r` (a custom resource) is managed through `provider`. */
function managedBy(r: pulumi.CustomResource, provider: aws.Provider, token: string): boolean {
  return r.getProvider(token) === provider;
}

describe("CopyRegion", () => {
  it("creates a provider for the copy region and a key whose services are that region's", async () => {
    const p = await planComponent(() => {
      const copy = new CopyRegion("c", { region: COPY_REGION, users: ["backup"], protect: true });
      return { keyOnCopyProvider: managedBy(copy.key.key, copy.provider, "aws:kms/key:Key") };
    });
    expect(p.named("c-provider", "pulumi:providers:aws").props.region).to.equal(COPY_REGION);
    expect(p.outputs.keyOnCopyProvider).to.equal(true);
    const key = p.named("c-key-key", "aws:kms/key:Key");
    expect(key.opts.protect).to.equal(true);
    const policy = JSON.parse(key.props.policy as string) as {
      Statement: { Sid: string; Condition?: Record<string, Record<string, string>> }[];
    };
    const backup = policy.Statement.find((s) => s.Sid === "BackupInThisAccount");
    expect(backup?.Condition?.StringEquals?.["kms:ViaService"]).to.equal(
      `backup.${COPY_REGION}.amazonaws.com`,
    );
  });
});

describe("BackupPlan with copyTo", () => {
  const build = (protect: boolean) => () => {
    const key = new aws.kms.Key("source-key", { description: "test" });
    const copy = new CopyRegion("c", { region: COPY_REGION, users: ["backup"], protect });
    const backup = new BackupPlan("b", {
      kmsKeyArn: key.arn,
      resourceArns: ["arn:aws:rds:us-east-1:123456789012:db:x"],
      dailyRetentionDays: 35,
      weeklyRetentionDays: 90,
      monthlyRetentionDays: 2190,
      protect,
      copyTo: { provider: copy.provider, kmsKeyArn: copy.key.arn },
    });
    return {
      copyVaultArn: backup.copyVault!.arn,
      copyKeyArn: copy.key.arn,
      sourceVaultArn: backup.vault.arn,
      sourceKeyArn: key.arn,
      vaultOnCopyProvider: managedBy(backup.copyVault!, copy.provider, "aws:backup/vault:Vault"),
      sourceVaultOnDefault: backup.vault.getProvider("aws:backup/vault:Vault") === undefined,
    };
  };

  it("copies every rule into the copy vault for as long as the rule keeps its recovery point", async () => {
    const p = await planComponent(build(true));
    const { outputs } = p;
    const rules = p.named("b-plan", "aws:backup/plan:Plan").props.rules as Record<
      string,
      unknown
    >[];
    expect(rules.map((r) => r.copyActions)).to.deep.equal(
      [35, 90, 2190].map((deleteAfter) => [
        { destinationVaultArn: outputs.copyVaultArn, lifecycle: { deleteAfter } },
      ]),
    );
    expect(rules.map((r) => (r.lifecycle as { deleteAfter: number }).deleteAfter)).to.deep.equal([
      35, 90, 2190,
    ]);
  });

  it("plans the copy vault and key with the copy region's ARNs, the source vault with the stack's", async () => {
    const { outputs } = await planComponent(build(true));
    expect(outputs.copyVaultArn).to.match(/^arn:aws:backup:us-west-2:123456789012:/);
    expect(outputs.copyKeyArn).to.match(/^arn:aws:kms:us-west-2:123456789012:key\//);
    expect(outputs.sourceVaultArn).to.match(/^arn:aws:backup:us-east-1:123456789012:/);
    expect(outputs.sourceKeyArn).to.match(/^arn:aws:kms:us-east-1:123456789012:key\//);
  });

  it("puts the copy vault in the copy region under its key, with the vault's policy and lock", async () => {
    const p = await planComponent(build(true));
    const { outputs } = p;
    expect(outputs.vaultOnCopyProvider).to.equal(true);
    expect(outputs.sourceVaultOnDefault).to.equal(true);
    const vault = p.named("b-copy-vault", "aws:backup/vault:Vault");
    expect(vault.props.kmsKeyArn).to.equal(outputs.copyKeyArn);
    expect(vault.props.name).to.equal("b-copy-vault");
    expect(vault.opts.protect).to.equal(true);
    expect(vault.props.forceDestroy).to.equal(false);
    const policy = p.named("b-copy-vault-policy", "aws:backup/vaultPolicy:VaultPolicy");
    expect(policy.props.policy).to.equal(
      p.named("b-vault-policy", "aws:backup/vaultPolicy:VaultPolicy").props.policy,
    );
    const lock = p.named("b-copy-vault-lock").props;
    expect([lock.minRetentionDays, lock.maxRetentionDays, lock.changeableForDays]).to.deep.equal([
      35, 2190, 14,
    ]);
  });

  it("leaves a throwaway copy vault unlocked and destroyable", async () => {
    const p = await planComponent(build(false));
    const { resources } = p;
    expect(p.named("b-copy-vault").props.forceDestroy).to.equal(true);
    expect(resources.filter((r) => r.name === "b-copy-vault-lock")).to.deep.equal([]);
  });

  it("has no copy actions without copyTo", async () => {
    const p = await planComponent(() => {
      new BackupPlan("b", {
        kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
        resourceArns: [],
        dailyRetentionDays: 35,
        weeklyRetentionDays: 90,
        monthlyRetentionDays: 2190,
        protect: false,
      });
    });
    const rules = p.named("b-plan").props.rules as Record<string, unknown>[];
    expect(rules.map((r) => r.copyActions)).to.deep.equal([undefined, undefined, undefined]);
  });
});

describe("BucketCopy", () => {
  const build = () => {
    const key = new aws.kms.Key("source-key", { description: "test" });
    const source = new SecureBucket("src", {
      encryption: { kind: "kms", kmsKeyArn: key.arn },
      purpose: "backups",
      expireAfterDays: 30,
      noncurrentExpireAfterDays: 30,
      objectLock: { mode: "COMPLIANCE", days: 30 },
      protect: true,
    });
    const copy = new CopyRegion("c", { region: COPY_REGION, users: ["s3"], protect: true });
    const alarms = monitoring("t", {}, {});
    const bucketCopy = new BucketCopy("dst", {
      source,
      sourceKeyArn: key.arn,
      sourceRegion: "us-east-1",
      copy,
      expireAfterDays: 30,
      objectLock: { mode: "COMPLIANCE", days: 30 },
      protect: true,
      alarm: alarms.alarm,
    });
    return {
      sourceName: source.bucketName,
      copyName: bucketCopy.bucket.bucketName,
      sourceDomain: source.bucket.bucketRegionalDomainName,
      copyDomain: bucketCopy.bucket.bucket.bucketRegionalDomainName,
      sourceRegion: source.bucket.region,
      copyRegion: bucketCopy.bucket.bucket.region,
      sourceKeyArn: key.arn,
      sourceArn: source.arn,
      sourceId: source.bucket.id,
      copyArn: bucketCopy.bucket.arn,
      copyKeyArn: copy.key.arn,
      bucketOnCopyProvider: managedBy(
        bucketCopy.bucket.bucket,
        copy.provider,
        "aws:s3/bucket:Bucket",
      ),
      replicationOnDefault:
        bucketCopy.replication.getProvider(
          "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        ) === undefined,
    };
  };

  it("replicates SSE-KMS objects to the copy bucket, re-encrypted with the copy region's key", async () => {
    const p = await planComponent(build);
    const { outputs } = p;
    const replication = p.named("dst-replication");
    expect(replication.props.bucket).to.equal(outputs.sourceId);
    expect(replication.props.rules).to.deep.equal([
      {
        id: "copy-region",
        status: "Enabled",
        priority: 1,
        filter: {},
        deleteMarkerReplication: { status: "Disabled" },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
        destination: {
          bucket: outputs.copyArn,
          storageClass: "STANDARD",
          encryptionConfiguration: { replicaKmsKeyId: outputs.copyKeyArn },
          // replication metrics: S3 counts failed replications only with them on
          metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
        },
      },
    ]);
    expect(p.dependsOn(replication).map((r) => r.name)).to.include.members([
      "src-versioning",
      "dst-versioning",
      "dst-role-replication",
    ]);
    expect(outputs.replicationOnDefault).to.equal(true);
  });

  it("alarms on the topic when S3 fails to replicate, by the rule's source, destination and id", async () => {
    const p = await planComponent(build);
    const { outputs } = p;
    const alarm = p.named("t-backup-copy-failed", "aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarm.props).to.deep.include({
      namespace: "AWS/S3",
      metricName: "OperationsFailedReplication",
      dimensions: {
        SourceBucket: outputs.sourceName,
        DestinationBucket: outputs.copyName,
        RuleId: "copy-region",
      },
      statistic: "Sum",
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
    });
    expect(alarm.props.alarmDescription).to.match(/^t: S3 could not replicate .* us-west-2/);
    const topic = p.named("t-alarms", "aws:sns/topic:Topic");
    expect(p.dependenciesOf(alarm, "alarmActions").map((r) => r.urn)).to.deep.equal([topic.urn]);
  });

  it("plans the copy bucket in the copy region and the source in the stack's (the mocks follow the provider)", async () => {
    const { outputs } = await planComponent(build);
    expect([outputs.sourceRegion, outputs.copyRegion]).to.deep.equal(["us-east-1", COPY_REGION]);
    expect(outputs.sourceDomain).to.match(/\.s3\.us-east-1\.amazonaws\.com$/);
    expect(outputs.copyDomain).to.match(/\.s3\.us-west-2\.amazonaws\.com$/);
    // a bucket's ARN names no region (arn:aws:s3:::<name>)
    expect(outputs.copyArn).to.equal(`arn:aws:s3:::${outputs.copyName as string}`);
  });

  it("keeps the copy in the copy region, locked, versioned and under the copy key as long as the source", async () => {
    const p = await planComponent(build);
    const { outputs } = p;
    expect(outputs.bucketOnCopyProvider).to.equal(true);
    expect(p.named("dst-object-lock").props.rule).to.deep.equal({
      defaultRetention: { mode: "COMPLIANCE", days: 30 },
    });
    expect(p.named("dst-versioning").props.versioningConfiguration).to.deep.equal({
      status: "Enabled",
    });
    const sse = p.named("dst-encryption").props.rules as Record<string, unknown>[];
    expect(sse[0].applyServerSideEncryptionByDefault).to.deep.equal({
      sseAlgorithm: "aws:kms",
      kmsMasterKeyId: outputs.copyKeyArn,
    });
    const lifecycle = p.named("dst-lifecycle").props.rules as Record<string, unknown>[];
    expect(lifecycle[0].expiration).to.deep.equal({ days: 30 });
    const policy = JSON.parse(p.named("dst-policy").props.policy as string) as {
      Statement: { Sid: string }[];
    };
    expect(policy.Statement.map((s) => s.Sid)).to.deep.equal(["DenyRequestsWithoutTls"]);
  });

  it("lets S3 assume the replication role only for this account, scoped to the two buckets and keys", async () => {
    const p = await planComponent(build);
    const { outputs } = p;
    const trust = JSON.parse(p.named("dst-role").props.assumeRolePolicy as string) as {
      Statement: Record<string, unknown>[];
    };
    expect(trust.Statement).to.deep.equal([
      {
        Effect: "Allow",
        Principal: { Service: "s3.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
      },
    ]);
    const permissions = JSON.parse(
      p.named("dst-role-replication").props.policy as string,
    ) as unknown;
    expect(permissions).to.deep.equal(
      replicationPolicy({
        sourceBucketArn: outputs.sourceArn as string,
        destinationBucketArn: outputs.copyArn as string,
        sourceKeyArn: outputs.sourceKeyArn as string,
        destinationKeyArn: outputs.copyKeyArn as string,
        sourceRegion: "us-east-1",
        destinationRegion: COPY_REGION,
      }),
    );
  });

  it("grants the replication actions S3's guide lists (with Object Lock's), KMS only through S3 in each key's region", () => {
    const doc = replicationPolicy({
      sourceBucketArn: "arn:aws:s3:::src",
      destinationBucketArn: "arn:aws:s3:::dst",
      sourceKeyArn: "arn:aws:kms:us-east-1:1:key/a",
      destinationKeyArn: "arn:aws:kms:us-west-2:1:key/b",
      sourceRegion: "us-east-1",
      destinationRegion: "us-west-2",
    });
    expect(doc.Statement).to.deep.equal([
      {
        Sid: "ReadSourceConfiguration",
        Effect: "Allow",
        Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
        Resource: "arn:aws:s3:::src",
      },
      {
        Sid: "ReadSourceVersions",
        Effect: "Allow",
        Action: [
          "s3:GetObjectVersionForReplication",
          "s3:GetObjectVersionAcl",
          "s3:GetObjectVersionTagging",
          "s3:GetObjectRetention",
          "s3:GetObjectLegalHold",
        ],
        Resource: "arn:aws:s3:::src/*",
      },
      {
        Sid: "WriteReplicas",
        Effect: "Allow",
        Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
        Resource: "arn:aws:s3:::dst/*",
      },
      {
        Sid: "DecryptSource",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: "arn:aws:kms:us-east-1:1:key/a",
        Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
      },
      {
        Sid: "EncryptReplicas",
        Effect: "Allow",
        Action: ["kms:Encrypt"],
        Resource: "arn:aws:kms:us-west-2:1:key/b",
        Condition: { StringEquals: { "kms:ViaService": "s3.us-west-2.amazonaws.com" } },
      },
    ]);
  });
});
