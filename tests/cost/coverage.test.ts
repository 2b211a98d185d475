import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { FREE_TYPES, estimateCost, freeReason } from "../../tools/cost/estimate";
import { MODELS } from "../../tools/cost/models";
import type { PlanFile } from "../../tools/plan/types";
import { planStack } from "../helpers/plan";
import {
  FIXTURES,
  FixturePlan,
  expressPlan,
  fargatePlan,
  standardPlan,
  withProps,
} from "./fixtures";

const ROOT = path.resolve(__dirname, "../..");

/** true when the installed provider SDK declares this resource type token. */
function tokenExists(token: string): boolean {
  const [pkg, mod, name] = token.split(":");
  const root = path.join(ROOT, "node_modules", "@pulumi", pkg);
  let file: string;
  if (mod.includes("/")) {
    const [dir, base] = mod.split("/");
    file = dir === "index" ? path.join(root, `${base}.js`) : path.join(root, dir, `${base}.js`);
  } else {
    file = path.join(root, mod, `${name.charAt(0).toLowerCase()}${name.slice(1)}.js`);
  }
  return fs.existsSync(file) && fs.readFileSync(file, "utf8").includes(`'${token}'`);
}

/** Resource types of a plan that are neither priced by a model nor free. */
function uncovered(plan: PlanFile): string[] {
  return plan.resources
    .filter(
      (r) => !Object.prototype.hasOwnProperty.call(MODELS, r.type) && freeReason(r) === undefined,
    )
    .map((r) => r.type);
}

function withResource(
  plan: PlanFile,
  type: string,
  props: Record<string, string>,
  remote = false,
): PlanFile {
  const f = new FixturePlan(plan.stack, plan.preset);
  const r = remote ? f.remote(type, "extra", props) : f.add(type, "extra", props);
  const copy = structuredClone(plan);
  copy.resources.push(r);
  return copy;
}

describe("cost coverage", () => {
  for (const [preset, make] of Object.entries(FIXTURES)) {
    it(`prices every resource of the ${preset} fixture or lists its type as free`, () => {
      const plan = make();
      expect(uncovered(plan)).to.deep.equal([]);
      expect(estimateCost(plan).unpriced).to.deep.equal([]);
    });
  }

  it("prices every resource of every example stack (Pulumi.<stack>.yaml) through the real program", async function () {
    this.timeout(600_000);
    const stacks = fs
      .readdirSync(ROOT)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    expect(stacks, "example stacks").to.include("dev");
    for (const stack of stacks) {
      const plan = await planStack(stack);
      expect(plan.resources.length, stack).to.be.greaterThan(0);
      expect(uncovered(plan), stack).to.deep.equal([]);
      expect(estimateCost(plan).unpriced, stack).to.deep.equal([]);
    }
  });

  it("reports a resource type that has no model and is not on the free list", () => {
    const plan = withResource(expressPlan(), "aws:lambda/function:Function", {
      runtime: "nodejs20.x",
    });
    expect(estimateCost(plan).unpriced).to.deep.equal([
      "aws:lambda/function:Function extra: no cost model and not on the free list",
    ]);
  });

  it("does not take a remote component (awsx) for a free plain component", () => {
    const plan = withResource(expressPlan(), "awsx:lb:ApplicationLoadBalancer", {}, true);
    expect(estimateCost(plan).unpriced).to.deep.equal([
      "awsx:lb:ApplicationLoadBalancer extra: no cost model and not on the free list",
    ]);
  });

  it("reports an instance type missing from the price table instead of pricing it at zero", () => {
    const plan = withProps(expressPlan(), "dev-web", (p) => {
      p.instanceType = "m7g.large";
    });
    const cost = estimateCost(plan);
    expect(cost.unpriced).to.deep.equal([
      "aws:ec2/instance:Instance dev-web: EC2 instance type m7g.large is not in the price table",
    ]);
    expect(cost.lines.some((l) => l.item.startsWith("EC2"))).to.equal(false);
  });

  it("reports values unknown at plan time", () => {
    const plan = withProps(expressPlan(), "dev-web", (p) => {
      p.instanceType = "<computed>";
    });
    expect(estimateCost(plan).unpriced).to.deep.equal([
      "aws:ec2/instance:Instance dev-web: instance type not known at plan time",
    ]);
  });

  it("reports storage types and options the table has no price for", () => {
    const gp2 = withProps(standardPlan(), "standard-documents", (p) => {
      p.type = "gp2";
    });
    expect(estimateCost(gp2).unpriced).to.deep.equal([
      "aws:ebs/volume:Volume standard-documents: volume: type gp2 has no price in the table (gp3 only)",
    ]);
    const rdsDefault = withProps(standardPlan(), "standard-db", (p) => {
      delete p.storageType;
    });
    expect(estimateCost(rdsDefault).unpriced).to.deep.equal([
      "aws:rds/instance:Instance standard-db: RDS storage type not set (AWS default gp2) has no price in the table (gp3 only)",
    ]);
    const spot = withProps(fargatePlan(), "prod-openemr", (p) => {
      delete p.launchType;
      p.capacityProviderStrategies = [{ capacityProvider: "FARGATE_SPOT", weight: 1 }];
    });
    expect(estimateCost(spot).unpriced).to.deep.equal([
      "aws:ecs/service:Service prod-openemr: capacity providers FARGATE_SPOT: only FARGATE is priced",
    ]);
    const enhanced = withProps(fargatePlan(), "prod-cluster", (p) => {
      p.settings = [{ name: "containerInsights", value: "enhanced" }];
    });
    expect(estimateCost(enhanced).unpriced).to.deep.equal([
      "aws:ecs/cluster:Cluster prod-cluster: Container Insights with enhanced observability is billed per observation; the table has no figure for it",
    ]);
    const longInsights = withProps(fargatePlan(), "prod-db-writer", (p) => {
      p.performanceInsightsRetentionPeriod = 465;
    });
    expect(estimateCost(longInsights).unpriced).to.have.length(1);
  });

  it("reports a snapshot policy whose target tags match nothing in the plan", () => {
    const plan = withProps(expressPlan(), "dev-snapshots", (p) => {
      p.policyDetails = {
        resourceTypes: ["VOLUME"],
        targetTags: { "openemr:snapshots": "nobody" },
        schedules: [],
      };
    });
    expect(estimateCost(plan).unpriced).to.deep.equal([
      'aws:dlm/lifecyclePolicy:LifecyclePolicy dev-snapshots: DLM policy targets {"openemr:snapshots":"nobody"}, which no volume or instance in the plan carries',
    ]);
  });

  it("reports a region the price table does not cover", () => {
    const plan = { ...expressPlan(), region: "eu-west-1" };
    expect(estimateCost(plan).unpriced).to.deep.equal([
      "region eu-west-1: the price table covers us-east-1 only",
    ]);
  });

  it("keeps the free list and the models apart", () => {
    const both = Object.keys(FREE_TYPES).filter((t) =>
      Object.prototype.hasOwnProperty.call(MODELS, t),
    );
    expect(both).to.deep.equal([]);
  });

  it("names only resource types that exist in the installed provider SDKs", () => {
    const tokens = [...Object.keys(FREE_TYPES), ...Object.keys(MODELS)];
    expect(tokens.filter((t) => !tokenExists(t))).to.deep.equal([]);
    expect(tokenExists("aws:ec2/instance:Instancee")).to.equal(false);
  });
});
