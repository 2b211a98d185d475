import type * as pulumi from "@pulumi/pulumi";
import type { CommonConfig } from "../../config";

/**
 * What every tier is given besides its own sizing settings: the validated common settings, typed
 * from their schema (presets/common.ts; a new key reaches every tier with no edit here), and the
 * names index.ts derives from the stack. Never read from the runtime here.
 */
export type TierCommonArgs = Omit<CommonConfig, "iamPermissionsBoundary" | "openemrImageDigest"> & {
  /** The stack's name (validated: lower-case letters, digits, single hyphens). */
  stack: string;
  /** The deployment region (`aws:region`). */
  region: string;
  /** Prefix for log group names, e.g. /openemr/dev. */
  logGroupPrefix: string;
  /** Prefix for SSM parameter names, e.g. /openemr/dev (the hosts may read only below it). */
  parameterPrefix: string;
};

/** Stack outputs every tier provides (undefined where a tier has no such thing). */
export interface TierOutputs {
  url: pulumi.Output<string>;
  adminUser: string;
  /** Where the generated admin password is kept (SSM parameter name or Secrets Manager ARN). */
  adminPasswordLocation: pulumi.Output<string>;
  /** The exact AWS CLI command that prints the admin password. */
  adminPasswordCommand: pulumi.Output<string>;
  instanceId?: pulumi.Output<string>;
  /** How an administrator gets a shell (SSM Session Manager or ECS Exec), never SSH. */
  adminShellCommand?: pulumi.Output<string>;
  databaseEndpoint?: pulumi.Output<string>;
  backupLocation?: pulumi.Output<string>;
  /**
   * The exact command that lists what can be restored: the on-instance dumps (express), the backup
   * bucket's weekly sets (express-plus), the AWS Backup vault's recovery points (standard, fargate).
   */
  listBackupsCommand: pulumi.Output<string>;
  /** The exact command that lists the instance's daily EBS snapshots (the single-instance tiers). */
  listSnapshotsCommand?: pulumi.Output<string>;
  /**
   * The exact command that starts a restore of the database; `<...>` marks what only the operator
   * knows (a dump, a week and stamp, a point in time, a new stack's instance).
   */
  restoreCommand: pulumi.Output<string>;
  /**
   * The exact command that restores OpenEMR's files from an AWS Backup recovery point: the sites
   * file system (fargate), the documents volume into a new volume beside the live one (standard).
   */
  restoreFilesCommand?: pulumi.Output<string>;
  /**
   * With `openemr:backupCopyRegion`: the exact command that lists the copies in that region (the
   * copy vault's recovery points; express-plus: the copy bucket's objects).
   */
  listCopiesCommand?: pulumi.Output<string>;
  logGroups: pulumi.Output<string>[];
  /** The stack's alarm topic: every alarm and the budget notify it. */
  alarmTopicArn: pulumi.Output<string>;
  /** The exact command that subscribes an e-mail address to it (when openemr:alarmEmail is not set). */
  alarmSubscribeCommand?: pulumi.Output<string>;
  /** The CloudWatch console address of the stack's dashboard (standard, fargate). */
  dashboardUrl?: pulumi.Output<string>;
}
