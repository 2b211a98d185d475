// The comparison's rows, read from a plan's resources and their inputs. Each function returns the
// text of one cell; per-preset facts (./facts.ts) fill in only what no resource shows.
import type { PlanResource } from "../plan/types";
import {
  AWSX_VPC,
  BACKUP_PLAN,
  BACKUP_SELECTION,
  BACKUP_VAULT,
  BUCKET,
  BUCKET_SSE,
  BUCKET_SSE_V2,
  BUCKET_V2,
  DLM_POLICY,
  ECS_SERVICE,
  EFS,
  FLOW_LOG,
  IAM_ROLE_POLICY_ATTACHMENT,
  INSTANCE,
  KMS_ALIAS,
  KMS_KEY,
  LISTENER,
  LOAD_BALANCER,
  LOG_GROUP,
  METRIC_ALARM,
  PlanIndex,
  RDS_CLUSTER,
  RDS_CLUSTER_INSTANCE,
  RDS_CLUSTER_PARAMETER_GROUP,
  RDS_INSTANCE,
  RDS_PARAMETER_GROUP,
  SCALING_POLICY,
  SCALING_TARGET,
  SECRET_TYPE,
  SERVERLESS_CACHE,
  SG_INGRESS_RULE,
  SG_RULE,
  SSM_PARAMETER,
  TARGET_GROUP,
  TASK_DEFINITION,
  TRAIL,
  WEB_ACL_LOGGING,
  awsxNatGateways,
  backupSelectionTargets,
  bool,
  get,
  list,
  num,
  obj,
  planVolumes,
  str,
  tasksAtRest,
} from "../cost/models";
import type { PresetFacts } from "./facts";

const NONE = "—";

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "EFS ×2, logs ×7": labels counted in first-seen order. */
function counted(labels: string[]): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts].map(([l, n]) => (n > 1 ? `${l} ×${n}` : l)).join(", ");
}

// ---------------------------------------------------------------------------------------------
// Keys

interface KeyClass {
  /** Sort order: customer-managed keys first, unencrypted last. */
  rank: number;
  label: string;
}

const NOT_ENCRYPTED: KeyClass = { rank: 9, label: "**Not encrypted**" };

/** The customer-managed key a resource takes through `prop`, named by its alias when it has one. */
function cmkOf(r: PlanResource, prop: string, plan: PlanIndex): KeyClass | undefined {
  const key = plan.refs(r, prop, KMS_KEY)[0];
  if (!key) return undefined;
  const alias = plan.referrers(key, KMS_ALIAS, "targetKeyId")[0];
  const name = (alias && str(alias.props.name)) ?? key.name;
  const rotation = bool(key.props.enableKeyRotation) === true ? ", rotated yearly" : "";
  return { rank: 0, label: `**Customer-managed key \`${name}\`**${rotation}` };
}

function awsManaged(alias: string): KeyClass {
  return { rank: 1, label: `AWS-managed key \`${alias}\`` };
}

/** A key class for a resource encrypted (or not) through `prop`. */
function keyClass(
  r: PlanResource,
  prop: string,
  plan: PlanIndex,
  encrypted: boolean | undefined,
  fallback: KeyClass,
): KeyClass {
  if (encrypted === false) return NOT_ENCRYPTED;
  return cmkOf(r, prop, plan) ?? fallback;
}

/** Row "Encrypted at rest, with which key". */
export function encryptionCell(plan: PlanIndex): string {
  const entries: { key: KeyClass; what: string }[] = [];
  const add = (key: KeyClass, what: string): void => {
    entries.push({ key, what });
  };
  for (const v of planVolumes(plan)) {
    const what =
      v.owner.type === INSTANCE && v.kmsKeyProp === "rootBlockDevice" ? "EBS root" : "EBS data";
    add(
      v.encrypted === true
        ? (cmkOf(v.owner, v.kmsKeyProp, plan) ?? awsManaged("aws/ebs"))
        : NOT_ENCRYPTED,
      what,
    );
  }
  for (const r of plan.ofType(RDS_INSTANCE)) {
    add(
      keyClass(r, "kmsKeyId", plan, bool(r.props.storageEncrypted) ?? false, awsManaged("aws/rds")),
      "RDS",
    );
  }
  for (const r of plan.ofType(RDS_CLUSTER)) {
    add(
      keyClass(r, "kmsKeyId", plan, bool(r.props.storageEncrypted) ?? false, awsManaged("aws/rds")),
      "Aurora",
    );
  }
  for (const r of [...plan.ofType(RDS_INSTANCE), ...plan.ofType(RDS_CLUSTER)]) {
    if (bool(r.props.manageMasterUserPassword) === true) {
      add(
        keyClass(r, "masterUserSecretKmsKeyId", plan, true, awsManaged("aws/secretsmanager")),
        "DB master secret",
      );
    }
  }
  for (const r of plan.ofType(SERVERLESS_CACHE)) {
    add(keyClass(r, "kmsKeyId", plan, true, { rank: 2, label: "AWS-owned key" }), "Valkey");
  }
  for (const r of plan.ofType(EFS)) {
    add(
      keyClass(
        r,
        "kmsKeyId",
        plan,
        bool(r.props.encrypted) ?? false,
        awsManaged("aws/elasticfilesystem"),
      ),
      "EFS",
    );
  }
  for (const r of plan.ofType(LOG_GROUP)) {
    add(
      keyClass(r, "kmsKeyId", plan, true, { rank: 2, label: "CloudWatch Logs service key" }),
      "logs",
    );
  }
  for (const r of [...plan.ofType(BUCKET), ...plan.ofType(BUCKET_V2)]) {
    const sse = [
      ...plan.referrers(r, BUCKET_SSE, "bucket"),
      ...plan.referrers(r, BUCKET_SSE_V2, "bucket"),
    ][0];
    const algorithm = sse
      ? str(get(sse.props, "rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm"))
      : undefined;
    const sseS3: KeyClass = { rank: 3, label: "SSE-S3 (S3-managed keys)" };
    if (algorithm === "aws:kms" && sse)
      add(cmkOf(sse, "rules", plan) ?? awsManaged("aws/s3"), "S3");
    else add(sseS3, "S3");
  }
  for (const r of plan.ofType(SECRET_TYPE)) {
    add(keyClass(r, "kmsKeyId", plan, true, awsManaged("aws/secretsmanager")), "secrets");
  }
  for (const r of plan.ofType(SSM_PARAMETER)) {
    if (str(r.props.type) !== "SecureString") continue;
    add(keyClass(r, "keyId", plan, true, awsManaged("aws/ssm")), "SSM SecureString");
  }
  for (const r of plan.ofType(TRAIL)) {
    add(
      keyClass(r, "kmsKeyId", plan, true, { rank: 3, label: "SSE-S3 (S3-managed keys)" }),
      "CloudTrail",
    );
  }
  for (const r of plan.ofType(BACKUP_VAULT)) {
    add(keyClass(r, "kmsKeyArn", plan, true, awsManaged("aws/backup")), "backup vault");
  }
  if (entries.length === 0) return NONE;
  const groups = new Map<string, { rank: number; what: string[] }>();
  for (const e of entries) {
    const g = groups.get(e.key.label) ?? { rank: e.key.rank, what: [] };
    g.what.push(e.what);
    groups.set(e.key.label, g);
  }
  return [...groups]
    .sort((a, b) => a[1].rank - b[1].rank || a[0].localeCompare(b[0]))
    .map(([label, g]) => `${label}: ${counted(g.what)}`)
    .join("<br>");
}

// ---------------------------------------------------------------------------------------------
// TLS

function requiresTls(plan: PlanIndex): boolean {
  return [...plan.ofType(RDS_PARAMETER_GROUP), ...plan.ofType(RDS_CLUSTER_PARAMETER_GROUP)].some(
    (g) =>
      (list(g.props.parameters) ?? []).some(
        (p) =>
          str(get(p, "name")) === "require_secure_transport" &&
          ["ON", "1"].includes((str(get(p, "value")) ?? "").toUpperCase()),
      ),
  );
}

function ingressPorts(plan: PlanIndex): number[] {
  const ports = new Set<number>();
  const addRange = (from: number | undefined, to: number | undefined): void => {
    if (from === undefined) return;
    for (let p = from; p <= (to ?? from) && p - from < 100; p++) ports.add(p);
  };
  for (const r of plan.ofType(SG_INGRESS_RULE))
    addRange(num(r.props.fromPort), num(r.props.toPort));
  for (const r of plan.ofType(SG_RULE)) {
    if (str(r.props.type) === "ingress") addRange(num(r.props.fromPort), num(r.props.toPort));
  }
  for (const sg of plan.ofType("aws:ec2/securityGroup:SecurityGroup")) {
    for (const rule of list(sg.props.ingress) ?? [])
      addRange(num(get(rule, "fromPort")), num(get(rule, "toPort")));
  }
  return [...ports].sort((a, b) => a - b);
}

/** Row "TLS termination". */
export function tlsCell(plan: PlanIndex, facts: PresetFacts): string {
  const parts: string[] = [];
  for (const lb of plan.ofType(LOAD_BALANCER)) {
    const listeners = plan.referrers(lb, LISTENER, "loadBalancerArn");
    const bits: string[] = [];
    let backend: string | undefined;
    for (const l of listeners) {
      const protocol = str(l.props.protocol);
      const port = num(l.props.port);
      const actions = list(l.props.defaultActions) ?? [];
      if (protocol === "HTTPS") {
        bits.push(`HTTPS ${port ?? "?"} (${str(l.props.sslPolicy) ?? "ELB default policy"})`);
        const tg = plan.refs(l, "defaultActions", TARGET_GROUP)[0];
        if (tg) backend = str(tg.props.protocol);
      } else if (protocol === "HTTP") {
        const redirectOnly =
          actions.length > 0 &&
          actions.every(
            (a) =>
              str(get(a, "type")) === "redirect" && str(get(a, "redirect", "protocol")) === "HTTPS",
          );
        bits.push(
          redirectOnly
            ? `HTTP ${port ?? "?"} only redirects to HTTPS`
            : `**HTTP ${port ?? "?"} serves plain HTTP**`,
        );
      }
    }
    const to =
      backend === "HTTPS"
        ? "; ALB → OpenEMR over HTTPS"
        : backend
          ? `; ALB → OpenEMR over ${backend}`
          : "";
    parts.push(`ALB: ${bits.join(", ") || "no listeners"}${to}`);
  }
  if (parts.length === 0) {
    const ports = ingressPorts(plan);
    const web = ports.includes(443) ? facts.instanceTls : undefined;
    parts.push(web ?? `ports open: ${ports.join(", ") || "none"}`);
    if (ports.includes(80)) parts.push("**port 80 open**");
  }
  const dbs = plan.ofType(RDS_INSTANCE).length + plan.ofType(RDS_CLUSTER).length;
  if (dbs > 0)
    parts.push(
      requiresTls(plan)
        ? "database: TLS required (require_secure_transport)"
        : "**database: TLS not required**",
    );
  else if (facts.localDatabase) parts.push("database: same host, no network hop");
  if (plan.ofType(SERVERLESS_CACHE).length > 0)
    parts.push("Valkey: TLS (always on for serverless)");
  const efsTls = plan
    .ofType(TASK_DEFINITION)
    .flatMap((td) => list(td.props.volumes) ?? [])
    .map((v) => str(get(v, "efsVolumeConfiguration", "transitEncryption")))
    .filter((t) => t !== undefined);
  if (efsTls.length > 0) {
    parts.push(
      efsTls.every((t) => t === "ENABLED") ? "EFS mounts: TLS" : "**EFS mounts: some without TLS**",
    );
  }
  return parts.join("<br>");
}

// ---------------------------------------------------------------------------------------------
// Audit trail

/** Row "Audit trail". */
export function auditCell(plan: PlanIndex): string {
  const parts: string[] = [];
  for (const t of plan.ofType(TRAIL)) {
    const props = [
      bool(t.props.isMultiRegionTrail) === true ? "multi-region" : "this region only",
      bool(t.props.enableLogFileValidation) === true
        ? "log-file validation"
        : "**no log-file validation**",
      plan.refs(t, "kmsKeyId", KMS_KEY).length > 0 || str(t.props.kmsKeyId)
        ? "KMS-encrypted"
        : "SSE-S3",
    ];
    const cw =
      t.props.cloudWatchLogsGroupArn !== undefined && t.props.cloudWatchLogsGroupArn !== null;
    parts.push(`CloudTrail (${props.join(", ")}) → S3${cw ? " + CloudWatch Logs" : ""}`);
  }
  if (plan.ofType(TRAIL).length === 0)
    parts.push("no CloudTrail trail created (the account's own trail, if any)");
  const dbAudit = [...plan.ofType(RDS_INSTANCE), ...plan.ofType(RDS_CLUSTER)].some((r) =>
    (list(r.props.enabledCloudwatchLogsExports) ?? []).some((e) => str(e) === "audit"),
  );
  if (dbAudit) parts.push("database audit log → CloudWatch Logs");
  const albLogs = plan
    .ofType(LOAD_BALANCER)
    .some((lb) => bool(get(lb.props, "accessLogs", "enabled")) === true);
  if (albLogs) parts.push("ALB access logs → S3");
  if (plan.ofType(WEB_ACL_LOGGING).length > 0) parts.push("WAF logs");
  if (plan.ofType(FLOW_LOG).length > 0) parts.push("VPC flow logs");
  const retention = plan
    .ofType(LOG_GROUP)
    .map((g) => num(g.props.retentionInDays))
    .filter((d): d is number => d !== undefined);
  if (plan.ofType(LOG_GROUP).length > 0) {
    const lo = Math.min(...retention);
    const hi = Math.max(...retention);
    const unset = retention.length < plan.ofType(LOG_GROUP).length ? ", **some never expire**" : "";
    const days =
      retention.length === 0
        ? "no retention set"
        : lo === hi
          ? `kept ${lo} days`
          : `kept ${lo}–${hi} days`;
    parts.push(`${plural(plan.ofType(LOG_GROUP).length, "log group")}, ${days}${unset}`);
  }
  return parts.join("<br>");
}

// ---------------------------------------------------------------------------------------------
// Backups

const DAYS: Record<string, string> = {
  SUN: "Sun",
  MON: "Mon",
  TUE: "Tue",
  WED: "Wed",
  THU: "Thu",
  FRI: "Fri",
  SAT: "Sat",
  "1": "Sun",
  "2": "Mon",
  "3": "Tue",
  "4": "Wed",
  "5": "Thu",
  "6": "Fri",
  "7": "Sat",
};

/** "daily 05:00 UTC", "weekly Sat 05:00 UTC", "monthly (day 1) 05:00 UTC" from cron(m h dom mon dow y). */
export function describeCron(expr: string): string {
  const m = /^cron\((.+)\)$/.exec(expr.trim());
  const f = m?.[1].split(/\s+/);
  if (!f || f.length !== 6) return expr;
  const [min, hour, dom, , dow] = f;
  if (!/^\d+$/.test(min) || !/^\d+$/.test(hour)) return expr;
  const at = `${hour.padStart(2, "0")}:${min.padStart(2, "0")} UTC`;
  const any = (x: string): boolean => x === "*" || x === "?";
  if (any(dom) && any(dow)) return `daily ${at}`;
  if (any(dom) && DAYS[dow.toUpperCase()]) return `weekly ${DAYS[dow.toUpperCase()]} ${at}`;
  if (/^\d+$/.test(dom) && any(dow)) return `monthly (day ${dom}) ${at}`;
  return expr;
}

function retentionText(days: number | undefined): string {
  if (days === undefined) return "kept indefinitely";
  if (days % 365 === 0 || days === 2555) return `kept ${days} d (${Math.round(days / 365)} y)`;
  return `kept ${days} d`;
}

function targetLabel(r: PlanResource): string {
  switch (r.type) {
    case RDS_INSTANCE:
      return "RDS";
    case RDS_CLUSTER:
      return "Aurora";
    case EFS:
      return "EFS";
    case INSTANCE:
      return "instance";
    default:
      return "EBS volume";
  }
}

/** Row "Backups: where, how often, restore". */
export function backupsCell(plan: PlanIndex, facts: PresetFacts): string {
  const parts: string[] = [];
  for (const p of plan.ofType(DLM_POLICY)) {
    const details = obj(p.props.policyDetails);
    for (const s of list(details?.schedules) ?? []) {
      const interval = num(get(s, "createRule", "interval"));
      const unit = (str(get(s, "createRule", "intervalUnit")) ?? "HOURS").toLowerCase();
      const rawTimes = get(s, "createRule", "times");
      const times = (list(rawTimes) ?? [rawTimes])
        .map((t) => str(t))
        .filter((t): t is string => t !== undefined)
        .join(", ");
      const cron = str(get(s, "createRule", "cronExpression"));
      const every = cron
        ? describeCron(cron)
        : interval === 24 && unit === "hours"
          ? "daily"
          : `every ${interval ?? "?"} ${unit}`;
      const at = times ? ` ${times} UTC` : "";
      const count = num(get(s, "retainRule", "count"));
      const keep =
        count !== undefined
          ? `keep ${count}`
          : retentionText(num(get(s, "retainRule", "interval")));
      parts.push(`EBS snapshots (DLM, same region): ${every}${at}, ${keep}`);
    }
  }
  for (const bp of plan.ofType(BACKUP_PLAN)) {
    const rules = (list(bp.props.rules) ?? []).map((rule) => {
      const when = describeCron(str(get(rule, "schedule")) ?? "?");
      const keep = retentionText(num(get(rule, "lifecycle", "deleteAfter")));
      const cold = num(get(rule, "lifecycle", "coldStorageAfter"));
      return `${when}, ${keep}${cold !== undefined ? ` (cold after ${cold} d)` : ""}`;
    });
    const targets = plan
      .referrers(bp, BACKUP_SELECTION, "planId")
      .flatMap((s) => backupSelectionTargets(s, plan))
      .map(targetLabel);
    const vault = plan.refs(bp, "rules", BACKUP_VAULT)[0];
    const where =
      vault && plan.refs(vault, "kmsKeyArn", KMS_KEY).length > 0
        ? "vault with customer-managed key"
        : "vault";
    parts.push(
      `AWS Backup (${where}) of ${counted(targets) || "nothing found"}: ${rules.join("; ")}`,
    );
  }
  for (const r of plan.ofType(RDS_INSTANCE)) {
    parts.push(
      `RDS automated backups, point-in-time restore: ${num(r.props.backupRetentionPeriod) ?? 1} d`,
    );
  }
  for (const r of plan.ofType(RDS_CLUSTER)) {
    parts.push(
      `Aurora continuous backups, point-in-time restore: ${num(r.props.backupRetentionPeriod) ?? 1} d`,
    );
  }
  if (facts.onInstanceBackups) parts.push(facts.onInstanceBackups);
  if (parts.length === 0) parts.push("**no backups**");
  parts.push(`Restore: ${facts.restore}`);
  return parts.join("<br>");
}

// ---------------------------------------------------------------------------------------------
// Availability and scale

function azCount(plan: PlanIndex): number | undefined {
  const vpc = plan.ofType(AWSX_VPC)[0];
  return vpc ? awsxNatGateways(vpc).azs : undefined;
}

/** Row "Availability". */
export function availabilityCell(plan: PlanIndex, facts: PresetFacts): string {
  const parts: string[] = [];
  const instances = plan.ofType(INSTANCE);
  if (instances.length > 0) {
    const recover = plan
      .ofType(METRIC_ALARM)
      .some((a) =>
        (list(a.props.alarmActions) ?? []).some((x) => (str(x) ?? "").endsWith(":ec2:recover")),
      );
    const how = recover ? ", auto-recovered onto healthy hardware when its host fails" : "";
    parts.push(`web: ${plural(instances.length, "EC2 instance")} (one AZ${how})`);
  }
  for (const s of plan.ofType(ECS_SERVICE)) {
    const tasks = tasksAtRest(s, plan).count;
    const subnets = list(get(s.props, "networkConfiguration", "subnets"))?.length ?? azCount(plan);
    const lb = plan.ofType(LOAD_BALANCER).length > 0 ? " behind the ALB" : "";
    parts.push(
      `web: ${tasks ?? "?"} tasks at rest over ${subnets ?? "?"} AZs${lb}, replaced when unhealthy`,
    );
  }
  for (const r of plan.ofType(RDS_INSTANCE)) {
    parts.push(
      bool(r.props.multiAz) === true
        ? "database: RDS Multi-AZ (standby in a second AZ)"
        : "database: RDS Single-AZ",
    );
  }
  for (const c of plan.ofType(RDS_CLUSTER)) {
    const n = plan.referrers(c, RDS_CLUSTER_INSTANCE, "clusterIdentifier").length;
    parts.push(
      n > 1
        ? `database: Aurora writer + ${plural(n - 1, "reader")} (failover)`
        : "database: Aurora writer only (storage across 3 AZs)",
    );
  }
  if (
    plan.ofType(RDS_INSTANCE).length + plan.ofType(RDS_CLUSTER).length === 0 &&
    facts.localDatabase
  ) {
    parts.push(`database: ${facts.localDatabase}`);
  }
  if (plan.ofType(SERVERLESS_CACHE).length > 0)
    parts.push("sessions: Valkey Serverless (multi-AZ)");
  for (const vpc of plan.ofType(AWSX_VPC)) {
    const nat = awsxNatGateways(vpc);
    if ((nat.count ?? 0) > 0) {
      parts.push(
        nat.count === 1
          ? "egress: 1 NAT gateway (one AZ)"
          : `egress: ${nat.count} NAT gateways (one per AZ)`,
      );
    }
  }
  return parts.join("<br>") || NONE;
}

const SPECS: Record<string, string> = {
  "t4g.micro": "2 vCPU, 1 GiB",
  "t4g.small": "2 vCPU, 2 GiB",
  "t4g.medium": "2 vCPU, 4 GiB",
  "t4g.large": "2 vCPU, 8 GiB",
  "t4g.xlarge": "4 vCPU, 16 GiB",
  "t3.micro": "2 vCPU, 1 GiB",
  "t3.small": "2 vCPU, 2 GiB",
  "t3.medium": "2 vCPU, 4 GiB",
  "t3.large": "2 vCPU, 8 GiB",
  "db.t4g.micro": "2 vCPU, 1 GiB",
  "db.t4g.small": "2 vCPU, 2 GiB",
  "db.t4g.medium": "2 vCPU, 4 GiB",
  "db.t4g.large": "2 vCPU, 8 GiB",
};

function sized(type: string | undefined): string {
  if (type === undefined) return "?";
  return Object.prototype.hasOwnProperty.call(SPECS, type) ? `${type} (${SPECS[type]})` : type;
}

/** Row "Scale ceiling (as configured)". */
export function scaleCell(plan: PlanIndex, facts: PresetFacts): string {
  const parts: string[] = [];
  for (const i of plan.ofType(INSTANCE)) parts.push(`web: ${sized(str(i.props.instanceType))}`);
  for (const s of plan.ofType(ECS_SERVICE)) {
    const td = plan.refs(s, "taskDefinition", TASK_DEFINITION)[0];
    const cpu = td ? num(td.props.cpu) : undefined;
    const mem = td ? num(td.props.memory) : undefined;
    const size =
      cpu !== undefined && mem !== undefined ? `${cpu / 1024} vCPU / ${mem / 1024} GiB` : "?";
    const target = plan.referrers(s, SCALING_TARGET, "resourceId")[0];
    const range = target
      ? `${num(target.props.minCapacity) ?? "?"}–${num(target.props.maxCapacity) ?? "?"}`
      : `${num(s.props.desiredCount) ?? "?"}`;
    const policies = target
      ? plan
          .referrers(target, SCALING_POLICY, "resourceId")
          .map((p) => num(get(p.props, "targetTrackingScalingPolicyConfiguration", "targetValue")))
          .filter((v): v is number => v !== undefined)
      : [];
    const tracking =
      policies.length > 0 ? ` (target tracking at ${[...new Set(policies)].join("/")}%)` : "";
    parts.push(`web: ${range} tasks × ${size}${tracking}`);
  }
  for (const r of plan.ofType(RDS_INSTANCE)) {
    const max = num(r.props.maxAllocatedStorage);
    parts.push(
      `database: ${sized(str(r.props.instanceClass))}${max ? `, storage grows to ${max} GB` : ""}`,
    );
  }
  for (const c of plan.ofType(RDS_CLUSTER)) {
    const min = num(get(c.props, "serverlessv2ScalingConfiguration", "minCapacity"));
    const max = num(get(c.props, "serverlessv2ScalingConfiguration", "maxCapacity"));
    parts.push(`database: Aurora ${min ?? "?"}–${max ?? "?"} ACU`);
  }
  parts.push(facts.scaleNote);
  return parts.join("<br>");
}

// ---------------------------------------------------------------------------------------------
// Admin access

/** Row "Admin access". */
export function adminCell(plan: PlanIndex, facts: PresetFacts): string {
  const parts: string[] = [];
  if (plan.ofType(INSTANCE).length > 0) {
    const ssm = plan
      .ofType(IAM_ROLE_POLICY_ATTACHMENT)
      .some((a) => (str(a.props.policyArn) ?? "").endsWith("/AmazonSSMManagedInstanceCore"));
    const ssh = ingressPorts(plan).includes(22);
    const keyPair = plan.ofType(INSTANCE).some((i) => str(i.props.keyName) !== undefined);
    if (ssm) parts.push("SSM Session Manager (no inbound port)");
    parts.push(
      ssh
        ? "**SSH port 22 open**"
        : keyPair
          ? "EC2 key pair set, port 22 closed"
          : "no SSH (no key pair, port 22 closed)",
    );
  }
  for (const s of plan.ofType(ECS_SERVICE)) {
    parts.push(
      bool(s.props.enableExecuteCommand) === true
        ? "ECS Exec on"
        : "no shell into tasks (ECS Exec off)",
    );
  }
  const secrets = plan.ofType(SECRET_TYPE).length;
  const params = plan
    .ofType(SSM_PARAMETER)
    .filter((p) => str(p.props.type) === "SecureString").length;
  if (secrets > 0) parts.push(`credentials in Secrets Manager (${secrets})`);
  if (params > 0) parts.push(`credentials in SSM SecureString parameters (${params})`);
  if (facts.adminNote) parts.push(facts.adminNote);
  return parts.join("<br>") || NONE;
}
