import { expect } from "chai";
import * as path from "path";
import { runProgram } from "../tools/plan/run";

describe("plan engine", () => {
  it("fails the plan, rather than waiting forever, when the program throws inside an apply", async () => {
    const started = Date.now();
    let error: unknown;
    try {
      await runProgram({
        project: "openemr-aws",
        stack: "dev",
        region: "us-east-1",
        preset: "express",
        config: {},
        programPath: path.join(__dirname, "fixtures/apply-throws-program.ts"),
      });
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.contain("too big for AWS");
    expect(Date.now() - started).to.be.below(20_000);
  });

  it("leaves nothing of a failed program to fail the next plan in the same process", async () => {
    await runProgram({
      project: "openemr-aws",
      stack: "dev",
      region: "us-east-1",
      preset: "express",
      config: {},
      programPath: path.join(__dirname, "fixtures/apply-throws-program.ts"),
    }).catch(() => undefined);
    const next = await runProgram({
      project: "openemr-aws",
      stack: "dev",
      region: "us-east-1",
      preset: "express",
      config: { "openemr:preset": "express", "aws:region": "us-east-1" },
    });
    expect(next.plan.resources.some((r) => r.type === "aws:ec2/instance:Instance")).to.equal(true);
  });

  it("refuses a stack without aws:region, naming the key and how to set it", async () => {
    let error: unknown;
    await runProgram({
      project: "openemr-aws",
      stack: "dev",
      region: "us-east-1",
      preset: "express",
      config: { "openemr:preset": "express" },
    }).catch((err: unknown) => (error = err));
    expect(String(error)).to.contain("aws:region: is required; set it with `pulumi config set");
  });
});
