// npm run compliance-docs [-- --write]: records the compliance plans (plans.ts), evaluates the
// HIPAA Security rules on them and prints docs/compliance.md, or writes it with --write.
// Exit 0; 1 when a plan fails; 2 on an unknown argument.
import * as fs from "fs";
import * as path from "path";
import { loadDeviations } from "./deviations";
import { recordCompliancePlans } from "./plans";
import { renderComplianceDoc } from "./render";

const ROOT = path.resolve(__dirname, "../..");
const DOC = "docs/compliance.md";
const USAGE = "usage: npm run compliance-docs [-- --write]";

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== "--write" && a !== "--help" && a !== "-h");
  if (unknown.length > 0) {
    console.error(`compliance-docs: unknown argument ${unknown[0]}\n${USAGE}`);
    return 2;
  }
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  const doc = renderComplianceDoc(await recordCompliancePlans(), loadDeviations());
  if (!argv.includes("--write")) {
    process.stdout.write(doc);
    return 0;
  }
  fs.writeFileSync(path.join(ROOT, DOC), doc);
  console.log(`updated ${DOC}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`compliance-docs failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
