// The readable summary `npm run plan` prints. It hides nothing silently: whatever it leaves out
// (cost lines, usage items, violations) it counts and points to in the plan JSON.
import { renderComplianceBlock } from "../compliance/summary";
import { byLevel, largestLines, money } from "./blocks";
import { urnName } from "./plan-index";
import type { CostBlock, PlanFile, PlanResource, PlanValue } from "./types";

/** How many of the largest cost lines the summary lists. */
export const SHOWN_COST_LINES = 8;

/** How many policy violations the summary lists. */
export const SHOWN_VIOLATIONS = 25;

function shortType(type: string): string {
  const parts = type.split(":");
  return parts.length === 3 ? `${parts[0]}:${parts[1].split("/")[0]}:${parts[2]}` : type;
}

function formatValue(value: PlanValue): string {
  if (Array.isArray(value)) return value.map(formatValue).join(", ");
  if (value && typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A plain component (a remote one such as awsx:ec2:Vpc is listed as a resource it holds). */
function isComponent(r: PlanResource): boolean {
  return !r.custom && !r.remote;
}

/** The type token of a URN: the last type of its parent chain. */
function urnType(urn: string): string {
  const qualified = urn.split("::")[2] ?? urn;
  return qualified.split("$").pop() ?? qualified;
}

/**
 * The component tree with what each component holds. The plan records no resource for the root
 * stack (pulumi:pulumi:Stack), but top-level components name it as their parent: a parent the plan
 * does not record is a root of the tree, printed from its URN.
 */
function componentTree(plan: PlanFile): string[] {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  /** The nearest component above a resource, or the unrecorded parent URN the chain ends at. */
  const owner = (r: PlanResource): string | null => {
    let parent = r.parent;
    while (parent !== null) {
      const p = byUrn.get(parent);
      if (p === undefined || isComponent(p)) return parent;
      parent = p.parent;
    }
    return null;
  };
  const components = new Map<string | null, PlanResource[]>();
  const held = new Map<string | null, Map<string, number>>();
  for (const r of plan.resources) {
    const key = owner(r);
    if (isComponent(r)) {
      components.set(key, [...(components.get(key) ?? []), r]);
    } else {
      const types = held.get(key) ?? new Map<string, number>();
      types.set(shortType(r.type), (types.get(shortType(r.type)) ?? 0) + 1);
      held.set(key, types);
    }
  }
  const lines: string[] = [];
  const line = (indent: number, label: string, urn: string | null) => {
    const what = [...(held.get(urn) ?? [])].map(([t, n]) => (n > 1 ? `${n}× ${t}` : t));
    lines.push(`${"  ".repeat(indent)}- ${label}${what.length > 0 ? `: ${what.join(", ")}` : ""}`);
  };
  const children = (urn: string | null, indent: number) => {
    for (const c of components.get(urn) ?? []) {
      line(indent, `${c.name} (${c.type})`, c.urn);
      children(c.urn, indent + 1);
    }
  };
  if (held.has(null)) line(1, "(no component)", null);
  children(null, 1);
  const unrecorded = [...new Set([...components.keys(), ...held.keys()])].filter(
    (urn): urn is string => urn !== null && !byUrn.has(urn),
  );
  for (const root of unrecorded) {
    line(1, `${urnName(root)} (${urnType(root)})`, root);
    children(root, 2);
  }
  return lines;
}

/** The cost block: total, loud warnings, the largest lines, and what the rest and usage come to. */
function costSummary(plan: PlanFile, cost: CostBlock): string[] {
  const region = cost.priceRegion;
  const prices = `${region !== undefined ? `${region} ` : ""}list prices, ${cost.currency}, as of ${cost.asOf}; plus usage`;
  const unpriced = cost.unpriced ?? [];
  const incomplete =
    unpriced.length > 0
      ? ` INCOMPLETE: ${plural(unpriced.length, "item")} NOT PRICED, missing from this total`
      : "";
  const lines = [`Monthly base cost: ${money(cost.monthlyUsd)}${incomplete} (${prices})`];
  if (region !== undefined && region !== plan.region) {
    lines.push(
      `  WARNING: region ${plan.region} is not in the price table: figures are ${region} list prices`,
    );
  }
  for (const u of unpriced) lines.push(`  NOT PRICED: ${u}`);
  const { shown, rest } = largestLines(cost, SHOWN_COST_LINES);
  for (const l of shown) lines.push(`  ${money(l.monthlyUsd).padStart(9)}  ${l.item}`);
  if (rest.count > 0) {
    lines.push(`  … ${plural(rest.count, "more line")}: ${money(rest.monthlyUsd)}`);
  }
  const usage = cost.usage ?? [];
  if (usage.length > 0) {
    lines.push(
      `  plus usage: ${plural(usage.length, "item")} priced per unit of traffic, storage or requests, not in the total (unit prices: the plan JSON's cost.usage, written with --json <file>)`,
    );
  }
  return lines;
}

export function renderSummary(plan: PlanFile): string {
  const lines: string[] = [];
  lines.push(
    `Stack ${plan.stack} (preset ${plan.preset}, region ${plan.region}): ${plan.resources.length} resources`,
  );
  lines.push("", "Resources by component:", ...componentTree(plan));
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
    const all = [...mandatory, ...advisory];
    for (const v of all.slice(0, SHOWN_VIOLATIONS)) {
      lines.push(`  [${v.level}] ${v.policy}: ${urnName(v.urn)}: ${v.message}`);
    }
    if (all.length > SHOWN_VIOLATIONS) {
      lines.push(
        `  … ${plural(all.length - SHOWN_VIOLATIONS, "more violation")} in the plan JSON's policy.violations`,
      );
    }
    if (plan.policy.config !== undefined) {
      lines.push(`  config: ${plan.policy.config ?? "none (schema defaults)"}`);
    }
    const compliance = renderComplianceBlock(plan);
    if (compliance !== "") lines.push(compliance.trimEnd());
  }
  if (plan.cost) lines.push("", ...costSummary(plan, plan.cost));
  return lines.join("\n");
}
