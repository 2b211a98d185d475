import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface SecureBucketArgs {
  /**
   * "kms" with a customer-managed key, or "s3-managed" for buckets AWS services can only write with
   * SSE-S3 (load-balancer access logs).
   */
  encryption: { kind: "kms"; kmsKeyArn: pulumi.Input<string> } | { kind: "s3-managed" };
  /** Days after which current objects expire; undefined keeps them. */
  expireAfterDays?: number;
  /** Days after which superseded versions expire; at least `objectLock.days` when locked. */
  noncurrentExpireAfterDays: number;
  /**
   * Extra bucket-policy statements (service write access); the TLS-only deny is always added. May
   * return an Output when the statements need other resources' values (an account id, a principal).
   */
  extraStatements?: (bucketArn: string) => pulumi.Input<Record<string, unknown>[]>;
  /** What the bucket is for; tagged `openemr:purpose` so the policy pack can tell log buckets apart. */
  purpose: string;
  protect: boolean;
  /** Let `pulumi destroy` empty the bucket (throwaway stacks only). */
  forceDestroy?: boolean;
  /**
   * S3 Object Lock with a default retention for every new object version: it cannot be deleted or
   * overwritten in place (a new version is written instead) until `days` after it was written.
   * GOVERNANCE: principals with s3:BypassGovernanceRetention may still delete early (forceDestroy
   * does); COMPLIANCE: nobody can, the root included. Enabling it cannot be undone and keeps
   * versioning on for good. Needs noncurrentExpireAfterDays ≥ days.
   */
  objectLock?: ObjectLockSettings;
}

export interface ObjectLockSettings {
  mode: "GOVERNANCE" | "COMPLIANCE";
  /** Default retention in whole days (at least 1). */
  days: number;
}

/**
 * Pure: refuses Object Lock settings that cannot work with the rest of the bucket's settings.
 * S3 PutObjectLockConfiguration (botocore 1.43.11): DefaultRetention needs a Mode (GOVERNANCE |
 * COMPLIANCE) and a period, Days or Years, not both; the provider requires days ≥ 1
 * (hashicorp/terraform-provider-aws internal/service/s3, `validation.IntAtLeast(1)`). The API model
 * gives no upper bound. tools/aws-rules has no rule for these properties.
 */
export function objectLockProblem(args: SecureBucketArgs): string | undefined {
  const lock = args.objectLock;
  if (!lock) return undefined;
  if (lock.mode !== "GOVERNANCE" && lock.mode !== "COMPLIANCE") {
    return `objectLock.mode must be GOVERNANCE or COMPLIANCE, not ${JSON.stringify(lock.mode)}`;
  }
  if (!Number.isInteger(lock.days) || lock.days < 1) {
    return `objectLock.days must be a whole number of days, at least 1 (got ${lock.days})`;
  }
  if (args.noncurrentExpireAfterDays < lock.days) {
    return (
      `noncurrentExpireAfterDays (${args.noncurrentExpireAfterDays}) is shorter than the Object ` +
      `Lock retention (${lock.days} days): superseded versions must be kept at least as long as ` +
      `the lock keeps them. Set noncurrentExpireAfterDays to at least ${lock.days}.`
    );
  }
  if (lock.mode === "COMPLIANCE" && args.forceDestroy) {
    return (
      "objectLock COMPLIANCE with forceDestroy: no one can delete a COMPLIANCE-locked version " +
      "before its retention ends, so destroy could not empty the bucket. Use GOVERNANCE (which " +
      "forceDestroy bypasses) for a throwaway bucket."
    );
  }
  return undefined;
}

/**
 * The one hardened bucket: encryption, versioning, public access blocked, bucket-owner-enforced
 * ownership, a policy that denies any request not made over TLS, a lifecycle, and optionally S3
 * Object Lock with a default retention.
 */
export class SecureBucket extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  public readonly bucketName: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  public readonly policy: aws.s3.BucketPolicy;
  /** What replication and Object Lock wait for: S3 needs versioning on first. */
  public readonly versioning: aws.s3.BucketVersioning;

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:storage:SecureBucket", name, {}, opts);
    const child = { parent: this };
    const lockProblem = objectLockProblem(args);
    if (lockProblem) throw new Error(`SecureBucket ${name}: ${lockProblem}`);

    this.bucket = new aws.s3.Bucket(
      `${name}`,
      {
        bucketPrefix: `${name}-`.slice(0, 37).toLowerCase(),
        forceDestroy: args.forceDestroy ?? false,
        tags: { "openemr:purpose": args.purpose },
      },
      { ...child, protect: args.protect },
    );
    this.bucketName = this.bucket.bucket;
    this.arn = this.bucket.arn;

    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: this.bucket.id,
        rules: [
          args.encryption.kind === "kms"
            ? {
                applyServerSideEncryptionByDefault: {
                  sseAlgorithm: "aws:kms",
                  kmsMasterKeyId: args.encryption.kmsKeyArn,
                },
                bucketKeyEnabled: true,
              }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ],
      },
      child,
    );
    this.versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } },
      child,
    );
    if (args.objectLock) {
      // Enabled on the existing bucket by its own resource, never by the bucket's
      // `objectLockEnabled`: that input is ForceNew (hashicorp/terraform-provider-aws
      // internal/service/s3/bucket.go, object_lock_enabled Optional+Computed+ForceNew; listed in
      // tools/plan/replace-on-change.ts), so setting it would replace the bucket and lose its data.
      // Left unset it is Computed: it reads true after this resource runs and plans no diff.
      // PutObjectLockConfiguration with ObjectLockEnabled=Enabled turns Object Lock on for a
      // versioned bucket: "You can enable Object Lock for new or existing buckets" (botocore
      // 1.43.11 s3 PutObjectLockConfiguration), no token since Nov 2023 (terraform-provider-aws
      // issues #35153, #36938); @pulumi/aws 7.48.0 s3/bucketObjectLockConfiguration.d.ts: "can be
      // used enable Object Lock for new and existing buckets". Versioning must be on first.
      new aws.s3.BucketObjectLockConfiguration(
        `${name}-object-lock`,
        {
          bucket: this.bucket.id,
          objectLockEnabled: "Enabled",
          rule: { defaultRetention: { mode: args.objectLock.mode, days: args.objectLock.days } },
        },
        { ...child, dependsOn: [this.versioning] },
      );
    }
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: this.bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      child,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      child,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: this.bucket.id,
        rules: [
          {
            id: "retention",
            status: "Enabled",
            filter: {},
            ...(args.expireAfterDays !== undefined
              ? { expiration: { days: args.expireAfterDays } }
              : {}),
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentExpireAfterDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      child,
    );
    this.policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: this.bucket.id,
        policy: this.bucket.arn.apply((arn) =>
          pulumi.output(args.extraStatements ? args.extraStatements(arn) : []).apply((extra) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Sid: "DenyRequestsWithoutTls",
                  Effect: "Deny",
                  Principal: "*",
                  Action: "s3:*",
                  Resource: [arn, `${arn}/*`],
                  Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
                ...(extra as Record<string, unknown>[]),
              ],
            }),
          ),
        ),
      },
      { ...child, dependsOn: [publicAccess] },
    );
    this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
  }
}
