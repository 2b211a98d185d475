// The offline analogue of a preview's change summary: what changes between two plan files.
//
// Resources are matched by URN with the stack and project segments stripped, so two stacks (dev and
// prod) or two branches of one stack compare alike. Everything here is pure: no file system, no
// clock, deterministic order, so the tests assert exact output.

import { byLevel } from "../plan/blocks";
import { urnKey, urnName } from "../plan/plan-index";
import { REPLACE_ON_CHANGE } from "../plan/replace-on-change";
import { T } from "../plan/tokens";
import {
  COMPUTED,
  type CostBlock,
  type PlanFile,
  type PlanResource,
  type PlanResourceOptions,
  type PlanValue,
  type PolicyBlock,
  type PolicyViolation,
} from "../plan/types";
import { isObject } from "../plan/values";

/** "changed": the value differs; "may-change": one side is "<computed>" or comes from a replaced resource. */
export type Certainty = "changed" | "may-change";

export interface InputChange {
  /** Top-level input name (`rootBlockDevice`, `tags`). */
  name: string;
  certainty: Certainty;
}

export interface OptionChange {
  name: "protect" | "retainOnDelete" | "ignoreChanges";
  before: boolean | string[];
  after: boolean | string[];
}

export interface ResourceRef {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
}

export interface ChangedResource extends ResourceRef {
  inputs: InputChange[];
  options: OptionChange[];
}

export type ReplaceReason =
  /** The URN disappeared while one of the same type appeared: a rename or re-parent without an alias. */
  | "urn-changed"
  /** An input that the provider cannot update in place changed. */
  | "replace-on-change";

export interface ReplacedResource {
  reason: ReplaceReason;
  before: ResourceRef;
  after: ResourceRef;
  /** The inputs that force the replacement (replace-on-change only). */
  triggers: InputChange[];
  /** Every changed input, triggers included. */
  inputs: InputChange[];
  /** false when every trigger is only "may-change". */
  certain: boolean;
}

export interface DataLossWarning {
  change: "removed" | "replaced";
  /** The resource as it is now (the base plan's side). */
  urn: string;
  type: string;
  name: string;
  /** What is lost, in words ("database contents"). */
  loses: string;
  /** false when the replacement is only possible (an unknown or dependent input). */
  certain: boolean;
  protect: boolean;
  retainOnDelete: boolean;
  /** Mitigations and consequences read from the resource's inputs, in words. */
  notes: string[];
  /**
   * For a URN change: the old URN. Listing it in the new resource's `aliases` option turns the
   * replacement into an update.
   */
  alias?: string;
}

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

export interface PlanDiff {
  project: { base: string; head: string };
  stack: { base: string; head: string };
  preset: { base: string; head: string };
  region: { base: string; head: string };
  added: ResourceRef[];
  removed: (ResourceRef & { opts: PlanResourceOptions })[];
  changed: ChangedResource[];
  replaced: ReplacedResource[];
  unchanged: number;
  dataLoss: DataLossWarning[];
  policy: PolicyDiff;
  cost: CostDiff;
}

// ---------------------------------------------------------------------------------------------
// Stateful types (their replace-on-change inputs are in tools/plan/replace-on-change.ts)

interface StatefulType {
  /** What a delete loses. */
  loses: string;
  /** Consequences and mitigations read from the base resource's inputs. */
  notes?: (props: Record<string, PlanValue>) => string[];
}

const rdsNotes = (props: Record<string, PlanValue>): string[] => {
  const notes: string[] = [];
  if (props.deletionProtection === true) {
    notes.push("AWS deletion protection is on: the delete fails until it is turned off");
  }
  if (props.skipFinalSnapshot === true) {
    notes.push("no final snapshot (skipFinalSnapshot)");
  } else if (props.skipFinalSnapshot === false) {
    notes.push("a final snapshot is taken");
  }
  return notes;
};

const bucketNotes = (props: Record<string, PlanValue>): string[] =>
  props.forceDestroy === true
    ? ["forceDestroy is on: every object is deleted with the bucket"]
    : ["AWS refuses to delete the bucket while it holds objects (forceDestroy off)"];

/**
 * Stateful resource types: the ones whose delete or replacement loses data. A generated password
 * counts: replacing it changes a credential that something outside Pulumi's view still holds.
 */
export const STATEFUL_TYPES: Readonly<Record<string, StatefulType>> = {
  [T.rdsInstance]: {
    loses: "database contents",
    notes: rdsNotes,
  },
  [T.rdsCluster]: {
    loses: "database contents",
    notes: rdsNotes,
  },
  [T.rdsClusterInstance]: {
    loses:
      "a database instance (the data lives in its cluster; capacity is lost while it is recreated)",
  },
  [T.ebsVolume]: {
    loses: "volume contents",
    notes: (props) => (props.finalSnapshot === true ? ["a final snapshot is taken"] : []),
  },
  [T.ec2Instance]: {
    loses: "the root volume's contents",
  },
  [T.efsFileSystem]: {
    loses: "files",
  },
  [T.bucket]: {
    loses: "objects",
    notes: bucketNotes,
  },
  [T.bucketV2]: {
    loses: "objects",
    notes: bucketNotes,
  },
  [T.kmsKey]: {
    loses: "the key: everything encrypted with it becomes unreadable",
    notes: (props) => [
      `deletion is scheduled ${typeof props.deletionWindowInDays === "number" ? props.deletionWindowInDays : 30} days out and can be cancelled until then`,
    ],
  },
  [T.backupVault]: {
    loses: "recovery points",
    notes: (props) =>
      props.forceDestroy === true
        ? ["forceDestroy is on: recovery points are deleted with the vault"]
        : ["AWS refuses to delete the vault while it holds recovery points (forceDestroy off)"],
  },
  [T.secret]: {
    loses: "the secret value",
    notes: (props) =>
      props.recoveryWindowInDays === 0
        ? ["recoveryWindowInDays is 0: deleted at once, no recovery"]
        : [
            `recoverable for ${typeof props.recoveryWindowInDays === "number" ? props.recoveryWindowInDays : 30} days`,
          ],
  },
  [T.randomPassword]: {
    loses:
      "the generated password: a new one is generated, and whatever still uses the old one (a database user, a login) no longer matches",
  },
  [T.logGroup]: {
    loses: "log events (audit trail)",
    notes: (props) =>
      props.skipDestroy === true ? ["skipDestroy: the log group stays in AWS"] : [],
  },
};

// ---------------------------------------------------------------------------------------------
// Value comparison

interface LeafChange {
  path: string[];
  certainty: Certainty;
}

/** Leaf-level differences between two input values. Two unknowns compare equal (nothing to tell). */
function diffValue(
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

/** Pulumi ignoreChanges paths (`tags["Name"]`, `ingress[0].cidrBlocks`, `a.b`) as segments. */
function parseIgnorePath(p: string): string[] {
  return p
    .replace(/\[\s*"([^"]*)"\s*\]/g, ".$1")
    .replace(/\[(\d+|\*)\]/g, ".$1")
    .split(".")
    .filter((s) => s.length > 0);
}

function isIgnored(path: string[], ignore: string[][]): boolean {
  return ignore.some(
    (ig) => ig.length <= path.length && ig.every((seg, i) => seg === "*" || seg === path[i]),
  );
}

function strongest(a: Certainty | undefined, b: Certainty): Certainty {
  return a === "changed" || b === "changed" ? "changed" : "may-change";
}

/** Group leaf changes by top-level input name, sorted by name. */
function byTopLevel(leaves: LeafChange[]): InputChange[] {
  const m = new Map<string, Certainty>();
  for (const l of leaves) {
    const name = l.path[0];
    if (name !== undefined) m.set(name, strongest(m.get(name), l.certainty));
  }
  return [...m.entries()]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([name, certainty]) => ({ name, certainty }));
}

// ---------------------------------------------------------------------------------------------
// Matching

function ref(r: PlanResource): ResourceRef {
  return { urn: r.urn, type: r.type, name: r.name, custom: r.custom };
}

type Named = Pick<ResourceRef, "type" | "name" | "urn">;

function compareRefs(x: Named, y: Named): number {
  if (x.type !== y.type) return x.type < y.type ? -1 : 1;
  if (x.name !== y.name) return x.name < y.name ? -1 : 1;
  return x.urn < y.urn ? -1 : x.urn > y.urn ? 1 : 0;
}

/** Share of top-level inputs that are deeply equal: how alike two resources of one type are. */
function similarity(a: PlanResource, b: PlanResource): number {
  const keys = new Set([...Object.keys(a.props), ...Object.keys(b.props)]);
  if (keys.size === 0) return 1;
  let same = 0;
  for (const k of keys) {
    const out: LeafChange[] = [];
    diffValue(a.props[k], b.props[k], [k], out);
    if (out.length === 0) same++;
  }
  return same / keys.size;
}

/**
 * Pair removed and added custom resources of the same type, most alike first: Pulumi sees a new
 * URN as a new resource, so each pair is a create plus a delete, i.e. a replacement.
 */
function pairRenames(
  removed: PlanResource[],
  added: PlanResource[],
): { pairs: [PlanResource, PlanResource][]; removed: PlanResource[]; added: PlanResource[] } {
  const candidates: { score: number; r: PlanResource; a: PlanResource }[] = [];
  for (const r of removed) {
    if (!r.custom) continue;
    for (const a of added) {
      if (a.custom && a.type === r.type) candidates.push({ score: similarity(r, a), r, a });
    }
  }
  candidates.sort(
    (x, y) =>
      y.score - x.score || compareRefs(ref(x.r), ref(y.r)) || compareRefs(ref(x.a), ref(y.a)),
  );
  const usedR = new Set<PlanResource>();
  const usedA = new Set<PlanResource>();
  const pairs: [PlanResource, PlanResource][] = [];
  for (const c of candidates) {
    if (usedR.has(c.r) || usedA.has(c.a)) continue;
    usedR.add(c.r);
    usedA.add(c.a);
    pairs.push([c.r, c.a]);
  }
  return {
    pairs,
    removed: removed.filter((r) => !usedR.has(r)),
    added: added.filter((a) => !usedA.has(a)),
  };
}

// ---------------------------------------------------------------------------------------------
// Data-loss warnings

function dataLossFor(
  change: "removed" | "replaced",
  before: PlanResource,
  certain: boolean,
): DataLossWarning | undefined {
  const st = STATEFUL_TYPES[before.type];
  if (!st) return undefined;
  return {
    change,
    urn: before.urn,
    type: before.type,
    name: before.name,
    loses: st.loses,
    certain,
    protect: before.opts.protect,
    retainOnDelete: before.opts.retainOnDelete,
    notes: st.notes ? st.notes(before.props) : [],
  };
}

/** Whether a removal loses data: a resource kept by retainOnDelete is only dropped from the stack. */
export function losesData(w: DataLossWarning): boolean {
  return w.change === "replaced" || !w.retainOnDelete;
}

// ---------------------------------------------------------------------------------------------
// Policy and cost

function summarisePolicy(p: PolicyBlock | undefined): PolicySummary | undefined {
  if (!p) return undefined;
  const { mandatory, advisory } = byLevel(p.violations);
  return { pack: p.pack, passed: p.passed, mandatory: mandatory.length, advisory: advisory.length };
}

/** Base URN keys of renamed resources -> their head URN keys, so their lines and violations pair up. */
type Renamed = ReadonlyMap<string, string>;

function keyOf(urn: string, renamed: Renamed): string {
  const k = urnKey(urn);
  return renamed.get(k) ?? k;
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
  renamed: Renamed,
): { introduced: PolicyViolation[]; resolved: PolicyViolation[] } {
  let b = [...base];
  let h = [...head];
  const keys: ((v: PolicyViolation, side: "base" | "head") => string)[] = [
    (v, side) =>
      `${v.policy}\u0000${side === "base" ? keyOf(v.urn, renamed) : urnKey(v.urn)}\u0000${v.message}`,
    (v, side) => `${v.policy}\u0000${side === "base" ? keyOf(v.urn, renamed) : urnKey(v.urn)}`,
  ];
  for (const key of keys) {
    const unmatched: PolicyViolation[] = [];
    for (const v of h) {
      const i = b.findIndex((x) => key(x, "base") === key(v, "head"));
      if (i >= 0) b = [...b.slice(0, i), ...b.slice(i + 1)];
      else unmatched.push(v);
    }
    h = unmatched;
  }
  return { introduced: h.sort(compareViolations), resolved: b.sort(compareViolations) };
}

function diffPolicy(
  base: PolicyBlock | undefined,
  head: PolicyBlock | undefined,
  renamed: Renamed,
): PolicyDiff {
  const m = matchViolations(base?.violations ?? [], head?.violations ?? [], renamed);
  return {
    base: summarisePolicy(base),
    head: summarisePolicy(head),
    introduced: base ? m.introduced : [],
    resolved: head ? m.resolved : [],
  };
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

function diffCost(
  base: CostBlock | undefined,
  head: CostBlock | undefined,
  renamed: Renamed,
): CostDiff {
  const out: CostDiff = { base: base?.monthlyUsd, head: head?.monthlyUsd, lines: [] };
  if (!base || !head) return out;
  out.delta = round2(head.monthlyUsd - base.monthlyUsd);
  if (base.asOf !== head.asOf) out.asOf = { base: base.asOf, head: head.asOf };
  const lines = new Map<string, CostLineChange>();
  const line = (urn: string, item: string, rename: Renamed): CostLineChange => {
    const k = `${keyOf(urn, rename)}\u0000${item}`;
    let l = lines.get(k);
    if (!l) {
      l = { name: urnName(urn), item, before: 0, after: 0, delta: 0 };
      lines.set(k, l);
    }
    return l;
  };
  // Head lines first, so a renamed resource is shown under its new name.
  for (const l of head.lines) line(l.urn, l.item, new Map()).after += l.monthlyUsd;
  for (const l of base.lines) line(l.urn, l.item, renamed).before += l.monthlyUsd;
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

// ---------------------------------------------------------------------------------------------
// The diff

function optionChanges(a: PlanResourceOptions, b: PlanResourceOptions): OptionChange[] {
  const out: OptionChange[] = [];
  if (a.protect !== b.protect) out.push({ name: "protect", before: a.protect, after: b.protect });
  if (a.retainOnDelete !== b.retainOnDelete) {
    out.push({ name: "retainOnDelete", before: a.retainOnDelete, after: b.retainOnDelete });
  }
  const ia = [...a.ignoreChanges].sort();
  const ib = [...b.ignoreChanges].sort();
  if (ia.join("\u0000") !== ib.join("\u0000")) {
    out.push({ name: "ignoreChanges", before: ia, after: ib });
  }
  return out;
}

interface Matched {
  base: PlanResource;
  head: PlanResource;
  leaves: LeafChange[];
}

/** The value at a dot path; an unknown on the way makes the whole value unknown. */
function valueAt(props: Record<string, PlanValue>, path: string[]): PlanValue | undefined {
  let v: PlanValue | undefined = props;
  for (const seg of path) {
    if (v === COMPUTED) return COMPUTED;
    if (Array.isArray(v)) v = v[Number(seg)];
    else if (v !== undefined && isObject(v)) v = v[seg];
    else return undefined;
  }
  return v;
}

/**
 * The replace-on-change inputs of a matched resource that differ: compared at their exact path (so
 * `rootBlockDevice.volumeSize` does not trigger `rootBlockDevice.kmsKeyId`), or "may change"
 * because their top-level input is wired from a new resource.
 */
function triggerHits(m: Matched, ignore: string[][]): LeafChange[] {
  const hits: LeafChange[] = [];
  for (const t of (REPLACE_ON_CHANGE[m.head.type] ?? []).map((p) => p.split("."))) {
    const out: LeafChange[] = [];
    diffValue(valueAt(m.base.props, t), valueAt(m.head.props, t), t, out);
    const kept = out.filter((l) => !isIgnored(l.path, ignore));
    if (kept.length > 0) hits.push(...kept);
    else if (
      m.leaves.some(
        (l) => l.path.length === 1 && l.path[0] === t[0] && l.certainty === "may-change",
      )
    ) {
      hits.push({ path: [t[0] ?? ""], certainty: "may-change" });
    }
  }
  return hits;
}

export function diffPlans(base: PlanFile, head: PlanFile): PlanDiff {
  const baseByKey = new Map(base.resources.map((r) => [urnKey(r.urn), r]));
  const headByKey = new Map(head.resources.map((r) => [urnKey(r.urn), r]));
  // A head resource whose `aliases` name a base URN is that resource, moved or renamed: the engine
  // updates it in place instead of replacing it.
  const baseOf = (h: PlanResource): PlanResource | undefined =>
    baseByKey.get(urnKey(h.urn)) ??
    (h.opts.aliases ?? []).map((a) => baseByKey.get(urnKey(a))).find((b) => b !== undefined);
  const aliased = new Set(
    head.resources.flatMap((h) => {
      const b = baseByKey.has(urnKey(h.urn)) ? undefined : baseOf(h);
      return b ? [urnKey(b.urn)] : [];
    }),
  );

  const onlyBase = base.resources.filter(
    (r) => !headByKey.has(urnKey(r.urn)) && !aliased.has(urnKey(r.urn)),
  );
  const onlyHead = head.resources.filter((r) => !baseOf(r));
  const renames = pairRenames(onlyBase, onlyHead);

  // Resources present on both sides, with their leaf-level input changes (ignoreChanges honoured).
  const matched: Matched[] = [];
  for (const h of head.resources) {
    const b = baseOf(h);
    if (!b) continue;
    const leaves: LeafChange[] = [];
    const keys = [...new Set([...Object.keys(b.props), ...Object.keys(h.props)])].sort();
    for (const k of keys) diffValue(b.props[k], h.props[k], [k], leaves);
    const ignore = h.opts.ignoreChanges.map(parseIgnorePath);
    matched.push({ base: b, head: h, leaves: leaves.filter((l) => !isIgnored(l.path, ignore)) });
  }

  // Head URNs whose cloud resource is new: added, or the new side of a replacement. An input wired
  // from one of them gets a new value on deploy even when the plan shows the same one, so it "may
  // change"; that can force further replacements, hence the fixpoint.
  // Components hold nothing of their own, so only custom resources count.
  const fresh = new Set<string>([
    ...renames.added.filter((r) => r.custom).map((r) => r.urn),
    ...renames.pairs.map(([, a]) => a.urn),
  ]);
  const replacedMatched = new Map<Matched, LeafChange[]>();
  for (let changedSomething = true; changedSomething;) {
    changedSomething = false;
    for (const m of matched) {
      const ignore = m.head.opts.ignoreChanges.map(parseIgnorePath);
      for (const [prop, deps] of Object.entries(m.head.propertyDependencies)) {
        if (!deps.some((d) => fresh.has(d))) continue;
        if (m.leaves.some((l) => l.path[0] === prop) || isIgnored([prop], ignore)) continue;
        m.leaves.push({ path: [prop], certainty: "may-change" });
        changedSomething = true;
      }
      if (replacedMatched.has(m) || !m.head.custom) continue;
      const hits = triggerHits(m, ignore);
      if (hits.length > 0) {
        replacedMatched.set(m, hits);
        fresh.add(m.head.urn);
        changedSomething = true;
      }
    }
  }

  const added = renames.added.map(ref).sort(compareRefs);
  const removed = renames.removed.map((r) => ({ ...ref(r), opts: r.opts })).sort(compareRefs);

  const replaced: ReplacedResource[] = [];
  const dataLoss: DataLossWarning[] = [];
  for (const [b, a] of renames.pairs) {
    const leaves: LeafChange[] = [];
    const keys = [...new Set([...Object.keys(b.props), ...Object.keys(a.props)])].sort();
    for (const k of keys) diffValue(b.props[k], a.props[k], [k], leaves);
    replaced.push({
      reason: "urn-changed",
      before: ref(b),
      after: ref(a),
      triggers: [],
      inputs: byTopLevel(leaves),
      certain: true,
    });
  }
  const changed: ChangedResource[] = [];
  let unchanged = 0;
  for (const m of matched) {
    const rep = replacedMatched.get(m);
    const inputs = byTopLevel(m.leaves);
    if (rep) {
      const triggers = byTopLevel(rep);
      replaced.push({
        reason: "replace-on-change",
        before: ref(m.base),
        after: ref(m.head),
        triggers,
        inputs,
        certain: triggers.some((t) => t.certainty === "changed"),
      });
      continue;
    }
    const options = optionChanges(m.base.opts, m.head.opts);
    if (inputs.length === 0 && options.length === 0) {
      unchanged++;
      continue;
    }
    changed.push({ ...ref(m.head), inputs, options });
  }
  changed.sort(compareRefs);
  replaced.sort((x, y) => compareRefs(x.before, y.before));

  const baseByUrn = new Map(base.resources.map((r) => [r.urn, r]));
  for (const r of removed) {
    const res = baseByUrn.get(r.urn);
    const w = res && dataLossFor("removed", res, true);
    if (w) dataLoss.push(w);
  }
  for (const r of replaced) {
    const res = baseByUrn.get(r.before.urn);
    const w = res && dataLossFor("replaced", res, r.certain);
    // A URN alias names the stack, so it only helps within one stack.
    if (w && r.reason === "urn-changed" && base.stack === head.stack) w.alias = r.before.urn;
    if (w) dataLoss.push(w);
  }
  dataLoss.sort((x, y) => Number(losesData(y)) - Number(losesData(x)) || compareRefs(x, y));
  const renamed: Renamed = new Map(renames.pairs.map(([b, a]) => [urnKey(b.urn), urnKey(a.urn)]));

  return {
    project: { base: base.project, head: head.project },
    stack: { base: base.stack, head: head.stack },
    preset: { base: base.preset, head: head.preset },
    region: { base: base.region, head: head.region },
    added,
    removed,
    changed,
    replaced,
    unchanged,
    dataLoss,
    policy: diffPolicy(base.policy, head.policy, renamed),
    cost: diffCost(base.cost, head.cost, renamed),
  };
}
