import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { assumeRolePolicyFor } from "../iam/trust";
import { NAME_LIMITS, nameWithin } from "../naming/aws-names";
import { retainedLogGroup } from "../logs/log-group";
import { SecureBucket } from "../storage/secure-bucket";

/** The ARN a trail will have, known before it exists (CloudTrail checks the bucket policy first). */
export function trailArn(partition: string, region: string, account: string, trailName: string) {
  return `arn:${partition}:cloudtrail:${region}:${account}:trail/${trailName}`;
}

/** A bucket-policy statement with plain values (what the builder returns; an aws.iam.PolicyStatement). */
export interface TrailBucketStatement extends aws.iam.PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Principal: { Service: string };
  Action: string;
  Resource: string;
  Condition: Record<string, Record<string, string>>;
}

/**
 * Pure: the bucket-policy statements that let CloudTrail deliver this account's logs for this trail
 * only: aws:SourceArn is the trail's ARN, objects go under AWSLogs/<account>/ and stay the bucket
 * owner's. https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
 */
export function cloudTrailBucketStatements(
  bucketArn: string,
  account: string,
  sourceTrailArn: string,
): TrailBucketStatement[] {
  return [
    {
      Sid: "CloudTrailChecksBucketAcl",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: bucketArn,
      Condition: { StringEquals: { "aws:SourceArn": sourceTrailArn } },
    },
    {
      Sid: "CloudTrailWritesThisAccountsLogs",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucketArn}/AWSLogs/${account}/*`,
      Condition: {
        StringEquals: {
          "s3:x-amz-acl": "bucket-owner-full-control",
          "aws:SourceArn": sourceTrailArn,
        },
      },
    },
  ];
}

/** An advanced event selector with plain values (an aws.cloudtrail.Trail advancedEventSelectors item). */
export interface TrailEventSelector extends aws.types.input.cloudtrail.TrailAdvancedEventSelector {
  name: string;
  fieldSelectors: { field: string; equals?: string[]; startsWiths?: string[] }[];
}

/**
 * Pure: the trail's advanced event selectors. All management events (what `readWriteType: All,
 * includeManagementEvents: true` recorded), and, for each bucket given, the write-only S3 data
 * events on its objects (PutObject, DeleteObject(s), CopyObject, multipart uploads, object lock and
 * tag changes): a deletion or overwrite of a backup is recorded with its caller, reads are not (they
 * are the cost). A trail takes basic or advanced selectors, not both.
 * Field rules (CloudTrail API Reference, AdvancedFieldSelector): eventCategory is required, Equals
 * only, Management or Data; readOnly Equals "true" or "false"; resources.type Equals only; for
 * AWS::S3::Object, resources.ARN StartsWith `arn:<partition>:s3:::<bucket_name>/` ("The trailing
 * slash is intentional; do not exclude it"); Name at most 1,000 characters, values 1 to 2,048.
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html
 */
export function trailEventSelectors(dataEventBucketArns: string[]): TrailEventSelector[] {
  const selectors: TrailEventSelector[] = [
    {
      name: "All management events",
      fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }],
    },
  ];
  if (dataEventBucketArns.length > 0) {
    for (const arn of dataEventBucketArns) {
      if (!/^arn:[a-z-]+:s3:::[^/]+$/.test(arn)) {
        throw new Error(
          `data events: ${arn} is not an S3 bucket ARN (arn:<partition>:s3:::<bucket>)`,
        );
      }
    }
    selectors.push({
      name: "Object writes and deletions in the backup buckets",
      fieldSelectors: [
        { field: "eventCategory", equals: ["Data"] },
        { field: "resources.type", equals: ["AWS::S3::Object"] },
        { field: "readOnly", equals: ["false"] },
        { field: "resources.ARN", startsWiths: dataEventBucketArns.map((arn) => `${arn}/`) },
      ],
    });
  }
  return selectors;
}

export interface AuditTrailArgs {
  /** The deployment region (the trail's ARN in its own policies). */
  region: string;
  /** Customer-managed key for the trail, its bucket and its log group (must allow cloudtrail, logs, s3). */
  kmsKeyArn: pulumi.Input<string>;
  retentionDays: number;
  logGroupPrefix: string;
  protect: boolean;
  /**
   * Buckets (ARNs) whose object writes and deletions the trail records as S3 data events, e.g. the
   * backup bucket. CloudTrail bills data events at $0.10 per 100,000 (no free copy), and they reach
   * the trail's log group too (CloudWatch Logs ingestion). Never the trail's own bucket: each log
   * file CloudTrail delivered would be a new event to deliver.
   */
  dataEventBucketArns?: pulumi.Input<string>[];
}

/**
 * A multi-region CloudTrail with log-file validation, encrypted with the customer-managed key,
 * delivered to a hardened bucket (kept at least as long as the log retention) and to CloudWatch Logs.
 */
export class AuditTrail extends pulumi.ComponentResource {
  public readonly trail: aws.cloudtrail.Trail;
  public readonly bucket: SecureBucket;
  public readonly logGroup: aws.cloudwatch.LogGroup;

  constructor(name: string, args: AuditTrailArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:audit:AuditTrail", name, {}, opts);
    const child = { parent: this };
    const identity = aws.getCallerIdentityOutput({}, child);
    const region = args.region;
    const partition = aws.getPartitionOutput({}, child).partition;
    const trailName = `${name}-trail`;

    this.bucket = new SecureBucket(
      `${name}-logs`,
      {
        encryption: { kind: "kms", kmsKeyArn: args.kmsKeyArn },
        purpose: "audit-trail",
        // the bucket keeps trail files at least as long as the log groups keep events
        expireAfterDays: args.retentionDays + 1,
        noncurrentExpireAfterDays: 30,
        protect: args.protect,
        extraStatements: (bucketArn) =>
          pulumi.all([identity.accountId, region, partition]).apply(([account, r, p]) => {
            const arn = trailArn(p, r, account, trailName);
            // SecureBucket takes plain records
            return cloudTrailBucketStatements(bucketArn, account, arn).map((st) => ({ ...st }));
          }),
      },
      child,
    );

    this.logGroup = retainedLogGroup(
      `${name}-events`,
      {
        logGroupName: `${args.logGroupPrefix}/cloudtrail`,
        retentionInDays: args.retentionDays,
        kmsKeyArn: args.kmsKeyArn,
        protect: args.protect,
      },
      child,
    );
    const role = new aws.iam.Role(
      `${name}-delivery-role`,
      {
        name: nameWithin(`${name}-delivery-role`, NAME_LIMITS.iamRole),
        assumeRolePolicy: assumeRolePolicyFor(
          "cloudtrail.amazonaws.com",
          identity.accountId.apply((account) => ({
            StringEquals: { "aws:SourceAccount": account },
          })),
        ),
      },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-delivery`,
      {
        role: role.id,
        policy: this.logGroup.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: `${arn}:log-stream:*`,
              },
            ],
          }),
        ),
      },
      child,
    );

    this.trail = new aws.cloudtrail.Trail(
      `${name}-trail`,
      {
        name: trailName,
        s3BucketName: this.bucket.bucketName,
        kmsKeyId: args.kmsKeyArn,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
        enableLogging: true,
        cloudWatchLogsGroupArn: pulumi.interpolate`${this.logGroup.arn}:*`,
        cloudWatchLogsRoleArn: role.arn,
        ...(args.dataEventBucketArns && args.dataEventBucketArns.length > 0
          ? {
              advancedEventSelectors: pulumi
                .all([pulumi.all(args.dataEventBucketArns), this.bucket.arn])
                .apply(([arns, ownArn]) => {
                  if (arns.includes(ownArn)) {
                    throw new Error(
                      `${name}: the trail cannot record data events on its own bucket`,
                    );
                  }
                  return trailEventSelectors(arns);
                }),
            }
          : { eventSelectors: [{ readWriteType: "All", includeManagementEvents: true }] }),
      },
      { ...child, dependsOn: [this.bucket.policy] },
    );
    this.registerOutputs({ trailArn: this.trail.arn });
  }
}
