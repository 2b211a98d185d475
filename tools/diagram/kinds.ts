// Which resources the diagram draws as their own node (what a reader looks for: the instance, the
// database, the load balancer, the keys...), which resources are drawn inside another's node (a
// listener in its load balancer, a mount target in its file system), and the words for the rest,
// which a component's one "and also" node counts.
import type { PlanIndex } from "../plan/plan-index";
import { T } from "../plan/tokens";
import type { PlanResource } from "../plan/types";
import { bool, get, list, num, str } from "../plan/values";
import type { NodeRole } from "./model";
import { listenersOf } from "./tls";

export interface MainKind {
  role: NodeRole;
  /** The first line of the node's label, e.g. "RDS MySQL 8.4". */
  title: (r: PlanResource) => string;
  /** Further facts, one per line. */
  facts?: (r: PlanResource, index: PlanIndex) => (string | undefined)[];
}

const fixed = (text: string) => (): string => text;

function engineName(engine: string | undefined): string {
  const names: Record<string, string> = {
    mysql: "MySQL",
    mariadb: "MariaDB",
    postgres: "PostgreSQL",
    "aurora-mysql": "Aurora MySQL",
    "aurora-postgresql": "Aurora PostgreSQL",
    valkey: "Valkey",
    redis: "Redis",
  };
  return engine === undefined ? "?" : (names[engine] ?? engine);
}

function attachedCount(index: PlanIndex, r: PlanResource, type: string, prop: string): number {
  return index.referrers(r, type, prop).length;
}

const LOAD_BALANCER: MainKind = {
  role: "edge",
  title: (r) =>
    `${str(r.props.loadBalancerType) === "network" ? "Network" : "Application"} Load Balancer`,
  facts: (r, index) => {
    const listeners = listenersOf(index, r)
      .map((l) => `${str(l.props.protocol) ?? "?"} ${num(l.props.port) ?? "?"}`)
      .sort();
    return [
      bool(r.props.internal) === true ? "internal" : "internet-facing",
      listeners.length > 0 ? `listeners: ${listeners.join(", ")}` : undefined,
    ];
  },
};

export const MAIN_KINDS: Record<string, MainKind> = {
  [T.lbLoadBalancer]: LOAD_BALANCER,
  [T.albLoadBalancer]: LOAD_BALANCER,
  [T.webAcl]: {
    role: "edge",
    title: fixed("WAF web ACL"),
    facts: (r) => [`${(list(r.props.rules) ?? []).length} rules`],
  },
  [T.natGateway]: { role: "network", title: fixed("NAT gateway") },
  [T.vpcEndpoint]: {
    role: "network",
    title: (r) => `VPC endpoint ${(str(r.props.serviceName) ?? "").split(".").pop() ?? ""}`.trim(),
  },
  [T.ec2Instance]: {
    role: "compute",
    title: fixed("EC2 instance"),
    facts: (r, index) => [
      str(r.props.instanceType),
      index.referrers(r, T.eipAssociation, "instanceId").length > 0 ? "Elastic IP" : undefined,
    ],
  },
  [T.ecsService]: {
    role: "compute",
    title: (r) => `ECS service${str(r.props.launchType) === "FARGATE" ? " (Fargate)" : ""}`,
    facts: (r) => {
      const count = num(r.props.desiredCount);
      return [count === undefined ? undefined : `${count} tasks`];
    },
  },
  [T.ebsVolume]: {
    role: "data",
    title: fixed("EBS volume"),
    facts: (r) => {
      const size = num(r.props.size);
      return [size === undefined ? undefined : `${size} GiB`, str(r.props.type)];
    },
  },
  [T.rdsInstance]: {
    role: "data",
    title: (r) =>
      `RDS ${engineName(str(r.props.engine))} ${str(r.props.engineVersion) ?? ""}`.trim(),
    facts: (r) => [
      str(r.props.instanceClass),
      bool(r.props.multiAz) === true ? "Multi-AZ" : undefined,
    ],
  },
  [T.rdsCluster]: {
    role: "data",
    title: (r) => `${engineName(str(r.props.engine))} ${str(r.props.engineVersion) ?? ""}`.trim(),
    facts: (r, index) => {
      const min = num(get(r.props.serverlessv2ScalingConfiguration, "minCapacity"));
      const max = num(get(r.props.serverlessv2ScalingConfiguration, "maxCapacity"));
      const instances = attachedCount(index, r, T.rdsClusterInstance, "clusterIdentifier");
      return [
        min !== undefined && max !== undefined ? `Serverless v2, ${min}-${max} ACU` : undefined,
        `${instances} instance${instances === 1 ? "" : "s"}`,
      ];
    },
  },
  [T.elasticacheServerless]: {
    role: "data",
    title: (r) =>
      `ElastiCache Serverless ${engineName(str(r.props.engine))} ${str(r.props.majorEngineVersion) ?? ""}`.trim(),
  },
  [T.elasticacheReplicationGroup]: {
    role: "data",
    title: (r) => `ElastiCache ${engineName(str(r.props.engine))}`,
  },
  [T.efsFileSystem]: {
    role: "data",
    title: fixed("EFS file system"),
    facts: (r, index) => [
      `${attachedCount(index, r, T.efsMountTarget, "fileSystemId")} mount targets`,
    ],
  },
  [T.bucket]: { role: "data", title: fixed("S3 bucket") },
  [T.bucketV2]: { role: "data", title: fixed("S3 bucket") },
  [T.secret]: { role: "secret", title: fixed("Secrets Manager secret") },
  [T.ssmParameter]: {
    role: "secret",
    title: fixed("SSM parameter"),
    facts: (r) => [str(r.props.type)],
  },
  [T.kmsKey]: {
    role: "key",
    title: fixed("KMS key"),
    facts: (r, index) => [
      ...index.referrers(r, T.kmsAlias, "targetKeyId").map((a) => str(a.props.name)),
      bool(r.props.enableKeyRotation) === true ? "rotation on" : "rotation off",
    ],
  },
  [T.cloudtrail]: {
    role: "audit",
    title: fixed("CloudTrail trail"),
    facts: (r) => [bool(r.props.isMultiRegionTrail) === true ? "all regions" : undefined],
  },
  [T.backupVault]: { role: "audit", title: fixed("AWS Backup vault") },
  [T.snsTopic]: { role: "audit", title: fixed("SNS topic") },
  [T.dlmLifecyclePolicy]: { role: "audit", title: fixed("DLM snapshot policy") },
};

/** Resources drawn inside the node of the resource one of their inputs names. */
export const ATTACHED_BY: Record<string, string> = {
  [T.efsMountTarget]: "fileSystemId",
  [T.efsAccessPoint]: "fileSystemId",
  [T.efsFileSystemPolicy]: "fileSystemId",
  [T.efsBackupPolicy]: "fileSystemId",
  [T.lbListener]: "loadBalancerArn",
  [T.albListener]: "loadBalancerArn",
  [T.rdsClusterInstance]: "clusterIdentifier",
  [T.bucketSse]: "bucket",
  [T.bucketSseV2]: "bucket",
  [T.bucketVersioning]: "bucket",
  [T.bucketVersioningV2]: "bucket",
  [T.bucketLifecycle]: "bucket",
  [T.bucketLifecycleV2]: "bucket",
  [T.bucketLogging]: "bucket",
  [T.bucketLoggingV2]: "bucket",
  [T.bucketNotification]: "bucket",
  [T.bucketObjectLock]: "bucket",
  [T.bucketOwnershipControls]: "bucket",
  [T.bucketPolicy]: "bucket",
  [T.bucketPublicAccessBlock]: "bucket",
  [T.secretVersion]: "secretId",
  [T.secretPolicy]: "secretArn",
  [T.kmsAlias]: "targetKeyId",
  [T.snsTopicPolicy]: "arn",
  [T.snsTopicSubscription]: "topic",
  [T.backupVaultPolicy]: "backupVaultName",
  [T.backupVaultLock]: "backupVaultName",
  [T.backupVaultNotifications]: "backupVaultName",
  [T.webAclAssociation]: "webAclArn",
  [T.webAclLogging]: "resourceArn",
  [T.volumeAttachment]: "volumeId",
  [T.eipAssociation]: "instanceId",
};

/**
 * What a component's "and also" node counts, by kind: [one, many]. Kinds that tell a reader the
 * same thing share words (standalone and inline security-group rules are "SG rules"); a type not
 * listed says its own name ("resolver firewall rule").
 */
const MINOR_WORDS: Record<string, [one: string, many: string]> = {
  [T.logGroup]: ["log group", "log groups"],
  [T.logDataProtectionPolicy]: ["log data protection policy", "log data protection policies"],
  [T.logMetricFilter]: ["metric filter", "metric filters"],
  [T.logResourcePolicy]: ["log resource policy", "log resource policies"],
  [T.metricAlarm]: ["alarm", "alarms"],
  [T.iamRole]: ["IAM role", "IAM roles"],
  [T.iamRolePolicy]: ["IAM policy", "IAM policies"],
  [T.iamPolicy]: ["IAM policy", "IAM policies"],
  [T.iamRolePolicyAttachment]: ["IAM policy", "IAM policies"],
  [T.iamInstanceProfile]: ["instance profile", "instance profiles"],
  [T.securityGroup]: ["security group", "security groups"],
  [T.securityGroupDefault]: ["default SG (no rules)", "default SGs"],
  [T.securityGroupIngressRule]: ["SG rule", "SG rules"],
  [T.securityGroupEgressRule]: ["SG rule", "SG rules"],
  [T.securityGroupRule]: ["SG rule", "SG rules"],
  [T.randomPassword]: ["generated password", "generated passwords"],
  [T.vpc]: ["VPC", "VPCs"],
  [T.subnet]: ["subnet", "subnets"],
  [T.routeTable]: ["route table", "route tables"],
  [T.routeTableAssociation]: ["route table association", "route table associations"],
  [T.route]: ["route", "routes"],
  [T.internetGateway]: ["internet gateway", "internet gateways"],
  [T.flowLog]: ["flow log", "flow logs"],
  [T.lbTargetGroup]: ["target group", "target groups"],
  [T.lbTargetGroupAttachment]: ["target attachment", "target attachments"],
  [T.autoscalingPolicy]: ["scaling policy", "scaling policies"],
  [T.autoscalingTarget]: ["scaling target", "scaling targets"],
  [T.ecsCluster]: ["ECS cluster", "ECS clusters"],
  [T.ecsTaskDefinition]: ["task definition", "task definitions"],
  [T.backupPlan]: ["backup plan", "backup plans"],
  [T.backupSelection]: ["backup selection", "backup selections"],
  [T.elasticacheUser]: ["cache user", "cache users"],
  [T.elasticacheUserGroup]: ["cache user group", "cache user groups"],
  [T.eip]: ["Elastic IP", "Elastic IPs"],
  [T.ssmDocument]: ["SSM document", "SSM documents"],
  [T.eventRule]: ["EventBridge rule", "EventBridge rules"],
  [T.eventTarget]: ["EventBridge target", "EventBridge targets"],
  [T.rdsSubnetGroup]: ["DB subnet group", "DB subnet groups"],
  [T.rdsParameterGroup]: ["DB parameter group", "DB parameter groups"],
  [T.rdsClusterParameterGroup]: ["DB parameter group", "DB parameter groups"],
  [T.rdsOptionGroup]: ["DB option group", "DB option groups"],
};

/** Route 53 Resolver's DNS Firewall and query logging: one kind for a reader. */
const DNS_FIREWALL_PART: [string, string] = ["DNS Firewall part", "DNS Firewall parts"];

/** "ResolverFirewallRule" -> "resolver firewall rule". */
function wordsOf(type: string): string {
  const cls = type.split(":").pop() ?? type;
  return cls.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
}

function plural(w: string): string {
  if (/[^aeiou]y$/.test(w)) return `${w.slice(0, -1)}ies`;
  return /(s|x|sh|ch)$/.test(w) ? `${w}es` : `${w}s`;
}

/** The [one, many] words of a type. */
export function wordsFor(type: string): [one: string, many: string] {
  if (MINOR_WORDS[type]) return MINOR_WORDS[type];
  if (type.startsWith("aws:route53/resolver")) return DNS_FIREWALL_PART;
  const w = wordsOf(type);
  return [w, plural(w)];
}

/** "3 log groups, 1 IAM role" for resources of these types, kinds in alphabetical order. */
export function counts(types: readonly string[]): string[] {
  const byWords = new Map<string, { words: [string, string]; n: number }>();
  for (const type of types) {
    const words = wordsFor(type);
    const entry = byWords.get(words[1]) ?? { words, n: 0 };
    entry.n++;
    byWords.set(words[1], entry);
  }
  const key = (words: [string, string]) => words[1].toLowerCase();
  return [...byWords.values()]
    .sort((a, b) => (key(a.words) < key(b.words) ? -1 : key(a.words) > key(b.words) ? 1 : 0))
    .map(({ words, n }) => `${n} ${n === 1 ? words[0] : words[1]}`);
}
