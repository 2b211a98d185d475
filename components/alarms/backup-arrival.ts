// The backup alarm the host cannot keep green by itself: it counts S3's own "Object Created" events
// for the backup prefix, not a metric the host publishes. A compromised host can still stop the
// backups (the alarm fires) or write objects of its own (it cannot delete or overwrite the earlier
// ones once the bucket has Object Lock); what it can no longer do is report success for a backup
// that never reached the bucket.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { retainedLogGroup } from "../logs/log-group";
import { fitName } from "../naming/aws-names";
import type { Monitoring } from "./monitoring";

/**
 * EventBridge PutRule (botocore 1.43.11): Name 1-64 of `[\.\-_A-Za-z0-9]+`, Description at most
 * 512, EventPattern at most 4096 characters; PutTargets Target.Id 1-64 of the same pattern. None of
 * these is in tools/aws-rules, so they are checked here (and in tests).
 */
export const EVENTBRIDGE_LIMITS = {
  ruleName: 64,
  description: 512,
  eventPattern: 4096,
  targetId: 64,
} as const;

/**
 * Key prefixes this function accepts: S3's "safe" key characters (alphanumerics and `! - _ . * '
 * ( )`, with `/` as the delimiter; Amazon S3 User Guide, "Naming Amazon S3 objects"), at most 256
 * characters, not starting with `/`. Safe characters appear in the event's detail.object.key
 * exactly as written, so a prefix match on them is exact.
 */
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/?$/;
const KEY_PREFIX_MAX = 256;

export interface BackupArrivalArgs {
  /** The backup bucket's name (a SecureBucket's `bucketName`). */
  bucketName: pulumi.Input<string>;
  /** Where the host writes its backups, e.g. "openemr/". */
  keyPrefix: string;
  /** `monitoring(...).alarm`: the alarm notifies the stack's topic when it fires and clears. */
  alarm: Monitoring["alarm"];
  /**
   * The rule's target: a log group that keeps one entry per arrived backup object (a record the
   * host cannot write). It also gives the rule a target: the EventBridge metrics documentation
   * does not say that a rule without one emits its per-rule metrics, so it is not left to chance.
   */
  eventLog: {
    /** e.g. `/openemr/<stack>/backup-arrivals`. */
    logGroupName: pulumi.Input<string>;
    retentionInDays: number;
    kmsKeyArn?: pulumi.Input<string>;
    protect: boolean;
  };
}

export interface BackupArrival {
  notification: aws.s3.BucketNotification;
  rule: aws.cloudwatch.EventRule;
  logGroup: aws.cloudwatch.LogGroup;
  logPolicy: aws.cloudwatch.LogResourcePolicy;
  target: aws.cloudwatch.EventTarget;
  alarm: aws.cloudwatch.MetricAlarm;
}

/** The alarm's suffix: monitoring() names it `<tier>-backup-not-arrived`. */
export const BACKUP_ARRIVAL_ALARM = "backup-not-arrived";
/** The log group target's id (PutTargets Target.Id). */
export const BACKUP_ARRIVAL_TARGET_ID = "backup-arrival-log";

/** Pure: a problem with the key prefix, or undefined. */
export function keyPrefixProblem(keyPrefix: string): string | undefined {
  if (keyPrefix.length === 0 || keyPrefix.length > KEY_PREFIX_MAX || !KEY_PREFIX.test(keyPrefix)) {
    return (
      `keyPrefix ${JSON.stringify(keyPrefix)} must be 1 to ${KEY_PREFIX_MAX} of S3's safe key ` +
      `characters (letters, digits, ! - _ . * ' ( ) and / between segments), not starting with /`
    );
  }
  return undefined;
}

/**
 * Pure: the rule's event pattern. The event S3 sends to EventBridge for a new object (PutObject,
 * CopyObject, CompleteMultipartUpload) has source "aws.s3", detail-type "Object Created",
 * detail.bucket.name and detail.object.key (Amazon S3 User Guide, "Using EventBridge"; the same
 * pattern is the "Emit events to EventBridge" example of @pulumi/aws 7.48.0
 * s3/bucketNotification.d.ts); `[{ "prefix": ... }]` is EventBridge's prefix matching
 * (EventBridge User Guide, "Content filtering in event patterns").
 */
export function objectCreatedPattern(bucketName: string, keyPrefix: string): string {
  const pattern = JSON.stringify({
    source: ["aws.s3"],
    "detail-type": ["Object Created"],
    detail: {
      bucket: { name: [bucketName] },
      object: { key: [{ prefix: keyPrefix }] },
    },
  });
  if (pattern.length > EVENTBRIDGE_LIMITS.eventPattern) {
    throw new Error(`backupArrivalAlarm: the event pattern exceeds 4096 characters`);
  }
  return pattern;
}

/**
 * Pure: the CloudWatch Logs resource policy that lets EventBridge write the matched events into
 * the log group. A log group target needs one, and no RoleArn (EventBridge User Guide, "Using
 * resource-based policies", CloudWatch Logs permissions); the principals and actions are those
 * the EventBridge console writes. Scoped to this one log group, and attached to it (resourceArn),
 * so it does not use one of the account's 10 account-scoped policies (logs PutResourcePolicy).
 */
export function eventLogPolicy(logGroupArn: string): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EventBridgeWritesBackupArrivals",
        Effect: "Allow",
        Principal: { Service: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] },
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${logGroupArn}:*`,
      },
    ],
  };
}

/**
 * The express-plus backup alarm driven by S3 itself: the bucket sends its events to EventBridge, a
 * rule matches "Object Created" under the backup prefix and writes each into a retained log group,
 * and an alarm fires when the rule ran on no object for a whole day.
 *
 * Metric: AWS/Events TriggeredRules by RuleName, "the number of rules that have run and matched
 * with any event" (EventBridge User Guide, "Monitoring Amazon EventBridge"). It is per rule in every
 * version of that table (MatchedEvents was account-wide, "Valid Dimensions: None", before it gained
 * RuleName), and "you won't see this metric in CloudWatch until a rule is triggered": a day without
 * a backup is a day without data, so missing data is breaching. A rule on the default bus is
 * addressed by RuleName alone (same page). Period 86400, like the host's own BackupSucceeded alarm.
 *
 * Resources are the caller's children (like monitoring()).
 */
export function backupArrivalAlarm(
  name: string,
  args: BackupArrivalArgs,
  opts: pulumi.CustomResourceOptions,
): BackupArrival {
  const problem = keyPrefixProblem(args.keyPrefix);
  if (problem) throw new Error(`backupArrivalAlarm ${name}: ${problem}`);

  // S3 sends every event of the bucket to the default bus once EventBridge is on. Not quite free:
  // the EventBridge pricing page counts S3's as "AWS opt-in data events", billed per event ingested
  // (unlike the free management events); a backup bucket sees a few hundred a month. The
  // BucketNotification is the bucket's whole notification configuration: nothing else of this
  // program configures the backup bucket's.
  const notification = new aws.s3.BucketNotification(
    `${name}-backup-events`,
    { bucket: args.bucketName, eventbridge: true },
    opts,
  );

  const ruleName = `${name}-backup-arrival`;
  const rule = new aws.cloudwatch.EventRule(
    ruleName,
    {
      // named, not autonamed: the alarm's RuleName dimension is then known at plan time; unique
      // per stack (the tier name holds the stack name), fitted into PutRule's 64 characters
      name: fitName(ruleName, EVENTBRIDGE_LIMITS.ruleName),
      description: pulumi
        .output(args.bucketName)
        .apply((bucket) =>
          `${name}: a backup object arrived under s3://${bucket}/${args.keyPrefix}`.slice(
            0,
            EVENTBRIDGE_LIMITS.description,
          ),
        ),
      eventPattern: pulumi
        .output(args.bucketName)
        .apply((bucket) => objectCreatedPattern(bucket, args.keyPrefix)),
    },
    opts,
  );

  const logGroup = retainedLogGroup(
    `${name}-backup-arrival-log`,
    {
      logGroupName: args.eventLog.logGroupName,
      retentionInDays: args.eventLog.retentionInDays,
      kmsKeyArn: args.eventLog.kmsKeyArn,
      protect: args.eventLog.protect,
    },
    opts,
  );
  const logPolicy = new aws.cloudwatch.LogResourcePolicy(
    `${name}-backup-arrival-log-policy`,
    {
      resourceArn: logGroup.arn,
      policyDocument: logGroup.arn.apply((arn) => JSON.stringify(eventLogPolicy(arn))),
    },
    opts,
  );
  const target = new aws.cloudwatch.EventTarget(
    `${name}-backup-arrival-target`,
    { rule: rule.name, targetId: BACKUP_ARRIVAL_TARGET_ID, arn: logGroup.arn },
    // the log group accepts EventBridge's writes before the first event is sent
    { ...opts, dependsOn: [logPolicy] },
  );

  const alarm = args.alarm(
    BACKUP_ARRIVAL_ALARM,
    `no backup object arrived under s3://<backup bucket>/${args.keyPrefix} for a day (S3's own events, not the host's report)`,
    {
      namespace: "AWS/Events",
      metricName: "TriggeredRules",
      dimensions: { RuleName: rule.name },
      statistic: "Sum",
      period: 86400,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
    },
  );
  return { notification, rule, logGroup, logPolicy, target, alarm };
}
