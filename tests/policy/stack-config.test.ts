// The offline verdict is CI's: without a config, runPolicyPack applies the file the workflows pass
// for the stack (policy/config.<stack>.json, else policy/config.json), and the plan's policy block
// names it. Throwaway dev stacks with a database pass with policy/config.dev.json, whose relaxation
// of rds-deletion-protection is reported with its justification.
import { expect } from "chai";
import { planStack } from "../../tools/pipeline/plan-stack";
import type { PlanFile } from "../../tools/plan/types";
import {
  readPackConfig,
  runPolicyPack,
  stackConfigFile,
  type StackPolicyBlock,
} from "../../tools/policy/run";
import { ROOT } from "../helpers/plan";

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000";

const plans = new Map<string, Promise<PlanFile>>();
function plan(stack: string, sets: string[], stackName = stack): Promise<PlanFile> {
  const key = JSON.stringify([stack, sets, stackName]);
  let p = plans.get(key);
  if (!p) {
    p = planStack(stack, sets, ROOT, stackName).then((r) => r.plan);
    plans.set(key, p);
  }
  return p;
}

const mandatory = (b: { violations: { level: string; policy: string }[] }) =>
  b.violations.filter((v) => v.level === "mandatory").map((v) => v.policy);

describe("the pack config of a stack, as the workflows pass it", function () {
  this.timeout(120_000);

  it("is policy/config.<stack>.json, else policy/config.json, else none", () => {
    expect(stackConfigFile("dev")).to.equal("policy/config.dev.json");
    expect(stackConfigFile("staging")).to.equal("policy/config.staging.json");
    expect(stackConfigFile("prod")).to.equal("policy/config.prod.json");
    expect(stackConfigFile("qa")).to.equal(undefined);
  });

  for (const preset of ["standard", "fargate"]) {
    it(`passes the dev stack with ${preset} (protectData false), naming the config and the relaxed checks`, async () => {
      const sets = [
        `openemr:preset=${preset}`,
        ...(preset === "fargate" ? [`openemr:certificateArn=${CERT}`] : []),
      ];
      const p = await plan("dev", sets);
      const block = p.policy as StackPolicyBlock;
      expect(block.config).to.equal("policy/config.dev.json");
      expect(block.passed).to.equal(true);
      const relaxed = block.violations.filter((v) =>
        v.message.startsWith("[relaxed by the pack config of rds-deletion-protection]"),
      );
      expect(relaxed.map((v) => v.level)).to.deep.equal(["advisory", "advisory"]);
      expect(relaxed[0].message).to.contain("Justification: The dev stack is a throwaway stack");
      // CI's verdict equals the offline one: the same file, run explicitly
      const explicit = await runPolicyPack(
        p,
        readPackConfig("policy/config.dev.json"),
        "policy/config.dev.json",
      );
      expect(explicit).to.deep.equal(block);
    });
  }

  it("without the dev config, fails on rds-deletion-protection with a message naming openemr:protectData", async () => {
    const p = await plan("dev", ["openemr:preset=standard"]);
    const block = await runPolicyPack(p, {});
    expect(block.config).to.equal("<given>");
    expect(mandatory(block)).to.deep.equal(["rds-deletion-protection", "rds-deletion-protection"]);
    for (const v of block.violations.filter((x) => x.level === "mandatory")) {
      expect(v.message).to.contain("openemr:protectData");
    }
  });

  it("fails a stack named staging with preset express, as CI does with policy/config.staging.json", async () => {
    const p = await plan("dev", ["openemr:preset=express"], "staging");
    const block = p.policy as StackPolicyBlock;
    expect(block.config).to.equal("policy/config.staging.json");
    expect(block.passed).to.equal(false);
    expect(new Set(mandatory(block))).to.deep.equal(new Set(["data-store-customer-managed-key"]));
    const defaults = await runPolicyPack(p, {});
    expect(defaults.passed, "with each policy's schema defaults it would pass").to.equal(true);
  });
});
