// Reading the policy and cost blocks a plan carries (written by tools/pipeline).
import type { CostBlock, CostLine, PolicyViolation } from "./types";

/** Violations split by level, each in plan order. */
export function byLevel(violations: readonly PolicyViolation[]): {
  mandatory: PolicyViolation[];
  advisory: PolicyViolation[];
} {
  return {
    mandatory: violations.filter((v) => v.level === "mandatory"),
    advisory: violations.filter((v) => v.level === "advisory"),
  };
}

/** The largest lines first (stable for equal amounts). */
export function topLines(cost: Pick<CostBlock, "lines">, n: number): CostLine[] {
  return cost.lines
    .map((l, i) => ({ l, i }))
    .sort((a, b) => b.l.monthlyUsd - a.l.monthlyUsd || a.i - b.i)
    .slice(0, n)
    .map((x) => x.l);
}

/** The largest `n` lines, and how many others there are and what they come to. */
export interface LargestLines {
  shown: CostLine[];
  rest: { count: number; monthlyUsd: number };
}

/** The largest `n` lines and the rest summed in whole cents, so that shown + rest = the total. */
export function largestLines(cost: Pick<CostBlock, "lines">, n: number): LargestLines {
  const shown = topLines(cost, n);
  const others = cost.lines.filter((l) => !shown.includes(l));
  const cents = others.reduce((sum, l) => sum + toCents(l.monthlyUsd), 0);
  return { shown, rest: { count: others.length, monthlyUsd: cents / 100 } };
}

/** An amount in whole cents, immune to binary noise such as 1.005 * 100 = 100.49999. */
export function toCents(amount: number): number {
  return Math.round(Number((amount * 100).toPrecision(12)));
}

/** "$12.26": a monthly amount in dollars and cents. */
export function money(amount: number): string {
  const cents = toCents(amount);
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const dollars = Math.floor(abs / 100).toLocaleString("en-US");
  return `${sign}$${dollars}.${String(abs % 100).padStart(2, "0")}`;
}
