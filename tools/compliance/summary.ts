// What `npm run plan` prints under the policy verdict: the HIPAA Security rules the stack does not
// meet, each with the accepted deviation that covers it (or none: a rule neither met nor deviated).
import type { PlanFile } from "../plan/types";
import { deviationFor, loadDeviations, type Deviation } from "./deviations";
import { findingsOf, type Finding } from "./evaluate";

/** One accepted deviation as it applies to a stack: its rule and the stack's resources it covers. */
export interface AppliedDeviation {
  rule: string;
  resources: string[];
  reason: string;
  compensatingControl: string;
}

/** The plan's findings matched to the deviations; `unmet` are the findings no deviation covers. */
export function complianceOf(
  plan: PlanFile,
  deviations: readonly Deviation[] = loadDeviations(),
): { deviations: AppliedDeviation[]; unmet: Finding[] } {
  const applied = new Map<Deviation, AppliedDeviation>();
  const unmet: Finding[] = [];
  for (const finding of findingsOf(plan)) {
    const d = deviationFor(finding, plan.preset, deviations);
    if (d === undefined) {
      unmet.push(finding);
      continue;
    }
    const entry = applied.get(d) ?? {
      rule: d.rule,
      resources: [],
      reason: d.reason,
      compensatingControl: d.compensatingControl,
    };
    if (!entry.resources.includes(finding.name)) entry.resources.push(finding.name);
    applied.set(d, entry);
  }
  return { deviations: [...applied.values()], unmet };
}

/** The accepted deviations that apply to the plan's stack, in the file's order. */
export function deviationsFor(
  plan: PlanFile,
  deviations: readonly Deviation[] = loadDeviations(),
): AppliedDeviation[] {
  return complianceOf(plan, deviations).deviations;
}

/** The first sentence of a text (the reason, shortened for one line). */
function firstSentence(text: string): string {
  const end = text.search(/[.:](\s|$)/);
  return end < 0 ? text : text.slice(0, end + 1).replace(/:$/, ".");
}

/** One line: `rds-multi-az-support (openemr-dev-db): Standard keeps its database in one zone ...` */
export function renderDeviationLine(d: AppliedDeviation): string {
  return `${d.rule} (${d.resources.join(", ")}): ${firstSentence(d.reason)}`;
}

/**
 * Rules the program meets exactly when openemr:protectData is true (deletion protection follows
 * it): on a stack with it false, a throwaway stack for trying the program, they stay findings
 * (no deviation accepts them), and the line says why.
 */
const PROTECT_DATA_RULES: readonly string[] = [
  "elb-deletion-protection-enabled",
  "rds-cluster-deletion-protection-enabled",
  "rds-instance-deletion-protection-enabled",
];

/** One line for a finding no deviation covers. */
export function renderUnmetLine(f: Finding): string {
  const line = `${f.rule} (${f.name}): ${f.why} — NOT MET and no deviation in compliance/deviations.json`;
  return PROTECT_DATA_RULES.includes(f.rule)
    ? `${line} (openemr:protectData is false: a throwaway stack, not for patient data)`
    : line;
}

/** The block the plan summary prints (empty string when the stack meets every rule). */
export function renderComplianceBlock(
  plan: PlanFile,
  deviations: readonly Deviation[] = loadDeviations(),
): string {
  const { deviations: applied, unmet } = complianceOf(plan, deviations);
  if (applied.length === 0 && unmet.length === 0) return "";
  const throwaway = unmet.filter((f) => PROTECT_DATA_RULES.includes(f.rule)).length;
  const lines = [
    `HIPAA Security deviations (compliance/deviations.json, docs/compliance.md): ${applied.length} accepted` +
      (unmet.length > 0 ? `, ${unmet.length} finding(s) without one` : "") +
      (throwaway > 0 ? ` (${throwaway} from openemr:protectData false)` : ""),
    ...applied.map((d) => `  ${renderDeviationLine(d)}`),
    ...unmet.map((f) => `  ${renderUnmetLine(f)}`),
  ];
  return lines.join("\n") + "\n";
}
