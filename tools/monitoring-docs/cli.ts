// npm run monitoring-docs [-- --write]: records the plans of the tiers docs/monitoring.md describes
// and prints the document, or writes it (the arguments and exit codes in MONITORING_DOCS_CLI).
import * as fs from "fs";
import * as path from "path";
import { planStack } from "../pipeline/plan-stack";
import { argsOrExitCode, defineCli } from "../runtime/cli-args";
import { MONITORING_TIERS, renderMonitoringDoc, type TierPlan } from "./render";

const ROOT = path.resolve(__dirname, "../..");
const DOC = "docs/monitoring.md";

export const MONITORING_DOCS_CLI = defineCli({
  tool: "monitoring-docs",
  summary: `Records the plans of the tiers ${DOC} describes and prints the document: every alarm of
every tier, its threshold and the first thing to do when it fires.`,
  flags: {
    write: { help: `write it to ${DOC} instead` },
  },
  notes: "Exit codes: 0 done; 1 a plan failed; 2 bad arguments.",
});

/** The plans of MONITORING_TIERS, recorded one after another as `npm run plan` records them. */
export async function recordTierPlans(): Promise<TierPlan[]> {
  const plans: TierPlan[] = [];
  for (const tier of MONITORING_TIERS) {
    const sets = Object.entries(tier.sets).map(([k, v]) => `${k}=${v}`);
    const { plan } = await planStack(tier.stack, sets);
    plans.push({ ...tier, plan });
  }
  return plans;
}

async function main(argv: string[]): Promise<number> {
  const parsed = argsOrExitCode(MONITORING_DOCS_CLI, argv);
  if (typeof parsed === "number") return parsed;
  const doc = renderMonitoringDoc(await recordTierPlans());
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
      console.error(`monitoring-docs failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}
