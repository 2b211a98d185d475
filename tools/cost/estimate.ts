// The cost estimator: a plan file in, the plan's `cost` block out. Each resource is priced by the
// model for its type (./models.ts), or is on the explicit free list below, or is a plain component
// (which bills nothing itself; its children are priced). Anything else is reported in `unpriced`,
// and tests fail on it: a price is never left out silently.
import type { CostBlock, CostLine, PlanFile, PlanResource } from "../plan/types";
import { MODELS, ModelOutput, PlanIndex } from "./models";
import { PRICES, money, roundCents } from "./prices";

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
  "aws:iam/role:Role": "IAM is free",
  "aws:iam/rolePolicy:RolePolicy": "IAM is free",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM is free",
  "aws:iam/policy:Policy": "IAM is free",
  "aws:iam/instanceProfile:InstanceProfile": "IAM is free",
  "aws:iam/serviceLinkedRole:ServiceLinkedRole": "IAM is free",
  "aws:ec2/securityGroup:SecurityGroup": "security groups are free",
  "aws:ec2/securityGroupRule:SecurityGroupRule": "security groups are free",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "security groups are free",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "security groups are free",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "security groups are free",
  "aws:ec2/vpc:Vpc": "a VPC is free (NAT gateways and endpoints are priced)",
  "aws:ec2/subnet:Subnet": "subnets are free",
  "aws:ec2/routeTable:RouteTable": "route tables are free",
  "aws:ec2/route:Route": "routes are free",
  "aws:ec2/routeTableAssociation:RouteTableAssociation": "route tables are free",
  "aws:ec2/internetGateway:InternetGateway": "internet gateways are free (data transfer is usage)",
  "aws:ec2/volumeAttachment:VolumeAttachment": "attaching is free (the volume is priced)",
  "aws:ec2/eipAssociation:EipAssociation": "associating is free (the Elastic IP is priced)",
  "aws:ec2/launchTemplate:LaunchTemplate": "launch templates are free (instances are priced)",
  "aws:ec2/flowLog:FlowLog": "the flow log's delivery is priced on its log group (ingestion usage)",
  "aws:kms/alias:Alias": "aliases are free (the key is priced)",
  "aws:kms/grant:Grant": "grants are free",
  "aws:secretsmanager/secretVersion:SecretVersion": "versions are free (the secret is priced)",
  "aws:secretsmanager/secretPolicy:SecretPolicy": "resource policies are free",
  "aws:ssm/association:Association": "State Manager associations are free",
  "aws:s3/bucketPolicy:BucketPolicy": "bucket settings are free (storage is usage on the bucket)",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "bucket settings are free",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "bucket settings are free",
  "aws:s3/bucketVersioning:BucketVersioning":
    "bucket settings are free (old versions are storage usage)",
  "aws:s3/bucketVersioningV2:BucketVersioningV2":
    "bucket settings are free (old versions are storage usage)",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
    "bucket settings are free (KMS requests are usage on the key)",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2":
    "bucket settings are free (KMS requests are usage on the key)",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "bucket settings are free",
  "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":
    "bucket settings are free",
  "aws:s3/bucketLogging:BucketLogging":
    "server access logging is free (the log objects are storage usage)",
  "aws:s3/bucketLoggingV2:BucketLoggingV2":
    "server access logging is free (the log objects are storage usage)",
  "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": "bucket settings are free",
  "aws:s3/bucketNotification:BucketNotification": "bucket settings are free",
  "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "resource policies are free",
  "aws:cloudwatch/eventRule:EventRule": "rules for AWS service events are free",
  "aws:cloudwatch/eventTarget:EventTarget": "rules for AWS service events are free",
  "aws:sns/topic:Topic": "the first million publishes and 1,000 e-mails a month are free",
  "aws:sns/topicSubscription:TopicSubscription": "subscriptions are free",
  "aws:sns/topicPolicy:TopicPolicy": "topic policies are free",
  "aws:lb/listener:Listener": "listeners are free (the load balancer is priced)",
  "aws:lb/listenerRule:ListenerRule": "listener rules are free (rule evaluations count in LCUs)",
  "aws:lb/listenerCertificate:ListenerCertificate": "listener settings are free",
  "aws:lb/targetGroup:TargetGroup": "target groups are free",
  "aws:lb/targetGroupAttachment:TargetGroupAttachment": "target groups are free",
  "aws:acm/certificate:Certificate": "public ACM certificates are free",
  "aws:acm/certificateValidation:CertificateValidation": "validation is free",
  "aws:rds/subnetGroup:SubnetGroup": "DB subnet groups are free",
  "aws:rds/parameterGroup:ParameterGroup": "parameter groups are free",
  "aws:rds/clusterParameterGroup:ClusterParameterGroup": "parameter groups are free",
  "aws:rds/optionGroup:OptionGroup": "option groups are free",
  "aws:elasticache/subnetGroup:SubnetGroup": "cache subnet groups are free",
  "aws:elasticache/user:User": "cache users (RBAC) are free",
  "aws:elasticache/userGroup:UserGroup": "cache user groups (RBAC) are free",
  "aws:efs/mountTarget:MountTarget": "mount targets are free",
  "aws:efs/accessPoint:AccessPoint": "access points are free",
  "aws:efs/fileSystemPolicy:FileSystemPolicy": "file system policies are free",
  "aws:ecs/taskDefinition:TaskDefinition": "priced through the services that run it",
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders":
    "capacity provider settings are free",
  "aws:appautoscaling/target:Target":
    "scalable targets are free (the minimum count is priced on the service)",
  "aws:wafv2/webAclAssociation:WebAclAssociation": "associations are free",
  "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration":
    "logging configuration is free (delivery is ingestion usage on the log group)",
  "aws:wafv2/ipSet:IpSet": "IP sets are free (rules that use them are priced)",
  "aws:backup/vault:Vault": "vaults are free (stored backups are priced on the selection)",
  "aws:backup/vaultPolicy:VaultPolicy": "vault policies are free",
  "aws:backup/vaultNotifications:VaultNotifications":
    "vault notifications are free (SNS is free tier)",
  "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "vault lock is free",
  "random:index/randomPassword:RandomPassword": "not an AWS resource",
  "random:index/randomString:RandomString": "not an AWS resource",
  "random:index/randomId:RandomId": "not an AWS resource",
  "random:index/randomPet:RandomPet": "not an AWS resource",
  "random:index/randomUuid:RandomUuid": "not an AWS resource",
};

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Why a resource costs nothing by itself, or undefined when it must be priced. */
export function freeReason(r: PlanResource): string | undefined {
  if (r.type.startsWith("pulumi:providers:")) return "provider";
  if (has(FREE_TYPES, r.type)) return FREE_TYPES[r.type];
  if (!r.custom && !r.remote) return "component (its children are priced)";
  return undefined;
}

/** Prices a plan. Lines are rounded to cents and the total is their sum. */
export function estimateCost(plan: PlanFile): CostEstimate {
  const index = new PlanIndex(plan);
  const lines: CostLine[] = [];
  const usage: { urn: string; item: string; unitPrice: string }[] = [];
  const unpriced: string[] = [];
  if (plan.region !== PRICES.region) {
    unpriced.push(`region ${plan.region}: the price table covers ${PRICES.region} only`);
  }
  for (const r of plan.resources) {
    if (has(MODELS, r.type)) {
      const out = new ModelOutput();
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
    asOf: PRICES.asOf,
    lines,
    usage,
    unpriced,
  };
}

/** The largest lines first (stable for equal amounts). */
export function topLines(cost: CostBlock, n: number): CostLine[] {
  return cost.lines
    .map((l, i) => ({ l, i }))
    .sort((a, b) => b.l.monthlyUsd - a.l.monthlyUsd || a.i - b.i)
    .slice(0, n)
    .map((x) => x.l);
}

/** A few readable lines for `npm run plan`: the monthly base cost and its largest items. */
export function formatCostSummary(cost: CostEstimate | CostBlock, top = 5): string {
  const out = [
    `Monthly base cost: ${money(cost.monthlyUsd)} (${PRICES.region} list prices as of ${cost.asOf}; plus usage)`,
  ];
  for (const l of topLines(cost, top)) out.push(`  ${money(l.monthlyUsd).padStart(9)}  ${l.item}`);
  const rest = cost.lines.length - Math.min(top, cost.lines.length);
  if (rest > 0) out.push(`  … ${rest} more lines in the plan file's cost block`);
  if ((cost.usage ?? []).length > 0) {
    out.push(`  plus ${cost.usage?.length ?? 0} usage-driven items (unit prices in the plan file)`);
  }
  const unpriced = cost.unpriced ?? [];
  if (unpriced.length > 0) {
    out.push(`  NOT PRICED (${unpriced.length}):`);
    for (const u of unpriced) out.push(`    ${u}`);
  }
  return out.join("\n");
}
