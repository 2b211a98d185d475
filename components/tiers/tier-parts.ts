import * as pulumi from "@pulumi/pulumi";
import type * as aws from "@pulumi/aws";
import { monthlyBudget } from "../alarms/budget";
import { alarmDashboard } from "../alarms/dashboard";
import { type Monitoring, monitoring } from "../alarms/monitoring";
import { AuditTrail } from "../audit/audit-trail";
import { CopyRegion } from "../backup/copy-region";
import type { KeyUser } from "../keys/encryption-key";
import { Network, type NetworkArgs } from "../network/network";
import type { TierCommonArgs } from "./types";

/** How a tier lays out its VPC; the rest of the network follows from the stack's settings. */
export type NetworkLayout = Pick<
  NetworkArgs,
  "availabilityZones" | "privateSubnets" | "isolatedSubnets" | "natStrategy"
>;

/**
 * A tier's VPC (`<name>-net`): the tier's layout, the stack's address range, flow logs under the
 * stack's log key with its retention and prefix, and its DNS Firewall settings.
 */
export function tierNetwork(
  name: string,
  args: TierCommonArgs,
  layout: NetworkLayout,
  logKmsKeyArn: pulumi.Input<string> | undefined,
  opts: pulumi.ComponentResourceOptions,
): Network {
  return new Network(
    `${name}-net`,
    {
      cidrBlock: args.vpcCidr,
      ...layout,
      logRetentionDays: args.logRetentionDays,
      logKmsKeyArn,
      protectLogs: args.protectData,
      logGroupPrefix: args.logGroupPrefix,
      egress: {
        region: args.region,
        mode: args.egressMode,
        allowedDomains: args.egressAllowedDomains,
      },
    },
    opts,
  );
}

/**
 * The stack's CloudTrail trail (`<name>-audit`) when `openemr:auditTrail` is "create" (else the
 * organisation's trail covers the account): the stack's log key, retention and prefix, write data
 * events on the buckets given, and the security-event alarms on its log group.
 */
export function tierAuditTrail(
  name: string,
  args: TierCommonArgs,
  kmsKeyArn: pulumi.Input<string>,
  alarms: Monitoring,
  opts: pulumi.ComponentResourceOptions,
  dataEventBucketArns?: pulumi.Input<string>[],
): AuditTrail | undefined {
  if (args.auditTrail !== "create") return undefined;
  return new AuditTrail(
    `${name}-audit`,
    {
      region: args.region,
      kmsKeyArn,
      retentionDays: args.logRetentionDays,
      logGroupPrefix: args.logGroupPrefix,
      ...(dataEventBucketArns ? { dataEventBucketArns } : {}),
      // root use, denied calls, sign-in without MFA, IAM, trail, key, network changes
      monitoring: alarms,
      protect: args.protectData,
    },
    opts,
  );
}

/**
 * The stack's copy region (`<name>-copy`: its provider and key) when `openemr:backupCopyRegion` is
 * set; `users` are the services that write the copies there.
 */
export function tierCopyRegion(
  name: string,
  args: TierCommonArgs,
  users: KeyUser[],
  opts: pulumi.ComponentResourceOptions,
): CopyRegion | undefined {
  if (args.backupCopyRegion === "") return undefined;
  return new CopyRegion(
    `${name}-copy`,
    { region: args.backupCopyRegion, users, protect: args.protectData },
    opts,
  );
}

/**
 * An alarm on one of AWS Backup's job-failure counts of the vault (AWS's metric; nothing to forge):
 * daily, any failure alarms, no jobs is no failure.
 */
function vaultJobsFailedAlarm(
  monitoring: Monitoring,
  suffix: string,
  description: string,
  metricName: "NumberOfBackupJobsFailed" | "NumberOfCopyJobsFailed",
  vaultName: pulumi.Input<string>,
): void {
  monitoring.alarm(suffix, description, {
    namespace: "AWS/Backup",
    metricName,
    dimensions: { BackupVaultName: vaultName },
    statistic: "Sum",
    period: 86400,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
  });
}

/** `<name>-backup-failed`: an AWS Backup job of the vault failed. */
export function backupJobsFailedAlarm(
  monitoring: Monitoring,
  vaultName: pulumi.Input<string>,
  what: string,
): void {
  vaultJobsFailedAlarm(
    monitoring,
    "backup-failed",
    `an AWS Backup job of ${what} failed: open the vault's jobs in the AWS Backup console, read the failure's status message, then start an on-demand backup`,
    "NumberOfBackupJobsFailed",
    vaultName,
  );
}

/**
 * `<name>-backup-copy-failed`: a copy of one of the vault's recovery points into the copy region
 * failed. AWS Backup runs the copy job in the source region (the rule's copy action; the job is
 * listed there, ListCopyJobs, with the source vault as SourceBackupVaultArn) and publishes
 * AWS/Backup NumberOfCopyJobsFailed there, by BackupVaultName (AWS Backup Developer Guide, "AWS
 * Backup metrics with Amazon CloudWatch": BackupVaultName, or BackupVaultName and ResourceType), so
 * the alarm lives with the stack's other alarms and names the source vault.
 */
export function copyJobsFailedAlarm(
  monitoring: Monitoring,
  vaultName: pulumi.Input<string>,
  copyRegion: string,
): void {
  vaultJobsFailedAlarm(
    monitoring,
    "backup-copy-failed",
    `copying a recovery point to ${copyRegion} failed: open the vault's copy jobs in the AWS Backup console (this region), read the failure's status message, fix it (the copy key's policy, the copy vault's lock) and copy the recovery point again with aws backup start-copy-job`,
    "NumberOfCopyJobsFailed",
    vaultName,
  );
}

/** The copy region's recovery points (`listCopiesCommand`), when the stack copies its backups. */
export function listCopiesOutput(
  copyRegion: string,
  copyVault: aws.backup.Vault | undefined,
): { listCopiesCommand?: pulumi.Output<string> } {
  return copyVault
    ? { listCopiesCommand: listRecoveryPointsCommand(copyRegion, copyVault.name) }
    : {};
}

/**
 * An AWS Backup restore of a recovery point of the documents volume (standard) into a new volume
 * in the web server's availability zone, encrypted with the stack's key (EBS restore metadata as
 * GetRecoveryPointRestoreMetadata names it), with the role that made the recovery point.
 */
export function volumeRestoreCommand(
  region: string,
  vaultName: pulumi.Output<string>,
  volume: aws.ebs.Volume,
  kmsKeyArn: pulumi.Input<string>,
): pulumi.Output<string> {
  const point = "<recovery-point-arn>";
  return pulumi.interpolate`aws backup start-restore-job --region ${region} --resource-type EBS --recovery-point-arn ${point} --iam-role-arn "$(aws backup describe-recovery-point --region ${region} --backup-vault-name ${vaultName} --recovery-point-arn ${point} --query IamRoleArn --output text)" --metadata availabilityZone=${volume.availabilityZone},encrypted=true,kmsKeyId=${kmsKeyArn},volumeType=${volume.type}`;
}

/**
 * Runs `script` as root on the instance through SSM Run Command (recorded by CloudTrail), waits for
 * it and prints its status and output; a script that outlasts the waiter (about 100 s) shows
 * InProgress, and the get-command-invocation half can be run again.
 */
export function runOnInstanceCommand(
  region: string,
  instanceId: pulumi.Input<string>,
  script: string,
): pulumi.Output<string> {
  const target = pulumi.interpolate`--region ${region} --instance-id ${instanceId}`;
  return pulumi.interpolate`id=$(aws ssm send-command --region ${region} --instance-ids ${instanceId} --document-name AWS-RunShellScript --parameters 'commands=["${script}"]' --query Command.CommandId --output text) && aws ssm wait command-executed ${target} --command-id "$id"; aws ssm get-command-invocation ${target} --command-id "$id" --query '[Status,StandardOutputContent,StandardErrorContent]' --output text`;
}

/** The exact command that lists an AWS Backup vault's recovery points, oldest first. */
export function listRecoveryPointsCommand(
  region: string,
  vaultName: pulumi.Input<string>,
): pulumi.Output<string> {
  return pulumi.interpolate`aws backup list-recovery-points-by-backup-vault --region ${region} --backup-vault-name ${vaultName} --query 'sort_by(RecoveryPoints,&CreationDate)[].[CreationDate,ResourceType,Status,RecoveryPointArn]' --output table`;
}

/**
 * The stack's alarm topic (`<name>-alarms`, the alarm e-mail subscribed) and its monthly budget,
 * which notifies the same topic and e-mail: every tier has both.
 */
/** The outputs that say where the alarms go, and how to subscribe when no e-mail is set. */
export function alarmOutputs(
  args: TierCommonArgs,
  alarms: Monitoring,
): { alarmTopicArn: pulumi.Output<string>; alarmSubscribeCommand?: pulumi.Output<string> } {
  return {
    alarmTopicArn: alarms.topic.arn,
    alarmSubscribeCommand: args.alarmEmail
      ? undefined
      : pulumi.interpolate`aws sns subscribe --region ${args.region} --topic-arn ${alarms.topic.arn} --protocol email --notification-endpoint <your e-mail address>`,
  };
}

/**
 * The stack's dashboard of every alarm made through `alarms` so far (call it after the last one),
 * and its console address. $3 a month past an account's first three dashboards, so the tiers with a
 * database service have one and the single-instance tiers do not.
 */
export function tierDashboard(
  name: string,
  region: string,
  alarms: Monitoring,
  opts: pulumi.ComponentResourceOptions,
): { dashboardUrl: pulumi.Output<string> } {
  const dashboard = alarmDashboard(name, region, alarms.alarms, opts);
  return {
    dashboardUrl: pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboard.dashboardName}`,
  };
}

export function tierMonitoring(
  name: string,
  args: TierCommonArgs,
  kmsKeyArn: pulumi.Input<string> | undefined,
  opts: pulumi.ComponentResourceOptions,
): Monitoring {
  const alarms = monitoring(name, { email: args.alarmEmail, kmsKeyArn }, opts);
  monthlyBudget(
    name,
    {
      monthlyUsd: args.monthlyBudgetUsd,
      topic: alarms.topic,
      email: args.alarmEmail,
      region: args.region,
    },
    opts,
  );
  return alarms;
}
