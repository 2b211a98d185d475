// `npm run plan` refuses a plan with a name AWS would refuse: exit 2, each violation listed, no
// stack trace and no plan file. A preloaded fixture adds a rule the plan is sure to break.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { ROOT, TS_REGISTER } from "../helpers/plan";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runPlan(args: string[], preload: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const requires = [TS_REGISTER, ...preload].flatMap((r) => ["-r", r]);
    execFile(
      process.execPath,
      [...requires, path.join(ROOT, "tools/pipeline/plan-cli.ts"), ...args],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === "number" ? code : 1, stdout, stderr });
      },
    );
  });
}

describe("AWS name rules: npm run plan", () => {
  it("exits 2 listing the resource, property, value, rule and source, without a trace", async () => {
    const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "aws-rules-")), "plan.json");
    const fixture = path.join(__dirname, "fixtures/strict-rule.ts");
    const run = await runPlan(["--stack", "staging", "--json", json], [fixture]);
    expect(run.code, run.stderr).to.equal(2);
    expect(run.stderr).to.match(
      /^plan: stack staging: \d+ value\(s\) AWS would refuse at `pulumi up`:\n/,
    );
    expect(run.stderr).to.match(
      /\n {2}- openemr-staging-\S+ \(aws:kms\/key:Key\) description = ".{4,}": kms CreateKey Description: at most 3 characters \(this is \d+\) \[test fixture\]/,
    );
    expect(run.stderr).not.to.match(/\n\s+at /);
    expect(run.stdout).to.equal("");
    expect(fs.existsSync(json)).to.equal(false);
  });
});
