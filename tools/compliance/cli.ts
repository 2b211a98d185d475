// npm run compliance-docs [-- --write]: records the compliance plans (plans.ts), evaluates the
// HIPAA Security rules on them and prints docs/compliance.md, or writes it (the arguments and exit
// codes in COMPLIANCE_DOCS_CLI).
import * as fs from "fs";
import * as path from "path";
import { argsOrExitCode, defineCli } from "../runtime/cli-args";
import { loadDeviations } from "./deviations";
import { recordCompliancePlans } from "./plans";
import { renderComplianceDoc } from "./render";

const ROOT = path.resolve(__dirname, "../..");
const DOC = "docs/compliance.md";

export const COMPLIANCE_DOCS_CLI = defineCli({
  tool: "compliance-docs",
  summary: `Plans every preset, evaluates AWS's HIPAA Security conformance-pack rules on them with the
deviations of compliance/deviations.json, and prints ${DOC}.`,
  flags: {
    write: { help: `write it to ${DOC} instead` },
  },
  notes: "Exit codes: 0 done; 1 a plan failed; 2 bad arguments.",
});

async function main(argv: string[]): Promise<number> {
  const parsed = argsOrExitCode(COMPLIANCE_DOCS_CLI, argv);
  if (typeof parsed === "number") return parsed;
  const doc = renderComplianceDoc(await recordCompliancePlans(), loadDeviations());
  if (!parsed.flags.write) {
    process.stdout.write(doc);
    return 0;
  }
  fs.writeFileSync(path.join(ROOT, DOC), doc);
  console.log(`updated ${DOC}`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(`compliance-docs failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}
