// Route 53 Resolver DNS Firewall for one VPC: what the compute groups (EC2 hosts, Fargate tasks) may
// resolve. A compromised OpenEMR container can still open 443 to any address it already knows, but
// it cannot resolve a name outside the allow list (in block mode), cannot tunnel data out through
// DNS queries to a domain it controls, and every lookup it makes is logged.
//
// API constraints used below, from the Route 53 Resolver API (botocore 1.43.11,
// botocore/data/route53resolver/2018-04-01/service-2.json; the same text is in the API Reference,
// https://docs.aws.amazon.com/Route53/latest/APIReference/API_Operations_Amazon_Route_53_Resolver.html):
// - CreateFirewallRule / CreateFirewallRuleGroup / CreateFirewallDomainList / AssociateFirewallRuleGroup
//   `Name`: at most 64 characters, pattern `(?!^[0-9]+$)([a-zA-Z0-9\-_' ']+)` (letters, digits,
//   hyphens, underscores, spaces; not all digits). CreateResolverQueryLogConfig `Name`: the same,
//   1 to 64.
// - CreateFirewallRule `Priority`: an integer, "unique priority for each rule in a rule group",
//   processed "starting from the lowest setting"; `Action` ALLOW | BLOCK | ALERT; `BlockResponse`
//   NODATA | NXDOMAIN | OVERRIDE, "required if the rule action setting is BLOCK";
//   `FirewallDomainRedirectionAction` INSPECT_REDIRECTION_DOMAIN (default: every name of a CNAME or
//   DNAME chain must be on the list) | TRUST_REDIRECTION_DOMAIN (only the first name is inspected).
// - AssociateFirewallRuleGroup `Priority`: "The allowed values for Priority are between 100 and
//   9900", unique per VPC; `MutationProtection` ENABLED | DISABLED ("disallows modification or
//   removal of the association"; default DISABLED).
// - UpdateFirewallConfig `FirewallFailOpen`: ENABLED | DISABLED | USE_LOCAL_RESOURCE_SETTING;
//   "By default, fail open is disabled, which means the failure mode is closed ... DNS Firewall
//   blocks queries that it is unable to evaluate properly."
// - UpdateFirewallDomains `Domains`: "a limit of 1000 domains per request"; each domain "can
//   optionally start with * (asterisk)", otherwise only A-Z, a-z, 0-9 and - (the Developer Guide
//   adds the period as the label delimiter), 1 to 255 characters (FirewallDomainName min 1 max 255).
//   https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-user-managed-domain-lists.html
// - CreateResolverQueryLogConfig `DestinationArn`: 1 to 600 characters; a CloudWatch Logs log group
//   is one of the three destination kinds.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { retainedLogGroup } from "../logs/log-group";
import { fitName } from "../naming/aws-names";
import { domainProblem } from "../naming/domain-names";

export type EgressMode = "alert" | "block";

/**
 * The AWS managed threat lists the rule group blocks, most specific first so a query log names the
 * narrowest list that matched (the aggregate list also carries malware and botnet domains). AWS
 * maintains them and does not charge for the domains in them ("check outbound DNS queries against
 * them for free"):
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-managed-domain-lists.html
 */
export const MANAGED_THREAT_LISTS = [
  "AWSManagedDomainsMalwareDomainList",
  "AWSManagedDomainsBotnetCommandandControl",
  "AWSManagedDomainsAggregateThreatList",
] as const;
export type ManagedThreatList = (typeof MANAGED_THREAT_LISTS)[number];

/**
 * A rule references a managed list by its id, which differs per region, and the provider has no
 * look-up by name (aws.route53.getResolverFirewallDomainList takes the id). These are the ids of
 * `aws route53resolver list-firewall-domain-lists --region <region>` (ManagedOwnerName "Route 53
 * Resolver DNS Firewall"). us-east-1 as published: the malware list id by the AWS CDK
 * route53resolver README ("AWSManagedDomainsMalwareDomainList in us-east-1"), the three together
 * by independent Terraform configurations that agree with it. Other regions: pass
 * `managedDomainListIds`.
 */
export const MANAGED_DOMAIN_LIST_IDS: Readonly<
  Record<string, Readonly<Record<ManagedThreatList, string>>>
> = {
  "us-east-1": {
    AWSManagedDomainsMalwareDomainList: "rslvr-fdl-2c46f2ecbfec4dcc",
    AWSManagedDomainsBotnetCommandandControl: "rslvr-fdl-aa970e9eb1ca4777",
    AWSManagedDomainsAggregateThreatList: "rslvr-fdl-15f4860b1ad54ead",
  },
};

/** A managed list id as ListFirewallDomainLists returns them (ResourceId: 1 to 64 characters). */
const DOMAIN_LIST_ID = /^rslvr-fdl-[0-9a-f]{8,32}$/;

/** One entry of the allow list this component ships, with why OpenEMR needs it. */
export interface AllowedDomain {
  domain: string;
  why: string;
}

/**
 * What the hosts and tasks of every tier legitimately resolve, in `region`. Deliberately narrower
 * than `*.amazonaws.com`: that would also allow every other account's public endpoints outside the
 * region (buckets, API Gateway, load balancers, EC2 public names). `*.aws` is left out: the SDKs and
 * agents the program runs use amazonaws.com endpoints, and `*.on.aws` holds anyone's Lambda
 * function URLs. OpenEMR's own product registration (reg.open-emr.org) is not allowed; a clinic
 * that wants it adds it to `allowedDomains`.
 */
export function defaultAllowedDomains(region: string): AllowedDomain[] {
  return [
    {
      domain: `*.${region}.amazonaws.com`,
      why: "regional AWS endpoints: SSM, SSM messages and EC2 messages (Session Manager), CloudWatch Logs and metrics, KMS, Secrets Manager, STS, S3 (backups, SSM agent updates, the AL2023 package bucket al2023-repos-<region>-de612dc2.s3.dualstack.<region>.amazonaws.com), EFS, ECS and ECR (Fargate)",
    },
    {
      domain: `*.${region}.rds.amazonaws.com`,
      why: "the RDS and Aurora endpoints (standard, fargate)",
    },
    {
      domain: "truststore.pki.rds.amazonaws.com",
      why: "the RDS CA bundle fetched at boot (RDS_CA_BUNDLE_URL)",
    },
    {
      domain: "*.cache.amazonaws.com",
      why: "the ElastiCache Serverless (Valkey) endpoints (fargate); they carry a short region code, not the region name",
    },
    {
      domain: "www.amazontrust.com",
      why: "Amazon Root CA 1, fetched at boot for ElastiCache TLS (AMAZON_ROOT_CA_URL)",
    },
    { domain: "sts.amazonaws.com", why: "the global STS endpoint older SDK defaults use" },
    {
      domain: "route53.amazonaws.com",
      why: "the Route 53 API (global endpoint): certbot's DNS-01 challenge on the express tiers",
    },
    {
      domain: "cdn.amazonlinux.com",
      why: "the AL2023 dnf mirror list (cdn.amazonlinux.com/al2023/core/mirrors/...)",
    },
    { domain: "registry-1.docker.io", why: "Docker Hub registry (openemr, mariadb, certbot)" },
    { domain: "auth.docker.io", why: "Docker Hub pull tokens" },
    { domain: "index.docker.io", why: "Docker Hub index (docker login and legacy clients)" },
    {
      domain: "production.cloudflare.docker.com",
      why: "Docker Hub layer CDN (docker/docs allow-list.md)",
    },
    {
      domain: "production.cloudfront.docker.com",
      why: "Docker Hub layer CDN (docker/docs allow-list.md)",
    },
    {
      domain: "docker-images-prod.6aa30f8b08e16409b46e0173d6de2f56.r2.cloudflarestorage.com",
      why: "Docker Hub layer storage for anonymous pulls (docker/docs allow-list.md)",
    },
    {
      domain: "acme-v02.api.letsencrypt.org",
      why: "Let's Encrypt ACME API (express tiers with a domain); no OCSP or CRL host is needed by certbot",
    },
    {
      domain: region === "us-east-1" ? "*.ec2.internal" : `*.${region}.compute.internal`,
      why: "the VPC's own instance host names (sudo, Apache and Docker resolve the host's name)",
    },
  ];
}

/**
 * Most domains a list may take from the provider in one UpdateFirewallDomains call ("a limit of
 * 1000 domains per request"). The DNS Firewall quota is higher (100,000 domains per list; 100 rules
 * per rule group, 5 rule groups per VPC): the request limit is the one that binds here.
 */
export const MAX_DOMAINS_PER_LIST = 1000;

/**
 * Pure: the allow list, the shipped entries then the caller's, without duplicates. Throws on the
 * first malformed caller domain, naming it.
 */
export function allowListDomains(name: string, region: string, extra: readonly string[] = []) {
  for (const d of extra) {
    const problem = domainProblem(d);
    if (problem !== undefined) {
      throw new Error(`${name}: allowedDomains entry ${JSON.stringify(d)} ${problem}`);
    }
  }
  const domains = [...new Set([...defaultAllowedDomains(region).map((d) => d.domain), ...extra])];
  if (domains.length > MAX_DOMAINS_PER_LIST) {
    throw new Error(
      `${name}: the allow list has ${domains.length} domains, over the ${MAX_DOMAINS_PER_LIST} UpdateFirewallDomains takes in one request`,
    );
  }
  return domains;
}

/**
 * Rule priorities: unique, the threat lists first (blocked even where the allow list would match,
 * e.g. a malicious bucket under `*.<region>.amazonaws.com`), then the allow list, then the
 * catch-all. Gaps leave room for rules a clinic inserts.
 */
export const RULE_PRIORITY = {
  threats: [100, 110, 120],
  allow: 200,
  catchAll: 1000,
} as const;

/**
 * The rule group's place among the VPC's rule groups (100 to 9900): 101 runs before any group a
 * clinic adds later at a higher number, and is in range under both readings AWS gives ("between
 * 100 and 9900" in the API Reference, "greater than 100" in the CDK).
 */
export const ASSOCIATION_PRIORITY = 101;
export const ASSOCIATION_PRIORITY_RANGE = { min: 100, max: 9900 } as const;

/** One rule as the component creates it (the ResolverFirewallRule inputs besides the ids). */
export interface DnsFirewallRuleSpec {
  /** Suffix of the Pulumi resource name and the rule's AWS name. */
  key: string;
  priority: number;
  action: "ALLOW" | "BLOCK" | "ALERT";
  blockResponse?: "NXDOMAIN";
  /** Which domain list: a managed threat list, the allow list, or the catch-all `*`. */
  list: ManagedThreatList | "allow" | "catch-all";
  firewallDomainRedirectionAction?: "TRUST_REDIRECTION_DOMAIN";
}

/** Pure: the rules in priority order. */
export function dnsFirewallRules(mode: EgressMode): DnsFirewallRuleSpec[] {
  const threatKey: Record<ManagedThreatList, string> = {
    AWSManagedDomainsMalwareDomainList: "block-malware",
    AWSManagedDomainsBotnetCommandandControl: "block-botnet-c2",
    AWSManagedDomainsAggregateThreatList: "block-aggregate-threats",
  };
  return [
    ...MANAGED_THREAT_LISTS.map((list, i): DnsFirewallRuleSpec => ({
      key: threatKey[list],
      priority: RULE_PRIORITY.threats[i],
      action: "BLOCK",
      // the client is told the name does not exist: fails fast, unlike NODATA's empty answer
      blockResponse: "NXDOMAIN",
      list,
    })),
    {
      key: "allow-openemr",
      priority: RULE_PRIORITY.allow,
      action: "ALLOW",
      list: "allow",
      // CNAME targets of allowed names (CloudFront behind cdn.amazonlinux.com, Cloudflare behind
      // Let's Encrypt and Docker Hub, S3's own aliases) need not be listed; these are names their
      // owners control, not the workload
      firewallDomainRedirectionAction: "TRUST_REDIRECTION_DOMAIN",
    },
    mode === "block"
      ? {
          key: "catch-all",
          priority: RULE_PRIORITY.catchAll,
          action: "BLOCK",
          blockResponse: "NXDOMAIN",
          list: "catch-all",
        }
      : { key: "catch-all", priority: RULE_PRIORITY.catchAll, action: "ALERT", list: "catch-all" },
  ];
}

/**
 * FirewallFailOpen per mode. Block mode fails closed (the AWS default, DISABLED): the clinic has
 * made the allow list its egress boundary, and failing open would silently lift it. Alert mode
 * fails open (ENABLED): nothing but the threat lists is enforced yet, and a DNS Firewall
 * impairment should not take DNS, and with it OpenEMR's database and AWS endpoints, down.
 */
export function failOpenFor(mode: EgressMode): "ENABLED" | "DISABLED" {
  return mode === "block" ? "DISABLED" : "ENABLED";
}

/** Route 53 Resolver `Name` (rule group, rule, domain list, association, query log config). */
const RESOLVER_NAME = /^(?!\d+$)[A-Za-z0-9_ -]{1,64}$/;

function resolverName(base: string): string {
  const fitted = fitName(base, 64);
  if (!RESOLVER_NAME.test(fitted)) {
    throw new Error(
      `${JSON.stringify(fitted)} is not a Route 53 Resolver name (letters, digits, hyphens, underscores, spaces; not all digits)`,
    );
  }
  return fitted;
}

export interface DnsFirewallArgs {
  vpcId: pulumi.Input<string>;
  /** The deployment region (`aws:region`): picks the managed-list ids and the regional entries. */
  region: string;
  /** "alert" (default in config): what is not allowed is logged, not blocked. "block": NXDOMAIN. */
  mode: EgressMode;
  /** The clinic's own integrations (e-prescribing, labs, fax ...), e.g. `*.surescripts.net`. */
  allowedDomains?: string[];
  /** Managed-list ids for a region the table above does not have. */
  managedDomainListIds?: Record<ManagedThreatList, string>;
  /** Query logs go to `<logGroupPrefix>/dns-queries`. */
  logGroupPrefix: string;
  logRetentionDays: number;
  /** Customer-managed key for the query-log group; undefined uses the CloudWatch Logs key. */
  logKmsKeyArn?: pulumi.Input<string>;
  /** Pulumi protect and skipDestroy on the log group, and mutation protection on the association. */
  protectLogs: boolean;
}

/**
 * Pure: the managed threat list ids for `region`, or the caller's; undefined for a region whose ids
 * are not built in (the firewall then has no threat-list rules there: the allow list and the
 * catch-all still apply).
 */
export function managedListIds(
  name: string,
  region: string,
  override?: Record<ManagedThreatList, string>,
): Record<ManagedThreatList, string> | undefined {
  const ids = override ?? MANAGED_DOMAIN_LIST_IDS[region];
  if (ids === undefined) return undefined;
  for (const list of MANAGED_THREAT_LISTS) {
    if (!DOMAIN_LIST_ID.test(ids[list] ?? "")) {
      throw new Error(
        `${name}: managedDomainListIds.${list} ${JSON.stringify(ids[list])} is not a domain list id (rslvr-fdl-<hex>)`,
      );
    }
  }
  return ids;
}

/**
 * The log group's resource policy: the log-delivery service (Resolver query logs are "vended logs",
 * AWS-logs-and-resource-policy.html) may create streams and put events in this group only, for this
 * account. It is the statement AWS would otherwise add itself on first delivery (and only if the
 * deployer may call logs:PutResourcePolicy), scoped to the group rather than to the account.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html
 */
export function queryLogDeliveryPolicy(logGroupArn: string): aws.iam.PolicyDocument {
  // arn:<partition>:logs:<region>:<account>:log-group:<name>
  const [, partition, , region, account] = logGroupArn.split(":");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AWSLogDeliveryWrite20150319",
        Effect: "Allow",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${logGroupArn}:log-stream:*`,
        Condition: {
          StringEquals: { "aws:SourceAccount": account },
          ArnLike: { "aws:SourceArn": `arn:${partition}:logs:${region}:${account}:*` },
        },
      },
    ],
  };
}

/**
 * Route 53 Resolver DNS Firewall on one VPC: AWS's threat lists blocked, an allow list of what
 * OpenEMR needs, everything else alerted (mode "alert") or answered NXDOMAIN (mode "block"); the
 * VPC's DNS queries logged to a retained, optionally KMS-encrypted log group.
 */
export class DnsFirewall extends pulumi.ComponentResource {
  public readonly ruleGroup: aws.route53.ResolverFirewallRuleGroup;
  public readonly allowList: aws.route53.ResolverFirewallDomainList;
  public readonly logGroup: aws.cloudwatch.LogGroup;
  /** The allow list's domains, as planned. */
  public readonly allowedDomains: string[];
  /** Whether AWS's threat lists are blocked (their ids are known for the region). */
  public readonly threatListsBlocked: boolean;

  constructor(name: string, args: DnsFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:network:DnsFirewall", name, {}, opts);
    const child = { parent: this };
    const ids = managedListIds(name, args.region, args.managedDomainListIds);
    this.allowedDomains = allowListDomains(name, args.region, args.allowedDomains);

    this.ruleGroup = new aws.route53.ResolverFirewallRuleGroup(
      `${name}-rules`,
      { name: resolverName(`${name}-rules`) },
      child,
    );
    this.allowList = new aws.route53.ResolverFirewallDomainList(
      `${name}-allow`,
      { name: resolverName(`${name}-allow`), domains: this.allowedDomains },
      child,
    );
    const catchAll = new aws.route53.ResolverFirewallDomainList(
      `${name}-catch-all`,
      { name: resolverName(`${name}-catch-all`), domains: ["*"] },
      child,
    );

    const listId = (list: DnsFirewallRuleSpec["list"]): pulumi.Input<string> =>
      list === "allow" ? this.allowList.id : list === "catch-all" ? catchAll.id : ids![list];
    const rules: aws.route53.ResolverFirewallRule[] = [];
    this.threatListsBlocked = ids !== undefined;
    const specs = dnsFirewallRules(args.mode).filter(
      (spec) => ids !== undefined || spec.list === "allow" || spec.list === "catch-all",
    );
    for (const spec of specs) {
      rules.push(
        new aws.route53.ResolverFirewallRule(
          `${name}-${spec.key}`,
          {
            name: resolverName(`${name}-${spec.key}`),
            firewallRuleGroupId: this.ruleGroup.id,
            firewallDomainListId: listId(spec.list),
            priority: spec.priority,
            action: spec.action,
            blockResponse: spec.blockResponse,
            firewallDomainRedirectionAction: spec.firewallDomainRedirectionAction,
          },
          // the catch-all only once the rules before it exist: in block mode a catch-all without
          // its allow rule would answer NXDOMAIN to everything for a moment
          spec.list === "catch-all" ? { ...child, dependsOn: [...rules] } : child,
        ),
      );
    }

    new aws.route53.ResolverFirewallConfig(
      `${name}-config`,
      { resourceId: args.vpcId, firewallFailOpen: failOpenFor(args.mode) },
      child,
    );
    new aws.route53.ResolverFirewallRuleGroupAssociation(
      `${name}-association`,
      {
        name: resolverName(`${name}-association`),
        firewallRuleGroupId: this.ruleGroup.id,
        vpcId: args.vpcId,
        priority: ASSOCIATION_PRIORITY,
        // a protected stack's association cannot be removed or changed until this is DISABLED
        // again (pulumi destroy of such a stack needs that update first)
        mutationProtection: args.protectLogs ? "ENABLED" : "DISABLED",
      },
      // filter the VPC only with the whole rule set in place
      { ...child, dependsOn: rules },
    );

    this.logGroup = retainedLogGroup(
      `${name}-query-logs`,
      {
        logGroupName: `${args.logGroupPrefix}/dns-queries`,
        retentionInDays: args.logRetentionDays,
        kmsKeyArn: args.logKmsKeyArn,
        protect: args.protectLogs,
      },
      child,
    );
    const deliveryPolicy = new aws.cloudwatch.LogResourcePolicy(
      `${name}-query-logs-delivery`,
      {
        resourceArn: this.logGroup.arn,
        policyDocument: this.logGroup.arn.apply((arn) =>
          JSON.stringify(queryLogDeliveryPolicy(arn)),
        ),
      },
      child,
    );
    const queryLogConfig = new aws.route53.ResolverQueryLogConfig(
      `${name}-query-log-config`,
      { name: resolverName(`${name}-query-logs`), destinationArn: this.logGroup.arn },
      { ...child, dependsOn: [deliveryPolicy] },
    );
    new aws.route53.ResolverQueryLogConfigAssociation(
      `${name}-query-log-association`,
      { resolverQueryLogConfigId: queryLogConfig.id, resourceId: args.vpcId },
      child,
    );

    this.registerOutputs({ ruleGroupId: this.ruleGroup.id, logGroupName: this.logGroup.name });
  }
}
