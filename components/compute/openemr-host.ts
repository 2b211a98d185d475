import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { Monitoring } from "../alarms/monitoring";
import { SessionLogging, startSessionCommand } from "../admin/session-logging";
import { retainedLogGroups } from "../logs/log-group";
import { HostPatching, PATCH_GROUP_TAG } from "../maintenance/patching";
import { HostUpgrade, preUpgradeSnapshotStatements } from "../maintenance/upgrade";
import {
  DEFAULT_MAINTENANCE_WINDOW,
  DEFAULT_PATCH_APPROVAL_DELAY_DAYS,
} from "../../presets/common";
import { passwordParameters, secureParameter } from "../secrets/generated-password";
import { openemrHostStartScript } from "../service/openemr-container";
import type { TierCommonArgs, TierOutputs } from "../tiers/types";
import { importFailedAlarm } from "../alarms/alarm-specs";
import { IMPORT_METRIC, parseRestoreFrom, restoreReadStatements } from "../backup/restore-from";
import { HostScripts, entryArgument, type HostScriptEntry } from "../maintenance/host-scripts";
import {
  compactScript,
  CONTAINER_START_SCRIPT,
  DEFAULT_SCRIPTS,
  hostParameterScripts,
  readScript,
  scriptParameterChunks,
  scriptTarget,
  renderUserData,
  type DeployEnv,
} from "./user-data";
import { DATA_DEVICE, WebInstance, type WebInstanceArgs } from "./web-instance";

/** Where the host keeps OpenEMR's sites, the database (express) and local backups. */
export const HOST_DATA_DIR = "/var/lib/openemr";

/** What a tier decides about its host; everything else is the same on every EC2 tier. */
export interface OpenEmrHostArgs extends Pick<
  TierCommonArgs,
  | "stack"
  | "region"
  | "openemrImage"
  | "openemrVersion"
  | "logGroupPrefix"
  | "parameterPrefix"
  | "logRetentionDays"
  | "restoreFrom"
  | "restoreKmsKeyArn"
> {
  protect: boolean;
  /** Customer-managed key for volumes, parameters and logs; undefined uses AWS-managed keys. */
  kmsKeyArn?: pulumi.Input<string>;
  /** The instance's sizing and network (its user data, role policy and key come from here). */
  instance: Omit<
    WebInstanceArgs,
    "region" | "userData" | "policyStatements" | "kmsKeyArn" | "protect"
  >;
  /** Passwords besides OpenEMR's database user and admin (`{ dbRoot: "db-root-password" }`). */
  extraPasswords?: Record<string, string>;
  /** Log groups the agent ships besides `containers` and `system` (`{ database: "database" }`). */
  extraLogGroups?: Record<string, string>;
  /** Who backs the host up: its own script to S3 or to local disk, or AWS Backup. */
  backupMode: "s3" | "local" | "aws-backup";
  /**
   * Helper scripts installed besides the ones every host has (user-data.ts hostParameterScripts);
   * default DEFAULT_SCRIPTS (backup, restore, certificate); the importer comes with restoreFrom.
   */
  scripts?: readonly string[];
  /** The database is RDS: the container checks its certificate (`--ssl-ca`), never `--skip-ssl`. */
  tlsDatabase: boolean;
  /** The address users type, when the tier has one; OpenEMR's site address is set to it. */
  siteAddress?: string;
  /** deploy.env sections, in the order the boot scripts' env file lists them. */
  env: {
    /** Images besides OpenEMR's (MariaDB, certbot). */
    images?: DeployEnv;
    swapGb: number;
    /** Where the database is (RDS host, its secret and CA bundle). */
    database?: pulumi.Input<DeployEnv>;
    backup?: pulumi.Input<DeployEnv>;
    /** The domain the host obtains its own certificate for ("" when it does not). */
    domain: string;
    certificate?: DeployEnv;
  };
  /** IAM statements for the tier's own needs, after the ones every host has. */
  policyStatements?: pulumi.Input<aws.iam.PolicyStatement[]>;
  /** The stack's alarms: the host adds its own (instance status). */
  monitoring: Monitoring;
  /** openemr:maintenanceWindow (the host's weekly patch run); default the setting's default. */
  maintenanceWindow?: string;
  /** openemr:patchApprovalDelayDays; default the setting's default. */
  patchApprovalDelayDays?: number;
  /**
   * An RDS database (standard): an upgrade first snapshots it, and the host may snapshot this
   * instance only (preUpgradeSnapshotStatements). Without it the upgrade backs up with the host's
   * own openemr-backup.
   */
  preUpgradeSnapshot?: {
    dbInstanceArn: pulumi.Input<string>;
    dbInstanceIdentifier: pulumi.Input<string>;
  };
}

export interface OpenEmrHost {
  instance: WebInstance;
  /** The association that moves the host to the stack's image, and its document. */
  upgrade: HostUpgrade;
  /** The association that installs the host scripts from their SSM parameters, and its document. */
  scripts: HostScripts;
  /** The host's patch baseline and weekly maintenance window. */
  patching: HostPatching;
  /** SSM parameter names of the generated passwords, by key (dbUser, admin, and the extra ones). */
  passwords: Record<string, string>;
  logGroups: Record<string, aws.cloudwatch.LogGroup>;
  /** The outputs an administrator needs: the admin password and a shell. */
  access: Required<
    Pick<TierOutputs, "adminPasswordLocation" | "adminPasswordCommand" | "instanceId">
  > &
    Pick<TierOutputs, "adminShellCommand">;
}

const upperSnake = (key: string): string =>
  key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

/**
 * One OpenEMR host as every EC2 tier runs it: its generated passwords in SSM, its log groups, the
 * user data (deploy.env, the boot scripts, the container start script), the instance with a role
 * that reads only this stack's parameters, the instance's status alarm, and its day-2 care: the
 * OpenEMR upgrade association (maintenance/upgrade.ts) and the weekly OS patching
 * (maintenance/patching.ts).
 *
 * A sub-assembly, not a component: its resources are the tier's children, so adopting it moved no
 * resource (same names, same parents, no aliases needed).
 */
export function openemrHost(
  name: string,
  args: OpenEmrHostArgs,
  opts: pulumi.CustomResourceOptions,
): OpenEmrHost {
  const identity = aws.getCallerIdentityOutput({}, opts);
  const partition = aws.getPartitionOutput({}, opts).partition;
  const kmsKeyArn = args.kmsKeyArn;

  const logGroups = retainedLogGroups(
    name,
    { containers: "containers", ...args.extraLogGroups, system: "system" },
    {
      prefix: args.logGroupPrefix,
      retentionInDays: args.logRetentionDays,
      kmsKeyArn,
      protect: args.protect,
      // OpenEMR's and the database's output may carry patient identifiers: masked at rest
      dataProtection: true,
    },
    opts,
  );
  const passwords: Record<string, string> = passwordParameters(
    name,
    { ...args.extraPasswords, dbUser: "db-user-password", admin: "admin-password" },
    { prefix: args.parameterPrefix, kmsKeyArn },
    opts,
  );

  // Session Manager shells (the admin path) streamed to a retained, encrypted log group
  const adminShell = new SessionLogging(
    `${name}-admin-shell`,
    {
      logGroupPrefix: args.logGroupPrefix,
      logRetentionDays: args.logRetentionDays,
      kmsKeyArn,
      protect: args.protect,
    },
    opts,
  );

  const arn = (service: string, resource: pulumi.Input<string>) =>
    pulumi.interpolate`arn:${partition}:${service}:${args.region}:${identity.accountId}:${resource}`;
  const snapshot = args.preUpgradeSnapshot;
  const upgradeStatements: pulumi.Input<aws.iam.PolicyStatement[]> = snapshot
    ? pulumi
        .all([
          snapshot.dbInstanceArn,
          arn("rds", pulumi.interpolate`snapshot:${snapshot.dbInstanceIdentifier}`),
        ])
        .apply(([dbArn, snapshotPrefix]) => preUpgradeSnapshotStatements(dbArn, snapshotPrefix))
    : [];
  // openemr:restoreFrom: the first boot imports the set (import.sh), reading only its prefix
  const restore = args.restoreFrom ? parseRestoreFrom(args.restoreFrom) : undefined;
  const restoreStatements = restore
    ? partition.apply((p) => restoreReadStatements(restore, p, args.restoreKmsKeyArn))
    : [];
  const statements = pulumi
    .all([
      arn("ssm", `parameter${args.parameterPrefix}/*`),
      pulumi.all(Object.values(logGroups).map((group) => group.arn)),
      adminShell.instanceStatements,
      args.policyStatements ?? [],
      upgradeStatements,
      restoreStatements,
    ])
    .apply(([paramArn, ownGroups, session, own, upgrade, imports]): aws.iam.PolicyStatement[] => [
      { Sid: "ReadOwnParameters", Effect: "Allow", Action: "ssm:GetParameter", Resource: paramArn },
      {
        Sid: "ReportHealth",
        Effect: "Allow",
        Action: "cloudwatch:PutMetricData",
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": "OpenEMR" } },
      },
      // the containers' awslogs driver and the CloudWatch agent write to the host's own groups
      // only (not the stack's trail, flow-log, DNS or backup-arrival groups, which a compromised
      // host must not be able to forge); nothing here creates a group or changes its retention
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: ownGroups.flatMap((group) => [group, `${group}:log-stream:*`]),
      },
      ...session,
      ...own,
      ...upgrade,
      ...imports,
    ]);

  // every script but the boot's (user-data.ts BOOT_SCRIPTS): standard-tier SecureString parameters
  // below the stack's prefix (free; the role reads them already, ReadOwnParameters), which
  // install-scripts.sh puts together at first boot and the host-scripts association whenever one
  // changes, so a script change never touches the user data
  const scriptParameters: aws.ssm.Parameter[] = [];
  const scriptEntries: HostScriptEntry[] = hostParameterScripts(
    args.scripts ?? DEFAULT_SCRIPTS,
    restore !== undefined,
  ).map((file) => {
    const script = file.replace(/\.sh$/, "");
    const base = `${args.parameterPrefix}/scripts/${script}`;
    const chunks = scriptParameterChunks(file);
    chunks.forEach((value, i) =>
      scriptParameters.push(
        secureParameter(
          `${name}-script-${script}-${i + 1}`,
          {
            parameterName: `${base}/${i + 1}`,
            description: `${name}: ${scriptTarget(file)}, part ${i + 1} of ${chunks.length} (gzip, base64)`,
            value,
            kmsKeyArn,
          },
          opts,
        ),
      ),
    );
    return {
      target: scriptTarget(file),
      base,
      chunks: chunks.length,
      text: compactScript(readScript(file)),
    };
  });

  const logNames = pulumi.all(
    Object.fromEntries(Object.entries(logGroups).map(([key, group]) => [key, group.name])),
  );
  const env = args.env;
  const userData = pulumi
    .all([logNames, env.database ?? {}, env.backup ?? {}])
    .apply(([logs, database, backup]) =>
      renderUserData(
        {
          STACK: args.stack,
          REGION: args.region,
          OPENEMR_IMAGE: args.openemrImage,
          OPENEMR_VERSION: args.openemrVersion,
          ...env.images,
          DATA_DIR: HOST_DATA_DIR,
          DATA_DEVICE: args.instance.dataVolumeGb !== undefined ? DATA_DEVICE : "",
          SWAP_GB: env.swapGb,
          ...database,
          ...Object.fromEntries(
            Object.entries(passwords).map(([key, param]) => [`${upperSnake(key)}_PARAM`, param]),
          ),
          ...Object.fromEntries(
            Object.entries(logs).map(([key, group]) => [`LOG_GROUP_${upperSnake(key)}`, group]),
          ),
          CONTAINER_START: CONTAINER_START_SCRIPT,
          BACKUP_MODE: args.backupMode,
          ...backup,
          DOMAIN: env.domain,
          SITE_ADDRESS: args.siteAddress ? `https://${args.siteAddress}` : "",
          ...env.certificate,
          RESTORE_FROM: restore?.url ?? "",
          SCRIPT_PARAMETERS: entryArgument(scriptEntries),
        },
        [
          {
            path: CONTAINER_START_SCRIPT,
            content: openemrHostStartScript({ tlsDatabase: args.tlsDatabase }),
            permissions: "0644",
          },
        ],
      ),
    );

  // the patch group selects the host's baseline; WebInstance takes no tags of its own, so the
  // tag is added to its instance here
  const patchGroup = name;
  const instance = new WebInstance(
    `${name}-web`,
    {
      ...args.instance,
      region: args.region,
      kmsKeyArn,
      userData,
      policyStatements: statements,
      protect: args.protect,
    },
    {
      ...opts,
      // the first boot reads the scripts from their parameters
      dependsOn: [...Object.values(logGroups), ...scriptParameters],
      transformations: [instanceTags({ [PATCH_GROUP_TAG]: patchGroup })],
    },
  );

  args.monitoring.alarm("web-status-failed", "the web server fails its instance status check", {
    namespace: "AWS/EC2",
    metricName: "StatusCheckFailed_Instance",
    dimensions: { InstanceId: instance.instance.id },
    statistic: "Maximum",
    period: 300,
    evaluationPeriods: 2,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
  });

  hostAlarms(args, instance.instance.id);
  if (restore) {
    const a = importFailedAlarm({
      metric: {
        namespace: "OpenEMR",
        metricName: IMPORT_METRIC,
        dimensions: { Stack: args.stack },
      },
      log: `/var/log/openemr-import.log on the instance (adminShellCommand; shipped to ${args.logGroupPrefix}/system)`,
    });
    args.monitoring.alarm(a.suffix, a.description, a.spec);
  }

  const instanceId = instance.instance.id;
  const upgrade = new HostUpgrade(
    `${name}-upgrade`,
    {
      instanceId,
      image: args.openemrImage,
      stack: args.stack,
      systemLogGroup: `${args.logGroupPrefix}/system`,
      monitoring: args.monitoring,
    },
    opts,
  );
  const scripts = new HostScripts(
    `${name}-host-scripts`,
    {
      instanceId,
      entries: scriptEntries,
      parameters: scriptParameters,
      monitoring: args.monitoring,
    },
    opts,
  );
  const patching = new HostPatching(
    `${name}-patching`,
    {
      instanceId,
      patchGroup,
      schedule: args.maintenanceWindow ?? DEFAULT_MAINTENANCE_WINDOW,
      approvalDelayDays: args.patchApprovalDelayDays ?? DEFAULT_PATCH_APPROVAL_DELAY_DAYS,
      logGroupName: logGroups.system.name,
      monitoring: args.monitoring,
    },
    opts,
  );
  return {
    instance,
    upgrade,
    scripts,
    patching,
    passwords,
    logGroups,
    access: {
      adminPasswordLocation: pulumi.output(passwords.admin),
      adminPasswordCommand: pulumi.interpolate`aws ssm get-parameter --region ${args.region} --with-decryption --name ${passwords.admin} --query Parameter.Value --output text`,
      instanceId,
      adminShellCommand: startSessionCommand(args.region, instanceId, adminShell.documentName),
    },
  };
}

/** Adds `tags` to the EC2 instance among the resources the option is given to (and their children). */
function instanceTags(tags: Record<string, string>): pulumi.ResourceTransformation {
  return ({ type, props, opts }) =>
    type === "aws:ec2/instance:Instance"
      ? { props: { ...props, tags: { ...(props.tags as Record<string, string>), ...tags } }, opts }
      : undefined;
}

/**
 * What the host reports and the stack's alarms watch besides the instance status: OpenEMR answering
 * its login page over HTTPS (openemr-health, every five minutes; a host that stops reporting is
 * down), and the CloudWatch agent's memory and disk use (per mount point: "/" and the data volume).
 */
function hostAlarms(args: OpenEmrHostArgs, instanceId: pulumi.Output<string>): void {
  const alarm = args.monitoring.alarm;
  alarm(
    "openemr-not-answering",
    "OpenEMR has not answered its login page over HTTPS for 15 minutes: open a shell (adminShellCommand), check `systemctl status openemr-app` and the containers log group",
    {
      namespace: "OpenEMR",
      metricName: "OpenEMRAnswers",
      dimensions: { Stack: args.stack },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 3,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      // no report is a host, agent or network that is down
      treatMissingData: "breaching",
    },
  );
  alarm(
    "web-memory-high",
    "the web server has used over 90% of its memory for 15 minutes: check the containers log group, then consider a larger instance type",
    {
      namespace: "OpenEMR",
      metricName: "mem_used_percent",
      dimensions: { InstanceId: instanceId },
      statistic: "Average",
      period: 300,
      evaluationPeriods: 3,
      threshold: 90,
      comparisonOperator: "GreaterThanThreshold",
      // openemr-not-answering and the status alarm cover a host that stops reporting
      treatMissingData: "missing",
    },
  );
  const volumes: [string, string][] = [["root", "/"]];
  if (args.instance.dataVolumeGb !== undefined) volumes.push(["data", HOST_DATA_DIR]);
  for (const [volume, path] of volumes) {
    alarm(
      `web-disk-${volume}-full`,
      `the web server's ${volume} volume (${path}) is over 85% full: grow the volume (its size setting) before it fills`,
      {
        namespace: "OpenEMR",
        metricName: "disk_used_percent",
        // the agent's dimensions with drop_device: the instance, the mount point, the file system
        dimensions: { InstanceId: instanceId, path, fstype: "xfs" },
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 2,
        threshold: 85,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "missing",
      },
    );
  }
}
