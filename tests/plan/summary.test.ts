import { expect } from "chai";
import { estimateCost } from "../../tools/cost/estimate";
import { SHOWN_COST_LINES, SHOWN_VIOLATIONS, renderSummary } from "../../tools/plan/summary";
import type { PlanFile, PlanResource } from "../../tools/plan/types";
import { mutate, setProp } from "../helpers/mutate";
import { EXPRESS_PLUS, planStack } from "../helpers/plan";

/** The plans of the four presets, as `npm run plan` makes them (cached per stack). */
const PRESET_PLANS: Readonly<Record<string, () => Promise<PlanFile>>> = {
  express: () => planStack("dev"),
  "express-plus": () => planStack("dev", EXPRESS_PLUS),
  standard: () => planStack("staging"),
  fargate: () => planStack("prod"),
};

/** The lines of one section of the summary: from its heading to the next blank line. */
function section(summary: string, heading: string): string[] {
  const lines = summary.split("\n");
  const start = lines.findIndex((l) => l.startsWith(heading));
  expect(start, heading).to.be.at.least(0);
  const end = lines.indexOf("", start);
  return lines.slice(start, end === -1 ? undefined : end);
}

/** "$1,234.56" in whole cents. */
function cents(text: string): number {
  return Math.round(Number(text.replace(/[$,]/g, "")) * 100);
}

const isComponent = (r: PlanResource) => !r.custom && !r.remote;

/** How many components a resource sits in, the root stack counted as the first. */
function depth(plan: PlanFile, r: PlanResource): number {
  let n = 1;
  for (let p = r.parent; p !== null;) {
    const parent = plan.resources.find((x) => x.urn === p);
    if (parent === undefined) break;
    n++;
    p = parent.parent;
  }
  return n;
}

describe("plan summary", () => {
  describe("resources by component", () => {
    it("roots the tree at the stack the top-level component names as its parent", async () => {
      const tree = section(renderSummary(await planStack("dev")), "Resources by component:");
      expect(tree[1]).to.equal("  - openemr-aws-dev (pulumi:pulumi:Stack)");
      expect(tree[2]).to.match(/^ {4}- openemr-dev \(openemr:tiers:Express\): /);
    });

    for (const [preset, make] of Object.entries(PRESET_PLANS)) {
      it(`lists every component of the ${preset} plan once, nested as the plan parents it`, async () => {
        const plan = await make();
        const tree = section(renderSummary(plan), "Resources by component:").slice(1);
        const components = plan.resources.filter(isComponent);
        expect(tree).to.have.length(components.length + 1);
        for (const c of components) {
          const label = `${"  ".repeat(depth(plan, c) + 1)}- ${c.name} (${c.type})`;
          const found = tree.filter((l) => l === label || l.startsWith(`${label}: `));
          expect(found, label).to.have.length(1);
        }
      });

      it(`counts every resource of the ${preset} plan under the component that holds it`, async () => {
        const plan = await make();
        const tree = section(renderSummary(plan), "Resources by component:").slice(1);
        const held = tree
          .flatMap((l) => (l.split(": ")[1] ?? "").split(", "))
          .filter((t) => t !== "")
          .reduce((sum, t) => sum + Number(/^(\d+)× /.exec(t)?.[1] ?? 1), 0);
        expect(held).to.equal(plan.resources.filter((r) => !isComponent(r)).length);
      });
    }

    it("shows what a component holds, by short type", async () => {
      const tree = section(renderSummary(await planStack("dev")), "Resources by component:");
      const web = tree.find((l) => l.includes("- openemr-dev-web (openemr:compute:WebInstance)"));
      expect(web).to.contain("aws:ec2:Instance").and.to.contain("aws:ec2:Eip");
      const net = tree.find((l) => l.includes("- openemr-dev-net (openemr:network:Network)"));
      expect(net).to.contain("aws:ec2:Vpc").and.to.contain("aws:ec2:Subnet");
    });
  });

  describe("cost", () => {
    for (const [preset, make] of Object.entries(PRESET_PLANS)) {
      it(`adds the ${preset} plan's shown lines and the "… N more lines" to the total, to the cent`, async () => {
        const plan = await make();
        const cost = plan.cost!;
        const block = section(renderSummary(plan), "Monthly base cost:");
        const total = /^Monthly base cost: (\$[\d,]+\.\d{2}) \(/.exec(block[0])?.[1];
        expect(total, block[0]).to.not.equal(undefined);
        expect(cents(total!)).to.equal(Math.round(cost.monthlyUsd * 100));
        const shown = block
          .map((l) => /^ +(\$[\d,]+\.\d{2}) {2}\S/.exec(l)?.[1])
          .filter((a): a is string => a !== undefined);
        expect(shown).to.have.length(SHOWN_COST_LINES);
        const more = block.map((l) => /^ {2}… (\d+) more lines?: (\$[\d,]+\.\d{2})$/.exec(l));
        const rest = more.find((m) => m !== null);
        expect(rest, "the … N more line").to.not.equal(undefined);
        expect(Number(rest![1])).to.equal(cost.lines.length - SHOWN_COST_LINES);
        const sum = shown.reduce((s, a) => s + cents(a), 0) + cents(rest![2]);
        expect(sum).to.equal(cents(total!));
      });
    }

    it("says how many usage-priced items there are and where their unit prices are", async () => {
      const plan = await planStack("prod");
      const usage = plan.cost?.usage ?? [];
      expect(usage.length).to.be.greaterThan(0);
      expect(section(renderSummary(plan), "Monthly base cost:")).to.include(
        `  plus usage: ${usage.length} items priced per unit of traffic, storage or requests, not in the total (unit prices: the plan JSON's cost.usage, written with --json <file>)`,
      );
    });

    it("prints an instance type the table cannot price and calls the total incomplete", async () => {
      const plan = await planStack("dev", {
        "openemr:express": JSON.stringify({ instanceType: "t4g.gigantic" }),
      });
      const reason =
        "aws:ec2/instance:Instance openemr-dev-web: EC2 instance type t4g.gigantic is not in the price table";
      expect(plan.cost?.unpriced).to.deep.equal([reason]);
      const block = section(renderSummary(plan), "Monthly base cost:");
      expect(block[0]).to.match(
        /^Monthly base cost: \$[\d.]+ INCOMPLETE: 1 item NOT PRICED, missing from this total \(/,
      );
      expect(block[1]).to.equal(`  NOT PRICED: ${reason}`);
      expect(block.some((l) => l.includes("EC2 t4g"))).to.equal(false);
    });

    it("prints every unpriced item of a mutated plan, each on its own line", async () => {
      const base = await planStack("dev");
      const plan = mutate(
        base,
        setProp(["aws:ec2/instance:Instance", "openemr-dev-web"], "instanceType", "m7g.large"),
        setProp(["aws:ec2/instance:Instance", "openemr-dev-web"], "tenancy", "dedicated"),
      );
      const cost = estimateCost(plan);
      expect(cost.unpriced).to.have.length(2);
      const block = section(renderSummary({ ...plan, cost }), "Monthly base cost:");
      expect(block[0]).to.contain("INCOMPLETE: 2 items NOT PRICED");
      for (const u of cost.unpriced) expect(block).to.include(`  NOT PRICED: ${u}`);
    });

    it("names the region whose prices it uses", async () => {
      const block = section(
        renderSummary(await planStack("dev", { "aws:region": "us-west-1" })),
        "Monthly base cost:",
      );
      expect(block[0]).to.match(
        / \(us-west-1 list prices, USD, as of \d{4}-\d{2}-\d{2}; plus usage\)$/,
      );
      expect(block.some((l) => l.includes("WARNING"))).to.equal(false);
    });

    it("warns loudly when the plan's region is not in the price table", async () => {
      const plan = await planStack("dev", { "aws:region": "eu-west-1" });
      const block = section(renderSummary(plan), "Monthly base cost:");
      expect(block[0]).to.contain("(us-east-1 list prices, USD, as of");
      expect(block[1]).to.equal(
        "  WARNING: region eu-west-1 is not in the price table: figures are us-east-1 list prices",
      );
    });
  });

  describe("policy", () => {
    it("counts the violations it does not list", async () => {
      const plan = await planStack("dev");
      const urn = plan.resources[0].urn;
      const violations = Array.from({ length: 30 }, (_, i) => ({
        policy: `example-${i}`,
        level: "advisory" as const,
        urn,
        message: "an example",
      }));
      const many = { ...plan, policy: { pack: "example", passed: true, violations } };
      const block = section(renderSummary(many), "Policy pack ");
      // the verdict, the violations shown, then the count of the rest
      expect(
        block.slice(1, 1 + SHOWN_VIOLATIONS).every((l) => l.startsWith("  [advisory] ")),
      ).to.equal(true);
      expect(block[1 + SHOWN_VIOLATIONS]).to.equal(
        `  … ${30 - SHOWN_VIOLATIONS} more violations in the plan JSON's policy.violations`,
      );
    });
  });
});
