// npm run plan -- --stack <name> [--set key=value ...] [--json <file>]
// Exit 0: no mandatory policy violation; 1: a mandatory violation; 2: bad arguments or config.
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parseConfig } from "../../config";
import { enrichPlan } from "./enrich";
import { runProgram } from "./run";
import { DEFAULT_REGION, PROJECT, StackFileError, applyOverrides, readStackConfig } from "./stack";
import { renderSummary } from "./summary";

const ROOT = path.resolve(__dirname, "../..");

class UsageError extends Error {}

function parseArgs(argv: string[]): { stack: string; sets: string[]; json?: string } {
  const sets: string[] = [];
  let stack: string | undefined;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--stack") stack = next();
    else if (arg === "--set") sets.push(next());
    else if (arg === "--json") json = next();
    else throw new UsageError(`unknown argument ${arg}`);
  }
  if (!stack) throw new UsageError("--stack <name> is required");
  return { stack, sets, json };
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  let config: Record<string, string>;
  try {
    args = parseArgs(process.argv.slice(2));
    config = applyOverrides(readStackConfig(args.stack, ROOT), args.sets);
  } catch (err) {
    if (err instanceof UsageError || err instanceof StackFileError) {
      console.error(
        `plan: ${err.message}\nusage: npm run plan -- --stack <name> [--set key=value ...] [--json <file>]`,
      );
      return 2;
    }
    throw err;
  }
  let preset: string;
  try {
    preset = parseConfig(config).preset;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`plan: stack ${args.stack}: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const region = config["aws:region"] ?? DEFAULT_REGION;
  const run = await runProgram({ project: PROJECT, stack: args.stack, region, preset, config });
  const plan = await enrichPlan(run.plan);

  const text = JSON.stringify(plan, null, 2);
  const summary = renderSummary(plan);
  const leaked = run.secretsProduced.filter((s) => text.includes(s) || summary.includes(s));
  if (leaked.length > 0) {
    console.error(
      `plan: BUG: ${leaked.length} generated secret(s) would appear in clear text; nothing written`,
    );
    return 3;
  }
  if (args.json) fs.writeFileSync(args.json, text + "\n");
  console.log(summary);
  return plan.policy && !plan.policy.passed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`plan: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
