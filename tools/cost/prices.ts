// The price table the cost estimator uses: AWS list prices, on-demand, Linux, in USD, for the
// regions US clinics deploy to. One table of us-east-1 (US East, N. Virginia) prices, and for each
// other region only the items it charges differently (`REGIONAL_PRICES` below); a region not in it
// is priced at us-east-1's prices and every estimate of it says so.
//
// Figures: AWS list prices ("2025 figures" as published on the AWS pricing pages), transcribed 2026-11-23.
// They were transcribed on the date in `asOf` and have NOT been re-checked against the live pages
// from this machine (no internet access). The Fargate figures agree with third-party copies of the
// pricing page dated March 2026. Re-check every page below before relying on a figure, and move
// `asOf` when you do.
//
// Items marked `supplemental: true` are not in prices.md; they come from the named AWS pricing page
// as the maintainers know it and exist because the presets create something that would otherwise
// go unpriced (CloudWatch alarms and custom metrics, KMS rotation, T-instance surplus credits,
// EFS Elastic throughput, Route 53 queries). A regional figure that no copy of the AWS page
// available here confirmed is marked `supplemental: true` the same way (see `REGIONAL_PRICES`).
//
// One month is 730 hours, as on the AWS pricing pages.

export interface PriceSource {
  /** The AWS page's title. */
  readonly page: string;
  readonly url: string;
}

export const SOURCES = {
  ec2: {
    page: "Amazon EC2 On-Demand Pricing (Linux, US East (N. Virginia))",
    url: "https://aws.amazon.com/ec2/pricing/on-demand/",
  },
  ec2Burstable: {
    page: "Amazon EC2 burstable performance instances: unlimited mode pricing",
    url: "https://aws.amazon.com/ec2/pricing/on-demand/#T2.2FT3.2FT4g_Unlimited_Mode_Pricing",
  },
  ebs: { page: "Amazon EBS pricing", url: "https://aws.amazon.com/ebs/pricing/" },
  vpc: {
    page: "Amazon VPC pricing (NAT gateway, public IPv4 address)",
    url: "https://aws.amazon.com/vpc/pricing/",
  },
  privatelink: {
    page: "AWS PrivateLink pricing (interface endpoints)",
    url: "https://aws.amazon.com/privatelink/pricing/",
  },
  rdsMysql: {
    page: "Amazon RDS for MySQL pricing",
    url: "https://aws.amazon.com/rds/mysql/pricing/",
  },
  aurora: { page: "Amazon Aurora pricing", url: "https://aws.amazon.com/rds/aurora/pricing/" },
  elasticache: {
    page: "Amazon ElastiCache pricing (serverless)",
    url: "https://aws.amazon.com/elasticache/pricing/",
  },
  efs: { page: "Amazon EFS pricing", url: "https://aws.amazon.com/efs/pricing/" },
  fargate: { page: "AWS Fargate pricing", url: "https://aws.amazon.com/fargate/pricing/" },
  elb: {
    page: "Elastic Load Balancing pricing (Application Load Balancer)",
    url: "https://aws.amazon.com/elasticloadbalancing/pricing/",
  },
  kms: { page: "AWS Key Management Service pricing", url: "https://aws.amazon.com/kms/pricing/" },
  secretsManager: {
    page: "AWS Secrets Manager pricing",
    url: "https://aws.amazon.com/secrets-manager/pricing/",
  },
  ssm: {
    page: "AWS Systems Manager pricing (Parameter Store)",
    url: "https://aws.amazon.com/systems-manager/pricing/",
  },
  waf: { page: "AWS WAF pricing", url: "https://aws.amazon.com/waf/pricing/" },
  cloudwatch: {
    page: "Amazon CloudWatch pricing (logs, alarms)",
    url: "https://aws.amazon.com/cloudwatch/pricing/",
  },
  cloudtrail: { page: "AWS CloudTrail pricing", url: "https://aws.amazon.com/cloudtrail/pricing/" },
  s3: { page: "Amazon S3 pricing", url: "https://aws.amazon.com/s3/pricing/" },
  backup: { page: "AWS Backup pricing", url: "https://aws.amazon.com/backup/pricing/" },
  dlm: {
    page: "Amazon Data Lifecycle Manager (EBS pricing page: no charge)",
    url: "https://aws.amazon.com/ebs/pricing/",
  },
  route53: { page: "Amazon Route 53 pricing", url: "https://aws.amazon.com/route53/pricing/" },
  budgets: {
    page: "AWS Budgets pricing",
    url: "https://aws.amazon.com/aws-cost-management/aws-budgets/pricing/",
  },
} as const satisfies Record<string, PriceSource>;

export type SourceKey = keyof typeof SOURCES;

/** One unit price. */
export interface Price {
  readonly usd: number;
  /** What one `usd` buys, e.g. "GB-month". */
  readonly per: string;
  readonly source: SourceKey;
  /** true when the figure is not one of the transcribed list prices (see the header). */
  readonly supplemental: boolean;
}

/** A per-type hourly price list (instance types, DB classes). */
export interface HourlyList {
  readonly hourly: Readonly<Record<string, number>>;
  readonly source: SourceKey;
  /** true when the figures are not transcribed list prices (see the header). */
  readonly supplemental: boolean;
}

const p = (usd: number, per: string, source: SourceKey, supplemental = false): Price => ({
  usd,
  per,
  source,
  supplemental,
});

/** The regions the table prices; the first is the one every other region is written against. */
export const PRICED_REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"] as const;

export type PricedRegion = (typeof PRICED_REGIONS)[number];

export interface PriceTable {
  readonly region: PricedRegion;
  readonly currency: "USD";
  /** The date the figures were transcribed into this file. */
  readonly asOf: string;
  /** One sentence on where the figures come from, printed with every comparison. */
  readonly basis: string;
  readonly hoursPerMonth: number;
  readonly ec2: HourlyList;
  readonly ec2UnlimitedSurplusVcpuHour: Price;
  readonly ebs: {
    readonly gp3GbMonth: Price;
    readonly gp3IncludedIops: number;
    readonly gp3IncludedThroughputMBps: number;
    readonly snapshotGbMonth: Price;
  };
  readonly publicIpv4Hour: Price;
  readonly rdsMysql: HourlyList & {
    readonly multiAzFactor: number;
    readonly gp3GbMonth: Price;
    readonly gp3MultiAzGbMonth: Price;
    readonly gp3IncludedIops: number;
    readonly backupBeyondFreeGbMonth: Price;
    readonly performanceInsightsFreeRetentionDays: number;
  };
  readonly aurora: {
    readonly acuHour: Price;
    readonly storageGbMonth: Price;
    readonly ioPerMillion: Price;
  };
  readonly elasticacheServerless: {
    readonly valkey: {
      readonly gbHour: Price;
      readonly minGb: number;
      readonly ecpuPerMillion: Price;
    };
    readonly redis: {
      readonly gbHour: Price;
      readonly minGb: number;
      readonly ecpuPerMillion: Price;
    };
  };
  readonly efsStandardGbMonth: Price;
  readonly efsElastic: { readonly readGb: Price; readonly writeGb: Price };
  readonly fargate: {
    readonly x86: { readonly vcpuHour: Price; readonly gbHour: Price };
    readonly arm: { readonly vcpuHour: Price; readonly gbHour: Price };
    readonly includedEphemeralGb: number;
  };
  readonly alb: {
    readonly hour: Price;
    readonly lcuHour: Price;
    /** LCUs charged in the base estimate for every hour (see the ALB model). */
    readonly baselineLcu: number;
  };
  readonly nat: { readonly hour: Price; readonly gbProcessed: Price };
  readonly interfaceEndpoint: { readonly azHour: Price; readonly gbProcessed: Price };
  readonly kms: {
    readonly keyMonth: Price;
    readonly per10kRequests: Price;
    /** Each of the first two automatic rotations adds this much per key-month (May 2024 pricing). */
    readonly rotationAddsPerKeyMonth: Price;
    readonly chargedRotations: number;
  };
  readonly secretsManager: { readonly secretMonth: Price; readonly per10kCalls: Price };
  readonly waf: {
    readonly webAclMonth: Price;
    readonly ruleMonth: Price;
    readonly perMillionRequests: Price;
  };
  readonly logs: {
    readonly ingestGb: Price;
    readonly storageGbMonth: Price;
    readonly dataProtectionScannedGb: Price;
  };
  readonly cloudwatchAlarm: { readonly standardMonth: Price; readonly highResolutionMonth: Price };
  readonly cloudwatchCustomMetricMonth: Price;
  readonly cloudwatchDashboardMonth: Price;
  readonly cloudtrail: {
    readonly additionalManagementCopyPer100k: Price;
    readonly dataEventsPer100k: Price;
  };
  readonly s3StandardGbMonth: Price;
  readonly backup: {
    readonly ebsGbMonth: Price;
    readonly efsGbMonth: Price;
    readonly rdsGbMonth: Price;
    readonly auroraGbMonth: Price;
  };
  readonly route53: { readonly hostedZoneMonth: Price; readonly perMillionQueries: Price };
  readonly dnsFirewall: { readonly domainMonth: Price; readonly perMillionQueries: Price };
  readonly budgets: { readonly budgetDay: Price };
}

/** us-east-1's list prices: the table every other region is written against. */
export const PRICES: PriceTable = {
  region: "us-east-1",
  currency: "USD",
  asOf: "2026-11-23",
  basis:
    "AWS list prices, us-east-1, on-demand, as published on the AWS pricing pages (2025 figures), transcribed 2026-11-23 and not re-checked against the live pricing pages",
  hoursPerMonth: 730,
  ec2: {
    hourly: {
      "t4g.micro": 0.0084,
      "t4g.small": 0.0168,
      "t4g.medium": 0.0336,
      "t4g.large": 0.0672,
      "t4g.xlarge": 0.1344,
      "t3.micro": 0.0104,
      "t3.small": 0.0208,
      "t3.medium": 0.0416,
      "t3.large": 0.0832,
    },
    source: "ec2",
    supplemental: false,
  },
  ec2UnlimitedSurplusVcpuHour: p(
    0.04,
    "vCPU-hour of surplus CPU credits (T instances in unlimited mode, Linux)",
    "ec2Burstable",
    true,
  ),
  ebs: {
    gp3GbMonth: p(0.08, "GB-month (gp3; 3,000 IOPS and 125 MB/s included)", "ebs"),
    gp3IncludedIops: 3000,
    gp3IncludedThroughputMBps: 125,
    snapshotGbMonth: p(0.05, "GB-month of snapshot data (standard tier)", "ebs"),
  },
  publicIpv4Hour: p(0.005, "hour per public IPv4 address, in use or idle", "vpc"),
  rdsMysql: {
    hourly: {
      "db.t4g.micro": 0.016,
      "db.t4g.small": 0.032,
      "db.t4g.medium": 0.065,
      "db.t4g.large": 0.129,
    },
    source: "rdsMysql",
    supplemental: false,
    multiAzFactor: 2,
    gp3GbMonth: p(0.115, "GB-month (gp3, Single-AZ)", "rdsMysql"),
    gp3MultiAzGbMonth: p(0.23, "GB-month (gp3, Multi-AZ)", "rdsMysql"),
    gp3IncludedIops: 3000,
    backupBeyondFreeGbMonth: p(
      0.095,
      "GB-month of backup storage beyond 100% of DB size",
      "rdsMysql",
    ),
    performanceInsightsFreeRetentionDays: 7,
  },
  aurora: {
    acuHour: p(0.12, "ACU-hour (Aurora Serverless v2, Aurora Standard)", "aurora"),
    storageGbMonth: p(0.1, "GB-month of cluster storage (Aurora Standard)", "aurora"),
    ioPerMillion: p(0.2, "million I/O requests (Aurora Standard)", "aurora"),
  },
  elasticacheServerless: {
    valkey: {
      gbHour: p(0.084, "GB-hour of data stored (Valkey, 100 MB minimum)", "elasticache"),
      minGb: 0.1,
      ecpuPerMillion: p(0.0023, "million ECPUs (Valkey)", "elasticache"),
    },
    redis: {
      gbHour: p(0.125, "GB-hour of data stored (Redis OSS, 1 GB minimum)", "elasticache"),
      minGb: 1,
      ecpuPerMillion: p(0.0034, "million ECPUs (Redis OSS)", "elasticache"),
    },
  },
  efsStandardGbMonth: p(0.3, "GB-month (EFS Standard)", "efs"),
  efsElastic: {
    readGb: p(0.03, "GB read (Elastic throughput)", "efs", true),
    writeGb: p(0.06, "GB written (Elastic throughput)", "efs", true),
  },
  fargate: {
    x86: {
      vcpuHour: p(0.04048, "vCPU-hour (Linux/x86)", "fargate"),
      gbHour: p(0.004445, "GB-hour of memory (Linux/x86)", "fargate"),
    },
    arm: {
      vcpuHour: p(0.03238, "vCPU-hour (Linux/ARM, Graviton)", "fargate"),
      gbHour: p(0.00356, "GB-hour of memory (Linux/ARM, Graviton)", "fargate"),
    },
    includedEphemeralGb: 20,
  },
  alb: {
    hour: p(0.0225, "Application Load Balancer-hour", "elb"),
    lcuHour: p(0.008, "LCU-hour", "elb"),
    baselineLcu: 1,
  },
  nat: {
    hour: p(0.045, "NAT gateway-hour", "vpc"),
    gbProcessed: p(0.045, "GB processed by a NAT gateway", "vpc"),
  },
  interfaceEndpoint: {
    azHour: p(0.01, "interface endpoint-hour per AZ", "privatelink"),
    gbProcessed: p(0.01, "GB processed by an interface endpoint", "privatelink"),
  },
  kms: {
    keyMonth: p(1.0, "customer-managed key-month", "kms"),
    per10kRequests: p(0.03, "10,000 requests (20,000 a month free)", "kms"),
    rotationAddsPerKeyMonth: p(
      1.0,
      "key-month per rotation, first two rotations only",
      "kms",
      true,
    ),
    chargedRotations: 2,
  },
  secretsManager: {
    secretMonth: p(0.4, "secret-month", "secretsManager"),
    per10kCalls: p(0.05, "10,000 API calls", "secretsManager"),
  },
  waf: {
    webAclMonth: p(5.0, "web ACL-month", "waf"),
    ruleMonth: p(1.0, "rule or rule group-month", "waf"),
    perMillionRequests: p(0.6, "million requests inspected", "waf"),
  },
  logs: {
    ingestGb: p(0.5, "GB ingested (Standard log class)", "cloudwatch"),
    storageGbMonth: p(0.03, "GB-month stored (compressed)", "cloudwatch"),
    dataProtectionScannedGb: p(0.12, "GB scanned by a data protection policy", "cloudwatch"),
  },
  cloudwatchAlarm: {
    standardMonth: p(0.1, "standard-resolution alarm metric-month", "cloudwatch", true),
    highResolutionMonth: p(0.3, "high-resolution alarm metric-month", "cloudwatch", true),
  },
  cloudwatchCustomMetricMonth: p(
    0.3,
    "custom metric-month (first 10,000 metrics; prorated by the hours it is published)",
    "cloudwatch",
    true,
  ),
  cloudwatchDashboardMonth: p(
    3.0,
    "dashboard-month (an account's first three, up to 50 metrics each, are free)",
    "cloudwatch",
    true,
  ),
  cloudtrail: {
    additionalManagementCopyPer100k: p(
      2.0,
      "100,000 management events delivered by a trail that is not the account's first copy",
      "cloudtrail",
    ),
    dataEventsPer100k: p(0.1, "100,000 data events delivered", "cloudtrail"),
  },
  s3StandardGbMonth: p(0.023, "GB-month (S3 Standard, first 50 TB)", "s3"),
  backup: {
    ebsGbMonth: p(0.05, "GB-month of EBS backup (warm)", "backup"),
    efsGbMonth: p(0.05, "GB-month of EFS backup (warm)", "backup"),
    rdsGbMonth: p(0.095, "GB-month of RDS snapshot backup", "backup"),
    auroraGbMonth: p(0.021, "GB-month of Aurora backup", "backup"),
  },
  budgets: {
    budgetDay: p(0.02, "budget-day (the account's first two budgets are free)", "budgets", true),
  },
  dnsFirewall: {
    domainMonth: p(
      0.0005,
      "domain-month in a domain list of your own (AWS managed lists are free)",
      "route53",
      true,
    ),
    perMillionQueries: p(0.6, "million DNS queries inspected", "route53", true),
  },
  route53: {
    hostedZoneMonth: p(0.5, "hosted zone-month", "route53"),
    perMillionQueries: p(
      0.4,
      "million standard queries (alias queries to AWS resources are free)",
      "route53",
      true,
    ),
  },
};

// ---------------------------------------------------------------------------------------------
// Other regions: us-east-1's table with the items each region charges differently

/** When the regional figures below were written into this file. */
const REGIONAL_AS_OF = "2026-12-01";

/** Whether a copy of the AWS page available here confirmed a regional figure. */
const CONFIRMED = true;
const NOT_CONFIRMED = false;

/** `base`'s item at another region's figure; marked supplemental unless a copy confirmed it. */
function at(base: Price, usd: number, confirmed: boolean): Price {
  return { ...base, usd, supplemental: base.supplemental || !confirmed };
}

/** The one sentence each comparison quotes, for a region's table. */
function regionalBasis(region: PricedRegion, how: string): string {
  return `AWS list prices, ${region}, on-demand: ${how}; transcribed ${REGIONAL_AS_OF} (us-east-1 figures ${PRICES.asOf}) and not re-checked against the live pricing pages`;
}

/**
 * A region that charges us-east-1's list price for every item of this table. Confirmed for
 * us-east-2 and us-west-2 for Fargate (a third-party copy of the Fargate pricing page,
 * theuves/fgcalc src/utils/data.js) and interface endpoints (AWS's own price list file for Amazon
 * VPC, 2018-03-26, in alexjguy/AWS-costs-markdown); the rest as the maintainers know the pages.
 */
function sameAsUsEast1(region: PricedRegion): PriceTable {
  return {
    ...PRICES,
    region,
    asOf: REGIONAL_AS_OF,
    basis: regionalBasis(region, "the same list prices as us-east-1 for every item priced here"),
  };
}

/**
 * us-west-1 (US West, N. California) charges more than us-east-1 for compute, storage and
 * networking. Confirmed: Fargate Linux/x86 (theuves/fgcalc, as above) and the interface endpoint
 * hour (the 2018 Amazon VPC price list file, as above; $0.01/GB as in us-east-1). Every other
 * figure here is the maintainers' and marked supplemental: the instance lists, EBS, RDS, Aurora,
 * ElastiCache, EFS, Fargate ARM (80% of x86, the ratio us-east-1 has), the ALB hour, NAT, S3 and
 * AWS Backup. Not listed, so at us-east-1's price: public IPv4 addresses, ALB LCUs, KMS, Secrets
 * Manager, WAF, CloudWatch, CloudTrail, Route 53, Budgets, RDS and Aurora backup storage, and
 * T-instance surplus credits.
 */
function usWest1(t: PriceTable): PriceTable {
  const cache = t.elasticacheServerless;
  return {
    ...t,
    region: "us-west-1",
    asOf: REGIONAL_AS_OF,
    basis: regionalBasis(
      "us-west-1",
      "us-east-1's table with the N. California figures where they differ (most not confirmed from this machine)",
    ),
    ec2: {
      hourly: {
        "t4g.micro": 0.01,
        "t4g.small": 0.02,
        "t4g.medium": 0.04,
        "t4g.large": 0.08,
        "t4g.xlarge": 0.16,
        "t3.micro": 0.0124,
        "t3.small": 0.0248,
        "t3.medium": 0.0496,
        "t3.large": 0.0992,
      },
      source: t.ec2.source,
      supplemental: true,
    },
    ebs: {
      ...t.ebs,
      gp3GbMonth: at(t.ebs.gp3GbMonth, 0.096, NOT_CONFIRMED),
      snapshotGbMonth: at(t.ebs.snapshotGbMonth, 0.055, NOT_CONFIRMED),
    },
    rdsMysql: {
      ...t.rdsMysql,
      hourly: {
        "db.t4g.micro": 0.019,
        "db.t4g.small": 0.037,
        "db.t4g.medium": 0.075,
        "db.t4g.large": 0.15,
      },
      supplemental: true,
      gp3GbMonth: at(t.rdsMysql.gp3GbMonth, 0.138, NOT_CONFIRMED),
      gp3MultiAzGbMonth: at(t.rdsMysql.gp3MultiAzGbMonth, 0.276, NOT_CONFIRMED),
    },
    aurora: {
      acuHour: at(t.aurora.acuHour, 0.14, NOT_CONFIRMED),
      storageGbMonth: at(t.aurora.storageGbMonth, 0.11, NOT_CONFIRMED),
      ioPerMillion: at(t.aurora.ioPerMillion, 0.22, NOT_CONFIRMED),
    },
    elasticacheServerless: {
      valkey: {
        ...cache.valkey,
        gbHour: at(cache.valkey.gbHour, 0.094, NOT_CONFIRMED),
        ecpuPerMillion: at(cache.valkey.ecpuPerMillion, 0.0026, NOT_CONFIRMED),
      },
      redis: {
        ...cache.redis,
        gbHour: at(cache.redis.gbHour, 0.14, NOT_CONFIRMED),
        ecpuPerMillion: at(cache.redis.ecpuPerMillion, 0.0038, NOT_CONFIRMED),
      },
    },
    efsStandardGbMonth: at(t.efsStandardGbMonth, 0.33, NOT_CONFIRMED),
    efsElastic: {
      readGb: at(t.efsElastic.readGb, 0.033, NOT_CONFIRMED),
      writeGb: at(t.efsElastic.writeGb, 0.066, NOT_CONFIRMED),
    },
    fargate: {
      ...t.fargate,
      x86: {
        vcpuHour: at(t.fargate.x86.vcpuHour, 0.04656, CONFIRMED),
        gbHour: at(t.fargate.x86.gbHour, 0.00511, CONFIRMED),
      },
      arm: {
        vcpuHour: at(t.fargate.arm.vcpuHour, 0.03725, NOT_CONFIRMED),
        gbHour: at(t.fargate.arm.gbHour, 0.00409, NOT_CONFIRMED),
      },
    },
    alb: { ...t.alb, hour: at(t.alb.hour, 0.0252, NOT_CONFIRMED) },
    nat: {
      hour: at(t.nat.hour, 0.048, NOT_CONFIRMED),
      gbProcessed: at(t.nat.gbProcessed, 0.048, NOT_CONFIRMED),
    },
    interfaceEndpoint: {
      ...t.interfaceEndpoint,
      azHour: at(t.interfaceEndpoint.azHour, 0.011, CONFIRMED),
    },
    s3StandardGbMonth: at(t.s3StandardGbMonth, 0.026, NOT_CONFIRMED),
    backup: {
      ...t.backup,
      ebsGbMonth: at(t.backup.ebsGbMonth, 0.055, NOT_CONFIRMED),
      efsGbMonth: at(t.backup.efsGbMonth, 0.055, NOT_CONFIRMED),
    },
  };
}

/** Every priced region's table. */
export const REGIONAL_PRICES: Readonly<Record<PricedRegion, PriceTable>> = {
  "us-east-1": PRICES,
  "us-east-2": sameAsUsEast1("us-east-2"),
  "us-west-1": usWest1(PRICES),
  "us-west-2": sameAsUsEast1("us-west-2"),
};

export function isPricedRegion(region: string): region is PricedRegion {
  return (PRICED_REGIONS as readonly string[]).includes(region);
}

/**
 * The table for `region`; us-east-1's when the table has no such region, which the caller must
 * say (the estimate records the region it priced at).
 */
export function pricesFor(region: string): PriceTable {
  return isPricedRegion(region) ? REGIONAL_PRICES[region] : PRICES;
}

/** The hourly price of `key` in a per-type list, or undefined when the list has no such entry. */
export function hourlyPrice(list: HourlyList, key: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(list.hourly, key) ? list.hourly[key] : undefined;
}

/** "$0.0168", "$1.00", "$0.115": a unit price with every significant digit, at least cents. */
export function usd(amount: number): string {
  const fixed = amount.toFixed(6).replace(/0+$/, "");
  const [whole, frac = ""] = fixed.split(".");
  return `$${whole}.${frac.padEnd(2, "0")}`;
}

/** "$0.08 per GB-month": a price as a unit-price string for usage entries. */
export function unitPrice(price: Price): string {
  return `${usd(price.usd)} per ${price.per}`;
}

/** Rounds to cents, half up, immune to binary noise such as 1.005 * 100 = 100.49999. */
export function roundCents(amount: number): number {
  return Math.round(Number((amount * 100).toPrecision(12))) / 100;
}

// money() formats the amounts of a plan's cost block; it lives with the plan model.
export { money } from "../plan/blocks";
