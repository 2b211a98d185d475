import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { eventToAlarmTopic } from "../alarms/event-rule";
import type { ExpressSettings } from "../../presets/express";
import type { ExpressPlusSettings } from "../../presets/express-plus";
import { dailySuccessSpec } from "../alarms/alarm-specs";
import { backupArrivalAlarm } from "../alarms/backup-arrival";
import type { Monitoring } from "../alarms/monitoring";
import { BucketCopy } from "../backup/copy-region";
import { SnapshotPolicy } from "../backup/snapshot-policy";
import { openemrHost } from "../compute/openemr-host";
import type { WebInstance } from "../compute/web-instance";
import { EncryptionKey } from "../keys/encryption-key";
import { SecureBucket } from "../storage/secure-bucket";
import {
  alarmOutputs,
  runOnInstanceCommand,
  tierAuditTrail,
  tierCopyRegion,
  tierMonitoring,
  tierNetwork,
} from "./tier-parts";
import type { TierCommonArgs, TierOutputs } from "./types";

/** MariaDB LTS (supported to 2029); OpenEMR's own compose files run MariaDB 11.x. */
export const MARIADB_IMAGE = "mariadb:11.4";
export const CERTBOT_IMAGE = "certbot/dns-route53:v2.11.0";

export type ExpressTierArgs = TierCommonArgs & ExpressSettings;
export type ExpressPlusTierArgs = TierCommonArgs & ExpressPlusSettings;

/** What the single-instance tiers are built from; `plus` undefined builds plain express. */
type SingleInstanceArgs = ExpressTierArgs & {
  plus:
    Pick<ExpressPlusSettings, "dataVolumeGb" | "backupRetentionDays" | "backupHourUtc"> | undefined;
};

/**
 * Express and Express Plus: one instance running OpenEMR and MariaDB in containers.
 * Express keeps data on the encrypted root volume with daily snapshots and local consistent dumps.
 * Express Plus adds a customer-managed key for everything, a separate encrypted data volume,
 * weekly-full/daily-incremental backups to an encrypted bucket, and a CloudTrail audit trail.
 */
abstract class SingleInstanceTier extends pulumi.ComponentResource {
  public readonly outputs: TierOutputs;
  public readonly key: EncryptionKey | undefined;
  public readonly instance: WebInstance;
  public readonly backupBucket: SecureBucket | undefined;

  protected constructor(
    type: "openemr:tiers:Express" | "openemr:tiers:ExpressPlus",
    name: string,
    args: SingleInstanceArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(type, name, {}, opts);
    const child = { parent: this };
    const protect = args.protectData;

    this.key = args.plus
      ? new EncryptionKey(
          `${name}-key`,
          {
            region: args.region,
            description: `${name}: OpenEMR data, backups, logs and audit trail`,
            users: ["ec2", "s3", "logs", "cloudtrail", "ssm", "sns", "session-manager"],
            protect,
          },
          child,
        )
      : undefined;
    const kmsKeyArn = this.key?.arn;

    const network = tierNetwork(
      name,
      args,
      { availabilityZones: 1, privateSubnets: false, isolatedSubnets: false, natStrategy: "none" },
      kmsKeyArn,
      child,
    );

    const alarms = tierMonitoring(name, args, kmsKeyArn, child);

    let listCopies: pulumi.Output<string> | undefined;
    if (args.plus) {
      // Object Lock: nobody (the host included) overwrites or deletes a backup before it is
      // `backupRetentionDays` old; a protected stack's lock (COMPLIANCE) binds the root user too
      const days = args.plus.backupRetentionDays;
      const objectLock = { mode: protect ? "COMPLIANCE" : "GOVERNANCE", days } as const;
      this.backupBucket = new SecureBucket(
        `${name}-backups`,
        {
          encryption: { kind: "kms", kmsKeyArn: kmsKeyArn! },
          purpose: "backups",
          expireAfterDays: days,
          noncurrentExpireAfterDays: days,
          objectLock,
          protect,
          forceDestroy: !protect,
        },
        child,
      );
      // the copy region's bucket takes S3's replicas of the backups, written under its own key
      const copyRegion = tierCopyRegion(name, args, ["s3"], child);
      if (copyRegion) {
        const copies = new BucketCopy(
          `${name}-backup-copies`,
          {
            source: this.backupBucket,
            sourceKeyArn: kmsKeyArn!,
            sourceRegion: args.region,
            copy: copyRegion,
            expireAfterDays: days,
            objectLock,
            protect,
            alarm: alarms.alarm,
          },
          child,
        );
        listCopies = pulumi.interpolate`aws s3 ls s3://${copies.bucket.bucketName}/openemr/ --recursive --region ${copyRegion.region}`;
      }
      backupArrivalAlarm(
        name,
        {
          bucketName: this.backupBucket.bucketName,
          keyPrefix: "openemr/",
          alarm: alarms.alarm,
          eventLog: {
            logGroupName: `${args.logGroupPrefix}/backup-arrivals`,
            retentionInDays: args.logRetentionDays,
            kmsKeyArn,
            protect,
          },
        },
        child,
      );
      // every write and delete on the backups, recorded where the host cannot reach
      tierAuditTrail(name, args, kmsKeyArn!, alarms, child, [this.backupBucket.arn]);
    }

    const ownsCertificate = Boolean(args.domain && args.hostedZoneId);
    const host = openemrHost(
      name,
      {
        ...args,
        protect,
        kmsKeyArn,
        extraPasswords: { dbRoot: "db-root-password" },
        extraLogGroups: { database: "database" },
        backupMode: args.plus ? "s3" : "local",
        tlsDatabase: false,
        siteAddress: ownsCertificate ? args.domain : undefined,
        env: {
          images: { MARIADB_IMAGE, CERTBOT_IMAGE },
          swapGb: args.swapGb,
          backup: pulumi
            .all([this.backupBucket?.bucketName ?? "", kmsKeyArn ?? ""])
            .apply(([bucket, keyArn]) => ({
              BACKUP_BUCKET: bucket,
              KMS_KEY_ARN: keyArn,
              BACKUP_HOUR: args.plus?.backupHourUtc ?? 5,
              LOCAL_BACKUP_DAYS: 7,
            })),
          domain: ownsCertificate ? (args.domain ?? "") : "",
          certificate: { ACME_EMAIL: args.acmeEmail ?? "" },
        },
        policyStatements: pulumi
          .all([kmsKeyArn ?? "", this.backupBucket?.arn ?? ""])
          .apply(([keyArn, bucketArn]) =>
            hostStatements(
              args.region,
              keyArn,
              bucketArn,
              args.domain && args.hostedZoneId
                ? { hostedZoneId: args.hostedZoneId, domain: args.domain }
                : undefined,
            ),
          ),
        instance: {
          vpcId: network.vpcId,
          subnetId: network.publicSubnetIds.apply((ids) => ids[0]),
          instanceType: args.instanceType,
          architecture: args.architecture,
          rootVolumeGb: args.rootVolumeGb,
          dataVolumeGb: args.plus?.dataVolumeGb,
          allowedCidrs: args.allowedCidrs,
          publicAddress: true,
          detailedMonitoring: args.detailedMonitoring,
          snapshotTag: name,
        },
        monitoring: alarms,
      },
      child,
    );
    this.instance = host.instance;

    const snapshots = new SnapshotPolicy(
      `${name}-snapshots`,
      { tagValue: name, retainCount: args.snapshotRetentionDays, time: "06:00" },
      child,
    );
    snapshotPolicyFailedRule(name, snapshots.policy.arn, alarms, child);

    alarms.alarm(
      "backup-failed",
      `the daily OpenEMR backup failed or did not run: read the openemr-backup lines in ${args.logGroupPrefix}/system, then run sudo openemr-backup in a shell (adminShellCommand)`,
      dailySuccessSpec("BackupSucceeded", args.stack, "breaching"),
    );
    if (args.domain && args.hostedZoneId) {
      new aws.route53.Record(
        `${name}-dns`,
        {
          zoneId: args.hostedZoneId,
          name: args.domain,
          type: "A",
          ttl: 300,
          records: [this.instance.publicIp],
        },
        child,
      );
      alarms.alarm(
        "certificate-expiring",
        `the Let's Encrypt certificate for ${args.domain} expires within 14 days: read openemr-certificate.log in ${args.logGroupPrefix}/system (the DNS challenge needs the hosted zone), then run sudo openemr-certificate`,
        {
          namespace: "OpenEMR",
          metricName: "CertificateDaysLeft",
          dimensions: { Stack: args.stack },
          statistic: "Minimum",
          period: 86400,
          evaluationPeriods: 1,
          threshold: 14,
          comparisonOperator: "LessThanThreshold",
          treatMissingData: "breaching",
        },
      );
    }

    this.outputs = {
      url: pulumi.interpolate`https://${ownsCertificate && args.domain ? args.domain : this.instance.publicIp}/`,
      adminUser: "admin",
      ...host.access,
      backupLocation: this.backupBucket
        ? pulumi.interpolate`s3://${this.backupBucket.bucketName}/openemr/`
        : pulumi.output(
            "EBS snapshots (Data Lifecycle Manager) and /var/lib/openemr/backups on the instance",
          ),
      ...restoreOutputs(args.region, this.instance.instance.id, this.backupBucket?.bucketName),
      ...(listCopies ? { listCopiesCommand: listCopies } : {}),
      listSnapshotsCommand: pulumi.interpolate`aws ec2 describe-snapshots --region ${args.region} --owner-ids self --filters Name=tag:aws:dlm:lifecycle-policy-id,Values=${snapshots.policy.id} --query 'sort_by(Snapshots,&StartTime)[].[StartTime,SnapshotId,VolumeId,VolumeSize]' --output table`,
      logGroups: Object.values(host.logGroups).map((g) => g.name),
      ...alarmOutputs(args, alarms),
    };
    this.registerOutputs({ url: this.outputs.url });
  }
}

/**
 * Express lists and loads the dumps on its own instance; Express Plus lists its bucket's weekly
 * sets and restores them into a new stack's instance (README "Backups and restore").
 */
function restoreOutputs(
  region: string,
  instanceId: pulumi.Output<string>,
  bucketName: pulumi.Output<string> | undefined,
): Pick<TierOutputs, "listBackupsCommand" | "restoreCommand"> {
  if (!bucketName) {
    return {
      listBackupsCommand: runOnInstanceCommand(region, instanceId, "openemr-restore --list"),
      restoreCommand: runOnInstanceCommand(
        region,
        instanceId,
        "openemr-restore --local /var/lib/openemr/backups/<dump> --force",
      ),
    };
  }
  return {
    listBackupsCommand: pulumi.interpolate`aws s3 ls s3://${bucketName}/openemr/ --recursive --region ${region}`,
    restoreCommand: bucketName.apply((bucket) =>
      runOnInstanceCommand(
        region,
        "<new-stack-instance-id>",
        `openemr-restore <week> <stamp> --from-bucket ${bucket} --force`,
      ),
    ),
  };
}

/** The single-instance host's own needs: its key, its backup bucket, its certificate's DNS. */
function hostStatements(
  region: string,
  keyArn: string,
  bucketArn: string,
  certificate: { hostedZoneId: string; domain: string } | undefined,
): aws.iam.PolicyStatement[] {
  const list: aws.iam.PolicyStatement[] = [];
  if (keyArn) {
    list.push({
      Sid: "UseDataKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: keyArn,
      // its parameters (SSM) and its backups (S3) only, never the key directly
      Condition: {
        StringEquals: {
          "kms:ViaService": [`ssm.${region}.amazonaws.com`, `s3.${region}.amazonaws.com`],
        },
      },
    });
  }
  if (bucketArn) {
    list.push(
      { Sid: "ListBackups", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn },
      {
        Sid: "WriteAndReadBackups",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject"],
        Resource: `${bucketArn}/openemr/*`,
      },
    );
  }
  if (certificate) {
    list.push(
      {
        // the DNS-01 challenge's TXT record only, not the rest of the organisation's zone
        // (Route 53 condition keys: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-conditions-route53.html)
        Sid: "CertificateDnsChallenge",
        Effect: "Allow",
        Action: "route53:ChangeResourceRecordSets",
        Resource: `arn:aws:route53:::hostedzone/${certificate.hostedZoneId}`,
        Condition: {
          "ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
              `_acme-challenge.${certificate.domain.toLowerCase().replace(/\.$/, "")}`,
            ],
            "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
          },
        },
      },
      {
        Sid: "CertificateDnsLookup",
        Effect: "Allow",
        Action: ["route53:ListHostedZones", "route53:GetChange"],
        Resource: "*",
      },
    );
  }
  return list;
}

/** Express: one instance, data on its encrypted root volume, daily snapshots and local dumps. */
export class ExpressTier extends SingleInstanceTier {
  constructor(name: string, args: ExpressTierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:tiers:Express", name, { ...args, plus: undefined }, opts);
  }
}

/** Express Plus: express with a customer-managed key, a data volume, S3 backups and a trail. */
export class ExpressPlusTier extends SingleInstanceTier {
  constructor(name: string, args: ExpressPlusTierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:tiers:ExpressPlus", name, { ...args, plus: args }, opts);
  }
}

/**
 * DLM reports a policy that can no longer take snapshots (its role, a quota) as an EventBridge
 * event, "DLM Policy State Change" with state ERROR (EBS User Guide, "Monitor Data Lifecycle Manager
 * policies using EventBridge"); the rule forwards it to the stack's alarm topic. Free.
 */
function snapshotPolicyFailedRule(
  name: string,
  policyArn: pulumi.Output<string>,
  alarms: Monitoring,
  opts: pulumi.ComponentResourceOptions,
): void {
  eventToAlarmTopic(
    alarms,
    `${name}-snapshots-failed`,
    `${name}: the snapshot policy went into error; read its status message in the EC2 console (Lifecycle Manager)`,
    policyArn.apply((arn) => ({
      source: ["aws.dlm"],
      "detail-type": ["DLM Policy State Change"],
      resources: [arn],
      detail: { state: ["ERROR"] },
    })),
    opts,
  );
}
