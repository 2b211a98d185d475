// Hand-built plan files, shaped like the plans the offline plan engine writes (types, inputs,
// property dependencies) and sized with the preset defaults in presets/*.ts. Only the comparison's
// tests (compare.test.ts) still use them; the estimator's tests run on the plans the program
// records (tests/helpers/plan.ts, edited with tests/helpers/mutate.ts), and this file goes once
// compare.test.ts does the same.
import type { PlanFile, PlanResource, PlanValue } from "../../tools/plan/types";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";

type Deps = Record<string, PlanResource | PlanResource[]>;

/** Builds a plan resource by resource, with URNs and property dependencies as the engine records them. */
export class FixturePlan {
  readonly resources: PlanResource[] = [];

  constructor(
    readonly stack: string,
    readonly preset: string,
  ) {}

  private urn(type: string, name: string, parent?: PlanResource): string {
    const qualified = parent ? `${parent.type.split("$").pop() ?? parent.type}$${type}` : type;
    return `urn:pulumi:${this.stack}::openemr-aws::${qualified}::${name}`;
  }

  component(type: string, name: string, parent?: PlanResource): PlanResource {
    return this.push({
      urn: this.urn(type, name, parent),
      type,
      name,
      custom: false,
      parent: parent?.urn ?? null,
      props: {},
      opts: { protect: false, retainOnDelete: false, dependsOn: [], ignoreChanges: [] },
      propertyDependencies: {},
    });
  }

  /** The awsx VPC: a remote component, seen only at the top level. */
  remote(
    type: string,
    name: string,
    props: Record<string, PlanValue>,
    parent?: PlanResource,
  ): PlanResource {
    const r = this.component(type, name, parent);
    r.remote = true;
    r.props = props;
    return r;
  }

  add(
    type: string,
    name: string,
    props: Record<string, PlanValue>,
    deps: Deps = {},
    parent?: PlanResource,
    protect = false,
  ): PlanResource {
    const propertyDependencies: Record<string, string[]> = {};
    for (const [prop, on] of Object.entries(deps)) {
      propertyDependencies[prop] = (Array.isArray(on) ? on : [on]).map((d) => d.urn);
    }
    return this.push({
      urn: this.urn(type, name, parent),
      type,
      name,
      custom: true,
      parent: parent?.urn ?? null,
      props,
      opts: { protect, retainOnDelete: false, dependsOn: [], ignoreChanges: [] },
      propertyDependencies,
    });
  }

  private push(r: PlanResource): PlanResource {
    this.resources.push(r);
    return r;
  }

  build(): PlanFile {
    return {
      project: "openemr-aws",
      stack: this.stack,
      preset: this.preset,
      region: REGION,
      resources: this.resources,
      outputs: {},
    };
  }
}

/** A mock ARN like the plan engine's mocks produce. */
export function arn(service: string, kind: string, name: string): string {
  return `arn:aws:${service}:${REGION}:${ACCOUNT}:${kind}/${name}`;
}

// ---------------------------------------------------------------------------------------------
// Building blocks shared by the tiers (mirroring components/)

interface Key {
  key: PlanResource;
  arn: string;
}

function key(f: FixturePlan, name: string, parent: PlanResource): Key {
  const c = f.component("openemr:keys:EncryptionKey", name, parent);
  const k = f.add(
    "aws:kms/key:Key",
    `${name}-key`,
    {
      description: `openemr ${name}`,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: 30,
      policy: "{}",
    },
    {},
    c,
    true,
  );
  f.add(
    "aws:kms/alias:Alias",
    `${name}-alias`,
    { name: `alias/${name}`, targetKeyId: "k-1" },
    { targetKeyId: k },
    c,
  );
  return { key: k, arn: arn("kms", "key", name) };
}

function logGroup(
  f: FixturePlan,
  name: string,
  logGroupName: string,
  parent: PlanResource,
  k?: Key,
): PlanResource {
  return f.add(
    "aws:cloudwatch/logGroup:LogGroup",
    name,
    {
      name: logGroupName,
      retentionInDays: 2192,
      logGroupClass: "STANDARD",
      skipDestroy: true,
      ...(k ? { kmsKeyId: k.arn } : {}),
    },
    k ? { kmsKeyId: k.key } : {},
    parent,
    true,
  );
}

/** A hardened bucket: the bucket plus its settings resources. */
function bucket(
  f: FixturePlan,
  name: string,
  parent: PlanResource,
  k?: Key,
  lifecycleDays = 2557,
): PlanResource {
  const b = f.add(
    "aws:s3/bucket:Bucket",
    name,
    { bucket: `${name}-0a1b2c3d`, forceDestroy: false },
    {},
    parent,
    true,
  );
  const on = { bucket: b };
  f.add(
    "aws:s3/bucketVersioning:BucketVersioning",
    `${name}-versioning`,
    { bucket: `${name}-0a1b2c3d`, versioningConfiguration: { status: "Enabled" } },
    on,
    parent,
  );
  f.add(
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    `${name}-encryption`,
    {
      bucket: `${name}-0a1b2c3d`,
      rules: [
        k
          ? {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: "aws:kms",
                kmsMasterKeyId: k.arn,
              },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    },
    k ? { bucket: b, rules: k.key } : on,
    parent,
  );
  f.add(
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    `${name}-public-access`,
    {
      bucket: `${name}-0a1b2c3d`,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    on,
    parent,
  );
  f.add(
    "aws:s3/bucketPolicy:BucketPolicy",
    `${name}-policy`,
    { bucket: `${name}-0a1b2c3d`, policy: "{}" },
    on,
    parent,
  );
  f.add(
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    `${name}-lifecycle`,
    {
      bucket: `${name}-0a1b2c3d`,
      rules: [{ id: "expire", status: "Enabled", expiration: { days: lifecycleDays } }],
    },
    on,
    parent,
  );
  return b;
}

function auditTrail(f: FixturePlan, stack: string, parent: PlanResource, k: Key): void {
  const c = f.component("openemr:audit:AuditTrail", `${stack}-audit`, parent);
  const b = bucket(f, `${stack}-trail`, c, k);
  const lg = logGroup(f, `${stack}-trail-logs`, `/openemr/${stack}/cloudtrail`, c, k);
  const role = f.add("aws:iam/role:Role", `${stack}-trail-role`, { assumeRolePolicy: "{}" }, {}, c);
  f.add(
    "aws:iam/rolePolicy:RolePolicy",
    `${stack}-trail-role-policy`,
    { role: `${stack}-trail-role`, policy: "{}" },
    { role },
    c,
  );
  f.add(
    "aws:cloudtrail/trail:Trail",
    `${stack}-trail`,
    {
      s3BucketName: `${stack}-trail-0a1b2c3d`,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
      kmsKeyId: k.arn,
      cloudWatchLogsGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/openemr/${stack}/cloudtrail:*`,
      cloudWatchLogsRoleArn: `arn:aws:iam::${ACCOUNT}:role/${stack}-trail-role`,
    },
    { s3BucketName: b, kmsKeyId: k.key, cloudWatchLogsGroupArn: lg, cloudWatchLogsRoleArn: role },
    c,
  );
}

interface Web {
  instance: PlanResource;
  sg: PlanResource;
}

/** The EC2 web/all-in-one instance with its role, security group and logs. */
function webInstance(
  f: FixturePlan,
  stack: string,
  parent: PlanResource,
  vpc: PlanResource,
  opts: { instanceType: string; rootGb: number; k?: Key; logs: string[] },
): Web {
  const c = f.component("openemr:compute:WebInstance", `${stack}-web`, parent);
  const sg = f.add(
    "aws:ec2/securityGroup:SecurityGroup",
    `${stack}-web-sg`,
    {
      description: "OpenEMR web: HTTPS from the allowed CIDRs only",
      vpcId: "vpc-1",
      revokeRulesOnDelete: true,
    },
    { vpcId: vpc },
    c,
  );
  f.add(
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    `${stack}-web-https-0`,
    {
      securityGroupId: "sg-1",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "203.0.113.0/24",
    },
    { securityGroupId: sg },
    c,
  );
  f.add(
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    `${stack}-web-egress-https`,
    {
      securityGroupId: "sg-1",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    },
    { securityGroupId: sg },
    c,
  );
  const role = f.add("aws:iam/role:Role", `${stack}-web-role`, { assumeRolePolicy: "{}" }, {}, c);
  for (const policy of ["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"]) {
    f.add(
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      `${stack}-web-${policy}`,
      { role: `${stack}-web-role`, policyArn: `arn:aws:iam::aws:policy/${policy}` },
      { role },
      c,
    );
  }
  f.add(
    "aws:iam/rolePolicy:RolePolicy",
    `${stack}-web-read-secrets`,
    { role: `${stack}-web-role`, policy: "{}" },
    { role },
    c,
  );
  const profile = f.add(
    "aws:iam/instanceProfile:InstanceProfile",
    `${stack}-web-profile`,
    { role: `${stack}-web-role` },
    { role },
    c,
  );
  for (const log of opts.logs) {
    logGroup(f, `${stack}-${log}-logs`, `/openemr/${stack}/${log}`, c, opts.k);
  }
  const root: Record<string, PlanValue> = {
    volumeSize: opts.rootGb,
    volumeType: "gp3",
    encrypted: true,
    deleteOnTermination: true,
    ...(opts.k ? { kmsKeyId: opts.k.arn } : {}),
  };
  const instance = f.add(
    "aws:ec2/instance:Instance",
    `${stack}-web`,
    {
      ami: "ami-0abc1234a1234567",
      instanceType: opts.instanceType,
      subnetId: "subnet-pub0-1",
      associatePublicIpAddress: true,
      vpcSecurityGroupIds: ["sg-1"],
      iamInstanceProfile: `${stack}-web-profile`,
      metadataOptions: {
        httpTokens: "required",
        httpEndpoint: "enabled",
        httpPutResponseHopLimit: 1,
      },
      monitoring: false,
      rootBlockDevice: root,
      userData: "#cloud-config (rendered from components/compute/user-data)",
      userDataReplaceOnChange: true,
      tags: { Name: `${stack}-openemr`, "openemr:snapshots": stack },
      volumeTags: { "openemr:stack": stack },
    },
    {
      subnetId: vpc,
      vpcSecurityGroupIds: sg,
      iamInstanceProfile: profile,
      ...(opts.k ? { rootBlockDevice: opts.k.key } : {}),
    },
    c,
  );
  return { instance, sg };
}

function dataVolume(
  f: FixturePlan,
  name: string,
  parent: PlanResource,
  instance: PlanResource,
  sizeGb: number,
  k: Key,
): PlanResource {
  const v = f.add(
    "aws:ebs/volume:Volume",
    name,
    {
      availabilityZone: "us-east-1a",
      size: sizeGb,
      type: "gp3",
      encrypted: true,
      kmsKeyId: k.arn,
      finalSnapshot: true,
      tags: { Name: name, "openemr:stack": parent.name },
    },
    { kmsKeyId: k.key, availabilityZone: instance },
    parent,
    true,
  );
  f.add(
    "aws:ec2/volumeAttachment:VolumeAttachment",
    `${name}-attachment`,
    {
      deviceName: "/dev/sdf",
      instanceId: "i-1",
      volumeId: "vol-1",
      stopInstanceBeforeDetaching: true,
    },
    { instanceId: instance, volumeId: v },
    parent,
  );
  return v;
}

function dlmSnapshots(
  f: FixturePlan,
  stack: string,
  parent: PlanResource,
  retain: number,
): PlanResource {
  const role = f.add(
    "aws:iam/role:Role",
    `${stack}-dlm-role`,
    { assumeRolePolicy: "{}" },
    {},
    parent,
  );
  f.add(
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    `${stack}-dlm-policy`,
    {
      role: `${stack}-dlm-role`,
      policyArn: "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole",
    },
    { role },
    parent,
  );
  return f.add(
    "aws:dlm/lifecyclePolicy:LifecyclePolicy",
    `${stack}-snapshots`,
    {
      description: `Daily snapshots of the ${stack} OpenEMR instance`,
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/${stack}-dlm-role`,
      state: "ENABLED",
      policyDetails: {
        resourceTypes: ["INSTANCE"],
        targetTags: { "openemr:snapshots": stack },
        schedules: [
          {
            name: "daily",
            createRule: { interval: 24, intervalUnit: "HOURS", times: ["07:00"] },
            retainRule: { count: retain },
            copyTags: true,
          },
        ],
      },
    },
    { executionRoleArn: role },
    parent,
  );
}

function awsBackup(
  f: FixturePlan,
  stack: string,
  parent: PlanResource,
  k: Key,
  targets: PlanResource[],
): void {
  const c = f.component("openemr:backup:BackupPlan", `${stack}-backup`, parent);
  const vault = f.add(
    "aws:backup/vault:Vault",
    `${stack}-vault`,
    { name: `${stack}-vault`, kmsKeyArn: k.arn },
    { kmsKeyArn: k.key },
    c,
    true,
  );
  const plan = f.add(
    "aws:backup/plan:Plan",
    `${stack}-plan`,
    {
      name: `${stack}-plan`,
      rules: [
        {
          ruleName: "daily",
          targetVaultName: `${stack}-vault`,
          schedule: "cron(0 5 ? * * *)",
          lifecycle: { deleteAfter: 35 },
        },
        {
          ruleName: "weekly",
          targetVaultName: `${stack}-vault`,
          schedule: "cron(0 5 ? * SAT *)",
          lifecycle: { deleteAfter: 90 },
        },
        {
          ruleName: "monthly",
          targetVaultName: `${stack}-vault`,
          schedule: "cron(0 5 1 * ? *)",
          lifecycle: { coldStorageAfter: 30, deleteAfter: 2555 },
        },
      ],
    },
    { rules: vault },
    c,
  );
  const role = f.add(
    "aws:iam/role:Role",
    `${stack}-backup-role`,
    { assumeRolePolicy: "{}" },
    {},
    c,
  );
  f.add(
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    `${stack}-backup-role-backup`,
    {
      role: `${stack}-backup-role`,
      policyArn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    },
    { role },
    c,
  );
  f.add(
    "aws:backup/selection:Selection",
    `${stack}-selection`,
    {
      name: `${stack}-selection`,
      planId: "plan-1",
      iamRoleArn: `arn:aws:iam::${ACCOUNT}:role/${stack}-backup-role`,
      resources: targets.map((t) =>
        arn("backup-target", t.type.split(":")[2].toLowerCase(), t.name),
      ),
    },
    { planId: plan, iamRoleArn: role, resources: targets },
    c,
  );
}

function backupAlarm(
  f: FixturePlan,
  stack: string,
  parent: PlanResource,
  k: Key,
  logs: PlanResource,
): void {
  const topic = f.add(
    "aws:sns/topic:Topic",
    `${stack}-alarms`,
    { kmsMasterKeyId: k.arn },
    { kmsMasterKeyId: k.key },
    parent,
  );
  f.add(
    "aws:cloudwatch/logMetricFilter:LogMetricFilter",
    `${stack}-backup-failures`,
    {
      logGroupName: `/openemr/${stack}/backup`,
      pattern: "BACKUP FAILED",
      metricTransformation: {
        name: "BackupFailures",
        namespace: `OpenEMR/${stack}`,
        value: "1",
        defaultValue: "0",
      },
    },
    { logGroupName: logs },
    parent,
  );
  f.add(
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    `${stack}-backup-failed`,
    {
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      evaluationPeriods: 1,
      metricName: "BackupFailures",
      namespace: `OpenEMR/${stack}`,
      period: 86400,
      statistic: "Sum",
      threshold: 1,
      treatMissingData: "breaching",
      alarmActions: [arn("sns", "topic", `${stack}-alarms`)],
    },
    { alarmActions: topic },
    parent,
  );
}

function ssmSecureString(f: FixturePlan, name: string, parent: PlanResource, k?: Key): void {
  const pw = f.add(
    "random:index/randomPassword:RandomPassword",
    `${name}-password`,
    { length: 24, special: true, overrideSpecial: "!()<>^{}~", minNumeric: 1 },
    {},
    parent,
  );
  f.add(
    "aws:ssm/parameter:Parameter",
    name,
    {
      name: `/openemr/${parent.name}/${name}`,
      type: "SecureString",
      value: "<secret>",
      tier: "Standard",
      ...(k ? { keyId: k.arn } : {}),
    },
    { value: pw, ...(k ? { keyId: k.key } : {}) },
    parent,
  );
}

function secret(f: FixturePlan, name: string, parent: PlanResource, k: Key): void {
  const pw = f.add(
    "random:index/randomPassword:RandomPassword",
    `${name}-password`,
    { length: 24, special: true, minNumeric: 1 },
    {},
    parent,
  );
  const s = f.add(
    "aws:secretsmanager/secret:Secret",
    name,
    { name: `openemr/${parent.name}/${name}`, kmsKeyId: k.arn, recoveryWindowInDays: 30 },
    { kmsKeyId: k.key },
    parent,
    true,
  );
  f.add(
    "aws:secretsmanager/secretVersion:SecretVersion",
    `${name}-value`,
    { secretId: "s-1", secretString: "<secret>" },
    { secretId: s, secretString: pw },
    parent,
  );
}

// ---------------------------------------------------------------------------------------------
// The four presets at their defaults

/** express: t4g.small, 20 GB gp3 root (AWS-managed key), public IPv4, DLM snapshots kept 14 days. */
export function expressPlan(stack = "dev"): PlanFile {
  const f = new FixturePlan(stack, "express");
  const tier = f.component("openemr:tier:Express", stack);
  const vpc = f.remote(
    "awsx:ec2:Vpc",
    `${stack}-network`,
    {
      cidrBlock: "10.20.0.0/16",
      numberOfAvailabilityZones: 1,
      natGateways: { strategy: "None" },
      subnetStrategy: "Auto",
      subnetSpecs: [{ type: "Public", name: "public", cidrMask: 24 }],
      enableDnsHostnames: true,
    },
    tier,
  );
  webInstance(f, stack, tier, vpc, {
    instanceType: "t4g.small",
    rootGb: 20,
    logs: ["apache", "mysql", "system"],
  });
  ssmSecureString(f, "db-root", tier);
  ssmSecureString(f, "admin", tier);
  dlmSnapshots(f, stack, tier, 14);
  return f.build();
}

/** standard: EC2 web tier + RDS MySQL db.t4g.small (20 GB gp3, Single-AZ), AWS Backup. */
export function standardPlan(stack = "standard"): PlanFile {
  const f = new FixturePlan(stack, "standard");
  const tier = f.component("openemr:tier:Standard", stack);
  const k = key(f, `${stack}-data`, tier);
  const vpc = f.remote(
    "awsx:ec2:Vpc",
    `${stack}-network`,
    {
      cidrBlock: "10.40.0.0/16",
      numberOfAvailabilityZones: 2,
      natGateways: { strategy: "None" },
      subnetStrategy: "Auto",
      subnetSpecs: [
        { type: "Public", name: "public", cidrMask: 24 },
        { type: "Isolated", name: "database", cidrMask: 24 },
      ],
      enableDnsHostnames: true,
    },
    tier,
  );
  const web = webInstance(f, stack, tier, vpc, {
    instanceType: "t4g.small",
    rootGb: 20,
    k,
    logs: ["apache", "system"],
  });
  const docs = dataVolume(f, `${stack}-documents`, tier, web.instance, 10, k);
  const db = f.component("openemr:database:MysqlDatabase", `${stack}-db`, tier);
  const dbSg = f.add(
    "aws:ec2/securityGroup:SecurityGroup",
    `${stack}-db-sg`,
    { description: "MySQL from the web tier only", vpcId: "vpc-1" },
    { vpcId: vpc },
    db,
  );
  f.add(
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    `${stack}-db-from-web`,
    {
      securityGroupId: "sg-2",
      ipProtocol: "tcp",
      fromPort: 3306,
      toPort: 3306,
      referencedSecurityGroupId: "sg-1",
    },
    { securityGroupId: dbSg, referencedSecurityGroupId: web.sg },
    db,
  );
  const subnets = f.add(
    "aws:rds/subnetGroup:SubnetGroup",
    `${stack}-db-subnets`,
    { subnetIds: ["subnet-iso0-1", "subnet-iso1-1"] },
    { subnetIds: vpc },
    db,
  );
  const params = f.add(
    "aws:rds/parameterGroup:ParameterGroup",
    `${stack}-db-params`,
    {
      family: "mysql8.4",
      parameters: [
        { name: "require_secure_transport", value: "ON" },
        { name: "tls_version", value: "TLSv1.2,TLSv1.3" },
      ],
    },
    {},
    db,
  );
  const options = f.add(
    "aws:rds/optionGroup:OptionGroup",
    `${stack}-db-options`,
    {
      engineName: "mysql",
      majorEngineVersion: "8.4",
      options: [{ optionName: "MARIADB_AUDIT_PLUGIN" }],
    },
    {},
    db,
  );
  for (const l of ["audit", "error", "slowquery"]) {
    logGroup(f, `${stack}-db-${l}-logs`, `/aws/rds/instance/${stack}-db/${l}`, db, k);
  }
  const rds = f.add(
    "aws:rds/instance:Instance",
    `${stack}-db`,
    {
      engine: "mysql",
      engineVersion: "8.4",
      instanceClass: "db.t4g.small",
      allocatedStorage: 20,
      maxAllocatedStorage: 100,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: k.arn,
      multiAz: false,
      dbSubnetGroupName: `${stack}-db-subnets`,
      parameterGroupName: `${stack}-db-params`,
      optionGroupName: `${stack}-db-options`,
      vpcSecurityGroupIds: ["sg-2"],
      publiclyAccessible: false,
      backupRetentionPeriod: 7,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${stack}-db-final`,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: k.arn,
      username: "openemr_admin",
      enabledCloudwatchLogsExports: ["audit", "error", "slowquery"],
      performanceInsightsEnabled: false,
      caCertIdentifier: "rds-ca-rsa2048-g1",
      autoMinorVersionUpgrade: true,
    },
    {
      kmsKeyId: k.key,
      masterUserSecretKmsKeyId: k.key,
      dbSubnetGroupName: subnets,
      parameterGroupName: params,
      optionGroupName: options,
      vpcSecurityGroupIds: dbSg,
    },
    db,
    true,
  );
  secret(f, "admin", tier, k);
  awsBackup(f, stack, tier, k, [docs, rds]);
  const backupLogs = logGroup(f, `${stack}-backup-logs`, `/openemr/${stack}/backup`, tier, k);
  backupAlarm(f, stack, tier, k, backupLogs);
  auditTrail(f, stack, tier, k);
  return f.build();
}

/** fargate: 2 ARM tasks of 1 vCPU / 2 GiB, Aurora Serverless v2 writer at 0.5 ACU, one NAT gateway. */
export function fargatePlan(stack = "prod"): PlanFile {
  const f = new FixturePlan(stack, "fargate");
  const tier = f.component("openemr:tier:Fargate", stack);
  const data = key(f, `${stack}-data`, tier);
  const logs = key(f, `${stack}-logs`, tier);
  const secrets = key(f, `${stack}-secrets`, tier);
  const vpc = f.remote(
    "awsx:ec2:Vpc",
    `${stack}-network`,
    {
      cidrBlock: "10.50.0.0/16",
      numberOfAvailabilityZones: 2,
      natGateways: { strategy: "Single" },
      subnetStrategy: "Auto",
      subnetSpecs: [
        { type: "Public", name: "public", cidrMask: 24 },
        { type: "Private", name: "app", cidrMask: 22 },
        { type: "Isolated", name: "data", cidrMask: 24 },
      ],
      enableDnsHostnames: true,
    },
    tier,
  );
  const flowLogs = logGroup(f, `${stack}-flow-logs`, `/openemr/${stack}/vpc-flow`, tier, logs);
  const flowRole = f.add(
    "aws:iam/role:Role",
    `${stack}-flow-role`,
    { assumeRolePolicy: "{}" },
    {},
    tier,
  );
  f.add(
    "aws:ec2/flowLog:FlowLog",
    `${stack}-flow`,
    {
      vpcId: "vpc-1",
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: "arn:flow",
      iamRoleArn: "arn:role",
    },
    { vpcId: vpc, logDestination: flowLogs, iamRoleArn: flowRole },
    tier,
  );

  // database
  const db = f.component("openemr:database:AuroraServerless", `${stack}-db`, tier);
  const dbSg = f.add(
    "aws:ec2/securityGroup:SecurityGroup",
    `${stack}-db-sg`,
    { description: "MySQL from tasks only", vpcId: "vpc-1" },
    { vpcId: vpc },
    db,
  );
  const dbSubnets = f.add(
    "aws:rds/subnetGroup:SubnetGroup",
    `${stack}-db-subnets`,
    { subnetIds: ["subnet-iso0-1", "subnet-iso1-1"] },
    { subnetIds: vpc },
    db,
  );
  const clusterParams = f.add(
    "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    `${stack}-db-params`,
    {
      family: "aurora-mysql8.0",
      parameters: [
        { name: "require_secure_transport", value: "ON" },
        { name: "server_audit_logging", value: "1" },
        { name: "server_audit_events", value: "CONNECT,QUERY,QUERY_DCL,QUERY_DDL,QUERY_DML,TABLE" },
      ],
    },
    {},
    db,
  );
  for (const l of ["audit", "error", "general", "slowquery"]) {
    logGroup(f, `${stack}-db-${l}-logs`, `/aws/rds/cluster/${stack}-db/${l}`, db, logs);
  }
  const cluster = f.add(
    "aws:rds/cluster:Cluster",
    `${stack}-db`,
    {
      engine: "aurora-mysql",
      engineMode: "provisioned",
      engineVersion: "8.0.mysql_aurora.3.08.0",
      databaseName: "openemr",
      masterUsername: "openemr_admin",
      masterPassword: "<secret>",
      serverlessv2ScalingConfiguration: { minCapacity: 0.5, maxCapacity: 16 },
      storageEncrypted: true,
      kmsKeyId: data.arn,
      dbSubnetGroupName: `${stack}-db-subnets`,
      dbClusterParameterGroupName: `${stack}-db-params`,
      vpcSecurityGroupIds: ["sg-db"],
      backupRetentionPeriod: 14,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${stack}-db-final`,
      enabledCloudwatchLogsExports: ["audit", "error", "general", "slowquery"],
    },
    {
      kmsKeyId: data.key,
      dbSubnetGroupName: dbSubnets,
      dbClusterParameterGroupName: clusterParams,
      vpcSecurityGroupIds: dbSg,
    },
    db,
    true,
  );
  f.add(
    "aws:rds/clusterInstance:ClusterInstance",
    `${stack}-db-writer`,
    {
      clusterIdentifier: `${stack}-db`,
      instanceClass: "db.serverless",
      engine: "aurora-mysql",
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: data.arn,
      performanceInsightsRetentionPeriod: 7,
      promotionTier: 0,
    },
    { clusterIdentifier: cluster, performanceInsightsKmsKeyId: data.key },
    db,
    true,
  );

  // sessions and files
  f.add(
    "aws:elasticache/serverlessCache:ServerlessCache",
    `${stack}-sessions`,
    {
      engine: "valkey",
      majorEngineVersion: "8",
      kmsKeyId: data.arn,
      subnetIds: ["subnet-prv0-1", "subnet-prv1-1"],
      securityGroupIds: ["sg-cache"],
    },
    { kmsKeyId: data.key, subnetIds: vpc },
    tier,
  );
  const fileSystems = ["sites", "ssl"].map((name) => {
    const fs = f.add(
      "aws:efs/fileSystem:FileSystem",
      `${stack}-${name}`,
      {
        encrypted: true,
        kmsKeyId: data.arn,
        performanceMode: "generalPurpose",
        throughputMode: "bursting",
      },
      { kmsKeyId: data.key },
      tier,
      true,
    );
    for (const az of [0, 1]) {
      f.add(
        "aws:efs/mountTarget:MountTarget",
        `${stack}-${name}-${az}`,
        { fileSystemId: "fs-1", subnetId: `subnet-prv${az}-1` },
        { fileSystemId: fs, subnetId: vpc },
        tier,
      );
    }
    f.add(
      "aws:efs/accessPoint:AccessPoint",
      `${stack}-${name}-ap`,
      { fileSystemId: "fs-1", posixUser: { uid: 1000, gid: 1000 } },
      { fileSystemId: fs },
      tier,
    );
    return fs;
  });

  secret(f, "db", tier, secrets);
  secret(f, "admin", tier, secrets);

  // front door
  const lb = f.component("openemr:network:LoadBalancer", `${stack}-lb`, tier);
  const lbSg = f.add(
    "aws:ec2/securityGroup:SecurityGroup",
    `${stack}-lb-sg`,
    { description: "HTTPS from the allowed CIDRs", vpcId: "vpc-1" },
    { vpcId: vpc },
    lb,
  );
  const accessLogs = bucket(f, `${stack}-alb-logs`, lb, undefined, 2192);
  const alb = f.add(
    "aws:lb/loadBalancer:LoadBalancer",
    `${stack}-alb`,
    {
      loadBalancerType: "application",
      internal: false,
      subnets: ["subnet-pub0-1", "subnet-pub1-1"],
      securityGroups: ["sg-lb"],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: true,
      accessLogs: { bucket: `${stack}-alb-logs-0a1b2c3d`, enabled: true },
    },
    { subnets: vpc, securityGroups: lbSg, accessLogs: accessLogs },
    lb,
  );
  const tg = f.add(
    "aws:lb/targetGroup:TargetGroup",
    `${stack}-tasks`,
    {
      port: 443,
      protocol: "HTTPS",
      targetType: "ip",
      vpcId: "vpc-1",
      healthCheck: { path: "/", protocol: "HTTPS", matcher: "200-399", interval: 60 },
    },
    { vpcId: vpc },
    lb,
  );
  f.add(
    "aws:lb/listener:Listener",
    `${stack}-https`,
    {
      loadBalancerArn: "arn:alb",
      port: 443,
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      certificateArn:
        "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000",
      defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }],
    },
    { loadBalancerArn: alb, defaultActions: tg },
    lb,
  );
  f.add(
    "aws:lb/listener:Listener",
    `${stack}-http-redirect`,
    {
      loadBalancerArn: "arn:alb",
      port: 80,
      protocol: "HTTP",
      defaultActions: [
        { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
      ],
    },
    { loadBalancerArn: alb },
    lb,
  );
  const waf = f.add(
    "aws:wafv2/webAcl:WebAcl",
    `${stack}-waf`,
    {
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudwatchMetricsEnabled: true,
        metricName: `${stack}-waf`,
        sampledRequestsEnabled: true,
      },
      rules: [
        ...[
          "AWSManagedRulesCommonRuleSet",
          "AWSManagedRulesSQLiRuleSet",
          "AWSManagedRulesKnownBadInputsRuleSet",
        ].map((name, i) => ({
          name,
          priority: i,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: "AWS", name } },
          visibilityConfig: {
            cloudwatchMetricsEnabled: true,
            metricName: name,
            sampledRequestsEnabled: true,
          },
        })),
        {
          name: "rate-limit",
          priority: 3,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: 3000, aggregateKeyType: "IP" } },
          visibilityConfig: {
            cloudwatchMetricsEnabled: true,
            metricName: "rate-limit",
            sampledRequestsEnabled: true,
          },
        },
      ],
    },
    {},
    lb,
  );
  f.add(
    "aws:wafv2/webAclAssociation:WebAclAssociation",
    `${stack}-waf-alb`,
    { resourceArn: "arn:alb", webAclArn: "arn:waf" },
    { resourceArn: alb, webAclArn: waf },
    lb,
  );
  const wafLogs = logGroup(f, `${stack}-waf-logs`, `aws-waf-logs-${stack}`, lb, logs);
  f.add(
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
    `${stack}-waf-logging`,
    { resourceArn: "arn:waf", logDestinationConfigs: ["arn:logs"] },
    { resourceArn: waf, logDestinationConfigs: wafLogs },
    lb,
  );

  // service
  const svc = f.component("openemr:compute:FargateService", `${stack}-app`, tier);
  const ecsCluster = f.add(
    "aws:ecs/cluster:Cluster",
    `${stack}-cluster`,
    { settings: [{ name: "containerInsights", value: "enabled" }] },
    {},
    svc,
  );
  const appLogs = logGroup(f, `${stack}-app-logs`, `/openemr/${stack}/app`, svc, logs);
  const execRole = f.add(
    "aws:iam/role:Role",
    `${stack}-execution-role`,
    { assumeRolePolicy: "{}" },
    {},
    svc,
  );
  const taskRole = f.add(
    "aws:iam/role:Role",
    `${stack}-task-role`,
    { assumeRolePolicy: "{}" },
    {},
    svc,
  );
  const td = f.add(
    "aws:ecs/taskDefinition:TaskDefinition",
    `${stack}-openemr-task`,
    {
      family: `${stack}-openemr`,
      cpu: "1024",
      memory: "2048",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
      executionRoleArn: "arn:exec",
      taskRoleArn: "arn:task",
      containerDefinitions: '[{"name":"openemr","image":"openemr/openemr:8.1.0"}]',
      volumes: fileSystems.map((fs) => ({
        name: fs.name,
        efsVolumeConfiguration: {
          fileSystemId: "fs-1",
          transitEncryption: "ENABLED",
          authorizationConfig: { iam: "ENABLED" },
        },
      })),
    },
    {
      executionRoleArn: execRole,
      taskRoleArn: taskRole,
      containerDefinitions: appLogs,
      volumes: fileSystems,
    },
    svc,
  );
  const taskSg = f.add(
    "aws:ec2/securityGroup:SecurityGroup",
    `${stack}-task-sg`,
    { description: "OpenEMR tasks", vpcId: "vpc-1" },
    { vpcId: vpc },
    svc,
  );
  const service = f.add(
    "aws:ecs/service:Service",
    `${stack}-openemr`,
    {
      cluster: "arn:cluster",
      taskDefinition: "arn:td",
      launchType: "FARGATE",
      desiredCount: 2,
      enableExecuteCommand: false,
      healthCheckGracePeriodSeconds: 1200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      networkConfiguration: {
        subnets: ["subnet-prv0-1", "subnet-prv1-1"],
        securityGroups: ["sg-task"],
        assignPublicIp: false,
      },
      loadBalancers: [{ targetGroupArn: "arn:tg", containerName: "openemr", containerPort: 443 }],
    },
    {
      cluster: ecsCluster,
      taskDefinition: td,
      networkConfiguration: [vpc, taskSg],
      loadBalancers: tg,
    },
    svc,
  );
  const target = f.add(
    "aws:appautoscaling/target:Target",
    `${stack}-scaling`,
    {
      minCapacity: 2,
      maxCapacity: 100,
      resourceId: `service/${stack}-cluster/${stack}-openemr`,
      scalableDimension: "ecs:service:DesiredCount",
      serviceNamespace: "ecs",
    },
    { resourceId: [ecsCluster, service] },
    svc,
  );
  for (const [metric, name] of [
    ["ECSServiceAverageCPUUtilization", "cpu"],
    ["ECSServiceAverageMemoryUtilization", "memory"],
  ]) {
    f.add(
      "aws:appautoscaling/policy:Policy",
      `${stack}-scale-${name}`,
      {
        policyType: "TargetTrackingScaling",
        resourceId: `service/${stack}-cluster/${stack}-openemr`,
        scalableDimension: "ecs:service:DesiredCount",
        serviceNamespace: "ecs",
        targetTrackingScalingPolicyConfiguration: {
          targetValue: 40,
          predefinedMetricSpecification: { predefinedMetricType: metric },
        },
      },
      { resourceId: target },
      svc,
    );
  }

  awsBackup(f, stack, tier, data, [cluster, ...fileSystems]);
  auditTrail(f, stack, tier, logs);
  return f.build();
}

// ---------------------------------------------------------------------------------------------
// Editing helpers for tests

/** The one cloud resource (custom or remote) with this name; throws unless there is exactly one. */
export function resourceNamed(plan: PlanFile, name: string): PlanResource {
  const found = plan.resources.filter((r) => r.name === name && (r.custom || r.remote === true));
  if (found.length !== 1) throw new Error(`fixture has ${found.length} resources named ${name}`);
  return found[0];
}

/** A deep copy of `plan` with `edit` applied to the props of the resource named `name`. */
export function withProps(
  plan: PlanFile,
  name: string,
  edit: (props: Record<string, PlanValue>) => void,
): PlanFile {
  const copy = structuredClone(plan);
  edit(resourceNamed(copy, name).props);
  return copy;
}
