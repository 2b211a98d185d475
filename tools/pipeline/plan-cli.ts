// npm run plan -- --stack <name> [--set key=value ...] [--json <file>] [--diagram [file]]: the
// arguments and exit codes are in PLAN_CLI (also the usage text). Names AWS would refuse:
// tools/aws-rules.
import * as fs from "fs";
import { ConfigError } from "../../config";
import { AwsRuleError } from "../aws-rules/check";
import { renderDiagram } from "../diagram/render";
import { SecretLeakError, type StackPlan, planStack } from "./plan-stack";
import { StackFileError } from "../plan/stack";
import { argsOrExitCode, defineCli, usageText } from "../runtime/cli-args";

export const PLAN_CLI = defineCli({
  tool: "plan",
  summary: `Runs the program of a stack offline (in-process, against Pulumi's mock engine) and
prints its resources by component, counts by type, stack outputs, policy verdict and monthly cost.`,
  flags: {
    stack: { value: "name", required: true, help: "the stack file Pulumi.<name>.yaml" },
    set: {
      value: "key=value",
      repeatable: true,
      help: "override a config key of the stack file; a key without a namespace is openemr:'s",
    },
    json: { value: "file", help: "also write the plan file (docs/architecture.md)" },
    diagram: {
      value: "file",
      optionalValue: true,
      help: "the stack's architecture diagram (Mermaid): written to the file, or printed instead of the summary when no file (or -) is given",
    },
  },
  notes: `Exit codes: 0 no mandatory policy violation; 1 a mandatory violation; 2 bad arguments or
config, or a name, identifier or description AWS would refuse; 3 a generated secret would have
reached the plan in clear text (a bug; nothing is written).`,
});

const USAGE = usageText(PLAN_CLI).trimEnd();

async function main(argv: string[]): Promise<number> {
  const parsed = argsOrExitCode(PLAN_CLI, argv);
  if (typeof parsed === "number") return parsed;
  const args = parsed.flags;
  let result: StackPlan;
  try {
    result = await planStack(args.stack, args.set);
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
  if (args.diagram === true || args.diagram === "-") {
    process.stdout.write(renderDiagram(result.plan));
  } else {
    if (args.diagram) fs.writeFileSync(args.diagram, renderDiagram(result.plan));
    console.log(result.summary);
  }
  return result.plan.policy && !result.plan.policy.passed ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`plan: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(2);
    },
  );
}
