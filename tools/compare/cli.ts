// npm run compare [-- --write-readme] [--readme <path>]: the preset comparison; the arguments and
// exit codes are in COMPARE_CLI (also the usage text).
import * as path from "path";
import { argsOrExitCode, defineCli } from "../runtime/cli-args";
import { writeReadmeSection } from "./readme";
import { planSource } from "./source";
import { buildComparison, renderComparison, unpricedItems } from "./table";

export const COMPARE_CLI = defineCli({
  tool: "compare",
  summary: `Prints the presets side by side: one Markdown table (cost, controls, capacity) and its
notes, from each preset's plan.`,
  flags: {
    "write-readme": {
      help: `also rewrite the README's section between <!-- compare:start --> and
<!-- compare:end --> (a minimal README.md is created when there is none)`,
    },
    readme: { value: "path", help: "the README --write-readme rewrites (default: README.md)" },
  },
  notes: `Exit codes: 0 the table is complete; 1 a plan has something the estimator could not price
(listed on stderr; the README is then left alone); 2 bad arguments.`,
});

async function main(argv: string[]): Promise<number> {
  const parsed = argsOrExitCode(COMPARE_CLI, argv);
  if (typeof parsed === "number") return parsed;
  const args = {
    writeReadme: parsed.flags["write-readme"],
    readme: path.resolve(parsed.flags.readme ?? path.join(__dirname, "../../README.md")),
  };
  const comparison = await buildComparison(planSource);
  const markdown = renderComparison(comparison);
  process.stdout.write(markdown);
  const unpriced = unpricedItems(comparison);
  if (unpriced.length > 0) {
    process.stderr.write(
      `\nNot priced (${unpriced.length}); fix these before trusting the totals:\n`,
    );
    for (const u of unpriced) process.stderr.write(`  ${u}\n`);
    return 1;
  }
  if (args.writeReadme) {
    const result = writeReadmeSection(args.readme, markdown);
    process.stderr.write(`README ${result}: ${args.readme}\n`);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`compare failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
