// npm run compare [-- --write-readme] [--readme <path>]
//
// Prints the preset comparison (one Markdown table and its notes). With --write-readme, rewrites
// the README section between <!-- compare:start --> and <!-- compare:end --> (creating a minimal
// README.md when the repository has none). Exit 1 when any plan has something the estimator could
// not price (listed on stderr; the README is then left alone), 2 on bad arguments.
import * as path from "path";
import { writeReadmeSection } from "./readme";
import { planSource } from "./source";
import { buildComparison, renderComparison, unpricedItems } from "./table";

interface Args {
  writeReadme: boolean;
  readme: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { writeReadme: false, readme: path.resolve(__dirname, "../../README.md") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--write-readme") args.writeReadme = true;
    else if (a === "--readme" && i + 1 < argv.length) args.readme = path.resolve(argv[++i]);
    else
      throw new Error(
        `unknown argument ${a}; usage: npm run compare -- [--write-readme] [--readme <path>]`,
      );
  }
  return args;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    const argv = process.argv.slice(2);
    if (argv.includes("--help") || argv.includes("-h")) {
      console.log("usage: npm run compare -- [--write-readme] [--readme <path>]");
      return 0;
    }
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
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

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`compare failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
