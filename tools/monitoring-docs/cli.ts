// npm run monitoring-docs [-- --write]: records the plans of the tiers docs/monitoring.md describes
// and prints the document, or writes it (the arguments and exit codes in MONITORING_DOCS_CLI).
import { planStack } from "../pipeline/plan-stack";
import { argsOrExitCode, defineCli } from "../runtime/cli-args";
import { printOrWrite, runDocCommand } from "../runtime/generated-doc";
import { MONITORING_TIERS, alsoSets, renderMonitoringDoc, type TierPlan } from "./render";

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
    const also = alsoSets(tier);
    const alsoPlan = also
      ? (
          await planStack(
            tier.stack,
            Object.entries(also).map(([k, v]) => `${k}=${v}`),
          )
        ).plan
      : undefined;
    plans.push({ ...tier, plan, ...(alsoPlan ? { alsoPlan } : {}) });
  }
  return plans;
}

async function main(argv: string[]): Promise<number> {
  const parsed = argsOrExitCode(MONITORING_DOCS_CLI, argv);
  if (typeof parsed === "number") return parsed;
  return printOrWrite(renderMonitoringDoc(await recordTierPlans()), parsed.flags.write, DOC);
}

if (require.main === module) runDocCommand("monitoring-docs", main);
