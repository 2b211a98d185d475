import { expect } from "chai";
import { T as PACK_TOKENS } from "../policy/policies/common";
import { T } from "../tools/plan/tokens";
import { runPlanCli } from "./helpers/plan";

describe("npm run plan", () => {
  it("writes the plan file of docs/architecture.md and exits 0 for the dev stack", async () => {
    const run = await runPlanCli(["--stack", "dev"]);
    expect(run.code, run.stderr).to.equal(0);
    const plan = run.plan!;
    expect(Object.keys(plan).slice(0, 6)).to.deep.equal([
      "project",
      "stack",
      "preset",
      "region",
      "resources",
      "outputs",
    ]);
    expect(plan).to.include({
      project: "openemr-aws",
      stack: "dev",
      preset: "express",
      region: "us-east-1",
    });
    const instance = plan.resources.find((r) => r.type === "aws:ec2/instance:Instance")!;
    expect(Object.keys(instance).sort()).to.deep.equal([
      "custom",
      "name",
      "opts",
      "parent",
      "propertyDependencies",
      "props",
      "type",
      "urn",
    ]);
    expect(instance.urn).to.match(
      /^urn:pulumi:dev::openemr-aws::.*aws:ec2\/instance:Instance::openemr-dev-web$/,
    );
    expect(Object.keys(instance.opts).sort()).to.deep.equal([
      "dependsOn",
      "ignoreChanges",
      "protect",
      "retainOnDelete",
    ]);
    expect(instance.propertyDependencies.iamInstanceProfile).to.have.length(1);
    expect(run.stdout).to.contain("Resources by component:");
    expect(run.stdout).to.contain("Counts by type:");
    expect(run.stdout).to.contain("url: https://");
  });

  it("records explicit dependsOn separately from property dependencies", async () => {
    const plan = (await runPlanCli(["--stack", "dev"])).plan!;
    const web = plan.resources.find((r) => r.type === "openemr:compute:WebInstance")!;
    // the three log groups the host ships to (containers, database, system)
    expect(web.opts.dependsOn.length).to.equal(3);
  });

  it("applies --set overrides on top of the stack file", async () => {
    const run = await runPlanCli([
      "--stack",
      "dev",
      "--set",
      'openemr:express={"instanceType":"t4g.medium"}',
    ]);
    expect(run.code, run.stderr).to.equal(0);
    const instance = run.plan!.resources.find((r) => r.type === "aws:ec2/instance:Instance")!;
    expect(instance.props.instanceType).to.equal("t4g.medium");
  });

  it("exits 2 with the config problem and no stack trace on bad config", async () => {
    const run = await runPlanCli(["--stack", "dev", "--set", "preset=expresss"]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain(
      'openemr:preset: got "expresss"; allowed: express, express-plus, standard, fargate',
    );
    expect(run.stderr).to.not.match(/\n\s+at /);
    expect(run.plan).to.equal(undefined);
  });

  it("exits 2 for an unknown stack and lists the stacks there are", async () => {
    const run = await runPlanCli(["--stack", "nope"]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/no stack file Pulumi\.nope\.yaml; stacks here: .*dev/);
  });

  it("exits 2 on a malformed --set", async () => {
    const run = await runPlanCli(["--stack", "dev", "--set", "novalue"]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain("--set novalue: expected key=value");
  });

  it("plans several stacks in one test run without cross-talk", async () => {
    const [dev, staging] = await Promise.all([
      runPlanCli(["--stack", "dev"]),
      runPlanCli(["--stack", "staging"]),
    ]);
    expect(dev.plan!.preset).to.equal("express");
    expect(staging.plan!.preset).to.equal("standard");
    expect(dev.plan!.resources.some((r) => r.urn.includes("openemr-staging"))).to.equal(false);
  });
});

describe("plan model: type tokens", () => {
  it("the policy pack spells every type token as tools/plan/tokens.ts does", () => {
    const tools: Readonly<Record<string, string>> = T;
    for (const [key, token] of Object.entries(PACK_TOKENS)) {
      expect(tools[key], `T.${key}`).to.equal(token);
    }
  });
});
