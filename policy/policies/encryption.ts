// Encryption at rest: volumes, databases, file systems, caches, buckets, backup vaults, trails.

import type { VaultArgs } from "@pulumi/aws/backup/vault";
import type { TrailArgs } from "@pulumi/aws/cloudtrail/trail";
import type { VolumeArgs } from "@pulumi/aws/ebs/volume";
import type { InstanceArgs as Ec2InstanceArgs } from "@pulumi/aws/ec2/instance";
import type { LaunchTemplateArgs } from "@pulumi/aws/ec2/launchTemplate";
import type { FileSystemArgs } from "@pulumi/aws/efs/fileSystem";
import type { ClusterArgs as CacheClusterArgs } from "@pulumi/aws/elasticache/cluster";
import type { ReplicationGroupArgs } from "@pulumi/aws/elasticache/replicationGroup";
import type { ClusterArgs as RdsClusterArgs } from "@pulumi/aws/rds/cluster";
import type { InstanceArgs as RdsInstanceArgs } from "@pulumi/aws/rds/instance";
import type { BucketServerSideEncryptionConfigurationArgs } from "@pulumi/aws/s3/bucketServerSideEncryptionConfiguration";
import type { PolicyResource, ReportViolation } from "@pulumi/policy";
import {
  BUCKET_TYPES,
  SSE_TYPES,
  T,
  arrayOf,
  checkAll,
  configOf,
  forEachChecked,
  forTypes,
  isSet,
  named,
  ofTypes,
  peek,
  peekString,
  propsOf,
  resourcePolicy,
  stackPolicy,
  label,
  attachedToBucket,
} from "./common";

export const ebsVolumeEncrypted = resourcePolicy({
  name: "ebs-volume-encrypted",
  description: "EBS volumes are encrypted at rest (encrypted: true).",
  severity: "high",
  validations: [
    forTypes<VolumeArgs>([T.ebsVolume], (props, args, report) => {
      if (props.encrypted !== true) {
        report(
          `${named("EBS volume", args.name)} is not encrypted at rest. Set encrypted: true ` +
            `(and kmsKeyId for a customer-managed key).`,
        );
      }
    }),
  ],
});

export const ec2InstanceVolumesEncrypted = resourcePolicy({
  name: "ec2-instance-volumes-encrypted",
  description:
    "EC2 instances declare an encrypted root block device and encrypt every attached EBS block " +
    "device (Pulumi's default for both is unencrypted).",
  severity: "high",
  validations: [
    forTypes<Ec2InstanceArgs>([T.ec2Instance], (props, args, report) => {
      const what = named("EC2 instance", args.name);
      checkAll([
        () => {
          if (!isSet(props, "rootBlockDevice")) {
            if (!isSet(props, "launchTemplate")) {
              report(
                `${what} has no rootBlockDevice, so its root volume is not encrypted. ` +
                  `Set rootBlockDevice: { encrypted: true }.`,
              );
            }
            return;
          }
          if (props.rootBlockDevice?.encrypted !== true) {
            report(`${what} has an unencrypted root volume. Set rootBlockDevice.encrypted: true.`);
          }
        },
        () =>
          forEachChecked(arrayOf(props.ebsBlockDevices), (device) => {
            if (device.encrypted !== true) {
              report(
                `${what} attaches the unencrypted EBS block device ` +
                  `"${label(device, "deviceName")}". Set encrypted: true on it.`,
              );
            }
          }),
      ]);
    }),
  ],
});

export const launchTemplateVolumesEncrypted = resourcePolicy({
  name: "launch-template-volumes-encrypted",
  description:
    'Launch templates map their EBS volumes with encrypted = "true" (a string in the API), ' +
    "including the root volume.",
  severity: "high",
  validations: [
    forTypes<LaunchTemplateArgs>([T.launchTemplate], (props, args, report) => {
      const what = named("Launch template", args.name);
      const mappings = arrayOf(props.blockDeviceMappings);
      if (mappings.length === 0) {
        report(
          `${what} has no blockDeviceMappings, so instances launched from it get an unencrypted ` +
            `root volume. Map the root device with ebs: { encrypted: "true" }.`,
        );
        return;
      }
      forEachChecked(mappings, (m) => {
        if (!isSet(m, "ebs")) {
          return;
        }
        const encrypted: unknown = m.ebs?.encrypted;
        if (encrypted !== "true" && encrypted !== true) {
          report(
            `${what} maps the unencrypted EBS volume "${label(m, "deviceName")}". ` +
              `Set ebs.encrypted: "true".`,
          );
        }
      });
    }),
  ],
});

export const rdsStorageEncrypted = resourcePolicy({
  name: "rds-storage-encrypted",
  description:
    "RDS instances and Aurora clusters encrypt their storage (storageEncrypted: true). Read " +
    "replicas inherit the source's encryption and are skipped.",
  severity: "high",
  validations: [
    forTypes<RdsInstanceArgs>([T.rdsInstance], (props, args, report) => {
      if (isSet(props, "replicateSourceDb")) {
        args.notApplicable("read replicas inherit the source's encryption");
      }
      if (props.storageEncrypted !== true) {
        report(
          `${named("RDS instance", args.name)} does not encrypt its storage. Set ` +
            `storageEncrypted: true (with kmsKeyId for a customer-managed key); this replaces ` +
            `an existing instance.`,
        );
      }
    }),
    forTypes<RdsClusterArgs>([T.rdsCluster], (props, args, report) => {
      if (props.storageEncrypted !== true) {
        report(
          `${named("RDS cluster", args.name)} does not encrypt its storage. Set ` +
            `storageEncrypted: true (with kmsKeyId for a customer-managed key).`,
        );
      }
    }),
  ],
});

export const efsEncrypted = resourcePolicy({
  name: "efs-encrypted",
  description:
    "EFS file systems are encrypted at rest (encrypted: true; Pulumi's default is false).",
  severity: "high",
  validations: [
    forTypes<FileSystemArgs>([T.efsFileSystem], (props, args, report) => {
      if (props.encrypted !== true) {
        report(
          `${named("EFS file system", args.name)} is not encrypted at rest. Set encrypted: true ` +
            `(and kmsKeyId for a customer-managed key); this replaces the file system.`,
        );
      }
    }),
  ],
});

export const elasticacheEncryptedAtRest = resourcePolicy({
  name: "elasticache-encrypted-at-rest",
  description:
    "ElastiCache replication groups encrypt at rest; standalone cache clusters (which cannot) are " +
    "refused. Serverless caches are always encrypted.",
  severity: "high",
  validations: [
    forTypes<ReplicationGroupArgs>([T.elasticacheReplicationGroup], (props, args, report) => {
      if (props.atRestEncryptionEnabled !== true) {
        report(
          `${named("ElastiCache replication group", args.name)} is not encrypted at rest. Set ` +
            `atRestEncryptionEnabled: true (set at creation; changing it replaces the group).`,
        );
      }
    }),
    forTypes<CacheClusterArgs>([T.elasticacheCluster], (props, args, report) => {
      if (isSet(props, "replicationGroupId")) {
        args.notApplicable("a member of a replication group is governed by the group");
      }
      report(
        `${named("ElastiCache cluster", args.name)} is a standalone cache cluster, which cannot ` +
          `be encrypted at rest. Use an aws.elasticache.ServerlessCache, or a ReplicationGroup ` +
          `with atRestEncryptionEnabled: true.`,
      );
    }),
  ],
});

export const backupVaultEncrypted = resourcePolicy({
  name: "backup-vault-encrypted",
  description: "AWS Backup vaults name their KMS key (kmsKeyArn).",
  severity: "medium",
  validations: [
    forTypes<VaultArgs>([T.backupVault], (props, args, report) => {
      if (!isSet(props, "kmsKeyArn")) {
        report(
          `${named("Backup vault", args.name)} has no kmsKeyArn. Set kmsKeyArn to the ` +
            `customer-managed key that encrypts its recovery points.`,
        );
      }
    }),
  ],
});

export const cloudtrailEncrypted = resourcePolicy({
  name: "cloudtrail-encrypted",
  description: "CloudTrail trails encrypt their log files with KMS (kmsKeyId).",
  severity: "high",
  validations: [
    forTypes<TrailArgs>([T.cloudtrail], (props, args, report) => {
      if (!isSet(props, "kmsKeyId")) {
        report(
          `${named("CloudTrail trail", args.name)} does not encrypt its log files with KMS. Set ` +
            `kmsKeyId to a key whose policy lets cloudtrail.amazonaws.com use it.`,
        );
      }
    }),
  ],
});

// ------------------------------------------------------------------------------------------------
// S3 default encryption (stack policy: the configuration is a separate resource in @pulumi/aws v7)
// ------------------------------------------------------------------------------------------------

export interface S3EncryptionConfig {
  sseS3TagKey: string;
  sseS3TagValues: string[];
  sseS3BucketNamePatterns: string[];
}

export const S3_ENCRYPTION_DEFAULTS: S3EncryptionConfig = {
  sseS3TagKey: "openemr:purpose",
  sseS3TagValues: ["lb-access-logs"],
  sseS3BucketNamePatterns: [],
};

const KMS_ALGORITHMS: readonly string[] = ["aws:kms", "aws:kms:dsse"];

type SseProps = BucketServerSideEncryptionConfigurationArgs;

/** The buckets an SSE-S3 (AES256) configuration is allowed for: load-balancer log targets. */
export function sseS3Allowed(bucket: PolicyResource, config: S3EncryptionConfig): boolean {
  const tags = peek(bucket.props, "tags");
  const tagValue = peekString(tags, config.sseS3TagKey);
  if (tagValue !== undefined && config.sseS3TagValues.includes(tagValue)) {
    return true;
  }
  const names = [
    bucket.name,
    peekString(bucket.props, "bucket"),
    peekString(bucket.props, "bucketPrefix"),
  ];
  return config.sseS3BucketNamePatterns.some((pattern) => {
    const re = new RegExp(pattern);
    return names.some((n) => n !== undefined && re.test(n));
  });
}

function checkSseRules(
  bucket: PolicyResource,
  sse: PolicyResource,
  allowSseS3: boolean,
  config: S3EncryptionConfig,
  report: ReportViolation,
): void {
  const what = named("S3 bucket", bucket.name);
  const rules = arrayOf(propsOf<SseProps>(sse).rules);
  if (rules.length === 0) {
    report(
      `${what}: encryption configuration "${sse.name}" has no rules. Add a rule with ` +
        `applyServerSideEncryptionByDefault.sseAlgorithm "aws:kms".`,
      bucket.urn,
    );
    return;
  }
  forEachChecked(rules, (rule) => {
    if (!isSet(rule, "applyServerSideEncryptionByDefault")) {
      report(
        `${what}: encryption configuration "${sse.name}" has a rule without ` +
          `applyServerSideEncryptionByDefault. Set sseAlgorithm "aws:kms".`,
        bucket.urn,
      );
      return;
    }
    const algorithm = rule.applyServerSideEncryptionByDefault?.sseAlgorithm;
    if (typeof algorithm === "string" && KMS_ALGORITHMS.includes(algorithm)) {
      return;
    }
    if (algorithm === "AES256" && allowSseS3) {
      return;
    }
    const hint =
      algorithm === "AES256"
        ? ` SSE-S3 (AES256) is allowed only for load-balancer access-log buckets: tag the bucket ` +
          `${config.sseS3TagKey}=${config.sseS3TagValues[0] ?? "lb-access-logs"} if it is one.`
        : "";
    report(
      `${what} uses sseAlgorithm "${String(algorithm)}" in "${sse.name}". Use "aws:kms" ` +
        `with a kmsMasterKeyId.${hint}`,
      bucket.urn,
    );
  });
}

export const s3BucketEncryption = stackPolicy({
  name: "s3-bucket-encryption",
  description:
    "Every S3 bucket has a server-side encryption configuration resource with SSE-KMS; SSE-S3 " +
    "(AES256) only for buckets that receive load-balancer access logs (AWS requires it), " +
    "identified by tag or name pattern.",
  severity: "high",
  configSchema: {
    properties: {
      sseS3TagKey: {
        type: "string",
        default: S3_ENCRYPTION_DEFAULTS.sseS3TagKey,
        description: "Tag key that marks a bucket allowed to use SSE-S3.",
      },
      sseS3TagValues: {
        type: "array",
        items: { type: "string" },
        default: S3_ENCRYPTION_DEFAULTS.sseS3TagValues,
        description: "Values of that tag that allow SSE-S3.",
      },
      sseS3BucketNamePatterns: {
        type: "array",
        items: { type: "string" },
        default: S3_ENCRYPTION_DEFAULTS.sseS3BucketNamePatterns,
        description:
          "Regular expressions over the bucket's resource name or bucket name that allow SSE-S3.",
      },
    },
  },
  validateStack: (args, report) => {
    const config = configOf(args, S3_ENCRYPTION_DEFAULTS);
    forEachChecked(ofTypes(args.resources, BUCKET_TYPES), (bucket) => {
      const configs = attachedToBucket(args.resources, SSE_TYPES, bucket);
      if (configs.length === 0) {
        report(
          `${named("S3 bucket", bucket.name)} has no server-side encryption configuration. Add an ` +
            `aws.s3.BucketServerSideEncryptionConfiguration for it with sseAlgorithm "aws:kms" ` +
            `and a kmsMasterKeyId.`,
          bucket.urn,
        );
        return;
      }
      const allowSseS3 = sseS3Allowed(bucket, config);
      forEachChecked(configs, (sse) => checkSseRules(bucket, sse, allowSseS3, config, report));
    });
  },
});

export const encryptionPolicies = [
  ebsVolumeEncrypted,
  ec2InstanceVolumesEncrypted,
  launchTemplateVolumesEncrypted,
  rdsStorageEncrypted,
  efsEncrypted,
  elasticacheEncryptedAtRest,
  s3BucketEncryption,
  backupVaultEncrypted,
  cloudtrailEncrypted,
];
