import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { ExpressSettings } from "../../presets/express";
import type { ExpressPlusSettings } from "../../presets/express-plus";
import { monitoring } from "../alarms/monitoring";
import { AuditTrail } from "../audit/audit-trail";
import { SnapshotPolicy } from "../backup/snapshot-policy";
import { CONTAINER_START_SCRIPT, renderUserData } from "../compute/user-data";
import { openemrHostStartScript } from "../service/openemr-container";
import { DATA_DEVICE, WebInstance } from "../compute/web-instance";
import { EncryptionKey } from "../keys/encryption-key";
import { retainedLogGroups } from "../logs/log-group";
import { Network } from "../network/network";
import { passwordParameters } from "../secrets/generated-password";
import { SecureBucket } from "../storage/secure-bucket";
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
    const region = pulumi.output(args.region);
    const identity = aws.getCallerIdentityOutput({}, child);
    const partition = aws.getPartitionOutput({}, child).partition;

    this.key = args.plus
      ? new EncryptionKey(
          `${name}-key`,
          {
            description: `${name}: OpenEMR data, backups, logs and audit trail`,
            users: ["ec2", "s3", "logs", "cloudtrail", "ssm", "sns"],
            protect,
          },
          child,
        )
      : undefined;
    const kmsKeyArn = this.key?.arn;

    const network = new Network(
      `${name}-net`,
      {
        cidrBlock: args.vpcCidr,
        availabilityZones: 1,
        privateSubnets: false,
        isolatedSubnets: false,
        natStrategy: "none",
        logRetentionDays: args.logRetentionDays,
        logKmsKeyArn: kmsKeyArn,
        protectLogs: protect,
        logGroupPrefix: args.logGroupPrefix,
      },
      child,
    );

    const logs = retainedLogGroups(
      name,
      {
        containers: "containers",
        database: "database",
        system: "system",
      },
      { prefix: args.logGroupPrefix, retentionInDays: args.logRetentionDays, kmsKeyArn, protect },
      child,
    );

    const stack = args.stack;
    const paramPrefix = args.parameterPrefix;
    const params = passwordParameters(
      name,
      { dbRoot: "db-root-password", dbUser: "db-user-password", admin: "admin-password" },
      { prefix: paramPrefix, kmsKeyArn },
      child,
    );

    if (args.plus) {
      this.backupBucket = new SecureBucket(
        `${name}-backups`,
        {
          encryption: { kind: "kms", kmsKeyArn: kmsKeyArn! },
          purpose: "backups",
          expireAfterDays: args.plus.backupRetentionDays,
          noncurrentExpireAfterDays: 7,
          protect,
          forceDestroy: !protect,
        },
        child,
      );
      if (args.auditTrail === "create") {
        new AuditTrail(
          `${name}-audit`,
          {
            kmsKeyArn: kmsKeyArn!,
            retentionDays: args.logRetentionDays,
            logGroupPrefix: args.logGroupPrefix,
            protect,
          },
          child,
        );
      }
    }

    const parameterArns = pulumi
      .all([region, identity.accountId, partition])
      .apply(([r, account, p]) => `arn:${p}:ssm:${r}:${account}:parameter${paramPrefix}/*`);
    const statements = pulumi
      .all([parameterArns, kmsKeyArn ?? "", this.backupBucket?.arn ?? ""])
      .apply(([paramArn, keyArn, bucketArn]) => {
        const list: Record<string, unknown>[] = [
          {
            Sid: "ReadOwnSecrets",
            Effect: "Allow",
            Action: "ssm:GetParameter",
            Resource: paramArn,
          },
          {
            Sid: "ReportBackupAndCertificateHealth",
            Effect: "Allow",
            Action: "cloudwatch:PutMetricData",
            Resource: "*",
            Condition: { StringEquals: { "cloudwatch:namespace": "OpenEMR" } },
          },
        ];
        if (keyArn) {
          list.push({
            Sid: "UseDataKey",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: keyArn,
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
        if (args.hostedZoneId) {
          list.push(
            {
              Sid: "CertificateDnsChallenge",
              Effect: "Allow",
              Action: ["route53:ChangeResourceRecordSets"],
              Resource: `arn:aws:route53:::hostedzone/${args.hostedZoneId}`,
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
      });

    const userData = pulumi
      .all([
        region,
        logs.containers.name,
        logs.database.name,
        logs.system.name,
        this.backupBucket?.bucketName ?? "",
        kmsKeyArn ?? "",
      ])
      .apply(([r, containers, database, system, bucket, keyArn]) =>
        renderUserData(
          {
            STACK: stack,
            REGION: r,
            OPENEMR_IMAGE: args.openemrImage,
            MARIADB_IMAGE,
            CERTBOT_IMAGE,
            DATA_DIR: "/var/lib/openemr",
            DATA_DEVICE: args.plus ? DATA_DEVICE : "",
            SWAP_GB: args.swapGb,
            DB_ROOT_PARAM: params.dbRoot,
            DB_USER_PARAM: params.dbUser,
            ADMIN_PARAM: params.admin,
            LOG_GROUP_CONTAINERS: containers,
            LOG_GROUP_DATABASE: database,
            LOG_GROUP_SYSTEM: system,
            CONTAINER_START: CONTAINER_START_SCRIPT,
            BACKUP_MODE: args.plus ? "s3" : "local",
            BACKUP_BUCKET: bucket,
            KMS_KEY_ARN: keyArn,
            BACKUP_HOUR: args.plus?.backupHourUtc ?? 5,
            LOCAL_BACKUP_DAYS: 7,
            DOMAIN: args.hostedZoneId ? (args.domain ?? "") : "",
            SITE_ADDRESS: args.hostedZoneId && args.domain ? `https://${args.domain}` : "",
            ACME_EMAIL: args.acmeEmail ?? "",
          },
          undefined,
          [
            {
              path: CONTAINER_START_SCRIPT,
              content: openemrHostStartScript({ tlsDatabase: false }),
              permissions: "0644",
            },
          ],
        ),
      );

    this.instance = new WebInstance(
      `${name}-web`,
      {
        vpcId: network.vpcId,
        subnetId: network.publicSubnetIds.apply((ids) => ids[0]),
        instanceType: args.instanceType,
        architecture: args.architecture,
        rootVolumeGb: args.rootVolumeGb,
        kmsKeyArn,
        dataVolumeGb: args.plus?.dataVolumeGb,
        allowedCidrs: args.allowedCidrs,
        publicAddress: true,
        userData,
        detailedMonitoring: args.detailedMonitoring,
        policyStatements: statements,
        snapshotTag: name,
        protect,
      },
      { ...child, dependsOn: Object.values(logs) },
    );

    new SnapshotPolicy(
      `${name}-snapshots`,
      { tagValue: name, retainCount: args.snapshotRetentionDays, time: "06:00" },
      child,
    );

    const alarms = monitoring(name, { email: args.alarmEmail, kmsKeyArn }, child);
    alarms.alarm("backup-failed", "the daily OpenEMR backup failed or did not run", {
      namespace: "OpenEMR",
      metricName: "BackupSucceeded",
      dimensions: { Stack: stack },
      statistic: "Minimum",
      period: 86400,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
    });
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
        `the Let's Encrypt certificate for ${args.domain} expires within 14 days`,
        {
          namespace: "OpenEMR",
          metricName: "CertificateDaysLeft",
          dimensions: { Stack: stack },
          statistic: "Minimum",
          period: 86400,
          evaluationPeriods: 1,
          threshold: 14,
          comparisonOperator: "LessThanThreshold",
          treatMissingData: "breaching",
        },
      );
    }

    const host =
      args.domain && args.hostedZoneId ? pulumi.output(args.domain) : this.instance.publicIp;
    this.outputs = {
      url: pulumi.interpolate`https://${host}/`,
      adminUser: "admin",
      adminPasswordLocation: pulumi.output(params.admin),
      adminPasswordCommand: pulumi.interpolate`aws ssm get-parameter --region ${region} --with-decryption --name ${params.admin} --query Parameter.Value --output text`,
      instanceId: this.instance.instance.id,
      adminShellCommand: pulumi.interpolate`aws ssm start-session --region ${region} --target ${this.instance.instance.id}`,
      backupLocation: this.backupBucket
        ? pulumi.interpolate`s3://${this.backupBucket.bucketName}/openemr/`
        : pulumi.output(
            "EBS snapshots (Data Lifecycle Manager) and /var/lib/openemr/backups on the instance",
          ),
      logGroups: Object.values(logs).map((g) => g.name),
    };
    this.registerOutputs({ url: this.outputs.url });
  }
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
