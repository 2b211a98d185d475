// The offline analogue of a preview's change summary: what changes between two plan files.
//
// Resources are matched by the engine's URN with the stack and project segments stripped (rebuilt
// from the parent chain: identity.ts), so two stacks (dev and prod) or two branches of one stack
// compare alike. Replacements are followed through dependencies (propagation.ts), changes that
// cannot work are found (findings.ts), and what each delete or replacement loses is named
// (data-loss.ts). Everything here is pure: no file system, no clock, deterministic order, so the
// tests assert exact output.

import { PlanIndex } from "../plan/plan-index";
import type { PlanFile, PlanResource, PlanResourceOptions } from "../plan/types";
import { STATEFUL_TYPES } from "./data-loss";
import { findFindings, type Finding } from "./findings";
import { PlanKeys } from "./identity";
import { diffCost, diffPolicy, type CostDiff, type PolicyDiff } from "./policy-cost";
import { propagate, triggerHits, type Matched, type Source } from "./propagation";
import { pairRenames, type RenameKind, type RenamePair } from "./renames";
import { byTopLevel, diffProps, isIgnored, parseIgnorePath, type InputChange } from "./values";

export type { Certainty, InputChange } from "./values";
export type { ChangeSource } from "./values";
export type { Finding } from "./findings";
export type { CostDiff, CostLineChange, PolicyDiff, PolicySummary } from "./policy-cost";
export { STATEFUL_TYPES } from "./data-loss";

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
  /** A remote (multi-language) component: the resources it creates are not in the plan. */
  remote?: true;
}

export interface ChangedResource extends ResourceRef {
  inputs: InputChange[];
  options: OptionChange[];
}

export type ReplaceReason =
  /** The URN disappeared while the same resource appeared under another: a rename or move, no alias. */
  | "urn-changed"
  /** An input the provider cannot update in place changed, or takes a replaced resource's new value. */
  | "replace-on-change";

export interface ReplacedResource {
  reason: ReplaceReason;
  /** For a URN change: moved (same name, another parent) or renamed (same parent, another name). */
  kind?: RenameKind;
  before: ResourceRef;
  after: ResourceRef;
  /**
   * The inputs that force the replacement. For a URN change: those that would force it even with
   * an alias (an alias then does not keep the resource).
   */
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
  /** What is lost, in words ("database contents (mysql openemr-db)"). */
  loses: string;
  /** false when the replacement is only possible (an unknown or dependent input). */
  certain: boolean;
  protect: boolean;
  retainOnDelete: boolean;
  /** Mitigations and consequences read from the resource and the plan, in words. */
  notes: string[];
  /**
   * For a URN change: the old URN as the engine forms it. Listing it in the new resource's
   * `aliases` option turns the replacement into an update (absent when an input would still force
   * a replacement, or across stacks).
   */
  alias?: string;
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
  /** Changes `pulumi up` cannot carry out (errors) or that do not do what they look like (warnings). */
  findings: Finding[];
  policy: PolicyDiff;
  cost: CostDiff;
}

// ---------------------------------------------------------------------------------------------

function ref(r: PlanResource): ResourceRef {
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    custom: r.custom,
    ...(r.remote === true ? { remote: true as const } : {}),
  };
}

type Named = Pick<ResourceRef, "type" | "name" | "urn">;

function compareRefs(x: Named, y: Named): number {
  if (x.type !== y.type) return x.type < y.type ? -1 : 1;
  if (x.name !== y.name) return x.name < y.name ? -1 : 1;
  return x.urn < y.urn ? -1 : x.urn > y.urn ? 1 : 0;
}

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

/** A base and a head resource as one, with their input changes (ignoreChanges honoured). */
function match(base: PlanResource, head: PlanResource): Matched {
  const ignore = head.opts.ignoreChanges.map(parseIgnorePath);
  const leaves = diffProps(base.props, head.props).filter((l) => !isIgnored(l.path, ignore));
  return { base, head, leaves };
}

function dataLossFor(
  change: "removed" | "replaced",
  before: PlanResource,
  certain: boolean,
  plan: PlanIndex,
): DataLossWarning | undefined {
  const st = STATEFUL_TYPES[before.type];
  if (!st) return undefined;
  return {
    change,
    urn: before.urn,
    type: before.type,
    name: before.name,
    loses: st.loses(before, plan),
    certain,
    protect: before.opts.protect,
    retainOnDelete: before.opts.retainOnDelete,
    notes: st.notes ? st.notes(before, plan) : [],
  };
}

/** Whether a removal loses data: a resource kept by retainOnDelete is only dropped from the stack. */
export function losesData(w: DataLossWarning): boolean {
  return w.change === "replaced" || !w.retainOnDelete;
}

/** Whether `pulumi up` should wait for a person: data would be lost, or a change cannot work. */
export function needsAttention(d: PlanDiff): boolean {
  return d.dataLoss.some(losesData) || d.findings.some((f) => f.level === "error");
}

const certainOf = (triggers: InputChange[]): boolean =>
  triggers.some((t) => t.certainty === "changed");

interface Correspondence {
  /** Resources in both plans (by key, or through a head resource's aliases). */
  matched: Matched[];
  renames: ReturnType<typeof pairRenames>;
}

/** Which base resource each head resource is: same key, a declared alias, or a rename or move. */
function correspond(base: PlanFile, head: PlanFile, baseKeys: PlanKeys, headKeys: PlanKeys) {
  const baseByKey = new Map(base.resources.map((r) => [baseKeys.of(r), r]));
  const headByKey = new Map(head.resources.map((r) => [headKeys.of(r), r]));
  // A head resource whose `aliases` name a base URN is that resource, moved or renamed: the engine
  // updates it in place instead of replacing it.
  const baseOf = (h: PlanResource): PlanResource | undefined =>
    baseByKey.get(headKeys.of(h)) ??
    (h.opts.aliases ?? []).map((a) => baseByKey.get(baseKeys.key(a))).find((b) => b !== undefined);
  const matched: Matched[] = [];
  const taken = new Set<PlanResource>();
  for (const h of head.resources) {
    const b = baseOf(h);
    if (!b) continue;
    matched.push(match(b, h));
    taken.add(b);
  }
  const onlyBase = base.resources.filter((r) => !headByKey.has(baseKeys.of(r)) && !taken.has(r));
  const onlyHead = head.resources.filter((r) => !baseOf(r));
  return {
    matched,
    renames: pairRenames(onlyBase, onlyHead, baseKeys, headKeys),
  } satisfies Correspondence;
}

/**
 * Head resources whose cloud resource is new: added, or the new side of a URN change. Inputs wired
 * from them get new values on deploy even when the plan shows the same ones. Components hold
 * nothing of their own, so only custom resources and remote components count.
 */
function newResources(renames: Correspondence["renames"]): Map<string, Source> {
  const sources = new Map<string, Source>();
  for (const r of renames.added) {
    if (r.custom || r.remote === true) {
      sources.set(r.urn, { name: r.name, type: r.type, change: "created", certain: true });
    }
  }
  for (const p of renames.pairs) {
    sources.set(p.after.urn, {
      name: p.after.name,
      type: p.after.type,
      change: "replaced",
      certain: true,
    });
  }
  return sources;
}

/** A rename or move: replaced, with the inputs that would force it even under an alias. */
function renamedResource(p: RenamePair): ReplacedResource {
  return {
    reason: "urn-changed",
    kind: p.kind,
    before: ref(p.before),
    after: ref(p.after),
    triggers: byTopLevel(triggerHits(match(p.before, p.after))),
    inputs: byTopLevel(diffProps(p.before.props, p.after.props)),
    certain: true,
  };
}

/** Warnings for removed and replaced stateful resources, with the alias that would keep a moved one. */
function dataLossOf(
  removed: ResourceRef[],
  replaced: ReplacedResource[],
  base: PlanIndex,
  baseKeys: PlanKeys,
  sameStack: boolean,
): DataLossWarning[] {
  const dataLoss: DataLossWarning[] = [];
  for (const r of removed) {
    const res = base.get(r.urn);
    const w = res && dataLossFor("removed", res, true, base);
    if (w) dataLoss.push(w);
  }
  for (const r of replaced) {
    const res = base.get(r.before.urn);
    const w = res && dataLossFor("replaced", res, r.certain, base);
    if (!w || !res) continue;
    if (r.reason === "urn-changed" && r.triggers.length > 0) {
      const one = r.triggers.length === 1;
      w.notes.push(
        `an alias would not keep it: ${r.triggers.map((t) => t.name).join(", ")} also ${one ? "changes" : "change"}, and the provider cannot change ${one ? "that" : "those"} in place`,
      );
    } else if (r.reason === "urn-changed" && sameStack) {
      // a URN alias names the stack, so it only helps within one stack
      w.alias = baseKeys.aliasUrn(res);
    }
    dataLoss.push(w);
  }
  return dataLoss.sort((x, y) => Number(losesData(y)) - Number(losesData(x)) || compareRefs(x, y));
}

export function diffPlans(base: PlanFile, head: PlanFile): PlanDiff {
  const baseKeys = new PlanKeys(base);
  const headKeys = new PlanKeys(head);
  const baseIndex = new PlanIndex(base);
  const { matched, renames } = correspond(base, head, baseKeys, headKeys);
  const sources = newResources(renames);
  const replacedMatched = propagate(matched, sources);

  const replaced = renames.pairs.map(renamedResource);
  const changed: ChangedResource[] = [];
  let unchanged = 0;
  for (const m of matched) {
    const hits = replacedMatched.get(m);
    const inputs = byTopLevel(m.leaves);
    if (hits) {
      const triggers = byTopLevel(hits);
      replaced.push({
        reason: "replace-on-change",
        before: ref(m.base),
        after: ref(m.head),
        triggers,
        inputs,
        certain: certainOf(triggers),
      });
      continue;
    }
    const options = optionChanges(m.base.opts, m.head.opts);
    if (inputs.length === 0 && options.length === 0) unchanged++;
    else changed.push({ ...ref(m.head), inputs, options });
  }
  changed.sort(compareRefs);
  replaced.sort((x, y) => compareRefs(x.before, y.before));
  const added = renames.added.map(ref).sort(compareRefs);
  const removed = renames.removed.map((r) => ({ ...ref(r), opts: r.opts })).sort(compareRefs);

  // base keys of renamed resources -> their head keys, so their lines and violations pair up
  const renamed = new Map(renames.pairs.map((p) => [baseKeys.of(p.before), headKeys.of(p.after)]));
  const keys = {
    base: (urn: string) => {
      const k = baseKeys.key(urn);
      return renamed.get(k) ?? k;
    },
    head: (urn: string) => headKeys.key(urn),
  };

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
    dataLoss: dataLossOf(removed, replaced, baseIndex, baseKeys, base.stack === head.stack),
    findings: findFindings({
      matched,
      replaced: replacedMatched,
      sources,
      head: new PlanIndex(head),
    }),
    policy: diffPolicy(base.policy, head.policy, keys),
    cost: diffCost(base.cost, head.cost, keys),
  };
}
