// Zod building blocks shared by the preset settings schemas. Messages name what is allowed.
import { z } from "zod";

export const int = (min: number, max: number, unit: string) =>
  z
    .number({ error: `must be a whole number of ${unit}` })
    .int({ message: `must be a whole number of ${unit}` })
    .min(min, { message: `must be at least ${min} ${unit}` })
    .max(max, { message: `must be at most ${max} ${unit}` });

export const ec2InstanceType = z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, {
  message: "must be an EC2 instance type such as t4g.small or t3.small",
});

export const dbInstanceClass = z.string().regex(/^db\.[a-z0-9-]+\.[a-z0-9]+$/, {
  message: "must be an RDS instance class such as db.t4g.small",
});

/** AWS Backup retention tiers shared by the tiers that use AWS Backup. */
export const backupRetentionFields = {
  dailyBackupRetentionDays: int(7, 35, "days")
    .default(35)
    .describe("AWS Backup: days a daily recovery point is kept."),
  weeklyBackupRetentionDays: int(7, 365, "days")
    .default(90)
    .describe("AWS Backup: days a weekly recovery point is kept."),
  // seven years: the reference deployment's long-term tier
  monthlyBackupRetentionDays: int(30, 3650, "days")
    .default(2555)
    .describe("AWS Backup: days a monthly recovery point is kept (seven years)."),
};

/** The web firewall in front of a load balancer (standard with one, fargate). */
export const firewallFields = {
  // clinics often share one public IP; keep the per-IP limit generous. AWS WAF allows 10 to
  // 2,000,000,000 per evaluation window (RateBasedStatement.Limit).
  wafRateLimit: int(100, 2_000_000_000, "requests per 5 minutes")
    .default(3000)
    .describe("WAF requests per IP per 5 minutes (standard: with a load balancer only)."),
  wafMode: z
    .enum(["block", "count"])
    .default("block")
    .describe("WAF rules block, or only count (standard: with a load balancer only)."),
};
