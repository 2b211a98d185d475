// Comparing input values of one resource across two plans: leaf-level differences, Pulumi's
// ignoreChanges paths, and the grouping of leaves by top-level input.

import { COMPUTED, type PlanValue } from "../plan/types";
import { isObject } from "../plan/values";

/** "changed": the value differs; "may-change": one side is "<computed>", or it may keep its value. */
export type Certainty = "changed" | "may-change";

/** The resource an input's new value comes from, when that is why the input changes. */
export interface ChangeSource {
  /** Display name of the source resource (its head side). */
  name: string;
  /**
   * replaced: a new cloud resource replaces it; created: it is new; changed: a remote component
   * whose inputs change.
   */
  change: "replaced" | "created" | "changed";
  /** Set when the source's own replacement is only possible. */
  possibly?: true;
}

/** "openemr-dev-net-vpc is replaced", "openemr-key is new", "openemr-dev-net-vpc changes". */
export function sourcePhrase(from: ChangeSource): string {
  return `${from.name} ${sourceVerb(from)}`;
}

/** "is replaced", "may be replaced", "is new", "changes". */
export function sourceVerb(from: ChangeSource): string {
  if (from.change === "replaced") return from.possibly ? "may be replaced" : "is replaced";
  return from.change === "created" ? "is new" : "changes";
}

export interface LeafChange {
  path: string[];
  certainty: Certainty;
  /** Set when the change comes from a dependency (property dependencies), not from the plan's values. */
  from?: ChangeSource;
}

export interface InputChange {
  /** Top-level input name (`rootBlockDevice`, `tags`). */
  name: string;
  certainty: Certainty;
  /** The replaced or new resource the value comes from, when that is why it changes. */
  from?: ChangeSource;
}

/** Leaf-level differences between two input values. Two unknowns compare equal (nothing to tell). */
export function diffValue(
  a: PlanValue | undefined,
  b: PlanValue | undefined,
  path: string[],
  out: LeafChange[],
): void {
  if (a === undefined && b === undefined) return;
  if (a === COMPUTED || b === COMPUTED) {
    if (a !== b) out.push({ path, certainty: "may-change" });
    return;
  }
  if (a !== undefined && b !== undefined) {
    if (isObject(a) && isObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const k of keys) diffValue(a[k], b[k], [...path, k], out);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((item, i) => diffValue(item, b[i], [...path, String(i)], out));
      return;
    }
    if (a === b) return;
  }
  out.push({ path, certainty: "changed" });
}

/** Every leaf difference between two input maps, keys in order. */
export function diffProps(
  a: Record<string, PlanValue>,
  b: Record<string, PlanValue>,
): LeafChange[] {
  const out: LeafChange[] = [];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const k of keys) diffValue(a[k], b[k], [k], out);
  return out;
}

/** Pulumi ignoreChanges paths (`tags["Name"]`, `ingress[0].cidrBlocks`, `a.b`) as segments. */
export function parseIgnorePath(p: string): string[] {
  return p
    .replace(/\[\s*"([^"]*)"\s*\]/g, ".$1")
    .replace(/\[(\d+|\*)\]/g, ".$1")
    .split(".")
    .filter((s) => s.length > 0);
}

export function isIgnored(path: string[], ignore: string[][]): boolean {
  return ignore.some(
    (ig) => ig.length <= path.length && ig.every((seg, i) => seg === "*" || seg === path[i]),
  );
}

/** Whether a resource's ignoreChanges hides a top-level input. */
export function ignores(ignoreChanges: string[], input: string): boolean {
  return isIgnored([input], ignoreChanges.map(parseIgnorePath));
}

function strongest(a: Certainty | undefined, b: Certainty): Certainty {
  return a === "changed" || b === "changed" ? "changed" : "may-change";
}

/** Group leaf changes by top-level input name, sorted by name. */
export function byTopLevel(leaves: LeafChange[]): InputChange[] {
  const m = new Map<string, InputChange>();
  for (const l of leaves) {
    const name = l.path[0];
    if (name === undefined) continue;
    const prev = m.get(name);
    const next: InputChange = { name, certainty: strongest(prev?.certainty, l.certainty) };
    const from = prev?.from ?? l.from;
    if (from) next.from = from;
    m.set(name, next);
  }
  return [...m.values()].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

/** The value at a dot path; an unknown on the way makes the whole value unknown. */
export function valueAt(props: Record<string, PlanValue>, path: string[]): PlanValue | undefined {
  let v: PlanValue | undefined = props;
  for (const seg of path) {
    if (v === COMPUTED) return COMPUTED;
    if (Array.isArray(v)) v = v[Number(seg)];
    else if (v !== undefined && isObject(v)) v = v[seg];
    else return undefined;
  }
  return v;
}
