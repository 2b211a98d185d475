// The cost estimator: a plan file in, the plan's `cost` block out. Each resource is priced by the
// model for its type (./models.ts), or is on the explicit free list below, or is a plain component
// (which bills nothing itself; its children are priced). Anything else is reported in `unpriced`,
// and tests fail on it: a price is never left out silently.
import { PlanIndex } from "../plan/plan-index";
import { T } from "../plan/tokens";
import type { CostBlock, CostLine, PlanFile, PlanResource } from "../plan/types";
import { MODELS, ModelOutput } from "./models";
import { pricesFor, roundCents } from "./prices";

/** The cost block plus what could not be priced (empty when the estimate is complete). */
export interface CostEstimate extends CostBlock {
  /** One entry per resource or option the estimator has no honest price for. */
  unpriced: string[];
}

/**
 * Resource types that cost nothing by themselves, with the reason. Where the thing they configure
 * is billed (a bucket's storage, a log group's ingestion, a service's tasks) that is priced on the
 * billed resource's own model.
 */
export const FREE_TYPES: Readonly<Record<string, string>> = {
  [T.iamRole]: "IAM is free",
  [T.iamRolePolicy]: "IAM is free",
  [T.iamRolePolicyAttachment]: "IAM is free",
  [T.iamPolicy]: "IAM is free",
  [T.iamInstanceProfile]: "IAM is free",
  [T.iamServiceLinkedRole]: "IAM is free",
  [T.securityGroup]: "security groups are free",
  [T.securityGroupRule]: "security groups are free",
  [T.securityGroupIngressRule]: "security groups are free",
  [T.securityGroupEgressRule]: "security groups are free",
  [T.securityGroupDefault]: "security groups are free",
  [T.vpc]: "a VPC is free (NAT gateways and endpoints are priced)",
  [T.subnet]: "subnets are free",
  [T.routeTable]: "route tables are free",
  [T.route]: "routes are free",
  [T.routeTableAssociation]: "route tables are free",
  [T.internetGateway]: "internet gateways are free (data transfer is usage)",
  [T.volumeAttachment]: "attaching is free (the volume is priced)",
  [T.eipAssociation]: "associating is free (the Elastic IP is priced)",
  [T.launchTemplate]: "launch templates are free (instances are priced)",
  [T.flowLog]: "the flow log's delivery is priced on its log group (ingestion usage)",
  [T.kmsAlias]: "aliases are free (the key is priced)",
  [T.kmsGrant]: "grants are free",
  [T.secretVersion]: "versions are free (the secret is priced)",
  [T.secretPolicy]: "resource policies are free",
  [T.ssmAssociation]: "State Manager associations are free",
  [T.ssmDocument]: "Systems Manager documents of your own are free",
  [T.ssmPatchBaseline]: "Patch Manager is free on EC2 instances",
  [T.ssmPatchGroup]: "Patch Manager is free on EC2 instances",
  [T.ssmMaintenanceWindow]: "maintenance windows are free (Run Command on EC2 is free)",
  [T.ssmMaintenanceWindowTarget]: "maintenance windows are free",
  [T.ssmMaintenanceWindowTask]: "maintenance windows are free (Run Command on EC2 is free)",
  [T.resolverFirewallRuleGroup]:
    "DNS Firewall rule groups are free (queries are priced on the association)",
  [T.resolverFirewallRule]: "DNS Firewall rules are free (domains and queries are priced)",
  [T.resolverFirewallConfig]: "the DNS Firewall's fail-open setting is free",
  [T.resolverQueryLogConfig]:
    "Resolver query logging is free (delivery is ingestion usage on the log group)",
  [T.resolverQueryLogConfigAssociation]:
    "Resolver query logging is free (delivery is ingestion usage on the log group)",
  [T.bucketPolicy]: "bucket settings are free (storage is usage on the bucket)",
  [T.bucketPublicAccessBlock]: "bucket settings are free",
  [T.bucketOwnershipControls]: "bucket settings are free",
  [T.bucketVersioning]: "bucket settings are free (old versions are storage usage)",
  [T.bucketVersioningV2]: "bucket settings are free (old versions are storage usage)",
  [T.bucketSse]: "bucket settings are free (KMS requests are usage on the key)",
  [T.bucketSseV2]: "bucket settings are free (KMS requests are usage on the key)",
  [T.bucketLifecycle]: "bucket settings are free",
  [T.bucketLifecycleV2]: "bucket settings are free",
  [T.bucketLogging]: "server access logging is free (the log objects are storage usage)",
  [T.bucketLoggingV2]: "server access logging is free (the log objects are storage usage)",
  [T.bucketObjectLock]: "bucket settings are free",
  [T.bucketNotification]: "bucket settings are free",
  [T.logResourcePolicy]: "resource policies are free",
  [T.eventRule]: "rules for AWS service events are free",
  [T.eventTarget]: "rules for AWS service events are free",
  [T.snsTopic]: "the first million publishes and 1,000 e-mails a month are free",
  [T.snsTopicSubscription]: "subscriptions are free",
  [T.snsTopicPolicy]: "topic policies are free",
  [T.lbListener]: "listeners are free (the load balancer is priced)",
  [T.lbListenerRule]: "listener rules are free (rule evaluations count in LCUs)",
  [T.lbListenerCertificate]: "listener settings are free",
  [T.lbTargetGroup]: "target groups are free",
  [T.lbTargetGroupAttachment]: "target groups are free",
  [T.acmCertificate]: "public ACM certificates are free",
  [T.acmCertificateValidation]: "validation is free",
  [T.rdsSubnetGroup]: "DB subnet groups are free",
  [T.rdsParameterGroup]: "parameter groups are free",
  [T.rdsClusterParameterGroup]: "parameter groups are free",
  [T.rdsOptionGroup]: "option groups are free",
  [T.elasticacheSubnetGroup]: "cache subnet groups are free",
  [T.elasticacheUser]: "cache users (RBAC) are free",
  [T.elasticacheUserGroup]: "cache user groups (RBAC) are free",
  [T.efsMountTarget]: "mount targets are free",
  [T.efsAccessPoint]: "access points are free",
  [T.efsFileSystemPolicy]: "file system policies are free",
  [T.ecsTaskDefinition]: "priced through the services that run it",
  [T.ecsClusterCapacityProviders]: "capacity provider settings are free",
  [T.autoscalingTarget]: "scalable targets are free (the minimum count is priced on the service)",
  [T.webAclAssociation]: "associations are free",
  [T.webAclLogging]: "logging configuration is free (delivery is ingestion usage on the log group)",
  [T.wafIpSet]: "IP sets are free (rules that use them are priced)",
  [T.backupVault]: "vaults are free (stored backups are priced on the selection)",
  [T.backupVaultPolicy]: "vault policies are free",
  [T.backupVaultNotifications]: "vault notifications are free (SNS is free tier)",
  [T.backupVaultLock]: "vault lock is free",
  [T.randomPassword]: "not an AWS resource",
  [T.randomString]: "not an AWS resource",
  [T.randomId]: "not an AWS resource",
  [T.randomPet]: "not an AWS resource",
  [T.randomUuid]: "not an AWS resource",
};

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Why a resource costs nothing by itself, or undefined when it must be priced. */
export function freeReason(r: PlanResource): string | undefined {
  if (r.type.startsWith("pulumi:providers:")) return "provider";
  if (has(FREE_TYPES, r.type)) return FREE_TYPES[r.type];
  if (!r.custom && !r.remote) return "component (its children are priced)";
  return undefined;
}

/**
 * Prices a plan at its region's list prices (us-east-1's, recorded as `priceRegion`, when the
 * table has no such region). Lines are rounded to cents and the total is their sum.
 */
export function estimateCost(plan: PlanFile): CostEstimate {
  const prices = pricesFor(plan.region);
  const index = new PlanIndex(plan);
  const lines: CostLine[] = [];
  const usage: { urn: string; item: string; unitPrice: string }[] = [];
  const unpriced: string[] = [];
  for (const r of plan.resources) {
    if (has(MODELS, r.type)) {
      const out = new ModelOutput(prices);
      MODELS[r.type](r, index, out);
      for (const l of out.lines) {
        lines.push({ urn: r.urn, item: l.item, monthlyUsd: roundCents(l.monthlyUsd) });
      }
      for (const u of out.usage) usage.push({ urn: r.urn, item: u.item, unitPrice: u.unitPrice });
      for (const reason of out.unpriced) unpriced.push(`${r.type} ${r.name}: ${reason}`);
    } else if (freeReason(r) === undefined) {
      unpriced.push(`${r.type} ${r.name}: no cost model and not on the free list`);
    }
  }
  const cents = lines.reduce((sum, l) => sum + Math.round(l.monthlyUsd * 100), 0);
  return {
    monthlyUsd: cents / 100,
    currency: "USD",
    asOf: prices.asOf,
    priceRegion: prices.region,
    lines,
    usage,
    unpriced,
  };
}
