// Following replacements through dependencies. A replaced (or new) resource has new outputs: its
// ID and ARN, often its name and address, are unknown until deploy. A resource whose input takes
// one of them (its property dependencies say which) gets a new value there; when the provider
// cannot change that input in place, it is replaced too, and so on to a fixed point.

import {
  NEW_ID_ON_REPLACE,
  REPLACE_ON_CHANGE,
  REPLACE_ON_CHANGE_WHEN,
} from "../plan/replace-on-change";
import type { PlanResource, PlanValue } from "../plan/types";
import { isObject } from "../plan/values";
import {
  diffValue,
  isIgnored,
  parseIgnorePath,
  valueAt,
  type Certainty,
  type ChangeSource,
  type LeafChange,
} from "./values";

/** A resource present in both plans, with its leaf-level input changes (ignoreChanges honoured). */
export interface Matched {
  base: PlanResource;
  head: PlanResource;
  leaves: LeafChange[];
}

/** A head resource whose outputs are new: created, replaced, or a remote component that changes. */
export interface Source {
  name: string;
  type: string;
  change: ChangeSource["change"];
  /** false when the replacement itself is only possible. */
  certain: boolean;
}

const IDENTITY_NAME = /(Id|Ids|Arn|Arns)$/;

/**
 * Inputs that take another resource's identity (its ID or ARN), not a name or an address: named
 * for it (`subnetId`, `kmsKeyArn`, `securityGroups`), or an object with such a field
 * (`dimensions: { InstanceId }`, `rootBlockDevice: { kmsKeyId }`).
 */
function takesIdentity(input: string, value?: PlanValue): boolean {
  if (IDENTITY_NAME.test(input) || input === "subnets" || input === "securityGroups") return true;
  const fields = (v: PlanValue | undefined): boolean =>
    Array.isArray(v)
      ? v.some(fields)
      : isObject(v) && Object.entries(v).some(([k, x]) => IDENTITY_NAME.test(k) || fields(x));
  return fields(value);
}

/**
 * How sure the new value of `input`, wired from `source`, is to differ: certain when the source is
 * certainly new or replaced, its type gets a new ID and ARN from AWS, and the input takes its ID or
 * ARN; otherwise only possible (a name or an address the replacement may keep).
 */
function certaintyFrom(source: Source, input: string, value?: PlanValue): Certainty {
  return source.certain &&
    source.change !== "changed" &&
    NEW_ID_ON_REPLACE.has(source.type) &&
    takesIdentity(input, value)
    ? "changed"
    : "may-change";
}

/** Resources that can be replaced: custom ones, and remote components (whose children are hidden). */
function replaceable(r: PlanResource): boolean {
  return r.custom || r.remote === true;
}

/** The replace-on-change input paths of a resource, conditional ones included when they apply. */
function triggerPaths(r: PlanResource): string[][] {
  const fixed = REPLACE_ON_CHANGE[r.type] ?? [];
  const conditional = (REPLACE_ON_CHANGE_WHEN[r.type] ?? [])
    .filter((c) => c.applies(r.props))
    .map((c) => c.input);
  return [...fixed, ...conditional].map((p) => p.split("."));
}

/**
 * The replace-on-change inputs of a matched resource that differ: compared at their exact path (so
 * `rootBlockDevice.volumeSize` does not trigger `rootBlockDevice.kmsKeyId`), or new because their
 * top-level input is wired from a new or replaced resource.
 */
export function triggerHits(m: Matched): LeafChange[] {
  const ignore = m.head.opts.ignoreChanges.map(parseIgnorePath);
  const hits: LeafChange[] = [];
  for (const t of triggerPaths(m.head)) {
    const out: LeafChange[] = [];
    diffValue(valueAt(m.base.props, t), valueAt(m.head.props, t), t, out);
    const kept = out.filter((l) => !isIgnored(l.path, ignore));
    if (kept.length > 0) {
      hits.push(...kept);
      continue;
    }
    const wired = m.leaves.find(
      (l) =>
        l.path.length === 1 &&
        l.path[0] === t[0] &&
        (l.certainty === "may-change" || l.from !== undefined),
    );
    if (wired) {
      const hit: LeafChange = { path: [t[0] ?? ""], certainty: wired.certainty };
      if (wired.from) hit.from = wired.from;
      hits.push(hit);
    }
  }
  return hits;
}

/** How much a wired change tells: certain over possible, then replaced or new over "changes". */
function strength(l: LeafChange): number {
  const certain = l.certainty === "changed" ? 4 : 0;
  const kind = l.from && l.from.change !== "changed" ? 2 : 0;
  return certain + kind + (l.from?.possibly ? 0 : 1);
}

/** The strongest new value among the sources an input is wired from. */
function wiredChange(
  input: string,
  value: PlanValue | undefined,
  deps: string[],
  sources: ReadonlyMap<string, Source>,
): LeafChange | undefined {
  let best: LeafChange | undefined;
  for (const urn of deps) {
    const s = sources.get(urn);
    if (!s) continue;
    const from: ChangeSource = { name: s.name, change: s.change };
    if (!s.certain && s.change === "replaced") from.possibly = true;
    const leaf: LeafChange = { path: [input], certainty: certaintyFrom(s, input, value), from };
    if (!best || strength(leaf) > strength(best)) best = leaf;
  }
  return best;
}

/**
 * Runs the propagation to a fixed point. `sources` starts with the head resources that are new or
 * replaced by a URN change (by head URN) and grows with every replacement found; matched resources
 * get a leaf for each input wired from a source. Returns the trigger hits of each replaced resource.
 */
export function propagate(
  matched: Matched[],
  sources: Map<string, Source>,
): Map<Matched, LeafChange[]> {
  const replaced = new Map<Matched, LeafChange[]>();
  // a remote component whose inputs change may change every output (its children are not in the plan)
  for (const m of matched) {
    if (m.head.remote === true && m.leaves.length > 0) {
      sources.set(m.head.urn, {
        name: m.head.name,
        type: m.head.type,
        change: "changed",
        certain: false,
      });
    }
  }
  for (let changedSomething = true; changedSomething;) {
    changedSomething = false;
    for (const m of matched) {
      const ignore = m.head.opts.ignoreChanges.map(parseIgnorePath);
      for (const [input, deps] of Object.entries(m.head.propertyDependencies)) {
        if (isIgnored([input], ignore)) continue;
        const leaf = wiredChange(input, m.head.props[input], deps, sources);
        if (!leaf) continue;
        // a difference the plans show themselves stands; a wired one only grows more certain
        if (m.leaves.some((l) => l.path[0] === input && l.from === undefined)) continue;
        const i = m.leaves.findIndex((l) => l.path[0] === input);
        const prev = m.leaves[i];
        if (prev && strength(prev) >= strength(leaf)) continue;
        if (prev) m.leaves.splice(i, 1, leaf);
        else m.leaves.push(leaf);
        changedSomething = true;
      }
      if (!replaceable(m.head)) continue;
      const hits = triggerHits(m);
      if (hits.length === 0) continue;
      const certain = hits.some((h) => h.certainty === "changed");
      const known = replaced.get(m);
      replaced.set(m, hits);
      if (known && known.some((h) => h.certainty === "changed") === certain) continue;
      sources.set(m.head.urn, {
        name: m.head.name,
        type: m.head.type,
        change: "replaced",
        certain,
      });
      changedSomething = true;
    }
  }
  return replaced;
}
