// Which resource of one plan is which resource of the other: keys built from the parent type chain,
// and the alias URN that would make the engine take a moved resource for its old self.
//
// The engine qualifies a child's type with its parent's whole type chain
// (`urn:pulumi:<stack>::<project>::<parent chain>$<type>::<name>`, pulumi/pulumi
// sdk/go/common/resource/urn.go NewURN; the root stack is left out). Plans record URNs that way, but
// one written by an older recorder qualified a child with its parent's last type only, and the base
// plan of a pull request comes from the base branch's recorder. So the chain is rebuilt here from
// the `parent` links, never read from the URN: keys match across both kinds of plan, and an alias
// suggestion is the URN the engine actually gives the old resource.

import { urnKey } from "../plan/plan-index";
import type { PlanFile, PlanResource } from "../plan/types";

const ROOT_STACK = "pulumi:pulumi:Stack";

/** The qualified type chain of a resource: its ancestors' types (outermost first), then its own. */
export function typeChain(r: PlanResource, byUrn: ReadonlyMap<string, PlanResource>): string[] {
  const chain = [r.type];
  const seen = new Set<string>([r.urn]);
  let parentUrn = r.parent;
  while (parentUrn && !seen.has(parentUrn)) {
    seen.add(parentUrn);
    const parent = byUrn.get(parentUrn);
    if (!parent) {
      // a parent outside the plan: the stack (left out), or one a recorder dropped (its URN's chain)
      const parts = parentUrn.split("::");
      const qualified = parts.length >= 4 ? (parts[2] ?? "") : "";
      if (qualified && !qualified.endsWith(ROOT_STACK)) chain.unshift(...qualified.split("$"));
      break;
    }
    chain.unshift(parent.type);
    parentUrn = parent.parent;
  }
  return chain;
}

/** The engine's URN for a resource of a plan. */
export function engineUrn(
  r: PlanResource,
  plan: PlanFile,
  byUrn: ReadonlyMap<string, PlanResource>,
) {
  return `urn:pulumi:${plan.stack}::${plan.project}::${typeChain(r, byUrn).join("$")}::${r.name}`;
}

/** Resource keys of one plan: the engine's URN without stack and project, by recorded URN. */
export class PlanKeys {
  private readonly byUrn: Map<string, PlanResource>;
  private readonly keys = new Map<string, string>();

  constructor(readonly plan: PlanFile) {
    this.byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    for (const r of plan.resources) {
      this.keys.set(r.urn, `${typeChain(r, this.byUrn).join("$")}::${r.name}`);
    }
  }

  /** The key of a recorded URN (a resource's, a policy violation's, a cost line's). */
  key(urn: string): string {
    return this.keys.get(urn) ?? urnKey(urn);
  }

  of(r: PlanResource): string {
    return this.key(r.urn);
  }

  /** The parent chain of a resource, its own type left out ("" for a child of the stack). */
  parentChain(r: PlanResource): string {
    return typeChain(r, this.byUrn).slice(0, -1).join("$");
  }

  /** The URN the engine gives the resource: what an `aliases` entry must name to match it. */
  aliasUrn(r: PlanResource): string {
    return engineUrn(r, this.plan, this.byUrn);
  }

  get(urn: string): PlanResource | undefined {
    return this.byUrn.get(urn);
  }
}
