import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { NAME_LIMITS, fitName } from "../naming/aws-names";
import type { StandardSettings } from "../../presets/standard";
import { loadBalancerAlarms, rdsInstanceAlarms } from "../alarms/alarm-specs";
import { BackupPlan } from "../backup/backup-plan";
import { RDS_CA_BUNDLE_URL } from "../service/openemr-container";
import { openemrHost } from "../compute/openemr-host";
import type { WebInstance } from "../compute/web-instance";
import { MysqlInstance } from "../database/mysql-instance";
import { admitFrom } from "../network/security-rules";
import { MYSQL_PORT } from "../database/mysql-versions";
import { EncryptionKey } from "../keys/encryption-key";
import { HttpsLoadBalancer } from "../loadbalancer/https-load-balancer";
import type { Network } from "../network/network";
import { WebFirewall } from "../waf/web-firewall";
import {
  alarmOutputs,
  tierDashboard,
  backupJobsFailedAlarm,
  copyJobsFailedAlarm,
  listCopiesOutput,
  listRecoveryPointsCommand,
  tierAuditTrail,
  tierCopyRegion,
  tierMonitoring,
  tierNetwork,
  volumeRestoreCommand,
} from "./tier-parts";
import type { TierCommonArgs, TierOutputs } from "./types";

export type StandardTierArgs = TierCommonArgs &
  StandardSettings & {
    /** IAM database authentication on the RDS instance (off: OpenEMR uses a password). */
    iamDatabaseAuthentication?: boolean;
  };

/**
 * Standard: one EC2 web server (OpenEMR in a container, sites on a KMS-encrypted data volume) and a
 * managed RDS MySQL in isolated subnets, TLS required between them. Optional HTTPS load balancer in
 * front when a certificate (or a domain with its hosted zone) is given. AWS Backup protects the
 * database and the documents volume in a KMS-encrypted vault.
 *
 * No NAT gateway: the web server sits in a public subnet and reaches package mirrors, Docker Hub and
 * AWS APIs through the internet gateway with its own public address; the database subnets need no
 * internet route at all (RDS patches and backs itself up through the service).
 */
export class StandardTier extends pulumi.ComponentResource {
  public readonly outputs: TierOutputs;
  public readonly key: EncryptionKey;
  public readonly network: Network;
  public readonly instance: WebInstance;
  public readonly database: MysqlInstance;
  public readonly backup: BackupPlan;
  public readonly loadBalancer: HttpsLoadBalancer | undefined;

  constructor(name: string, args: StandardTierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:tiers:Standard", name, {}, opts);
    const child = { parent: this };
    const protect = args.protectData;
    const useLoadBalancer = Boolean(args.certificateArn || (args.domain && args.hostedZoneId));

    this.key = new EncryptionKey(
      `${name}-key`,
      {
        region: args.region,
        description: `${name}: OpenEMR database, documents, backups, secrets, logs and audit trail`,
        users: [
          "ec2",
          "s3",
          "logs",
          "cloudtrail",
          "rds",
          "secretsmanager",
          "backup",
          "ssm",
          "sns",
          "session-manager",
        ],
        protect,
      },
      child,
    );
    const kmsKeyArn = this.key.arn;

    // RDS subnet groups need two zones, and Multi-AZ puts the standby in the second one
    this.network = tierNetwork(
      name,
      args,
      { availabilityZones: 2, privateSubnets: false, isolatedSubnets: true, natStrategy: "none" },
      kmsKeyArn,
      child,
    );

    const alarms = tierMonitoring(name, args, kmsKeyArn, child);
    tierAuditTrail(name, args, kmsKeyArn, alarms, child);

    this.database = new MysqlInstance(
      `${name}-db`,
      {
        identifier: fitName(`${name}-db`, NAME_LIMITS.rdsIdentifier),
        vpcId: this.network.vpcId,
        subnetIds: this.network.isolatedSubnetIds,
        kmsKeyArn,
        instanceClass: args.dbInstanceClass,
        allocatedStorageGb: args.dbAllocatedStorageGb,
        maxAllocatedStorageGb: args.dbMaxAllocatedStorageGb,
        engineMajor: args.mysqlVersion,
        multiAz: args.multiAz,
        backupRetentionDays: args.dbBackupRetentionDays,
        performanceInsights: args.performanceInsights,
        iamAuthentication: args.iamDatabaseAuthentication,
        logRetentionDays: args.logRetentionDays,
        protect,
      },
      child,
    );
    const db = this.database;

    const host = openemrHost(
      name,
      {
        ...args,
        protect,
        kmsKeyArn,
        // backups are AWS Backup's and certificates ACM's (or the image's self-signed one): the
        // local backup, restore and certificate scripts are not installed
        backupMode: "aws-backup",
        scripts: [],
        // an OpenEMR upgrade migrates the database: it snapshots it first
        preUpgradeSnapshot: { dbInstanceArn: db.arn, dbInstanceIdentifier: db.instance.identifier },
        tlsDatabase: true,
        siteAddress: useLoadBalancer ? args.domain : undefined,
        env: {
          swapGb: 0,
          database: pulumi.all([db.address, db.masterSecretArn]).apply(([dbHost, secretArn]) => ({
            DB_HOST: dbHost,
            DB_SECRET_ARN: secretArn,
            RDS_CA_BUNDLE_URL,
          })),
          // TLS: the load balancer's ACM certificate, or the image's self-signed one
          domain: "",
        },
        policyStatements: pulumi
          .all([kmsKeyArn, db.masterSecretArn])
          .apply(([keyArn, secretArn]): aws.iam.PolicyStatement[] => [
            {
              Sid: "ReadDatabaseMasterSecret",
              Effect: "Allow",
              Action: "secretsmanager:GetSecretValue",
              Resource: secretArn,
            },
            {
              Sid: "DecryptSecrets",
              Effect: "Allow",
              Action: "kms:Decrypt",
              Resource: keyArn,
              // the master secret and the parameters only, never the key directly
              Condition: {
                StringEquals: {
                  "kms:ViaService": [
                    `secretsmanager.${args.region}.amazonaws.com`,
                    `ssm.${args.region}.amazonaws.com`,
                  ],
                },
              },
            },
          ]),
        instance: {
          vpcId: this.network.vpcId,
          subnetId: this.network.publicSubnetIds.apply((ids) => ids[0]),
          instanceType: args.instanceType,
          architecture: args.architecture,
          rootVolumeGb: args.rootVolumeGb,
          dataVolumeGb: args.documentsVolumeGb,
          // behind the load balancer nobody reaches the instance directly: its only ingress is the
          // load balancer's rule; it keeps an auto-assigned public address for outbound traffic only
          allowedCidrs: useLoadBalancer ? [] : args.allowedCidrs,
          externalIngressRules: useLoadBalancer,
          publicAddress: true,
          elasticIp: !useLoadBalancer,
          extraEgress: [
            {
              port: MYSQL_PORT,
              description: "MySQL (TLS) to the database",
              securityGroupId: db.securityGroup.id,
            },
          ],
          detailedMonitoring: args.detailedMonitoring,
        },
        monitoring: alarms,
      },
      child,
    );
    this.instance = host.instance;
    admitFrom(
      `${name}-db-from-web`,
      {
        securityGroupId: db.securityGroup.id,
        fromSecurityGroupId: this.instance.securityGroup.id,
        port: MYSQL_PORT,
        description: "MySQL (TLS required) from the web server",
      },
      child,
    );

    let firewall: WebFirewall | undefined;
    if (useLoadBalancer) {
      this.loadBalancer = new HttpsLoadBalancer(
        `${name}-lb`,
        {
          vpcId: this.network.vpcId,
          publicSubnetIds: this.network.publicSubnetIds,
          allowedCidrs: args.allowedCidrs,
          certificateArn: args.certificateArn,
          domain: args.domain,
          hostedZoneId: args.hostedZoneId,
          targetType: "instance",
          targetSecurityGroupId: this.instance.securityGroup.id,
          targetPort: 443,
          region: args.region,
          logRetentionDays: args.logRetentionDays,
          protect,
        },
        child,
      );
      firewall = new WebFirewall(
        `${name}-waf`,
        {
          resourceArn: this.loadBalancer.loadBalancer.arn,
          rateLimit: args.wafRateLimit,
          mode: args.wafMode,
          logRetentionDays: args.logRetentionDays,
          logKmsKeyArn: kmsKeyArn,
          protect,
        },
        child,
      );
      new aws.lb.TargetGroupAttachment(
        `${name}-lb-target`,
        {
          targetGroupArn: this.loadBalancer.targetGroup.arn,
          targetId: this.instance.instance.id,
          port: 443,
        },
        child,
      );
    }

    // AWS Backup copies RDS snapshots through RDS, EBS snapshots through EC2 and the rest itself
    const copyRegion = tierCopyRegion(name, args, ["backup", "rds", "ec2"], child);
    this.backup = new BackupPlan(
      `${name}-backup`,
      {
        ...(copyRegion
          ? { copyTo: { provider: copyRegion.provider, kmsKeyArn: copyRegion.key.arn } }
          : {}),
        kmsKeyArn,
        resourceArns: [db.arn, this.instance.dataVolume!.arn],
        dailyRetentionDays: args.dailyBackupRetentionDays,
        weeklyRetentionDays: args.weeklyBackupRetentionDays,
        monthlyRetentionDays: args.monthlyBackupRetentionDays,
        protect,
      },
      child,
    );

    for (const a of [
      ...rdsInstanceAlarms({ identifier: db.instance.identifier }),
      ...(this.loadBalancer
        ? loadBalancerAlarms({
            loadBalancerArnSuffix: this.loadBalancer.loadBalancer.arnSuffix,
            targetGroupArnSuffix: this.loadBalancer.targetGroup.arnSuffix,
          })
        : []),
    ]) {
      alarms.alarm(a.suffix, a.description, a.spec);
    }
    backupJobsFailedAlarm(alarms, this.backup.vault.name, "the database or documents");
    if (copyRegion) copyJobsFailedAlarm(alarms, this.backup.vault.name, copyRegion.region);

    this.outputs = {
      url: this.loadBalancer
        ? this.loadBalancer.url
        : pulumi.interpolate`https://${this.instance.publicIp}/`,
      adminUser: "admin",
      ...host.access,
      databaseEndpoint: db.address,
      backupLocation: pulumi.interpolate`AWS Backup vault ${this.backup.vault.name}`,
      listBackupsCommand: listRecoveryPointsCommand(args.region, this.backup.vault.name),
      restoreCommand: pointInTimeRestoreCommand(args.region, db),
      restoreFilesCommand: volumeRestoreCommand(
        args.region,
        this.backup.vault.name,
        this.instance.dataVolume!,
        kmsKeyArn,
      ),
      ...listCopiesOutput(args.backupCopyRegion, this.backup.copyVault),
      logGroups: [
        ...Object.values(host.logGroups),
        ...db.logGroups,
        ...(firewall ? [firewall.logGroup] : []),
        this.network.flowLogGroup,
      ].map((g) => g.name),
      ...alarmOutputs(args, alarms),
      ...tierDashboard(name, args.region, alarms, child),
    };
    this.registerOutputs({ url: this.outputs.url, databaseEndpoint: db.address });
  }
}

/**
 * The database restored beside the live one to a point in time, in its subnets, security groups,
 * parameter and option groups (docs/standard.md "Backups and restore").
 */
function pointInTimeRestoreCommand(region: string, db: MysqlInstance): pulumi.Output<string> {
  const source = db.instance.identifier;
  const target = source.apply((id) => fitName(`${id}-restore`, NAME_LIMITS.rdsIdentifier));
  const groups = db.instance.vpcSecurityGroupIds.apply((ids) => ids.join(" "));
  return pulumi.interpolate`aws rds restore-db-instance-to-point-in-time --region ${region} --source-db-instance-identifier ${source} --target-db-instance-identifier ${target} --restore-time <YYYY-MM-DDTHH:MM:SSZ> --db-subnet-group-name ${db.instance.dbSubnetGroupName} --vpc-security-group-ids ${groups} --db-parameter-group-name ${db.parameterGroup.name} --option-group-name ${db.optionGroup.name} --no-publicly-accessible`;
}
