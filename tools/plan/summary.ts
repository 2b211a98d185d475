// The readable summary `npm run plan` prints.
import { byLevel, topLines } from "./blocks";
import { urnName } from "./plan-index";
import type { PlanFile, PlanValue } from "./types";

function shortType(type: string): string {
  const parts = type.split(":");
  return parts.length === 3 ? `${parts[0]}:${parts[1].split("/")[0]}:${parts[2]}` : type;
}

function formatValue(value: PlanValue): string {
  if (Array.isArray(value)) return value.map(formatValue).join(", ");
  if (value && typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function renderSummary(plan: PlanFile): string {
  const lines: string[] = [];
  lines.push(
    `Stack ${plan.stack} (preset ${plan.preset}, region ${plan.region}): ${plan.resources.length} resources`,
  );
  lines.push("", "Resources by component:");
  const renderComponent = (urn: string | null, indent: number) => {
    for (const c of plan.resources.filter((r) => r.parent === urn && !r.custom && !r.remote)) {
      const byType = new Map<string, number>();
      plan.resources
        .filter((r) => r.parent === c.urn && (r.custom || r.remote))
        .forEach((r) => byType.set(shortType(r.type), (byType.get(shortType(r.type)) ?? 0) + 1));
      const what = [...byType].map(([t, n]) => (n > 1 ? `${n}× ${t}` : t)).join(", ");
      lines.push(`${"  ".repeat(indent)}- ${c.name} (${c.type})${what ? `: ${what}` : ""}`);
      renderComponent(c.urn, indent + 1);
    }
  };
  renderComponent(null, 1);
  const counts = new Map<string, number>();
  plan.resources.forEach((r) => counts.set(r.type, (counts.get(r.type) ?? 0) + 1));
  lines.push("", "Counts by type:");
  [...counts]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .forEach(([t, n]) => lines.push(`  ${String(n).padStart(3)}  ${t}`));
  lines.push("", "Outputs:");
  for (const [k, v] of Object.entries(plan.outputs)) lines.push(`  ${k}: ${formatValue(v)}`);
  if (plan.policy) {
    const { mandatory, advisory } = byLevel(plan.policy.violations);
    lines.push(
      "",
      `Policy pack ${plan.policy.pack}: ${plan.policy.passed ? "PASSED" : "FAILED"} (${mandatory.length} mandatory, ${advisory.length} advisory)`,
    );
    for (const v of [...mandatory, ...advisory].slice(0, 25)) {
      lines.push(`  [${v.level}] ${v.policy}: ${urnName(v.urn)}: ${v.message}`);
    }
  }
  if (plan.cost) {
    lines.push(
      "",
      `Monthly base cost: $${plan.cost.monthlyUsd.toFixed(2)} (${plan.cost.currency}, prices as of ${plan.cost.asOf}, plus usage)`,
    );
    for (const l of topLines(plan.cost, 8)) {
      lines.push(`  $${l.monthlyUsd.toFixed(2).padStart(8)}  ${l.item}`);
    }
  }
  return lines.join("\n");
}
