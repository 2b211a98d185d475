// Pure alarm specifications (no resources): what a tier feeds to `monitoring().alarm(suffix,
// description, spec)` for its load balancer, Fargate service, RDS instance, Aurora cluster and
// Valkey cache. Every builder checks its output against what CloudWatch PutMetricAlarm accepts
// (botocore 1.43.11, cloudwatch/2010-08-01 service-2.json) and refuses anything AWS would refuse.
//
// Missing data, per failure mode:
// - counts and latencies published only when requests flow (ALB 5xx, response time, throttled
//   cache commands): `notBreaching`, since no data means nothing went wrong;
// - "nothing serves" (no healthy target, too few running tasks): `breaching`, since a gap is
//   itself the outage;
// - gauges every service publishes each period whatever the traffic (CPU, memory, storage,
//   capacity, connections): `missing`, so a gap goes to INSUFFICIENT_DATA instead of mailing a
//   false "OK" (the availability alarms above cover a resource that disappeared).
//
// Cost: every alarm here is one standard-resolution metric ($0.10/month, a p95 alarm too); no period
// is below 60 s, which would make it a high-resolution alarm ($0.30/month).
import * as pulumi from "@pulumi/pulumi";
import type { AlarmSpec } from "./monitoring";

/** One alarm for `monitoring().alarm(suffix, description, spec)`. */
export interface AlarmDefinition {
  /** `<stack name>-<suffix>` becomes the alarm's logical name. */
  suffix: string;
  /** One line: `<what happened>: <what to do first>`. */
  description: string;
  spec: MetricAlarmSpec;
}

/** The settings these builders use, with plain values so they can be checked before AWS sees them. */
export interface MetricAlarmSpec extends AlarmSpec {
  namespace: string;
  metricName: string;
  dimensions: Record<string, pulumi.Input<string>>;
  statistic?: Statistic;
  extendedStatistic?: string;
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  threshold: number;
  comparisonOperator: ComparisonOperator;
  treatMissingData: TreatMissingData;
  evaluateLowSampleCountPercentiles?: "evaluate" | "ignore";
}

// every field above is one of aws.cloudwatch.MetricAlarmArgs (a misspelt one would be dropped)
const onlyMetricAlarmFields: [Exclude<keyof MetricAlarmSpec, keyof AlarmSpec>] extends [never]
  ? true
  : never = true;
void onlyMetricAlarmFields;

// --- what PutMetricAlarm accepts (botocore 1.43.11, cloudwatch/2010-08-01) ------------------------

/** Shape `Statistic`: an enum. */
export const STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"] as const;
export type Statistic = (typeof STATISTICS)[number];
/**
 * Shape `ComparisonOperator`, static thresholds only: the three others "are used only for alarms
 * based on anomaly detection models" (PutMetricAlarm, ComparisonOperator).
 */
export const COMPARISON_OPERATORS = [
  "GreaterThanOrEqualToThreshold",
  "GreaterThanThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];
/** PutMetricAlarm, TreatMissingData: "Valid Values: breaching | notBreaching | ignore | missing". */
export const TREAT_MISSING_DATA = ["breaching", "notBreaching", "ignore", "missing"] as const;
export type TreatMissingData = (typeof TREAT_MISSING_DATA)[number];

/** Shapes `AlarmName` (1-255), `AlarmDescription` (0-1024), `MetricName`/`Namespace` (1-255). */
export const CLOUDWATCH_LIMITS = {
  alarmName: 255,
  alarmDescription: 1024,
  metricName: 255,
  namespace: 255,
  /** Shape `Dimensions`: at most 30; `DimensionName` 1-255, `DimensionValue` 1-1024. */
  dimensions: 30,
  dimensionName: 255,
  dimensionValue: 1024,
  /**
   * PutMetricAlarm, Period: "Period multiplied by EvaluationPeriods can't be more than 604,800
   * seconds. For alarms with a period of less than one hour (3,600 seconds), the total evaluation
   * period can't be longer than one day (86,400 seconds)."
   */
  evaluationSeconds: 604_800,
  evaluationSecondsBelowHourlyPeriod: 86_400,
} as const;

/**
 * Room `monitoring().alarm()` needs around a suffix and a description: the logical name is
 * `openemr-<stack>-<suffix>` (stack names: at most 40 characters, components/naming/aws-names.ts)
 * and the provider appends `-` and 7 random characters to make the AlarmName; the description gets
 * the `openemr-<stack>: ` prefix (at most 50 characters).
 */
export const SUFFIX_MAX = 64;
export const DESCRIPTION_MAX = CLOUDWATCH_LIMITS.alarmDescription - 64;
const SUFFIX_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** `pNN` or `pNN.NN` (CloudWatch statistics definitions); the only extended statistic used here. */
const PERCENTILE_PATTERN = /^p(\d{1,2}(\.\d{1,2})?|100)$/;
// Dimension names and values: "must contain only ASCII characters, must include at least one
// non-whitespace character", names "cannot start with a colon"; "ASCII control characters are not
// supported" (shape Dimension)
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

function fail(suffix: string, message: string): never {
  throw new Error(`alarm ${suffix}: ${message}`);
}

function checkDimensionValue(where: string, value: string): string {
  if (value.length < 1 || value.length > CLOUDWATCH_LIMITS.dimensionValue) {
    throw new Error(
      `${where}: ${value.length} characters; CloudWatch DimensionValue takes 1 to ${CLOUDWATCH_LIMITS.dimensionValue}`,
    );
  }
  if (!PRINTABLE_ASCII.test(value) || value.trim() === "") {
    throw new Error(
      `${where}: ${JSON.stringify(value)} is not printable ASCII with a non-blank character (CloudWatch Dimension Value)`,
    );
  }
  return value;
}

/**
 * A dimension value, checked now when it is a string and when it resolves when it is an output
 * (a value refused by `check` fails the preview or the plan, naming the dimension).
 */
function dimensionValue(
  where: string,
  value: pulumi.Input<string>,
  check: (where: string, value: string) => string = checkDimensionValue,
): pulumi.Input<string> {
  if (typeof value === "string") return check(where, value);
  return pulumi.output(value).apply((v) => check(where, v));
}

/** Throws when CloudWatch would refuse the alarm, or when it would be costly or ambiguous. */
export function checkAlarm(alarm: AlarmDefinition): AlarmDefinition {
  const { suffix, description, spec } = alarm;
  if (suffix.length < 1 || suffix.length > SUFFIX_MAX || !SUFFIX_PATTERN.test(suffix)) {
    fail(suffix, `the suffix must be 1 to ${SUFFIX_MAX} lower-case letters, digits and hyphens`);
  }
  if (description.length > DESCRIPTION_MAX) {
    fail(
      suffix,
      `description has ${description.length} characters; at most ${DESCRIPTION_MAX} leave room for the stack prefix within AlarmDescription's ${CLOUDWATCH_LIMITS.alarmDescription}`,
    );
  }
  if ([...description].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    fail(suffix, "the description must be one line, without control characters");
  }
  const colon = description.indexOf(": ");
  if (colon < 1 || description.slice(colon + 2).trim() === "") {
    fail(suffix, `the description must read "<what happened>: <what to do first>"`);
  }
  const { namespace, metricName } = spec;
  if (namespace.length < 1 || namespace.length > CLOUDWATCH_LIMITS.namespace) {
    fail(suffix, `Namespace takes 1 to ${CLOUDWATCH_LIMITS.namespace} characters`);
  }
  if (namespace.startsWith(":")) fail(suffix, `Namespace must match [^:].*`);
  if (metricName.length < 1 || metricName.length > CLOUDWATCH_LIMITS.metricName) {
    fail(suffix, `MetricName takes 1 to ${CLOUDWATCH_LIMITS.metricName} characters`);
  }
  // "you must specify either Statistic or ExtendedStatistic but not both" (PutMetricAlarm)
  if ((spec.statistic === undefined) === (spec.extendedStatistic === undefined)) {
    fail(suffix, "exactly one of statistic and extendedStatistic is required");
  }
  if (spec.statistic !== undefined && !STATISTICS.includes(spec.statistic)) {
    fail(suffix, `statistic ${String(spec.statistic)} is not one of ${STATISTICS.join(", ")}`);
  }
  if (spec.extendedStatistic !== undefined) {
    const match = PERCENTILE_PATTERN.exec(spec.extendedStatistic);
    const value = match ? Number(spec.extendedStatistic.slice(1)) : NaN;
    if (!(value > 0 && value <= 100)) {
      fail(suffix, `extendedStatistic ${spec.extendedStatistic} is not a percentile like p95`);
    }
  }
  if (spec.evaluateLowSampleCountPercentiles !== undefined && !spec.extendedStatistic) {
    fail(suffix, "evaluateLowSampleCountPercentiles is used only for percentile alarms");
  }
  // "Valid values are 10, 20, and 30 and any multiple of 60"; below 60 is also a high-resolution
  // alarm at three times the price, so only multiples of 60 are taken
  if (!Number.isInteger(spec.period) || spec.period < 60 || spec.period % 60 !== 0) {
    fail(suffix, `period ${spec.period} s must be a multiple of 60 s (60 s or longer)`);
  }
  if (!Number.isInteger(spec.evaluationPeriods) || spec.evaluationPeriods < 1) {
    fail(suffix, `evaluationPeriods ${spec.evaluationPeriods} must be an integer of at least 1`);
  }
  const datapoints = spec.datapointsToAlarm;
  if (
    datapoints !== undefined &&
    (!Number.isInteger(datapoints) || datapoints < 1 || datapoints > spec.evaluationPeriods)
  ) {
    fail(suffix, `datapointsToAlarm ${datapoints} must be 1 to evaluationPeriods`);
  }
  const total = spec.period * spec.evaluationPeriods;
  const limit =
    spec.period < 3600
      ? CLOUDWATCH_LIMITS.evaluationSecondsBelowHourlyPeriod
      : CLOUDWATCH_LIMITS.evaluationSeconds;
  if (total > limit) {
    fail(suffix, `period × evaluationPeriods is ${total} s; CloudWatch allows ${limit} s here`);
  }
  if (!Number.isFinite(spec.threshold)) fail(suffix, "threshold must be a finite number");
  if (!COMPARISON_OPERATORS.includes(spec.comparisonOperator)) {
    fail(suffix, `comparisonOperator ${String(spec.comparisonOperator)} is not a static one`);
  }
  if (!TREAT_MISSING_DATA.includes(spec.treatMissingData)) {
    fail(suffix, `treatMissingData ${String(spec.treatMissingData)} is not a valid value`);
  }
  // an AWS service's metric without its dimensions is an aggregate nobody means to alarm on; the
  // program's own metrics may have none (PutMetricAlarm allows 0 to 30): a log metric filter's
  // metric has no constant dimension, so its name carries the stack instead
  const names = Object.keys(spec.dimensions);
  const least = namespace.startsWith("AWS/") ? 1 : 0;
  if (names.length < least || names.length > CLOUDWATCH_LIMITS.dimensions) {
    fail(suffix, `${least} to ${CLOUDWATCH_LIMITS.dimensions} dimensions are needed`);
  }
  for (const name of names) {
    if (
      name.length > CLOUDWATCH_LIMITS.dimensionName ||
      !PRINTABLE_ASCII.test(name) ||
      name.startsWith(":")
    ) {
      fail(suffix, `dimension name ${JSON.stringify(name)} is not one CloudWatch accepts`);
    }
  }
  return alarm;
}

function define(
  suffix: string,
  what: string,
  firstAction: string,
  spec: MetricAlarmSpec,
): AlarmDefinition {
  if (what.includes(": ")) throw new Error(`alarm ${suffix}: what happened must not contain ": "`);
  return checkAlarm({ suffix, description: `${what}: ${firstAction}`, spec });
}

function positiveInteger(where: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${where}: ${value} must be an integer from 1 to ${max}`);
  }
  return value;
}

const FIFTEEN_MINUTES = { period: 300, evaluationPeriods: 3 } as const;

// --- the load balancer: "the application answers" -------------------------------------------------

/** `app/<name>/<id>`: aws.lb.LoadBalancer `arnSuffix` ("ARN suffix for use with CloudWatch Metrics"). */
const LOAD_BALANCER_SUFFIX = /^app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]+$/;
/** `targetgroup/<name>/<id>`: aws.lb.TargetGroup `arnSuffix`. */
const TARGET_GROUP_SUFFIX = /^targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]+$/;

function arnSuffix(pattern: RegExp, example: string) {
  return (where: string, value: string): string => {
    if (!pattern.test(checkDimensionValue(where, value))) {
      throw new Error(
        `${where}: ${JSON.stringify(value)} is not an ARN suffix like ${example} (pass the resource's arnSuffix, not its arn)`,
      );
    }
    return value;
  };
}

/**
 * A host job that reports `OpenEMR/<metricName>` = 1 or 0 per stack (backup.sh, upgrade.sh): in
 * alarm on a 0 within a day. `missing`: what no report means (no backup is a failure; no upgrade
 * is none to report). A day's period keeps the custom metric's cost to the days it is reported.
 */
export function dailySuccessSpec(
  metricName: string,
  stack: string,
  missing: "breaching" | "notBreaching",
): MetricAlarmSpec {
  return {
    namespace: "OpenEMR",
    metricName,
    dimensions: { Stack: stack },
    statistic: "Minimum",
    period: 86400,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "LessThanThreshold",
    treatMissingData: missing,
  };
}

export interface ImportFailedAlarmArgs {
  /** Where the import reports: `OpenEMR/ImportSucceeded` with dimension Stack (import.sh on a
   * host), or a log metric filter's dimension-free metric named after the stack (fargate). */
  metric: { namespace: string; metricName: string; dimensions: Record<string, string> };
  /** Where its log is, for the first action: a file on the host or a log group's streams. */
  log: string;
}

/**
 * The one-off import of openemr:restoreFrom (SPEC-17) reported 0: in alarm within 5 minutes.
 * Missing data is not breaching: the import reports once, on the first boot (or the first task),
 * and never again.
 */
export function importFailedAlarm(args: ImportFailedAlarmArgs): AlarmDefinition {
  return define(
    "import-failed",
    "the import of the backup set in openemr:restoreFrom failed and OpenEMR was not started on it",
    `read ${args.log} first, then docs/migrate.md#if-the-import-fails`,
    {
      ...args.metric,
      statistic: "Minimum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "notBreaching",
    },
  );
}

export interface LoadBalancerAlarmsArgs {
  /** aws.lb.LoadBalancer `arnSuffix`: `app/<name>/<id>`. */
  loadBalancerArnSuffix: pulumi.Input<string>;
  /** aws.lb.TargetGroup `arnSuffix`: `targetgroup/<name>/<id>`. */
  targetGroupArnSuffix: pulumi.Input<string>;
  /** 95th-percentile response time (seconds) that is too slow when held for 15 minutes; default 3. */
  slowSeconds?: number;
}

/**
 * Four alarms on the Application Load Balancer (AWS/ApplicationELB,
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html):
 * server errors from OpenEMR, server errors from the load balancer, no healthy target, slow
 * responses. The load balancer publishes request metrics "only when requests are flowing", every
 * 60 s; HealthyHostCount is "reported if health checks are enabled", whatever the traffic.
 */
export function loadBalancerAlarms(args: LoadBalancerAlarmsArgs): AlarmDefinition[] {
  const slow = args.slowSeconds ?? 3;
  if (!(slow > 0 && slow < 3600)) {
    throw new Error(`loadBalancerAlarms: slowSeconds ${slow} must be above 0 and below 3600`);
  }
  const LoadBalancer = dimensionValue(
    "loadBalancerAlarms: loadBalancerArnSuffix",
    args.loadBalancerArnSuffix,
    arnSuffix(LOAD_BALANCER_SUFFIX, "app/<name>/<id>"),
  );
  const TargetGroup = dimensionValue(
    "loadBalancerAlarms: targetGroupArnSuffix",
    args.targetGroupArnSuffix,
    arnSuffix(TARGET_GROUP_SUFFIX, "targetgroup/<name>/<id>"),
  );
  const namespace = "AWS/ApplicationELB";
  return [
    // HTTPCode_Target_5XX_Count: dimensions include TargetGroup, LoadBalancer; "the most useful
    // statistic is Sum"; reported when nonzero
    define(
      "lb-target-5xx",
      "OpenEMR answered 10 or more requests per 5 minutes with a server error (5xx) for 15 minutes",
      "read the OpenEMR log group (stack output logGroups) for PHP and database errors, then roll back the latest deployment or image change",
      {
        namespace,
        metricName: "HTTPCode_Target_5XX_Count",
        dimensions: { LoadBalancer, TargetGroup },
        statistic: "Sum",
        ...FIFTEEN_MINUTES,
        threshold: 10,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      },
    ),
    // HTTPCode_ELB_5XX_Count: dimensions LoadBalancer (or with AvailabilityZone), no TargetGroup
    define(
      "lb-elb-5xx",
      "the load balancer itself returned 10 or more server errors per 5 minutes for 15 minutes",
      "look at the target group's healthy targets first (503: none healthy; 502 or 504: OpenEMR dropped or timed out the connection), then the OpenEMR log group",
      {
        namespace,
        metricName: "HTTPCode_ELB_5XX_Count",
        dimensions: { LoadBalancer },
        statistic: "Sum",
        ...FIFTEEN_MINUTES,
        threshold: 10,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      },
    ),
    // HealthyHostCount: dimensions TargetGroup, LoadBalancer; Maximum below 1 in each of 5 minutes
    // means no target passed a health check all along; a gap is treated as an outage
    define(
      "lb-no-healthy-targets",
      "no OpenEMR target passed the load balancer's health check for 5 minutes, so nobody can use OpenEMR",
      "open the target group's Targets tab for the health-check failure reason, then the OpenEMR log group",
      {
        namespace,
        metricName: "HealthyHostCount",
        dimensions: { LoadBalancer, TargetGroup },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 5,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
      },
    ),
    // TargetResponseTime (seconds): "the most useful statistics are Average and pNN.NN"; a quiet
    // night's handful of requests is too few for a percentile and does not change the state
    define(
      "lb-slow-responses",
      `OpenEMR's 95th-percentile response time was above ${slow} s for 15 minutes`,
      "check the database alarms and its slow-query log first, then the OpenEMR containers' or instance's CPU",
      {
        namespace,
        metricName: "TargetResponseTime",
        dimensions: { LoadBalancer, TargetGroup },
        extendedStatistic: "p95",
        evaluateLowSampleCountPercentiles: "ignore",
        ...FIFTEEN_MINUTES,
        threshold: slow,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
      },
    ),
  ];
}

// --- the Fargate service --------------------------------------------------------------------------

export interface FargateServiceAlarmsArgs {
  clusterName: pulumi.Input<string>;
  serviceName: pulumi.Input<string>;
  /** The fewest tasks the service should run (`minTasks`). */
  desiredMin: number;
  /** Also the service's CPU and memory (2 alarms); default true. */
  utilization?: boolean;
}

/**
 * The OpenEMR service on ECS Fargate: too few running tasks (Container Insights, on in this
 * program: ECS/ContainerInsights RunningTaskCount, dimensions ServiceName, ClusterName,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html),
 * and unless `utilization: false`, CPU and memory (AWS/ECS CPUUtilization and MemoryUtilization,
 * dimensions ClusterName, ServiceName; Average is across the tasks, Maximum the busiest task:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_utilization.html).
 */
export function fargateServiceAlarms(args: FargateServiceAlarmsArgs): AlarmDefinition[] {
  const min = positiveInteger("fargateServiceAlarms: desiredMin", args.desiredMin);
  const ClusterName = dimensionValue("fargateServiceAlarms: clusterName", args.clusterName);
  const ServiceName = dimensionValue("fargateServiceAlarms: serviceName", args.serviceName);
  const dimensions = { ClusterName, ServiceName };
  const alarms = [
    // Maximum below the minimum in three 5-minute windows in a row: never back at the minimum for
    // 15 minutes (one task being replaced does not page); no data at all is an outage too
    define(
      "tasks-below-minimum",
      `fewer than ${min} OpenEMR ${min === 1 ? "task was" : "tasks were"} running for 15 minutes`,
      "open the ECS service's Events and its stopped tasks' reasons in the console, then the OpenEMR containers log group",
      {
        namespace: "ECS/ContainerInsights",
        metricName: "RunningTaskCount",
        dimensions,
        statistic: "Maximum",
        ...FIFTEEN_MINUTES,
        threshold: min,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
      },
    ),
  ];
  if (args.utilization === false) return alarms;
  return [
    ...alarms,
    // autoscaling tracks a far lower target: 90% across the tasks for 15 minutes means it has run
    // out of tasks (maxTasks) or cannot add them
    define(
      "tasks-cpu-high",
      "the OpenEMR tasks averaged 90% CPU or more for 15 minutes despite autoscaling",
      "check whether the service is at maxTasks (raise it or the task CPU), then the database's slow-query log",
      {
        namespace: "AWS/ECS",
        metricName: "CPUUtilization",
        dimensions,
        statistic: "Average",
        ...FIFTEEN_MINUTES,
        threshold: 90,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
      },
    ),
    // the busiest task, which the average that autoscaling tracks can hide: near its memory limit
    // a container is killed and its requests lost
    define(
      "tasks-memory-high",
      "an OpenEMR task used 90% or more of its memory for 15 minutes and risks being killed",
      "look in the OpenEMR containers log group for memory errors and the ECS stopped reasons for OutOfMemory, then raise the task memory",
      {
        namespace: "AWS/ECS",
        metricName: "MemoryUtilization",
        dimensions,
        statistic: "Maximum",
        ...FIFTEEN_MINUTES,
        threshold: 90,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
      },
    ),
  ];
}

// --- RDS for MySQL (standard) ---------------------------------------------------------------------

export interface RdsInstanceAlarmsArgs {
  /** The DB instance identifier. */
  identifier: pulumi.Input<string>;
  /** Freeable memory (bytes) below which MySQL is about to swap; default 128 MiB. */
  freeableMemoryLowBytes?: number;
}

/**
 * The RDS instance (AWS/RDS, dimension DBInstanceIdentifier,
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html): CPU and free storage
 * exactly as the standard tier has had them (same suffixes, metrics and thresholds; `missing` is
 * what AWS applied when treatMissingData was unset), and freeable memory.
 */
export function rdsInstanceAlarms(args: RdsInstanceAlarmsArgs): AlarmDefinition[] {
  const lowMemory = args.freeableMemoryLowBytes ?? 128 * 1024 ** 2;
  positiveInteger("rdsInstanceAlarms: freeableMemoryLowBytes", lowMemory);
  const dimensions = {
    DBInstanceIdentifier: dimensionValue("rdsInstanceAlarms: identifier", args.identifier),
  };
  const mib = Math.round(lowMemory / 1024 ** 2);
  return [
    define(
      "db-cpu-high",
      "database CPU above 80% for 15 minutes",
      "find the queries causing it in Performance Insights or the slow-query log group, then consider a larger dbInstanceClass",
      {
        namespace: "AWS/RDS",
        metricName: "CPUUtilization",
        dimensions,
        statistic: "Average",
        period: 300,
        evaluationPeriods: 3,
        threshold: 80,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "missing",
      },
    ),
    define(
      "db-storage-low",
      "database free storage below 2 GiB",
      "check whether storage autoscaling reached dbMaxAllocatedStorageGb and raise it, then look for tables or logs growing without bound",
      {
        namespace: "AWS/RDS",
        metricName: "FreeStorageSpace",
        dimensions,
        statistic: "Minimum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 2 * 1024 ** 3,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "missing",
      },
    ),
    define(
      "db-memory-low",
      `database freeable memory below ${mib} MiB for 15 minutes, so MySQL is about to swap`,
      "check DatabaseConnections and long-running queries (SHOW PROCESSLIST), then move to a larger dbInstanceClass",
      {
        namespace: "AWS/RDS",
        metricName: "FreeableMemory",
        dimensions,
        statistic: "Minimum",
        ...FIFTEEN_MINUTES,
        threshold: lowMemory,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "missing",
      },
    ),
  ];
}

// --- Aurora Serverless v2 (fargate) ---------------------------------------------------------------

/**
 * Default `max_connections` of Aurora MySQL Serverless v2 by maximum ACU ("Maximum connections for
 * Aurora Serverless v2": derived from the memory of the maximum capacity, not the current one):
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html#aurora-serverless-v2.max-connections
 */
export const AURORA_MYSQL_MAX_CONNECTIONS: readonly (readonly [
  maxAcu: number,
  connections: number,
])[] = [
  [1, 90],
  [4, 135],
  [8, 1000],
  [16, 2000],
  [32, 3000],
  [64, 4000],
  [128, 5000],
];

/** The table's value at the largest listed maximum not above `maxAcu` (the formula only grows). */
export function auroraMysqlMaxConnections(maxAcu: number): number {
  let connections = AURORA_MYSQL_MAX_CONNECTIONS[0][1];
  for (const [acu, value] of AURORA_MYSQL_MAX_CONNECTIONS) if (maxAcu >= acu) connections = value;
  return connections;
}

export interface AuroraAlarmsArgs {
  /** The DB cluster identifier. */
  clusterIdentifier: pulumi.Input<string>;
  /** The cluster's maximum capacity (ACU): 1 to 256 in steps of 0.5. */
  maxAcu: number;
  /** Connections held for 15 minutes that are too many; default 80% of the default max_connections. */
  maxConnections?: number;
  /** DatabaseConnections on the writer (default true). */
  connections?: boolean;
  /** CPUUtilization on the writer (default true); ServerlessDatabaseCapacity already reaches its maximum when the CPU does. */
  cpu?: boolean;
}

/**
 * The Aurora Serverless v2 cluster (AWS/RDS): capacity at its maximum (ServerlessDatabaseCapacity,
 * a cluster-level metric, the average of the instances: a reader in promotion tier 0 or 1 scales
 * with the writer, https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html),
 * and on the writer (dimensions DBClusterIdentifier, Role=WRITER,
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/dimensions.html) connections and
 * CPU, which for Serverless v2 is "divided by the CPU capacity that's available under the maximum
 * ACU value" (Important Amazon CloudWatch metrics for Aurora Serverless v2).
 */
export function auroraAlarms(args: AuroraAlarmsArgs): AlarmDefinition[] {
  const { maxAcu } = args;
  if (!(maxAcu >= 1 && maxAcu <= 256 && Number.isInteger(maxAcu * 2))) {
    throw new Error(`auroraAlarms: maxAcu ${maxAcu} must be 1 to 256 ACU in steps of 0.5`);
  }
  const DBClusterIdentifier = dimensionValue(
    "auroraAlarms: clusterIdentifier",
    args.clusterIdentifier,
  );
  const writer = { DBClusterIdentifier, Role: "WRITER" };
  const capacity = maxAcu * 0.95;
  const alarms = [
    define(
      "db-capacity-at-max",
      `Aurora ran at 95% or more of its maximum capacity (${maxAcu} ACU) for 15 minutes`,
      "find the top SQL in Performance Insights, then raise auroraMaxAcu",
      {
        namespace: "AWS/RDS",
        metricName: "ServerlessDatabaseCapacity",
        dimensions: { DBClusterIdentifier },
        statistic: "Average",
        ...FIFTEEN_MINUTES,
        threshold: capacity,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
      },
    ),
  ];
  if (args.connections !== false) {
    const limit = auroraMysqlMaxConnections(maxAcu);
    const many =
      args.maxConnections !== undefined
        ? positiveInteger("auroraAlarms: maxConnections", args.maxConnections)
        : Math.floor(limit * 0.8);
    alarms.push(
      define(
        "db-connections-high",
        `the Aurora writer held ${many} or more connections (max_connections ${limit} by default at ${maxAcu} ACU) for 15 minutes; further ones are refused at the limit`,
        "look for stuck queries (SHOW PROCESSLIST) and how many tasks run, then raise auroraMaxAcu (max_connections follows it after a reboot)",
        {
          namespace: "AWS/RDS",
          metricName: "DatabaseConnections",
          dimensions: writer,
          statistic: "Maximum",
          ...FIFTEEN_MINUTES,
          threshold: many,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "missing",
        },
      ),
    );
  }
  if (args.cpu !== false) {
    alarms.push(
      define(
        "db-writer-cpu-high",
        "the Aurora writer used 90% or more of the CPU its maximum capacity allows for 15 minutes",
        "find the top SQL in Performance Insights, then raise auroraMaxAcu",
        {
          namespace: "AWS/RDS",
          metricName: "CPUUtilization",
          dimensions: writer,
          statistic: "Average",
          ...FIFTEEN_MINUTES,
          threshold: 90,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "missing",
        },
      ),
    );
  }
  return alarms;
}

// --- ElastiCache Serverless (Valkey sessions) -----------------------------------------------------

export interface ValkeyServerlessAlarmsArgs {
  /** The serverless cache's name (aws.elasticache.ServerlessCache `name`). */
  cacheName: pulumi.Input<string>;
  /** Its data storage maximum (GB), when one is set: adds the storage alarm. */
  maxDataStorageGb?: number;
}

/**
 * The serverless session cache (AWS/ElastiCache,
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/serverless-metrics-events-redis.html).
 * Serverless caches publish under the dimension `clusterId` (the cache name), not the node-based
 * CacheClusterId: see `aws cloudwatch list-metrics` in open-constructs/aws-cdk-library#68 and
 * cdklabs/cdk-monitoring-constructs#750. ThrottledCmds are commands ElastiCache refused, i.e.
 * session reads and writes that failed; at the data storage maximum ElastiCache "will begin
 * evicting data in your cache that has a Time-To-Live (TTL) set", which sessions all have, so users
 * are logged out (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Scaling.html).
 */
export function valkeyServerlessAlarms(args: ValkeyServerlessAlarmsArgs): AlarmDefinition[] {
  const clusterId = dimensionValue("valkeyServerlessAlarms: cacheName", args.cacheName);
  const alarms = [
    define(
      "sessions-throttled",
      "the session cache (Valkey) throttled 10 or more commands per 5 minutes for 15 minutes, so logins and sessions fail",
      "compare ElastiCacheProcessingUnits with the cache's ECPU-per-second maximum and raise it, then look for a client flooding the cache",
      {
        namespace: "AWS/ElastiCache",
        metricName: "ThrottledCmds",
        dimensions: { clusterId },
        statistic: "Sum",
        ...FIFTEEN_MINUTES,
        threshold: 10,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      },
    ),
  ];
  if (args.maxDataStorageGb === undefined) return alarms;
  const gb = positiveInteger("valkeyServerlessAlarms: maxDataStorageGb", args.maxDataStorageGb);
  return [
    ...alarms,
    define(
      "sessions-storage-high",
      `the session cache holds 80% or more of its ${gb} GB data maximum; at the maximum sessions are evicted and users logged out`,
      "look for a client writing keys that never expire, then raise the cache's data storage maximum",
      {
        namespace: "AWS/ElastiCache",
        metricName: "BytesUsedForCache",
        dimensions: { clusterId },
        statistic: "Maximum",
        ...FIFTEEN_MINUTES,
        // decimal gigabytes: the lower reading of "GB", so the alarm comes early rather than late
        threshold: Math.floor(gb * 1e9 * 0.8),
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
      },
    ),
  ];
}
