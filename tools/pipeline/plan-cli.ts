// npm run plan -- --stack <name> [--set key=value ...] [--json <file>]
// Exit 0: no mandatory policy violation; 1: a mandatory violation; 2: bad arguments or config, or a
// name, identifier or description AWS would refuse (tools/aws-rules); 3: a generated secret would
// have reached the plan in clear text (a bug; nothing is written).
import * as fs from "fs";
import { ConfigError } from "../../config";
import { AwsRuleError } from "../aws-rules/check";
import { SecretLeakError, type StackPlan, planStack } from "./plan-stack";
import { StackFileError } from "../plan/stack";

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

const USAGE = "usage: npm run plan -- --stack <name> [--set key=value ...] [--json <file>]";

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    const argv = process.argv.slice(2);
    if (argv.includes("--help") || argv.includes("-h")) {
      console.log(USAGE);
      return 0;
    }
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`plan: ${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  let result: StackPlan;
  try {
    result = await planStack(args.stack, args.sets);
  } catch (err) {
    if (err instanceof StackFileError) {
      console.error(`plan: ${err.message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      console.error(`plan: stack ${args.stack}: ${err.message}`);
      return 2;
    }
    if (err instanceof AwsRuleError) {
      console.error(`plan: ${err.message}`);
      return 2;
    }
    if (err instanceof SecretLeakError) {
      console.error(`plan: ${err.message}`);
      return 3;
    }
    throw err;
  }
  if (args.json) fs.writeFileSync(args.json, result.json + "\n");
  console.log(result.summary);
  return result.plan.policy && !result.plan.policy.passed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`plan: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
