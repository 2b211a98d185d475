// The settings every preset shares, declared once: each key's type, default and description. The
// config types, the keys documented in Pulumi.yaml and the README's configuration table all come
// from here (`npm run config-docs -- --write`; a test fails when they are stale).
import { z } from "zod";
import {
  MAINTENANCE_WINDOW_HOURS,
  maintenanceWindowProblem,
} from "../components/maintenance/schedule";
import { domainProblem } from "../components/naming/domain-names";
import { restoreFromProblem, restoreKmsKeyArnProblem } from "../components/backup/restore-from";

/** The namespace the program reads its settings from: `openemr:<key>`. */
export const NAMESPACE = "openemr";

/**
 * The project's name (Pulumi.yaml), which is also the namespace `pulumi config set <key>` writes a
 * key without one to: `openemr-aws:<key>`, which the program does not read.
 */
export const PROJECT = "openemr-aws";

export const PRESETS = ["express", "express-plus", "standard", "fargate"] as const;
export type PresetName = (typeof PRESETS)[number];

/** The retention values CloudWatch Logs accepts (PutRetentionPolicy). */
export const CLOUDWATCH_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/**
 * The OpenEMR image the tiers run unless a stack pins another: the production build. In
 * openemr-devops' build workflows (.github/workflows/, commit 06d32a5) `build-800.yml` is
 * "Production 8.0.0 Docker Build" (tags 8.0.0, 8.0.0.3, latest) while 8.1.0 and 8.1.1 are
 * "Development ... Nightly Build"s rebuilt every night from a moving branch. Production tags are
 * re-pushed for patch releases, so production stacks should also pin openemrImageDigest.
 */
export const OPENEMR_PRODUCTION_VERSION = "8.0.0";

/**
 * Early Sunday for US clinics (04:00 EDT, 01:00 PDT), after the nightly jobs: RDS backups
 * 03:00-04:00, AWS Backup and the host's own backup 05:00, DLM snapshots and RDS maintenance
 * 06:00-07:00 (UTC).
 */
export const DEFAULT_MAINTENANCE_WINDOW = "cron(0 8 ? * SUN *)";
/** A week: long enough for a broken update to be withdrawn, short for a security fix. */
export const DEFAULT_PATCH_APPROVAL_DELAY_DAYS = 7;

export const commonSettingsSchema = z.strictObject({
  preset: z
    .enum(PRESETS)
    .describe("Tier to deploy: express | express-plus | standard | fargate (required)."),
  allowedCidrs: z
    .array(z.string())
    .max(60, { message: "at most 60 CIDR blocks" })
    .default([])
    .describe(
      "IPv4/IPv6 CIDR blocks allowed to reach OpenEMR over HTTPS: the clinic's public addresses, or its network behind a VPN into the VPC (no duplicates); empty means nobody.",
    ),
  allowWorldIngress: z
    .boolean()
    .default(false)
    .describe(
      "Explicit opt-in for 0.0.0.0/0, ::/0 or blocks broader than /8 (IPv4) or /16 (IPv6) in allowedCidrs; refused when no block needs it.",
    ),
  architecture: z
    .enum(["arm64", "x86_64"])
    .default("arm64")
    .describe("CPU architecture: arm64 (Graviton) or x86_64; instance types must match."),
  vpcCidr: z.string().default("10.20.0.0/16").describe("IPv4 block for the VPC, /16 to /22."),
  domain: z
    .string()
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
      message: "must be a lower-case DNS name such as emr.example.org",
    })
    .optional()
    .describe(
      "DNS name OpenEMR is served at; with hostedZoneId the stack creates its record and a certificate.",
    ),
  hostedZoneId: z
    .string()
    .regex(/^Z[A-Z0-9]{4,32}$/, {
      message: "must be a Route 53 hosted zone id such as Z0123456789ABC",
    })
    .optional()
    .describe("Route 53 public hosted zone of domain (DNS record and certificate validation)."),
  certificateArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, {
      message: "must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<uuid>)",
    })
    .optional()
    .describe(
      "ACM certificate for the load balancer (standard, fargate), in the stack's region; alternative to domain + hostedZoneId.",
    ),
  acmeEmail: z
    .email({ message: "must be an e-mail address" })
    .optional()
    .describe(
      "Contact e-mail for Let's Encrypt (express tiers with domain and hostedZoneId; refused otherwise).",
    ),
  alarmEmail: z
    .email({ message: "must be an e-mail address" })
    .optional()
    .describe("E-mail address that receives alarm notifications."),
  // AWS Budgets Spend.Amount: a decimal string; whole cents here (Budgets API Reference, Spend)
  monthlyBudgetUsd: z
    .number({ error: "must be a USD amount such as 75 or 120.50" })
    .positive({ message: "must be above 0" })
    .max(100_000, { message: "must be at most 100000" })
    .multipleOf(0.01, { message: "must be in whole cents" })
    .optional()
    .describe(
      "AWS Budgets monthly cost budget (USD) with alerts at 80% forecast and 100% actual to the alarm topic and e-mail; default per preset: express 30, express-plus 35, standard 75, fargate 300.",
    ),
  egressMode: z
    .enum(["alert", "block"])
    .default("alert")
    .describe(
      "DNS Firewall on the stack's VPC: alert logs lookups outside the allow list, block answers them NXDOMAIN; AWS's threat lists are blocked in both (where their ids are known: us-east-1).",
    ),
  egressAllowedDomains: z
    .array(
      z.string().superRefine((domain, ctx) => {
        const problem = domainProblem(domain);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    )
    .max(900, { message: "must list at most 900 domains (a DNS Firewall list holds 1,000)" })
    .default([])
    .describe(
      "Domains the stack's hosts may look up besides AWS, Docker Hub and Let's Encrypt (e-prescribing, labs, fax), e.g. *.example-erx.com.",
    ),
  // IAM policy ARNs: arn:<partition>:iam::<12 digits>:policy/<path><name>, a name of 1-128 of
  // [\w+=,.@-] (IAM API Reference, CreatePolicy PolicyName, and PermissionsBoundary: an ARN)
  iamPermissionsBoundary: z
    .string()
    .regex(/^arn:aws(-[a-z]+)*:iam::\d{12}:policy\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/, {
      message:
        "must be an IAM policy ARN such as arn:aws:iam::123456789012:policy/openemr-workload-boundary",
    })
    .optional()
    .describe(
      "Permissions boundary put on every IAM role the stack creates (the CI deploy roles of docs/ci.md create roles only with it).",
    ),
  logRetentionDays: z
    .number()
    .refine((v) => (CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(v), {
      message: `must be a value CloudWatch Logs accepts: ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`,
    })
    .default(2192)
    .describe(
      "CloudWatch Logs retention in days (a value CloudWatch accepts); six years by default.",
    ),
  protectData: z
    .boolean()
    .default(true)
    .describe(
      "Deletion protection and Pulumi protect on databases, volumes, buckets, keys and vaults; false only for throwaway stacks.",
    ),
  openemrVersion: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, {
      message: `must be a released OpenEMR image version such as ${OPENEMR_PRODUCTION_VERSION} (moving tags like latest are refused)`,
    })
    .default(OPENEMR_PRODUCTION_VERSION)
    .describe(
      "openemr/openemr release: 8.0.0 is the production build, 8.1.x are nightly development builds; moving tags such as latest are refused.",
    ),
  openemrImageDigest: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/, { message: "must be an image digest sha256:<64 hex>" })
    .optional()
    .describe("sha256 digest pinning the image (tag@digest); recommended in production."),
  // no default in the schema: plain express creates no trail and refuses the key (config.ts
  // resolves "create" for the other presets), and Pulumi.yaml's template must not write one
  auditTrail: z
    .enum(["create", "existing"])
    .optional()
    .describe(
      "express-plus, standard, fargate (default create) — create: a CloudTrail trail for this stack; existing: the account already has an organization trail. Plain express creates no trail and refuses the key.",
    ),
  maintenanceWindow: z
    .string()
    .superRefine((expression, ctx) => {
      const problem = maintenanceWindowProblem(expression);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .default(DEFAULT_MAINTENANCE_WINDOW)
    .describe(
      `EC2 tiers: when Patch Manager installs the approved operating-system updates and reboots if needed, a Systems Manager maintenance-window cron expression in UTC (six fields); the window lasts ${MAINTENANCE_WINDOW_HOURS.duration} hours.`,
    ),
  // Patch Manager PatchRule ApproveAfterDays: 0 to 360 (SSM API Reference, PatchRule)
  patchApprovalDelayDays: z
    .number({ error: "must be a whole number of days" })
    .int({ message: "must be a whole number of days" })
    .min(0, { message: "must be at least 0 days" })
    .max(360, { message: "must be at most 360 days (Patch Manager's ApproveAfterDays)" })
    .default(DEFAULT_PATCH_APPROVAL_DELAY_DAYS)
    .describe(
      "EC2 tiers: days after its release before Patch Manager installs an Amazon Linux 2023 security or bug-fix update.",
    ),
  // a region of presets/aws.ts's AWS_REGIONS other than aws:region: config.ts checks both
  backupCopyRegion: z
    .string()
    .default("")
    .describe(
      "express-plus, standard, fargate: a second AWS region that keeps a copy of every backup (AWS Backup copies, or replication of the backup bucket), under a key created there; empty: no copy. Plain express refuses it.",
    ),
  restoreFrom: z
    .string()
    .superRefine((url, ctx) => {
      const problem = restoreFromProblem(url);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional()
    .describe(
      "s3://<bucket>/<prefix> of an OpenEMR backup set (docs/backup-format.md) the new stack starts from instead of running the installer: the first boot (EC2 tiers) or the first task (fargate) imports the newest set under the prefix (docs/migrate.md).",
    ),
  restoreKmsKeyArn: z
    .string()
    .superRefine((arn, ctx) => {
      const problem = restoreKmsKeyArnProblem(arn);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional()
    .describe(
      "With restoreFrom: the KMS key ARN (not an alias) the set is encrypted with when it is another stack's key; the importer may decrypt with it through S3 only.",
    ),
});

export type CommonSettings = z.output<typeof commonSettingsSchema>;

/**
 * The monthly budget when openemr:monthlyBudgetUsd is not set: about 1.6× the preset's estimate at
 * its defaults (express $20, express-plus $23, standard single-AZ $50, fargate $195), so usage
 * and tax pass and a doubled bill does not. A stack far from its preset's defaults sets its own.
 */
export const DEFAULT_MONTHLY_BUDGET_USD: Record<PresetName, number> = {
  express: 30,
  "express-plus": 35,
  standard: 75,
  fargate: 300,
};
export type CommonSettingKey = keyof CommonSettings;

interface ZodDef {
  type: string;
  innerType?: { _zod: { def: ZodDef } };
  defaultValue?: unknown;
}

function unwrap(schema: z.ZodType): { type: string; default?: unknown } {
  let def = (schema as unknown as { _zod: { def: ZodDef } })._zod.def;
  let fallback: unknown;
  while (def.innerType) {
    if (def.type === "default") fallback = def.defaultValue;
    def = def.innerType._zod.def;
  }
  return { type: def.type, default: fallback };
}

export interface SettingDoc {
  key: string;
  description: string;
  /** undefined: no default (optional, or required for preset). */
  default: unknown;
  /** Stack config carries it as a plain string (not JSON). */
  isString: boolean;
  required: boolean;
}

/** Every setting of an object schema with its description, default and kind, in order. */
export function settingDocs(schema: z.ZodObject): SettingDoc[] {
  return Object.entries(schema.shape).map(([key, schema]) => {
    const inner = unwrap(schema as z.ZodType);
    return {
      key,
      description: (schema as z.ZodType).description ?? "",
      default: inner.default,
      isString: inner.type === "string" || inner.type === "enum",
      required: !(schema as z.ZodType).safeParse(undefined).success,
    };
  });
}

/** The common settings, documented. */
export function commonSettingDocs(): SettingDoc[] {
  return settingDocs(commonSettingsSchema);
}
