// Backups and protection against data loss: RDS backup retention and deletion protection, AWS Backup
// plan retention, encrypted copies in another region, S3 versioning.

import type { PlanArgs } from "@pulumi/aws/backup/plan";
import type { ClusterArgs as RdsClusterArgs } from "@pulumi/aws/rds/cluster";
import type { InstanceArgs as RdsInstanceArgs } from "@pulumi/aws/rds/instance";
import type { BucketReplicationConfigArgs } from "@pulumi/aws/s3/bucketReplicationConfig";
import type { BucketVersioningArgs } from "@pulumi/aws/s3/bucketVersioning";
import {
  BUCKET_TYPES,
  T,
  VERSIONING_TYPES,
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
import { recordRelaxed } from "./registry";

function databaseKind(type: string): string {
  return type === T.rdsInstance ? "RDS instance" : "RDS cluster";
}

export interface BackupRetentionConfig {
  minBackupRetentionDays: number;
}

export const BACKUP_RETENTION_DEFAULTS: BackupRetentionConfig = { minBackupRetentionDays: 7 };

export const rdsBackupRetention = resourcePolicy({
  name: "rds-backup-retention",
  description:
    "RDS instances and Aurora clusters set backupRetentionPeriod explicitly, at least the minimum " +
    "(default 7 days). Read replicas are skipped.",
  severity: "high",
  configSchema: {
    properties: {
      minBackupRetentionDays: {
        type: "integer",
        minimum: 1,
        maximum: 35,
        default: BACKUP_RETENTION_DEFAULTS.minBackupRetentionDays,
        description: "Minimum backupRetentionPeriod in days (RDS allows up to 35).",
      },
    },
  },
  validations: [
    forTypes<RdsInstanceArgs | RdsClusterArgs>(
      [T.rdsInstance, T.rdsCluster],
      (props, args, report) => {
        if (isSet(props, "replicateSourceDb")) {
          args.notApplicable("read replicas are not backed up by RDS");
        }
        const { minBackupRetentionDays: min } = configOf(args, BACKUP_RETENTION_DEFAULTS);
        const what = named(databaseKind(args.type), args.name);
        if (!isSet(props, "backupRetentionPeriod")) {
          report(`${what} does not set backupRetentionPeriod. Set it to at least ${min} days.`);
          return;
        }
        const days = Number(props.backupRetentionPeriod);
        if (days < min) {
          report(
            `${what} keeps automated backups ${days} days. Set backupRetentionPeriod to at least ${min}.`,
          );
        }
      },
    ),
  ],
});

export interface DeletionProtectionConfig {
  requireDeletionProtection: boolean;
  requireFinalSnapshot: boolean;
  /** Why the requirements are off on this stack; each relaxed check is then reported with it. */
  justification: string;
}

export const DELETION_PROTECTION_DEFAULTS: DeletionProtectionConfig = {
  requireDeletionProtection: true,
  requireFinalSnapshot: true,
  justification: "",
};

/** The program's setting behind both properties (config.ts: protectData drives them). */
const PROTECT_DATA =
  "The program sets deletionProtection and skipFinalSnapshot from openemr:protectData: set " +
  "openemr:protectData to true, or give a throwaway stack a pack config that relaxes this policy " +
  "with a justification (policy/config.dev.json).";

export const rdsDeletionProtection = resourcePolicy({
  name: "rds-deletion-protection",
  description:
    "RDS instances and Aurora clusters have deletion protection and take a final snapshot when " +
    "deleted (each configurable, e.g. off for throwaway dev stacks).",
  severity: "high",
  configSchema: {
    properties: {
      requireDeletionProtection: {
        type: "boolean",
        default: DELETION_PROTECTION_DEFAULTS.requireDeletionProtection,
        description: "Require deletionProtection: true.",
      },
      requireFinalSnapshot: {
        type: "boolean",
        default: DELETION_PROTECTION_DEFAULTS.requireFinalSnapshot,
        description: "Refuse skipFinalSnapshot: true.",
      },
      justification: {
        type: "string",
        default: DELETION_PROTECTION_DEFAULTS.justification,
        description:
          "Why a requirement is off (e.g. a throwaway stack without patient data); each relaxed " +
          "check is then reported as an advisory with it.",
      },
    },
  },
  validations: [
    forTypes<RdsInstanceArgs | RdsClusterArgs>(
      [T.rdsInstance, T.rdsCluster],
      (props, args, report) => {
        if (isSet(props, "replicateSourceDb")) {
          args.notApplicable("read replicas hold no data of their own");
        }
        const config = configOf(args, DELETION_PROTECTION_DEFAULTS);
        const what = named(databaseKind(args.type), args.name);
        const target = { urn: args.urn, name: args.name };
        // A requirement the config turned off is reported with the config's justification.
        const check = (required: boolean, message: string): void => {
          if (required) {
            report(`${message} ${PROTECT_DATA}`);
          } else if (config.justification.trim() !== "") {
            recordRelaxed("rds-deletion-protection", target, message, config.justification);
          }
        };
        checkAll([
          () => {
            if (props.deletionProtection !== true) {
              check(
                config.requireDeletionProtection,
                `${what} can be deleted with its data. Set deletionProtection: true.`,
              );
            }
          },
          () => {
            if (isSet(props, "skipFinalSnapshot") && props.skipFinalSnapshot === true) {
              check(
                config.requireFinalSnapshot,
                `${what} skips its final snapshot, so deleting it loses the data. Set ` +
                  `skipFinalSnapshot: false and a finalSnapshotIdentifier.`,
              );
            }
          },
        ]);
      },
    ),
  ],
});

export interface BackupPlanConfig {
  minRetentionDays: number;
  minLongestRetentionDays: number;
}

export const BACKUP_PLAN_DEFAULTS: BackupPlanConfig = {
  minRetentionDays: 7,
  minLongestRetentionDays: 0,
};

export const backupPlanRetention = resourcePolicy({
  name: "backup-plan-retention",
  description:
    "AWS Backup plans keep every recovery point (and every copy) at least the minimum days " +
    "(default 7), and the longest-kept rule at least the long-term minimum (default off; 2192 for " +
    "six years).",
  severity: "high",
  configSchema: {
    properties: {
      minRetentionDays: {
        type: "integer",
        minimum: 1,
        default: BACKUP_PLAN_DEFAULTS.minRetentionDays,
        description: "Minimum lifecycle.deleteAfter of every rule and copy action.",
      },
      minLongestRetentionDays: {
        type: "integer",
        minimum: 0,
        default: BACKUP_PLAN_DEFAULTS.minLongestRetentionDays,
        description: "Minimum deleteAfter of the longest-kept rule (0 = not checked).",
      },
    },
  },
  validations: [
    forTypes<PlanArgs>([T.backupPlan], (props, args, report) => {
      const config = configOf(args, BACKUP_PLAN_DEFAULTS);
      const what = named("Backup plan", args.name);
      const rules = arrayOf(props.rules);
      if (rules.length === 0) {
        report(
          `${what} has no rules. Add a rule with a schedule and lifecycle.deleteAfter ≥ ${config.minRetentionDays}.`,
        );
        return;
      }
      let longest = 0;
      forEachChecked(rules, (rule) => {
        const ruleName = label(rule, "ruleName");
        const lifecycles = [
          {
            where: `rule "${ruleName}"`,
            lifecycle: isSet(rule, "lifecycle") ? rule.lifecycle : undefined,
          },
          ...arrayOf(rule.copyActions).map((c, i) => ({
            where: `copy action ${i + 1} of rule "${ruleName}"`,
            lifecycle: isSet(c, "lifecycle") ? c.lifecycle : undefined,
          })),
        ];
        for (const { where, lifecycle } of lifecycles) {
          const days = isSet(lifecycle, "deleteAfter") ? Number(lifecycle?.deleteAfter) : Infinity;
          if (where.startsWith("rule")) {
            longest = Math.max(longest, days);
          }
          if (days < config.minRetentionDays) {
            report(
              `${what} deletes recovery points of ${where} after ${days} days. Set ` +
                `lifecycle.deleteAfter to at least ${config.minRetentionDays}.`,
            );
          }
        }
      });
      if (config.minLongestRetentionDays > 0 && longest < config.minLongestRetentionDays) {
        report(
          `${what} keeps no recovery point longer than ${longest} days. Add a rule (e.g. monthly) ` +
            `with lifecycle.deleteAfter ≥ ${config.minLongestRetentionDays}.`,
        );
      }
    }),
  ],
});

const BUCKET_REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";

/** A KMS key reference that names an AWS managed key (alias/aws/<service>) rather than one of the account's. */
function awsManagedKey(keyRef: unknown): boolean {
  return typeof keyRef === "string" && keyRef.includes("alias/aws/");
}

export const backupCopiesEncrypted = stackPolicy({
  name: "backup-copies-encrypted",
  description:
    "Every AWS Backup copy action goes to a vault of the stack encrypted with a customer-managed " +
    "key, and every enabled S3 replication rule replicates SSE-KMS objects and re-encrypts the " +
    "replicas with a KMS key (replicaKmsKeyId).",
  severity: "high",
  validateStack: (args, report) => {
    const vaults = ofTypes(args.resources, [T.backupVault]);
    forEachChecked(ofTypes(args.resources, [T.backupPlan]), (plan) => {
      const what = named("Backup plan", plan.name);
      forEachChecked(arrayOf(propsOf<PlanArgs>(plan).rules), (rule) => {
        const ruleName = label(rule, "ruleName");
        forEachChecked(arrayOf(rule.copyActions), (copy) => {
          const arn = String(copy.destinationVaultArn);
          // backup vault ARNs end in backup-vault:<name> (the plan's mocks write vault/<name>)
          const vaultName = arn.split(/[:/]/).pop();
          const vault = vaults.find((v) => peekString(v.props, "name") === vaultName);
          if (!vault) {
            report(
              `${what} copies rule "${ruleName}" to ${arn}, a vault this stack does not create, ` +
                `so its encryption cannot be checked. Copy to an aws.backup.Vault of the stack ` +
                `with kmsKeyArn set to a customer-managed key.`,
              plan.urn,
            );
          } else if (
            !isSet(vault.props, "kmsKeyArn") ||
            awsManagedKey(peek(vault.props, "kmsKeyArn"))
          ) {
            report(
              `${what} copies rule "${ruleName}" to ${named("Backup vault", vault.name)}, which ` +
                `is not encrypted with a customer-managed key. Set the vault's kmsKeyArn to a ` +
                `key created in its region.`,
              plan.urn,
            );
          }
        });
      });
    });
    forEachChecked(ofTypes(args.resources, [BUCKET_REPLICATION]), (config) => {
      const what = named("S3 replication", config.name);
      forEachChecked(arrayOf(propsOf<BucketReplicationConfigArgs>(config).rules), (rule) => {
        if (peekString(rule, "status") !== "Enabled") return;
        const ruleId = label(rule, "id");
        const kmsObjects = peekString(
          peek(peek(rule, "sourceSelectionCriteria"), "sseKmsEncryptedObjects"),
          "status",
        );
        if (kmsObjects !== "Enabled") {
          report(
            `${what} rule "${ruleId}" does not replicate SSE-KMS objects. Set ` +
              `sourceSelectionCriteria.sseKmsEncryptedObjects.status to "Enabled".`,
            config.urn,
          );
        }
        const replicaKey = peek(
          peek(peek(rule, "destination"), "encryptionConfiguration"),
          "replicaKmsKeyId",
        );
        if (
          !isSet(peek(peek(rule, "destination"), "encryptionConfiguration"), "replicaKmsKeyId") ||
          awsManagedKey(replicaKey)
        ) {
          report(
            `${what} rule "${ruleId}" does not encrypt its replicas with a customer-managed key. ` +
              `Set destination.encryptionConfiguration.replicaKmsKeyId to a key of the ` +
              `destination's region.`,
            config.urn,
          );
        }
      });
    });
  },
});

export const s3BucketVersioning = stackPolicy({
  name: "s3-bucket-versioning",
  description:
    'Every S3 bucket has a versioning resource with status "Enabled", so overwritten or deleted ' +
    "objects can be recovered.",
  severity: "medium",
  validateStack: (args, report) => {
    forEachChecked(ofTypes(args.resources, BUCKET_TYPES), (bucket) => {
      const what = named("S3 bucket", bucket.name);
      const versionings = attachedToBucket(args.resources, VERSIONING_TYPES, bucket);
      if (versionings.length === 0) {
        report(
          `${what} is not versioned. Add an aws.s3.BucketVersioning with ` +
            `versioningConfiguration: { status: "Enabled" }.`,
          bucket.urn,
        );
        return;
      }
      forEachChecked(versionings, (v) => {
        const status = propsOf<BucketVersioningArgs>(v).versioningConfiguration?.status;
        if (status !== "Enabled") {
          report(
            `${what}'s versioning "${v.name}" has status "${String(status)}". Set it to "Enabled".`,
            bucket.urn,
          );
        }
      });
    });
  },
});

export const backupPolicies = [
  rdsBackupRetention,
  rdsDeletionProtection,
  backupPlanRetention,
  backupCopiesEncrypted,
  s3BucketVersioning,
];
