// Copies in a second region are usage: the copies' storage and the transfer to the copy region are
// listed with their unit price and add nothing to the total; the fixed lines
// openemr:backupCopyRegion adds are the copy region's key ($1/month), the copy-failed alarm and, on
// express-plus, the S3 Replication metrics that alarm needs.
import { expect } from "chai";
import { estimateCost } from "../../tools/cost/estimate";
import { PRICES } from "../../tools/cost/prices";
import type { PlanFile } from "../../tools/plan/types";
import { EXPRESS_PLUS, planStack } from "../helpers/plan";

const COPY = { "openemr:backupCopyRegion": "us-west-2" };

function usageOf(plan: PlanFile, text: string): { item: string; unitPrice: string }[] {
  return (estimateCost(plan).usage ?? [])
    .filter((u) => u.item.includes(text))
    .map(({ item, unitPrice }) => ({ item, unitPrice }));
}

describe("cost of backup copies in a second region", () => {
  const alarm = PRICES.cloudwatchAlarm.standardMonth.usd;
  // BytesPendingReplication, ReplicationLatency, OperationsPendingReplication, OperationsFailedReplication
  const replicationMetrics = 4 * PRICES.cloudwatchCustomMetricMonth.usd;
  for (const [preset, stack, sets, extra] of [
    ["standard", "staging", {}, alarm],
    ["fargate", "prod", {}, alarm],
    ["express-plus", "dev", EXPRESS_PLUS, alarm + replicationMetrics],
  ] as const) {
    it(`${preset}: adds the copy region's key, the copy-failed alarm${preset === "express-plus" ? " and the replication metrics" : ""} to the total`, async () => {
      const without = estimateCost(await planStack(stack, sets));
      const withCopy = estimateCost(await planStack(stack, { ...sets, ...COPY }));
      expect(withCopy.monthlyUsd).to.be.closeTo(
        without.monthlyUsd + PRICES.kms.keyMonth.usd + extra,
        1e-9,
      );
      expect(withCopy.unpriced ?? []).to.deep.equal(without.unpriced ?? []);
    });
  }

  it("lists the AWS Backup copies' storage and transfer as usage", async () => {
    const plan = await planStack("staging", COPY);
    expect(usageOf(plan, "AWS Backup copies into openemr-staging-backup-copy-vault")).to.deep.equal(
      [
        {
          item: "AWS Backup copies into openemr-staging-backup-copy-vault (as much as the recovery points copied; at us-west-2 prices)",
          unitPrice:
            "$0.05 per GB-month of EBS backup (warm); $0.095 per GB-month of RDS snapshot backup",
        },
      ],
    );
    expect(usageOf(plan, "AWS Backup copies: data transfer").map((u) => u.unitPrice)).to.deep.equal(
      ["$0.02 per GB transferred to another AWS region"],
    );
    expect(usageOf(await planStack("staging"), "AWS Backup copies")).to.deep.equal([]);
  });

  it("lists the replication transfer and the copy bucket's storage as usage on express-plus", async () => {
    const plan = await planStack("dev", { ...EXPRESS_PLUS, ...COPY });
    expect(usageOf(plan, "S3 replication of bucket").map((u) => u.unitPrice)).to.deep.equal([
      "$0.02 per GB transferred to another AWS region",
    ]);
    expect(usageOf(plan, "S3 storage in bucket openemr-dev-backup-copies")).to.have.length(1);
  });
});
