import type { PlanValue } from "../../tools/plan/types";
import {
  copyResource,
  dropResource,
  editProps,
  mutate,
  retype,
  setProp,
  unsetProp,
  type Target,
} from "../helpers/mutate";
import { EXPRESS_PLUS, planStack } from "../helpers/plan";
import { expectPass, expectViolation, fargate, standard } from "./verdict";

const RDS_INSTANCE = "aws:rds/instance:Instance";
const DB: Target = [RDS_INSTANCE, "openemr-staging-db"];
const CLUSTER: Target = ["aws:rds/cluster:Cluster", "openemr-prod-db-cluster"];
const REPLICA: Target = [RDS_INSTANCE, "openemr-staging-db-replica"];

/** The standard plan with a read replica built from its real database (without `unset`). */
async function withReplica(...unset: string[]) {
  return mutate(
    await standard(),
    copyResource(DB, "openemr-staging-db-replica"),
    setProp(REPLICA, "replicateSourceDb", "openemr-staging-db"),
    ...unset.map((p) => unsetProp(REPLICA, p)),
  );
}

describe("rds-backup-retention", () => {
  const policy = "rds-backup-retention";
  it("passes seven days on instances and clusters", async () => {
    await expectPass(mutate(await standard(), setProp(DB, "backupRetentionPeriod", 7)), policy, DB);
    await expectPass(
      mutate(await fargate(), setProp(CLUSTER, "backupRetentionPeriod", 35)),
      policy,
      CLUSTER,
    );
  });
  it("passes the standard and fargate plans' databases", async () => {
    await expectPass(await standard(), policy, DB);
    await expectPass(await fargate(), policy, CLUSTER);
  });
  it("catches a database that does not set backupRetentionPeriod", async () =>
    expectViolation(mutate(await fargate(), unsetProp(CLUSTER, "backupRetentionPeriod")), policy, {
      resource: "openemr-prod-db-cluster",
      says: ["backupRetentionPeriod", "at least 7"],
    }));
  it("catches a retention below the minimum", async () =>
    expectViolation(mutate(await standard(), setProp(DB, "backupRetentionPeriod", 1)), policy, {
      resource: "openemr-staging-db",
      says: ["1 days", "at least 7"],
    }));
  it("honours minBackupRetentionDays", async () =>
    expectViolation(mutate(await standard(), setProp(DB, "backupRetentionPeriod", 7)), policy, {
      resource: "openemr-staging-db",
      config: { [policy]: { minBackupRetentionDays: 14 } },
      says: ["at least 14"],
    }));
  it("skips read replicas", async () =>
    expectPass(await withReplica("backupRetentionPeriod"), policy, REPLICA));
});

describe("rds-deletion-protection", () => {
  const policy = "rds-deletion-protection";
  it("passes a protected database that takes a final snapshot", async () =>
    expectPass(await fargate(), policy, CLUSTER));
  it("catches a database without deletion protection", async () =>
    expectViolation(mutate(await standard(), unsetProp(DB, "deletionProtection")), policy, {
      resource: "openemr-staging-db",
      says: ["deletionProtection: true"],
    }));
  it("catches skipFinalSnapshot: true", async () =>
    expectViolation(mutate(await fargate(), setProp(CLUSTER, "skipFinalSnapshot", true)), policy, {
      resource: "openemr-prod-db-cluster",
      says: ["final snapshot", "skipFinalSnapshot: false"],
    }));
  it("can be relaxed for throwaway stacks", async () =>
    expectPass(
      mutate(
        await standard(),
        unsetProp(DB, "deletionProtection"),
        setProp(DB, "skipFinalSnapshot", true),
      ),
      policy,
      DB,
      { [policy]: { requireDeletionProtection: false, requireFinalSnapshot: false } },
    ));
});

describe("backup-plan-retention", () => {
  const policy = "backup-plan-retention";
  const PLAN: Target = ["aws:backup/plan:Plan", "openemr-staging-backup-plan"];
  type Rule = Record<string, PlanValue>;
  /** The standard plan's backup plan with its rules rebuilt from the planned ones (by name). */
  const rules = async (build: (planned: Record<string, Rule>) => Rule[]) =>
    mutate(
      await standard(),
      editProps(PLAN, (props) => {
        const byName: Record<string, Rule> = {};
        for (const rule of Array.isArray(props["rules"]) ? props["rules"] : []) {
          if (typeof rule === "object" && rule !== null && !Array.isArray(rule)) {
            const name = rule["ruleName"];
            if (typeof name === "string") byName[name] = rule;
          }
        }
        for (const name of ["daily", "weekly", "monthly"]) {
          if (!byName[name]) throw new Error(`the standard backup plan has no ${name} rule`);
        }
        props["rules"] = build(byName);
      }),
    );
  const keep = (rule: Rule, deleteAfter: number): Rule => ({ ...rule, lifecycle: { deleteAfter } });

  it("passes rules that keep recovery points at least seven days (or forever)", async () => {
    await expectPass(await standard(), policy, PLAN);
    await expectPass(
      await rules(({ daily, weekly, monthly }) => {
        const forever: Rule = { ...monthly, ruleName: "forever" };
        delete forever["lifecycle"];
        return [daily, weekly, forever];
      }),
      policy,
      PLAN,
    );
  });
  it("catches a rule that deletes recovery points too early", async () =>
    expectViolation(
      await rules(({ daily, weekly, monthly }) => [keep(daily, 1), weekly, monthly]),
      policy,
      {
        resource: "openemr-staging-backup-plan",
        says: ['rule "daily"', "after 1 days", "at least 7"],
      },
    ));
  it("catches a copy action that deletes copies too early", async () =>
    expectViolation(
      await rules(({ daily, weekly, monthly }) => [
        {
          ...daily,
          copyActions: [
            {
              destinationVaultArn: "arn:aws:backup:us-west-2:123456789012:backup-vault:dr",
              lifecycle: { deleteAfter: 3 },
            },
          ],
        },
        weekly,
        monthly,
      ]),
      policy,
      { resource: "openemr-staging-backup-plan", says: ['copy action 1 of rule "daily"'] },
    ));
  it("catches a plan without rules", async () =>
    expectViolation(await rules(() => []), policy, {
      resource: "openemr-staging-backup-plan",
      says: ["no rules"],
    }));
  it("checks the long-term minimum when configured", async () => {
    const config = { [policy]: { minLongestRetentionDays: 2192 } };
    await expectViolation(
      await rules(({ daily, weekly, monthly }) => [daily, weekly, keep(monthly, 365)]),
      policy,
      {
        resource: "openemr-staging-backup-plan",
        config,
        says: ["longer than 365 days", "2192"],
      },
    );
    await expectPass(await standard(), policy, PLAN, config);
  });
});

describe("s3-bucket-versioning", () => {
  const policy = "s3-bucket-versioning";
  const BUCKET: Target = ["aws:s3/bucket:Bucket", "openemr-staging-audit-logs"];
  const VERSIONING: Target = [
    "aws:s3/bucketVersioning:BucketVersioning",
    "openemr-staging-audit-logs-versioning",
  ];
  it("passes the standard plan's buckets, and the V2 versioning token", async () => {
    await expectPass(await standard(), policy, BUCKET);
    await expectPass(
      mutate(await standard(), retype(VERSIONING, "aws:s3/bucketVersioningV2:BucketVersioningV2")),
      policy,
      ["aws:s3/bucketVersioningV2:BucketVersioningV2", "openemr-staging-audit-logs-versioning"],
    );
  });
  it("catches an unversioned bucket", async () =>
    expectViolation(mutate(await standard(), dropResource(VERSIONING)), policy, {
      resource: "openemr-staging-audit-logs",
      says: ["not versioned", 'status: "Enabled"'],
    }));
  it("catches suspended versioning", async () =>
    expectViolation(
      mutate(await standard(), setProp(VERSIONING, "versioningConfiguration.status", "Suspended")),
      policy,
      { resource: "openemr-staging-audit-logs", says: ['"Suspended"', '"Enabled"'] },
    ));
});

describe("backup-copies-encrypted", () => {
  const policy = "backup-copies-encrypted";
  const COPY = { "openemr:backupCopyRegion": "us-west-2" };
  const PLAN: Target = ["aws:backup/plan:Plan", "openemr-staging-backup-plan"];
  const COPY_VAULT: Target = ["aws:backup/vault:Vault", "openemr-staging-backup-copy-vault"];
  const REPLICATION: Target = [
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    "openemr-dev-backup-copies-replication",
  ];
  const standardCopy = () => planStack("staging", COPY);
  const expressPlusCopy = () => planStack("dev", { ...EXPRESS_PLUS, ...COPY });

  it("passes the copies of standard, fargate and express-plus with a copy region", async () => {
    await expectPass(await standardCopy(), policy, PLAN);
    await expectPass(await planStack("prod", COPY), policy, [
      "aws:backup/plan:Plan",
      "openemr-prod-backup-plan",
    ]);
    await expectPass(await expressPlusCopy(), policy, REPLICATION);
  });
  it("catches a copy vault without a key (once per rule that copies into it)", async () =>
    expectViolation(mutate(await standardCopy(), unsetProp(COPY_VAULT, "kmsKeyArn")), policy, {
      resource: "openemr-staging-backup-plan",
      count: 3,
      says: ['"openemr-staging-backup-copy-vault"', "customer-managed key"],
    }));
  it("catches a copy vault under an AWS managed key", async () =>
    expectViolation(
      mutate(await standardCopy(), setProp(COPY_VAULT, "kmsKeyArn", "alias/aws/backup")),
      policy,
      { resource: "openemr-staging-backup-plan", count: 3, says: ["customer-managed key"] },
    ));
  it("catches a copy to a vault the stack does not create", async () =>
    expectViolation(
      mutate(
        await standardCopy(),
        setProp(
          PLAN,
          ["rules", 0, "copyActions", 0, "destinationVaultArn"],
          "arn:aws:backup:us-west-2:123456789012:backup-vault:elsewhere",
        ),
      ),
      policy,
      { resource: "openemr-staging-backup-plan", says: ['rule "daily"', "does not create"] },
    ));
  it("catches replication without a replica key", async () =>
    expectViolation(
      mutate(
        await expressPlusCopy(),
        unsetProp(REPLICATION, ["rules", 0, "destination", "encryptionConfiguration"]),
      ),
      policy,
      {
        resource: "openemr-dev-backup-copies-replication",
        says: ['rule "copy-region"', "replicaKmsKeyId"],
      },
    ));
  it("catches replication that leaves SSE-KMS objects out", async () =>
    expectViolation(
      mutate(
        await expressPlusCopy(),
        setProp(
          REPLICATION,
          ["rules", 0, "sourceSelectionCriteria", "sseKmsEncryptedObjects", "status"],
          "Disabled",
        ),
      ),
      policy,
      {
        resource: "openemr-dev-backup-copies-replication",
        says: ["sseKmsEncryptedObjects.status", '"Enabled"'],
      },
    ));
});
