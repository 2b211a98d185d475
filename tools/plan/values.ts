// Reading plan values: typed accessors that treat "<computed>" and "<secret>" as not known.
import { COMPUTED, SECRET, type PlanValue } from "./types";

export type PlanObject = { [key: string]: PlanValue };

export function isObject(v: PlanValue | undefined): v is PlanObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** true when the value is present and known at plan time (not computed, not secret). */
export function isKnown(v: PlanValue | undefined): boolean {
  return v !== undefined && v !== null && v !== COMPUTED && v !== SECRET;
}

export function str(v: PlanValue | undefined): string | undefined {
  return typeof v === "string" && v !== COMPUTED && v !== SECRET ? v : undefined;
}

/** Numbers, and numeric strings such as a task definition's cpu "1024". */
export function num(v: PlanValue | undefined): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
}

export function bool(v: PlanValue | undefined): boolean | undefined {
  return typeof v === "boolean" ? v : undefined;
}

export function obj(v: PlanValue | undefined): PlanObject | undefined {
  return isObject(v) ? v : undefined;
}

export function list(v: PlanValue | undefined): PlanValue[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

/** A value nested in an object: get(props, "rootBlockDevice", "volumeSize"). */
export function get(v: PlanValue | undefined, ...path: (string | number)[]): PlanValue | undefined {
  let cur: PlanValue | undefined = v;
  for (const key of path) {
    if (typeof key === "number") {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[key];
    } else {
      if (!isObject(cur)) return undefined;
      cur = cur[key];
    }
  }
  return cur;
}

/** A JSON-string input (e.g. a WAF ruleJson) parsed, or undefined. */
export function parseJson(v: PlanValue | undefined): PlanValue | undefined {
  const text = str(v);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as PlanValue;
  } catch {
    return undefined;
  }
}

/** A tag map with known string values only. */
export function tagsOf(v: PlanValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const o = obj(v);
  if (!o) return out;
  for (const [k, val] of Object.entries(o)) {
    const s = str(val);
    if (s !== undefined) out[k] = s;
  }
  return out;
}
