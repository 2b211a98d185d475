import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { Monitoring } from "../alarms/monitoring";
import { EncryptionKey, type KeyUser } from "../keys/encryption-key";
import { nameWithin, NAME_LIMITS } from "../naming/aws-names";
import { type ObjectLockSettings, SecureBucket } from "../storage/secure-bucket";

export interface CopyRegionArgs {
  /** The second region (`openemr:backupCopyRegion`), validated to differ from the stack's. */
  region: string;
  /** The services that write the copies there (the key's users in that region). */
  users: KeyUser[];
  protect: boolean;
}

/**
 * What a stack keeps in its copy region: an explicit provider for that region (`region` passed, so
 * the stack's `aws:region` never leaks in) and a customer-managed key there that the copies are
 * encrypted with. Created once per tier; its users are the services that write into the region.
 */
export class CopyRegion extends pulumi.ComponentResource {
  public readonly region: string;
  public readonly provider: aws.Provider;
  public readonly key: EncryptionKey;

  constructor(name: string, args: CopyRegionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:backup:CopyRegion", name, {}, opts);
    this.region = args.region;
    this.provider = new aws.Provider(`${name}-provider`, { region: args.region }, { parent: this });
    this.key = new EncryptionKey(
      `${name}-key`,
      {
        region: args.region,
        description: `${name}: backup copies in ${args.region}`,
        users: args.users,
        protect: args.protect,
      },
      { parent: this, provider: this.provider },
    );
    this.registerOutputs({ region: args.region, keyArn: this.key.arn });
  }
}

/** The objects and keys a replication role reads and writes. */
export interface ReplicationScope {
  sourceBucketArn: string;
  destinationBucketArn: string;
  sourceKeyArn: string;
  destinationKeyArn: string;
  sourceRegion: string;
  destinationRegion: string;
}

/**
 * Pure: the replication role's permissions, as the S3 User Guide lists them for SSE-KMS objects
 * ("Setting up permissions for live replication", "Replicating encrypted objects"): read the
 * source's replication configuration and versions, write replicas to the destination, decrypt with
 * the source key through S3 in the source region and encrypt with the destination key through S3
 * in the destination region. The source has Object Lock, so the role also reads each version's
 * retention and legal hold (S3 User Guide, "Object Lock considerations", "Using Object Lock with S3
 * Replication": s3:GetObjectRetention and s3:GetObjectLegalHold on the source).
 */
export function replicationPolicy(scope: ReplicationScope): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadSourceConfiguration",
        Effect: "Allow",
        Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
        Resource: scope.sourceBucketArn,
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
        Resource: `${scope.sourceBucketArn}/*`,
      },
      {
        Sid: "WriteReplicas",
        Effect: "Allow",
        Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
        Resource: `${scope.destinationBucketArn}/*`,
      },
      {
        Sid: "DecryptSource",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: scope.sourceKeyArn,
        Condition: {
          StringEquals: { "kms:ViaService": `s3.${scope.sourceRegion}.amazonaws.com` },
        },
      },
      {
        Sid: "EncryptReplicas",
        Effect: "Allow",
        Action: ["kms:Encrypt"],
        Resource: scope.destinationKeyArn,
        Condition: {
          StringEquals: { "kms:ViaService": `s3.${scope.destinationRegion}.amazonaws.com` },
        },
      },
    ],
  };
}

export interface BucketCopyArgs {
  /** The bucket replicated; versioned (SecureBucket always is). */
  source: SecureBucket;
  sourceKeyArn: pulumi.Input<string>;
  sourceRegion: string;
  copy: CopyRegion;
  /** The source's lifecycle and lock, given to the copy too. */
  expireAfterDays: number;
  objectLock: ObjectLockSettings;
  protect: boolean;
  /** `monitoring(...).alarm`: the replication-failed alarm notifies the stack's topic. */
  alarm: Monitoring["alarm"];
}

/** The replication rule's id (a dimension of its metrics). */
export const REPLICATION_RULE_ID = "copy-region";
/** The suffix of the alarm on failed replications: `<tier>-backup-copy-failed`. */
export const COPY_FAILED_ALARM = "backup-copy-failed";

/**
 * A copy of a bucket in the copy region: a SecureBucket there (versioned, under the copy region's
 * key, TLS-only, the same lifecycle and Object Lock as the source; S3 replicates from an Object Lock
 * bucket only to an Object Lock bucket, failing with DstBucketObjectLockConfigMissing otherwise, per
 * the S3 User Guide's "Replication failure reasons") and a replication rule of every new SSE-KMS object version.
 */
export class BucketCopy extends pulumi.ComponentResource {
  public readonly bucket: SecureBucket;
  public readonly replication: aws.s3.BucketReplicationConfig;
  public readonly failedAlarm: aws.cloudwatch.MetricAlarm;

  constructor(name: string, args: BucketCopyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:backup:BucketCopy", name, {}, opts);
    const child = { parent: this };
    const destinationKeyArn = args.copy.key.arn;
    this.bucket = new SecureBucket(
      `${name}`,
      {
        encryption: { kind: "kms", kmsKeyArn: destinationKeyArn },
        purpose: "backup-copies",
        expireAfterDays: args.expireAfterDays,
        noncurrentExpireAfterDays: args.expireAfterDays,
        objectLock: args.objectLock,
        protect: args.protect,
        forceDestroy: !args.protect,
      },
      { ...child, provider: args.copy.provider },
    );
    // the replicas' arrivals reach EventBridge in the copy region, as the source's do in its own
    new aws.s3.BucketNotification(
      `${name}-events`,
      { bucket: this.bucket.bucket.id, eventbridge: true },
      { ...child, provider: args.copy.provider },
    );
    const identity = aws.getCallerIdentityOutput({}, child);
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: nameWithin(`${name}-role`, NAME_LIMITS.iamRole),
        assumeRolePolicy: identity.accountId.apply((account) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "s3.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": account } },
              },
            ],
          }),
        ),
      },
      child,
    );
    const permissions = new aws.iam.RolePolicy(
      `${name}-role-replication`,
      {
        role: role.id,
        policy: pulumi
          .all([args.source.arn, this.bucket.arn, args.sourceKeyArn, destinationKeyArn])
          .apply(([sourceBucketArn, destinationBucketArn, sourceKeyArn, destKeyArn]) =>
            JSON.stringify(
              replicationPolicy({
                sourceBucketArn,
                destinationBucketArn,
                sourceKeyArn,
                destinationKeyArn: destKeyArn,
                sourceRegion: args.sourceRegion,
                destinationRegion: args.copy.region,
              }),
            ),
          ),
      },
      child,
    );
    this.replication = new aws.s3.BucketReplicationConfig(
      `${name}-replication`,
      {
        bucket: args.source.bucket.id,
        role: role.arn,
        rules: [
          {
            id: REPLICATION_RULE_ID,
            status: "Enabled",
            priority: 1,
            filter: {},
            deleteMarkerReplication: { status: "Disabled" },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
            destination: {
              bucket: this.bucket.arn,
              storageClass: "STANDARD",
              encryptionConfiguration: { replicaKmsKeyId: destinationKeyArn },
              // S3 Replication metrics, without which S3 reports no failed replication (S3 User
              // Guide, "Monitoring progress with replication metrics"): OperationsFailedReplication
              // among them. Billed as CloudWatch custom metrics; the threshold is the only value
              // S3 accepts without Replication Time Control (15 minutes)
              metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
            },
          },
        ],
      },
      { ...child, dependsOn: [args.source.versioning, this.bucket.versioning, permissions] },
    );
    // AWS/S3 OperationsFailedReplication, published in the source bucket's region by
    // SourceBucket, DestinationBucket and RuleId (S3 User Guide, "Metrics and dimensions",
    // replication metrics): objects S3 could not replicate (the copy key's policy, the copy
    // bucket's lock), which stay only in the source until replicated again
    this.failedAlarm = args.alarm(
      COPY_FAILED_ALARM,
      `S3 could not replicate backup objects to ${args.copy.region}: read the replication failure reasons (S3 console, the backup bucket's Metrics tab, or its objects' replication status FAILED), fix the cause, then replicate the failed objects again with S3 Batch Replication`,
      {
        namespace: "AWS/S3",
        metricName: "OperationsFailedReplication",
        dimensions: {
          SourceBucket: args.source.bucketName,
          DestinationBucket: this.bucket.bucketName,
          RuleId: REPLICATION_RULE_ID,
        },
        statistic: "Sum",
        period: 3600,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      },
    );
    this.registerOutputs({ bucketName: this.bucket.bucketName });
  }
}
