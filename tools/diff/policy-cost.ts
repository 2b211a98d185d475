// The policy verdicts and monthly costs of two plans, side by side: new and fixed violations, and
// the cost lines that changed (a renamed resource's lines and violations pair with its old ones).

import { byLevel } from "../plan/blocks";
import { urnKey, urnName } from "../plan/plan-index";
import type { CostBlock, PolicyBlock, PolicyViolation } from "../plan/types";

export interface PolicySummary {
  pack: string;
  passed: boolean;
  mandatory: number;
  advisory: number;
}

export interface PolicyDiff {
  base?: PolicySummary;
  head?: PolicySummary;
  /** Violations in head that base did not have (matched on policy, resource and message). */
  introduced: PolicyViolation[];
  /** Violations in base that head no longer has. */
  resolved: PolicyViolation[];
}

export interface CostLineChange {
  /** Display name of the resource the line belongs to. */
  name: string;
  item: string;
  before: number;
  after: number;
  delta: number;
}

export interface CostDiff {
  base?: number;
  head?: number;
  /** head - base, when both plans carry a cost block. */
  delta?: number;
  /** Price-table dates when they differ (a price change, not a resource change). */
  asOf?: { base: string; head: string };
  /** Lines whose monthly cost changed, largest absolute change first. */
  lines: CostLineChange[];
}

/** Resource keys of the URNs each plan records; a renamed base resource takes its head key. */
export interface SideKeys {
  base: (urn: string) => string;
  head: (urn: string) => string;
}

function summarisePolicy(p: PolicyBlock | undefined): PolicySummary | undefined {
  if (!p) return undefined;
  const { mandatory, advisory } = byLevel(p.violations);
  return { pack: p.pack, passed: p.passed, mandatory: mandatory.length, advisory: advisory.length };
}

function compareViolations(x: PolicyViolation, y: PolicyViolation): number {
  if (x.level !== y.level) return x.level === "mandatory" ? -1 : 1;
  const kx = `${x.policy}\u0000${urnKey(x.urn)}\u0000${x.message}`;
  const ky = `${y.policy}\u0000${urnKey(y.urn)}\u0000${y.message}`;
  return kx < ky ? -1 : kx > ky ? 1 : 0;
}

/**
 * Violations of head matched to those of base: first on policy, resource and message, then on
 * policy and resource alone (a message that names a renamed resource changes with it).
 */
function matchViolations(
  base: PolicyViolation[],
  head: PolicyViolation[],
  keys: SideKeys,
): { introduced: PolicyViolation[]; resolved: PolicyViolation[] } {
  let b = [...base];
  let h = [...head];
  const matchers: ((v: PolicyViolation, side: "base" | "head") => string)[] = [
    (v, side) => `${v.policy}\u0000${keys[side](v.urn)}\u0000${v.message}`,
    (v, side) => `${v.policy}\u0000${keys[side](v.urn)}`,
  ];
  for (const key of matchers) {
    const unmatched: PolicyViolation[] = [];
    for (const v of h) {
      const i = b.findIndex((x) => key(x, "base") === key(v, "head"));
      if (i >= 0) b = [...b.slice(0, i), ...b.slice(i + 1)];
      else unmatched.push(v);
    }
    h = unmatched;
  }
  return {
    introduced: h.sort(compareViolations),
    resolved: b.sort(compareViolations),
  };
}

export function diffPolicy(
  base: PolicyBlock | undefined,
  head: PolicyBlock | undefined,
  keys: SideKeys,
): PolicyDiff {
  const m = matchViolations(base?.violations ?? [], head?.violations ?? [], keys);
  return {
    base: summarisePolicy(base),
    head: summarisePolicy(head),
    introduced: base ? m.introduced : [],
    resolved: head ? m.resolved : [],
  };
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

export function diffCost(
  base: CostBlock | undefined,
  head: CostBlock | undefined,
  keys: SideKeys,
): CostDiff {
  const out: CostDiff = { base: base?.monthlyUsd, head: head?.monthlyUsd, lines: [] };
  if (!base || !head) return out;
  out.delta = round2(head.monthlyUsd - base.monthlyUsd);
  if (base.asOf !== head.asOf) out.asOf = { base: base.asOf, head: head.asOf };
  const lines = new Map<string, CostLineChange>();
  const line = (urn: string, item: string, key: (urn: string) => string): CostLineChange => {
    const k = `${key(urn)}\u0000${item}`;
    let l = lines.get(k);
    if (!l) {
      l = { name: urnName(urn), item, before: 0, after: 0, delta: 0 };
      lines.set(k, l);
    }
    return l;
  };
  // Head lines first, so a renamed resource is shown under its new name.
  for (const l of head.lines) line(l.urn, l.item, keys.head).after += l.monthlyUsd;
  for (const l of base.lines) line(l.urn, l.item, keys.base).before += l.monthlyUsd;
  out.lines = [...lines.values()]
    .map((l) => ({
      ...l,
      before: round2(l.before),
      after: round2(l.after),
      delta: round2(l.after - l.before),
    }))
    .filter((l) => l.delta !== 0)
    .sort(
      (x, y) =>
        Math.abs(y.delta) - Math.abs(x.delta) ||
        (x.name < y.name ? -1 : x.name > y.name ? 1 : 0) ||
        (x.item < y.item ? -1 : x.item > y.item ? 1 : 0),
    );
  return out;
}
