// Plans for the tests. `planStack` plans in this process through the same function `npm run plan`
// uses (cached per argument set); `runPlanCli` runs the command itself in a child process, for the
// tests of its exit codes, output and files.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planStack as planStackInProcess } from "../../tools/pipeline/plan-stack";
import type { PlanFile } from "../../tools/plan/types";

export const ROOT = path.resolve(__dirname, "../..");

/** Node's `-r` module that runs the repository's TypeScript (what the npm scripts use). */
export const TS_REGISTER = path.join(ROOT, "tools/runtime/register.js");

export interface PlanRun {
  code: number;
  stdout: string;
  stderr: string;
  plan?: PlanFile;
}

const cliRuns = new Map<string, Promise<PlanRun>>();

/** Runs `npm run plan` (tools/pipeline/plan-cli.ts) with the given arguments and reads its plan file. */
export function runPlanCli(args: string[]): Promise<PlanRun> {
  const key = JSON.stringify(args);
  let run = cliRuns.get(key);
  if (!run) {
    run = new Promise<PlanRun>((resolve) => {
      const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "plan.json");
      execFile(
        process.execPath,
        ["-r", TS_REGISTER, path.join(ROOT, "tools/pipeline/plan-cli.ts"), ...args, "--json", json],
        { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? ((err as { code?: number }).code ?? 1) : 0;
          const plan = fs.existsSync(json)
            ? (JSON.parse(fs.readFileSync(json, "utf8")) as PlanFile)
            : undefined;
          resolve({ code: typeof code === "number" ? code : 1, stdout, stderr, plan });
        },
      );
    });
    cliRuns.set(key, run);
  }
  return run;
}

const plans = new Map<string, Promise<PlanFile>>();

/**
 * The plan of a stack file with `key=value` overrides, as `npm run plan` makes it (policy verdict
 * and cost included). Cached: treat the result as read-only.
 */
export function planStack(stack: string, sets: Record<string, string> = {}): Promise<PlanFile> {
  const args = Object.entries(sets).map(([k, v]) => `${k}=${v}`);
  const key = JSON.stringify([stack, args]);
  let plan = plans.get(key);
  if (!plan) {
    plan = planStackInProcess(stack, args).then((r) => r.plan);
    plans.set(key, plan);
  }
  return plan;
}

/**
 * Express Plus as the tests plan it: the dev stack, protected as a clinic would run it, with a
 * data-volume override (no example stack uses the preset since staging runs standard).
 */
export const EXPRESS_PLUS: Record<string, string> = {
  "openemr:preset": "express-plus",
  "openemr:protectData": "true",
  "openemr:express-plus": JSON.stringify({ dataVolumeGb: 20 }),
};
