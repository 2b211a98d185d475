import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { eventToAlarmTopic } from "../alarms/event-rule";
import * as random from "@pulumi/random";
import type { FargateSettings } from "../../presets/fargate";
import { BackupPlan } from "../backup/backup-plan";
import {
  IMPORT_FAILED_LINE,
  IMPORT_METRIC,
  IMPORT_SUCCEEDED_LINE,
  parseRestoreFrom,
  partitionOf,
  restoreReadStatements,
} from "../backup/restore-from";
import { SessionCache } from "../cache/session-cache";
import {
  auroraAlarms,
  fargateServiceAlarms,
  importFailedAlarm,
  loadBalancerAlarms,
  valkeyServerlessAlarms,
} from "../alarms/alarm-specs";
import type { Monitoring } from "../alarms/monitoring";
import { AuroraServerless } from "../database/aurora-serverless";
import { MYSQL_PORT } from "../database/mysql-versions";
import { SharedFileSystem } from "../files/shared-file-system";
import { EncryptionKey } from "../keys/encryption-key";
import { HttpsLoadBalancer } from "../loadbalancer/https-load-balancer";
import { NAME_LIMITS, fitName } from "../naming/aws-names";
import type { Network } from "../network/network";
import { allowCidrs } from "../network/security-rules";
import { generatePassword } from "../secrets/generated-password";
import { storedSecret } from "../secrets/stored-secret";
import { FargateService } from "../service/fargate-service";
import { RESTORE_IMPORT_CONTAINER, restoreContainers } from "../service/restore-containers";
import {
  HEALTH_CHECK_GRACE_SECONDS,
  SITES_DIR,
  SSL_DIR,
  openemrBootScript,
  openemrHealthCheckCommand,
} from "../service/openemr-container";
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
} from "./tier-parts";
import type { TierCommonArgs, TierOutputs } from "./types";

export type FargateTierArgs = TierCommonArgs & FargateSettings;

/** Availability zones the tier spreads over (subnets, mount targets, tasks, database). */
export const FARGATE_AZS = 2;
export const OPENEMR_CONTAINER = "openemr";
/** The short-lived container of every task that alone holds the database master credentials. */
export const SETUP_CONTAINER = "openemr-setup";
export const OPENEMR_HTTPS_PORT = 443;
export const ADMIN_USER = "admin";
/** The MySQL and Valkey user OpenEMR runs as (the master user only sets it up). */
export const APP_USER = "openemr";

/**
 * OpenEMR on ECS Fargate: tasks in private subnets behind an HTTPS-only load balancer and WAF,
 * Aurora MySQL Serverless v2, Valkey sessions and two EFS file systems in isolated subnets,
 * customer-managed keys for data, logs and secrets, AWS Backup, CloudTrail, VPC flow logs.
 */
export class FargateTier extends pulumi.ComponentResource {
  public readonly outputs: TierOutputs;
  public readonly network: Network;
  public readonly loadBalancer: HttpsLoadBalancer;
  public readonly database: AuroraServerless;
  public readonly cache: SessionCache;
  public readonly service: FargateService;

  constructor(name: string, args: FargateTierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:tiers:Fargate", name, {}, opts);
    const child = { parent: this };
    const protect = args.protectData;
    const regionName = args.region;
    const region = pulumi.output(args.region);

    const { dataKey, logsKey, secretsKey } = fargateKeys(
      name,
      args.region,
      args.ecsExec,
      protect,
      child,
    );

    this.network = tierNetwork(
      name,
      args,
      {
        availabilityZones: FARGATE_AZS,
        privateSubnets: true,
        isolatedSubnets: true,
        natStrategy: args.natStrategy,
      },
      logsKey.arn,
      child,
    );
    const vpcId = this.network.vpcId;
    const isolated = this.network.isolatedSubnetIds;

    const alarms = tierMonitoring(name, args, logsKey.arn, child);
    const audit = tierAuditTrail(name, args, logsKey.arn, alarms, child);

    // --- the tasks' security group: every path in or out is added by the component it leads to ---
    const taskSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-tasks-sg`,
      {
        vpcId,
        description: `${name}: OpenEMR tasks`,
        tags: { Name: `${name}-tasks-sg` },
      },
      child,
    );
    allowCidrs(
      `${name}-tasks-https-out`,
      {
        securityGroupId: taskSecurityGroup.id,
        direction: "out",
        port: 443,
        cidrs: ["0.0.0.0/0"],
        description: "Image pulls, AWS APIs and CA bundles, through NAT",
      },
      { ...child, aliases: [{ name: `${name}-tasks-https-out` }] },
    );

    this.loadBalancer = new HttpsLoadBalancer(
      `${name}-lb`,
      {
        vpcId,
        publicSubnetIds: this.network.publicSubnetIds,
        allowedCidrs: args.allowedCidrs,
        certificateArn: args.certificateArn,
        domain: args.domain,
        hostedZoneId: args.hostedZoneId,
        targetType: "ip",
        targetSecurityGroupId: taskSecurityGroup.id,
        targetPort: OPENEMR_HTTPS_PORT,
        region: regionName,
        logRetentionDays: args.logRetentionDays,
        protect,
      },
      child,
    );
    const firewall = new WebFirewall(
      `${name}-waf`,
      {
        resourceArn: this.loadBalancer.loadBalancer.arn,
        rateLimit: args.wafRateLimit,
        mode: args.wafMode,
        logRetentionDays: args.logRetentionDays,
        logKmsKeyArn: logsKey.arn,
        protect,
      },
      child,
    );

    const { cachePassword, appCredentials, adminCredentials } = fargateCredentials(
      name,
      secretsKey.arn,
      protect,
      child,
    );

    this.database = new AuroraServerless(
      `${name}-db`,
      {
        vpcId,
        subnetIds: isolated,
        clientSecurityGroupId: taskSecurityGroup.id,
        kmsKeyArn: dataKey.arn,
        secretKmsKeyArn: secretsKey.arn,
        logKmsKeyArn: logsKey.arn,
        logRetentionDays: args.logRetentionDays,
        minAcu: args.auroraMinAcu,
        maxAcu: args.auroraMaxAcu,
        reader: args.auroraReader,
        backupRetentionDays: args.dbBackupRetentionDays,
        protect,
      },
      child,
    );
    this.cache = new SessionCache(
      `${name}-sessions`,
      {
        vpcId,
        subnetIds: isolated,
        clientSecurityGroupId: taskSecurityGroup.id,
        kmsKeyArn: dataKey.arn,
        username: APP_USER,
        password: pulumi.secret(cachePassword.result),
      },
      child,
    );
    const fileSystem = (suffix: string, rootDirectory: string, purpose: string) =>
      new SharedFileSystem(
        `${name}-${suffix}`,
        {
          vpcId,
          subnetIds: isolated,
          subnetCount: FARGATE_AZS,
          clientSecurityGroupId: taskSecurityGroup.id,
          kmsKeyArn: dataKey.arn,
          rootDirectory,
          purpose,
          protect,
        },
        child,
      );
    const sites = fileSystem("sites", "/openemr-sites", "openemr-sites");
    const tls = fileSystem("tls", "/openemr-tls", "openemr-tls");

    // openemr:restoreFrom: the set is imported before any task's setup container runs the installer
    const restore = args.restoreFrom ? parseRestoreFrom(args.restoreFrom) : undefined;

    this.service = new FargateService(
      `${name}-app`,
      {
        region: args.region,
        clusterName: name,
        serviceName: `${name}-openemr`,
        containerName: OPENEMR_CONTAINER,
        image: args.openemrImage,
        architecture: args.architecture,
        cpu: args.cpu,
        memory: args.memory,
        containerPort: OPENEMR_HTTPS_PORT,
        ...openemrContainers({
          databaseHost: this.database.endpoint,
          cacheHost: this.cache.host,
          masterSecretArn: this.database.masterSecretArn,
          appSecretArn: appCredentials.secret.arn,
          adminSecretArn: adminCredentials.secret.arn,
          domain: args.domain,
        }),
        ...(restore
          ? {
              initContainers: restoreContainers({
                source: restore,
                region: args.region,
                openemrVersion: args.openemrVersion,
                sitesVolume: "sites",
                databaseHost: this.database.endpoint,
                databasePort: MYSQL_PORT,
                masterSecretArn: this.database.masterSecretArn,
                appSecretArn: appCredentials.secret.arn,
                siteAddress: args.domain ? `https://${args.domain}` : undefined,
              }),
              // the task role (what the containers do), never the execution role
              taskPolicyStatements: restoreReadStatements(
                restore,
                partitionOf(args.region),
                args.restoreKmsKeyArn,
              ),
            }
          : {}),
        secretKmsKeyArns: [secretsKey.arn],
        healthCheckCommand: openemrHealthCheckCommand(),
        volumes: [sites.volume("sites", SITES_DIR), tls.volume("tls", SSL_DIR)],
        subnetIds: this.network.privateSubnetIds,
        securityGroupIds: [taskSecurityGroup.id],
        targetGroupArn: this.loadBalancer.targetGroup.arn,
        // a whole setup (at most FIRST_BOOT_SECONDS) plus the app container's first start
        healthCheckGracePeriodSeconds: HEALTH_CHECK_GRACE_SECONDS,
        minTasks: args.minTasks,
        maxTasks: args.maxTasks,
        cpuTargetPercent: args.cpuTargetPercent,
        memoryTargetPercent: args.memoryTargetPercent,
        ecsExec: args.ecsExec,
        logGroupPrefix: args.logGroupPrefix,
        logRetentionDays: args.logRetentionDays,
        logKmsKeyArn: logsKey.arn,
        protectLogs: protect,
        serviceDependsOn: [
          this.loadBalancer.httpsListener,
          ...sites.mountTargets,
          ...tls.mountTargets,
          this.database.writer,
          this.cache.cache,
          appCredentials.version,
          adminCredentials.version,
        ],
      },
      child,
    );

    // AWS Backup copies RDS snapshots through RDS, EBS snapshots through EC2 and the rest itself
    const copyRegion = tierCopyRegion(name, args, ["backup", "rds", "efs"], child);
    const backup = new BackupPlan(
      `${name}-backup`,
      {
        ...(copyRegion
          ? { copyTo: { provider: copyRegion.provider, kmsKeyArn: copyRegion.key.arn } }
          : {}),
        kmsKeyArn: dataKey.arn,
        resourceArns: [this.database.cluster.arn, sites.arn, tls.arn],
        dailyRetentionDays: args.dailyBackupRetentionDays,
        weeklyRetentionDays: args.weeklyBackupRetentionDays,
        monthlyRetentionDays: args.monthlyBackupRetentionDays,
        protect,
      },
      child,
    );

    backupJobsFailedAlarm(alarms, backup.vault.name, "the database or file systems");
    if (copyRegion) copyJobsFailedAlarm(alarms, backup.vault.name, copyRegion.region);
    // the front door, the tasks (too few; CPU and memory high despite autoscaling), the database's
    // capacity and the sessions
    for (const a of [
      ...loadBalancerAlarms({
        loadBalancerArnSuffix: this.loadBalancer.loadBalancer.arnSuffix,
        targetGroupArnSuffix: this.loadBalancer.targetGroup.arnSuffix,
      }),
      ...fargateServiceAlarms({
        clusterName: this.service.cluster.name,
        serviceName: this.service.service.name,
        desiredMin: args.minTasks,
      }),
      ...auroraAlarms({
        clusterIdentifier: this.database.clusterIdentifier,
        maxAcu: args.auroraMaxAcu,
        cpu: false,
      }),
      ...valkeyServerlessAlarms({ cacheName: this.cache.cache.name }),
    ]) {
      alarms.alarm(a.suffix, a.description, a.spec);
    }

    if (restore) importReport(name, args.stack, this.service, alarms, child);
    deploymentFailedRule(name, this.service.service.arn, alarms, child);

    const cluster = this.service.cluster.name;
    const serviceName = this.service.service.name;
    this.outputs = {
      url: this.loadBalancer.url,
      adminUser: ADMIN_USER,
      adminPasswordLocation: adminCredentials.secret.arn,
      adminPasswordCommand: pulumi.interpolate`aws secretsmanager get-secret-value --region ${region} --secret-id ${adminCredentials.secret.arn} --query SecretString --output text`,
      adminShellCommand: args.ecsExec
        ? pulumi.interpolate`aws ecs execute-command --region ${region} --cluster ${cluster} --container ${OPENEMR_CONTAINER} --interactive --command /bin/sh --task "$(aws ecs list-tasks --region ${region} --cluster ${cluster} --service-name ${serviceName} --query 'taskArns[0]' --output text)"`
        : undefined,
      databaseEndpoint: this.database.endpoint,
      backupLocation: backup.vault.arn,
      listBackupsCommand: listRecoveryPointsCommand(regionName, backup.vault.name),
      restoreCommand: clusterRestoreCommand(regionName, this.database),
      restoreFilesCommand: fileSystemRestoreCommand(
        regionName,
        backup.vault.name,
        sites.fileSystem,
        dataKey.arn,
      ),
      ...listCopiesOutput(args.backupCopyRegion, backup.copyVault),
      logGroups: [
        this.service.logGroup,
        ...(this.service.execLogGroup ? [this.service.execLogGroup] : []),
        this.service.insightsLogGroup,
        ...this.database.logGroups,
        firewall.logGroup,
        this.network.flowLogGroup,
        ...(audit ? [audit.logGroup] : []),
      ].map((g) => g.name),
      ...alarmOutputs(args, alarms),
      ...tierDashboard(name, args.region, alarms, child),
    };
    this.registerOutputs({ url: this.outputs.url });
  }
}

/**
 * Pure: the EventBridge pattern of a failed deployment of the service: ECS's "ECS Deployment State
 * Change" with eventName SERVICE_DEPLOYMENT_FAILED, sent for services with the deployment circuit
 * breaker on; the event's `resources` holds the service's ARN (Amazon ECS Developer Guide,
 * "Amazon ECS service deployment state change events").
 */
export function deploymentFailedPattern(serviceArn: string): Record<string, unknown> {
  return {
    source: ["aws.ecs"],
    "detail-type": ["ECS Deployment State Change"],
    resources: [serviceArn],
    detail: { eventName: ["SERVICE_DEPLOYMENT_FAILED"] },
  };
}

/**
 * `<name>-deployment-failed`: the circuit breaker gave up on a new task definition and rolled the
 * service back. The old tasks keep serving, so no task-count alarm fires; this rule sends the event
 * to the alarm topic.
 */
function deploymentFailedRule(
  name: string,
  serviceArn: pulumi.Output<string>,
  alarms: Monitoring,
  opts: pulumi.ComponentResourceOptions,
): void {
  eventToAlarmTopic(
    alarms,
    `${name}-deployment-failed`,
    `${name}: a deployment failed and the circuit breaker rolled the service back to the previous task definition (the previous image, not the data); read the stopped tasks' reasons (aws ecs describe-services, then describe-tasks) and docs/upgrade.md, Fargate`,
    serviceArn.apply(deploymentFailedPattern),
    opts,
  );
}

/**
 * The import's result as a metric: restore-import's last line, `openemr-import: SUCCEEDED <set>` or
 * `openemr-import: FAILED <reason>`, through two metric filters on the service's log group, and the
 * alarm on it. A filter's dimensions can only be fields of JSON or space-delimited events (PutMetricFilter,
 * MetricTransformation.dimensions), not a constant Stack, so the metric is dimension-free and named
 * after the stack: `OpenEMR/<stack>-ImportSucceeded`.
 */
function importReport(
  name: string,
  stack: string,
  service: FargateService,
  alarms: Monitoring,
  opts: pulumi.CustomResourceOptions,
): void {
  const metricName = `${stack}-${IMPORT_METRIC}`;
  for (const [suffix, line, value] of [
    ["import-succeeded", IMPORT_SUCCEEDED_LINE, "1"],
    ["import-failed", IMPORT_FAILED_LINE, "0"],
  ] as const) {
    new aws.cloudwatch.LogMetricFilter(
      `${name}-${suffix}-filter`,
      {
        name: `${name}-${suffix}`,
        logGroupName: service.logGroup.name,
        pattern: JSON.stringify(line),
        metricTransformation: { name: metricName, namespace: "OpenEMR", value },
      },
      opts,
    );
  }
  const a = importFailedAlarm({
    metric: { namespace: "OpenEMR", metricName, dimensions: {} },
    log: `the ${RESTORE_IMPORT_CONTAINER} and restore-fetch streams of the service's log group`,
  });
  alarms.alarm(a.suffix, a.description, a.spec);
}

/**
 * The cluster restored beside the live one to a point in time, in its subnets, security groups,
 * parameter group and capacity, then given its writer (docs/fargate.md "Backups and restore").
 */
function clusterRestoreCommand(region: string, database: AuroraServerless): pulumi.Output<string> {
  const { cluster, writer } = database;
  const target = fitName(`${database.clusterIdentifier}-restore`, NAME_LIMITS.rdsIdentifier);
  const writerId = fitName(`${target}-1`, NAME_LIMITS.rdsIdentifier);
  const groups = cluster.vpcSecurityGroupIds.apply((ids) => ids.join(" "));
  const capacity = cluster.serverlessv2ScalingConfiguration.apply((c) =>
    c
      ? ` --serverless-v2-scaling-configuration MinCapacity=${c.minCapacity},MaxCapacity=${c.maxCapacity}`
      : "",
  );
  return pulumi.interpolate`aws rds restore-db-cluster-to-point-in-time --region ${region} --source-db-cluster-identifier ${cluster.clusterIdentifier} --db-cluster-identifier ${target} --restore-to-time <YYYY-MM-DDTHH:MM:SSZ> --db-subnet-group-name ${cluster.dbSubnetGroupName} --vpc-security-group-ids ${groups} --db-cluster-parameter-group-name ${cluster.dbClusterParameterGroupName}${capacity} && aws rds create-db-instance --region ${region} --db-cluster-identifier ${target} --db-instance-identifier ${writerId} --db-instance-class ${writer.instanceClass} --engine ${cluster.engine}`;
}

/**
 * An AWS Backup restore of a file system's recovery point into the same file system (it lands in
 * `aws-backup-restore_<time>` at the root), with the role that made the recovery point, which holds
 * the plan's restore permissions.
 */
function fileSystemRestoreCommand(
  region: string,
  vaultName: pulumi.Output<string>,
  fileSystem: aws.efs.FileSystem,
  kmsKeyArn: pulumi.Output<string>,
): pulumi.Output<string> {
  const point = "<recovery-point-arn>";
  return pulumi.interpolate`aws backup start-restore-job --region ${region} --resource-type EFS --recovery-point-arn ${point} --iam-role-arn "$(aws backup describe-recovery-point --region ${region} --backup-vault-name ${vaultName} --recovery-point-arn ${point} --query IamRoleArn --output text)" --metadata file-system-id=${fileSystem.id},newFileSystem=false,Encrypted=true,KmsKeyId=${kmsKeyArn},PerformanceMode=${fileSystem.performanceMode}`;
}

/** One key per kind of data, each usable only by the services that need it. */
function fargateKeys(
  name: string,
  region: string,
  ecsExec: boolean,
  protect: boolean,
  opts: pulumi.CustomResourceOptions,
): { dataKey: EncryptionKey; logsKey: EncryptionKey; secretsKey: EncryptionKey } {
  const dataKey = new EncryptionKey(
    `${name}-data`,
    {
      region,
      description: `${name}: database, file systems, sessions and backups`,
      users: ["rds", "efs", "elasticache", "backup"],
      protect,
    },
    opts,
  );
  const logsKey = new EncryptionKey(
    `${name}-logs`,
    {
      region,
      description: `${name}: log groups, the audit trail and its bucket, ECS Exec sessions, alarms`,
      users: ["logs", "cloudtrail", "s3", "sns", ...(ecsExec ? ["session-manager" as const] : [])],
      protect,
    },
    opts,
  );
  const secretsKey = new EncryptionKey(
    `${name}-secrets`,
    { region, description: `${name}: generated credentials`, users: ["secretsmanager"], protect },
    opts,
  );
  return { dataKey, logsKey, secretsKey };
}

/** The credentials OpenEMR runs with, generated once and kept in Secrets Manager. */
function fargateCredentials(
  name: string,
  secretsKeyArn: pulumi.Input<string>,
  protect: boolean,
  opts: pulumi.CustomResourceOptions,
) {
  const dbPassword = generatePassword(`${name}-db-app-password`, opts, 32);
  // it travels in a URL query string (session.save_path): letters and digits only
  const cachePassword = new random.RandomPassword(
    `${name}-cache-password`,
    { length: 40, special: false, minUpper: 2, minLower: 2, minNumeric: 2 },
    opts,
  );
  const adminPassword = generatePassword(`${name}-admin-password`, opts, 20);
  const secret = (suffix: string, description: string, value: pulumi.Input<string>) =>
    storedSecret(
      `${name}-${suffix}`,
      { secretName: `${name}/${suffix}`, description, kmsKeyArn: secretsKeyArn, protect, value },
      opts,
    );
  const appCredentials = secret(
    "app-credentials",
    `${name}: the MySQL and Valkey user OpenEMR runs as`,
    pulumi.jsonStringify({
      dbUsername: APP_USER,
      dbPassword: pulumi.secret(dbPassword.result),
      cacheUsername: APP_USER,
      cachePassword: pulumi.secret(cachePassword.result),
    }),
  );
  const adminCredentials = secret(
    "admin-password",
    `${name}: password of the OpenEMR user "${ADMIN_USER}"`,
    pulumi.secret(adminPassword.result),
  );
  return { cachePassword, appCredentials, adminCredentials };
}

interface OpenemrContainersArgs {
  databaseHost: pulumi.Input<string>;
  cacheHost: pulumi.Input<string>;
  masterSecretArn: pulumi.Input<string>;
  appSecretArn: pulumi.Input<string>;
  adminSecretArn: pulumi.Input<string>;
  domain?: string;
}

/**
 * OpenEMR's two containers in every task: `openemr-setup`, short-lived, the only one holding the
 * database master credentials and the admin password, and `openemr`, which serves with the app
 * user and Valkey's credentials only.
 *
 * SWARM_MODE=yes in both: the swarm
 * leader lock (sites/docker-leader, taken with noclobber) serialises them across tasks, and in
 * the app container it is what makes openemr.sh harden its own copy of the code and delete
 * setup.php, admin.php, sql_upgrade.php (the section runs when AUTHORITY or SWARM_MODE is yes).
 *
 * No superuser in the running app. The Aurora master credentials and the admin
 * password go only to `openemr-setup`, a non-essential container that runs the image's
 * openemr.sh with K8S=admin (OPERATOR=no: configure, then exit without Apache) and exits; the
 * `openemr` container starts only if it exited 0 (dependsOn SUCCESS) and holds the app user
 * and Valkey credentials only. openemr.sh (openemr-devops docker/openemr/8.0.0) installs only
 * as leader with `$config` 0 AND MYSQL_ROOT_PASS set; each path:
 * - first task: its setup container takes the lock, installs (auto_setup retries until it
 * succeeds; exit 2 if sqlconf.php still says 0), writes docker-completed, drops the lock and
 * exits 0; a setup exit 0 therefore always means a configured site.
 * - tasks starting meanwhile: their setup containers lose the lock and wait
 * ("while swarm_wait") for docker-completed, then pass the worker check ("AUTHORITY no and
 * CONFIG 0: exit 1") and exit 0; after FIRST_BOOT_SECONDS `timeout` stops a waiter whose
 * leader died, the task stops, and the next task's boot script removes the stale lock.
 * - later starts (scale-out, replacement): the site is configured: the setup container,
 * leader or not, skips the installer (CONFIG 1) and exits in seconds.
 * - image upgrade: the new image's setup container, as leader, sees /root/docker-version
 * greater than sites/default/docker-version and runs /root/fsupgrade-N.sh (files, then
 * sql_upgrade.php as the app user from sqlconf.php: no root needed), then exits 0. If an
 * app container held the lock at that moment, the new app container may lead instead and
 * run the same upgrade with the same app user.
 * - a setup container that fails (installer exit 2, upgrade error, timeout): the main
 * container never starts, ECS stops the task and starts another; repeated failures trip the
 * deployment circuit breaker, which rolls back to the previous task definition.
 *
 * The app container still races for the lock: on a configured site the leader section only
 * touches docker-initiated, re-runs the idempotent ssl.sh, finds no upgrade, skips the
 * installer (CONFIG 1, and no MYSQL_ROOT_PASS), touches the existing docker-completed and
 * drops its lock before Apache. Its boot script refuses an unconfigured site outright, so it
 * can never mark one complete or serve the installer even without the dependency.
 */
function openemrContainers(a: OpenemrContainersArgs) {
  const master = a.masterSecretArn;
  const app = a.appSecretArn;
  const siteEnvironment = {
    MYSQL_HOST: a.databaseHost,
    MYSQL_PORT: String(MYSQL_PORT),
    MYSQL_DATABASE: "openemr",
    // the installer creates the OpenEMR user with REQUIRE SSL
    FORCE_DATABASE_SSL_CONNECT: "1",
    SWARM_MODE: "yes",
    OE_USER: ADMIN_USER,
    OPENEMR_DOCKER_ENV_TAG: "openemr-aws-fargate",
    // applied by the installer (setGlobalSettings), i.e. by the setup container
    ...(a.domain ? { OPENEMR_SETTING_site_addr_oath: `https://${a.domain}` } : {}),
  };
  return {
    entryPoint: ["/bin/sh", "-c"],
    command: [openemrBootScript("app")],
    environment: {
      ...siteEnvironment,
      // host only: the image appends :6379
      REDIS_SERVER: a.cacheHost,
      REDIS_TLS: "yes",
    },
    // the app user (sqlconf.php on the shared volume holds it anyway) and Valkey's
    secrets: {
      MYSQL_USER: pulumi.interpolate`${app}:dbUsername::`,
      MYSQL_PASS: pulumi.interpolate`${app}:dbPassword::`,
      REDIS_USERNAME: pulumi.interpolate`${app}:cacheUsername::`,
      REDIS_PASSWORD: pulumi.interpolate`${app}:cachePassword::`,
    },
    setupContainer: {
      name: SETUP_CONTAINER,
      command: [openemrBootScript("setup")],
      // K8S=admin: openemr.sh configures the site and exits instead of starting Apache; no
      // Valkey settings, which only the sessions of a serving container use
      environment: { ...siteEnvironment, K8S: "admin" },
      // what the installer needs: the master user creates the app user and the database
      secrets: {
        MYSQL_ROOT_USER: pulumi.interpolate`${master}:username::`,
        MYSQL_ROOT_PASS: pulumi.interpolate`${master}:password::`,
        MYSQL_USER: pulumi.interpolate`${app}:dbUsername::`,
        MYSQL_PASS: pulumi.interpolate`${app}:dbPassword::`,
        OE_PASS: a.adminSecretArn,
      },
    },
    // the execution role reads these to start either container; the task role reads none
    secretArns: [master, app, a.adminSecretArn],
  };
}
