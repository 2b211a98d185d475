// Readers of plan files. parsePlanFile checks the fields the diff reads, with messages that name
// the file and the field (npm run diff); coercePlan accepts any object with a plan's resources and
// fills in the options older plan files leave out (npm run policy).
import type { PlanFile, PlanResourceOptions } from "./types";

export class PlanFileError extends Error {}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isRecord(v: unknown): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

class Checker {
  constructor(private readonly file: string) {}

  fail(path: string, what: string): never {
    throw new PlanFileError(`${this.file}: ${path} ${what}`);
  }

  record(v: unknown, path: string): Record<string, Json> {
    if (!isRecord(v)) this.fail(path, "must be an object");
    return v;
  }

  array(v: unknown, path: string): Json[] {
    if (!Array.isArray(v)) this.fail(path, "must be an array");
    return v as Json[];
  }

  string(v: unknown, path: string): string {
    if (typeof v !== "string") this.fail(path, "must be a string");
    return v;
  }

  boolean(v: unknown, path: string): boolean {
    if (typeof v !== "boolean") this.fail(path, "must be true or false");
    return v;
  }

  number(v: unknown, path: string): number {
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(path, "must be a number");
    return v;
  }

  strings(v: unknown, path: string): string[] {
    return this.array(v, path).map((s, i) => this.string(s, `${path}[${i}]`));
  }
}

/** Parses and checks a plan file's text; `file` names it in error messages. */
export function parsePlanFile(textContent: string, file: string): PlanFile {
  let raw: unknown;
  try {
    raw = JSON.parse(textContent);
  } catch (e) {
    throw new PlanFileError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const c = new Checker(file);
  const top = c.record(raw, "the plan");
  for (const k of ["project", "stack", "preset", "region"]) c.string(top[k], k);
  c.record(top.outputs, "outputs");
  c.array(top.resources, "resources").forEach((item, i) => {
    const at = `resources[${i}]`;
    const r = c.record(item, at);
    for (const k of ["urn", "type", "name"]) c.string(r[k], `${at}.${k}`);
    c.boolean(r.custom, `${at}.custom`);
    if (r.parent !== null) c.string(r.parent, `${at}.parent`);
    c.record(r.props, `${at}.props`);
    const o = c.record(r.opts, `${at}.opts`);
    c.boolean(o.protect, `${at}.opts.protect`);
    c.boolean(o.retainOnDelete, `${at}.opts.retainOnDelete`);
    c.strings(o.dependsOn, `${at}.opts.dependsOn`);
    c.strings(o.ignoreChanges, `${at}.opts.ignoreChanges`);
    const deps = c.record(r.propertyDependencies, `${at}.propertyDependencies`);
    for (const [k, v] of Object.entries(deps)) c.strings(v, `${at}.propertyDependencies.${k}`);
  });
  if (top.policy !== undefined) {
    const p = c.record(top.policy, "policy");
    c.string(p.pack, "policy.pack");
    c.boolean(p.passed, "policy.passed");
    c.array(p.violations, "policy.violations").forEach((item, i) => {
      const at = `policy.violations[${i}]`;
      const v = c.record(item, at);
      for (const k of ["policy", "urn", "message"]) c.string(v[k], `${at}.${k}`);
      if (v.level !== "mandatory" && v.level !== "advisory") {
        c.fail(`${at}.level`, 'must be "mandatory" or "advisory"');
      }
    });
  }
  if (top.cost !== undefined) {
    const k = c.record(top.cost, "cost");
    c.number(k.monthlyUsd, "cost.monthlyUsd");
    c.string(k.asOf, "cost.asOf");
    c.array(k.lines, "cost.lines").forEach((item, i) => {
      const at = `cost.lines[${i}]`;
      const l = c.record(item, at);
      c.string(l.urn, `${at}.urn`);
      c.string(l.item, `${at}.item`);
      c.number(l.monthlyUsd, `${at}.monthlyUsd`);
    });
  }
  // Every field the diff reads has been checked above.
  return raw as PlanFile;
}

/**
 * The plan in `value` with every resource's options and parent filled in, or undefined when
 * `value` has no resources with urn, type, name, props, opts and propertyDependencies.
 */
export function coercePlan(value: unknown): PlanFile | undefined {
  const plan = value as Partial<PlanFile> | null;
  const ok =
    plan !== null &&
    typeof plan === "object" &&
    Array.isArray(plan.resources) &&
    plan.resources.every(
      (r) =>
        r !== null &&
        typeof r === "object" &&
        typeof r.urn === "string" &&
        typeof r.type === "string" &&
        typeof r.name === "string" &&
        typeof r.props === "object" &&
        typeof r.opts === "object" &&
        typeof r.propertyDependencies === "object",
    );
  if (!ok) return undefined;
  const full = value as PlanFile;
  for (const r of full.resources) {
    const o: Partial<PlanResourceOptions> = r.opts;
    r.opts = {
      protect: o.protect ?? false,
      retainOnDelete: o.retainOnDelete ?? false,
      dependsOn: o.dependsOn ?? [],
      ignoreChanges: o.ignoreChanges ?? [],
    };
    r.parent ??= null;
  }
  return full;
}
