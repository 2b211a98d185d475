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
  /** Days after which superseded versions expire. */
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
}

/**
 * The one hardened bucket: encryption, versioning, public access blocked, bucket-owner-enforced
 * ownership, a policy that denies any request not made over TLS, and a lifecycle.
 */
export class SecureBucket extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  public readonly bucketName: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  public readonly policy: aws.s3.BucketPolicy;

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:storage:SecureBucket", name, {}, opts);
    const child = { parent: this };

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
    new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } },
      child,
    );
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
