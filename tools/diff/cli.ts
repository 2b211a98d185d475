// npm run diff -- <base-plan.json> <head-plan.json> [--markdown]
//
// Exit codes (also in docs/ci.md):
//   0  no data-losing change (other changes may be present)
//   1  a stateful resource (database, volume, file system, bucket, key, vault, secret, log group)
//      would be destroyed or replaced: its data would be lost
//   2  bad arguments, or a plan file that cannot be read or is not a plan file

import { readFileSync } from "node:fs";
import { PlanFileError, parsePlanFile } from "../plan/read";
import { diffPlans, losesData } from "./diff";
import { formatMarkdown, formatText } from "./format";

export const USAGE = `usage: npm run diff -- <base-plan.json> <head-plan.json> [--markdown]

Compares two plan files written by \`npm run plan -- --stack <name> --json <file>\`: resources
added, removed, changed and replaced, policy verdict and monthly cost before and after.

  --markdown   print Markdown (for a pull-request comment) instead of text

Exit codes: 0 no data-losing change; 1 a stateful resource would be destroyed or replaced
(data loss); 2 bad arguments or an unreadable plan file.
`;

export interface RunResult {
  code: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

export type ReadFile = (path: string) => string;

const readUtf8: ReadFile = (path) => readFileSync(path, "utf8");

export function run(argv: string[], read: ReadFile = readUtf8): RunResult {
  const files: string[] = [];
  let markdown = false;
  for (const arg of argv) {
    if (arg === "--help" || arg === "-h") return { code: 0, stdout: USAGE, stderr: "" };
    if (arg === "--markdown") markdown = true;
    else if (arg.startsWith("-")) {
      return { code: 2, stdout: "", stderr: `error: unknown option ${arg}\n\n${USAGE}` };
    } else files.push(arg);
  }
  const [basePath, headPath] = files;
  if (files.length !== 2 || basePath === undefined || headPath === undefined) {
    return {
      code: 2,
      stdout: "",
      stderr: `error: expected two plan files, got ${files.length}\n\n${USAGE}`,
    };
  }

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
      code: diff.dataLoss.some(losesData) ? 1 : 0,
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
