// Adds the policy verdict and the cost estimate to a recorded plan.
import { estimateCost } from "../cost/estimate";
import { runPolicyPack } from "../policy/run";
import type { PlanFile } from "./types";

export async function enrichPlan(plan: PlanFile): Promise<PlanFile> {
  const policy = await runPolicyPack(plan);
  const cost = estimateCost(plan);
  return { ...plan, policy, cost };
}
