// npm run compliance-docs [-- --write]: records the compliance plans (plans.ts), evaluates the
// HIPAA Security rules on them and prints docs/compliance.md, or writes it (the arguments and exit
// codes in COMPLIANCE_DOCS_CLI).
import { argsOrExitCode, defineCli } from "../runtime/cli-args";
import { printOrWrite, runDocCommand } from "../runtime/generated-doc";
import { loadDeviations } from "./deviations";
import { recordCompliancePlans } from "./plans";
import { renderComplianceDoc } from "./render";

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
  return printOrWrite(
    renderComplianceDoc(await recordCompliancePlans(), loadDeviations()),
    parsed.flags.write,
    DOC,
  );
}

if (require.main === module) runDocCommand("compliance-docs", main);
