import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { FREE_TYPES, estimateCost, freeReason } from "../../tools/cost/estimate";
import { MODELS } from "../../tools/cost/models";
import type { PlanFile } from "../../tools/plan/types";
import {
  addResource,
  copyResource,
  mutate,
  retype,
  setProp,
  unsetProp,
  type Target,
} from "../helpers/mutate";
import { EXPRESS_PLUS, planStack } from "../helpers/plan";

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

/** The plans the program records for the four presets (example stacks, cached per stack). */
const PRESET_PLANS: Readonly<Record<string, () => Promise<PlanFile>>> = {
  "express (dev stack)": () => planStack("dev"),
  "express-plus (dev stack with EXPRESS_PLUS)": () => planStack("dev", EXPRESS_PLUS),
  "standard (staging stack)": () => planStack("staging"),
  "fargate (prod stack)": () => planStack("prod"),
};
const express = PRESET_PLANS["express (dev stack)"];
const standard = PRESET_PLANS["standard (staging stack)"];
const fargate = PRESET_PLANS["fargate (prod stack)"];

const DEV_WEB: Target = ["aws:ec2/instance:Instance", "openemr-dev-web"];

describe("cost coverage", () => {
  for (const [preset, make] of Object.entries(PRESET_PLANS)) {
    it(`prices every resource of the ${preset} plan or lists its type as free`, async () => {
      const plan = await make();
      expect(plan.resources.filter((r) => r.custom)).to.have.length.greaterThan(0);
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

  it("reports a resource type that has no model and is not on the free list", async () => {
    // The program creates no Lambda function: a small hand-written one.
    const plan = mutate(
      await express(),
      addResource({
        type: "aws:lambda/function:Function",
        name: "extra",
        props: { runtime: "nodejs20.x" },
      }),
    );
    expect(estimateCost(plan).unpriced).to.deep.equal([
      "aws:lambda/function:Function extra: no cost model and not on the free list",
    ]);
  });

  it("does not take a remote component (awsx) for a free plain component", async () => {
    // A remote component of a type no model prices, made from a plan's component.
    const NETWORK: Target = ["openemr:network:Network", "openemr-dev-net"];
    const plan = mutate(
      await express(),
      copyResource(NETWORK, "extra"),
      retype(["openemr:network:Network", "extra"], "awsx:lb:ApplicationLoadBalancer", {
        remote: true,
      }),
    );
    expect(estimateCost(plan).unpriced).to.deep.equal([
      "awsx:lb:ApplicationLoadBalancer extra: no cost model and not on the free list",
    ]);
  });

  it("reports an instance type missing from the price table instead of pricing it at zero", async () => {
    const plan = mutate(await express(), setProp(DEV_WEB, "instanceType", "m7g.large"));
    const cost = estimateCost(plan);
    expect(cost.unpriced).to.deep.equal([
      "aws:ec2/instance:Instance openemr-dev-web: EC2 instance type m7g.large is not in the price table",
    ]);
    expect(cost.lines.some((l) => l.item.startsWith("EC2"))).to.equal(false);
  });

  it("reports values unknown at plan time", async () => {
    const plan = mutate(await express(), setProp(DEV_WEB, "instanceType", "<computed>"));
    expect(estimateCost(plan).unpriced).to.deep.equal([
      "aws:ec2/instance:Instance openemr-dev-web: instance type not known at plan time",
    ]);
  });

  it("reports storage types and options the table has no price for", async () => {
    const gp2 = mutate(
      await standard(),
      setProp(["aws:ebs/volume:Volume", "openemr-staging-web-data"], "type", "gp2"),
    );
    expect(estimateCost(gp2).unpriced).to.deep.equal([
      "aws:ebs/volume:Volume openemr-staging-web-data: volume: type gp2 has no price in the table (gp3 only)",
    ]);
    const rdsDefault = mutate(
      await standard(),
      unsetProp(["aws:rds/instance:Instance", "openemr-staging-db"], "storageType"),
    );
    expect(estimateCost(rdsDefault).unpriced).to.deep.equal([
      "aws:rds/instance:Instance openemr-staging-db: RDS storage type not set (AWS default gp2) has no price in the table (gp3 only)",
    ]);
    const SERVICE: Target = ["aws:ecs/service:Service", "openemr-prod-app-service"];
    const spot = mutate(
      await fargate(),
      unsetProp(SERVICE, "launchType"),
      setProp(SERVICE, "capacityProviderStrategies", [
        { capacityProvider: "FARGATE_SPOT", weight: 1 },
      ]),
    );
    expect(estimateCost(spot).unpriced).to.deep.equal([
      "aws:ecs/service:Service openemr-prod-app-service: capacity providers FARGATE_SPOT: only FARGATE is priced",
    ]);
    const enhanced = mutate(
      await fargate(),
      setProp(["aws:ecs/cluster:Cluster", "openemr-prod-app-cluster"], "settings", [
        { name: "containerInsights", value: "enhanced" },
      ]),
    );
    expect(estimateCost(enhanced).unpriced).to.deep.equal([
      "aws:ecs/cluster:Cluster openemr-prod-app-cluster: Container Insights with enhanced observability is billed per observation; the table has no figure for it",
    ]);
    const WRITER: Target = ["aws:rds/clusterInstance:ClusterInstance", "openemr-prod-db-writer"];
    const longInsights = mutate(
      await fargate(),
      setProp(WRITER, "performanceInsightsEnabled", true),
      setProp(WRITER, "performanceInsightsRetentionPeriod", 465),
    );
    expect(estimateCost(longInsights).unpriced).to.deep.equal([
      "aws:rds/clusterInstance:ClusterInstance openemr-prod-db-writer: Performance Insights retention of 465 days (beyond the free 7) is not priced",
    ]);
  });

  it("reports a snapshot policy whose target tags match nothing in the plan", async () => {
    const plan = mutate(
      await express(),
      setProp(
        ["aws:dlm/lifecyclePolicy:LifecyclePolicy", "openemr-dev-snapshots"],
        "policyDetails.targetTags",
        { "openemr:snapshots": "nobody" },
      ),
    );
    expect(estimateCost(plan).unpriced).to.deep.equal([
      'aws:dlm/lifecyclePolicy:LifecyclePolicy openemr-dev-snapshots: DLM policy targets {"openemr:snapshots":"nobody"}, which no volume or instance in the plan carries',
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
