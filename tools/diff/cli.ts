// npm run diff -- <base-plan.json> <head-plan.json> [--markdown]: the arguments and exit codes
// (also in docs/ci.md) are in DIFF_CLI, which prints them as the usage text.

import { readFileSync } from "node:fs";
import { PlanFileError, parsePlanFile } from "../plan/read";
import { defineCli, readArgs, usageText } from "../runtime/cli-args";
import { diffPlans, needsAttention } from "./diff";
import { formatMarkdown, formatText } from "./format";

export const DIFF_CLI = defineCli({
  tool: "diff",
  summary: `Compares two plan files written by \`npm run plan -- --stack <name> --json <file>\`: resources
added, removed, changed and replaced (replacements followed through the resources that take a
replaced resource's ID or name), what each delete or replacement loses, changes \`pulumi up\`
cannot carry out, policy verdict and monthly cost before and after.`,
  positionals: [
    { name: "base-plan.json", help: "the plan before the change (the base branch)" },
    { name: "head-plan.json", help: "the plan after it" },
  ],
  flags: {
    markdown: { help: "print Markdown (for a pull-request comment) instead of text" },
  },
  notes: `Exit codes:
  0  nothing needs a person's decision (changes, warnings and retained removals may be listed)
  1  data loss (a stateful resource would be destroyed or replaced), or a change that cannot
     work as planned (CANNOT APPLY: an architecture change under ignoreChanges, a database
     downgrade, a parameter group of another family...)
  2  bad arguments, or a plan file that cannot be read or is not a plan file`,
});

export const USAGE = usageText(DIFF_CLI);

export interface RunResult {
  code: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

export type ReadFile = (path: string) => string;

const readUtf8: ReadFile = (path) => readFileSync(path, "utf8");

export function run(argv: string[], read: ReadFile = readUtf8): RunResult {
  const parsed = readArgs(DIFF_CLI, argv);
  if ("exit" in parsed) return parsed.exit;
  const [basePath, headPath] = parsed.args.positionals;
  const { markdown } = parsed.args.flags;

  const load = (path: string) => {
    let content: string;
    try {
      content = read(path);
    } catch (e) {
      throw new PlanFileError(
        `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
    return parsePlanFile(content, path);
  };
  try {
    const diff = diffPlans(load(basePath), load(headPath));
    return {
      code: needsAttention(diff) ? 1 : 0,
      stdout: markdown ? formatMarkdown(diff) : formatText(diff),
      stderr: "",
    };
  } catch (e) {
    if (e instanceof PlanFileError) return { code: 2, stdout: "", stderr: `error: ${e.message}\n` };
    throw e;
  }
}

if (require.main === module) {
  const result = run(process.argv.slice(2));
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.code;
}
