import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { assumeRolePolicyFor } from "../iam/trust";
import { fitName, NAME_LIMITS, nameWithin } from "../naming/aws-names";

/**
 * Backup Vault Lock bounds (botocore 1.43.11, backup PutBackupVaultLockConfiguration):
 * ChangeableForDays "must be 3 or greater" (the 72-hour cooling-off period) and at most 36,500;
 * MinRetentionDays at least 1; MaxRetentionDays at most 36,500 days. The provider checks only the 3
 * (hashicorp/terraform-provider-aws internal/service/backup/vault_lock_configuration.go,
 * `validation.IntAtLeast(3)`); tools/aws-rules has no rule for these properties, so they are checked
 * here.
 */
export const VAULT_LOCK_LIMITS = {
  minChangeableForDays: 3,
  maxChangeableForDays: 36500,
  minRetentionDays: 1,
  maxRetentionDays: 36500,
} as const;

/**
 * Days the Vault Lock stays changeable after it is first applied: two weekly backups and a month-end
 * review fit in it, so a clinic that set a wrong retention can still correct it before the lock
 * becomes immutable.
 */
export const DEFAULT_VAULT_LOCK_GRACE_DAYS = 14;

export interface BackupPlanArgs {
  /** Customer-managed key the vault encrypts recovery points with. */
  kmsKeyArn: pulumi.Input<string>;
  /** ARNs of what to back up (RDS instances/clusters, EBS volumes, EFS file systems). */
  resourceArns: pulumi.Input<string>[];
  dailyRetentionDays: number;
  weeklyRetentionDays: number;
  monthlyRetentionDays: number;
  /**
   * Pulumi protect on the vault, no emptying it on destroy, and a Vault Lock. False only for
   * throwaway stacks: a locked vault cannot be deleted while it holds recovery points, so such a
   * stack would no longer be destroyable.
   */
  protect: boolean;
  /**
   * Days the Vault Lock can still be changed or removed after it is created (its grace period);
   * default 14. Between 3 and 36,500.
   */
  vaultLockGraceDays?: number;
  /**
   * A second region every rule copies its recovery points to (`openemr:backupCopyRegion`): its
   * provider and the customer-managed key there. The copy vault gets the same access policy and
   * Vault Lock as the vault.
   */
  copyTo?: { provider: aws.Provider; kmsKeyArn: pulumi.Input<string> };
}

/** The Vault Lock settings a plan's retention gives (pure, for the component and its tests). */
export interface VaultLockSettings {
  changeableForDays: number;
  minRetentionDays: number;
  maxRetentionDays: number;
}

function wholeDays(what: string, days: number, min: number, max: number): number {
  if (!Number.isInteger(days) || days < min || days > max) {
    throw new Error(`BackupPlan: ${what} must be a whole number of days from ${min} to ${max}`);
  }
  return days;
}

/**
 * Pure: a Vault Lock window that every rule of the plan fits. The lock fails any backup or copy job
 * whose retention is shorter than MinRetentionDays or longer than MaxRetentionDays (botocore
 * PutBackupVaultLockConfiguration), so the window is exactly [shortest rule, longest rule].
 */
export function vaultLockSettings(
  retentionDays: readonly number[],
  graceDays: number = DEFAULT_VAULT_LOCK_GRACE_DAYS,
): VaultLockSettings {
  const L = VAULT_LOCK_LIMITS;
  if (retentionDays.length === 0) throw new Error("BackupPlan: a plan needs at least one rule");
  for (const d of retentionDays) {
    wholeDays("every rule's retention", d, L.minRetentionDays, L.maxRetentionDays);
  }
  return {
    changeableForDays: wholeDays(
      "vaultLockGraceDays",
      graceDays,
      L.minChangeableForDays,
      L.maxChangeableForDays,
    ),
    minRetentionDays: Math.min(...retentionDays),
    maxRetentionDays: Math.max(...retentionDays),
  };
}

/** The recovery-point actions the vault access policy denies to every principal but the root. */
export const DENIED_RECOVERY_POINT_ACTIONS = [
  "backup:DeleteRecoveryPoint",
  "backup:UpdateRecoveryPointLifecycle",
] as const;

/**
 * Pure: the vault access policy. One Deny, for every principal (`*`) other than the account's root
 * user, of deleting a recovery point or shortening its lifecycle (AWS Backup: "Vault access
 * policies", example "Deny access to delete recovery points"; Resource `*` is the vault's own
 * recovery points, the only resources a vault policy governs; its Action must list actions, no
 * wildcard). Expiry by the plan's lifecycle is done by AWS Backup itself and is not affected.
 *
 * Not denied, on purpose: backup:PutBackupVaultAccessPolicy and DeleteBackupVaultAccessPolicy.
 * Denying them to all but the root would lock the stack's own deploy role out of this policy (every
 * `pulumi up` that changes it, and `pulumi destroy`, would need the root user). The app's own
 * credentials (instance and task roles) hold no backup:* permission, so they cannot rewrite the
 * policy anyway; a principal that can is an account administrator, and against that the Vault
 * Lock (after its grace period not even the root can delete a recovery point early) and an
 * organisation SCP are the controls.
 */
export function vaultAccessPolicy(account: string, partition: string): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyDeletingRecoveryPointsExceptRoot",
        Effect: "Deny",
        Principal: "*",
        Action: [...DENIED_RECOVERY_POINT_ACTIONS],
        Resource: "*",
        // the root user's aws:PrincipalArn is arn:<partition>:iam::<account>:root (IAM global
        // condition keys): the break-glass, MFA-protected and used by no role of this program
        Condition: {
          ArnNotEquals: { "aws:PrincipalArn": `arn:${partition}:iam::${account}:root` },
        },
      },
    ],
  };
}

interface LockedVaultArgs {
  kmsKeyArn: pulumi.Input<string>;
  protect: boolean;
  lock: VaultLockSettings;
  account: pulumi.Input<string>;
  partition: pulumi.Input<string>;
}

/**
 * A vault under a customer-managed key, its access policy (no deleting or shortening recovery
 * points but by the root) and, when protected, a Vault Lock in compliance mode. The vault of a plan
 * and its copy vault in another region (with that region's provider in `opts`) are both this.
 */
function lockedVault(
  name: string,
  args: LockedVaultArgs,
  opts: pulumi.CustomResourceOptions,
): {
  vault: aws.backup.Vault;
  policy: aws.backup.VaultPolicy;
  lock: aws.backup.VaultLockConfiguration | undefined;
} {
  const vault = new aws.backup.Vault(
    name,
    {
      name: fitName(name, NAME_LIMITS.backup),
      kmsKeyArn: args.kmsKeyArn,
      forceDestroy: !args.protect,
    },
    { ...opts, protect: args.protect },
  );

  // On every stack: `pulumi destroy` deletes this policy before the vault (it depends on the
  // vault's name), so a throwaway vault's forceDestroy can still delete its recovery points.
  const policy = new aws.backup.VaultPolicy(
    `${name}-policy`,
    {
      backupVaultName: vault.name,
      policy: pulumi
        .all([args.account, args.partition])
        .apply(([account, p]) => JSON.stringify(vaultAccessPolicy(account, p))),
    },
    opts,
  );

  // Compliance mode (changeableForDays set; without it the lock is governance mode and any
  // principal with backup:DeleteBackupVaultLockConfiguration can remove it, per the provider's
  // VaultLockConfiguration docs). Until the lock date the lock can be changed or deleted; from
  // then on nobody can, the root included, and the vault cannot be deleted while it holds
  // recovery points. Every argument is ForceNew in the provider, and AWS refuses to delete the
  // lock after its lock date: `protect` makes Pulumi refuse a replacement (a retention change that
  // moves the window) up front instead of failing half-way. Only on protected stacks, so a
  // throwaway stack stays destroyable.
  const lock = args.protect
    ? new aws.backup.VaultLockConfiguration(
        `${name}-lock`,
        {
          backupVaultName: vault.name,
          changeableForDays: args.lock.changeableForDays,
          minRetentionDays: args.lock.minRetentionDays,
          maxRetentionDays: args.lock.maxRetentionDays,
        },
        { ...opts, protect: true },
      )
    : undefined;
  return { vault, policy, lock };
}

/**
 * AWS Backup: a KMS-encrypted vault and a daily / weekly / monthly plan over the given resources,
 * with a service role that can back up and restore them. The vault refuses to delete recovery
 * points or shorten their retention for anyone but the account root; when protected, a Vault Lock
 * (compliance mode after a grace period) fixes the retention window for good.
 */
export class BackupPlan extends pulumi.ComponentResource {
  public readonly vault: aws.backup.Vault;
  public readonly plan: aws.backup.Plan;
  public readonly vaultPolicy: aws.backup.VaultPolicy;
  /** Only on protected stacks. */
  public readonly vaultLock: aws.backup.VaultLockConfiguration | undefined;
  /** The vault in the copy region every rule copies into, when `copyTo` is given. */
  public readonly copyVault: aws.backup.Vault | undefined;

  constructor(name: string, args: BackupPlanArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:backup:BackupPlan", name, {}, opts);
    const child = { parent: this };
    // validated before anything is registered: a wrong retention fails the program, not a deploy
    const lock = vaultLockSettings(
      [args.dailyRetentionDays, args.weeklyRetentionDays, args.monthlyRetentionDays],
      args.vaultLockGraceDays,
    );
    const identity = aws.getCallerIdentityOutput({}, child);
    const account = identity.accountId;
    const partition = aws.getPartitionOutput({}, child).partition;

    const vault = lockedVault(
      `${name}-vault`,
      { kmsKeyArn: args.kmsKeyArn, protect: args.protect, lock, account, partition },
      child,
    );
    this.vault = vault.vault;
    this.vaultPolicy = vault.policy;
    this.vaultLock = vault.lock;

    // the copies: a vault of the same kind in the copy region, under that region's key
    this.copyVault = args.copyTo
      ? lockedVault(
          `${name}-copy-vault`,
          { kmsKeyArn: args.copyTo.kmsKeyArn, protect: args.protect, lock, account, partition },
          { ...child, provider: args.copyTo.provider },
        ).vault
      : undefined;
    const copyVaultArn = this.copyVault?.arn;

    const rule = (
      ruleName: string,
      schedule: string,
      deleteAfter: number,
    ): aws.types.input.backup.PlanRule => ({
      ruleName,
      targetVaultName: this.vault.name,
      schedule,
      scheduleExpressionTimezone: "Etc/UTC",
      startWindow: 60,
      completionWindow: 360,
      lifecycle: { deleteAfter },
      recoveryPointTags: { "openemr:backup": ruleName },
      // the copy is kept as long as the recovery point it copies
      ...(copyVaultArn
        ? { copyActions: [{ destinationVaultArn: copyVaultArn, lifecycle: { deleteAfter } }] }
        : {}),
    });
    this.plan = new aws.backup.Plan(
      `${name}-plan`,
      {
        name: fitName(`${name}-plan`, NAME_LIMITS.backup),
        rules: [
          rule("daily", "cron(0 5 * * ? *)", args.dailyRetentionDays),
          rule("weekly", "cron(0 5 ? * SAT *)", args.weeklyRetentionDays),
          rule("monthly", "cron(0 5 1 * ? *)", args.monthlyRetentionDays),
        ],
      },
      child,
    );
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: nameWithin(`${name}-role`, NAME_LIMITS.iamRole),
        // confused-deputy prevention: AWS Backup may assume the role only for this account
        assumeRolePolicy: assumeRolePolicyFor(
          "backup.amazonaws.com",
          identity.accountId.apply((account) => ({
            StringEquals: { "aws:SourceAccount": account },
          })),
        ),
      },
      child,
    );
    const backupPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-role-backup`,
      {
        role: role.name,
        policyArn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
      },
      child,
    );
    const restorePolicy = new aws.iam.RolePolicyAttachment(
      `${name}-role-restore`,
      {
        role: role.name,
        policyArn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
      },
      child,
    );
    new aws.backup.Selection(
      `${name}-selection`,
      {
        name: fitName(`${name}-selection`, NAME_LIMITS.backup),
        planId: this.plan.id,
        iamRoleArn: role.arn,
        resources: args.resourceArns,
      },
      { ...child, dependsOn: [backupPolicy, restorePolicy] },
    );
    this.registerOutputs({ vaultName: this.vault.name, planId: this.plan.id });
  }
}
