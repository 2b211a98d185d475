// npm run config-docs [-- --write]: prints the configuration reference rendered from the settings
// schemas, or writes it into README.md and Pulumi.yaml. Exit 0; 2 on an unknown flag.
import * as fs from "fs";
import * as path from "path";
import { renderReadmeReference, withReadmeReference, withTemplateConfig } from "./render";

const ROOT = path.resolve(__dirname, "../..");
const USAGE = "usage: npm run config-docs [-- --write]";

function main(argv: string[]): number {
  const unknown = argv.filter((a) => a !== "--write" && a !== "--help" && a !== "-h");
  if (unknown.length > 0) {
    console.error(`config-docs: unknown argument ${unknown[0]}\n${USAGE}`);
    return 2;
  }
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  if (!argv.includes("--write")) {
    console.log(renderReadmeReference());
    return 0;
  }
  for (const [file, update] of [
    ["README.md", withReadmeReference],
    ["Pulumi.yaml", withTemplateConfig],
  ] as const) {
    const full = path.join(ROOT, file);
    fs.writeFileSync(full, update(fs.readFileSync(full, "utf8")));
    console.log(`updated ${file}`);
  }
  return 0;
}

process.exit(main(process.argv.slice(2)));
