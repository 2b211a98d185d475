// Renders docs/compliance.md from the compliance plans (plans.ts), the rule list (hipaa-rules.ts),
// the policy pack's rule map and compliance/deviations.json. Pure: plans and deviations in, Markdown
// out, in the shape prettier gives it (tests/compliance/docs.test.ts checks both).
import {
  RULES_SUPPORTED_BY,
  RULE_ENFORCED_BY,
  globsOf,
  type Deviation,
} from "../../policy/policies/deviations";
import { table } from "../monitoring-docs/render";
import { T } from "../plan/tokens";
import type { PlanFile, PlanResource } from "../plan/types";
import { deviationFor } from "./deviations";
import { evaluatePlan, type Finding } from "./evaluate";
import { HIPAA_RULES, type HipaaRule } from "./hipaa-rules";
import { PRESETS, type CompliancePlan, type Preset } from "./plans";

/** The command that rewrites docs/compliance.md. */
export const REGENERATE = "npm run compliance-docs -- --write";

/** Markdown cell text: `|` would end the cell, `<` open an HTML tag. */
function cell(text: string): string {
  return text.replace(/([|<])/g, "\\$1");
}

function code(text: string): string {
  return `\`${text}\``;
}

// ------------------------------------------------------------------------------------------------
// The rules' status per preset

/** One rule on one preset: what its plans evaluated and which findings a deviation accepts. */
interface RuleStatus {
  evaluated: number;
  findings: { finding: Finding; deviation: Deviation | undefined }[];
}

function statusText(s: RuleStatus): string {
  if (s.evaluated === 0) return "–";
  const unmet = s.findings.filter((f) => f.deviation === undefined).length;
  if (unmet > 0) return `**NOT MET** (${unmet} of ${s.evaluated})`;
  if (s.findings.length === 0) return `met (${s.evaluated})`;
  const met = s.evaluated - s.findings.length;
  return met > 0
    ? `met ${met}, deviation ${s.findings.length}`
    : `deviation (${s.findings.length} of ${s.evaluated})`;
}

/** Every resource rule's status on every preset (a preset's plans are counted together). */
export function ruleStatuses(
  plans: readonly CompliancePlan[],
  deviations: readonly Deviation[],
): Map<string, Map<Preset, RuleStatus>> {
  const out = new Map<string, Map<Preset, RuleStatus>>();
  for (const p of plans) {
    for (const e of evaluatePlan(p.plan)) {
      const byPreset = out.get(e.rule.id) ?? new Map<Preset, RuleStatus>();
      const status = byPreset.get(p.preset) ?? { evaluated: 0, findings: [] };
      status.evaluated += e.evaluated.length;
      for (const finding of e.findings) {
        status.findings.push({ finding, deviation: deviationFor(finding, p.preset, deviations) });
      }
      byPreset.set(p.preset, status);
      out.set(e.rule.id, byPreset);
    }
  }
  return out;
}

/** The pack policies that enforce the rule, and those that check it in part (marked "part"). */
export function policiesFor(rule: string): string[] {
  const enforcing = Object.entries(RULE_ENFORCED_BY)
    .filter(([, r]) => r === rule)
    .map(([p]) => code(p));
  const supporting = Object.entries(RULES_SUPPORTED_BY)
    .filter(([, rules]) => rules.includes(rule))
    .map(([p]) => `${code(p)} (part)`);
  return [...enforcing, ...supporting];
}

// ------------------------------------------------------------------------------------------------
// Safeguards: facts read from each preset's plans

function has(plan: PlanFile, ...types: string[]): boolean {
  return plan.resources.some((r) => types.includes(r.type));
}

function ofType(plan: PlanFile, type: string): PlanResource[] {
  return plan.resources.filter((r) => r.type === type);
}

/** A fact of a preset: its plans' resources say it or not. */
type Fact = (plan: PlanFile) => string | undefined;

const when =
  (text: string, test: (plan: PlanFile) => boolean): Fact =>
  (plan) =>
    test(plan) ? text : undefined;

const minRetention = (plan: PlanFile): number | undefined => {
  const days = ofType(plan, T.logGroup)
    .map((g) => g.props["retentionInDays"])
    .filter((d): d is number => typeof d === "number");
  return days.length > 0 ? Math.min(...days) : undefined;
};

/** The buckets whose name ends with `suffix` that have S3 Object Lock. */
const lockedBucket = (plan: PlanFile, suffix: string): boolean =>
  ofType(plan, T.bucket).some(
    (b) =>
      b.name.endsWith(suffix) &&
      (b.props["objectLockEnabled"] === true ||
        ofType(plan, T.bucketObjectLock).some((l) =>
          (l.propertyDependencies["bucket"] ?? []).includes(b.urn),
        )),
  );

/** Express Plus's backup bucket (openemr-<stack>-backups) with Object Lock: the nightly dumps. */
const lockedBackups = (plan: PlanFile): boolean => lockedBucket(plan, "-backups");

const lbTls = (plan: PlanFile): string | undefined => {
  const policy = ofType(plan, T.lbListener)
    .map((l) => l.props["sslPolicy"])
    .find((p): p is string => typeof p === "string");
  return policy;
};

interface Safeguard {
  section: string;
  title: string;
  /** The pack's policies whose checks implement the safeguard (a test checks each is a policy). */
  policies: string[];
  facts: Fact[];
}

const SAFEGUARDS: readonly Safeguard[] = [
  {
    section: "164.312(a)(1)",
    title: "Access control",
    policies: [
      "alb-waf-enabled",
      "ec2-imdsv2-required",
      "ec2-instance-no-public-ip",
      "iam-no-inline-policy-check",
      "rds-not-publicly-accessible",
      "s3-bucket-public-access-block",
      "security-group-ingress",
      "subnet-auto-assign-public-ip-disabled",
      "vpc-default-security-group-closed",
    ],
    facts: [
      when("HTTPS load balancer with AWS WAF, open to `openemr:allowedCidrs`", (p) =>
        has(p, T.webAclAssociation),
      ),
      when(
        "the instance's HTTPS port open to `openemr:allowedCidrs` only",
        (p) => !has(p, T.lbLoadBalancer),
      ),
      when("database in isolated subnets, reachable from the application's group only", (p) =>
        has(p, T.rdsInstance, T.rdsCluster),
      ),
      when("admin shells only through Session Manager (no SSH port)", (p) => has(p, T.ssmDocument)),
      when("IMDSv2 with a hop limit of 1", (p) =>
        ofType(p, T.ec2Instance).some((i) =>
          JSON.stringify(i.props).includes('"httpTokens":"required"'),
        ),
      ),
      when("roles scoped to the stack's resources", (p) => has(p, T.iamRolePolicy)),
    ],
  },
  {
    section: "164.312(a)(2)(iv)",
    title: "Encryption at rest (addressable)",
    policies: [
      "backup-copies-encrypted",
      "backup-vault-encrypted",
      "cloudtrail-encrypted",
      "cloudwatch-log-group-customer-managed-key",
      "data-store-customer-managed-key",
      "ebs-volume-encrypted",
      "ec2-instance-volumes-encrypted",
      "efs-encrypted",
      "elasticache-encrypted-at-rest",
      "kms-key-rotation",
      "launch-template-volumes-encrypted",
      "rds-storage-encrypted",
      "s3-bucket-encryption",
      "secretsmanager-secret-customer-managed-key",
      "sns-topic-customer-managed-key",
    ],
    facts: [
      (p) =>
        has(p, T.kmsKey)
          ? `customer-managed KMS key${ofType(p, T.kmsKey).length > 1 ? "s" : ""} with rotation`
          : "AWS-managed keys (no customer-managed key)",
      when(
        "encrypted EBS volumes",
        (p) =>
          has(p, T.ec2Instance, T.ebsVolume) &&
          ofType(p, T.ebsVolume).every((v) => v.props["encrypted"] === true) &&
          ofType(p, T.ec2Instance).every((i) =>
            JSON.stringify(i.props["rootBlockDevice"] ?? {}).includes('"encrypted":true'),
          ),
      ),
      when("encrypted RDS storage", (p) => has(p, T.rdsInstance, T.rdsCluster)),
      when("encrypted EFS", (p) => has(p, T.efsFileSystem)),
      when("S3 with SSE-KMS (SSE-S3 for load balancer logs)", (p) => has(p, T.bucket)),
    ],
  },
  {
    section: "164.312(b)",
    title: "Audit controls",
    policies: [
      "cloudtrail-configuration",
      "cloudwatch-log-group-retention",
      "ec2-instance-detailed-monitoring-enabled",
      "lb-access-logs",
      "rds-enhanced-monitoring-enabled",
      "rds-log-exports",
      "rds-log-groups-precreated",
      "s3-bucket-logging-enabled",
      "s3-log-bucket-retention",
      "vpc-flow-logs",
      "wafv2-web-acl-logging",
    ],
    facts: [
      when("CloudTrail: multi-region, log file validation, to CloudWatch Logs", (p) =>
        has(p, T.cloudtrail),
      ),
      when("no trail of its own: the account's trail", (p) => !has(p, T.cloudtrail)),
      when("VPC flow logs", (p) => has(p, T.flowLog)),
      when("DNS query logs", (p) => has(p, T.resolverQueryLogConfig)),
      when("database audit, error and slow-query logs", (p) =>
        [...ofType(p, T.rdsInstance), ...ofType(p, T.rdsCluster)].some((db) =>
          ["audit", "error", "slowquery"].every((log) =>
            JSON.stringify(db.props["enabledCloudwatchLogsExports"] ?? []).includes(`"${log}"`),
          ),
        ),
      ),
      when("load balancer access logs and WAF logs", (p) => has(p, T.webAclLogging)),
      (p) => {
        const days = minRetention(p);
        return days === undefined ? undefined : `log retention ${days} days`;
      },
    ],
  },
  {
    section: "164.312(c)(1)",
    title: "Integrity",
    policies: [
      "backup-recovery-point-manual-deletion-disabled",
      "cloudtrail-configuration",
      "s3-bucket-versioning",
    ],
    facts: [
      when("trail files validated by digests", (p) => has(p, T.cloudtrail)),
      when("daily EBS snapshots to roll back to", (p) => has(p, T.dlmLifecyclePolicy)),
      when("versioned buckets", (p) => has(p, T.bucketVersioning)),
      when("nightly backups under S3 Object Lock", lockedBackups),
      when("trail files under S3 Object Lock", (p) => lockedBucket(p, "-audit-logs")),
      when("backup vault with a deletion-denying policy", (p) => has(p, T.backupVaultPolicy)),
      when("Vault Lock (protected stacks)", (p) => has(p, T.backupVaultLock)),
    ],
  },
  {
    section: "164.312(d)",
    title: "Person or entity authentication",
    policies: [
      "ecs-task-no-plaintext-secrets",
      "secretsmanager-rotation-enabled",
      "secretsmanager-secret-customer-managed-key",
    ],
    facts: [
      when(
        "IAM roles only: no IAM users or access keys",
        (p) => !p.resources.some((r) => r.type.startsWith("aws:iam/user")),
      ),
      when("generated database and admin passwords in Parameter Store (SecureString)", (p) =>
        ofType(p, T.ssmParameter).some(
          (r) => r.name.endsWith("-password") && r.props["type"] === "SecureString",
        ),
      ),
      when("generated credentials in Secrets Manager", (p) => has(p, T.secret)),
      when("Valkey users with passwords (sessions)", (p) => has(p, T.elasticacheUser)),
    ],
  },
  {
    section: "164.312(e)(1)",
    title: "Transmission security",
    policies: [
      "ecs-efs-transit-encryption",
      "elasticache-transit-encryption",
      "lb-hardening",
      "lb-http-listener-rules-redirect",
      "lb-listener-tls",
      "rds-require-secure-transport",
      "s3-bucket-tls-only",
    ],
    facts: [
      (p) => {
        const policy = lbTls(p);
        if (policy !== undefined)
          return `HTTPS at the load balancer (${code(policy)}), HTTP redirected`;
        return has(p, T.ec2Instance)
          ? "HTTPS on the instance (Let's Encrypt or self-signed)"
          : undefined;
      },
      when("TLS to the targets", (p) =>
        ofType(p, T.lbTargetGroup).some((g) => g.props["protocol"] === "HTTPS"),
      ),
      when("TLS required by the database (`require_secure_transport`)", (p) =>
        [...ofType(p, T.rdsParameterGroup), ...ofType(p, T.rdsClusterParameterGroup)].some((g) =>
          JSON.stringify(g.props["parameters"] ?? []).includes('"require_secure_transport"'),
        ),
      ),
      when("EFS mounted with TLS", (p) => has(p, T.efsFileSystem)),
      when("Valkey with TLS", (p) => has(p, T.elasticacheServerless)),
      when("S3 denies requests without TLS", (p) => has(p, T.bucketPolicy)),
    ],
  },
  {
    section: "164.308(a)(1)(ii)(A), (B)",
    title: "Risk analysis and management (inputs)",
    policies: ["cloudwatch-alarm-actions", "stack-alarm-topic", "stack-budget"],
    facts: [
      () => "the plan's resource inventory and policy verdict (`npm run plan -- --json`)",
      () => "this document and the threat model (docs/security.md)",
      when("security-event alarms on the trail", (p) => has(p, T.logMetricFilter)),
      when("a monthly budget with alerts", (p) => has(p, T.budget)),
    ],
  },
  {
    section: "164.308(a)(7)",
    title: "Contingency plan: backups, disaster recovery, restore",
    policies: [
      "backup-plan-retention",
      "backup-recovery-point-manual-deletion-disabled",
      "ebs-in-backup-plan",
      "ec2-resources-protected-by-backup-plan",
      "rds-backup-retention",
      "rds-cluster-multi-az-enabled",
      "rds-deletion-protection",
      "rds-multi-az-support",
    ],
    facts: [
      when("daily EBS snapshots (Data Lifecycle Manager)", (p) => has(p, T.dlmLifecyclePolicy)),
      when("nightly database and document dumps to an Object-Locked bucket", lockedBackups),
      when("AWS Backup: daily, weekly and monthly recovery points", (p) => has(p, T.backupPlan)),
      when("RDS point-in-time restore", (p) => has(p, T.rdsInstance, T.rdsCluster)),
      when("Multi-AZ database", (p) =>
        ofType(p, T.rdsInstance).some((r) => r.props["multiAz"] === true),
      ),
      when("Aurora storage in three zones, tasks in two", (p) => has(p, T.rdsCluster)),
      when("backup-failed alarm", (p) =>
        ofType(p, T.metricAlarm).some((a) => a.name.endsWith("-backup-failed")),
      ),
      when("restore runbook and `npm run restore-drill`", (p) => has(p, T.dlmLifecyclePolicy)),
      when("restore runbooks (docs/standard.md, docs/fargate.md)", (p) => has(p, T.backupPlan)),
    ],
  },
];

function factsOf(safeguard: Safeguard, plans: readonly CompliancePlan[], preset: Preset): string {
  const mine = plans.filter((p) => p.preset === preset).map((p) => p.plan);
  const facts: string[] = [];
  for (const fact of safeguard.facts) {
    for (const plan of mine) {
      const text = fact(plan);
      if (text !== undefined && !facts.includes(text)) facts.push(text);
    }
  }
  return facts.length === 0 ? "–" : facts.map(cell).join("; ");
}

/** Every safeguard's policies (tests/compliance/docs.test.ts checks each is a pack policy). */
export const SAFEGUARD_POLICIES: readonly (readonly string[])[] = SAFEGUARDS.map((s) => s.policies);

function safeguardPolicies(safeguard: Safeguard): string {
  return [...safeguard.policies].sort().map(code).join(", ");
}

// ------------------------------------------------------------------------------------------------
// The document

const INTRO = [
  "# HIPAA Security: what the infrastructure does, rule by rule",
  "",
  `<!-- generated by tools/compliance/cli.ts from the plans and compliance/deviations.json; do not edit: ${REGENERATE} -->`,
  "",
  "AWS's reference for HIPAA customers is the AWS Config conformance pack _Operational Best",
  "Practices for HIPAA Security_, which cdk-nag ships as `HIPAA.Security`. This page maps the HIPAA",
  "Security Rule's technical safeguards (45 CFR 164.312) and the administrative ones the",
  "infrastructure supports (164.308) to what each preset's plans contain and to the policies of the",
  "pack (`policy/`) that enforce them; then it lists every rule of the conformance pack as met or as",
  "an accepted deviation on each preset, with the reason and the compensating control.",
  "",
  "The rule list is [tools/compliance/hipaa-rules.ts](../tools/compliance/hipaa-rules.ts) (its",
  "sources: the conformance pack's template in awslabs/aws-config-rules and cdk-nag's",
  "HIPAA.Security); [tools/compliance/evaluate.ts](../tools/compliance/evaluate.ts) evaluates each",
  "rule against the offline plans as an outside tool would; the accepted deviations are",
  "[compliance/deviations.json](../compliance/deviations.json), the one list of them: the policy pack",
  "exempts what an entry covers, and `npm run plan` prints the entries that apply to the stack under",
  "the policy verdict. Nothing on this page is written by hand except the text around the tables.",
];

const CANNOT = [
  "## What the infrastructure cannot do for a clinic",
  "",
  "A deployment that meets every rule below is not, by itself, HIPAA compliance. These are the",
  "clinic's:",
  "",
  "- **The Business Associate Addendum with AWS.** Accept the AWS BAA in AWS Artifact for the",
  "  account (or the organisation) before any patient data reaches it, and use only HIPAA-eligible",
  "  services (every service these presets use is). A BAA is also needed with every other vendor",
  "  that handles patient data: e-prescribing, labs, fax, e-mail, backups kept elsewhere.",
  "- **OpenEMR's own settings.** Users and their roles (least privilege), strong passwords, two-factor",
  "  authentication for every user, the session timeout, OpenEMR's audit logging (Administration,",
  "  Globals, Logging) and its review, the patient portal's settings. The infrastructure cannot see",
  "  or set them.",
  "- **People and processes.** Workforce training and sanctions, the annual risk analysis and its",
  "  remediation (164.308(a)(1); the conformance pack's `annual-risk-assessment-performed` is a",
  "  process check), incident response and breach notification, access reviews, the contingency",
  "  plan's tests (restore drills into a clean environment, timed against the RTO and RPO).",
  "- **The AWS account.** The root user's MFA, IAM users' MFA and password policy, GuardDuty,",
  "  Security Hub, account-level S3 public access block, EBS encryption by default, an organisation",
  "  trail and SCPs (docs/security.md, section 6): the account-level rules listed at the end of this",
  "  page, which no stack's plan can show.",
  "- **Devices and premises.** Workstations, networks and offices that reach OpenEMR, their",
  "  encryption, screen locks and physical security (164.310).",
];

function safeguardSection(plans: readonly CompliancePlan[]): string[] {
  const rows = SAFEGUARDS.map((s) => [
    `${s.section} ${s.title}`,
    ...PRESETS.map((preset) => factsOf(s, plans, preset)),
    safeguardPolicies(s),
  ]);
  return [
    "## Safeguards and the controls that implement them",
    "",
    "Each cell lists what the preset's plans contain (standard: with and without a load balancer).",
    "The last column lists the pack's policies whose rules support the safeguard.",
    "",
    table(["Safeguard", ...PRESETS, "Policies"], rows),
  ];
}

function rulesSection(
  plans: readonly CompliancePlan[],
  statuses: Map<string, Map<Preset, RuleStatus>>,
): string[] {
  const resourceRules = HIPAA_RULES.filter((r) => r.scope.kind === "resources");
  const rows = resourceRules.map((r) => [
    code(r.id),
    ...PRESETS.map((preset) => {
      const s = statuses.get(r.id)?.get(preset);
      return s === undefined ? "–" : statusText(s);
    }),
    policiesFor(r.id).join(", "),
  ]);
  return [
    "## Every rule on every preset",
    "",
    "Plans:",
    "",
    ...plans.map((p) => `- ${p.label}: ${code(p.command)}`),
    "",
    "A cell says `met (N)` when the rule holds for all N resources it evaluates, `deviation` when an",
    "accepted deviation covers the resources that do not meet it (the reasons follow), `–` when the",
    "preset creates nothing the rule evaluates, and **NOT MET** when a resource neither meets the rule",
    "nor is covered by a deviation (a test fails then). The last column names the pack policies that",
    "enforce the rule (a deviation exempts their violations) or check it in part.",
    "",
    table(["Rule", ...PRESETS, "Enforced by"], rows),
  ];
}

function deviationsSection(
  deviations: readonly Deviation[],
  statuses: Map<string, Map<Preset, RuleStatus>>,
): string[] {
  const used = (d: Deviation): string[] => {
    const names = new Set<string>();
    for (const s of statuses.get(d.rule)?.values() ?? []) {
      for (const f of s.findings) {
        if (f.deviation === d)
          names.add(f.finding.name.replace(/^openemr-(dev|staging|prod)-/, "openemr-<stack>-"));
      }
    }
    return [...names].sort();
  };
  const rows = deviations.map((d) => [
    code(d.rule),
    d.presets.join(", "),
    `${globsOf(d).map(code).join(", ")}: ${used(d).map(code).join(", ")}`,
    cell(d.reason),
    cell(d.compensatingControl),
  ]);
  return [
    "## Accepted deviations",
    "",
    "From [compliance/deviations.json](../compliance/deviations.json), one entry per decision. The",
    "Resources column gives the entry's globs and the resources of the plans it covers.",
    "",
    table(["Rule", "Presets", "Resources", "Reason", "Compensating control"], rows),
  ];
}

function outsideSection(): string[] {
  const account = HIPAA_RULES.filter(
    (r) => r.scope.kind === "account" || r.scope.kind === "process",
  );
  const services = new Map<string, string[]>();
  for (const r of HIPAA_RULES) {
    if (r.scope.kind === "service") {
      services.set(r.scope.service, [...(services.get(r.scope.service) ?? []), r.id]);
    }
  }
  const rule = (r: HipaaRule) => [code(r.id), cell(r.finding), r.controls.join(", ")];
  return [
    "## Rules no stack's plan can show",
    "",
    "Account settings and processes: the clinic's (see above). Rule, what a finding means, controls:",
    "",
    table(["Rule", "Non-compliant when", "Controls"], account.map(rule)),
    "",
    "Rules of AWS services no preset uses (a test fails when a plan creates a resource of one):",
    "",
    table(
      ["Service", "Rules"],
      [...services].map(([service, ids]) => [service, ids.map(code).join(", ")]),
    ),
  ];
}

/** docs/compliance.md. */
export function renderComplianceDoc(
  plans: readonly CompliancePlan[],
  deviations: readonly Deviation[],
): string {
  const statuses = ruleStatuses(plans, deviations);
  const sections = [
    INTRO,
    CANNOT,
    safeguardSection(plans),
    rulesSection(plans, statuses),
    deviationsSection(deviations, statuses),
    outsideSection(),
  ];
  return sections.map((s) => s.join("\n")).join("\n\n") + "\n";
}
