import {
  expectPass,
  expectViolation,
  hardenedBucket,
  planOf,
  ref,
  single,
  type FixtureValue,
} from "./fixtures";

const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";

describe("rds-backup-retention", () => {
  const policy = "rds-backup-retention";
  it("passes seven days on instances and clusters", async () => {
    await expectPass(single(RDS_INSTANCE, "db", { backupRetentionPeriod: 7 }), policy);
    await expectPass(single(RDS_CLUSTER, "db", { backupRetentionPeriod: 35 }), policy);
  });
  it("catches a database that does not set backupRetentionPeriod", () =>
    expectViolation(single(RDS_CLUSTER, "db", {}), policy, {
      resource: "db",
      says: ["backupRetentionPeriod", "at least 7"],
    }));
  it("catches a retention below the minimum", () =>
    expectViolation(single(RDS_INSTANCE, "db", { backupRetentionPeriod: 1 }), policy, {
      resource: "db",
      says: ["1 days", "at least 7"],
    }));
  it("honours minBackupRetentionDays", () =>
    expectViolation(single(RDS_INSTANCE, "db", { backupRetentionPeriod: 7 }), policy, {
      resource: "db",
      config: { [policy]: { minBackupRetentionDays: 14 } },
      says: ["at least 14"],
    }));
  it("skips read replicas", () =>
    expectPass(single(RDS_INSTANCE, "replica", { replicateSourceDb: "db" }), policy));
});

describe("rds-deletion-protection", () => {
  const policy = "rds-deletion-protection";
  it("passes a protected database that takes a final snapshot", () =>
    expectPass(
      single(RDS_CLUSTER, "db", { deletionProtection: true, skipFinalSnapshot: false }),
      policy,
    ));
  it("catches a database without deletion protection", () =>
    expectViolation(single(RDS_INSTANCE, "db", { skipFinalSnapshot: false }), policy, {
      resource: "db",
      says: ["deletionProtection: true"],
    }));
  it("catches skipFinalSnapshot: true", () =>
    expectViolation(
      single(RDS_CLUSTER, "db", { deletionProtection: true, skipFinalSnapshot: true }),
      policy,
      {
        resource: "db",
        says: ["final snapshot", "skipFinalSnapshot: false"],
      },
    ));
  it("can be relaxed for throwaway stacks", () =>
    expectPass(single(RDS_INSTANCE, "db", { skipFinalSnapshot: true }), policy, {
      [policy]: { requireDeletionProtection: false, requireFinalSnapshot: false },
    }));
});

describe("backup-plan-retention", () => {
  const policy = "backup-plan-retention";
  const PLAN = "aws:backup/plan:Plan";
  const rule = (name: string, deleteAfter?: number, extra: Record<string, FixtureValue> = {}) => ({
    ruleName: name,
    targetVaultName: "vault",
    schedule: "cron(0 5 * * ? *)",
    ...(deleteAfter === undefined ? {} : { lifecycle: { deleteAfter } }),
    ...extra,
  });
  it("passes rules that keep recovery points at least seven days (or forever)", () =>
    expectPass(single(PLAN, "plan", { rules: [rule("daily", 35), rule("forever")] }), policy));
  it("catches a rule that deletes recovery points too early", () =>
    expectViolation(
      single(PLAN, "plan", { rules: [rule("daily", 1), rule("monthly", 365)] }),
      policy,
      {
        resource: "plan",
        says: ['rule "daily"', "after 1 days", "at least 7"],
      },
    ));
  it("catches a copy action that deletes copies too early", () =>
    expectViolation(
      single(PLAN, "plan", {
        rules: [
          rule("daily", 35, {
            copyActions: [{ destinationVaultArn: "arn", lifecycle: { deleteAfter: 3 } }],
          }),
        ],
      }),
      policy,
      { resource: "plan", says: ['copy action 1 of rule "daily"'] },
    ));
  it("catches a plan without rules", () =>
    expectViolation(single(PLAN, "plan", { rules: [] }), policy, {
      resource: "plan",
      says: ["no rules"],
    }));
  it("checks the long-term minimum when configured", async () => {
    const plan = single(PLAN, "plan", { rules: [rule("daily", 35), rule("monthly", 365)] });
    const config = { [policy]: { minLongestRetentionDays: 2192 } };
    await expectViolation(plan, policy, {
      resource: "plan",
      config,
      says: ["longer than 365 days", "2192"],
    });
    await expectPass(
      single(PLAN, "plan", { rules: [rule("daily", 35), rule("monthly", 2557)] }),
      policy,
      config,
    );
  });
});

describe("s3-bucket-versioning", () => {
  const policy = "s3-bucket-versioning";
  it("passes the hardened bucket, and the V2 versioning token", async () => {
    await expectPass(
      planOf((b) => hardenedBucket(b, "docs")),
      policy,
    );
    await expectPass(
      planOf((b) => {
        const bucket = b.add("aws:s3/bucket:Bucket", "docs", {});
        b.add("aws:s3/bucketVersioningV2:BucketVersioningV2", "docs-v", {
          bucket: ref(bucket),
          versioningConfiguration: { status: "Enabled" },
        });
      }),
      policy,
    );
  });
  it("catches an unversioned bucket", () =>
    expectViolation(
      planOf((b) => b.add("aws:s3/bucket:Bucket", "docs", {})),
      policy,
      {
        resource: "docs",
        says: ["not versioned", 'status: "Enabled"'],
      },
    ));
  it("catches suspended versioning", () =>
    expectViolation(
      planOf((b) => {
        hardenedBucket(b, "docs").versioning.props["versioningConfiguration"] = {
          status: "Suspended",
        };
      }),
      policy,
      { resource: "docs", says: ['"Suspended"', '"Enabled"'] },
    ));
});
