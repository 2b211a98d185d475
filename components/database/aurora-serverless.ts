import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { NAME_LIMITS, fitName } from "../naming/aws-names";
import { retainedLogGroup } from "../logs/log-group";
import { DatabaseCredentials } from "../secrets/database-credentials";
import { serverSecurityGroup } from "../network/security-rules";
import { MYSQL_PORT, RDS_CA_IDENTIFIER } from "./mysql-versions";

/**
 * Aurora MySQL 3 (MySQL 8.0 compatible), pinned by its major only: AWS resolves "8.0" to its current
 * default 3.x release at creation and applies minor upgrades itself; the program ignores later
 * differences in `engineVersion`, so a retired minor never breaks a fresh deploy and an upgraded
 * cluster is never "downgraded" by the next update.
 */
export const AURORA_MYSQL_MAJOR = "8.0";
export const AURORA_MYSQL_FAMILY = "aurora-mysql8.0";
/**
 * No `general`: the general query log records every statement with its values, patient data
 * included; the audit log already records who connected and what they queried or changed.
 */
export const LOG_EXPORTS = ["audit", "error", "slowquery"] as const;

export interface ClusterParameter {
  name: string;
  value: string;
  applyMethod: "immediate" | "pending-reboot";
}

/**
 * Pure: the cluster parameters. TLS is required for every connection (and only TLS 1.2+ offered);
 * the audit plugin records connections, queries and table access the way the reference deployment
 * does, and the slow-query log is written so it can be exported to CloudWatch Logs. The general log
 * stays off (it would copy every statement, patient data included, into CloudWatch), and
 * `server_audit_logs_upload` is not set: it is the legacy upload path that needs the
 * `aws_default_logs_role` cluster role, while the cluster exports `audit` through
 * `enabledCloudwatchLogsExports`
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Integrating.CloudWatch.html).
 */
export function clusterParameters(): ClusterParameter[] {
  const now = (name: string, value: string): ClusterParameter => ({
    name,
    value,
    applyMethod: "immediate",
  });
  return [
    now("require_secure_transport", "ON"),
    { name: "tls_version", value: "TLSv1.2,TLSv1.3", applyMethod: "pending-reboot" },
    now("server_audit_logging", "1"),
    now("server_audit_events", "CONNECT,QUERY,QUERY_DCL,QUERY_DDL,QUERY_DML,TABLE"),
    now("general_log", "0"),
    now("slow_query_log", "1"),
    now("log_queries_not_using_indexes", "1"),
    { name: "log_output", value: "FILE", applyMethod: "immediate" },
    // OpenEMR's installer and long reports run for minutes; the reference raises these limits
    now("net_read_timeout", "30000"),
    now("net_write_timeout", "30000"),
    now("wait_timeout", "30000"),
    now("connect_timeout", "30000"),
    now("max_execution_time", "3000000"),
  ];
}

export interface AuroraServerlessArgs {
  vpcId: pulumi.Input<string>;
  /** Subnets for the DB subnet group (isolated: no route to or from the internet). */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Security group of the clients (the OpenEMR tasks); the only source allowed on 3306. */
  clientSecurityGroupId: pulumi.Input<string>;
  /** Customer-managed key for storage, snapshots and Performance Insights. */
  kmsKeyArn: pulumi.Input<string>;
  /** Customer-managed key for the master user's secret. */
  secretKmsKeyArn: pulumi.Input<string>;
  /** Customer-managed key for the exported log groups. */
  logKmsKeyArn: pulumi.Input<string>;
  logRetentionDays: number;
  minAcu: number;
  maxAcu: number;
  /** A second serverless instance that can take over as writer (and serve reads). */
  reader: boolean;
  backupRetentionDays: number;
  /** Deletion protection, a final snapshot and Pulumi `protect`. */
  protect: boolean;
  masterUsername?: string;
}

/**
 * Aurora MySQL Serverless v2: a provisioned-mode cluster with a serverless scaling range and
 * `db.serverless` instances (writer, optional reader), encrypted with the customer-managed key,
 * TLS required through the cluster parameter group, audit/error/general/slow-query logs exported to
 * log groups created here first (retention + key), the master password generated in a set
 * OpenEMR's installer takes and kept in Secrets Manager under the secrets key.
 */
export class AuroraServerless extends pulumi.ComponentResource {
  public readonly cluster: aws.rds.Cluster;
  public readonly writer: aws.rds.ClusterInstance;
  public readonly reader: aws.rds.ClusterInstance | undefined;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  public readonly parameterGroup: aws.rds.ClusterParameterGroup;
  public readonly logGroups: aws.cloudwatch.LogGroup[];
  public readonly clusterIdentifier: string;
  public readonly endpoint: pulumi.Output<string>;
  public readonly readerEndpoint: pulumi.Output<string>;
  public readonly masterCredentials: DatabaseCredentials;
  /** The secret holding the master `username` and `password`. */
  public readonly masterSecretArn: pulumi.Output<string>;

  constructor(name: string, args: AuroraServerlessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:database:AuroraServerless", name, {}, opts);
    const child = { parent: this };
    if (args.minAcu > args.maxAcu) {
      throw new Error(`${name}: minAcu ${args.minAcu} is greater than maxAcu ${args.maxAcu}`);
    }
    this.clusterIdentifier = fitName(name, NAME_LIMITS.rdsIdentifier);

    this.securityGroup = serverSecurityGroup(
      name,
      {
        vpcId: args.vpcId,
        description: "MySQL from the OpenEMR tasks only",
        clientSecurityGroupId: args.clientSecurityGroupId,
        port: MYSQL_PORT,
        pathDescription: "OpenEMR to Aurora MySQL (TLS required)",
      },
      child,
    );

    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      {
        name: `${this.clusterIdentifier}-subnets`,
        subnetIds: args.subnetIds,
        description: `${name}: isolated subnets`,
      },
      child,
    );
    this.parameterGroup = new aws.rds.ClusterParameterGroup(
      `${name}-params`,
      {
        // the family is in the name so a major upgrade creates its new group beside the old one
        name: `${this.clusterIdentifier}-${AURORA_MYSQL_FAMILY.replace(/\./g, "-")}`,
        family: AURORA_MYSQL_FAMILY,
        description: `${name}: TLS required, audit logging`,
        parameters: clusterParameters(),
      },
      child,
    );

    // RDS creates /aws/rds/cluster/<id>/<log> itself, without retention or key, unless it exists
    this.logGroups = LOG_EXPORTS.map((log) =>
      retainedLogGroup(
        `${name}-${log}-log`,
        {
          logGroupName: `/aws/rds/cluster/${this.clusterIdentifier}/${log}`,
          retentionInDays: args.logRetentionDays,
          kmsKeyArn: args.logKmsKeyArn,
          protect: args.protect,
        },
        child,
      ),
    );

    this.masterCredentials = new DatabaseCredentials(
      `${name}-master`,
      {
        secretName: `${this.clusterIdentifier}/master-credentials`,
        username: args.masterUsername ?? "openemr_admin",
        kmsKeyArn: args.secretKmsKeyArn,
        protect: args.protect,
      },
      child,
    );

    this.cluster = new aws.rds.Cluster(
      `${name}-cluster`,
      {
        clusterIdentifier: this.clusterIdentifier,
        engine: "aurora-mysql",
        engineMode: "provisioned",
        engineVersion: AURORA_MYSQL_MAJOR,
        // never enrol in paid RDS Extended Support when the major version reaches end of life
        engineLifecycleSupport: "open-source-rds-extended-support-disabled",
        serverlessv2ScalingConfiguration: {
          minCapacity: args.minAcu,
          maxCapacity: args.maxAcu,
        },
        storageEncrypted: true,
        kmsKeyId: args.kmsKeyArn,
        masterUsername: this.masterCredentials.username,
        masterPassword: this.masterCredentials.password,
        port: MYSQL_PORT,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [this.securityGroup.id],
        dbClusterParameterGroupName: this.parameterGroup.name,
        enabledCloudwatchLogsExports: [...LOG_EXPORTS],
        backupRetentionPeriod: args.backupRetentionDays,
        // before AWS Backup's 05:00 UTC window and the Sunday maintenance window
        preferredBackupWindow: "03:00-04:00",
        preferredMaintenanceWindow: "sun:06:00-sun:07:00",
        copyTagsToSnapshot: true,
        deletionProtection: args.protect,
        skipFinalSnapshot: !args.protect,
        finalSnapshotIdentifier: args.protect ? `${this.clusterIdentifier}-final` : undefined,
        iamDatabaseAuthenticationEnabled: false,
        tags: { Name: this.clusterIdentifier },
      },
      {
        ...child,
        protect: args.protect,
        dependsOn: this.logGroups,
        // AWS reports the resolved minor ("8.0.mysql_aurora.3.x") and upgrades it over time
        ignoreChanges: ["engineVersion"],
      },
    );

    const instance = (role: "writer" | "reader", promotionTier: number) =>
      new aws.rds.ClusterInstance(
        `${name}-${role}`,
        {
          identifier: fitName(`${this.clusterIdentifier}-${role}`, NAME_LIMITS.rdsIdentifier),
          clusterIdentifier: this.cluster.id,
          engine: "aurora-mysql",
          instanceClass: "db.serverless",
          dbSubnetGroupName: subnetGroup.name,
          publiclyAccessible: false,
          caCertIdentifier: RDS_CA_IDENTIFIER,
          autoMinorVersionUpgrade: true,
          // tiers 0 and 1 scale with the writer, so a failover lands on a warm instance
          promotionTier,
          performanceInsightsEnabled: true,
          performanceInsightsKmsKeyId: args.kmsKeyArn,
          performanceInsightsRetentionPeriod: 7,
          copyTagsToSnapshot: true,
          tags: { Name: `${this.clusterIdentifier}-${role}` },
        },
        { ...child, ignoreChanges: ["engineVersion"] },
      );
    this.writer = instance("writer", 0);
    this.reader = args.reader ? instance("reader", 1) : undefined;

    this.endpoint = this.cluster.endpoint;
    this.readerEndpoint = this.cluster.readerEndpoint;
    this.masterSecretArn = this.masterCredentials.secretArn;
    this.registerOutputs({ endpoint: this.endpoint, masterSecretArn: this.masterSecretArn });
  }
}
