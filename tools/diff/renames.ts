// Which removed resource an added one is, when its URN changed: a rename or a move without an alias.
//
// The rule. A removed and an added resource are one resource under a new URN only when
//   - both are custom resources or remote components (a local component holds nothing), and
//   - they are of the same type, and
//   - their identity matches, in one of two ways:
//     1. moved: the same logical name under another parent chain (a parent renamed, re-parented, or
//        of another type, as in a preset switch); or
//     2. renamed: the same parent chain and another name, and their inputs agree once the old name
//        is read as the new one: every input the provider cannot change in place (the type's
//        replace-on-change inputs: its AWS name, key, zone, engine...) is equal, and at least
//        half of all the inputs are.
// Anything else is a delete and an unrelated create, and is reported as such: pairing two
// unrelated resources would suggest an alias that makes Pulumi adopt the wrong cloud resource.
// When several candidates fit, moves pair before renames, then the most alike first.

import { REPLACE_ON_CHANGE } from "../plan/replace-on-change";
import type { PlanResource, PlanValue } from "../plan/types";
import { isObject } from "../plan/values";
import type { PlanKeys } from "./identity";
import { diffValue, valueAt, type LeafChange } from "./values";

export type RenameKind = "moved" | "renamed";

export interface RenamePair {
  before: PlanResource;
  after: PlanResource;
  kind: RenameKind;
}

/** A value with every occurrence of one name replaced by another (names derived from the logical name). */
function renameIn(v: PlanValue, from: string, to: string): PlanValue {
  if (typeof v === "string") return from === "" ? v : v.split(from).join(to);
  if (Array.isArray(v)) return v.map((x) => renameIn(x, from, to));
  if (isObject(v)) {
    const out: Record<string, PlanValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = renameIn(x, from, to);
    return out;
  }
  return v;
}

function equal(a: PlanValue | undefined, b: PlanValue | undefined, path: string[]): boolean {
  const out: LeafChange[] = [];
  diffValue(a, b, path, out);
  return out.length === 0;
}

/** Share of top-level inputs that are deeply equal: how alike two resources of one type are. */
function similarity(a: Record<string, PlanValue>, b: Record<string, PlanValue>): number {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  if (keys.size === 0) return 1;
  let same = 0;
  for (const k of keys) if (equal(a[k], b[k], [k])) same++;
  return same / keys.size;
}

/** Custom resources, and remote components (the cloud resources they create are not in the plan). */
function holdsResources(r: PlanResource): boolean {
  return r.custom || r.remote === true;
}

interface Candidate {
  before: PlanResource;
  after: PlanResource;
  kind: RenameKind;
  score: number;
}

/** The pairing of `before` with `after` the rule allows, or none. */
function candidate(
  before: PlanResource,
  after: PlanResource,
  baseKeys: PlanKeys,
  headKeys: PlanKeys,
): Candidate | undefined {
  if (!holdsResources(before) || !holdsResources(after) || before.type !== after.type) {
    return undefined;
  }
  const props = renameIn(before.props, before.name, after.name) as Record<string, PlanValue>;
  const score = similarity(props, after.props);
  if (before.name === after.name) return { before, after, kind: "moved", score };
  if (baseKeys.parentChain(before) !== headKeys.parentChain(after)) return undefined;
  const fixed = (REPLACE_ON_CHANGE[before.type] ?? []).map((p) => p.split("."));
  if (!fixed.every((p) => equal(valueAt(props, p), valueAt(after.props, p), p))) return undefined;
  return score >= 0.5 ? { before, after, kind: "renamed", score } : undefined;
}

const byName = (x: PlanResource, y: PlanResource): number =>
  x.type !== y.type ? (x.type < y.type ? -1 : 1) : x.urn < y.urn ? -1 : x.urn > y.urn ? 1 : 0;

/** Pairs removed and added resources by the rule above; the rest stay removed and added. */
export function pairRenames(
  removed: PlanResource[],
  added: PlanResource[],
  baseKeys: PlanKeys,
  headKeys: PlanKeys,
): { pairs: RenamePair[]; removed: PlanResource[]; added: PlanResource[] } {
  const candidates: Candidate[] = [];
  for (const r of removed) {
    for (const a of added) {
      const c = candidate(r, a, baseKeys, headKeys);
      if (c) candidates.push(c);
    }
  }
  candidates.sort(
    (x, y) =>
      Number(y.kind === "moved") - Number(x.kind === "moved") ||
      y.score - x.score ||
      byName(x.before, y.before) ||
      byName(x.after, y.after),
  );
  const usedR = new Set<PlanResource>();
  const usedA = new Set<PlanResource>();
  const pairs: RenamePair[] = [];
  for (const c of candidates) {
    if (usedR.has(c.before) || usedA.has(c.after)) continue;
    usedR.add(c.before);
    usedA.add(c.after);
    pairs.push({ before: c.before, after: c.after, kind: c.kind });
  }
  return {
    pairs,
    removed: removed.filter((r) => !usedR.has(r)),
    added: added.filter((a) => !usedA.has(a)),
  };
}
