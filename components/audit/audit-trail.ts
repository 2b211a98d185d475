import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { Monitoring } from "../alarms/monitoring";
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

/**
 * The CIS AWS Foundations monitoring controls this trail alarms on, with their filter patterns
 * verbatim as the AWS Security Hub User Guide gives them ("Amazon CloudWatch controls",
 * CloudWatch.1 to CloudWatch.14; awsdocs/aws-security-hub-user-guide doc_source/cloudwatch-controls.md
 * @ bda5bf7). Security Hub passes a control only on the exact pattern in a filter of its own
 * ("Additional fields or terms cannot be added to the metric filters"): each filter here joins
 * several controls to save a custom metric and an alarm apiece, so Security Hub still reports these
 * controls as failed while the events are alarmed on all the same.
 * Not here: CloudWatch.6 (console authentication failures: a mistyped password would page),
 * .8 (S3 bucket policies), .9 (AWS Config), .12 (network gateways) and .14 (VPCs): the two filters
 * are full (1,024 characters) and a third costs a metric and an alarm more.
 */
export const CIS_CONTROLS = {
  "CloudWatch.1": {
    cis: "CIS 1.2.0 1.1 and 3.3, CIS 1.4.0 1.7 and 4.3",
    what: 'usage of the "root" user',
    pattern: `{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}`,
  },
  "CloudWatch.2": {
    cis: "CIS 1.2.0 3.1",
    what: "unauthorized API calls",
    pattern: `{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}`,
  },
  "CloudWatch.3": {
    cis: "CIS 1.2.0 3.2",
    what: "Management Console sign-in without MFA",
    pattern: `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }`,
  },
  "CloudWatch.4": {
    cis: "CIS 1.2.0 3.4, CIS 1.4.0 4.4",
    what: "IAM policy changes",
    pattern: `{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}`,
  },
  "CloudWatch.5": {
    cis: "CIS 1.2.0 3.5, CIS 1.4.0 4.5",
    what: "CloudTrail configuration changes",
    pattern: `{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}`,
  },
  "CloudWatch.7": {
    cis: "CIS 1.2.0 3.7, CIS 1.4.0 4.7",
    what: "disabling or scheduled deletion of customer managed keys",
    pattern: `{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}`,
  },
  "CloudWatch.10": {
    cis: "CIS 1.2.0 3.10, CIS 1.4.0 4.10",
    what: "security group changes",
    pattern: `{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}`,
  },
  "CloudWatch.11": {
    cis: "CIS 1.2.0 3.11, CIS 1.4.0 4.11",
    what: "changes to network access control lists",
    pattern: `{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}`,
  },
  "CloudWatch.13": {
    cis: "CIS 1.2.0 3.13, CIS 1.4.0 4.13",
    what: "route table changes",
    pattern: `{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}`,
  },
} as const;

export type CisControlId = keyof typeof CIS_CONTROLS;

/**
 * PutMetricFilter's limits (botocore 1.43.11, logs 2014-03-28 service-2.json): filterName
 * FilterName 1 to 512, pattern `[^:*]*`; filterPattern FilterPattern at most 1,024; metricName
 * MetricName and metricNamespace MetricNamespace at most 255, pattern `[^:*$]*` (the model gives
 * them no minimum; an empty name is no name, so 1 here); one metric transformation per filter.
 */
export const METRIC_FILTER_LIMITS = {
  filterName: { min: 1, max: 512, pattern: /^[^:*]*$/ },
  filterPattern: { max: 1024 },
  metricName: { min: 1, max: 255, pattern: /^[^:*$]*$/ },
  metricNamespace: { min: 1, max: 255, pattern: /^[^:*$]*$/ },
} as const;

/** Where the security-event metrics go: one dimension-free metric per filter. */
export const SECURITY_METRIC_NAMESPACE = "OpenEMR/Security";

/** Pure: one filter pattern matching any event one of the controls' patterns matches. */
export function combinedPattern(controls: readonly CisControlId[]): string {
  // each control's expression keeps its own parentheses; () > && > || (CloudWatch Logs User Guide,
  // "Using compound expressions to match terms in JSON objects")
  const terms = controls.map((id) => `(${CIS_CONTROLS[id].pattern.slice(1, -1).trim()})`);
  return `{ ${terms.join(" || ")} }`;
}

/** A metric filter on the trail's log group and the alarm on its metric. */
export interface SecurityEventFilter {
  /** Pulumi name of the LogMetricFilter (`<trail component>-<key>`). */
  resourceName: string;
  filterName: string;
  pattern: string;
  metricNamespace: string;
  metricName: string;
  /** monitoring().alarm suffix: the alarm is `<monitoring name>-<alarmSuffix>`. */
  alarmSuffix: string;
  /** What the alarm means and what to do first (one line). */
  description: string;
  controls: readonly CisControlId[];
}

/** Pure: a problem with a filter's name, pattern or metric (PutMetricFilter's limits), or undefined. */
export function metricFilterProblem(f: SecurityEventFilter): string | undefined {
  const L = METRIC_FILTER_LIMITS;
  const checks: [string, string, { min?: number; max: number; pattern?: RegExp }][] = [
    ["filterName", f.filterName, L.filterName],
    ["filterPattern", f.pattern, L.filterPattern],
    ["metricName", f.metricName, L.metricName],
    ["metricNamespace", f.metricNamespace, L.metricNamespace],
  ];
  for (const [member, value, rule] of checks) {
    if (value.length < (rule.min ?? 0) || value.length > rule.max) {
      return `${member} is ${value.length} characters; PutMetricFilter takes ${rule.min ?? 0} to ${rule.max}`;
    }
    if (rule.pattern && !rule.pattern.test(value)) {
      return `${member} ${JSON.stringify(value)} does not match PutMetricFilter's ${rule.pattern.source}`;
    }
  }
  return undefined;
}

/**
 * Pure: the trail's two security-event filters. The metric names carry the trail component's name
 * (unique per account and region, like the trail's own name), so two stacks' trails in one account
 * do not count into one metric. `logGroupName` goes into the first response of the descriptions.
 * - access (CloudWatch.1 to .4): the root user, denied calls, console sign-ins without MFA, IAM
 *   policy changes: who can do what in the account;
 * - configuration (CloudWatch.5, .7, .10, .11, .13): the trail, key deletion, security groups,
 *   network ACLs and route tables: what protects the data and the network.
 */
export function securityEventFilters(name: string, logGroupName: string): SecurityEventFilter[] {
  const access: CisControlId[] = ["CloudWatch.1", "CloudWatch.2", "CloudWatch.3", "CloudWatch.4"];
  const configuration: CisControlId[] = [
    "CloudWatch.5",
    "CloudWatch.7",
    "CloudWatch.10",
    "CloudWatch.11",
    "CloudWatch.13",
  ];
  const lookup = `find the caller (userIdentity.arn) in ${logGroupName} for the alarm's 5 minutes`;
  const filters: SecurityEventFilter[] = [
    {
      resourceName: `${name}-security-access`,
      filterName: `${name}-security-access-events`,
      pattern: combinedPattern(access),
      metricNamespace: SECURITY_METRIC_NAMESPACE,
      metricName: `${name}-SecurityAccessEvents`,
      alarmSuffix: "security-access-event",
      description:
        `root-user use, a denied API call, a console sign-in without MFA or an IAM policy change ` +
        `(Security Hub CloudWatch.1-4): ${lookup}; unless it was you or your pulumi up, ` +
        `deactivate its access keys and rotate its credentials`,
      controls: access,
    },
    {
      resourceName: `${name}-security-configuration`,
      filterName: `${name}-security-configuration-changes`,
      pattern: combinedPattern(configuration),
      metricNamespace: SECURITY_METRIC_NAMESPACE,
      metricName: `${name}-SecurityConfigurationChanges`,
      alarmSuffix: "security-config-change",
      description:
        `a trail change, a KMS key disabled or scheduled for deletion, or a security group, ` +
        `network ACL or route table change (Security Hub CloudWatch.5, 7, 10, 11, 13): ${lookup}; ` +
        `unless it was your pulumi up, undo it (pulumi up, CancelKeyDeletion) and rotate its credentials`,
      controls: configuration,
    },
  ];
  for (const f of filters) {
    const problem = metricFilterProblem(f);
    if (problem) throw new Error(`${name}: security filter ${f.filterName}: ${problem}`);
  }
  return filters;
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
  /**
   * The stack's alarms. When given, the trail's log group gets the CIS security-event metric
   * filters (securityEventFilters) and each an alarm on the topic: Sum over 300 s >= 1 in one
   * period, missing data not breaching (no event is the normal state).
   */
  monitoring?: Monitoring;
}

/**
 * A multi-region CloudTrail with log-file validation, encrypted with the customer-managed key,
 * delivered to a hardened bucket (kept at least as long as the log retention) and to CloudWatch Logs.
 */
export class AuditTrail extends pulumi.ComponentResource {
  public readonly trail: aws.cloudtrail.Trail;
  public readonly bucket: SecureBucket;
  public readonly logGroup: aws.cloudwatch.LogGroup;
  /** The security-event metric filters and their alarms; empty without `monitoring`. */
  public readonly securityFilters: aws.cloudwatch.LogMetricFilter[] = [];
  public readonly securityAlarms: aws.cloudwatch.MetricAlarm[] = [];

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
        noncurrentExpireAfterDays: args.retentionDays + 1,
        // nobody (the deploy role, a stolen admin session) deletes or overwrites a trail file
        // before the retention ends; a protected stack's lock (COMPLIANCE) binds the root user too.
        // CloudTrail's own log file validation signs what it wrote; the lock keeps it there.
        objectLock: { mode: args.protect ? "COMPLIANCE" : "GOVERNANCE", days: args.retentionDays },
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

    if (args.monitoring) {
      const logGroupName = `${args.logGroupPrefix}/cloudtrail`;
      for (const f of securityEventFilters(name, logGroupName)) {
        this.securityFilters.push(
          new aws.cloudwatch.LogMetricFilter(
            f.resourceName,
            {
              name: f.filterName,
              logGroupName: this.logGroup.name,
              pattern: f.pattern,
              // no defaultValue: the metric is published only when an event matches
              metricTransformation: {
                name: f.metricName,
                namespace: f.metricNamespace,
                value: "1",
              },
            },
            child,
          ),
        );
        this.securityAlarms.push(
          args.monitoring.alarm(f.alarmSuffix, f.description, {
            namespace: f.metricNamespace,
            metricName: f.metricName,
            statistic: "Sum",
            period: 300,
            evaluationPeriods: 1,
            threshold: 1,
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            treatMissingData: "notBreaching",
          }),
        );
      }
    }
    this.registerOutputs({ trailArn: this.trail.arn });
  }
}
