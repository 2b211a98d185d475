// Copies in a second region are usage: the copies' storage and the transfer to the copy region are
// listed with their unit price and add nothing to the total; the copy region's key (a fixed
// $1/month) is the one priced line openemr:backupCopyRegion adds.
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
  for (const [preset, stack, sets] of [
    ["standard", "staging", {}],
    ["fargate", "prod", {}],
    ["express-plus", "dev", EXPRESS_PLUS],
  ] as const) {
    it(`${preset}: adds only the copy region's key to the total`, async () => {
      const without = estimateCost(await planStack(stack, sets));
      const withCopy = estimateCost(await planStack(stack, { ...sets, ...COPY }));
      expect(withCopy.monthlyUsd).to.be.closeTo(without.monthlyUsd + PRICES.kms.keyMonth.usd, 1e-9);
      expect(withCopy.unpriced ?? []).to.deep.equal(without.unpriced ?? []);
    });
  }

  it("lists the AWS Backup copies' storage and transfer as usage", async () => {
    const plan = await planStack("staging", COPY);
    expect(usageOf(plan, "AWS Backup copies into openemr-staging-backup-copy-vault")).to.deep.equal(
      [
        {
          item: "AWS Backup copies into openemr-staging-backup-copy-vault (as much as the recovery points copied; at us-east-1 prices)",
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
