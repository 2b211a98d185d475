// node -r ./tools/runtime/register.js tools/monitoring-docs/cli.ts [--write]: records the plans of
// the tiers docs/monitoring.md describes and prints the document, or writes it with --write.
// Exit 0; 1 when a plan fails; 2 on an unknown argument.
import * as fs from "fs";
import * as path from "path";
import { planStack } from "../pipeline/plan-stack";
import { MONITORING_TIERS, renderMonitoringDoc, type TierPlan } from "./render";

const ROOT = path.resolve(__dirname, "../..");
const DOC = "docs/monitoring.md";
const USAGE = "usage: node -r ./tools/runtime/register.js tools/monitoring-docs/cli.ts [--write]";

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
  const unknown = argv.filter((a) => a !== "--write" && a !== "--help" && a !== "-h");
  if (unknown.length > 0) {
    console.error(`monitoring-docs: unknown argument ${unknown[0]}\n${USAGE}`);
    return 2;
  }
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  const doc = renderMonitoringDoc(await recordTierPlans());
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
    console.error(`monitoring-docs failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
