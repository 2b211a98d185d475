// The accepted deviations from AWS's HIPAA Security conformance rules, read from
// compliance/deviations.json at the root of the repository: the one list of them. The pack exempts a
// violation when the policy enforces a rule (RULE_ENFORCED_BY) and a deviation of that rule names
// the resource's preset and matches its name; tools/compliance reads the same file for the plan
// summary and docs/compliance.md.
//
// The pack does not know the stack's preset from its config: it reads it from the resource's URN,
// whose type chain starts with the tier component the preset builds (TIER_PRESETS).

import * as fs from "fs";
import * as path from "path";

/** One accepted deviation (compliance/deviations.schema.json). */
export interface Deviation {
  /** The AWS Config rule identifier. */
  rule: string;
  presets: string[];
  /**
   * A glob (`*`, `?`) over the Pulumi logical name of the resources it covers, or a list of them
   * when one decision covers resources whose names share no narrow glob (a broad glob such as
   * `openemr-*` would also exempt every resource added later).
   */
  resources: string | string[];
  reason: string;
  compensatingControl: string;
}

/** The file, relative to this module (policy/policies/ in the repository). */
export const DEVIATIONS_FILE = path.resolve(__dirname, "../../compliance/deviations.json");

/** The tier component each preset builds: the first type of every resource's URN type chain. */
export const TIER_PRESETS: Readonly<Record<string, string>> = {
  "openemr:tiers:Express": "express",
  "openemr:tiers:ExpressPlus": "express-plus",
  "openemr:tiers:Standard": "standard",
  "openemr:tiers:Fargate": "fargate",
};

/**
 * The HIPAA rule each policy enforces: on a resource that a deviation of that rule covers, the
 * policy's violation becomes an advisory naming the deviation. A policy that checks a rule only in
 * part is not listed here (a deviation must not exempt what the policy checks beyond the rule).
 */
export const RULE_ENFORCED_BY: Readonly<Record<string, string>> = {
  "alb-waf-enabled": "alb-waf-enabled",
  "backup-recovery-point-manual-deletion-disabled":
    "backup-recovery-point-manual-deletion-disabled",
  "cloudwatch-log-group-customer-managed-key": "cloudwatch-log-group-encrypted",
  "ebs-in-backup-plan": "ebs-in-backup-plan",
  "ebs-volume-encrypted": "encrypted-volumes",
  "ec2-imdsv2-required": "ec2-imdsv2-check",
  "ec2-instance-detailed-monitoring-enabled": "ec2-instance-detailed-monitoring-enabled",
  "ec2-instance-no-public-ip": "ec2-instance-no-public-ip",
  "ec2-resources-protected-by-backup-plan": "ec2-resources-protected-by-backup-plan",
  "efs-encrypted": "efs-encrypted-check",
  "iam-no-inline-policy-check": "iam-no-inline-policy-check",
  "lb-access-logs": "elb-logging-enabled",
  "rds-cluster-multi-az-enabled": "rds-cluster-multi-az-enabled",
  "rds-enhanced-monitoring-enabled": "rds-enhanced-monitoring-enabled",
  "rds-multi-az-support": "rds-multi-az-support",
  "rds-not-publicly-accessible": "rds-instance-public-access-check",
  "rds-storage-encrypted": "rds-storage-encrypted",
  "s3-bucket-logging-enabled": "s3-bucket-logging-enabled",
  "s3-bucket-tls-only": "s3-bucket-ssl-requests-only",
  "s3-bucket-versioning": "s3-bucket-versioning-enabled",
  "secretsmanager-rotation-enabled": "secretsmanager-rotation-enabled-check",
  "sns-topic-customer-managed-key": "sns-encrypted-kms",
  "subnet-auto-assign-public-ip-disabled": "subnet-auto-assign-public-ip-disabled",
  "vpc-default-security-group-closed": "vpc-default-security-group-closed",
  "vpc-flow-logs": "vpc-flow-logs-enabled",
  "wafv2-web-acl-logging": "wafv2-logging-enabled",
};

/** Rules a policy checks in part or more strictly (listed in docs/compliance.md; no exemption). */
export const RULES_SUPPORTED_BY: Readonly<Record<string, readonly string[]>> = {
  // requires alarm and OK actions; the pack's rule requires alarm and INSUFFICIENT_DATA actions
  "cloudwatch-alarm-actions": ["cloudwatch-alarm-action-check"],
  "cloudtrail-configuration": [
    "cloud-trail-cloud-watch-logs-enabled",
    "cloud-trail-log-file-validation-enabled",
    "multi-region-cloudtrail-enabled",
  ],
  "cloudtrail-encrypted": ["cloud-trail-encryption-enabled"],
  "cloudwatch-log-group-retention": ["cw-loggroup-retention-period-check"],
  "backup-plan-retention": ["backup-plan-min-frequency-and-min-retention-check"],
  "backup-vault-encrypted": ["backup-recovery-point-encrypted"],
  "data-store-customer-managed-key": ["s3-default-encryption-kms"],
  "ec2-instance-volumes-encrypted": ["encrypted-volumes"],
  "launch-template-volumes-encrypted": ["encrypted-volumes"],
  "lb-hardening": ["alb-http-drop-invalid-header-enabled", "elb-deletion-protection-enabled"],
  "lb-http-listener-rules-redirect": ["alb-http-to-https-redirection-check"],
  "lb-listener-tls": ["alb-http-to-https-redirection-check", "elbv2-acm-certificate-required"],
  "rds-backup-retention": ["db-instance-backup-enabled"],
  "rds-deletion-protection": [
    "rds-instance-deletion-protection-enabled",
    "rds-cluster-deletion-protection-enabled",
  ],
  "rds-log-exports": ["rds-logging-enabled"],
  "s3-bucket-encryption": ["s3-bucket-server-side-encryption-enabled", "s3-default-encryption-kms"],
  "s3-bucket-public-access-block": [
    "s3-bucket-level-public-access-prohibited",
    "s3-bucket-public-read-prohibited",
    "s3-bucket-public-write-prohibited",
  ],
  "secretsmanager-secret-customer-managed-key": ["secretsmanager-using-cmk"],
  "security-group-ingress": [
    "restricted-ssh",
    "restricted-common-ports",
    "vpc-sg-open-only-to-authorized-ports",
  ],
};

/** The preset whose tier component the resource belongs to, from its URN; undefined outside one. */
export function presetOfUrn(urn: string): string | undefined {
  const qualifiedType = urn.split("::")[2] ?? "";
  return TIER_PRESETS[qualifiedType.split("$")[0]];
}

/** The glob as an anchored regular expression: `*` any run of characters, `?` one character. */
export function globPattern(glob: string): RegExp {
  const body = glob
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`);
}

/** The deviation's globs (its `resources`, one or a list). */
export function globsOf(d: Pick<Deviation, "resources">): string[] {
  return typeof d.resources === "string" ? [d.resources] : d.resources;
}

/** true when the deviation covers a resource of this name in this preset. */
export function deviationCovers(d: Deviation, preset: string, name: string): boolean {
  return d.presets.includes(preset) && globsOf(d).some((g) => globPattern(g).test(name));
}

function isDeviation(value: unknown): value is Deviation {
  if (value === null || typeof value !== "object") return false;
  const d = value as Record<string, unknown>;
  const text = (v: unknown) => typeof v === "string" && v.trim() !== "";
  return (
    text(d.rule) &&
    (text(d.resources) ||
      (Array.isArray(d.resources) && d.resources.length > 0 && d.resources.every(text))) &&
    text(d.reason) &&
    text(d.compensatingControl) &&
    Array.isArray(d.presets) &&
    d.presets.every(text)
  );
}

/** The deviations file's contents, or why it could not be read (the pack then exempts nothing). */
export type DeviationsRead = { deviations: Deviation[] } | { error: string };

/** Reads and minimally checks the file (the full schema is checked by tests/compliance). */
export function readDeviations(file: string = DEVIATIONS_FILE): DeviationsRead {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
  } catch (e) {
    return { error: `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}` };
  }
  const list = (value as { deviations?: unknown } | null)?.deviations;
  if (!Array.isArray(list)) return { error: `${file} has no "deviations" array` };
  const invalid = list.findIndex((d) => !isDeviation(d));
  if (invalid >= 0) {
    return { error: `${file}: deviations[${invalid}] lacks a required field` };
  }
  return { deviations: list as Deviation[] };
}

let loaded: DeviationsRead | undefined;

/** The deviations in force, read once per process. */
export function deviationsInForce(): DeviationsRead {
  loaded ??= readDeviations();
  return loaded;
}

/** The deviation that exempts this policy's violation on the resource, if any. */
export function findDeviation(policy: string, urn: string, name: string): Deviation | undefined {
  const rule = RULE_ENFORCED_BY[policy];
  const preset = presetOfUrn(urn);
  const read = deviationsInForce();
  if (rule === undefined || preset === undefined || !("deviations" in read)) return undefined;
  return read.deviations.find((d) => d.rule === rule && deviationCovers(d, preset, name));
}
