// KMS key hygiene and customer-managed keys (CMK).
//
// The CMK policies are advisory by default: AWS-managed keys still encrypt, but cannot be shared
// across accounts, audited per key policy or revoked by the clinic. policy/config.cmk-mandatory.json
// switches them to mandatory (the express-plus, standard and fargate presets pass them).

import type { LogGroupArgs } from "@pulumi/aws/cloudwatch/logGroup";
import type { VolumeArgs } from "@pulumi/aws/ebs/volume";
import type { InstanceArgs as Ec2InstanceArgs } from "@pulumi/aws/ec2/instance";
import type { LaunchTemplateArgs } from "@pulumi/aws/ec2/launchTemplate";
import type { FileSystemArgs } from "@pulumi/aws/efs/fileSystem";
import type { ReplicationGroupArgs } from "@pulumi/aws/elasticache/replicationGroup";
import type { ServerlessCacheArgs } from "@pulumi/aws/elasticache/serverlessCache";
import type { KeyArgs } from "@pulumi/aws/kms/key";
import type { ClusterArgs as RdsClusterArgs } from "@pulumi/aws/rds/cluster";
import type { ClusterInstanceArgs } from "@pulumi/aws/rds/clusterInstance";
import type { InstanceArgs as RdsInstanceArgs } from "@pulumi/aws/rds/instance";
import type { BucketServerSideEncryptionConfigurationArgs } from "@pulumi/aws/s3/bucketServerSideEncryptionConfiguration";
import type { SecretArgs } from "@pulumi/aws/secretsmanager/secret";
import type { TopicArgs } from "@pulumi/aws/sns/topic";
import type { ReportViolation } from "@pulumi/policy";
import {
  SSE_TYPES,
  T,
  arrayOf,
  checkAll,
  forEachChecked,
  forTypes,
  isSet,
  named,
  peek,
  peekString,
  resourcePolicy,
  label,
} from "./common";

export const kmsKeyRotation = resourcePolicy({
  name: "kms-key-rotation",
  description:
    "Symmetric KMS keys rotate automatically (enableKeyRotation: true) and no key bypasses the " +
    "policy lockout safety check.",
  severity: "medium",
  validations: [
    forTypes<KeyArgs>([T.kmsKey], (props, args, report) => {
      const what = named("KMS key", args.name);
      checkAll([
        () => {
          const spec = peek(props, "customerMasterKeySpec") ?? "SYMMETRIC_DEFAULT";
          const usage = peek(props, "keyUsage") ?? "ENCRYPT_DECRYPT";
          if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT") {
            return; // AWS rotates only symmetric encryption keys
          }
          if (props.enableKeyRotation !== true) {
            report(`${what} does not rotate. Set enableKeyRotation: true.`);
          }
        },
        () => {
          if (props.bypassPolicyLockoutSafetyCheck === true) {
            report(
              `${what} bypasses the policy lockout safety check. Remove ` +
                `bypassPolicyLockoutSafetyCheck so a bad key policy cannot lock the account out.`,
            );
          }
        },
      ]);
    }),
  ],
});

/** Known AWS-managed key aliases/ARNs (a customer-managed key is required instead). */
function isAwsManagedKey(value: string | undefined): boolean {
  return value !== undefined && /(^|:|\/)alias\/aws\//.test(value);
}

function requireKey(
  obj: unknown,
  key: string,
  report: ReportViolation,
  what: string,
  field: string,
): void {
  if (!isSet(obj, key)) {
    report(`${what} uses an AWS-managed key. Set ${field} to a customer-managed KMS key.`);
  } else if (isAwsManagedKey(peekString(obj, key))) {
    report(
      `${what} names the AWS-managed key "${peekString(obj, key)}". Set ${field} to a ` +
        `customer-managed KMS key.`,
    );
  }
}

export const secretCustomerManagedKey = resourcePolicy({
  name: "secretsmanager-secret-customer-managed-key",
  description: "Secrets Manager secrets are encrypted with a customer-managed KMS key (kmsKeyId).",
  enforcementLevel: "advisory",
  severity: "low",
  validations: [
    forTypes<SecretArgs>([T.secret], (props, args, report) =>
      requireKey(props, "kmsKeyId", report, named("Secret", args.name), "kmsKeyId"),
    ),
  ],
});

export const logGroupCustomerManagedKey = resourcePolicy({
  name: "cloudwatch-log-group-customer-managed-key",
  description:
    "CloudWatch log groups are encrypted with a customer-managed KMS key (kmsKeyId) whose policy " +
    "allows logs.<region>.amazonaws.com.",
  enforcementLevel: "advisory",
  severity: "low",
  validations: [
    forTypes<LogGroupArgs>([T.logGroup], (props, args, report) =>
      requireKey(props, "kmsKeyId", report, named("Log group", args.name), "kmsKeyId"),
    ),
  ],
});

export const snsTopicCustomerManagedKey = resourcePolicy({
  name: "sns-topic-customer-managed-key",
  description:
    "SNS topics are encrypted with a customer-managed KMS key (kmsMasterKeyId); the AWS-managed " +
    "alias/aws/sns key cannot receive CloudWatch alarm notifications.",
  enforcementLevel: "advisory",
  severity: "low",
  validations: [
    forTypes<TopicArgs>([T.snsTopic], (props, args, report) =>
      requireKey(props, "kmsMasterKeyId", report, named("SNS topic", args.name), "kmsMasterKeyId"),
    ),
  ],
});

function rdsKeys(
  props: {
    kmsKeyId?: string;
    performanceInsightsEnabled?: boolean;
    manageMasterUserPassword?: boolean;
  },
  what: string,
  report: ReportViolation,
): void {
  checkAll([
    () => requireKey(props, "kmsKeyId", report, `${what} storage`, "kmsKeyId"),
    () => {
      if (props.performanceInsightsEnabled === true) {
        requireKey(
          props,
          "performanceInsightsKmsKeyId",
          report,
          `${what} Performance Insights`,
          "performanceInsightsKmsKeyId",
        );
      }
    },
    () => {
      if (props.manageMasterUserPassword === true) {
        requireKey(
          props,
          "masterUserSecretKmsKeyId",
          report,
          `${what} managed master password secret`,
          "masterUserSecretKmsKeyId",
        );
      }
    },
  ]);
}

export const dataStoreCustomerManagedKey = resourcePolicy({
  name: "data-store-customer-managed-key",
  description:
    "Stores that can hold patient data (EBS, EC2 block devices, launch templates, RDS/Aurora and " +
    "their Performance Insights and managed secrets, EFS, ElastiCache, S3 SSE-KMS rules) use a " +
    "customer-managed KMS key.",
  enforcementLevel: "advisory",
  severity: "low",
  validations: [
    forTypes<VolumeArgs>([T.ebsVolume], (props, args, report) =>
      requireKey(props, "kmsKeyId", report, named("EBS volume", args.name), "kmsKeyId"),
    ),
    forTypes<Ec2InstanceArgs>([T.ec2Instance], (props, args, report) => {
      const what = named("EC2 instance", args.name);
      checkAll([
        () => {
          if (isSet(props, "rootBlockDevice")) {
            requireKey(
              props.rootBlockDevice,
              "kmsKeyId",
              report,
              `${what} root volume`,
              "rootBlockDevice.kmsKeyId",
            );
          }
        },
        () =>
          forEachChecked(arrayOf(props.ebsBlockDevices), (d) =>
            requireKey(
              d,
              "kmsKeyId",
              report,
              `${what} block device "${label(d, "deviceName")}"`,
              "kmsKeyId",
            ),
          ),
      ]);
    }),
    forTypes<LaunchTemplateArgs>([T.launchTemplate], (props, args, report) => {
      const what = named("Launch template", args.name);
      forEachChecked(arrayOf(props.blockDeviceMappings), (m) => {
        if (isSet(m, "ebs")) {
          requireKey(
            m.ebs,
            "kmsKeyId",
            report,
            `${what} volume "${label(m, "deviceName")}"`,
            "ebs.kmsKeyId",
          );
        }
      });
    }),
    forTypes<RdsInstanceArgs>([T.rdsInstance], (props, args, report) => {
      if (isSet(props, "replicateSourceDb")) {
        args.notApplicable("read replicas use the source's key");
      }
      rdsKeys(props, named("RDS instance", args.name), report);
    }),
    forTypes<RdsClusterArgs>([T.rdsCluster], (props, args, report) =>
      rdsKeys(props, named("RDS cluster", args.name), report),
    ),
    forTypes<ClusterInstanceArgs>([T.rdsClusterInstance], (props, args, report) => {
      if (props.performanceInsightsEnabled === true) {
        requireKey(
          props,
          "performanceInsightsKmsKeyId",
          report,
          `${named("RDS cluster instance", args.name)} Performance Insights`,
          "performanceInsightsKmsKeyId",
        );
      }
    }),
    forTypes<FileSystemArgs>([T.efsFileSystem], (props, args, report) =>
      requireKey(props, "kmsKeyId", report, named("EFS file system", args.name), "kmsKeyId"),
    ),
    forTypes<ReplicationGroupArgs>([T.elasticacheReplicationGroup], (props, args, report) =>
      requireKey(
        props,
        "kmsKeyId",
        report,
        named("ElastiCache replication group", args.name),
        "kmsKeyId",
      ),
    ),
    forTypes<ServerlessCacheArgs>([T.elasticacheServerless], (props, args, report) =>
      requireKey(
        props,
        "kmsKeyId",
        report,
        named("ElastiCache serverless cache", args.name),
        "kmsKeyId",
      ),
    ),
    forTypes<BucketServerSideEncryptionConfigurationArgs>(SSE_TYPES, (props, args, report) => {
      const what = named("S3 encryption configuration", args.name);
      forEachChecked(arrayOf(props.rules), (rule) => {
        const byDefault = rule.applyServerSideEncryptionByDefault;
        const algorithm = byDefault?.sseAlgorithm;
        if (algorithm === "aws:kms" || algorithm === "aws:kms:dsse") {
          requireKey(
            byDefault,
            "kmsMasterKeyId",
            report,
            what,
            "applyServerSideEncryptionByDefault.kmsMasterKeyId",
          );
        }
      });
    }),
  ],
});

/** The policies that policy/config.cmk-mandatory.json switches to mandatory. */
export const CMK_POLICY_NAMES: readonly string[] = [
  secretCustomerManagedKey.name,
  logGroupCustomerManagedKey.name,
  snsTopicCustomerManagedKey.name,
  dataStoreCustomerManagedKey.name,
];

export const keyPolicies = [
  kmsKeyRotation,
  secretCustomerManagedKey,
  logGroupCustomerManagedKey,
  snsTopicCustomerManagedKey,
  dataStoreCustomerManagedKey,
];
