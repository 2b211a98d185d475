// Mutation suite: take compliant plans, flip one security property at a time, and require the
// policy that guards it to report a mandatory violation. Prints the kill rate.

import { expect } from "chai";
import type { PlanFile, PlanResource, PlanValue } from "../../tools/plan/types";
import { runPolicyPack } from "../../tools/policy/run";
import { mutate, resource as planResource, setProp, stringAt, unsetProp } from "../helpers/mutate";
import { EXPRESS_PLUS, planStack as planStackCli } from "../helpers/plan";
import { CMK_MANDATORY } from "./verdict";

interface BasePlan {
  name: string;
  plan: PlanFile;
  /** Whether the plan must pass the customer-managed-key policies (run with config.cmk-mandatory.json). */
  cmk: boolean;
}

type PlanStack = (stack: string, sets?: Record<string, string>) => Promise<PlanFile>;

/**
 * The real presets' plans, plus two compliant variants of the standard plan for the properties no
 * preset plans: an RDS-managed master password (with its key) and a load balancer open to the
 * whole internet on 443 (as with openemr:allowedCidrs 0.0.0.0/0).
 */
async function mutationTargetPlans(): Promise<BasePlan[]> {
  const standard = await planStackCli("staging");
  const DB = ["aws:rds/instance:Instance", "openemr-staging-db"] as const;
  const key = stringAt(planResource(standard, DB), "kmsKeyId");
  return [
    ...(await presetBasePlans()),
    {
      name: "standard with an RDS-managed master password",
      plan: mutate(
        standard,
        unsetProp(DB, "password"),
        setProp(DB, "manageMasterUserPassword", true),
        setProp(DB, "masterUserSecretKmsKeyId", key),
      ),
      cmk: true,
    },
    {
      name: "standard with its load balancer open to the internet on 443",
      plan: mutate(
        standard,
        setProp(
          [
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "openemr-staging-lb-in-443-198-51-100-0-24",
          ],
          "cidrIpv4",
          "0.0.0.0/0",
        ),
      ),
      cmk: true,
    },
  ];
}

/** The real presets' plans (the example stacks), planned by `npm run plan`. */
export async function presetBasePlans(planStack: PlanStack = planStackCli): Promise<BasePlan[]> {
  return [
    { name: "express (dev)", plan: await planStack("dev"), cmk: false },
    {
      name: "express-plus (dev stack, protected)",
      plan: await planStack("dev", EXPRESS_PLUS),
      cmk: true,
    },
    {
      name: "standard behind a load balancer (staging)",
      plan: await planStack("staging"),
      cmk: true,
    },
    { name: "fargate (prod)", plan: await planStack("prod"), cmk: true },
  ];
}

// The suite mutates the real presets' plans (shared with the tier tests through planStack's cache).
const basePlans: () => Promise<BasePlan[]> = () => presetBasePlans();

// ------------------------------------------------------------------------------------------------
// Plan surgery
// ------------------------------------------------------------------------------------------------

type Obj = { [key: string]: PlanValue };

function isObj(v: PlanValue | undefined): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function arr(v: PlanValue | undefined): PlanValue[] {
  return Array.isArray(v) ? v : [];
}

function ofType(plan: PlanFile, ...types: string[]): PlanResource[] {
  return plan.resources.filter((r) => types.includes(r.type));
}

function remove(plan: PlanFile, target: PlanResource): void {
  plan.resources = plan.resources.filter((r) => r.urn !== target.urn);
}

function dependents(plan: PlanFile, target: PlanResource, prop: string): PlanResource[] {
  return plan.resources.filter((r) => (r.propertyDependencies[prop] ?? []).includes(target.urn));
}

function attachedBucket(plan: PlanFile, r: PlanResource): PlanResource | undefined {
  const urn = (r.propertyDependencies["bucket"] ?? [])[0];
  return plan.resources.find((b) => b.urn === urn);
}

function purpose(bucket: PlanResource | undefined): string | undefined {
  const tags = bucket?.props["tags"];
  const v = isObj(tags) ? tags["openemr:purpose"] : undefined;
  return typeof v === "string" ? v : undefined;
}

const LOG_PURPOSES = ["lb-access-logs", "audit-trail", "audit-logs", "access-logs", "flow-logs"];

function isLogBucket(plan: PlanFile, bucket: PlanResource | undefined): boolean {
  if (!bucket) return false;
  const p = purpose(bucket);
  return (
    (p !== undefined && LOG_PURPOSES.includes(p)) ||
    ["accessLogs", "s3BucketName", "logDestination", "targetBucket"].some(
      (prop) => dependents(plan, bucket, prop).length > 0,
    )
  );
}

function kmsRules(r: PlanResource): Obj[] {
  return arr(r.props["rules"])
    .filter(isObj)
    .map((rule) => rule["applyServerSideEncryptionByDefault"])
    .filter(isObj)
    .filter(
      (d) => typeof d["sseAlgorithm"] === "string" && d["sseAlgorithm"].startsWith("aws:kms"),
    );
}

function listenerIs(r: PlanResource, protocol: string): boolean {
  const given = r.props["protocol"];
  return (typeof given === "string" ? given : "HTTP").toUpperCase() === protocol;
}

function tlsParams(r: PlanResource): Obj[] {
  return arr(r.props["parameters"])
    .filter(isObj)
    .filter((p) => p["name"] === "require_secure_transport" || p["name"] === "rds.force_ssl");
}

function worldIngress443(r: PlanResource): Obj[] {
  const world = (v: PlanValue | undefined) => arr(v).some((c) => c === "0.0.0.0/0" || c === "::/0");
  if (r.type === "aws:ec2/securityGroup:SecurityGroup") {
    return arr(r.props["ingress"])
      .filter(isObj)
      .filter(
        (i) => i["fromPort"] === 443 && (world(i["cidrBlocks"]) || world(i["ipv6CidrBlocks"])),
      );
  }
  const cidr = r.props["cidrIpv4"] ?? r.props["cidrIpv6"];
  return r.props["fromPort"] === 443 && (cidr === "0.0.0.0/0" || cidr === "::/0") ? [r.props] : [];
}

function parseJson(v: PlanValue | undefined): unknown {
  if (typeof v !== "string") return undefined;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return undefined;
  }
}

function denyStatementCount(r: PlanResource): number {
  const doc = parseJson(r.props["policy"]) as
    { Statement?: Array<{ Effect?: string }> } | undefined;
  return (doc?.Statement ?? []).filter((s) => s.Effect === "Deny").length;
}

// ------------------------------------------------------------------------------------------------
// Mutations
// ------------------------------------------------------------------------------------------------

interface Mutation {
  /** The security property and how it is flipped. */
  name: string;
  /** The policy that must report a mandatory violation. */
  caughtBy: string;
  /** Customer-managed-key mutation: applies only to plans that must pass the CMK policies. */
  cmk?: boolean;
  targets(plan: PlanFile): PlanResource[];
  mutate(target: PlanResource, plan: PlanFile): void;
}

const DBS = ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"];
const LISTENERS = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];
const LBS = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];
const SSE = [
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
const has = (prop: string) => (r: PlanResource) =>
  r.props[prop] !== undefined && r.props[prop] !== null;
const set = (prop: string, value: PlanValue) => (r: PlanResource) => {
  r.props[prop] = value;
};
const drop =
  (...props: string[]) =>
  (r: PlanResource) => {
    for (const p of props) {
      delete r.props[p];
      delete r.propertyDependencies[p];
    }
  };
const byType =
  (...types: string[]) =>
  (plan: PlanFile) =>
    ofType(plan, ...types);
const where =
  (types: string[], ok: (r: PlanResource, plan: PlanFile) => boolean) => (plan: PlanFile) =>
    ofType(plan, ...types).filter((r) => ok(r, plan));

const mutations: Mutation[] = [
  // Encryption at rest
  {
    name: "EBS volume: encrypted false",
    caughtBy: "ebs-volume-encrypted",
    targets: byType("aws:ebs/volume:Volume"),
    mutate: set("encrypted", false),
  },
  {
    name: "EBS volume: encrypted removed",
    caughtBy: "ebs-volume-encrypted",
    targets: byType("aws:ebs/volume:Volume"),
    mutate: drop("encrypted"),
  },
  {
    name: "EC2 root volume: encrypted false",
    caughtBy: "ec2-instance-volumes-encrypted",
    targets: where(["aws:ec2/instance:Instance"], (r) => isObj(r.props["rootBlockDevice"])),
    mutate: (r) => {
      (r.props["rootBlockDevice"] as Obj)["encrypted"] = false;
    },
  },
  {
    name: "EC2 instance: rootBlockDevice removed",
    caughtBy: "ec2-instance-volumes-encrypted",
    targets: where(
      ["aws:ec2/instance:Instance"],
      (r) => isObj(r.props["rootBlockDevice"]) && !has("launchTemplate")(r),
    ),
    mutate: drop("rootBlockDevice"),
  },
  {
    name: "RDS: storageEncrypted false",
    caughtBy: "rds-storage-encrypted",
    targets: byType(...DBS),
    mutate: set("storageEncrypted", false),
  },
  {
    name: "EFS: encrypted false",
    caughtBy: "efs-encrypted",
    targets: byType("aws:efs/fileSystem:FileSystem"),
    mutate: set("encrypted", false),
  },
  {
    name: "S3: SSE-KMS downgraded to SSE-S3 on a data bucket",
    caughtBy: "s3-bucket-encryption",
    targets: where(
      SSE,
      (r, plan) => kmsRules(r).length > 0 && purpose(attachedBucket(plan, r)) !== "lb-access-logs",
    ),
    mutate: (r) => {
      for (const d of kmsRules(r)) {
        d["sseAlgorithm"] = "AES256";
        delete d["kmsMasterKeyId"];
      }
    },
  },
  {
    name: "S3: encryption configuration removed",
    caughtBy: "s3-bucket-encryption",
    targets: byType(...SSE),
    mutate: (r, plan) => remove(plan, r),
  },
  {
    name: "Backup vault: kmsKeyArn removed",
    caughtBy: "backup-vault-encrypted",
    targets: byType("aws:backup/vault:Vault"),
    mutate: drop("kmsKeyArn"),
  },
  {
    name: "CloudTrail: kmsKeyId removed",
    caughtBy: "cloudtrail-encrypted",
    targets: byType("aws:cloudtrail/trail:Trail"),
    mutate: drop("kmsKeyId"),
  },
  {
    name: "KMS key: rotation off",
    caughtBy: "kms-key-rotation",
    targets: byType("aws:kms/key:Key"),
    mutate: set("enableKeyRotation", false),
  },
  // Customer-managed keys (config.cmk-mandatory.json)
  {
    name: "Log group: kmsKeyId removed",
    caughtBy: "cloudwatch-log-group-customer-managed-key",
    cmk: true,
    targets: byType("aws:cloudwatch/logGroup:LogGroup"),
    mutate: drop("kmsKeyId"),
  },
  {
    name: "Secret: kmsKeyId removed",
    caughtBy: "secretsmanager-secret-customer-managed-key",
    cmk: true,
    targets: byType("aws:secretsmanager/secret:Secret"),
    mutate: drop("kmsKeyId"),
  },
  {
    name: "Secret: AWS-managed key",
    caughtBy: "secretsmanager-secret-customer-managed-key",
    cmk: true,
    targets: byType("aws:secretsmanager/secret:Secret"),
    mutate: set("kmsKeyId", "alias/aws/secretsmanager"),
  },
  {
    name: "SNS topic: kmsMasterKeyId removed",
    caughtBy: "sns-topic-customer-managed-key",
    cmk: true,
    targets: byType("aws:sns/topic:Topic"),
    mutate: drop("kmsMasterKeyId"),
  },
  {
    name: "EBS volume: kmsKeyId removed",
    caughtBy: "data-store-customer-managed-key",
    cmk: true,
    targets: byType("aws:ebs/volume:Volume"),
    mutate: drop("kmsKeyId"),
  },
  {
    name: "EC2 root volume: kmsKeyId removed",
    caughtBy: "data-store-customer-managed-key",
    cmk: true,
    targets: where(["aws:ec2/instance:Instance"], (r) => isObj(r.props["rootBlockDevice"])),
    mutate: (r) => {
      delete (r.props["rootBlockDevice"] as Obj)["kmsKeyId"];
    },
  },
  {
    name: "RDS: kmsKeyId removed",
    caughtBy: "data-store-customer-managed-key",
    cmk: true,
    targets: byType(...DBS),
    mutate: drop("kmsKeyId"),
  },
  {
    name: "RDS: Performance Insights key removed",
    caughtBy: "data-store-customer-managed-key",
    cmk: true,
    targets: where(
      [...DBS, "aws:rds/clusterInstance:ClusterInstance"],
      (r) => r.props["performanceInsightsEnabled"] === true,
    ),
    mutate: drop("performanceInsightsKmsKeyId"),
  },
  {
    name: "RDS: managed master secret key removed",
    caughtBy: "data-store-customer-managed-key",
    cmk: true,
    targets: where(DBS, (r) => r.props["manageMasterUserPassword"] === true),
    mutate: drop("masterUserSecretKmsKeyId"),
  },
  {
    name: "EFS: kmsKeyId removed",
    caughtBy: "data-store-customer-managed-key",
    cmk: true,
    targets: byType("aws:efs/fileSystem:FileSystem"),
    mutate: drop("kmsKeyId"),
  },
  {
    name: "Serverless cache: kmsKeyId removed",
    caughtBy: "data-store-customer-managed-key",
    cmk: true,
    targets: byType("aws:elasticache/serverlessCache:ServerlessCache"),
    mutate: drop("kmsKeyId"),
  },
  {
    name: "S3 SSE-KMS: kmsMasterKeyId removed",
    caughtBy: "data-store-customer-managed-key",
    cmk: true,
    targets: where(SSE, (r) => kmsRules(r).length > 0),
    mutate: (r) => {
      for (const d of kmsRules(r)) delete d["kmsMasterKeyId"];
    },
  },
  // TLS in transit
  {
    name: "HTTPS listener: TLS 1.0 policy",
    caughtBy: "lb-listener-tls",
    targets: where(LISTENERS, (r) => listenerIs(r, "HTTPS")),
    mutate: set("sslPolicy", "ELBSecurityPolicy-2016-08"),
  },
  {
    name: "HTTPS listener: sslPolicy removed",
    caughtBy: "lb-listener-tls",
    targets: where(LISTENERS, (r) => listenerIs(r, "HTTPS")),
    mutate: drop("sslPolicy"),
  },
  {
    name: "HTTPS listener: certificate removed",
    caughtBy: "lb-listener-tls",
    targets: where(LISTENERS, (r) => listenerIs(r, "HTTPS")),
    mutate: drop("certificateArn"),
  },
  {
    name: "HTTPS listener: served as HTTP",
    caughtBy: "lb-listener-tls",
    targets: where(LISTENERS, (r) => listenerIs(r, "HTTPS")),
    mutate: set("protocol", "HTTP"),
  },
  {
    name: "HTTP listener: redirect replaced by forward",
    caughtBy: "lb-listener-tls",
    targets: where(LISTENERS, (r) => listenerIs(r, "HTTP")),
    mutate: set("defaultActions", [
      {
        type: "forward",
        targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/1",
      },
    ]),
  },
  {
    name: "HTTP listener: redirect to HTTP",
    caughtBy: "lb-listener-tls",
    targets: where(LISTENERS, (r) => listenerIs(r, "HTTP")),
    mutate: (r) => {
      for (const a of arr(r.props["defaultActions"]).filter(isObj)) {
        if (isObj(a["redirect"])) a["redirect"]["protocol"] = "HTTP";
      }
    },
  },
  {
    name: "DB parameter group: TLS not required",
    caughtBy: "rds-require-secure-transport",
    targets: where(
      [
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
      ],
      (r) => tlsParams(r).length > 0,
    ),
    mutate: (r) => {
      for (const p of tlsParams(r)) p["value"] = p["name"] === "rds.force_ssl" ? "0" : "OFF";
    },
  },
  {
    name: "DB parameter group: TLS parameter removed",
    caughtBy: "rds-require-secure-transport",
    targets: where(
      [
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
      ],
      (r) => tlsParams(r).length > 0,
    ),
    mutate: (r) => {
      r.props["parameters"] = arr(r.props["parameters"]).filter(
        (p) => !tlsParams(r).includes(p as Obj),
      );
    },
  },
  {
    name: "DB: default parameter group",
    caughtBy: "rds-require-secure-transport",
    targets: where(
      DBS,
      (r) => has("parameterGroupName")(r) || has("dbClusterParameterGroupName")(r),
    ),
    mutate: drop("parameterGroupName", "dbClusterParameterGroupName"),
  },
  {
    name: "ECS: EFS mounted without TLS",
    caughtBy: "ecs-efs-transit-encryption",
    targets: where(["aws:ecs/taskDefinition:TaskDefinition"], (r) =>
      arr(r.props["volumes"]).some((v) => isObj(v) && isObj(v["efsVolumeConfiguration"])),
    ),
    mutate: (r) => {
      for (const v of arr(r.props["volumes"]).filter(isObj)) {
        if (isObj(v["efsVolumeConfiguration"]))
          v["efsVolumeConfiguration"]["transitEncryption"] = "DISABLED";
      }
    },
  },
  {
    name: "S3: bucket policy removed",
    caughtBy: "s3-bucket-tls-only",
    targets: byType("aws:s3/bucketPolicy:BucketPolicy"),
    mutate: (r, plan) => remove(plan, r),
  },
  {
    name: "S3: TLS-only statement removed",
    caughtBy: "s3-bucket-tls-only",
    targets: where(["aws:s3/bucketPolicy:BucketPolicy"], (r) => denyStatementCount(r) > 0),
    mutate: (r) => {
      const doc = parseJson(r.props["policy"]) as { Statement: Array<{ Effect?: string }> };
      doc.Statement = doc.Statement.filter((s) => s.Effect !== "Deny");
      r.props["policy"] = JSON.stringify(doc);
    },
  },
  {
    name: "Security group: SSH open to the internet",
    caughtBy: "security-group-ingress",
    targets: byType("aws:ec2/securityGroup:SecurityGroup"),
    mutate: (r) => {
      r.props["ingress"] = [
        ...arr(r.props["ingress"]),
        { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] },
      ];
    },
  },
  {
    name: "Security group: world-open 443 widened to all ports",
    caughtBy: "security-group-ingress",
    targets: where(
      [
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      ],
      (r) => worldIngress443(r).length > 0,
    ),
    mutate: (r) => {
      for (const i of worldIngress443(r)) {
        i["fromPort"] = 0;
        i["toPort"] = 65535;
      }
    },
  },
  {
    name: "Security group: clinic-only 443 opened to the internet on 3306",
    caughtBy: "security-group-ingress",
    targets: where(
      ["aws:ec2/securityGroup:SecurityGroup"],
      (r) => arr(r.props["ingress"]).length > 0,
    ),
    mutate: (r) => {
      for (const i of arr(r.props["ingress"]).filter(isObj)) {
        i["fromPort"] = 3306;
        i["toPort"] = 3306;
        i["cidrBlocks"] = ["0.0.0.0/0"];
      }
    },
  },
  // Logging and audit
  {
    name: "Log group: retention 30 days",
    caughtBy: "cloudwatch-log-group-retention",
    targets: byType("aws:cloudwatch/logGroup:LogGroup"),
    mutate: set("retentionInDays", 30),
  },
  {
    name: "Log group: retention removed",
    caughtBy: "cloudwatch-log-group-retention",
    targets: byType("aws:cloudwatch/logGroup:LogGroup"),
    mutate: drop("retentionInDays"),
  },
  {
    name: "CloudTrail: single region",
    caughtBy: "cloudtrail-configuration",
    targets: byType("aws:cloudtrail/trail:Trail"),
    mutate: set("isMultiRegionTrail", false),
  },
  {
    name: "CloudTrail: log file validation off",
    caughtBy: "cloudtrail-configuration",
    targets: byType("aws:cloudtrail/trail:Trail"),
    mutate: set("enableLogFileValidation", false),
  },
  {
    name: "CloudTrail: CloudWatch delivery removed",
    caughtBy: "cloudtrail-configuration",
    targets: byType("aws:cloudtrail/trail:Trail"),
    mutate: drop("cloudWatchLogsGroupArn"),
  },
  {
    name: "VPC: flow log removed",
    caughtBy: "vpc-flow-logs",
    targets: byType("aws:ec2/flowLog:FlowLog"),
    mutate: (r, plan) => remove(plan, r),
  },
  {
    name: "VPC: flow log of rejected traffic only",
    caughtBy: "vpc-flow-logs",
    targets: byType("aws:ec2/flowLog:FlowLog"),
    mutate: set("trafficType", "REJECT"),
  },
  {
    name: "Load balancer: access logs disabled",
    caughtBy: "lb-access-logs",
    targets: where(LBS, (r) => isObj(r.props["accessLogs"])),
    mutate: (r) => {
      (r.props["accessLogs"] as Obj)["enabled"] = false;
    },
  },
  {
    name: "Load balancer: access logs removed",
    caughtBy: "lb-access-logs",
    targets: byType(...LBS),
    mutate: drop("accessLogs"),
  },
  {
    name: "RDS: audit log export removed",
    caughtBy: "rds-log-exports",
    targets: where(DBS, (r) => arr(r.props["enabledCloudwatchLogsExports"]).includes("audit")),
    mutate: (r) => {
      r.props["enabledCloudwatchLogsExports"] = arr(r.props["enabledCloudwatchLogsExports"]).filter(
        (l) => l !== "audit",
      );
    },
  },
  {
    name: "RDS: exported log's log group removed",
    caughtBy: "rds-log-groups-precreated",
    targets: where(
      ["aws:cloudwatch/logGroup:LogGroup"],
      (r) => typeof r.props["name"] === "string" && r.props["name"].startsWith("/aws/rds/"),
    ),
    mutate: (r, plan) => remove(plan, r),
  },
  {
    name: "RDS: no longer created after its log groups",
    caughtBy: "rds-log-groups-precreated",
    targets: where(DBS, (r) => r.opts.dependsOn.length > 0),
    mutate: (r) => {
      r.opts.dependsOn = [];
    },
  },
  {
    name: "WAF: logging removed",
    caughtBy: "wafv2-web-acl-logging",
    targets: byType("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"),
    mutate: (r, plan) => remove(plan, r),
  },
  {
    name: "Log bucket: lifecycle expires logs after 30 days",
    caughtBy: "s3-log-bucket-retention",
    targets: where(
      ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"],
      (r, plan) => isLogBucket(plan, attachedBucket(plan, r)),
    ),
    mutate: (r) => {
      for (const rule of arr(r.props["rules"]).filter(isObj)) {
        rule["expiration"] = { days: 30 };
      }
    },
  },
  // Backups
  {
    name: "RDS: backup retention 1 day",
    caughtBy: "rds-backup-retention",
    targets: byType(...DBS),
    mutate: set("backupRetentionPeriod", 1),
  },
  {
    name: "RDS: backup retention removed",
    caughtBy: "rds-backup-retention",
    targets: byType(...DBS),
    mutate: drop("backupRetentionPeriod"),
  },
  {
    name: "RDS: deletion protection off",
    caughtBy: "rds-deletion-protection",
    targets: byType(...DBS),
    mutate: set("deletionProtection", false),
  },
  {
    name: "RDS: final snapshot skipped",
    caughtBy: "rds-deletion-protection",
    targets: byType(...DBS),
    mutate: set("skipFinalSnapshot", true),
  },
  {
    name: "Backup plan: recovery points deleted after 1 day",
    caughtBy: "backup-plan-retention",
    targets: byType("aws:backup/plan:Plan"),
    mutate: (r) => {
      const first = arr(r.props["rules"]).find(isObj);
      if (first) first["lifecycle"] = { deleteAfter: 1 };
    },
  },
  {
    name: "S3: versioning suspended",
    caughtBy: "s3-bucket-versioning",
    targets: byType("aws:s3/bucketVersioning:BucketVersioning"),
    mutate: set("versioningConfiguration", { status: "Suspended" }),
  },
  {
    name: "S3: versioning removed",
    caughtBy: "s3-bucket-versioning",
    targets: byType("aws:s3/bucketVersioning:BucketVersioning"),
    mutate: (r, plan) => remove(plan, r),
  },
  // Network exposure
  {
    name: "RDS: publicly accessible",
    caughtBy: "rds-not-publicly-accessible",
    targets: byType("aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance"),
    mutate: set("publiclyAccessible", true),
  },
  {
    name: "S3: public ACLs allowed",
    caughtBy: "s3-bucket-public-access-block",
    targets: byType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"),
    mutate: set("blockPublicAcls", false),
  },
  {
    name: "S3: public access block removed",
    caughtBy: "s3-bucket-public-access-block",
    targets: byType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"),
    mutate: (r, plan) => remove(plan, r),
  },
  {
    name: "EC2: IMDSv1 allowed",
    caughtBy: "ec2-imdsv2-required",
    targets: where(["aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate"], (r) =>
      isObj(r.props["metadataOptions"]),
    ),
    mutate: (r) => {
      (r.props["metadataOptions"] as Obj)["httpTokens"] = "optional";
    },
  },
  // Credentials
  {
    name: "ECS: database password as a plain environment value",
    caughtBy: "ecs-task-no-plaintext-secrets",
    targets: where(["aws:ecs/taskDefinition:TaskDefinition"], (r) =>
      Array.isArray(parseJson(r.props["containerDefinitions"])),
    ),
    mutate: (r) => {
      const defs = parseJson(r.props["containerDefinitions"]) as Array<{ environment?: unknown[] }>;
      defs[0].environment = [
        ...(defs[0].environment ?? []),
        { name: "MYSQL_PASS", value: "hunter2" },
      ];
      r.props["containerDefinitions"] = JSON.stringify(defs);
    },
  },
];

interface Mutant {
  base: BasePlan;
  mutation: Mutation;
  target: string;
}

function mutantsOf(base: BasePlan): Array<Mutant & { plan: PlanFile }> {
  const out: Array<Mutant & { plan: PlanFile }> = [];
  for (const mutation of mutations) {
    if (mutation.cmk && !base.cmk) continue;
    for (const target of mutation.targets(base.plan)) {
      const plan = structuredClone(base.plan);
      const copy = plan.resources.find((r) => r.urn === target.urn);
      if (!copy) throw new Error(`lost ${target.urn}`);
      mutation.mutate(copy, plan);
      out.push({ base, mutation, target: target.name, plan });
    }
  }
  return out;
}

const configFor = (base: BasePlan) => (base.cmk ? CMK_MANDATORY : {});

describe("mutation suite", function () {
  this.timeout(120000);
  let bases: BasePlan[] = [];
  before(async () => {
    bases = await basePlans();
  });

  it("starts from plans with zero mandatory violations", async () => {
    for (const base of bases) {
      const block = await runPolicyPack(base.plan, configFor(base));
      expect(
        block.violations.filter((v) => v.level === "mandatory"),
        base.name,
      ).to.deep.equal([]);
    }
  });

  it("catches every mutant with a mandatory violation of the policy that guards the property", async () => {
    const survivors: string[] = [];
    let total = 0;
    const applied = new Set<string>();
    for (const base of bases) {
      for (const m of mutantsOf(base)) {
        total++;
        applied.add(m.mutation.name);
        const block = await runPolicyPack(m.plan, configFor(base));
        const caught = block.violations.some(
          (v) => v.level === "mandatory" && v.policy === m.mutation.caughtBy,
        );
        if (!caught) {
          const got = block.violations.filter((v) => v.level === "mandatory").map((v) => v.policy);
          survivors.push(
            `${base.name}: ${m.mutation.name} on "${m.target}" (mandatory: ${got.join(", ") || "none"})`,
          );
        }
      }
    }
    const killed = total - survivors.length;
    console.log(
      `      mutation kill rate: ${killed}/${total} (${((100 * killed) / Math.max(total, 1)).toFixed(1)}%) over ${bases.length} plans, ${applied.size}/${mutations.length} mutation kinds applied`,
    );
    const unapplied = mutations.filter((m) => !applied.has(m.name)).map((m) => m.name);
    if (unapplied.length > 0) {
      console.log(`      not applicable to these plans: ${unapplied.join("; ")}`);
    }
    expect(total).to.be.greaterThan(0);
    expect(survivors).to.deep.equal([]);
  });
});

describe("mutation suite targets", () => {
  it("give every mutation kind at least one target in the presets' plans or their variants", async () => {
    const bases = await mutationTargetPlans();
    const unused = mutations
      .filter((m) => !bases.some((b) => (!m.cmk || b.cmk) && m.targets(b.plan).length > 0))
      .map((m) => m.name);
    expect(unused).to.deep.equal([]);
    for (const base of bases) {
      const block = await runPolicyPack(base.plan, configFor(base));
      expect(
        block.violations.filter((v) => v.level === "mandatory"),
        base.name,
      ).to.deep.equal([]);
    }
  });
});
