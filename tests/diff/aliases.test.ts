// The plan records URNs as the engine forms them (the parent's whole type chain) and the aliases a
// resource declares, resolved to URNs; the diff pairs a moved resource with its old URN through
// them instead of reporting a replacement.
import { expect } from "chai";
import * as path from "path";
import { diffPlans } from "../../tools/diff/diff";
import { runProgram } from "../../tools/plan/run";
import type { PlanFile } from "../../tools/plan/types";

const PROGRAM = path.join(__dirname, "../fixtures/alias/program.ts");

async function plan(variant: "base" | "moved" | "aliased"): Promise<PlanFile> {
  process.env.ALIAS_VARIANT = variant;
  try {
    const run = await runProgram({
      project: "openemr-aws",
      stack: "dev",
      region: "us-east-1",
      preset: "test",
      config: { "aws:region": "us-east-1" },
      programPath: PROGRAM,
    });
    return run.plan;
  } finally {
    delete process.env.ALIAS_VARIANT;
  }
}

const LOGS = "aws:cloudwatch/logGroup:LogGroup";

describe("aliases in the plan and the diff", () => {
  let base: PlanFile;
  let moved: PlanFile;
  let aliased: PlanFile;
  before(async () => {
    base = await plan("base");
    moved = await plan("moved");
    aliased = await plan("aliased");
  });

  it("qualifies a child's URN with its parent's whole type chain, as the engine does", () => {
    const logs = moved.resources.find((r) => r.type === LOGS)!;
    expect(logs.urn).to.equal(
      "urn:pulumi:dev::openemr-aws::test:index:Old$test:index:New$aws:cloudwatch/logGroup:LogGroup::logs",
    );
    expect(logs.parent).to.equal(moved.resources.find((r) => r.type === "test:index:New")!.urn);
  });

  it("records a declared alias as the URN it stands for", () => {
    const logs = aliased.resources.find((r) => r.type === LOGS)!;
    expect(logs.opts.aliases).to.deep.equal([base.resources.find((r) => r.type === LOGS)!.urn]);
    expect(moved.resources.find((r) => r.type === LOGS)!.opts).to.not.have.property("aliases");
  });

  it("reports a move without an alias as a replacement, and with one as no change", () => {
    const without = diffPlans(base, moved);
    expect(without.replaced.map((r) => r.reason)).to.deep.equal(["urn-changed"]);
    const withAlias = diffPlans(base, aliased);
    expect(withAlias.replaced).to.deep.equal([]);
    expect(withAlias.removed).to.deep.equal([]);
    expect(withAlias.added.map((r) => r.type)).to.deep.equal(["test:index:New"]);
  });
});
