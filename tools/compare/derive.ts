// The comparison's rows, read from a plan's resources and their inputs. Each function returns the
// text of one cell; per-preset facts (./facts.ts) fill in only what no resource shows.
import { backupSelectionTargets, planVolumes, tasksAtRest } from "../plan/aws";
import type { PlanIndex } from "../plan/plan-index";
import { BUCKET_TYPES, SSE_TYPES, T } from "../plan/tokens";
import type { PlanResource, PlanValue, PolicyViolation } from "../plan/types";
import { bool, get, list, num, obj, str } from "../plan/values";
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
//
// Whether a store is encrypted at rest, and whether with a customer-managed key, is the policy
// pack's verdict wherever the pack judges it: the plan's policy.violations, recorded by
// tools/pipeline with the pack's default config (the customer-managed-key policies report as
// advisory there, so a store without one is listed). The plan's inputs name the key, and decide
// what the pack does not judge: SSE-S3 or SSE-KMS on a bucket, SSM SecureString parameters.

interface KeyClass {
  /** Sort order: customer-managed keys first, unencrypted last. */
  rank: number;
  label: string;
}

const NOT_ENCRYPTED: KeyClass = { rank: 9, label: "**Not encrypted**" };
const NOT_KNOWN: KeyClass = { rank: 8, label: "**Not known at plan time**" };
const SSE_S3: KeyClass = { rank: 3, label: "SSE-S3 (S3-managed keys)" };

function awsManaged(alias: string): KeyClass {
  return { rank: 1, label: `AWS-managed key \`${alias}\`` };
}

/** The pack's policies the rows read their verdicts from. */
export const KEY_POLICIES = {
  ebsVolume: "ebs-volume-encrypted",
  instanceVolumes: "ec2-instance-volumes-encrypted",
  rdsStorage: "rds-storage-encrypted",
  efs: "efs-encrypted",
  backupVault: "backup-vault-encrypted",
  trail: "cloudtrail-encrypted",
  dataStoreCmk: "data-store-customer-managed-key",
  secretCmk: "secretsmanager-secret-customer-managed-key",
  logGroupCmk: "cloudwatch-log-group-customer-managed-key",
} as const;
const P = KEY_POLICIES;

/**
 * A policy's verdict on one store. `about` picks the violations about this store when the policy
 * judges several stores of one resource: the customer-managed-key policies name the input they
 * want set ("Set masterUserSecretKmsKeyId to a customer-managed KMS key"), the instance-volume
 * policy the device.
 */
interface Judge {
  policy: string;
  about?: string;
}

type Verdict = "flagged" | "not known" | "passed";

/** The verdicts tools/pipeline recorded in the plan. */
function verdictsOf(plan: PlanIndex): readonly PolicyViolation[] {
  const block = plan.plan.policy;
  if (!block) throw new Error(`compare: the ${plan.plan.preset} plan carries no policy verdicts`);
  return block.violations;
}

function verdictOn(
  violations: readonly PolicyViolation[],
  urn: string,
  judge: Judge | undefined,
): Verdict {
  if (!judge) return "passed";
  let verdict: Verdict = "passed";
  for (const v of violations) {
    if (v.urn !== urn || v.policy !== judge.policy) continue;
    // the runner's advisory for a policy that read a value unknown at plan time
    if (v.message.startsWith("can't run policy ")) verdict = "not known";
    else if (judge.about === undefined || v.message.includes(judge.about)) return "flagged";
  }
  return verdict;
}

interface Store {
  what: string;
  /** The resource the pack reports on. */
  urn: string;
  /** Flags the store as not encrypted at rest. */
  encryption?: Judge;
  /** Flags the store as using its default key rather than a customer-managed one. */
  keyChoice?: Judge;
  /** Where the key comes from: the resource, the property it takes the key through, the input. */
  key?: StoreKey;
  /** The key the store uses when none is set. */
  fallback: KeyClass;
}

interface StoreKey {
  r: PlanResource;
  prop: string;
  input: PlanValue | undefined;
}

/** The key a store names: an in-plan key or alias (by its alias name), else the input's text. */
function namedKey(k: StoreKey | undefined, plan: PlanIndex): KeyClass | undefined {
  if (!k) return undefined;
  const key = plan.refs(k.r, k.prop, T.kmsKey)[0];
  const alias = key
    ? plan.referrers(key, T.kmsAlias, "targetKeyId")[0]
    : plan.refs(k.r, k.prop, T.kmsAlias)[0];
  const target = key ?? (alias && plan.refs(alias, "targetKeyId", T.kmsKey)[0]);
  if (key || alias) {
    const name = (alias && str(alias.props.name)) ?? key?.name ?? alias?.name;
    const rotation = target && bool(target.props.enableKeyRotation) === true;
    return {
      rank: 0,
      label: `**Customer-managed key \`${name}\`**${rotation ? ", rotated yearly" : ""}`,
    };
  }
  if (k.input === undefined || k.input === null) return undefined;
  const text = str(k.input);
  if (text === undefined) return { rank: 0, label: "**Customer-managed key** (named at deploy)" };
  const managed = /alias\/(aws\/[\w-]+)/.exec(text);
  return managed
    ? awsManaged(managed[1])
    : { rank: 0, label: `**Customer-managed key \`${text}\`**` };
}

function classify(s: Store, plan: PlanIndex, verdicts: readonly PolicyViolation[]): KeyClass {
  const encryption = verdictOn(verdicts, s.urn, s.encryption);
  if (encryption === "flagged") return NOT_ENCRYPTED;
  const choice = verdictOn(verdicts, s.urn, s.keyChoice);
  if (encryption === "not known" || choice === "not known") return NOT_KNOWN;
  if (choice === "flagged") return s.fallback;
  return namedKey(s.key, plan) ?? s.fallback;
}

/** The stores of a plan that hold data at rest, in the row's order. */
function stores(plan: PlanIndex): Store[] {
  const out: Store[] = [];
  const keyed = (r: PlanResource, prop: string): StoreKey => ({ r, prop, input: r.props[prop] });
  for (const v of planVolumes(plan)) {
    const key = { r: v.owner, prop: v.kmsKeyProp, input: v.kmsKeyInput };
    const base = { urn: v.owner.urn, key, fallback: awsManaged("aws/ebs") };
    if (v.owner.type === T.ebsVolume) {
      out.push({
        ...base,
        what: "EBS data",
        encryption: { policy: P.ebsVolume },
        keyChoice: { policy: P.dataStoreCmk },
      });
    } else if (v.kmsKeyProp === "rootBlockDevice") {
      out.push({
        ...base,
        what: "EBS root",
        encryption: { policy: P.instanceVolumes, about: "root volume" },
        keyChoice: { policy: P.dataStoreCmk, about: "Set rootBlockDevice.kmsKeyId to" },
      });
    } else {
      const device = v.deviceName === undefined ? "block device" : `block device "${v.deviceName}"`;
      out.push({
        ...base,
        what: "EBS data",
        encryption: { policy: P.instanceVolumes, about: device },
        keyChoice: { policy: P.dataStoreCmk, about: device },
      });
    }
  }
  const databases: [PlanResource, string][] = [
    ...plan.ofType(T.rdsInstance).map((r): [PlanResource, string] => [r, "RDS"]),
    ...plan.ofType(T.rdsCluster).map((r): [PlanResource, string] => [r, "Aurora"]),
  ];
  for (const [r, what] of databases) {
    out.push({
      what,
      urn: r.urn,
      encryption: { policy: P.rdsStorage },
      keyChoice: { policy: P.dataStoreCmk, about: "Set kmsKeyId to" },
      key: keyed(r, "kmsKeyId"),
      fallback: awsManaged("aws/rds"),
    });
  }
  for (const [r] of databases) {
    if (bool(r.props.manageMasterUserPassword) !== true) continue;
    out.push({
      what: "DB master secret",
      urn: r.urn,
      keyChoice: { policy: P.dataStoreCmk, about: "Set masterUserSecretKmsKeyId to" },
      key: keyed(r, "masterUserSecretKmsKeyId"),
      fallback: awsManaged("aws/secretsmanager"),
    });
  }
  for (const r of plan.ofType(T.elasticacheServerless)) {
    out.push({
      what: "Valkey",
      urn: r.urn,
      keyChoice: { policy: P.dataStoreCmk },
      key: keyed(r, "kmsKeyId"),
      fallback: { rank: 2, label: "AWS-owned key" },
    });
  }
  for (const r of plan.ofType(T.efsFileSystem)) {
    out.push({
      what: "EFS",
      urn: r.urn,
      encryption: { policy: P.efs },
      keyChoice: { policy: P.dataStoreCmk },
      key: keyed(r, "kmsKeyId"),
      fallback: awsManaged("aws/elasticfilesystem"),
    });
  }
  for (const r of plan.ofType(T.logGroup)) {
    out.push({
      what: "logs",
      urn: r.urn,
      keyChoice: { policy: P.logGroupCmk },
      key: keyed(r, "kmsKeyId"),
      fallback: { rank: 2, label: "CloudWatch Logs service key" },
    });
  }
  for (const r of BUCKET_TYPES.flatMap((t) => plan.ofType(t))) {
    const sse = SSE_TYPES.flatMap((t) => plan.referrers(r, t, "bucket"))[0];
    const byDefault = sse && get(sse.props, "rules", 0, "applyServerSideEncryptionByDefault");
    if (!sse || str(get(byDefault, "sseAlgorithm")) !== "aws:kms") {
      out.push({ what: "S3", urn: r.urn, fallback: SSE_S3 });
      continue;
    }
    out.push({
      what: "S3",
      urn: sse.urn,
      keyChoice: { policy: P.dataStoreCmk },
      key: { r: sse, prop: "rules", input: get(byDefault, "kmsMasterKeyId") },
      fallback: awsManaged("aws/s3"),
    });
  }
  for (const r of plan.ofType(T.secret)) {
    out.push({
      what: "secrets",
      urn: r.urn,
      keyChoice: { policy: P.secretCmk },
      key: keyed(r, "kmsKeyId"),
      fallback: awsManaged("aws/secretsmanager"),
    });
  }
  for (const r of plan.ofType(T.ssmParameter)) {
    if (str(r.props.type) !== "SecureString") continue;
    out.push({
      what: "SSM SecureString",
      urn: r.urn,
      key: keyed(r, "keyId"),
      fallback: awsManaged("aws/ssm"),
    });
  }
  for (const r of plan.ofType(T.cloudtrail)) {
    out.push({
      what: "CloudTrail",
      urn: r.urn,
      keyChoice: { policy: P.trail },
      key: keyed(r, "kmsKeyId"),
      fallback: SSE_S3,
    });
  }
  for (const r of plan.ofType(T.backupVault)) {
    out.push({
      what: "backup vault",
      urn: r.urn,
      keyChoice: { policy: P.backupVault },
      key: keyed(r, "kmsKeyArn"),
      fallback: awsManaged("aws/backup"),
    });
  }
  return out;
}

/** The key class of the store `what` of resource `urn` (a trail, a vault) for other rows. */
function keyClassOf(plan: PlanIndex, urn: string, what: string): KeyClass | undefined {
  const store = stores(plan).find((s) => s.urn === urn && s.what === what);
  return store && classify(store, plan, verdictsOf(plan));
}

/** Row "Encrypted at rest, with which key". */
export function encryptionCell(plan: PlanIndex): string {
  const verdicts = verdictsOf(plan);
  const entries = stores(plan).map((s) => ({ key: classify(s, plan, verdicts), what: s.what }));
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
  return [...plan.ofType(T.rdsParameterGroup), ...plan.ofType(T.rdsClusterParameterGroup)].some(
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
  for (const r of plan.ofType(T.securityGroupIngressRule))
    addRange(num(r.props.fromPort), num(r.props.toPort));
  for (const r of plan.ofType(T.securityGroupRule)) {
    if (str(r.props.type) === "ingress") addRange(num(r.props.fromPort), num(r.props.toPort));
  }
  for (const sg of plan.ofType(T.securityGroup)) {
    for (const rule of list(sg.props.ingress) ?? [])
      addRange(num(get(rule, "fromPort")), num(get(rule, "toPort")));
  }
  return [...ports].sort((a, b) => a - b);
}

/** Row "TLS termination". */
export function tlsCell(plan: PlanIndex, facts: PresetFacts): string {
  const parts: string[] = [];
  for (const lb of plan.ofType(T.lbLoadBalancer)) {
    const listeners = plan.referrers(lb, T.lbListener, "loadBalancerArn");
    const bits: string[] = [];
    let backend: string | undefined;
    for (const l of listeners) {
      const protocol = str(l.props.protocol);
      const port = num(l.props.port);
      const actions = list(l.props.defaultActions) ?? [];
      if (protocol === "HTTPS") {
        bits.push(`HTTPS ${port ?? "?"} (${str(l.props.sslPolicy) ?? "ELB default policy"})`);
        const tg = plan.refs(l, "defaultActions", T.lbTargetGroup)[0];
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
  const dbs = plan.ofType(T.rdsInstance).length + plan.ofType(T.rdsCluster).length;
  if (dbs > 0)
    parts.push(
      requiresTls(plan)
        ? "database: TLS required (require_secure_transport)"
        : "**database: TLS not required**",
    );
  else if (facts.localDatabase) parts.push("database: same host, no network hop");
  if (plan.ofType(T.elasticacheServerless).length > 0)
    parts.push("Valkey: TLS (always on for serverless)");
  const efsTls = plan
    .ofType(T.ecsTaskDefinition)
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
  for (const t of plan.ofType(T.cloudtrail)) {
    const props = [
      bool(t.props.isMultiRegionTrail) === true ? "multi-region" : "this region only",
      bool(t.props.enableLogFileValidation) === true
        ? "log-file validation"
        : "**no log-file validation**",
      (keyClassOf(plan, t.urn, "CloudTrail")?.rank ?? 9) <= 1 ? "KMS-encrypted" : "SSE-S3",
    ];
    const cw =
      t.props.cloudWatchLogsGroupArn !== undefined && t.props.cloudWatchLogsGroupArn !== null;
    parts.push(`CloudTrail (${props.join(", ")}) → S3${cw ? " + CloudWatch Logs" : ""}`);
  }
  if (plan.ofType(T.cloudtrail).length === 0)
    parts.push("no CloudTrail trail created (the account's own trail, if any)");
  const dbAudit = [...plan.ofType(T.rdsInstance), ...plan.ofType(T.rdsCluster)].some((r) =>
    (list(r.props.enabledCloudwatchLogsExports) ?? []).some((e) => str(e) === "audit"),
  );
  if (dbAudit) parts.push("database audit log → CloudWatch Logs");
  const albLogs = plan
    .ofType(T.lbLoadBalancer)
    .some((lb) => bool(get(lb.props, "accessLogs", "enabled")) === true);
  if (albLogs) parts.push("ALB access logs → S3");
  if (plan.ofType(T.webAclLogging).length > 0) parts.push("WAF logs");
  if (plan.ofType(T.flowLog).length > 0) parts.push("VPC flow logs");
  const retention = plan
    .ofType(T.logGroup)
    .map((g) => num(g.props.retentionInDays))
    .filter((d): d is number => d !== undefined);
  if (plan.ofType(T.logGroup).length > 0) {
    const lo = Math.min(...retention);
    const hi = Math.max(...retention);
    const unset =
      retention.length < plan.ofType(T.logGroup).length ? ", **some never expire**" : "";
    const days =
      retention.length === 0
        ? "no retention set"
        : lo === hi
          ? `kept ${lo} days`
          : `kept ${lo}–${hi} days`;
    parts.push(`${plural(plan.ofType(T.logGroup).length, "log group")}, ${days}${unset}`);
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
    case T.rdsInstance:
      return "RDS";
    case T.rdsCluster:
      return "Aurora";
    case T.efsFileSystem:
      return "EFS";
    case T.ec2Instance:
      return "instance";
    default:
      return "EBS volume";
  }
}

/** Row "Backups: where, how often, restore". */
export function backupsCell(plan: PlanIndex, facts: PresetFacts): string {
  const parts: string[] = [];
  for (const p of plan.ofType(T.dlmLifecyclePolicy)) {
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
  for (const bp of plan.ofType(T.backupPlan)) {
    const rules = (list(bp.props.rules) ?? []).map((rule) => {
      const when = describeCron(str(get(rule, "schedule")) ?? "?");
      const keep = retentionText(num(get(rule, "lifecycle", "deleteAfter")));
      const cold = num(get(rule, "lifecycle", "coldStorageAfter"));
      return `${when}, ${keep}${cold !== undefined ? ` (cold after ${cold} d)` : ""}`;
    });
    const targets = plan
      .referrers(bp, T.backupSelection, "planId")
      .flatMap((s) => backupSelectionTargets(s, plan))
      .map(targetLabel);
    const vault = plan.refs(bp, "rules", T.backupVault)[0];
    const where =
      vault && keyClassOf(plan, vault.urn, "backup vault")?.rank === 0
        ? "vault with customer-managed key"
        : "vault";
    parts.push(
      `AWS Backup (${where}) of ${counted(targets) || "nothing found"}: ${rules.join("; ")}`,
    );
  }
  for (const r of plan.ofType(T.rdsInstance)) {
    parts.push(
      `RDS automated backups, point-in-time restore: ${num(r.props.backupRetentionPeriod) ?? 1} d`,
    );
  }
  for (const r of plan.ofType(T.rdsCluster)) {
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
  const zones = new Set(plan.ofType(T.subnet).map((s) => str(s.props.availabilityZone)));
  return zones.size > 0 ? zones.size : undefined;
}

/** Row "Availability". */
export function availabilityCell(plan: PlanIndex, facts: PresetFacts): string {
  const parts: string[] = [];
  const instances = plan.ofType(T.ec2Instance);
  if (instances.length > 0) {
    const recover = plan
      .ofType(T.metricAlarm)
      .some((a) =>
        (list(a.props.alarmActions) ?? []).some((x) => (str(x) ?? "").endsWith(":ec2:recover")),
      );
    const how = recover ? ", auto-recovered onto healthy hardware when its host fails" : "";
    parts.push(`web: ${plural(instances.length, "EC2 instance")} (one AZ${how})`);
  }
  for (const s of plan.ofType(T.ecsService)) {
    const tasks = tasksAtRest(s, plan).count;
    const subnets = list(get(s.props, "networkConfiguration", "subnets"))?.length ?? azCount(plan);
    const lb = plan.ofType(T.lbLoadBalancer).length > 0 ? " behind the ALB" : "";
    parts.push(
      `web: ${tasks ?? "?"} tasks at rest over ${subnets ?? "?"} AZs${lb}, replaced when unhealthy`,
    );
  }
  for (const r of plan.ofType(T.rdsInstance)) {
    parts.push(
      bool(r.props.multiAz) === true
        ? "database: RDS Multi-AZ (standby in a second AZ)"
        : "database: RDS Single-AZ",
    );
  }
  for (const c of plan.ofType(T.rdsCluster)) {
    const n = plan.referrers(c, T.rdsClusterInstance, "clusterIdentifier").length;
    parts.push(
      n > 1
        ? `database: Aurora writer + ${plural(n - 1, "reader")} (failover)`
        : "database: Aurora writer only (storage across 3 AZs)",
    );
  }
  if (
    plan.ofType(T.rdsInstance).length + plan.ofType(T.rdsCluster).length === 0 &&
    facts.localDatabase
  ) {
    parts.push(`database: ${facts.localDatabase}`);
  }
  if (plan.ofType(T.elasticacheServerless).length > 0)
    parts.push("sessions: Valkey Serverless (multi-AZ)");
  const nats = plan.ofType(T.natGateway).length;
  if (nats > 0) {
    parts.push(
      nats === 1 ? "egress: 1 NAT gateway (one AZ)" : `egress: ${nats} NAT gateways (one per AZ)`,
    );
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
  for (const i of plan.ofType(T.ec2Instance))
    parts.push(`web: ${sized(str(i.props.instanceType))}`);
  for (const s of plan.ofType(T.ecsService)) {
    const td = plan.refs(s, "taskDefinition", T.ecsTaskDefinition)[0];
    const cpu = td ? num(td.props.cpu) : undefined;
    const mem = td ? num(td.props.memory) : undefined;
    const size =
      cpu !== undefined && mem !== undefined ? `${cpu / 1024} vCPU / ${mem / 1024} GiB` : "?";
    const target = plan.referrers(s, T.autoscalingTarget, "resourceId")[0];
    const range = target
      ? `${num(target.props.minCapacity) ?? "?"}–${num(target.props.maxCapacity) ?? "?"}`
      : `${num(s.props.desiredCount) ?? "?"}`;
    const policies = target
      ? plan
          .referrers(target, T.autoscalingPolicy, "resourceId")
          .map((p) => num(get(p.props, "targetTrackingScalingPolicyConfiguration", "targetValue")))
          .filter((v): v is number => v !== undefined)
      : [];
    const tracking =
      policies.length > 0 ? ` (target tracking at ${[...new Set(policies)].join("/")}%)` : "";
    parts.push(`web: ${range} tasks × ${size}${tracking}`);
  }
  for (const r of plan.ofType(T.rdsInstance)) {
    const max = num(r.props.maxAllocatedStorage);
    parts.push(
      `database: ${sized(str(r.props.instanceClass))}${max ? `, storage grows to ${max} GB` : ""}`,
    );
  }
  for (const c of plan.ofType(T.rdsCluster)) {
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
  if (plan.ofType(T.ec2Instance).length > 0) {
    // the admin shell is a Session Manager session through the stack's own Session document
    const ssm = plan.ofType(T.ssmDocument).some((d) => str(d.props.documentType) === "Session");
    const ssh = ingressPorts(plan).includes(22);
    const keyPair = plan.ofType(T.ec2Instance).some((i) => str(i.props.keyName) !== undefined);
    if (ssm) parts.push("SSM Session Manager (no inbound port), every session logged");
    parts.push(
      ssh
        ? "**SSH port 22 open**"
        : keyPair
          ? "EC2 key pair set, port 22 closed"
          : "no SSH (no key pair, port 22 closed)",
    );
  }
  for (const s of plan.ofType(T.ecsService)) {
    parts.push(
      bool(s.props.enableExecuteCommand) === true
        ? "ECS Exec on"
        : "no shell into tasks (ECS Exec off)",
    );
  }
  const secrets = plan.ofType(T.secret).length;
  const params = plan
    .ofType(T.ssmParameter)
    // not the helper scripts kept as parameters (<prefix>/scripts/…): they hold no credential
    .filter(
      (p) => str(p.props.type) === "SecureString" && !/\/scripts\//.test(str(p.props.name) ?? ""),
    ).length;
  if (secrets > 0) parts.push(`credentials in Secrets Manager (${secrets})`);
  if (params > 0) parts.push(`credentials in SSM SecureString parameters (${params})`);
  if (facts.adminNote) parts.push(facts.adminNote);
  return parts.join("<br>") || NONE;
}
