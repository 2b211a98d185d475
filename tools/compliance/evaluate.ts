// Evaluates the HIPAA Security rules (hipaa-rules.ts) against a plan, the way an outside tool reading
// the plan would: each rule over every resource of the types it evaluates, with the resources they
// are wired to (propertyDependencies), and nothing the program says about itself. Each rule follows
// the Config rule's documented NON_COMPLIANT case with the parameters the conformance pack's
// template passes (awslabs/aws-config-rules, aws-config-conformance-packs/
// Operational-Best-Practices-for-HIPAA-Security.yaml, read at commit 1c527eab); where the pack
// passes none, the rule's defaults; where only cdk-nag has the rule, cdk-nag's semantics.
// An instance's root volume, which AWS creates with the instance and Config records as an
// AWS::EC2::Volume of its own, is evaluated through the instance (its rootBlockDevice) by the volume
// rules (encrypted-volumes, ebs-in-backup-plan). awsx's implicit children are not in a plan.
import { PlanIndex } from "../plan/plan-index";
import { SSE_TYPES, T } from "../plan/tokens";
import type { PlanFile, PlanResource, PlanValue } from "../plan/types";
import { HIPAA_RULES, ruleTypes, type HipaaRule } from "./hipaa-rules";

/** One non-compliant resource. */
export interface Finding {
  rule: string;
  urn: string;
  name: string;
  type: string;
  /** What is wrong, naming the property or the missing resource. */
  why: string;
}

/** One rule over one plan: the resources it evaluated, and those that do not comply. */
export interface RuleEvaluation {
  rule: HipaaRule;
  evaluated: PlanResource[];
  findings: Finding[];
}

/** The rule does not evaluate this resource (e.g. an HTTPS listener for an HTTP-redirect rule). */
const NOT_APPLICABLE = Symbol("not applicable");

/** undefined: compliant; a string: why it is not; NOT_APPLICABLE: not evaluated. */
type Verdict = string | undefined | typeof NOT_APPLICABLE;

type Check = (r: PlanResource, plan: PlanView) => Verdict;

/** Type tokens the checks read that tools/plan/tokens.ts does not list. */
const EXTRA_T = {
  bucketAcl: "aws:s3/bucketAclV2:BucketAclV2",
  bucketReplication: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
  instanceState: "aws:ec2/instanceState:InstanceState",
  internetGatewayAttachment: "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment",
  secretRotation: "aws:secretsmanager/secretRotation:SecretRotation",
} as const;

// ------------------------------------------------------------------------------------------------
// Reading plan values

type PlanObject = { [key: string]: PlanValue };

function isObject(v: PlanValue | undefined): v is PlanObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function field(v: PlanValue | undefined, key: string): PlanValue | undefined {
  return isObject(v) ? v[key] : undefined;
}

function str(v: PlanValue | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function list(v: PlanValue | undefined): PlanValue[] {
  return Array.isArray(v) ? v : [];
}

function strings(v: PlanValue | undefined): string[] {
  if (typeof v === "string") return [v];
  return list(v).filter((x): x is string => typeof x === "string");
}

/** A JSON document given as a string (policy documents, container definitions) or an object. */
function parsed(v: PlanValue | undefined): PlanValue | undefined {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v) as PlanValue;
  } catch {
    return undefined;
  }
}

const WORLD = ["0.0.0.0/0", "::/0"];

// ------------------------------------------------------------------------------------------------
// The plan, with the relations the rules follow

/** A plan with lookups along property dependencies. */
export class PlanView {
  readonly index: PlanIndex;
  constructor(readonly plan: PlanFile) {
    this.index = new PlanIndex(plan);
  }

  ofTypes(types: readonly string[]): PlanResource[] {
    return this.plan.resources.filter((r) => types.includes(r.type));
  }

  /** Resources of `types` that take `prop` from `target` (or from its remote-component parent). */
  wiredTo(target: PlanResource, types: readonly string[], prop: string): PlanResource[] {
    return this.ofTypes(types).filter((r) =>
      (r.propertyDependencies[prop] ?? []).includes(target.urn),
    );
  }

  /** Resources of `types` attached to the bucket (their `bucket` input comes from it). */
  onBucket(bucket: PlanResource, types: readonly string[]): PlanResource[] {
    return this.wiredTo(bucket, types, "bucket");
  }

  /** The resources `r` takes `prop` from. */
  refs(r: PlanResource, prop: string, type?: string): PlanResource[] {
    return this.index.refs(r, prop, type);
  }

  /** true when an AWS Backup selection names the resource (through its `resources` input). */
  inBackupSelection(r: PlanResource): boolean {
    return this.wiredTo(r, [T.backupSelection], "resources").length > 0;
  }
}

// ------------------------------------------------------------------------------------------------
// Shared checks

interface Statement {
  effect: string;
  actions: string[];
  resources: string[];
  sid: string;
}

function statementsOf(document: PlanValue | undefined): Statement[] {
  const doc = parsed(document);
  const raw = field(doc, "Statement");
  const items = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return items.filter(isObject).map((s) => ({
    effect: str(s["Effect"]) ?? "",
    actions: strings(s["Action"]),
    resources: strings(s["Resource"]),
    sid: str(s["Sid"]) ?? "",
  }));
}

function sidOf(s: Statement): string {
  return s.sid === "" ? "a statement" : `statement ${s.sid}`;
}

/** Documents of a policy resource: a RolePolicy/Policy `policy`, a Role's `inlinePolicies`. */
function policyDocuments(r: PlanResource): PlanValue[] {
  if (r.type === T.iamRole) {
    return list(r.props["inlinePolicies"]).map((p) => field(p, "policy") ?? null);
  }
  return [r.props["policy"] ?? null];
}

const BLOCKED_KMS = [/^kms:\*$/, /^kms:Decrypt$/i, /^kms:ReEncrypt\*?/i, /^\*$/];

function blockedKmsActions(r: PlanResource): Verdict {
  for (const doc of policyDocuments(r)) {
    for (const s of statementsOf(doc)) {
      if (s.effect !== "Allow" || !s.resources.includes("*")) continue;
      const blocked = s.actions.filter((a) => BLOCKED_KMS.some((re) => re.test(a)));
      if (blocked.length > 0) {
        return `${sidOf(s)} allows ${blocked.join(", ")} on every KMS key (Resource "*")`;
      }
    }
  }
  return undefined;
}

function adminAccess(r: PlanResource): Verdict {
  for (const doc of policyDocuments(r)) {
    for (const s of statementsOf(doc)) {
      if (s.effect === "Allow" && s.actions.includes("*") && s.resources.includes("*")) {
        return `${sidOf(s)} allows every action on every resource`;
      }
    }
  }
  return undefined;
}

function fullAccess(r: PlanResource): Verdict {
  for (const doc of policyDocuments(r)) {
    for (const s of statementsOf(doc)) {
      const full = s.actions.filter((a) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a));
      if (s.effect === "Allow" && full.length > 0) {
        return `${sidOf(s)} allows ${full.join(", ")}`;
      }
    }
  }
  return undefined;
}

interface Ingress {
  protocol: string;
  fromPort: number;
  toPort: number;
  cidrs: string[];
}

function port(v: PlanValue | undefined, fallback: number): number {
  return typeof v === "number" ? v : fallback;
}

/** The ingress a security-group resource opens (inline rules, a rule resource). */
function ingressOf(r: PlanResource): Ingress[] {
  const one = (rule: PlanValue, cidrKeys: string[], protocolKey: string): Ingress => ({
    protocol: str(field(rule, protocolKey)) ?? String(port(field(rule, protocolKey), -1)),
    fromPort: port(field(rule, "fromPort"), 0),
    toPort: port(field(rule, "toPort"), 65535),
    cidrs: cidrKeys.flatMap((k) => strings(field(rule, k))),
  });
  if (r.type === T.securityGroup) {
    return list(r.props["ingress"]).map((rule) =>
      one(rule, ["cidrBlocks", "ipv6CidrBlocks"], "protocol"),
    );
  }
  if (r.type === T.securityGroupIngressRule) {
    return [one(r.props, ["cidrIpv4", "cidrIpv6"], "ipProtocol")];
  }
  if (r.type === T.securityGroupRule && r.props["type"] === "ingress") {
    return [one(r.props, ["cidrBlocks", "ipv6CidrBlocks"], "protocol")];
  }
  return [];
}

function allPorts(i: Ingress): boolean {
  return i.protocol === "-1" || i.protocol === "all";
}

function worldOpen(i: Ingress): boolean {
  return i.cidrs.some((c) => WORLD.includes(c));
}

function openPorts(r: PlanResource, blocked: (i: Ingress) => number | undefined): Verdict {
  if (r.type === T.securityGroupRule && r.props["type"] !== "ingress") return NOT_APPLICABLE;
  for (const i of ingressOf(r)) {
    if (!worldOpen(i)) continue;
    const hit = blocked(i);
    if (hit !== undefined) return `admits ${WORLD.join(" and ")} on port ${hit}`;
  }
  return undefined;
}

function coversPort(i: Ingress, p: number): boolean {
  return allPorts(i) || (i.fromPort <= p && p <= i.toPort);
}

/** The conformance pack's blocked ports for restricted-common-ports (its parameters). */
const COMMON_PORTS = [20, 21, 3389, 3306, 4333];
// vpc-sg-open-only-to-authorized-ports: the pack's template passes no authorizedTcpPorts or
// authorizedUdpPorts (unlike e.g. the NIST packs' 443), so under it every group that admits
// 0.0.0.0/0 or ::/0 on any port is NON_COMPLIANT.
const AUTHORIZED_TCP_PORTS: readonly number[] = [];

// cloudwatch-alarm-action-check: the pack's template passes alarmActionRequired 'true',
// insufficientDataActionRequired 'true', okActionRequired 'false' (cdk-nag's looser "any one
// action" is not what an account running the pack sees).
const ALARM_ACTIONS_REQUIRED = {
  alarmActions: true,
  insufficientDataActions: true,
  okActions: false,
} as const;

function lbIsApplication(r: PlanResource): boolean {
  return (str(r.props["loadBalancerType"]) ?? "application") === "application";
}

function listenerIsHttp(r: PlanResource): boolean {
  return (str(r.props["protocol"]) ?? "HTTP") === "HTTP";
}

function bucketSse(plan: PlanView, bucket: PlanResource): PlanResource[] {
  return plan.onBucket(bucket, SSE_TYPES);
}

function sseAlgorithms(plan: PlanView, bucket: PlanResource): string[] {
  return bucketSse(plan, bucket).flatMap((sse) =>
    list(sse.props["rules"]).map(
      (rule) => str(field(field(rule, "applyServerSideEncryptionByDefault"), "sseAlgorithm")) ?? "",
    ),
  );
}

function versioningEnabled(plan: PlanView, bucket: PlanResource): boolean {
  return plan
    .onBucket(bucket, [T.bucketVersioning, T.bucketVersioningV2])
    .some((v) => field(v.props["versioningConfiguration"], "status") === "Enabled");
}

function publicAccessBlocked(plan: PlanView, bucket: PlanResource): Verdict {
  const settings = [
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
  ];
  const blocks = plan.onBucket(bucket, [T.bucketPublicAccessBlock]);
  if (blocks.length === 0) return "no BucketPublicAccessBlock";
  const off = settings.filter((s) => !blocks.some((b) => b.props[s] === true));
  return off.length === 0 ? undefined : `BucketPublicAccessBlock leaves ${off.join(", ")} off`;
}

function deniesInsecureTransport(plan: PlanView, bucket: PlanResource): boolean {
  return plan.onBucket(bucket, [T.bucketPolicy]).some((p) => {
    const doc = parsed(p.props["policy"]);
    const raw = field(doc, "Statement");
    return list(raw).some(
      (s) =>
        field(s, "Effect") === "Deny" &&
        field(field(field(s, "Condition"), "Bool"), "aws:SecureTransport") === "false",
    );
  });
}

function isAurora(r: PlanResource): boolean {
  return (str(r.props["engine"]) ?? "").startsWith("aurora");
}

/** The log exports the rds-logging-enabled rule requires of an engine (cdk-nag's lists). */
function requiredLogs(engine: string): string[] {
  if (engine.includes("mysql") || engine.includes("mariadb") || engine === "aurora") {
    return ["audit", "error", "general", "slowquery"];
  }
  if (engine === "aurora-postgresql") return ["postgresql"];
  if (engine.includes("postgres")) return ["postgresql", "upgrade"];
  return [];
}

/** true for an AWS Backup schedule that runs at least once a day. */
function atLeastDaily(schedule: string): boolean {
  const cron = /^cron\((.+)\)$/.exec(schedule.trim());
  if (cron) {
    const [, , dayOfMonth, , dayOfWeek] = cron[1].trim().split(/\s+/);
    return ["*", "?"].includes(dayOfMonth ?? "") && ["*", "?"].includes(dayOfWeek ?? "");
  }
  const rate = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(schedule.trim());
  if (!rate) return false;
  const n = Number(rate[1]);
  return rate[2].startsWith("day") ? n <= 1 : rate[2].startsWith("hour") ? n <= 24 : true;
}

/** The role an instance's profile carries, and every policy document on that role. */
function instanceRolePolicies(plan: PlanView, instance: PlanResource): Statement[] {
  const profiles = plan.refs(instance, "iamInstanceProfile", T.iamInstanceProfile);
  const roles = profiles.flatMap((p) => plan.refs(p, "role", T.iamRole));
  return roles.flatMap((role) => [
    ...policyDocuments(role).flatMap(statementsOf),
    ...plan
      .wiredTo(role, [T.iamRolePolicy], "role")
      .flatMap((p) => statementsOf(p.props["policy"])),
    ...plan
      .wiredTo(role, [T.iamRolePolicyAttachment], "role")
      .filter((a) => str(a.props["policyArn"])?.endsWith("/AmazonSSMManagedInstanceCore"))
      .map((): Statement => ({ effect: "Allow", actions: ["ssm:*"], resources: ["*"], sid: "" })),
  ]);
}

function instancePublicAddress(plan: PlanView, instance: PlanResource): Verdict {
  const eips = [
    ...plan.wiredTo(instance, [T.eip], "instance"),
    ...plan.wiredTo(instance, [T.eipAssociation], "instanceId"),
  ];
  if (eips.length > 0) return `has the Elastic IP ${eips.map((e) => e.name).join(", ")}`;
  if (instance.props["associatePublicIpAddress"] === true) return "associatePublicIpAddress: true";
  const subnet = plan.refs(instance, "subnetId", T.subnet)[0];
  if (
    subnet?.props["mapPublicIpOnLaunch"] === true &&
    instance.props["associatePublicIpAddress"] !== false
  ) {
    return `its subnet ${subnet.name} assigns public addresses (mapPublicIpOnLaunch)`;
  }
  return undefined;
}

/**
 * rds-cluster-multi-az-enabled: "NON_COMPLIANT if the cluster's multiAZ property is false", which
 * RDS sets when the cluster's DB instances are in more than one availability zone (AWS Config
 * developer guide). A member without availabilityZone is placed by RDS and the plan cannot say
 * where, so it counts as a zone of its own; members pinned to one zone do not comply.
 */
function clusterZones(plan: PlanView, cluster: PlanResource): Verdict {
  const members = plan.wiredTo(cluster, [T.rdsClusterInstance], "clusterIdentifier");
  const zones = new Set(members.map((m) => str(m.props["availabilityZone"]) ?? m.urn));
  if (members.length < 2) return `${members.length} instance(s): no instance in a second zone`;
  return zones.size >= 2 ? ok : `its ${members.length} instances are all in ${[...zones][0]}`;
}

/** The VPC a resource's `vpcId` comes from is `vpc`. */
function ofVpc(plan: PlanView, vpc: PlanResource, types: readonly string[]): PlanResource[] {
  return plan.wiredTo(vpc, types, "vpcId");
}

function routesToIgw(plan: PlanView, routes: PlanValue[], owner: PlanResource): Verdict {
  for (const route of routes) {
    const destination =
      str(field(route, "destinationCidrBlock")) ??
      str(field(route, "cidrBlock")) ??
      str(field(route, "destinationIpv6CidrBlock")) ??
      str(field(route, "ipv6CidrBlock"));
    if (destination === undefined || !WORLD.includes(destination)) continue;
    const gateway = str(field(route, "gatewayId")) ?? "";
    const viaIgw =
      gateway.startsWith("igw-") ||
      (owner.type === T.route && plan.refs(owner, "gatewayId", T.internetGateway).length > 0);
    if (viaIgw) return `routes ${destination} to an internet gateway`;
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------------
// The checks, by rule identifier. Every rule whose scope is "resources" has one (a test checks it).

const ok = undefined;

const CHECKS: Readonly<Record<string, Check>> = {
  "acm-certificate-expiration-check": (r) =>
    "privateKey" in r.props ? "an imported certificate: ACM does not renew it" : ok,
  "alb-http-drop-invalid-header-enabled": (r) => {
    if (!lbIsApplication(r)) return NOT_APPLICABLE;
    return r.props["dropInvalidHeaderFields"] === true ? ok : "dropInvalidHeaderFields is not true";
  },
  "alb-http-to-https-redirection-check": (r) => {
    if (!listenerIsHttp(r)) return NOT_APPLICABLE;
    const actions = list(r.props["defaultActions"]);
    const redirects =
      actions.length > 0 &&
      actions.every(
        (a) =>
          field(a, "type") === "redirect" && field(field(a, "redirect"), "protocol") === "HTTPS",
      );
    return redirects ? ok : "an HTTP listener that does not redirect to HTTPS";
  },
  "alb-waf-enabled": (r, plan) => {
    if (!lbIsApplication(r)) return NOT_APPLICABLE;
    return plan.wiredTo(r, [T.webAclAssociation], "resourceArn").length > 0
      ? ok
      : "no WebAclAssociation names the load balancer";
  },
  "aurora-resources-protected-by-backup-plan": (r, plan) => {
    if (!isAurora(r)) return NOT_APPLICABLE;
    return plan.inBackupSelection(r) ? ok : "no AWS Backup selection names the cluster";
  },
  "backup-plan-min-frequency-and-min-retention-check": (r) => {
    const meets = list(r.props["rules"]).some((rule) => {
      const days = field(field(rule, "lifecycle"), "deleteAfter");
      const keeps = days === undefined || (typeof days === "number" && days >= 35);
      return keeps && atLeastDaily(str(field(rule, "schedule")) ?? "");
    });
    return meets ? ok : "no rule backs up at least daily and keeps recovery points 35 days";
  },
  "backup-recovery-point-encrypted": () => ok, // AWS Backup encrypts every recovery point
  "backup-recovery-point-manual-deletion-disabled": (r, plan) => {
    const required = [
      "backup:DeleteRecoveryPoint",
      "backup:UpdateRecoveryPointLifecycle",
      "backup:PutBackupVaultAccessPolicy",
    ];
    const denied = plan
      .wiredTo(r, [T.backupVaultPolicy], "backupVaultName")
      .flatMap((p) => statementsOf(p.props["policy"]))
      .filter((s) => s.effect === "Deny")
      .flatMap((s) => s.actions);
    const missing = required.filter((a) => !denied.includes(a) && !denied.includes("backup:*"));
    return missing.length === 0 ? ok : `its access policy does not deny ${missing.join(", ")}`;
  },
  "cloud-trail-cloud-watch-logs-enabled": (r) =>
    "cloudWatchLogsGroupArn" in r.props ? ok : "no cloudWatchLogsGroupArn",
  "cloud-trail-encryption-enabled": (r) => ("kmsKeyId" in r.props ? ok : "no kmsKeyId"),
  "cloud-trail-log-file-validation-enabled": (r) =>
    r.props["enableLogFileValidation"] === true ? ok : "enableLogFileValidation is not true",
  "cloudwatch-alarm-action-check": (r) => {
    if (r.props["actionsEnabled"] === false) return "actionsEnabled: false";
    const missing = Object.entries(ALARM_ACTIONS_REQUIRED)
      .filter(([key, required]) => required && list(r.props[key]).length === 0)
      .map(([key]) => key);
    return missing.length === 0 ? ok : `no ${missing.join(", no ")}`;
  },
  "cloudwatch-log-group-encrypted": (r) =>
    "kmsKeyId" in r.props ? ok : "no kmsKeyId (CloudWatch Logs' own encryption only)",
  "cw-loggroup-retention-period-check": (r) => {
    const days = r.props["retentionInDays"];
    if (typeof days !== "number" || days === 0) return "no explicit retentionInDays";
    return days >= 365 ? ok : `retentionInDays ${days}, under the pack's 365`;
  },
  "db-instance-backup-enabled": (r) => {
    const days = r.props["backupRetentionPeriod"];
    return typeof days === "number" && days > 0 ? ok : "no backupRetentionPeriod above 0";
  },
  "ebs-in-backup-plan": (r, plan) => {
    if (r.type === T.ebsVolume) {
      return plan.inBackupSelection(r) ? ok : "no AWS Backup selection names the volume";
    }
    // The root volume: AWS Backup backs it up with its instance when a selection names that
    // (an EC2 backup covers every attached volume); nothing names the implicit volume itself.
    return plan.inBackupSelection(r)
      ? ok
      : "its root volume: no AWS Backup selection names it or the instance";
  },
  "ebs-optimized-instance": (r) => (r.props["ebsOptimized"] === false ? "ebsOptimized: false" : ok),
  "ec2-imdsv2-check": (r) =>
    field(r.props["metadataOptions"], "httpTokens") === "required"
      ? ok
      : "metadataOptions.httpTokens is not required",
  "ec2-instance-detailed-monitoring-enabled": (r) =>
    r.props["monitoring"] === true ? ok : "monitoring is not true (5-minute basic metrics)",
  "ec2-instance-managed-by-systems-manager": (r, plan) =>
    instanceRolePolicies(plan, r).some(
      (s) =>
        s.effect === "Allow" &&
        s.actions.some((a) => ["ssm:UpdateInstanceInformation", "ssm:*", "*"].includes(a)),
    )
      ? ok
      : "its instance role cannot register with Systems Manager (ssm:UpdateInstanceInformation)",
  "ec2-instance-no-public-ip": (r, plan) => instancePublicAddress(plan, r),
  "ec2-instance-profile-attached": (r) =>
    "iamInstanceProfile" in r.props ? ok : "no iamInstanceProfile",
  "ec2-instances-in-vpc": (r) =>
    "subnetId" in r.props || "networkInterfaces" in r.props ? ok : "no subnetId",
  "ec2-resources-protected-by-backup-plan": (r, plan) =>
    plan.inBackupSelection(r) ? ok : "no AWS Backup selection names the instance",
  "ec2-stopped-instance": (r, plan) =>
    plan
      .wiredTo(r, [EXTRA_T.instanceState], "instanceId")
      .some((s) => s.props["state"] === "stopped")
      ? "kept stopped by an InstanceState"
      : ok,
  "ecs-containers-readonly-access": (r) => {
    const writable = list(parsed(r.props["containerDefinitions"]))
      .filter((c) => field(c, "readonlyRootFilesystem") !== true)
      .map((c) => str(field(c, "name")) ?? "?");
    return writable.length === 0
      ? ok
      : `container(s) ${writable.join(", ")} without readonlyRootFilesystem`;
  },
  "ecs-task-definition-user-for-host-mode-check": (r) => {
    if (r.props["networkMode"] !== "host") return ok;
    const risky = list(parsed(r.props["containerDefinitions"])).filter(
      (c) =>
        field(c, "privileged") !== true &&
        ["", "root", "0", undefined].includes(str(field(c, "user"))),
    );
    return risky.length === 0 ? ok : "host networking with containers running as root";
  },
  "efs-encrypted-check": (r) => (r.props["encrypted"] === true ? ok : "encrypted is not true"),
  "efs-in-backup-plan": (r, plan) => {
    const automatic = plan
      .wiredTo(r, [T.efsBackupPolicy], "fileSystemId")
      .some((p) => field(p.props["backupPolicy"], "status") === "ENABLED");
    return plan.inBackupSelection(r) || automatic
      ? ok
      : "no AWS Backup selection names the file system";
  },
  "elasticache-redis-cluster-automatic-backup-check": (r) => {
    const days = r.props["snapshotRetentionLimit"];
    return typeof days === "number" && days >= 15 ? ok : "snapshotRetentionLimit under 15 days";
  },
  "elb-deletion-protection-enabled": (r) =>
    r.props["enableDeletionProtection"] === true ? ok : "enableDeletionProtection is not true",
  "elb-logging-enabled": (r) =>
    field(r.props["accessLogs"], "enabled") === true ? ok : "no enabled accessLogs",
  "elbv2-acm-certificate-required": (r, plan) => {
    if (!["HTTPS", "TLS"].includes(str(r.props["protocol"]) ?? "HTTP")) return NOT_APPLICABLE;
    const arn = str(r.props["certificateArn"]) ?? "";
    return arn.startsWith("arn:aws:acm:") || plan.refs(r, "certificateArn").length > 0
      ? ok
      : "its certificate is not from ACM";
  },
  "encrypted-volumes": (r) => {
    if (r.type === T.ebsVolume) return r.props["encrypted"] === true ? ok : "encrypted is not true";
    const devices = [
      ...(isObject(r.props["rootBlockDevice"]) ? [r.props["rootBlockDevice"]] : []),
      ...list(r.props["ebsBlockDevices"]),
    ];
    if ("launchTemplate" in r.props && devices.length === 0) return ok;
    if (devices.length === 0) return "no rootBlockDevice with encrypted: true";
    return devices.every((d) => field(d, "encrypted") === true)
      ? ok
      : "an unencrypted block device";
  },
  "iam-customer-policy-blocked-kms-actions": (r) => blockedKmsActions(r),
  "iam-group-has-users-check": (r, plan) =>
    plan.wiredTo(r, ["aws:iam/groupMembership:GroupMembership"], "group").length > 0
      ? ok
      : "no user is a member",
  "iam-inline-policy-blocked-kms-actions": (r) => {
    if (r.type === T.iamRole && list(r.props["inlinePolicies"]).length === 0) return ok;
    return blockedKmsActions(r);
  },
  "iam-no-inline-policy-check": (r, plan) => {
    if (r.type === T.iamRolePolicy) {
      const role = plan.refs(r, "role", T.iamRole)[0];
      return `an inline policy${role ? ` of role ${role.name}` : ""}`;
    }
    return list(r.props["inlinePolicies"]).length > 0 ? "inlinePolicies on the role" : ok;
  },
  "iam-policy-no-statements-with-admin-access": (r) => adminAccess(r),
  "iam-policy-no-statements-with-full-access": (r) => fullAccess(r),
  "iam-user-group-membership-check": () => "an IAM user (no group)",
  "iam-user-no-policies-check": () => "a policy attached to an IAM user",
  "restricted-ssh": (r) => openPorts(r, (i) => (coversPort(i, 22) ? 22 : undefined)),
  "restricted-common-ports": (r) =>
    openPorts(r, (i) =>
      i.protocol === "udp" ? undefined : COMMON_PORTS.find((p) => coversPort(i, p)),
    ),
  "vpc-sg-open-only-to-authorized-ports": (r) =>
    openPorts(r, (i) => {
      if (allPorts(i)) return 0;
      if (
        i.fromPort === i.toPort &&
        AUTHORIZED_TCP_PORTS.includes(i.fromPort) &&
        i.protocol === "tcp"
      ) {
        return undefined;
      }
      return i.fromPort;
    }),
  "internet-gateway-authorized-vpc-only": (r, plan) => {
    const attached =
      "vpcId" in r.props ||
      plan.wiredTo(r, [EXTRA_T.internetGatewayAttachment], "internetGatewayId").length > 0;
    return attached
      ? "attached to a VPC the pack does not list in AuthorizedVpcIds (empty by default)"
      : ok;
  },
  "kms-cmk-not-scheduled-for-deletion": () => ok, // a plan never schedules a key's deletion
  "no-unrestricted-route-to-igw": (r, plan) =>
    r.type === T.route
      ? routesToIgw(plan, [r.props], r)
      : routesToIgw(plan, list(r.props["routes"]), r),
  "rds-automatic-minor-version-upgrade-enabled": (r) =>
    r.props["autoMinorVersionUpgrade"] === false ? "autoMinorVersionUpgrade: false" : ok,
  "rds-cluster-deletion-protection-enabled": (r) =>
    r.props["deletionProtection"] === true ? ok : "deletionProtection is not true",
  "rds-cluster-multi-az-enabled": (r, plan) => clusterZones(plan, r),
  "rds-enhanced-monitoring-enabled": (r) => {
    const interval = r.props["monitoringInterval"];
    return typeof interval === "number" && interval > 0 ? ok : "no monitoringInterval above 0";
  },
  "rds-in-backup-plan": (r, plan) =>
    plan.inBackupSelection(r) ? ok : "no AWS Backup selection names the instance",
  "rds-instance-deletion-protection-enabled": (r) =>
    r.props["deletionProtection"] === true ? ok : "deletionProtection is not true",
  "rds-instance-public-access-check": (r) =>
    r.props["publiclyAccessible"] === true ? "publiclyAccessible: true" : ok,
  "rds-logging-enabled": (r) => {
    if (r.type === T.rdsInstance && isAurora(r)) return NOT_APPLICABLE; // the cluster exports
    const exported = strings(r.props["enabledCloudwatchLogsExports"]);
    const missing = requiredLogs(str(r.props["engine"]) ?? "").filter((l) => !exported.includes(l));
    return missing.length === 0 ? ok : `does not export the ${missing.join(", ")} log`;
  },
  "rds-multi-az-support": (r) => {
    if (isAurora(r)) return NOT_APPLICABLE;
    return r.props["multiAz"] === true ? ok : "multiAz is not true";
  },
  "rds-snapshot-encrypted": (r) => {
    if (r.type === T.rdsInstance && isAurora(r)) return NOT_APPLICABLE;
    return r.props["storageEncrypted"] === true ? ok : "storageEncrypted is not true";
  },
  "rds-storage-encrypted": (r) => {
    if (r.type === T.rdsInstance && isAurora(r)) return NOT_APPLICABLE;
    return r.props["storageEncrypted"] === true ? ok : "storageEncrypted is not true";
  },
  "s3-bucket-acl-prohibited": (r, plan) => {
    if (plan.onBucket(r, [EXTRA_T.bucketAcl]).length > 0) return "a bucket ACL is set";
    const enforced = plan
      .onBucket(r, [T.bucketOwnershipControls])
      .some((c) => field(c.props["rule"], "objectOwnership") === "BucketOwnerEnforced");
    return enforced ? ok : "object ownership is not BucketOwnerEnforced (ACLs apply)";
  },
  "s3-bucket-default-lock-enabled": (r, plan) => {
    const locked =
      r.props["objectLockEnabled"] === true ||
      plan
        .onBucket(r, [T.bucketObjectLock])
        .some((l) => (l.props["objectLockEnabled"] ?? "Enabled") === "Enabled");
    return locked ? ok : "Object Lock is not enabled";
  },
  "s3-bucket-level-public-access-prohibited": (r, plan) => publicAccessBlocked(plan, r),
  "s3-bucket-logging-enabled": (r, plan) =>
    plan.onBucket(r, [T.bucketLogging, T.bucketLoggingV2]).length > 0 || "logging" in r.props
      ? ok
      : "no server access logging (no BucketLogging)",
  "s3-bucket-public-read-prohibited": (r, plan) => publicAccessBlocked(plan, r),
  "s3-bucket-public-write-prohibited": (r, plan) => publicAccessBlocked(plan, r),
  "s3-bucket-replication-enabled": (r, plan) =>
    plan
      .onBucket(r, [EXTRA_T.bucketReplication])
      .some((c) => list(c.props["rules"]).some((rule) => field(rule, "status") === "Enabled"))
      ? ok
      : "no replication rule",
  "s3-bucket-server-side-encryption-enabled": (r, plan) =>
    bucketSse(plan, r).length > 0 ? ok : "no BucketServerSideEncryptionConfiguration",
  "s3-bucket-ssl-requests-only": (r, plan) =>
    deniesInsecureTransport(plan, r) ? ok : "no bucket policy denying aws:SecureTransport false",
  "s3-bucket-versioning-enabled": (r, plan) =>
    versioningEnabled(plan, r) ? ok : "versioning is not Enabled",
  "s3-default-encryption-kms": (r, plan) => {
    const algorithms = sseAlgorithms(plan, r);
    const kms = algorithms.length > 0 && algorithms.every((a) => a.startsWith("aws:kms"));
    return kms ? ok : `default encryption ${algorithms.join(", ") || "none"}, not aws:kms`;
  },
  "s3-event-notifications-enabled": (r, plan) =>
    plan.onBucket(r, [T.bucketNotification]).length > 0 ? ok : "no BucketNotification",
  "s3-version-lifecycle-policy-check": (r, plan) => {
    if (!versioningEnabled(plan, r)) return NOT_APPLICABLE;
    return plan.onBucket(r, [T.bucketLifecycle, T.bucketLifecycleV2]).length > 0
      ? ok
      : "a versioned bucket without a lifecycle configuration";
  },
  "secretsmanager-rotation-enabled-check": (r, plan) =>
    plan.wiredTo(r, [EXTRA_T.secretRotation], "secretId").length > 0
      ? ok
      : "no SecretRotation (no automatic rotation)",
  "secretsmanager-using-cmk": (r) => {
    const key = str(r.props["kmsKeyId"]);
    if (!("kmsKeyId" in r.props)) return "no kmsKeyId (aws/secretsmanager)";
    return key?.startsWith("alias/aws/") ? `kmsKeyId ${key}` : ok;
  },
  "sns-encrypted-kms": (r) => ("kmsMasterKeyId" in r.props ? ok : "no kmsMasterKeyId"),
  "ssm-document-not-public": (r) =>
    strings(field(r.props["permissions"], "account_ids")).includes("all")
      ? "shared with all accounts"
      : ok,
  "subnet-auto-assign-public-ip-disabled": (r) =>
    r.props["mapPublicIpOnLaunch"] === true ? "mapPublicIpOnLaunch: true" : ok,
  "vpc-default-security-group-closed": (r, plan) => {
    const groups = ofVpc(plan, r, [T.securityGroupDefault]);
    if (groups.length === 0) return "no DefaultSecurityGroup empties the VPC's default group";
    const open = groups.filter(
      (g) => list(g.props["ingress"]).length > 0 || list(g.props["egress"]).length > 0,
    );
    return open.length === 0 ? ok : `the default group ${open[0].name} keeps rules`;
  },
  "vpc-flow-logs-enabled": (r, plan) =>
    ofVpc(plan, r, [T.flowLog]).length > 0 ? ok : "no FlowLog for the VPC",
  "wafv2-logging-enabled": (r, plan) =>
    plan.wiredTo(r, [T.webAclLogging], "resourceArn").length > 0
      ? ok
      : "no WebAclLoggingConfiguration",
};

/** The rules evaluate.ts can judge from a plan: those that evaluate resources. */
export const RESOURCE_RULES: readonly HipaaRule[] = HIPAA_RULES.filter(
  (r) => r.scope.kind === "resources",
);

/** The identifiers that have a check (a test compares them with RESOURCE_RULES). */
export const CHECKED_RULES: readonly string[] = Object.keys(CHECKS);

/** Evaluates one rule over the plan. */
export function evaluateRule(rule: HipaaRule, view: PlanView): RuleEvaluation {
  const check = CHECKS[rule.id];
  const evaluation: RuleEvaluation = { rule, evaluated: [], findings: [] };
  if (check === undefined) return evaluation;
  for (const r of view.ofTypes(ruleTypes(rule))) {
    const verdict = check(r, view);
    if (verdict === NOT_APPLICABLE) continue;
    evaluation.evaluated.push(r);
    if (verdict !== undefined) {
      evaluation.findings.push({
        rule: rule.id,
        urn: r.urn,
        name: r.name,
        type: r.type,
        why: verdict,
      });
    }
  }
  return evaluation;
}

/** Every resource rule over the plan, in HIPAA_RULES order. */
export function evaluatePlan(plan: PlanFile): RuleEvaluation[] {
  const view = new PlanView(plan);
  return RESOURCE_RULES.map((rule) => evaluateRule(rule, view));
}

/** Every finding of the plan. */
export function findingsOf(plan: PlanFile): Finding[] {
  return evaluatePlan(plan).flatMap((e) => e.findings);
}
