// Every command of package.json parses its arguments with tools/runtime/cli-args.ts: --help prints
// the usage its table renders (exit 0), --flag=value works like --flag value, and an unknown flag
// exits 2 with "<tool>: unknown argument ..." and the usage. The parser's own cases:
// tests/cli-args.test.ts.
import { expect } from "chai";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BENCH_CLI } from "../tools/bench/cli";
import { COMPARE_CLI } from "../tools/compare/cli";
import { COMPLIANCE_DOCS_CLI } from "../tools/compliance/cli";
import { CONFIG_DOCS_CLI } from "../tools/config-docs/cli";
import { DIFF_CLI } from "../tools/diff/cli";
import { MONITORING_DOCS_CLI } from "../tools/monitoring-docs/cli";
import { PLAN_CLI } from "../tools/pipeline/plan-cli";
import { POLICY_CLI } from "../tools/policy/cli";
import { RESTORE_DRILL_CLI } from "../tools/restore-drill/cli";
import { type CliSpec, usageFailure, usageText } from "../tools/runtime/cli-args";
import type { PlanFile } from "../tools/plan/types";
import { ROOT } from "./helpers/plan";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
};
/** The project's own commands (not the test, lint and format chains). */
const COMMANDS = Object.keys(pkg.scripts).filter(
  (s) => !["test", "typecheck", "lint", "format"].includes(s),
);

/** Runs a command as its package.json script does (`node -r ... <file>`), without npm around it. */
function runScript(script: string, args: string[]): Promise<Run> {
  const [node, ...nodeArgs] = pkg.scripts[script].split(" ");
  expect(node, pkg.scripts[script]).to.equal("node");
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...nodeArgs, ...args],
      { cwd: ROOT, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The jobs' results in order, at most `width` running at a time (each starts a Node process). */
async function inTurn<T>(jobs: (() => Promise<T>)[], width = 4): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

/** Each command's argument table, by its package.json script. */
const SPECS: Record<string, CliSpec> = {
  plan: PLAN_CLI,
  policy: POLICY_CLI,
  diff: DIFF_CLI,
  compare: COMPARE_CLI,
  bench: BENCH_CLI,
  "restore-drill": RESTORE_DRILL_CLI,
  "config-docs": CONFIG_DOCS_CLI,
  "monitoring-docs": MONITORING_DOCS_CLI,
  "compliance-docs": COMPLIANCE_DOCS_CLI,
};

describe("commands", () => {
  it("are the ones the architecture document lists", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs/architecture.md"), "utf8");
    for (const command of COMMANDS) expect(doc, command).to.contain(`npm run ${command}`);
  });

  it("each declare their arguments in one table named after their script", () => {
    expect(Object.keys(SPECS).sort()).to.deep.equal([...COMMANDS].sort());
    for (const [script, spec] of Object.entries(SPECS)) {
      expect(spec.tool, script).to.equal(script);
      expect(usageText(spec), script).to.match(new RegExp(`^Usage: npm run ${script}\\b`));
    }
  });

  it("each answer --help with their usage and exit 0, and refuse an unknown flag with exit 2", async function () {
    this.timeout(180_000);
    const cases = COMMANDS.flatMap((command) => [
      { command, args: ["--help"], code: 0, stdout: usageText(SPECS[command]), stderr: "" },
      {
        command,
        args: ["--no-such-flag"],
        code: 2,
        stdout: "",
        stderr: usageFailure(SPECS[command], "unknown argument --no-such-flag"),
      },
    ]);
    const runs = await inTurn(cases.map((c) => () => runScript(c.command, c.args)));
    cases.forEach(({ command, args, ...expected }, i) => {
      expect(runs[i], `npm run ${command} -- ${args.join(" ")}`).to.deep.equal(expected);
    });
  });
});

describe(".ci/run (the README's way to install the prerequisites and test)", () => {
  const ciRun = (args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        "bash",
        [path.join(ROOT, ".ci/run"), ...args],
        { cwd: ROOT },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  it("answers --help with what it installs and runs, before doing anything", async () => {
    const run = await ciRun(["--help"]);
    expect(run.code).to.equal(0);
    expect(run.stdout).to.match(/^usage: bash \.ci\/run\n/);
    for (const step of ["apt-get", "botocore", "npm ci", "npm test"])
      expect(run.stdout).to.contain(step);
  });

  it("refuses an argument with exit 2 and the usage", async () => {
    const run = await ciRun(["--stack", "dev"]);
    expect(run.code).to.equal(2);
    expect(run.stdout).to.equal("");
    expect(run.stderr).to.match(/^\.ci\/run: unknown argument --stack\nusage: bash \.ci\/run\n/);
  });
});

describe("commands take --flag=value as --flag value", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-args-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("plan: --stack=, --set= and --json= (one plan written as given)", async function () {
    this.timeout(120_000);
    const json = path.join(dir, "plan.json");
    const run = await runScript("plan", [
      "--stack=dev",
      '--set=openemr:express={"instanceType":"t4g.medium"}',
      `--json=${json}`,
    ]);
    expect(run.code, run.stderr).to.equal(0);
    const plan = JSON.parse(fs.readFileSync(json, "utf8")) as PlanFile;
    expect(plan.stack).to.equal("dev");
    const instance = plan.resources.find((r) => r.type === "aws:ec2/instance:Instance");
    expect(instance?.props.instanceType).to.equal("t4g.medium");

    const policy = await runScript("policy", [`--plan=${json}`, '--config={"all":"loud"}']);
    expect(policy.code).to.equal(2);
    expect(policy.stderr).to.contain('"loud" is not a valid enforcement level');
  });

  it("plan, policy, compare and bench name the value they were given after =", async function () {
    this.timeout(120_000);
    const [plan, policy, compare, bench] = await Promise.all([
      runScript("plan", ["--stack=nope"]),
      runScript("policy", ["--plan=/nonexistent/plan.json"]),
      // compare's --readme= is taken whole: the next argument is what it refuses
      runScript("compare", [`--readme=${path.join(dir, "README.md")}`, "--no-such-flag"]),
      runScript("bench", ["--runs=0"]),
    ]);
    expect(plan.code).to.equal(2);
    expect(plan.stderr).to.match(/^plan: no stack file Pulumi\.nope\.yaml; stacks here: .*dev/);
    expect(policy.code).to.equal(2);
    expect(policy.stderr).to.contain('cannot read plan file "/nonexistent/plan.json": ENOENT');
    expect(compare).to.deep.equal({
      code: 2,
      stdout: "",
      stderr: usageFailure(COMPARE_CLI, "unknown argument --no-such-flag"),
    });
    expect(bench).to.deep.equal({
      code: 2,
      stdout: "",
      stderr: usageFailure(BENCH_CLI, "--runs needs a whole number of at least 1, got 0"),
    });
  });

  it("plan without --stack says it is required", async function () {
    this.timeout(60_000);
    expect(await runScript("plan", [])).to.deep.equal({
      code: 2,
      stdout: "",
      stderr: usageFailure(PLAN_CLI, "--stack <name> is required"),
    });
  });
});
