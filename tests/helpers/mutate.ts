// Small, named edits of recorded plans. Tests start from a plan the program records (planStack) and
// change only what they are about: `mutate(plan, ...edits)` deep-copies the plan and applies the
// edits in order, so the cached plan is never touched. Every edit names its resource by type token
// and name suffix (exactly one must match), and fails loudly when the plan no longer has what it
// expects, so a test cannot silently stop exercising the program's real resources.
import type { PlanFile, PlanResource, PlanValue } from "../../tools/plan/types";
import { one } from "./resources";

/** One change to a plan; `mutate` applies it to a deep copy. */
export type PlanEdit = (plan: PlanFile) => void;

/** A resource of the plan: its type token and the end of its name. */
export type Target = readonly [type: string, nameSuffix: string];

/** A property path: "rootBlockDevice.encrypted", "rules.0.expiration.days", or its parts. */
export type PropPath = string | readonly (string | number)[];

type PlanObject = { [key: string]: PlanValue };

/** A deep copy of `plan` with `edits` applied in order. */
export function mutate(plan: PlanFile, ...edits: PlanEdit[]): PlanFile {
  const copy = structuredClone(plan);
  for (const edit of edits) {
    edit(copy);
  }
  return copy;
}

/** The one resource of `type` whose name ends with `nameSuffix` (throws otherwise). */
export function resource(plan: PlanFile, [type, nameSuffix]: Target): PlanResource {
  return one(plan, type, nameSuffix);
}

function isObject(v: PlanValue | undefined): v is PlanObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function partsOf(path: PropPath): (string | number)[] {
  const parts = typeof path === "string" ? path.split(".") : [...path];
  if (parts.length === 0 || parts.some((p) => p === "")) {
    throw new Error(`invalid property path "${String(path)}"`);
  }
  return parts.map((p) => (typeof p === "string" && /^\d+$/.test(p) ? Number(p) : p));
}

function where(r: PlanResource, path: PropPath): string {
  return `${r.type} ${r.name}: ${typeof path === "string" ? path : path.join(".")}`;
}

/**
 * The container that holds the last part of `path`, walking from the resource's props. With
 * `create`, missing objects on the way are created; otherwise a missing step throws.
 */
function parentOf(
  r: PlanResource,
  path: PropPath,
  create: boolean,
): { container: PlanObject | PlanValue[]; key: string | number } {
  const parts = partsOf(path);
  let cur: PlanObject | PlanValue[] = r.props;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i];
    let next: PlanValue | undefined;
    if (Array.isArray(cur)) {
      if (typeof key !== "number") throw new Error(`${where(r, path)}: ${key} is not an index`);
      next = cur[key];
    } else {
      if (typeof key === "number") throw new Error(`${where(r, path)}: ${key} is not a key`);
      next = cur[key];
      if (next === undefined && create) {
        next = {};
        cur[key] = next;
      }
    }
    if (!isObject(next) && !Array.isArray(next)) {
      throw new Error(`${where(r, path)}: no object or list at ${parts.slice(0, i + 1).join(".")}`);
    }
    cur = next;
  }
  return { container: cur, key: parts[parts.length - 1] };
}

/** The value at `path` in the resource's props, or undefined when absent. */
export function valueAt(r: PlanResource, path: PropPath): PlanValue | undefined {
  let cur: PlanValue | undefined = r.props;
  for (const key of partsOf(path)) {
    if (Array.isArray(cur) && typeof key === "number") cur = cur[key];
    else if (isObject(cur) && typeof key === "string") cur = cur[key];
    else return undefined;
  }
  return cur;
}

/** The string at `path` in the resource's props (throws when it is not a string). */
export function stringAt(r: PlanResource, path: PropPath): string {
  const value = valueAt(r, path);
  if (typeof value !== "string") throw new Error(`${where(r, path)}: not a string`);
  return value;
}

/** Sets a (possibly nested) property; missing objects on the way are created. */
export function setProp(target: Target, path: PropPath, value: PlanValue): PlanEdit {
  return (plan) => {
    const r = resource(plan, target);
    const { container, key } = parentOf(r, path, true);
    if (Array.isArray(container)) {
      if (typeof key !== "number" || key > container.length) {
        throw new Error(`${where(r, path)}: no such index`);
      }
      container[key] = structuredClone(value);
    } else {
      if (typeof key === "number") throw new Error(`${where(r, path)}: ${key} is not a key`);
      container[key] = structuredClone(value);
    }
  };
}

/**
 * Removes a property the resource has (throws when it has none). Removing a top-level property
 * also removes its property dependencies, as a program that stops passing it would.
 */
export function unsetProp(target: Target, path: PropPath): PlanEdit {
  return (plan) => {
    const r = resource(plan, target);
    if (valueAt(r, path) === undefined) {
      throw new Error(`${where(r, path)}: not set, nothing to remove`);
    }
    const { container, key } = parentOf(r, path, false);
    if (Array.isArray(container)) {
      if (typeof key !== "number") throw new Error(`${where(r, path)}: ${key} is not an index`);
      container.splice(key, 1);
    } else {
      delete container[String(key)];
    }
    const parts = partsOf(path);
    if (parts.length === 1) {
      delete r.propertyDependencies[String(parts[0])];
    }
  };
}

/** Edits the resource's props in place (for changes the other edits do not express). */
export function editProps(
  target: Target,
  edit: (props: Record<string, PlanValue>, r: PlanResource) => void,
): PlanEdit {
  return (plan) => {
    const r = resource(plan, target);
    edit(r.props, r);
  };
}

/** Edits the resource (opts, dependencies) in place. */
export function editResource(
  target: Target,
  edit: (r: PlanResource, plan: PlanFile) => void,
): PlanEdit {
  return (plan) => edit(resource(plan, target), plan);
}

/**
 * Parses a JSON-string property (e.g. containerDefinitions), edits the parsed value in place, and
 * stores it back as JSON. `T` is the shape the test expects the document to have.
 */
export function editJson<T = PlanValue>(
  target: Target,
  prop: string,
  edit: (value: T) => void,
): PlanEdit {
  return (plan) => {
    const r = resource(plan, target);
    const text = r.props[prop];
    if (typeof text !== "string") throw new Error(`${where(r, prop)}: not a JSON string`);
    const value = JSON.parse(text) as T;
    edit(value);
    r.props[prop] = JSON.stringify(value);
  };
}

/** The list at `path` in the resource's props (throws when there is none). */
function listAt(r: PlanResource, path: PropPath): PlanValue[] {
  const value = valueAt(r, path);
  if (!Array.isArray(value)) throw new Error(`${where(r, path)}: not a list`);
  return value;
}

/** Appends `items` to a list property the resource has (throws when it has no such list). */
export function appendTo(target: Target, path: PropPath, ...items: PlanValue[]): PlanEdit {
  return (plan) => {
    const list = listAt(resource(plan, target), path);
    list.push(...items.map((item) => structuredClone(item)));
  };
}

/**
 * Removes the items of a list property that `match` picks; throws when the resource has no such
 * list or no item matches (the program no longer plans what the test takes away).
 */
export function removeFrom(
  target: Target,
  path: PropPath,
  match: (item: PlanValue) => boolean,
): PlanEdit {
  return (plan) => {
    const r = resource(plan, target);
    const list = listAt(r, path);
    const kept = list.filter((item) => !match(item));
    if (kept.length === list.length) throw new Error(`${where(r, path)}: no item matches`);
    list.splice(0, list.length, ...kept);
  };
}

/** Forgets that `prop` came from other resources (the value stays, as a literal). */
export function dropDependency(target: Target, prop: string): PlanEdit {
  return (plan) => {
    const r = resource(plan, target);
    if (r.propertyDependencies[prop] === undefined) {
      throw new Error(`${where(r, prop)}: has no property dependency`);
    }
    delete r.propertyDependencies[prop];
  };
}

/** Makes `prop` come from the `on` resources (the value stays whatever the props say). */
export function setDependency(target: Target, prop: string, ...on: Target[]): PlanEdit {
  return (plan) => {
    const r = resource(plan, target);
    r.propertyDependencies[prop] = on.map((t) => resource(plan, t).urn);
  };
}

/** Removes the resource from the plan (references to it are left dangling, as after an edit). */
export function dropResource(target: Target): PlanEdit {
  return (plan) => {
    const r = resource(plan, target);
    plan.resources = plan.resources.filter((x) => x !== r);
  };
}

/** The blocks tools/pipeline adds to a plan: the policy pack's verdicts and the cost estimate. */
export type PlanBlock = "policy" | "cost";

/**
 * Removes a block the pipeline recorded (throws when the plan carries none): the plan as the
 * engine wrote it, before the pack judged it or the estimator priced it.
 */
export function dropBlock(block: PlanBlock): PlanEdit {
  return (plan) => {
    if (plan[block] === undefined) throw new Error(`the plan carries no ${block} block to drop`);
    delete plan[block];
  };
}

/** "urn:pulumi:<stack>::<project>" and the type chain ("parent$type") of a URN. */
function urnParts(urn: string): { head: string; chain: string } {
  const parts = urn.split("::");
  if (parts.length < 4) throw new Error(`not a URN: ${urn}`);
  return { head: parts.slice(0, 2).join("::"), chain: parts[2] };
}

/** The URN of a resource of `type` named `name` under `parentUrn`, as the plan engine forms it. */
function urnFor(plan: PlanFile, type: string, name: string, parentUrn: string): string {
  const parentType = urnParts(parentUrn).chain.split("$").pop() ?? "";
  return `urn:pulumi:${plan.stack}::${plan.project}::${parentType}$${type}::${name}`;
}

/** The URN a resource would have as `type` under its own parent, keeping the rest of its chain. */
function retypedUrn(urn: string, type: string, name: string): string {
  const { head, chain } = urnParts(urn);
  const links = chain.split("$");
  links[links.length - 1] = type;
  return `${head}::${links.join("$")}::${name}`;
}

function replaceReferences(plan: PlanFile, from: string, to: string): void {
  for (const r of plan.resources) {
    if (r.parent === from) r.parent = to;
    r.opts.dependsOn = r.opts.dependsOn.map((u) => (u === from ? to : u));
    for (const [prop, urns] of Object.entries(r.propertyDependencies)) {
      r.propertyDependencies[prop] = urns.map((u) => (u === from ? to : u));
    }
  }
}

export interface CopyOptions {
  /** Type token of the copy (default: the original's), for a resource of the nearest kind. */
  type?: string;
  /** Parent of the copy (default: the original's parent). */
  parent?: Target;
  /** Whether the copy is a custom resource / remote component (default: the original's). */
  custom?: boolean;
  remote?: boolean;
}

/**
 * Appends a copy of the resource named `name` (props, options and property dependencies copied;
 * nothing refers to the copy). With `type`, the copy is a resource of another kind built from this
 * one, e.g. a read replica from the real RDS instance.
 */
export function copyResource(target: Target, name: string, options: CopyOptions = {}): PlanEdit {
  return (plan) => {
    const original = resource(plan, target);
    const copy = structuredClone(original);
    copy.name = name;
    copy.type = options.type ?? original.type;
    if (options.parent) {
      const parent = resource(plan, options.parent);
      copy.parent = parent.urn;
      copy.urn = urnFor(plan, copy.type, name, parent.urn);
    } else {
      copy.urn = retypedUrn(original.urn, copy.type, name);
    }
    if (options.custom !== undefined) copy.custom = options.custom;
    if (options.remote !== undefined) {
      if (options.remote) copy.remote = true;
      else delete copy.remote;
    }
    if (plan.resources.some((r) => r.urn === copy.urn)) {
      throw new Error(`the plan already has ${copy.urn}`);
    }
    plan.resources.push(copy);
  };
}

/**
 * Changes the resource's type token in place (e.g. aws:lb → aws:alb, a Bucket to a BucketV2): its
 * URN follows, and every reference to it in the plan is rewritten.
 */
export function retype(
  target: Target,
  type: string,
  options: Omit<CopyOptions, "type" | "parent"> = {},
): PlanEdit {
  return (plan) => {
    const r = resource(plan, target);
    if (plan.resources.some((x) => x.parent === r.urn)) {
      throw new Error(`${r.type} ${r.name} has children; retype resources without children only`);
    }
    const urn = retypedUrn(r.urn, type, r.name);
    replaceReferences(plan, r.urn, urn);
    r.urn = urn;
    r.type = type;
    if (options.custom !== undefined) r.custom = options.custom;
    if (options.remote !== undefined) {
      if (options.remote) r.remote = true;
      else delete r.remote;
    }
  };
}

/** URNs of the resources addResource wrote (they may be followed by more of their type). */
const handWritten = new Set<string>();

export interface InlineResource {
  type: string;
  name: string;
  props: Record<string, PlanValue>;
  /** Parent (default: the tier component, i.e. the stack's only top-level component). */
  parent?: Target;
  /** Input property name -> the plan's resources its value came from. */
  deps?: Record<string, Target[]>;
}

/**
 * Adds a small resource written by hand. Only for types the program never creates (a launch
 * template, an ElastiCache replication group, ...): every other resource of a test plan comes from
 * the program, or from copyResource/retype of one it planned. Refuses a type the plan already has.
 */
export function addResource(spec: InlineResource): PlanEdit {
  return (plan) => {
    if (plan.resources.some((r) => r.type === spec.type && !handWritten.has(r.urn))) {
      throw new Error(`the plan has ${spec.type} resources: copy one (copyResource) instead`);
    }
    const parent = spec.parent
      ? resource(plan, spec.parent)
      : plan.resources.find((r) => r.type.startsWith("openemr:tiers:"));
    if (!parent) throw new Error("the plan has no tier component to parent the resource to");
    const propertyDependencies: Record<string, string[]> = {};
    for (const [prop, targets] of Object.entries(spec.deps ?? {})) {
      propertyDependencies[prop] = targets.map((t) => resource(plan, t).urn);
    }
    const urn = urnFor(plan, spec.type, spec.name, parent.urn);
    if (plan.resources.some((r) => r.urn === urn)) throw new Error(`the plan already has ${urn}`);
    handWritten.add(urn);
    plan.resources.push({
      urn,
      type: spec.type,
      name: spec.name,
      custom: true,
      parent: parent.urn,
      props: structuredClone(spec.props),
      opts: { protect: false, retainOnDelete: false, dependsOn: [], ignoreChanges: [] },
      propertyDependencies,
    });
  };
}
