import { expect } from "chai";
import { estimateCost } from "../../tools/cost/estimate";
import {
  PRICED_REGIONS,
  PRICES,
  REGIONAL_PRICES,
  pricesFor,
  roundCents,
  usd,
} from "../../tools/cost/prices";
import type { PlanFile } from "../../tools/plan/types";
import { planStack } from "../helpers/plan";

const H = 730;
const WEST_1 = REGIONAL_PRICES["us-west-1"];

/** Every number of a price table by its path ("ebs.gp3GbMonth.usd", "ec2.hourly.t4g.small"). */
function figures(value: unknown, path = ""): Map<string, number> {
  const out = new Map<string, number>();
  if (typeof value === "number") out.set(path, value);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      for (const [p, n] of figures(v, path === "" ? k : `${path}.${k}`)) out.set(p, n);
    }
  }
  return out;
}

/** The same stack file planned in another region (cached per region). */
const inRegion = (stack: string, region: string): Promise<PlanFile> =>
  planStack(stack, {
    "aws:region": region,
    // a load balancer takes a certificate of its own region only (config.ts checks it)
    ...(stack === "prod"
      ? {
          "openemr:certificateArn": `arn:aws:acm:${region}:123456789012:certificate/00000000-0000-4000-8000-000000000000`,
        }
      : {}),
  });

/** A cost line's amount by the start of its item. */
function lineAmount(plan: PlanFile, itemStart: string): number | undefined {
  return plan.cost?.lines.find((l) => l.item.startsWith(itemStart))?.monthlyUsd;
}

describe("cost estimate by region", () => {
  it("prices us-east-1, us-east-2, us-west-1 and us-west-2, each for every item of the us-east-1 table", () => {
    expect([...PRICED_REGIONS]).to.deep.equal(["us-east-1", "us-east-2", "us-west-1", "us-west-2"]);
    const base = figures(PRICES);
    for (const region of PRICED_REGIONS) {
      const table = REGIONAL_PRICES[region];
      expect(table.region).to.equal(region);
      expect(table.basis, region).to.contain(region);
      const own = figures(table);
      expect([...own.keys()], region).to.deep.equal([...base.keys()]);
      for (const [path, n] of own) expect(n, `${region} ${path}`).to.be.greaterThan(0);
    }
  });

  it("charges us-east-2 and us-west-2 the us-east-1 list price for every item, as the table says", () => {
    const base = figures(PRICES);
    for (const region of ["us-east-2", "us-west-2"] as const) {
      expect(figures(REGIONAL_PRICES[region]), region).to.deep.equal(base);
    }
  });

  it("prices a us-east-2 plan line for line as the same stack in us-east-1", async () => {
    const east1 = await planStack("dev");
    const east2 = await inRegion("dev", "us-east-2");
    expect(east2.cost?.priceRegion).to.equal("us-east-2");
    expect(east1.cost?.priceRegion).to.equal("us-east-1");
    const lines = (p: PlanFile) => p.cost?.lines.map((l) => [l.item, l.monthlyUsd]);
    expect(lines(east2)).to.deep.equal(lines(east1));
    expect(east2.cost?.monthlyUsd).to.equal(20.75).and.to.equal(east1.cost?.monthlyUsd);
  });

  it("charges us-west-1 no less than us-east-1 for any item, and more for compute", () => {
    const base = figures(PRICES);
    const west = figures(WEST_1);
    for (const [path, n] of west) expect(n, path).to.be.at.least(base.get(path) ?? Infinity);
    for (const type of Object.keys(PRICES.ec2.hourly)) {
      expect(WEST_1.ec2.hourly[type], type).to.be.greaterThan(PRICES.ec2.hourly[type]);
    }
    expect(WEST_1.fargate.arm.vcpuHour.usd).to.be.greaterThan(PRICES.fargate.arm.vcpuHour.usd);
  });

  it("marks the us-west-1 figures it could not confirm as supplemental, and not the confirmed Fargate x86 rate", () => {
    expect(WEST_1.ec2.supplemental).to.equal(true);
    expect(WEST_1.rdsMysql.supplemental).to.equal(true);
    expect(WEST_1.nat.hour.supplemental).to.equal(true);
    expect(WEST_1.fargate.x86.vcpuHour.supplemental).to.equal(false);
    expect(PRICES.ec2.supplemental).to.equal(false);
  });

  it("costs a us-west-1 express plan more than the same stack in us-east-1, at the us-west-1 instance price", async () => {
    const east = await planStack("dev");
    const west = await inRegion("dev", "us-west-1");
    expect(west.cost?.priceRegion).to.equal("us-west-1");
    expect(west.cost?.unpriced).to.deep.equal([]);
    expect(west.cost?.monthlyUsd).to.be.greaterThan(east.cost?.monthlyUsd ?? Infinity);
    const hourly = WEST_1.ec2.hourly["t4g.small"];
    expect(lineAmount(west, `EC2 t4g.small (730 h × ${usd(hourly)})`)).to.equal(
      roundCents(H * hourly),
    );
    expect(lineAmount(west, "EBS gp3 root volume 20 GB")).to.equal(
      roundCents(20 * WEST_1.ebs.gp3GbMonth.usd),
    );
  });

  it("costs a us-west-1 fargate plan more, NAT gateway and tasks included", async () => {
    const east = await planStack("prod");
    const west = await inRegion("prod", "us-west-1");
    expect(west.cost?.unpriced).to.deep.equal([]);
    expect(west.cost?.monthlyUsd).to.be.greaterThan(east.cost?.monthlyUsd ?? Infinity);
    const nat = WEST_1.nat.hour.usd;
    expect(lineAmount(west, `NAT gateway (730 h × ${usd(nat)})`)).to.equal(roundCents(H * nat));
    const arm = WEST_1.fargate.arm;
    expect(lineAmount(west, "Fargate ARM 2 tasks")).to.equal(
      roundCents(2 * H * (1 * arm.vcpuHour.usd + 2 * arm.gbHour.usd)),
    );
  });

  it("prices a region outside the table at us-east-1 list prices and records that it did", async () => {
    const plan = await inRegion("dev", "eu-west-1");
    expect(pricesFor("eu-west-1")).to.equal(PRICES);
    const cost = estimateCost(plan);
    expect(cost.priceRegion).to.equal("us-east-1");
    expect(cost.unpriced).to.deep.equal([]);
    expect(cost.lines).to.deep.equal(estimateCost({ ...plan, region: "us-east-1" }).lines);
    expect(plan.cost?.priceRegion).to.equal("us-east-1");
  });
});
