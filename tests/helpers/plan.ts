// Plans stacks through the real `npm run plan` command, each in its own process (the Pulumi runtime
// is process-global), cached per argument set and at most two at a time.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PlanFile } from "../../tools/plan/types";

export const ROOT = path.resolve(__dirname, "../..");

export interface PlanRun {
  code: number;
  stdout: string;
  stderr: string;
  plan?: PlanFile;
}

const cache = new Map<string, Promise<PlanRun>>();
let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Runs `npm run plan` (tools/plan/cli.ts) with the given arguments and reads its plan file. */
export function runPlanCli(args: string[]): Promise<PlanRun> {
  const key = JSON.stringify(args);
  let run = cache.get(key);
  if (!run) {
    run = slot(
      () =>
        new Promise<PlanRun>((resolve) => {
          const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "plan.json");
          execFile(
            process.execPath,
            ["--import", "tsx", path.join(ROOT, "tools/plan/cli.ts"), ...args, "--json", json],
            { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
            (err, stdout, stderr) => {
              const code = err ? ((err as { code?: number }).code ?? 1) : 0;
              const plan = fs.existsSync(json)
                ? (JSON.parse(fs.readFileSync(json, "utf8")) as PlanFile)
                : undefined;
              resolve({ code: typeof code === "number" ? code : 1, stdout, stderr, plan });
            },
          );
        }),
    );
    cache.set(key, run);
  }
  return run;
}

/** The plan of a stack file with `key=value` overrides; throws when the plan fails to run. */
export async function planStack(
  stack: string,
  sets: Record<string, string> = {},
): Promise<PlanFile> {
  const args = [
    "--stack",
    stack,
    ...Object.entries(sets).flatMap(([k, v]) => ["--set", `${k}=${v}`]),
  ];
  const run = await runPlanCli(args);
  if (!run.plan) throw new Error(`plan ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
  return run.plan;
}
