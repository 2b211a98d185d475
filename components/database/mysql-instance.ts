import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { retainedLogGroup } from "../logs/log-group";
import { DatabaseCredentials } from "../secrets/database-credentials";
import { MYSQL_PORT, RDS_CA_IDENTIFIER, type MysqlMajor } from "./mysql-versions";

/** Logs exported to CloudWatch: `audit` comes from the MARIADB_AUDIT_PLUGIN option. */
export const MYSQL_LOG_EXPORTS = ["audit", "error", "slowquery"] as const;

/** What the audit plugin records: logins and the queries that change or read patient data. */
export const AUDIT_EVENTS = "CONNECT,QUERY_DCL,QUERY_DDL,QUERY_DML";

export interface MysqlInstanceArgs {
  /** The RDS identifier; also names the log groups (/aws/rds/instance/<identifier>/<log>). */
  identifier: string;
  vpcId: pulumi.Input<string>;
  /** Isolated subnets (no route to or from the internet) in at least two availability zones. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Customer-managed key: storage, Performance Insights, the master secret and the log groups. */
  kmsKeyArn: pulumi.Input<string>;
  instanceClass: string;
  allocatedStorageGb: number;
  /** Storage autoscaling limit. */
  maxAllocatedStorageGb: number;
  engineMajor: MysqlMajor;
  multiAz: boolean;
  backupRetentionDays: number;
  performanceInsights: boolean;
  iamAuthentication?: boolean;
  logRetentionDays: number;
  /** Deletion protection, a final snapshot, and Pulumi `protect` on the instance and its logs. */
  protect: boolean;
  /** The master user's name; its generated password is kept in Secrets Manager under the key. */
  masterUsername?: string;
}

/** Pure: the DB parameters (TLS 1.2+ required, slow query log to a file RDS exports). */
export function mysqlParameters(): aws.types.input.rds.ParameterGroupParameter[] {
  return [
    { name: "require_secure_transport", value: "1" },
    // static parameter: applies at creation, later changes at the next reboot
    { name: "tls_version", value: "TLSv1.2,TLSv1.3", applyMethod: "pending-reboot" },
    { name: "slow_query_log", value: "1" },
    { name: "long_query_time", value: "2" },
    // RDS exports the slow query and general logs only when they go to a file
    { name: "log_output", value: "FILE" },
    { name: "character_set_server", value: "utf8mb4" },
    { name: "collation_server", value: "utf8mb4_general_ci" },
  ];
}

/**
 * RDS for MySQL in isolated subnets: encrypted with the customer-managed key, TLS 1.2+ required,
 * audit/error/slow-query logs exported into log groups created first with retention and the key,
 * the master password generated in a set OpenEMR's installer takes and kept in Secrets Manager under
 * the key, reachable on 3306 only from the
 * security groups its tier admits (`admitFrom` in network/security-rules.ts), and protected (deletion protection, final snapshot,
 * Pulumi `protect`).
 */
export class MysqlInstance extends pulumi.ComponentResource {
  public readonly instance: aws.rds.Instance;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  public readonly parameterGroup: aws.rds.ParameterGroup;
  public readonly optionGroup: aws.rds.OptionGroup;
  public readonly logGroups: aws.cloudwatch.LogGroup[];
  public readonly address: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  public readonly masterCredentials: DatabaseCredentials;
  /** The master user's secret (JSON with username and password). */
  public readonly masterSecretArn: pulumi.Output<string>;

  constructor(name: string, args: MysqlInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:database:MysqlInstance", name, {}, opts);
    const child = { parent: this };
    if (args.maxAllocatedStorageGb < args.allocatedStorageGb) {
      throw new Error(
        `${name}: maxAllocatedStorageGb (${args.maxAllocatedStorageGb}) is below allocatedStorageGb (${args.allocatedStorageGb})`,
      );
    }
    const family = `mysql${args.engineMajor}`;
    const idPart = args.identifier;

    // No inline ingress: clients are admitted by standalone `admitFrom` rules, created once the client's
    // group exists (the client's group in turn names this one in its egress rule).
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `${name}: MySQL from its client security group only`,
        // the database starts no connections
        egress: [],
        tags: { Name: `${name}-sg` },
      },
      child,
    );

    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      {
        name: `${idPart}-subnets`,
        subnetIds: args.subnetIds,
        description: `${name}: isolated subnets, no route to the internet`,
      },
      child,
    );

    this.parameterGroup = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        // the family is in the name so a major upgrade creates its new group beside the old one
        name: `${idPart}-${family.replace(/\./g, "-")}`,
        family,
        description: `${name}: TLS 1.2+ required, slow query log`,
        parameters: mysqlParameters(),
      },
      child,
    );

    this.optionGroup = new aws.rds.OptionGroup(
      `${name}-options`,
      {
        name: `${idPart}-${family.replace(/\./g, "-")}-audit`,
        optionGroupDescription: `${name}: MariaDB audit plugin`,
        engineName: "mysql",
        majorEngineVersion: args.engineMajor,
        options: [
          {
            optionName: "MARIADB_AUDIT_PLUGIN",
            optionSettings: [
              { name: "SERVER_AUDIT_EVENTS", value: AUDIT_EVENTS },
              { name: "SERVER_AUDIT_FILE_ROTATIONS", value: "10" },
            ],
          },
        ],
      },
      child,
    );

    // RDS creates /aws/rds/instance/<id>/<log> itself, never expiring and without the key, unless
    // the group exists before the instance starts exporting
    this.logGroups = MYSQL_LOG_EXPORTS.map((log) =>
      retainedLogGroup(
        `${name}-${log}-log`,
        {
          logGroupName: `/aws/rds/instance/${idPart}/${log}`,
          retentionInDays: args.logRetentionDays,
          kmsKeyArn: args.kmsKeyArn,
          protect: args.protect,
        },
        child,
      ),
    );

    this.masterCredentials = new DatabaseCredentials(
      `${name}-master`,
      {
        secretName: `${idPart}/master-credentials`,
        username: args.masterUsername ?? "dbadmin",
        kmsKeyArn: args.kmsKeyArn,
        protect: args.protect,
      },
      child,
    );

    this.instance = new aws.rds.Instance(
      `${name}`,
      {
        identifier: idPart,
        engine: "mysql",
        // The major only: RDS installs its current minor and upgrades it in the maintenance
        // window. Pinned minors are retired by AWS and then break creates (openemr-devops#311,
        // #390); the provider accepts the major and tracks the minor in engineVersionActual.
        engineVersion: args.engineMajor,
        autoMinorVersionUpgrade: true,
        allowMajorVersionUpgrade: false,
        // never enrol in paid RDS Extended Support when the major reaches end of standard support
        engineLifecycleSupport: "open-source-rds-extended-support-disabled",
        instanceClass: args.instanceClass,
        storageType: "gp3",
        allocatedStorage: args.allocatedStorageGb,
        maxAllocatedStorage: args.maxAllocatedStorageGb,
        storageEncrypted: true,
        kmsKeyId: args.kmsKeyArn,
        // no dbName: OpenEMR's installer runs `create database` without IF NOT EXISTS
        // (openemr library/classes/Installer.class.php, quick_install -> create_database) and
        // openemr.sh retries auto_setup forever when it fails, so the database must not exist yet
        username: this.masterCredentials.username,
        password: this.masterCredentials.password,
        port: MYSQL_PORT,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [this.securityGroup.id],
        publiclyAccessible: false,
        parameterGroupName: this.parameterGroup.name,
        optionGroupName: this.optionGroup.name,
        caCertIdentifier: RDS_CA_IDENTIFIER,
        multiAz: args.multiAz,
        enabledCloudwatchLogsExports: [...MYSQL_LOG_EXPORTS],
        backupRetentionPeriod: args.backupRetentionDays,
        // before AWS Backup's 05:00 UTC window and the Sunday maintenance window
        backupWindow: "03:00-04:00",
        maintenanceWindow: "sun:06:00-sun:07:00",
        copyTagsToSnapshot: true,
        deleteAutomatedBackups: !args.protect,
        deletionProtection: args.protect,
        skipFinalSnapshot: !args.protect,
        finalSnapshotIdentifier: args.protect ? `${idPart}-final` : undefined,
        performanceInsightsEnabled: args.performanceInsights,
        performanceInsightsKmsKeyId: args.performanceInsights ? args.kmsKeyArn : undefined,
        performanceInsightsRetentionPeriod: args.performanceInsights ? 7 : undefined,
        iamDatabaseAuthenticationEnabled: args.iamAuthentication ?? false,
        applyImmediately: false,
        tags: { Name: idPart },
      },
      {
        ...child,
        protect: args.protect,
        dependsOn: this.logGroups,
        // instances created before the program stopped setting dbName keep theirs: a change of
        // dbName replaces the database
        ignoreChanges: ["dbName"],
      },
    );

    this.address = this.instance.address;
    this.arn = this.instance.arn;
    this.masterSecretArn = this.masterCredentials.secretArn;
    this.registerOutputs({ address: this.address, masterSecretArn: this.masterSecretArn });
  }
}
