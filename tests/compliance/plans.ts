// The compliance report's plans (tools/compliance/plans.ts), recorded once per test run.
import { recordCompliancePlans, type CompliancePlan } from "../../tools/compliance/plans";

let recorded: Promise<CompliancePlan[]> | undefined;

/** The plans docs/compliance.md is made from. Cached: treat them as read-only. */
export function compliancePlans(): Promise<CompliancePlan[]> {
  recorded ??= recordCompliancePlans();
  return recorded;
}

/** The one compliance plan with this label. */
export async function compliancePlan(label: string): Promise<CompliancePlan> {
  const found = (await compliancePlans()).find((p) => p.label === label);
  if (!found) throw new Error(`no compliance plan labelled "${label}"`);
  return found;
}
