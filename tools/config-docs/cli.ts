// npm run config-docs [-- --write]: prints the configuration reference rendered from the settings
// schemas, or writes it into README.md and Pulumi.yaml (the arguments in CONFIG_DOCS_CLI).
import * as fs from "fs";
import * as path from "path";
import { argsOrExitCode, defineCli } from "../runtime/cli-args";
import { renderReadmeReference, withReadmeReference, withTemplateConfig } from "./render";

const ROOT = path.resolve(__dirname, "../..");

export const CONFIG_DOCS_CLI = defineCli({
  tool: "config-docs",
  summary: `Prints the configuration reference rendered from the settings schemas (presets/common.ts
and one schema per preset).`,
  flags: {
    write: { help: "write it into README.md and Pulumi.yaml (template.config) instead" },
  },
  notes: "Exit codes: 0 done; 2 bad arguments.",
});

function main(argv: string[]): number {
  const parsed = argsOrExitCode(CONFIG_DOCS_CLI, argv);
  if (typeof parsed === "number") return parsed;
  if (!parsed.flags.write) {
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

if (require.main === module) process.exit(main(process.argv.slice(2)));
