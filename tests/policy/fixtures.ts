// Builders for plan files (DESIGN.md "Plan file") used by the policy tests, and three realistic
// compliant plans shaped like the presets' graphs (express-plus, standard, fargate).

import { expect } from "chai";
import cmkMandatoryConfig from "../../policy/config.cmk-mandatory.json";
import {
  COMPUTED,
  type PlanFile,
  type PlanResource,
  type PlanValue,
  type PolicyBlock,
  type PolicyViolation,
} from "../../tools/plan/types";
import { runPolicyPack } from "../../tools/policy/run";

/** A reference to another resource's output: becomes a value plus a property dependency. */
export interface Ref {
  readonly kind: "ref";
  readonly resource: PlanResource;
  readonly value: PlanValue;
}

export type FixtureValue = PlanValue | Ref | FixtureValue[] | { [key: string]: FixtureValue };

/** An output of `resource`: unknown ("<computed>") unless a known value is given. */
export function ref(resource: PlanResource, value: PlanValue = COMPUTED): Ref {
  return { kind: "ref", resource, value };
}

function isRef(v: unknown): v is Ref {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as { kind?: unknown }).kind === "ref" &&
    "resource" in v
  );
}

function resolve(value: FixtureValue, deps: Set<string>): PlanValue {
  if (isRef(value)) {
    deps.add(value.resource.urn);
    return value.value;
  }
  if (Array.isArray(value)) {
    return value.map((v) => resolve(v, deps));
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, deps)]));
  }
  return value;
}

export interface AddOptions {
  parent?: PlanResource;
  dependsOn?: PlanResource[];
  protect?: boolean;
  custom?: boolean;
  remote?: boolean;
  /** Extra property dependencies (e.g. a JSON policy string built from a bucket's ARN). */
  deps?: Record<string, PlanResource[]>;
}

export class PlanBuilder {
  readonly resources: PlanResource[] = [];
  readonly root: PlanResource;

  constructor(
    readonly stack = "test",
    readonly preset = "test",
    readonly project = "openemr-aws",
  ) {
    this.root = {
      urn: `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`,
      type: "pulumi:pulumi:Stack",
      name: `${project}-${stack}`,
      custom: false,
      parent: null,
      props: {},
      opts: { protect: false, retainOnDelete: false, dependsOn: [], ignoreChanges: [] },
      propertyDependencies: {},
    };
    this.resources.push(this.root);
  }

  private typeChain(type: string, parent: PlanResource | undefined): string {
    if (!parent || parent === this.root) {
      return type;
    }
    const parentChain = parent.urn.split("::")[2];
    return `${parentChain}$${type}`;
  }

  add(
    type: string,
    name: string,
    props: Record<string, FixtureValue> = {},
    opts: AddOptions = {},
  ): PlanResource {
    const propertyDependencies: Record<string, string[]> = {};
    const planProps: Record<string, PlanValue> = {};
    for (const [key, value] of Object.entries(props)) {
      const deps = new Set<string>();
      planProps[key] = resolve(value, deps);
      for (const d of opts.deps?.[key] ?? []) {
        deps.add(d.urn);
      }
      if (deps.size > 0) {
        propertyDependencies[key] = [...deps];
      }
    }
    const parent = opts.parent ?? this.root;
    const resource: PlanResource = {
      urn: `urn:pulumi:${this.stack}::${this.project}::${this.typeChain(type, parent)}::${name}`,
      type,
      name,
      custom: opts.custom ?? true,
      ...(opts.remote ? { remote: true } : {}),
      parent: parent.urn,
      props: planProps,
      opts: {
        protect: opts.protect ?? false,
        retainOnDelete: false,
        dependsOn: (opts.dependsOn ?? []).map((d) => d.urn),
        ignoreChanges: [],
      },
      propertyDependencies,
    };
    this.resources.push(resource);
    return resource;
  }

  component(type: string, name: string, opts: AddOptions = {}): PlanResource {
    return this.add(type, name, {}, { ...opts, custom: false });
  }

  plan(region = "us-east-1"): PlanFile {
    return {
      project: this.project,
      stack: this.stack,
      preset: this.preset,
      region,
      resources: this.resources,
      outputs: {},
    };
  }
}

/** A plan holding the given resources (built with `build`). */
export function planOf(build: (b: PlanBuilder) => void): PlanFile {
  const b = new PlanBuilder();
  build(b);
  return b.plan();
}

export function find(plan: PlanFile, name: string): PlanResource {
  const r = plan.resources.find((x) => x.name === name);
  if (!r) {
    throw new Error(`fixture has no resource "${name}"`);
  }
  return r;
}

// ------------------------------------------------------------------------------------------------
// Hardened building blocks (what the program's components create)
// ------------------------------------------------------------------------------------------------

export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
export const CLINIC_CIDR = "203.0.113.0/24";

export function kmsKey(b: PlanBuilder, name: string, parent?: PlanResource): PlanResource {
  return b.add(
    "aws:kms/key:Key",
    name,
    {
      description: `${name} for openemr`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: COMPUTED,
    },
    { parent },
  );
}

export function logGroup(
  b: PlanBuilder,
  name: string,
  opts: { key?: PlanResource; logName?: string; retention?: number; parent?: PlanResource } = {},
): PlanResource {
  return b.add(
    "aws:cloudwatch/logGroup:LogGroup",
    name,
    {
      name: opts.logName ?? `/openemr/${name}`,
      retentionInDays: opts.retention ?? 2192,
      ...(opts.key ? { kmsKeyId: ref(opts.key) } : {}),
    },
    { parent: opts.parent },
  );
}

export interface HardenedBucket {
  bucket: PlanResource;
  sse: PlanResource;
  publicAccessBlock: PlanResource;
  versioning: PlanResource;
  policy: PlanResource;
  lifecycle: PlanResource;
}

/** The project's hardened bucket: encryption, public access block, versioning, TLS-only, lifecycle. */
export function hardenedBucket(
  b: PlanBuilder,
  name: string,
  opts: {
    key?: PlanResource;
    sseS3?: boolean;
    purpose?: string;
    expireDays?: number;
    parent?: PlanResource;
  } = {},
): HardenedBucket {
  const parent = opts.parent;
  const bucket = b.add(
    "aws:s3/bucket:Bucket",
    name,
    {
      bucket: `${name}-0123456789`,
      forceDestroy: false,
      tags: { "openemr:purpose": opts.purpose ?? "data" },
    },
    { parent },
  );
  const id = ref(bucket, `${name}-0123456789`);
  const arn = `arn:aws:s3:::${name}-0123456789`;
  const sse = b.add(
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    `${name}-sse`,
    {
      bucket: id,
      rules: [
        opts.sseS3
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
          : {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: "aws:kms",
                kmsMasterKeyId: opts.key ? ref(opts.key) : COMPUTED,
              },
              bucketKeyEnabled: true,
            },
      ],
    },
    { parent },
  );
  const publicAccessBlock = b.add(
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    `${name}-pab`,
    {
      bucket: id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  const versioning = b.add(
    "aws:s3/bucketVersioning:BucketVersioning",
    `${name}-versioning`,
    { bucket: id, versioningConfiguration: { status: "Enabled" } },
    { parent },
  );
  const policy = b.add(
    "aws:s3/bucketPolicy:BucketPolicy",
    `${name}-policy`,
    {
      bucket: id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [arn, `${arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    },
    { parent, deps: { policy: [bucket] } },
  );
  const lifecycle = b.add(
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    `${name}-lifecycle`,
    {
      bucket: id,
      rules: [
        {
          id: "expire",
          status: "Enabled",
          filter: {},
          expiration: { days: opts.expireDays ?? 2557 },
          noncurrentVersionExpiration: { noncurrentDays: 30 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    },
    { parent },
  );
  return { bucket, sse, publicAccessBlock, versioning, policy, lifecycle };
}

/** awsx VPC (remote component: its children are invisible offline) with a flow log. */
export function network(
  b: PlanBuilder,
  name: string,
  key: PlanResource,
  parent?: PlanResource,
): PlanResource {
  const vpc = b.add(
    "awsx:ec2:Vpc",
    `${name}-vpc`,
    { cidrBlock: "10.0.0.0/16", natGateways: { strategy: "None" } },
    { parent, custom: false, remote: true },
  );
  const group = logGroup(b, `${name}-flow-logs`, { key, parent });
  const role = b.add(
    "aws:iam/role:Role",
    `${name}-flow-logs-role`,
    { assumeRolePolicy: "{}" },
    { parent },
  );
  b.add(
    "aws:ec2/flowLog:FlowLog",
    `${name}-flow-log`,
    {
      vpcId: ref(vpc),
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: ref(group),
      iamRoleArn: ref(role),
    },
    { parent },
  );
  return vpc;
}

/** CloudTrail with its bucket and log group (the audit-trail component). */
export function auditTrail(
  b: PlanBuilder,
  name: string,
  key: PlanResource,
  parent?: PlanResource,
): PlanResource {
  const { bucket } = hardenedBucket(b, `${name}-bucket`, { key, purpose: "audit-logs", parent });
  const group = logGroup(b, `${name}-logs`, { key, parent });
  const role = b.add("aws:iam/role:Role", `${name}-role`, { assumeRolePolicy: "{}" }, { parent });
  return b.add(
    "aws:cloudtrail/trail:Trail",
    name,
    {
      s3BucketName: ref(bucket, `${name}-bucket-0123456789`),
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      kmsKeyId: ref(key),
      cloudWatchLogsGroupArn: ref(group),
      cloudWatchLogsRoleArn: ref(role),
    },
    { parent },
  );
}

function backups(
  b: PlanBuilder,
  name: string,
  key: PlanResource,
  parent: PlanResource,
  longDays: number,
): void {
  const vault = b.add(
    "aws:backup/vault:Vault",
    `${name}-vault`,
    { kmsKeyArn: ref(key) },
    { parent },
  );
  b.add(
    "aws:backup/plan:Plan",
    `${name}-plan`,
    {
      rules: [
        {
          ruleName: "daily",
          targetVaultName: ref(vault),
          schedule: "cron(0 5 * * ? *)",
          lifecycle: { deleteAfter: 35 },
        },
        {
          ruleName: "monthly",
          targetVaultName: ref(vault),
          schedule: "cron(0 5 1 * ? *)",
          lifecycle: { deleteAfter: longDays },
        },
      ],
    },
    { parent },
  );
}

function ec2Instance(
  b: PlanBuilder,
  name: string,
  key: PlanResource,
  sg: PlanResource,
  parent: PlanResource,
): PlanResource {
  return b.add(
    "aws:ec2/instance:Instance",
    name,
    {
      ami: "ami-0123456789abcdef0",
      instanceType: "t4g.small",
      vpcSecurityGroupIds: [ref(sg)],
      rootBlockDevice: { encrypted: true, kmsKeyId: ref(key), volumeType: "gp3", volumeSize: 30 },
      metadataOptions: {
        httpTokens: "required",
        httpEndpoint: "enabled",
        httpPutResponseHopLimit: 2,
      },
      monitoring: false,
      userData: COMPUTED,
    },
    { parent },
  );
}

function alb(
  b: PlanBuilder,
  name: string,
  parent: PlanResource,
  vpc: PlanResource,
): { lb: PlanResource; sg: PlanResource; httpsListener: PlanResource; logs: HardenedBucket } {
  const sg = b.add(
    "aws:ec2/securityGroup:SecurityGroup",
    `${name}-alb-sg`,
    {
      vpcId: ref(vpc),
      description: "ALB",
      egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
    },
    { parent },
  );
  for (const port of [443, 80]) {
    b.add(
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      `${name}-alb-in-${port}`,
      {
        securityGroupId: ref(sg),
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrIpv4: "0.0.0.0/0",
      },
      { parent },
    );
  }
  const logs = hardenedBucket(b, `${name}-alb-logs`, {
    sseS3: true,
    purpose: "lb-access-logs",
    parent,
  });
  const lb = b.add(
    "aws:lb/loadBalancer:LoadBalancer",
    `${name}-alb`,
    {
      loadBalancerType: "application",
      internal: false,
      securityGroups: [ref(sg)],
      subnets: COMPUTED,
      dropInvalidHeaderFields: true,
      enableDeletionProtection: true,
      desyncMitigationMode: "defensive",
      accessLogs: {
        bucket: ref(logs.bucket, `${name}-alb-logs-0123456789`),
        enabled: true,
        prefix: "alb",
      },
    },
    { parent, dependsOn: [logs.policy] },
  );
  const tg = b.add(
    "aws:lb/targetGroup:TargetGroup",
    `${name}-tg`,
    { port: 443, protocol: "HTTPS", vpcId: ref(vpc) },
    { parent },
  );
  const httpsListener = b.add(
    "aws:lb/listener:Listener",
    `${name}-https`,
    {
      loadBalancerArn: ref(lb),
      port: 443,
      protocol: "HTTPS",
      sslPolicy: TLS_POLICY,
      certificateArn:
        "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100",
      defaultActions: [{ type: "forward", targetGroupArn: ref(tg) }],
    },
    { parent },
  );
  b.add(
    "aws:lb/listener:Listener",
    `${name}-http`,
    {
      loadBalancerArn: ref(lb),
      port: 80,
      protocol: "HTTP",
      defaultActions: [
        { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
      ],
    },
    { parent },
  );
  return { lb, sg, httpsListener, logs };
}

// ------------------------------------------------------------------------------------------------
// Realistic compliant plans
// ------------------------------------------------------------------------------------------------

/** Express Plus: one instance, CMK everywhere, encrypted data volume, backups to S3, audit trail. */
export function expressPlusPlan(): PlanFile {
  const b = new PlanBuilder("staging", "express-plus");
  const tier = b.component("openemr:tier:ExpressPlus", "openemr");
  const key = kmsKey(b, "openemr-key", tier);
  const vpc = network(b, "openemr", key, tier);
  const sg = b.add(
    "aws:ec2/securityGroup:SecurityGroup",
    "openemr-web",
    {
      vpcId: ref(vpc),
      description: "OpenEMR HTTPS",
      ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [CLINIC_CIDR] }],
      egress: [
        {
          protocol: "-1",
          fromPort: 0,
          toPort: 0,
          cidrBlocks: ["0.0.0.0/0"],
          ipv6CidrBlocks: ["::/0"],
        },
      ],
    },
    { parent: tier },
  );
  const server = ec2Instance(b, "openemr-server", key, sg, tier);
  const data = b.add(
    "aws:ebs/volume:Volume",
    "openemr-data",
    { availabilityZone: "us-east-1a", size: 20, type: "gp3", encrypted: true, kmsKeyId: ref(key) },
    { parent: tier, protect: true },
  );
  b.add(
    "aws:ec2/volumeAttachment:VolumeAttachment",
    "openemr-data-attachment",
    { deviceName: "/dev/sdf", instanceId: ref(server), volumeId: ref(data) },
    { parent: tier },
  );
  for (const log of ["app", "mysql", "system", "backup"]) {
    logGroup(b, `openemr-${log}-logs`, { key, parent: tier });
  }
  b.add(
    "aws:secretsmanager/secret:Secret",
    "openemr-db-password",
    { kmsKeyId: ref(key), recoveryWindowInDays: 30 },
    { parent: tier },
  );
  b.add(
    "aws:secretsmanager/secretVersion:SecretVersion",
    "openemr-db-password-value",
    { secretString: "<secret>" },
    { parent: tier },
  );
  auditTrail(b, "openemr-trail", key, tier);
  hardenedBucket(b, "openemr-backups", { key, purpose: "backups", expireDays: 90, parent: tier });
  b.add("aws:sns/topic:Topic", "openemr-alarms", { kmsMasterKeyId: ref(key) }, { parent: tier });
  backups(b, "openemr-backup", key, tier, 365);
  return b.plan();
}

/** Standard: web instance behind an ALB, RDS MySQL with TLS parameter group and pre-created log groups. */
export function standardPlan(): PlanFile {
  const b = new PlanBuilder("staging", "standard");
  const tier = b.component("openemr:tier:Standard", "openemr");
  const key = kmsKey(b, "openemr-key", tier);
  const vpc = network(b, "openemr", key, tier);
  const front = alb(b, "openemr", tier, vpc);
  const webSg = b.add(
    "aws:ec2/securityGroup:SecurityGroup",
    "openemr-web",
    {
      vpcId: ref(vpc),
      description: "web",
      ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, securityGroups: [ref(front.sg)] }],
    },
    { parent: tier },
  );
  ec2Instance(b, "openemr-web", key, webSg, tier);
  b.add(
    "aws:ebs/volume:Volume",
    "openemr-documents",
    { availabilityZone: "us-east-1a", size: 50, type: "gp3", encrypted: true, kmsKeyId: ref(key) },
    { parent: tier, protect: true },
  );
  const pg = b.add(
    "aws:rds/parameterGroup:ParameterGroup",
    "openemr-db-params",
    {
      family: "mysql8.0",
      parameters: [
        { name: "require_secure_transport", value: "ON" },
        { name: "tls_version", value: "TLSv1.2,TLSv1.3" },
      ],
    },
    { parent: tier },
  );
  const dbId = "openemr-staging-db";
  const exportsList = ["audit", "error", "slowquery"];
  const groups = exportsList.map((log) =>
    logGroup(b, `openemr-db-${log}`, {
      key,
      logName: `/aws/rds/instance/${dbId}/${log}`,
      parent: tier,
    }),
  );
  b.add(
    "aws:rds/instance:Instance",
    "openemr-db",
    {
      identifier: dbId,
      engine: "mysql",
      engineVersion: "8.4",
      instanceClass: "db.t4g.small",
      allocatedStorage: 20,
      maxAllocatedStorage: 100,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: ref(key),
      parameterGroupName: ref(pg, "openemr-db-params-1234567"),
      optionGroupName: "openemr-db-options",
      enabledCloudwatchLogsExports: exportsList,
      backupRetentionPeriod: 7,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${dbId}-final`,
      publiclyAccessible: false,
      multiAz: false,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: ref(key),
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: ref(key),
      username: "openemr",
    },
    { parent: tier, protect: true, dependsOn: groups },
  );
  auditTrail(b, "openemr-trail", key, tier);
  backups(b, "openemr-backup", key, tier, 2192);
  return b.plan();
}

/** Fargate: Aurora Serverless v2, Valkey serverless, EFS, ALB + WAF, ECS task with secrets. */
export function fargatePlan(): PlanFile {
  const b = new PlanBuilder("prod", "fargate");
  const tier = b.component("openemr:tier:Fargate", "openemr");
  const dataKey = kmsKey(b, "openemr-data-key", tier);
  const logsKey = kmsKey(b, "openemr-logs-key", tier);
  const secretsKey = kmsKey(b, "openemr-secrets-key", tier);
  const vpc = network(b, "openemr", logsKey, tier);
  const front = alb(b, "openemr", tier, vpc);
  const cpg = b.add(
    "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    "openemr-db-cluster-params",
    {
      family: "aurora-mysql8.0",
      parameters: [
        { name: "require_secure_transport", value: "ON" },
        { name: "server_audit_logging", value: "1" },
        { name: "server_audit_events", value: "CONNECT,QUERY_DCL,QUERY_DDL" },
      ],
    },
    { parent: tier },
  );
  const clusterId = "openemr-prod-db";
  const exportsList = ["audit", "error", "general", "slowquery"];
  const groups = exportsList.map((log) =>
    logGroup(b, `openemr-db-${log}`, {
      key: logsKey,
      logName: `/aws/rds/cluster/${clusterId}/${log}`,
      parent: tier,
    }),
  );
  const dbSecret = b.add(
    "aws:secretsmanager/secret:Secret",
    "openemr-db-credentials",
    { kmsKeyId: ref(secretsKey) },
    { parent: tier },
  );
  const adminSecret = b.add(
    "aws:secretsmanager/secret:Secret",
    "openemr-admin-credentials",
    { kmsKeyId: ref(secretsKey) },
    { parent: tier },
  );
  const cluster = b.add(
    "aws:rds/cluster:Cluster",
    "openemr-db",
    {
      clusterIdentifier: clusterId,
      engine: "aurora-mysql",
      engineMode: "provisioned",
      engineVersion: "8.0.mysql_aurora.3.08.0",
      serverlessv2ScalingConfiguration: { minCapacity: 0, maxCapacity: 16 },
      storageEncrypted: true,
      kmsKeyId: ref(dataKey),
      dbClusterParameterGroupName: ref(cpg, "openemr-db-cluster-params-1234567"),
      enabledCloudwatchLogsExports: exportsList,
      backupRetentionPeriod: 7,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${clusterId}-final`,
      masterUsername: "openemr",
      masterPassword: "<secret>",
    },
    { parent: tier, protect: true, dependsOn: groups },
  );
  b.add(
    "aws:rds/clusterInstance:ClusterInstance",
    "openemr-db-writer",
    {
      clusterIdentifier: ref(cluster, clusterId),
      engine: "aurora-mysql",
      instanceClass: "db.serverless",
      publiclyAccessible: false,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: ref(dataKey),
    },
    { parent: tier },
  );
  b.add(
    "aws:elasticache/serverlessCache:ServerlessCache",
    "openemr-sessions",
    {
      engine: "valkey",
      majorEngineVersion: "8",
      kmsKeyId: ref(dataKey),
      securityGroupIds: COMPUTED,
      subnetIds: COMPUTED,
    },
    { parent: tier },
  );
  const sites = b.add(
    "aws:efs/fileSystem:FileSystem",
    "openemr-sites",
    { encrypted: true, kmsKeyId: ref(dataKey), performanceMode: "generalPurpose" },
    { parent: tier, protect: true },
  );
  const ssl = b.add(
    "aws:efs/fileSystem:FileSystem",
    "openemr-ssl",
    { encrypted: true, kmsKeyId: ref(dataKey) },
    { parent: tier, protect: true },
  );
  const appLogs = logGroup(b, "openemr-app-logs", { key: logsKey, parent: tier });
  logGroup(b, "openemr-exec-logs", { key: logsKey, parent: tier });
  const containerDefinitions = JSON.stringify([
    {
      name: "openemr",
      image: "openemr/openemr:8.1.0",
      essential: true,
      environment: [
        { name: "MYSQL_HOST", value: "openemr-prod-db.cluster-abc.us-east-1.rds.amazonaws.com" },
        { name: "REDIS_SERVER", value: "openemr-sessions.serverless.use1.cache.amazonaws.com" },
        { name: "SWARM_MODE", value: "yes" },
      ],
      secrets: [
        {
          name: "MYSQL_PASS",
          valueFrom:
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:openemr-db-credentials:password::",
        },
        {
          name: "OE_PASS",
          valueFrom:
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:openemr-admin-credentials:password::",
        },
      ],
      logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-group": "/openemr/openemr-app-logs", "awslogs-region": "us-east-1" },
      },
    },
  ]);
  b.add(
    "aws:ecs/taskDefinition:TaskDefinition",
    "openemr-task",
    {
      family: "openemr",
      cpu: "1024",
      memory: "2048",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
      containerDefinitions,
      volumes: [
        {
          name: "sites",
          efsVolumeConfiguration: {
            fileSystemId: ref(sites),
            transitEncryption: "ENABLED",
            authorizationConfig: { iam: "ENABLED" },
          },
        },
        {
          name: "ssl",
          efsVolumeConfiguration: {
            fileSystemId: ref(ssl),
            transitEncryption: "ENABLED",
            authorizationConfig: { iam: "ENABLED" },
          },
        },
      ],
    },
    { parent: tier, deps: { containerDefinitions: [dbSecret, adminSecret, appLogs] } },
  );
  const acl = b.add(
    "aws:wafv2/webAcl:WebAcl",
    "openemr-waf",
    {
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudwatchMetricsEnabled: true,
        metricName: "openemr",
        sampledRequestsEnabled: true,
      },
    },
    { parent: tier },
  );
  b.add(
    "aws:wafv2/webAclAssociation:WebAclAssociation",
    "openemr-waf-alb",
    { resourceArn: ref(front.lb), webAclArn: ref(acl) },
    { parent: tier },
  );
  const wafLogs = logGroup(b, "openemr-waf-logs", {
    key: logsKey,
    logName: "aws-waf-logs-openemr-prod",
    parent: tier,
  });
  b.add(
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
    "openemr-waf-logging",
    { resourceArn: ref(acl), logDestinationConfigs: [ref(wafLogs)] },
    { parent: tier },
  );
  auditTrail(b, "openemr-trail", logsKey, tier);
  backups(b, "openemr-backup", dataKey, tier, 2557);
  b.add(
    "aws:sns/topic:Topic",
    "openemr-alarms",
    { kmsMasterKeyId: ref(logsKey) },
    { parent: tier },
  );
  return b.plan();
}

// ------------------------------------------------------------------------------------------------
// Running the pack and asserting on its verdict
// ------------------------------------------------------------------------------------------------

export const CMK_MANDATORY = cmkMandatoryConfig as Record<string, unknown>;

/** Runs the real pack offline. */
export function check(plan: PlanFile, config?: Record<string, unknown>): Promise<PolicyBlock> {
  return runPolicyPack(plan, config);
}

/** The violations `policy` reported, excluding "can't run during preview" advisories. */
export function violationsOf(block: PolicyBlock, policy: string): PolicyViolation[] {
  return block.violations.filter((v) => v.policy === policy && !v.message.startsWith("can't run"));
}

/** The "can't run policy ... during preview" advisories of `policy`. */
export function previewAdvisoriesOf(block: PolicyBlock, policy: string): PolicyViolation[] {
  return block.violations.filter((v) => v.policy === policy && v.message.startsWith("can't run"));
}

/** Asserts `policy` reports nothing (not even a preview advisory) on the plan. */
export async function expectPass(
  plan: PlanFile,
  policy: string,
  config?: Record<string, unknown>,
): Promise<void> {
  const block = await check(plan, config);
  const mine = block.violations.filter((v) => v.policy === policy);
  expect(mine, `${policy} reported: ${JSON.stringify(mine, null, 2)}`).to.deep.equal([]);
}

export interface ExpectedViolation {
  /** Name of the resource the violation is about. */
  resource: string;
  /** Snippets the message must contain (the fix). The resource's quoted name is always required. */
  says: string[];
  level?: "mandatory" | "advisory";
  config?: Record<string, unknown>;
  /** How many violations of the policy (default 1). */
  count?: number;
}

/** Asserts `policy` reports exactly `count` violations on `resource`, naming it and the fix. */
export async function expectViolation(
  plan: PlanFile,
  policy: string,
  e: ExpectedViolation,
): Promise<PolicyViolation[]> {
  const block = await check(plan, e.config);
  const mine = violationsOf(block, policy);
  const urn = find(plan, e.resource).urn;
  expect(mine, JSON.stringify(block.violations, null, 2)).to.have.length(e.count ?? 1);
  for (const v of mine) {
    expect(v.urn).to.equal(urn);
    expect(v.level).to.equal(e.level ?? "mandatory");
    expect(v.message).to.include(`"${e.resource}"`);
  }
  const text = mine.map((v) => v.message).join("\n");
  for (const snippet of e.says) {
    expect(text).to.include(snippet);
  }
  return mine;
}

/** A plan with one resource (plus the stack). */
export function single(type: string, name: string, props: Record<string, FixtureValue>): PlanFile {
  return planOf((b) => b.add(type, name, props));
}
