import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { assumeRolePolicyFor } from "../iam/trust";
import { fitName, NAME_LIMITS, nameWithin } from "../naming/aws-names";

export interface BackupPlanArgs {
  /** Customer-managed key the vault encrypts recovery points with. */
  kmsKeyArn: pulumi.Input<string>;
  /** ARNs of what to back up (RDS instances/clusters, EBS volumes, EFS file systems). */
  resourceArns: pulumi.Input<string>[];
  dailyRetentionDays: number;
  weeklyRetentionDays: number;
  monthlyRetentionDays: number;
  protect: boolean;
}

/**
 * AWS Backup: a KMS-encrypted vault and a daily / weekly / monthly plan over the given resources,
 * with a service role that can back up and restore them.
 */
export class BackupPlan extends pulumi.ComponentResource {
  public readonly vault: aws.backup.Vault;
  public readonly plan: aws.backup.Plan;

  constructor(name: string, args: BackupPlanArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:backup:BackupPlan", name, {}, opts);
    const child = { parent: this };

    this.vault = new aws.backup.Vault(
      `${name}-vault`,
      {
        name: fitName(`${name}-vault`, NAME_LIMITS.backup),
        kmsKeyArn: args.kmsKeyArn,
        forceDestroy: !args.protect,
      },
      { ...child, protect: args.protect },
    );
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
        assumeRolePolicy: assumeRolePolicyFor("backup.amazonaws.com"),
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
