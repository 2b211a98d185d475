// Names AWS accepts, derived from the stack name. AWS limits names per service (an ELBv2 load
// balancer or target group: 32 characters; an ElastiCache serverless cache, user or user group: 40;
// an AWS Backup vault, plan or selection: 50; an RDS identifier: 63) and the program derives them
// from `openemr-<stack>`, so a long stack name must still give names that fit, and the same
// stack name must always give the same names.
import { createHash } from "crypto";

/**
 * Stack names every preset accepts: lower-case letters, digits and single hyphens, starting with a
 * letter and not ending with a hyphen. RDS identifiers and parameter/option/subnet group names allow
 * nothing else (RDS CreateDBInstance, DBInstanceIdentifier: "must contain from 1 to 63 letters,
 * numbers, or hyphens; first character must be a letter; can't end with a hyphen or contain two
 * consecutive hyphens"), ELBv2 names refuse `_` and `.`, and S3 bucket names refuse upper case.
 */
export const STACK_NAME_PATTERN = /^[a-z]([a-z0-9]|-(?=[a-z0-9]))*$/;
/** Longest stack name accepted: names stay readable, and every derived name fits (tested). */
export const STACK_NAME_MAX = 40;

/** Length limits of the names the program sets (AWS API references; cited where used). */
export const NAME_LIMITS = {
  /** ELBv2 CreateLoadBalancer / CreateTargetGroup `Name`: at most 32 characters. */
  elbv2: 32,
  /** ElastiCache CreateServerlessCache, CreateUser `UserId`, CreateUserGroup `UserGroupId`. */
  elasticache: 40,
  /** AWS Backup vault `^[a-zA-Z0-9\-\_]{2,50}$`, plan and selection names: at most 50. */
  backup: 50,
  /** RDS DB instance, cluster and cluster instance identifiers: at most 63. */
  rdsIdentifier: 63,
  /** IAM CreateRole `RoleName`: at most 64 (the provider's autoname limit too). */
  iamRole: 64,
  /** EventBridge PutRule `Name`: at most 64 (the provider's autoname limit too). */
  eventRule: 64,
} as const;

const HASH_LENGTH = 7;

/**
 * `base` when it fits in `max` characters; otherwise a prefix of it, a hyphen and 7 hex characters
 * of the SHA-256 of the whole of `base`, so two long names that share a prefix still differ. Never
 * ends in a hyphen or contains `--` (RDS and ELBv2 refuse both).
 */
export function fitName(base: string, max: number): string {
  if (max <= HASH_LENGTH + 1) throw new Error(`fitName: a limit of ${max} leaves no room`);
  if (base.length <= max) return base;
  const digest = createHash("sha256").update(base).digest("hex").slice(0, HASH_LENGTH);
  const prefix = base.slice(0, max - HASH_LENGTH - 1).replace(/-+$/, "");
  return `${prefix}-${digest}`;
}

/** What the provider appends when it autonames: a hyphen and 7 random characters. */
const AUTONAME_SUFFIX = 8;

/**
 * For resources the provider may autoname (`<logical name>-<7 random>`): undefined, leaving the
 * provider to name it, when that fits in `max`; otherwise an explicit fitted name. Stacks whose
 * autonames fit keep them (no replacement); a long stack name still gets names AWS accepts.
 */
export function nameWithin(logicalName: string, max: number): string | undefined {
  return logicalName.length + AUTONAME_SUFFIX <= max ? undefined : fitName(logicalName, max);
}

/** Returns a problem message for a stack name the program cannot use, or undefined. */
export function stackNameProblem(stack: string): string | undefined {
  if (stack.length <= STACK_NAME_MAX && STACK_NAME_PATTERN.test(stack)) return undefined;
  return `stack name ${JSON.stringify(stack)} cannot be used: AWS names derived from it would be refused. Allowed: 1 to ${STACK_NAME_MAX} lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen (such as dev, clinic-north-prod)`;
}
