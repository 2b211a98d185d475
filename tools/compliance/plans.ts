// The plans the compliance report is made from: each preset at its defaults as a clinic runs it
// (`npm run compare`'s plans: the dev stack with openemr:protectData true and, for fargate, a
// placeholder certificate), and the staging stack, standard behind its load balancer with a Multi-AZ
// database. A deviation of a preset must match a resource of that preset's plans.
import { PRESETS, planSource, type Preset } from "../compare/source";
import { planStack } from "../pipeline/plan-stack";
import type { PlanFile } from "../plan/types";

export { PRESETS, type Preset };

/** One plan of the report and how it was made. */
export interface CompliancePlan {
  preset: Preset;
  /** What the report calls it: the preset, or the preset and its variant. */
  label: string;
  /** The command that makes the same plan. */
  command: string;
  plan: PlanFile;
}

const PLAN = "npm run plan -- --stack";

/** The report's plans, one after another (plans run one at a time). */
export async function recordCompliancePlans(): Promise<CompliancePlan[]> {
  const out: CompliancePlan[] = [];
  for (const preset of PRESETS) {
    out.push({
      preset,
      label: preset,
      command: `${PLAN} dev --set openemr:preset=${preset} --set openemr:protectData=true${
        preset === "fargate" ? " --set openemr:certificateArn=<certificate>" : ""
      }`,
      plan: await planSource.planPreset(preset),
    });
    if (preset === "standard") {
      out.push({
        preset,
        label: "standard, load balancer, Multi-AZ",
        command: `${PLAN} staging`,
        plan: (await planStack("staging")).plan,
      });
    }
  }
  return out;
}
