// One cost model per resource type token. Every model reads only the resource's own inputs (and the
// inputs of the resources it references through its property dependencies): nothing here knows or
// cares which preset built the resource.
//
// A model reports three things:
//   lines     monthly base charges, counted in the estimate (what the stack costs at rest);
//   usage     charges that depend on traffic or data volume, listed with their unit price and
//             never guessed into the total;
//   unpriced  anything the model cannot price honestly (an instance type missing from the price
//             table, a size unknown at plan time, a paid option the table has no figure for).
// Decisions that shape the base estimate are stated here and in each line's text:
//   - ALB: 1 LCU every hour (covers 25 new connections/s, 3,000 active connections and 1 GB/h
//     processed; a small clinic uses less, so this errs high). Traffic above it is usage.
//   - Snapshots and backups: one full copy of each covered volume's allocated size at the snapshot
//     rate. EBS snapshots hold only written blocks, so the first copy is at most that; the daily
//     increments that follow depend on how much changes and are usage.
//   - Aurora and EFS have no allocated size: their storage and backups are usage.
//   - EC2 instances that do not set associatePublicIpAddress are assumed to get a public IPv4
//     address (set it to false explicitly for private instances).
//   - KMS keys with rotation: $1/month now; each of the first two yearly rotations adds $1/month
//     later (said in the line, not added to the base).
import { backupSelectionTargets, planVolumes, tasksAtRest, type PlanVolume } from "../plan/aws";
import type { PlanIndex } from "../plan/plan-index";
import { T } from "../plan/tokens";
import type { PlanResource } from "../plan/types";
import { bool, get, isKnown, list, num, obj, parseJson, str, tagsOf } from "../plan/values";
import {
  PRICES,
  hourlyPrice,
  pricesFor,
  unitPrice,
  usd,
  type Price,
  type PriceTable,
} from "./prices";

// ---------------------------------------------------------------------------------------------
// Model output

export interface ModelLine {
  item: string;
  /** Unrounded; the estimator rounds each line to cents. */
  monthlyUsd: number;
}

export interface ModelUsage {
  item: string;
  unitPrice: string;
}

export class ModelOutput {
  readonly lines: ModelLine[] = [];
  readonly usage: ModelUsage[] = [];
  readonly unpriced: string[] = [];

  /** `prices`: the price table of the plan's region, which every model prices with. */
  constructor(readonly prices: PriceTable) {}

  line(item: string, monthlyUsd: number): void {
    this.lines.push({ item, monthlyUsd });
  }

  use(item: string, ...prices: Price[]): void {
    this.usage.push({ item, unitPrice: prices.map(unitPrice).join("; ") });
  }

  miss(reason: string): void {
    this.unpriced.push(reason);
  }
}

export type CostModel = (r: PlanResource, plan: PlanIndex, out: ModelOutput) => void;

/** Hours in a month, as every AWS pricing page counts them (the same in every region's table). */
const H = PRICES.hoursPerMonth;

/** "2 × 730 h × $0.045" */
function hoursText(count: number, price: number): string {
  return count === 1 ? `${H} h × ${usd(price)}` : `${count} × ${H} h × ${usd(price)}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

// ---------------------------------------------------------------------------------------------
// EBS volumes, wherever they are declared (tools/plan/aws.ts finds them)

/** Prices a volume's storage; reports what the table cannot price. */
function priceVolume(v: PlanVolume, out: ModelOutput, what: string): void {
  if (v.sizeGb === undefined) {
    out.miss(
      `${what}: size not known at plan time (set it explicitly; the AMI default is unknown)`,
    );
    return;
  }
  if (v.type !== "gp3") {
    out.miss(
      `${what}: type ${v.type ?? "not set (AWS default gp2)"} has no price in the table (gp3 only)`,
    );
    return;
  }
  const price = out.prices.ebs.gp3GbMonth.usd;
  out.line(`EBS gp3 ${what} ${v.sizeGb} GB (${v.sizeGb} GB × ${usd(price)})`, v.sizeGb * price);
  if ((v.iops ?? 0) > out.prices.ebs.gp3IncludedIops) {
    out.miss(
      `${what}: ${v.iops} IOPS above the included ${out.prices.ebs.gp3IncludedIops} are not priced`,
    );
  }
  if ((v.throughput ?? 0) > out.prices.ebs.gp3IncludedThroughputMBps) {
    out.miss(
      `${what}: ${v.throughput} MB/s above the included ${out.prices.ebs.gp3IncludedThroughputMBps} MB/s are not priced`,
    );
  }
}

function tagsMatch(tags: Record<string, string>, wanted: Record<string, string>): boolean {
  const keys = Object.keys(wanted);
  return keys.length > 0 && keys.every((k) => tags[k] === wanted[k]);
}

// ---------------------------------------------------------------------------------------------
// Compute and network

const ec2Instance: CostModel = (r, plan, out) => {
  const type = str(r.props.instanceType);
  if (type === undefined) {
    out.miss(`instance type not known at plan time`);
  } else {
    const hourly = hourlyPrice(out.prices.ec2, type);
    if (hourly === undefined) out.miss(`EC2 instance type ${type} is not in the price table`);
    else out.line(`EC2 ${type} (${hoursText(1, hourly)})`, H * hourly);
    if (
      /^t\d/.test(type) &&
      str(get(r.props, "creditSpecification", "cpuCredits")) !== "standard"
    ) {
      out.use(
        `EC2 ${type} unlimited mode: CPU above the baseline for long spells`,
        out.prices.ec2UnlimitedSurplusVcpuHour,
      );
    }
  }
  if (str(r.props.tenancy) !== undefined && str(r.props.tenancy) !== "default") {
    out.miss(`tenancy ${str(r.props.tenancy)} is not priced`);
  }
  if (isKnown(r.props.instanceMarketOptions)) out.miss(`spot/market options are not priced`);
  if (bool(r.props.monitoring) === true) {
    out.miss(`detailed monitoring (custom-metric charges) is not in the price table`);
  }
  for (const v of planVolumes(plan).filter((v) => v.owner === r)) {
    priceVolume(v, out, v.label.startsWith("root") ? "root volume" : `volume ${v.label}`);
  }
  const hasEip =
    plan.referrers(r, T.eip, "instance").length > 0 ||
    plan.referrers(r, T.eipAssociation, "instanceId").length > 0;
  const assoc = bool(r.props.associatePublicIpAddress);
  if (!hasEip && assoc !== false) {
    const price = out.prices.publicIpv4Hour.usd;
    const why = assoc === true ? "" : "; associatePublicIpAddress not set, assumed public";
    out.line(`Public IPv4 address (${hoursText(1, price)}${why})`, H * price);
  }
};

const ebsVolume: CostModel = (r, plan, out) => {
  const v = planVolumes(plan).find((x) => x.owner === r);
  if (v) priceVolume(v, out, "volume");
};

const elasticIp: CostModel = (_r, _plan, out) => {
  const price = out.prices.publicIpv4Hour.usd;
  out.line(`Elastic IP, public IPv4 address (${hoursText(1, price)})`, H * price);
};

const natGateway: CostModel = (r, plan, out) => {
  const hour = out.prices.nat.hour.usd;
  out.line(`NAT gateway (${hoursText(1, hour)})`, H * hour);
  const privateNat = str(r.props.connectivityType) === "private";
  if (!privateNat && plan.refs(r, "allocationId", T.eip).length === 0) {
    const ip = out.prices.publicIpv4Hour.usd;
    out.line(`Public IPv4 address of the NAT gateway (${hoursText(1, ip)})`, H * ip);
  }
  out.use(`NAT gateway data processed`, out.prices.nat.gbProcessed);
};

const vpcEndpoint: CostModel = (r, _plan, out) => {
  if (str(r.props.vpcEndpointType) !== "Interface") return; // Gateway endpoints are free
  const subnets = list(r.props.subnetIds);
  if (subnets === undefined) {
    out.miss(`interface endpoint: number of subnets (AZs) not known at plan time`);
    return;
  }
  const price = out.prices.interfaceEndpoint.azHour.usd;
  const service = str(r.props.serviceName) ?? "(service unknown)";
  out.line(
    `Interface endpoint ${service} (${hoursText(subnets.length, price)})`,
    subnets.length * H * price,
  );
  out.use(`Interface endpoint data processed`, out.prices.interfaceEndpoint.gbProcessed);
};

/** How many AZs (subnets) a load balancer spans, from its own inputs or its VPC's. */
function loadBalancerAzs(r: PlanResource, plan: PlanIndex): number | undefined {
  const subnets = list(r.props.subnets);
  if (subnets !== undefined) return subnets.length;
  const mappings = list(r.props.subnetMappings);
  if (mappings !== undefined) return mappings.length;
  const planned = plan.refs(r, "subnets", T.subnet);
  return planned.length > 0 ? planned.length : undefined;
}

const loadBalancer: CostModel = (r, plan, out) => {
  const kind = str(r.props.loadBalancerType) ?? "application";
  if (kind !== "application") {
    out.miss(`${kind} load balancers are not in the price table`);
    return;
  }
  const hour = out.prices.alb.hour.usd;
  const lcu = out.prices.alb.lcuHour.usd;
  const base = out.prices.alb.baselineLcu;
  out.line(`ALB (${hoursText(1, hour)})`, H * hour);
  out.line(
    `ALB LCU baseline (${base} LCU × ${H} h × ${usd(lcu)}; assumed floor, a small clinic uses less)`,
    base * H * lcu,
  );
  out.use(`ALB LCUs above the 1-LCU baseline (traffic)`, out.prices.alb.lcuHour);
  const internal = bool(r.props.internal) === true;
  const noPublicV4 = str(r.props.ipAddressType) === "dualstack-without-public-ipv4";
  if (!internal && !noPublicV4) {
    const azs = loadBalancerAzs(r, plan);
    if (azs === undefined) {
      out.miss(`internet-facing ALB: number of subnets (public IPv4 addresses) unknown`);
    } else {
      const ip = out.prices.publicIpv4Hour.usd;
      out.line(
        `Public IPv4 addresses of the internet-facing ALB (one per AZ; ${hoursText(azs, ip)})`,
        azs * H * ip,
      );
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Databases, cache, files

const rdsInstance: CostModel = (r, _plan, out) => {
  const engine = str(r.props.engine);
  const cls = str(r.props.instanceClass);
  const multiAz = bool(r.props.multiAz) === true;
  const az = multiAz ? "Multi-AZ" : "Single-AZ";
  if (engine !== "mysql") {
    out.miss(`RDS engine ${engine ?? "unknown"}: the price table has MySQL only`);
  } else if (cls === undefined) {
    out.miss(`RDS instance class not known at plan time`);
  } else {
    const hourly = hourlyPrice(out.prices.rdsMysql, cls);
    if (hourly === undefined) out.miss(`RDS class ${cls} is not in the price table`);
    else {
      const factor = multiAz ? out.prices.rdsMysql.multiAzFactor : 1;
      const times = multiAz ? ` × ${factor}` : "";
      out.line(`RDS MySQL ${cls} ${az} (${H} h × ${usd(hourly)}${times})`, H * hourly * factor);
    }
  }
  const gb = num(r.props.allocatedStorage);
  const storageType = str(r.props.storageType);
  if (gb === undefined) out.miss(`RDS allocated storage not known at plan time`);
  else if (storageType !== "gp3") {
    out.miss(
      `RDS storage type ${storageType ?? "not set (AWS default gp2)"} has no price in the table (gp3 only)`,
    );
  } else {
    const price = (multiAz ? out.prices.rdsMysql.gp3MultiAzGbMonth : out.prices.rdsMysql.gp3GbMonth)
      .usd;
    const max = num(r.props.maxAllocatedStorage);
    const grows = max !== undefined && max > gb ? `; autoscaling up to ${max} GB is usage` : "";
    out.line(`RDS gp3 storage ${gb} GB ${az} (${gb} GB × ${usd(price)}${grows})`, gb * price);
    if ((num(r.props.iops) ?? 0) > out.prices.rdsMysql.gp3IncludedIops) {
      out.miss(`RDS provisioned IOPS above the included baseline are not priced`);
    }
  }
  out.use(
    `RDS backup storage beyond 100% of the DB size`,
    out.prices.rdsMysql.backupBeyondFreeGbMonth,
  );
  performanceInsights(r, out);
  rdsManagedSecret(r, out);
};

/** RDS-managed master passwords live in a Secrets Manager secret that RDS creates and bills. */
function rdsManagedSecret(r: PlanResource, out: ModelOutput): void {
  if (bool(r.props.manageMasterUserPassword) !== true) return;
  const price = out.prices.secretsManager.secretMonth.usd;
  out.line(
    `Secrets Manager secret RDS creates for the master password (${usd(price)}/month)`,
    price,
  );
}

function performanceInsights(r: PlanResource, out: ModelOutput): void {
  const days = num(r.props.performanceInsightsRetentionPeriod);
  const free = out.prices.rdsMysql.performanceInsightsFreeRetentionDays;
  if (bool(r.props.performanceInsightsEnabled) === true && days !== undefined && days > free) {
    out.miss(
      `Performance Insights retention of ${days} days (beyond the free ${free}) is not priced`,
    );
  }
}

const auroraCluster: CostModel = (r, _plan, out) => {
  const engine = str(r.props.engine) ?? "";
  if (!engine.startsWith("aurora")) {
    out.miss(`RDS cluster engine ${engine || "unknown"} is not priced (Aurora only)`);
    return;
  }
  if (str(r.props.storageType) === "aurora-iopt1") {
    out.miss(`Aurora I/O-Optimized storage is not in the price table`);
  }
  if ((str(r.props.engineVersion) ?? "").startsWith("5.7")) {
    out.miss(`Aurora MySQL 2 (5.7) is in paid Extended Support, which the table does not price`);
  }
  out.use(`Aurora cluster storage (no allocated size)`, out.prices.aurora.storageGbMonth);
  out.use(`Aurora I/O requests`, out.prices.aurora.ioPerMillion);
  out.use(`Aurora backup storage beyond 100% of the cluster size`, out.prices.backup.auroraGbMonth);
  rdsManagedSecret(r, out);
};

const auroraClusterInstance: CostModel = (r, plan, out) => {
  const cls = str(r.props.instanceClass);
  if (cls !== "db.serverless") {
    out.miss(
      `Aurora instance class ${cls ?? "unknown"}: only Serverless v2 (db.serverless) is priced`,
    );
    return;
  }
  const cluster = plan.refs(r, "clusterIdentifier", T.rdsCluster)[0];
  if (!cluster) {
    out.miss(
      `Aurora Serverless v2 instance: its cluster is not in the plan (no clusterIdentifier dependency)`,
    );
    return;
  }
  const min = num(get(cluster.props, "serverlessv2ScalingConfiguration", "minCapacity"));
  if (min === undefined) {
    out.miss(
      `Aurora Serverless v2 minimum capacity not known (serverlessv2ScalingConfiguration.minCapacity)`,
    );
    return;
  }
  const price = out.prices.aurora.acuHour.usd;
  const paused = min === 0 ? "; 0 = auto-pause, nothing while paused" : "";
  out.line(
    `Aurora Serverless v2 instance at its ${min} ACU minimum (${min} ACU × ${H} h × ${usd(price)}${paused})`,
    min * H * price,
  );
  out.use(`Aurora capacity above the minimum`, out.prices.aurora.acuHour);
  performanceInsights(r, out);
};

const serverlessCache: CostModel = (r, _plan, out) => {
  const engine = str(r.props.engine);
  const table =
    engine === "valkey"
      ? out.prices.elasticacheServerless.valkey
      : engine === "redis"
        ? out.prices.elasticacheServerless.redis
        : undefined;
  if (!table) {
    out.miss(`ElastiCache Serverless engine ${engine ?? "unknown"} is not priced (valkey, redis)`);
    return;
  }
  const name = engine === "valkey" ? "Valkey" : "Redis OSS";
  const setMin = num(get(r.props, "cacheUsageLimits", "dataStorage", "minimum"));
  const gb = Math.max(setMin ?? 0, table.minGb);
  const why =
    setMin !== undefined && setMin > table.minGb ? "configured minimum" : "billing minimum";
  out.line(
    `ElastiCache Serverless ${name} data storage ${why} (${gb} GB × ${H} h × ${usd(table.gbHour.usd)})`,
    gb * H * table.gbHour.usd,
  );
  const ecpuMin = num(get(r.props, "cacheUsageLimits", "ecpuPerSeconds", 0, "minimum"));
  if (ecpuMin !== undefined && ecpuMin > 0) {
    const millions = (ecpuMin * 3600 * H) / 1e6;
    out.line(
      `ElastiCache Serverless ${name} ECPU minimum (${ecpuMin} ECPU/s × 3,600 s × ${H} h = ${millions} million × ${usd(table.ecpuPerMillion.usd)})`,
      millions * table.ecpuPerMillion.usd,
    );
  }
  out.use(`ElastiCache Serverless ${name} data above the minimum`, table.gbHour);
  out.use(`ElastiCache Serverless ${name} requests (ECPUs)`, table.ecpuPerMillion);
};

const efsFileSystem: CostModel = (r, _plan, out) => {
  const mode = str(r.props.throughputMode) ?? "bursting";
  if (mode === "elastic") {
    out.use(`EFS Elastic throughput`, out.prices.efsElastic.readGb, out.prices.efsElastic.writeGb);
  } else if (mode !== "bursting") {
    out.miss(`EFS ${mode} throughput charges are not in the price table`);
  }
  out.use(`EFS Standard storage (no allocated size)`, out.prices.efsStandardGbMonth);
};

const efsBackupPolicy: CostModel = (r, _plan, out) => {
  if (str(get(r.props, "backupPolicy", "status")) === "ENABLED") {
    out.use(`EFS automatic backups (AWS Backup)`, out.prices.backup.efsGbMonth);
  }
};

// ---------------------------------------------------------------------------------------------
// Containers

const ecsService: CostModel = (r, plan, out) => {
  const launch = str(r.props.launchType);
  const providers = (list(r.props.capacityProviderStrategies) ?? []).map((s) =>
    str(get(s, "capacityProvider")),
  );
  if (providers.some((p) => p !== "FARGATE")) {
    out.miss(`capacity providers ${providers.join(", ")}: only FARGATE is priced`);
    return;
  }
  if (providers.length === 0 && launch !== "FARGATE") {
    out.miss(`launch type ${launch ?? "not set (EC2)"}: only Fargate services are priced`);
    return;
  }
  const td = plan.refs(r, "taskDefinition", T.ecsTaskDefinition)[0];
  if (!td) {
    out.miss(`ECS service: its task definition is not in the plan (no taskDefinition dependency)`);
    return;
  }
  const cpuUnits = num(td.props.cpu);
  const memMiB = num(td.props.memory);
  if (cpuUnits === undefined || memMiB === undefined) {
    out.miss(`task definition ${td.name}: task-level cpu and memory must be known`);
    return;
  }
  if ((str(get(td.props, "runtimePlatform", "operatingSystemFamily")) ?? "LINUX") !== "LINUX") {
    out.miss(`task definition ${td.name}: only Linux Fargate tasks are priced`);
    return;
  }
  const ephemeral = num(get(td.props, "ephemeralStorage", "sizeInGib"));
  if (ephemeral !== undefined && ephemeral > out.prices.fargate.includedEphemeralGb) {
    out.miss(`task definition ${td.name}: ephemeral storage above 20 GiB is not priced`);
  }
  const arm = str(get(td.props, "runtimePlatform", "cpuArchitecture")) === "ARM64";
  const rates = arm ? out.prices.fargate.arm : out.prices.fargate.x86;
  const tasks = tasksAtRest(r, plan);
  if (tasks.count === undefined) {
    out.miss(`ECS service: ${tasks.why}`);
    return;
  }
  const vcpu = cpuUnits / 1024;
  const gb = memMiB / 1024;
  const n = tasks.count;
  out.line(
    `Fargate ${arm ? "ARM" : "x86"} ${plural(n, "task")} (${tasks.why}) × (${vcpu} vCPU × ${usd(rates.vcpuHour.usd)} + ${gb} GB × ${usd(rates.gbHour.usd)}) × ${H} h`,
    n * H * (vcpu * rates.vcpuHour.usd + gb * rates.gbHour.usd),
  );
  out.use(`Fargate tasks added by autoscaling`, rates.vcpuHour, rates.gbHour);
  if (bool(get(r.props, "networkConfiguration", "assignPublicIp")) === true && n > 0) {
    const ip = out.prices.publicIpv4Hour.usd;
    out.line(`Public IPv4 addresses of the tasks (${hoursText(n, ip)})`, n * H * ip);
  }
};

const ecsCluster: CostModel = (r, _plan, out) => {
  const settings = list(r.props.settings) ?? [];
  const insights = settings
    .filter((s) => str(get(s, "name")) === "containerInsights")
    .map((s) => str(get(s, "value")))[0];
  if (insights === "enabled") {
    out.use(
      `Container Insights: metrics billed as custom metrics, performance log events as ingestion`,
      out.prices.cloudwatchCustomMetricMonth,
      out.prices.logs.ingestGb,
    );
  } else if (insights === "enhanced") {
    out.miss(
      `Container Insights with enhanced observability is billed per observation; the table has no figure for it`,
    );
  }
};

const scalingPolicy: CostModel = (r, _plan, out) => {
  if (str(r.props.policyType) !== "TargetTrackingScaling") return;
  const price = out.prices.cloudwatchAlarm.standardMonth.usd;
  out.line(
    `CloudWatch alarms a target-tracking policy creates (2 × ${usd(price)}/month, assumed billed as standard alarms)`,
    2 * price,
  );
};

// ---------------------------------------------------------------------------------------------
// Keys, secrets, WAF

const kmsKey: CostModel = (r, _plan, out) => {
  const price = out.prices.kms.keyMonth.usd;
  const rotation =
    bool(r.props.enableKeyRotation) === true
      ? `; rotation on: +${usd(out.prices.kms.rotationAddsPerKeyMonth.usd)}/month after each of the first ${out.prices.kms.chargedRotations} rotations`
      : "";
  out.line(`KMS customer-managed key ${r.name} (${usd(price)}/month${rotation})`, price);
  out.use(`KMS requests beyond the free tier`, out.prices.kms.per10kRequests);
};

const secret: CostModel = (r, _plan, out) => {
  const replicas = list(r.props.replicas)?.length ?? 0;
  const n = 1 + replicas;
  const price = out.prices.secretsManager.secretMonth.usd;
  const what = replicas > 0 ? ` with ${plural(replicas, "replica")}` : "";
  out.line(`Secrets Manager secret ${r.name}${what} (${n} × ${usd(price)}/month)`, n * price);
  out.use(`Secrets Manager API calls`, out.prices.secretsManager.per10kCalls);
};

const ssmParameter: CostModel = (r, _plan, out) => {
  const tier = str(r.props.tier) ?? "Standard";
  if (tier !== "Standard")
    out.miss(`SSM parameter tier ${tier} is not in the price table (Standard is free)`);
};

const PAID_MANAGED_RULE_GROUPS = [
  "AWSManagedRulesBotControlRuleSet",
  "AWSManagedRulesATPRuleSet",
  "AWSManagedRulesACFPRuleSet",
  "AWSManagedRulesAntiDDoSRuleSet",
];

const webAcl: CostModel = (r, _plan, out) => {
  const acl = out.prices.waf.webAclMonth.usd;
  out.line(`WAF web ACL (${usd(acl)}/month)`, acl);
  const rules = list(r.props.rules) ?? list(parseJson(r.props.ruleJson));
  if (rules === undefined) {
    if (isKnown(r.props.rules) || isKnown(r.props.ruleJson)) {
      out.miss(`WAF rules not readable at plan time`);
    }
  } else if (rules.length > 0) {
    const rule = out.prices.waf.ruleMonth.usd;
    out.line(
      `WAF rules and rule groups (${rules.length} × ${usd(rule)}/month)`,
      rules.length * rule,
    );
    for (const rl of rules) {
      const group = str(get(rl, "statement", "managedRuleGroupStatement", "name"));
      if (group !== undefined && PAID_MANAGED_RULE_GROUPS.includes(group)) {
        out.miss(`WAF managed rule group ${group} has subscription fees the table does not price`);
      }
    }
  }
  out.use(`WAF requests inspected`, out.prices.waf.perMillionRequests);
};

const webAclRule: CostModel = (_r, _plan, out) => {
  const rule = out.prices.waf.ruleMonth.usd;
  out.line(`WAF rule or rule group (${usd(rule)}/month)`, rule);
};

// ---------------------------------------------------------------------------------------------
// Logs, alarms, audit, storage

const logGroup: CostModel = (r, _plan, out) => {
  const cls = str(r.props.logGroupClass) ?? "STANDARD";
  if (cls !== "STANDARD") out.miss(`log group class ${cls} is not in the price table`);
  const name = str(r.props.name) ?? r.name;
  out.use(
    `CloudWatch Logs ${name}: ingestion and storage`,
    out.prices.logs.ingestGb,
    out.prices.logs.storageGbMonth,
  );
};

const logMetricFilter: CostModel = (_r, _plan, out) => {
  out.use(`Custom metric published by the metric filter`, out.prices.cloudwatchCustomMetricMonth);
};

/** Namespaces of metrics AWS publishes itself (Container Insights bills its own metrics). */
const AWS_PUBLISHED = /^(AWS\/|ECS\/ContainerInsights$)/;

/**
 * Whether a log metric filter of the plan publishes this metric only when an event matches (no
 * default value): it is then billed only in the hours with a matching event, usage not base.
 */
function eventDrivenMetric(plan: PlanIndex, namespace: string, metricName: string): boolean {
  return plan.ofType(T.logMetricFilter).some((f) => {
    const m = get(f.props, "metricTransformation");
    return (
      str(get(m, "namespace")) === namespace &&
      str(get(m, "name")) === metricName &&
      !isKnown(get(m, "defaultValue"))
    );
  });
}

const metricAlarm: CostModel = (r, plan, out) => {
  if (isKnown(r.props.thresholdMetricId)) {
    out.miss(`anomaly-detection alarms are not in the price table`);
    return;
  }
  const queries = list(r.props.metricQueries);
  const metrics = queries ? queries.filter((q) => isKnown(get(q, "metric"))).length : 1;
  const period = num(r.props.period) ?? num(get(queries, 0, "metric", "period")) ?? 60;
  const price = (
    period < 60
      ? out.prices.cloudwatchAlarm.highResolutionMonth
      : out.prices.cloudwatchAlarm.standardMonth
  ).usd;
  const kind = period < 60 ? "high-resolution" : "standard";
  const namespace = str(r.props.namespace);
  const metricName = str(r.props.metricName) ?? "?";
  if (namespace !== undefined && eventDrivenMetric(plan, namespace, metricName)) {
    out.use(
      `Custom metric ${namespace}/${metricName} (a metric filter's, published only in hours with a matching event)`,
      out.prices.cloudwatchCustomMetricMonth,
    );
  } else if (namespace !== undefined && !AWS_PUBLISHED.test(namespace)) {
    // A custom metric is billed for each hour it is published in. One the alarm expects at least
    // every hour is published every hour (the full monthly price); a daily one in 24 of 730 hours.
    const metric = `${namespace}/${metricName}`;
    const monthly = out.prices.cloudwatchCustomMetricMonth.usd;
    if (period <= 3600) {
      out.line(`Custom metric ${metric} (published every hour: ${usd(monthly)}/month)`, monthly);
    } else {
      const hours = Math.ceil((H * 3600) / period);
      out.line(
        `Custom metric ${metric} (published in ${hours} of ${H} hours × ${usd(monthly)}/month)`,
        (monthly * hours) / H,
      );
    }
  }
  out.line(
    `CloudWatch ${kind} alarm (${plural(metrics, "metric")} × ${usd(price)}/month)`,
    metrics * price,
  );
};

const trail: CostModel = (r, _plan, out) => {
  const selectors = list(r.props.eventSelectors) ?? [];
  const dataEvents = selectors.some((s) => (list(get(s, "dataResources")) ?? []).length > 0);
  const advanced = (list(r.props.advancedEventSelectors) ?? []).some((s) =>
    (list(get(s, "fieldSelectors")) ?? []).some(
      (f) =>
        str(get(f, "field")) === "eventCategory" &&
        (list(get(f, "equals")) ?? []).some((v) => str(v) === "Data"),
    ),
  );
  if (dataEvents || advanced) {
    out.use(`CloudTrail data events the trail records`, out.prices.cloudtrail.dataEventsPer100k);
  }
  if ((list(r.props.insightSelectors) ?? []).length > 0) {
    out.miss(`CloudTrail Insights events are not in the price table`);
  }
  out.use(
    `CloudTrail management events: free as the account's first copy; billed if the account already has a trail`,
    out.prices.cloudtrail.additionalManagementCopyPer100k,
  );
};

// Counted as paid: the first two budgets of an account are free, but a clinic's account may
// already have them.
const budget: CostModel = (_r, _plan, out) => {
  const perDay = out.prices.budgets.budgetDay.usd;
  const days = H / 24;
  out.line(
    `AWS Budgets budget (${usd(perDay)}/day × ${days.toFixed(2)} days; free if one of the account's first two)`,
    perDay * days,
  );
};

// CloudWatch's free tier covers an account's first three dashboards of up to 50 metrics each; one
// of a stack's alarms graphs one metric. So a stack's dashboard is free while the account has at most
// three, and each further one costs the monthly price: counted as usage with that unit price (the
// summary lists it), not as a fixed charge. Over 50 metrics the free tier never applies.
const DASHBOARD_FREE_METRICS = 50;
const dashboard: CostModel = (r, _plan, out) => {
  const price = out.prices.cloudwatchDashboardMonth;
  const name = str(r.props.dashboardName) ?? r.name;
  const body = str(r.props.dashboardBody);
  if (body === undefined) {
    out.miss(
      `CloudWatch dashboard ${name}: its body (and so its metric count) is not known at plan time`,
    );
    return;
  }
  const widgets = list(get(parseJson(body), "widgets")) ?? [];
  const metrics = widgets.filter((w) => str(get(w, "type")) === "metric").length;
  if (metrics > DASHBOARD_FREE_METRICS) {
    out.line(
      `CloudWatch dashboard ${name} (${metrics} metrics, over the free tier's ${DASHBOARD_FREE_METRICS}: ${usd(price.usd)}/month)`,
      price.usd,
    );
    return;
  }
  out.use(
    `CloudWatch dashboard ${name} (${metrics} metrics): free as one of the account's first three dashboards, else per dashboard-month`,
    price,
  );
};

const firewallDomainList: CostModel = (r, _plan, out) => {
  const domains = list(r.props.domains);
  if (domains === undefined) {
    out.miss(`DNS Firewall list ${r.name}: domain count not known at plan time`);
    return;
  }
  const price = out.prices.dnsFirewall.domainMonth.usd;
  out.line(
    `DNS Firewall list ${str(r.props.name) ?? r.name} (${plural(domains.length, "domain")} × ${usd(price)}/month)`,
    domains.length * price,
  );
};

const firewallAssociation: CostModel = (_r, _plan, out) => {
  out.use(`DNS Firewall queries from the VPC`, out.prices.dnsFirewall.perMillionQueries);
};

const logDataProtection: CostModel = (r, _plan, out) => {
  out.use(
    `CloudWatch Logs data protection on ${str(r.props.logGroupName) ?? r.name}`,
    out.prices.logs.dataProtectionScannedGb,
  );
};

const bucket: CostModel = (r, _plan, out) => {
  out.use(`S3 storage in bucket ${str(r.props.bucket) ?? r.name}`, out.prices.s3StandardGbMonth);
};

const hostedZone: CostModel = (_r, _plan, out) => {
  const price = out.prices.route53.hostedZoneMonth.usd;
  out.line(`Route 53 hosted zone (${usd(price)}/month)`, price);
  out.use(`Route 53 DNS queries`, out.prices.route53.perMillionQueries);
};

const dnsRecord: CostModel = (r, _plan, out) => {
  if ((list(r.props.aliases) ?? []).length > 0) return; // alias queries to AWS resources are free
  out.use(
    `Route 53 queries for ${str(r.props.name) ?? r.name}`,
    out.prices.route53.perMillionQueries,
  );
};

// ---------------------------------------------------------------------------------------------
// Snapshots and backups

const dlmPolicy: CostModel = (r, plan, out) => {
  const details = obj(r.props.policyDetails);
  const kinds = (list(details?.resourceTypes) ?? []).map((k) => str(k));
  const wanted = tagsOf(details?.targetTags);
  if (Object.keys(wanted).length === 0 || kinds.length === 0) {
    out.miss(`DLM policy: target resource types or tags not known at plan time`);
    return;
  }
  const schedules = list(details?.schedules) ?? [];
  if (schedules.some((s) => (list(get(s, "crossRegionCopyRules")) ?? []).length > 0)) {
    out.miss(`DLM cross-region snapshot copies are not priced`);
  }
  const volumes = planVolumes(plan).filter(
    (v) =>
      (kinds.includes("VOLUME") && tagsMatch(v.tags, wanted)) ||
      (kinds.includes("INSTANCE") &&
        v.instance !== undefined &&
        tagsMatch(tagsOf(v.instance.props.tags), wanted)),
  );
  if (volumes.length === 0) {
    out.miss(
      `DLM policy targets ${JSON.stringify(wanted)}, which no volume or instance in the plan carries`,
    );
    return;
  }
  snapshotCopy(volumes, out.prices.ebs.snapshotGbMonth, "EBS snapshots (DLM)", out);
  out.use(`EBS snapshot increments (changed blocks)`, out.prices.ebs.snapshotGbMonth);
};

function snapshotCopy(volumes: PlanVolume[], price: Price, what: string, out: ModelOutput): void {
  const unknown = volumes.filter((v) => v.sizeGb === undefined);
  for (const v of unknown) out.miss(`${what}: size of ${v.label} not known at plan time`);
  const gb = volumes.reduce((sum, v) => sum + (v.sizeGb ?? 0), 0);
  if (gb > 0) {
    out.line(
      `${what}: one full copy of ${gb} GB (${gb} GB × ${usd(price.usd)}; upper bound of the first snapshot)`,
      gb * price.usd,
    );
  }
}

/**
 * Data transfer out of a region to another AWS region, $0.02/GB from the US regions (Amazon EC2
 * On-Demand Pricing, "Data Transfer OUT From Amazon EC2 To" another AWS region; AWS Backup and S3
 * replication copies are billed at the same inter-region rate). Not in tools/cost/prices.ts's table
 * yet, hence supplemental.
 */
const INTER_REGION_TRANSFER: Price = {
  usd: 0.02,
  per: "GB transferred to another AWS region",
  source: "ec2",
  supplemental: true,
};

/** The region of an ARN (`arn:<partition>:<service>:<region>:...`), when it is known. */
function arnRegion(arn: string): string | undefined {
  return isKnown(arn) ? arn.split(":")[3] || undefined : undefined;
}

/**
 * Copies to another vault are usage: they hold what the source recovery points hold (storage at
 * the destination's price) and every copy crosses regions once (transfer).
 */
const backupPlan: CostModel = (r, _plan, out) => {
  const rules = list(r.props.rules) ?? [];
  const destinations = new Set(
    rules.flatMap((rule) =>
      (list(get(rule, "copyActions")) ?? []).map((c) => str(get(c, "destinationVaultArn")) ?? ""),
    ),
  );
  for (const arn of destinations) {
    const region = arnRegion(arn);
    const prices = region ? pricesFor(region) : out.prices;
    out.use(
      `AWS Backup copies into ${arn.split(/[:/]/).pop() || "another vault"} (as much as the recovery points copied; at ${prices.region} prices)`,
      prices.backup.ebsGbMonth,
      prices.backup.rdsGbMonth,
    );
    out.use(`AWS Backup copies: data transfer to the copy vault's region`, INTER_REGION_TRANSFER);
  }
};

/**
 * S3 Replication metrics of one rule: BytesPendingReplication, ReplicationLatency,
 * OperationsPendingReplication, OperationsFailedReplication (S3 User Guide, "Monitoring progress
 * with replication metrics"), billed at the CloudWatch custom-metric rate (S3 pricing, "S3
 * Replication"); priced as published every hour, the upper bound.
 */
const REPLICATION_METRICS_PER_RULE = 4;

/** S3 replication: every replicated object version crosses regions once; its storage is the destination bucket's. */
const bucketReplication: CostModel = (r, _plan, out) => {
  const rules = (list(r.props.rules) ?? []).filter(
    (rule) => str(get(rule, "status")) === "Enabled",
  );
  if (rules.length > 0) {
    out.use(
      `S3 replication of bucket ${str(r.props.bucket) ?? r.name}: data transfer to the copy region`,
      INTER_REGION_TRANSFER,
    );
  }
  const measured = rules.filter(
    (rule) => str(get(rule, "destination", "metrics", "status")) === "Enabled",
  ).length;
  if (measured > 0) {
    const price = out.prices.cloudwatchCustomMetricMonth.usd;
    const metrics = measured * REPLICATION_METRICS_PER_RULE;
    out.line(
      `S3 Replication metrics (${plural(metrics, "custom metric")} × ${usd(price)}/month)`,
      metrics * price,
    );
  }
};

const backupSelection: CostModel = (r, plan, out) => {
  const targets = backupSelectionTargets(r, plan);
  if (targets.length === 0) {
    out.miss(`AWS Backup selection covers nothing this estimator can find in the plan`);
    return;
  }
  const listedButUnknown =
    (list(r.props.resources) ?? []).length > plan.refs(r, "resources").length;
  if (listedButUnknown)
    out.miss(`AWS Backup selection lists resources outside the plan (or wildcards)`);
  const volumes = planVolumes(plan);
  for (const t of targets) {
    switch (t.type) {
      case T.ebsVolume:
      case T.ec2Instance: {
        const covered = volumes.filter(
          (v) => v.owner === t || (t.type === T.ec2Instance && v.instance === t),
        );
        snapshotCopy(covered, out.prices.backup.ebsGbMonth, `AWS Backup of ${t.name} (EBS)`, out);
        break;
      }
      case T.rdsInstance: {
        const gb = num(t.props.allocatedStorage);
        const price = out.prices.backup.rdsGbMonth.usd;
        if (gb === undefined) out.miss(`AWS Backup of ${t.name}: DB size not known at plan time`);
        else {
          out.line(
            `AWS Backup of ${t.name} (RDS): one full copy of ${gb} GB (${gb} GB × ${usd(price)}; may partly fall in RDS's free backup allowance)`,
            gb * price,
          );
        }
        break;
      }
      case T.rdsCluster:
        out.use(
          `AWS Backup of ${t.name} (Aurora, no allocated size)`,
          out.prices.backup.auroraGbMonth,
        );
        break;
      case T.efsFileSystem:
        out.use(`AWS Backup of ${t.name} (EFS, no allocated size)`, out.prices.backup.efsGbMonth);
        break;
    }
  }
  out.use(
    `AWS Backup increments and long-term copies (changed data)`,
    out.prices.backup.ebsGbMonth,
  );
};

// ---------------------------------------------------------------------------------------------
// The registry

/** Cost models by resource type token. */
export const MODELS: Readonly<Record<string, CostModel>> = {
  [T.ec2Instance]: ec2Instance,
  [T.ebsVolume]: ebsVolume,
  [T.eip]: elasticIp,
  [T.natGateway]: natGateway,
  [T.vpcEndpoint]: vpcEndpoint,
  [T.lbLoadBalancer]: loadBalancer,
  [T.rdsInstance]: rdsInstance,
  [T.rdsCluster]: auroraCluster,
  [T.rdsClusterInstance]: auroraClusterInstance,
  [T.elasticacheServerless]: serverlessCache,
  [T.efsFileSystem]: efsFileSystem,
  [T.efsBackupPolicy]: efsBackupPolicy,
  [T.ecsService]: ecsService,
  [T.ecsCluster]: ecsCluster,
  [T.autoscalingPolicy]: scalingPolicy,
  [T.kmsKey]: kmsKey,
  [T.secret]: secret,
  [T.ssmParameter]: ssmParameter,
  [T.webAcl]: webAcl,
  [T.webAclRule]: webAclRule,
  [T.webAclRuleGroupAssociation]: webAclRule,
  [T.logGroup]: logGroup,
  [T.logDataProtectionPolicy]: logDataProtection,
  [T.budget]: budget,
  [T.dashboard]: dashboard,
  [T.resolverFirewallDomainList]: firewallDomainList,
  [T.resolverFirewallRuleGroupAssociation]: firewallAssociation,
  [T.logMetricFilter]: logMetricFilter,
  [T.metricAlarm]: metricAlarm,
  [T.cloudtrail]: trail,
  [T.bucket]: bucket,
  [T.bucketV2]: bucket,
  [T.route53Zone]: hostedZone,
  [T.route53Record]: dnsRecord,
  [T.dlmLifecyclePolicy]: dlmPolicy,
  [T.backupPlan]: backupPlan,
  "aws:s3/bucketReplicationConfig:BucketReplicationConfig": bucketReplication,
  [T.backupSelection]: backupSelection,
};
