// Log retention and audit: log groups, CloudTrail, VPC flow logs, load-balancer access logs, RDS
// log exports and their log groups, WAF logging, log buckets.

import type { TrailArgs } from "@pulumi/aws/cloudtrail/trail";
import type { LogGroupArgs } from "@pulumi/aws/cloudwatch/logGroup";
import type { FlowLogArgs } from "@pulumi/aws/ec2/flowLog";
import type { LoadBalancerArgs } from "@pulumi/aws/lb/loadBalancer";
import type { ClusterArgs as RdsClusterArgs } from "@pulumi/aws/rds/cluster";
import type { InstanceArgs as RdsInstanceArgs } from "@pulumi/aws/rds/instance";
import type { BucketLifecycleConfigurationArgs } from "@pulumi/aws/s3/bucketLifecycleConfiguration";
import type { PolicyResource, ReportViolation } from "@pulumi/policy";
import {
  BUCKET_TYPES,
  LIFECYCLE_TYPES,
  LOAD_BALANCER_TYPES,
  T,
  arrayOf,
  checkAll,
  configOf,
  dependsVia,
  forEachChecked,
  forTypes,
  isSet,
  named,
  ofTypes,
  peek,
  peekString,
  propsOf,
  resourcePolicy,
  stackPolicy,
  touch,
  label,
  attachedToBucket,
} from "./common";

/** Six years: the HIPAA documentation retention period (45 CFR 164.316(b)(2)). */
export const SIX_YEARS_DAYS = 2192;

// ------------------------------------------------------------------------------------------------
// Log groups
// ------------------------------------------------------------------------------------------------

export interface RetentionConfig {
  minRetentionDays: number;
  allowNeverExpire: boolean;
}

export const RETENTION_DEFAULTS: RetentionConfig = {
  minRetentionDays: SIX_YEARS_DAYS,
  allowNeverExpire: false,
};

export const logGroupRetention = resourcePolicy({
  name: "cloudwatch-log-group-retention",
  description:
    "Every CloudWatch log group sets retentionInDays explicitly, at least the minimum (default " +
    "2192 days, six years), and is not of the DELIVERY class (forced to 2 days).",
  severity: "high",
  configSchema: {
    properties: {
      minRetentionDays: {
        type: "integer",
        minimum: 1,
        default: RETENTION_DEFAULTS.minRetentionDays,
        description: "Minimum retentionInDays.",
      },
      allowNeverExpire: {
        type: "boolean",
        default: RETENTION_DEFAULTS.allowNeverExpire,
        description: "Accept retentionInDays: 0 (never expire).",
      },
    },
  },
  validations: [
    forTypes<LogGroupArgs>([T.logGroup], (props, args, report) => {
      const config = configOf(args, RETENTION_DEFAULTS);
      const what = named("Log group", args.name);
      checkAll([
        () => {
          if (!isSet(props, "retentionInDays")) {
            report(
              `${what} has no retentionInDays (never expires, without a decision on record). Set ` +
                `retentionInDays to at least ${config.minRetentionDays}.`,
            );
            return;
          }
          const days = Number(props.retentionInDays);
          if (days === 0 && config.allowNeverExpire) {
            return;
          }
          if (days === 0 || days < config.minRetentionDays) {
            report(
              `${what} keeps logs ${days === 0 ? "forever (0)" : `${days} days`}. Set ` +
                `retentionInDays to at least ${config.minRetentionDays}.`,
            );
          }
        },
        () => {
          if (isSet(props, "logGroupClass") && props.logGroupClass === "DELIVERY") {
            report(`${what} uses logGroupClass DELIVERY, which keeps logs 2 days. Use STANDARD.`);
          }
        },
      ]);
    }),
  ],
});

// ------------------------------------------------------------------------------------------------
// CloudTrail
// ------------------------------------------------------------------------------------------------

export const cloudtrailConfiguration = resourcePolicy({
  name: "cloudtrail-configuration",
  description:
    "CloudTrail trails are multi-region, include global service events, validate log files, " +
    "deliver to CloudWatch Logs and are not stopped.",
  severity: "high",
  validations: [
    forTypes<TrailArgs>([T.cloudtrail], (props, args, report) => {
      const what = named("CloudTrail trail", args.name);
      checkAll([
        () => {
          if (!isSet(props, "cloudWatchLogsGroupArn") || !isSet(props, "cloudWatchLogsRoleArn")) {
            report(
              `${what} does not deliver to CloudWatch Logs. Set cloudWatchLogsGroupArn ` +
                `("<log group arn>:*") and cloudWatchLogsRoleArn.`,
            );
          }
        },
        () => {
          if (props.isMultiRegionTrail !== true) {
            report(`${what} records one region only. Set isMultiRegionTrail: true.`);
          }
        },
        () => {
          if (props.enableLogFileValidation !== true) {
            report(`${what} does not validate log files. Set enableLogFileValidation: true.`);
          }
        },
        () => {
          if (
            isSet(props, "includeGlobalServiceEvents") &&
            props.includeGlobalServiceEvents !== true
          ) {
            report(
              `${what} omits global service events (IAM). Remove includeGlobalServiceEvents: false.`,
            );
          }
        },
        () => {
          if (isSet(props, "enableLogging") && props.enableLogging !== true) {
            report(`${what} is stopped (enableLogging: false). Remove it or set it to true.`);
          }
        },
      ]);
    }),
  ],
});

// ------------------------------------------------------------------------------------------------
// VPC flow logs
// ------------------------------------------------------------------------------------------------

export interface FlowLogConfig {
  requireAllTraffic: boolean;
}

export const FLOW_LOG_DEFAULTS: FlowLogConfig = { requireAllTraffic: true };

export const vpcFlowLogs = stackPolicy({
  name: "vpc-flow-logs",
  description: "Every VPC has a flow log recording ALL traffic.",
  severity: "high",
  configSchema: {
    properties: {
      requireAllTraffic: {
        type: "boolean",
        default: FLOW_LOG_DEFAULTS.requireAllTraffic,
        description: 'Require trafficType "ALL" (not only ACCEPT or REJECT).',
      },
    },
  },
  validateStack: (args, report) => {
    const config = configOf(args, FLOW_LOG_DEFAULTS);
    const flowLogs = ofTypes(args.resources, [T.flowLog]);
    forEachChecked(ofTypes(args.resources, [T.vpc]), (vpc) => {
      const logs = flowLogs.filter((fl) => dependsVia(fl, "vpcId", vpc));
      const what = named("VPC", vpc.name);
      if (logs.length === 0) {
        report(
          `${what} has no flow log. Add an aws.ec2.FlowLog with vpcId from it, trafficType "ALL", ` +
            `to a log group with retention.`,
          vpc.urn,
        );
        return;
      }
      if (
        config.requireAllTraffic &&
        !logs.some((fl) => propsOf<FlowLogArgs>(fl).trafficType === "ALL")
      ) {
        report(`${what}'s flow logs do not record ALL traffic. Set trafficType: "ALL".`, vpc.urn);
      }
    });
  },
});

// ------------------------------------------------------------------------------------------------
// Load balancers
// ------------------------------------------------------------------------------------------------

function loadBalancerType(props: { loadBalancerType?: string }): string {
  return isSet(props, "loadBalancerType") ? String(props.loadBalancerType) : "application";
}

export const lbAccessLogs = resourcePolicy({
  name: "lb-access-logs",
  description:
    "Application and network load balancers write access logs to S3 (accessLogs.enabled).",
  severity: "medium",
  validations: [
    forTypes<LoadBalancerArgs>(LOAD_BALANCER_TYPES, (props, args, report) => {
      if (loadBalancerType(props) === "gateway") {
        args.notApplicable("gateway load balancers have no access logs");
      }
      const what = named("Load balancer", args.name);
      const fix = `Set accessLogs: { enabled: true, bucket: <SSE-S3 log bucket> }.`;
      if (!isSet(props, "accessLogs") || !isSet(props.accessLogs, "bucket")) {
        report(`${what} writes no access logs. ${fix}`);
        return;
      }
      if (props.accessLogs?.enabled !== true) {
        report(`${what} has access logs disabled (accessLogs.enabled defaults to false). ${fix}`);
      }
    }),
  ],
});

export interface LbHardeningConfig {
  requireDeletionProtection: boolean;
}

export const LB_HARDENING_DEFAULTS: LbHardeningConfig = { requireDeletionProtection: true };

export const lbHardening = resourcePolicy({
  name: "lb-hardening",
  description:
    "Application load balancers drop invalid header fields, do not run desync mitigation in " +
    "monitor mode, and have deletion protection (configurable).",
  enforcementLevel: "advisory",
  severity: "medium",
  configSchema: {
    properties: {
      requireDeletionProtection: {
        type: "boolean",
        default: LB_HARDENING_DEFAULTS.requireDeletionProtection,
        description: "Require enableDeletionProtection: true.",
      },
    },
  },
  validations: [
    forTypes<LoadBalancerArgs>(LOAD_BALANCER_TYPES, (props, args, report) => {
      if (loadBalancerType(props) !== "application") {
        args.notApplicable("applies to application load balancers");
      }
      const config = configOf(args, LB_HARDENING_DEFAULTS);
      const what = named("Load balancer", args.name);
      checkAll([
        () => {
          if (props.dropInvalidHeaderFields !== true) {
            report(
              `${what} forwards invalid HTTP header fields. Set dropInvalidHeaderFields: true.`,
            );
          }
        },
        () => {
          if (isSet(props, "desyncMitigationMode") && props.desyncMitigationMode === "monitor") {
            report(
              `${what} only monitors HTTP desync attacks. Set desyncMitigationMode "defensive" or "strictest".`,
            );
          }
        },
        () => {
          if (config.requireDeletionProtection && props.enableDeletionProtection !== true) {
            report(`${what} can be deleted by accident. Set enableDeletionProtection: true.`);
          }
        },
      ]);
    }),
  ],
});

// ------------------------------------------------------------------------------------------------
// RDS log exports and their log groups
// ------------------------------------------------------------------------------------------------

export interface LogExportsConfig {
  mysql: string[];
  postgres: string[];
}

export const LOG_EXPORTS_DEFAULTS: LogExportsConfig = {
  mysql: ["audit", "error", "slowquery"],
  postgres: ["postgresql"],
};

/** "mysql" for MySQL/MariaDB/Aurora MySQL, "postgres" for PostgreSQL/Aurora PostgreSQL. */
export function engineFamily(engine: string | undefined): "mysql" | "postgres" | undefined {
  const e = (engine ?? "").toLowerCase();
  if (
    e.startsWith("mysql") ||
    e.startsWith("mariadb") ||
    e.startsWith("aurora-mysql") ||
    e === "aurora"
  ) {
    return "mysql";
  }
  if (e.startsWith("postgres") || e.startsWith("aurora-postgresql")) {
    return "postgres";
  }
  return undefined;
}

export const rdsLogExports = resourcePolicy({
  name: "rds-log-exports",
  description:
    "RDS instances and Aurora clusters export their audit-relevant logs to CloudWatch Logs " +
    "(MySQL family: audit, error, slowquery by default; PostgreSQL: postgresql).",
  severity: "high",
  configSchema: {
    properties: {
      mysql: {
        type: "array",
        items: { type: "string" },
        default: LOG_EXPORTS_DEFAULTS.mysql,
        description: "Logs MySQL, MariaDB and Aurora MySQL must export.",
      },
      postgres: {
        type: "array",
        items: { type: "string" },
        default: LOG_EXPORTS_DEFAULTS.postgres,
        description: "Logs PostgreSQL and Aurora PostgreSQL must export.",
      },
    },
  },
  validations: [
    forTypes<RdsInstanceArgs | RdsClusterArgs>(
      [T.rdsInstance, T.rdsCluster],
      (props, args, report) => {
        const family = engineFamily(peekString(props, "engine"));
        if (family === undefined) {
          return args.notApplicable("engine without a known log-export set");
        }
        const required = configOf(args, LOG_EXPORTS_DEFAULTS)[family];
        const exported = arrayOf(props.enabledCloudwatchLogsExports).map(String);
        const missing = required.filter((log) => !exported.includes(log));
        if (missing.length > 0) {
          const kind = args.type === T.rdsInstance ? "RDS instance" : "RDS cluster";
          report(
            `${named(kind, args.name)} does not export ${missing.join(", ")} logs. Add them to ` +
              `enabledCloudwatchLogsExports (MySQL audit needs the MARIADB_AUDIT_PLUGIN option ` +
              `group or server_audit_logging on Aurora).`,
          );
        }
      },
    ),
  ],
});

function logGroupNames(resources: PolicyResource[]): {
  known: Map<string, PolicyResource>;
  unknown: PolicyResource[];
} {
  const known = new Map<string, PolicyResource>();
  const unknown: PolicyResource[] = [];
  for (const lg of ofTypes(resources, [T.logGroup])) {
    const name = peekString(lg.props, "name");
    if (name !== undefined) {
      known.set(name, lg);
    } else if (isSet(lg.props, "name")) {
      unknown.push(lg);
    }
  }
  return { known, unknown };
}

function checkPrecreated(
  db: PolicyResource,
  kind: "instance" | "cluster",
  idProp: "identifier" | "clusterIdentifier",
  groups: ReturnType<typeof logGroupNames>,
  report: ReportViolation,
): void {
  const p = db.props as {
    enabledCloudwatchLogsExports?: string[];
    identifier?: string;
    clusterIdentifier?: string;
  };
  const exported = arrayOf(p.enabledCloudwatchLogsExports).map(String);
  if (exported.length === 0) {
    return;
  }
  const what = named(kind === "instance" ? "RDS instance" : "RDS cluster", db.name);
  if (!isSet(db.props, idProp)) {
    report(
      `${what} exports logs but has no ${idProp}, so its log groups ` +
        `(/aws/rds/${kind}/<id>/<log>) cannot be created first with retention; RDS would create ` +
        `them itself, never expiring. Set ${idProp}.`,
      db.urn,
    );
    return;
  }
  const id = String(p[idProp]).toLowerCase(); // throws during preview if unknown
  forEachChecked(exported, (log) => {
    const name = `/aws/rds/${kind}/${id}/${log}`;
    const group = groups.known.get(name);
    if (group === undefined) {
      if (groups.unknown.length > 0) {
        // A log group whose name is unknown during preview may be this one: reading its name
        // raises the preview advisory instead of a violation that may be wrong.
        touch((groups.unknown[0].props as { name?: string }).name);
      }
      report(
        `${what} exports ${log} logs but the stack creates no log group "${name}". Create an ` +
          `aws.cloudwatch.LogGroup with that name and retentionInDays, and make the database ` +
          `depend on it.`,
        db.urn,
      );
      return;
    }
    if (!db.dependencies.some((d) => d.urn === group.urn)) {
      report(
        `${what} does not depend on log group "${name}", so RDS may create it first (never ` +
          `expiring) and the stack's log group then fails. Add it to the database's dependsOn.`,
        db.urn,
      );
    }
  });
}

export const rdsLogGroupsPrecreated = stackPolicy({
  name: "rds-log-groups-precreated",
  description:
    "Every log an RDS instance or Aurora cluster exports goes to a log group this stack creates " +
    "first (/aws/rds/instance|cluster/<id>/<log>), so it has retention and a key; otherwise RDS " +
    "creates it never expiring.",
  severity: "high",
  validateStack: (args, report) => {
    const groups = logGroupNames(args.resources);
    checkAll([
      () =>
        forEachChecked(ofTypes(args.resources, [T.rdsInstance]), (db) =>
          checkPrecreated(db, "instance", "identifier", groups, report),
        ),
      () =>
        forEachChecked(ofTypes(args.resources, [T.rdsCluster]), (db) =>
          checkPrecreated(db, "cluster", "clusterIdentifier", groups, report),
        ),
    ]);
  },
});

// ------------------------------------------------------------------------------------------------
// WAF
// ------------------------------------------------------------------------------------------------

export const wafv2WebAclLogging = stackPolicy({
  name: "wafv2-web-acl-logging",
  description: "Every WAFv2 web ACL has a logging configuration.",
  severity: "medium",
  validateStack: (args, report) => {
    const configs = ofTypes(args.resources, [T.webAclLogging]);
    for (const acl of ofTypes(args.resources, [T.webAcl])) {
      if (!configs.some((c) => dependsVia(c, "resourceArn", acl))) {
        report(
          `${named("Web ACL", acl.name)} does not log. Add an aws.wafv2.WebAclLoggingConfiguration ` +
            `with resourceArn from it, to a log group named "aws-waf-logs-..." with retention.`,
          acl.urn,
        );
      }
    }
  },
});

// ------------------------------------------------------------------------------------------------
// Log buckets keep objects at least as long as the minimum
// ------------------------------------------------------------------------------------------------

export interface LogBucketConfig {
  minRetentionDays: number;
  logBucketTagKey: string;
  logBucketTagValues: string[];
}

export const LOG_BUCKET_DEFAULTS: LogBucketConfig = {
  minRetentionDays: SIX_YEARS_DAYS,
  logBucketTagKey: "openemr:purpose",
  logBucketTagValues: ["lb-access-logs", "audit-trail", "audit-logs", "access-logs", "flow-logs"],
};

/** Why a bucket holds logs (a reason for the message), or undefined. */
function logBucketReason(
  bucket: PolicyResource,
  resources: PolicyResource[],
  config: LogBucketConfig,
): string | undefined {
  const tag = peekString(peek(bucket.props, "tags"), config.logBucketTagKey);
  if (tag !== undefined && config.logBucketTagValues.includes(tag)) {
    return `tagged ${config.logBucketTagKey}=${tag}`;
  }
  const users: Array<[readonly string[], string, string]> = [
    [LOAD_BALANCER_TYPES, "accessLogs", "load-balancer access logs"],
    [[T.cloudtrail], "s3BucketName", "CloudTrail logs"],
    [[T.flowLog], "logDestination", "VPC flow logs"],
    [[T.bucketLogging, T.bucketLoggingV2], "targetBucket", "S3 access logs"],
  ];
  for (const [types, prop, what] of users) {
    if (ofTypes(resources, types).some((r) => dependsVia(r, prop, bucket))) {
      return `receives ${what}`;
    }
  }
  return undefined;
}

export const s3LogBucketRetention = stackPolicy({
  name: "s3-log-bucket-retention",
  description:
    "Buckets that hold logs (load-balancer, CloudTrail, flow or access logs, or tagged as log " +
    "buckets) do not expire objects before the minimum retention (default 2192 days).",
  severity: "high",
  configSchema: {
    properties: {
      minRetentionDays: {
        type: "integer",
        minimum: 1,
        default: LOG_BUCKET_DEFAULTS.minRetentionDays,
        description: "Minimum days before a lifecycle rule may expire log objects.",
      },
      logBucketTagKey: {
        type: "string",
        default: LOG_BUCKET_DEFAULTS.logBucketTagKey,
        description: "Tag key that marks log buckets.",
      },
      logBucketTagValues: {
        type: "array",
        items: { type: "string" },
        default: LOG_BUCKET_DEFAULTS.logBucketTagValues,
        description: "Values of that tag that mark log buckets.",
      },
    },
  },
  validateStack: (args, report) => {
    const config = configOf(args, LOG_BUCKET_DEFAULTS);
    forEachChecked(ofTypes(args.resources, BUCKET_TYPES), (bucket) => {
      const reason = logBucketReason(bucket, args.resources, config);
      if (reason === undefined) {
        return;
      }
      const what = `${named("S3 bucket", bucket.name)} (${reason})`;
      forEachChecked(attachedToBucket(args.resources, LIFECYCLE_TYPES, bucket), (lc) => {
        forEachChecked(arrayOf(propsOf<BucketLifecycleConfigurationArgs>(lc).rules), (rule) => {
          if (rule.status !== "Enabled" || !isSet(rule, "expiration")) {
            return;
          }
          const expiration = rule.expiration;
          if (isSet(expiration, "date")) {
            report(
              `${what} expires logs on a fixed date in rule "${label(rule, "id")}". Use expiration.days ≥ ${config.minRetentionDays}.`,
              bucket.urn,
            );
            return;
          }
          if (isSet(expiration, "days") && Number(expiration?.days) < config.minRetentionDays) {
            report(
              `${what} expires logs after ${Number(expiration?.days)} days in lifecycle rule ` +
                `"${label(rule, "id")}". Set expiration.days to at least ` +
                `${config.minRetentionDays}.`,
              bucket.urn,
            );
          }
        });
      });
    });
  },
});

export const loggingPolicies = [
  logGroupRetention,
  cloudtrailConfiguration,
  vpcFlowLogs,
  lbAccessLogs,
  lbHardening,
  rdsLogExports,
  rdsLogGroupsPrecreated,
  wafv2WebAclLogging,
  s3LogBucketRetention,
];
