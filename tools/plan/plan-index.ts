// Lookups over one plan: resources by URN, by type and along property dependencies, and the parts of
// a URN the tools match and print.
import type { PlanFile, PlanResource } from "./types";

export class PlanIndex {
  private readonly byUrn = new Map<string, PlanResource>();

  constructor(readonly plan: PlanFile) {
    for (const r of plan.resources) this.byUrn.set(r.urn, r);
  }

  get(urn: string): PlanResource | undefined {
    return this.byUrn.get(urn);
  }

  ofType(type: string): PlanResource[] {
    return this.plan.resources.filter((r) => r.type === type);
  }

  /** The resources `r` takes property `prop` from (optionally only those of `type`). */
  refs(r: PlanResource, prop: string, type?: string): PlanResource[] {
    const urns = r.propertyDependencies[prop] ?? [];
    const out: PlanResource[] = [];
    for (const urn of urns) {
      const dep = this.byUrn.get(urn);
      if (dep && (type === undefined || dep.type === type) && !out.includes(dep)) out.push(dep);
    }
    return out;
  }

  /** The resources that take a property from `r` (optionally of `type`, through `prop`). */
  referrers(r: PlanResource, type?: string, prop?: string): PlanResource[] {
    return this.plan.resources.filter((other) => {
      if (type !== undefined && other.type !== type) return false;
      const entries =
        prop === undefined
          ? Object.values(other.propertyDependencies)
          : [other.propertyDependencies[prop] ?? []];
      return entries.some((urns) => urns.includes(r.urn));
    });
  }
}

/** A URN without its stack and project segments: `type$chain::name`. */
export function urnKey(urn: string): string {
  const parts = urn.split("::");
  return parts.length >= 4 ? parts.slice(2).join("::") : urn;
}

/** The last segment of a URN: the resource's logical name. */
export function urnName(urn: string): string {
  const parts = urn.split("::");
  return parts[parts.length - 1] ?? urn;
}
