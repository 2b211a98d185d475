// Finders over a plan's resources, for assertions.
import type { PlanFile, PlanResource, PlanValue } from "../../tools/plan/types";

export function ofType(plan: PlanFile, type: string): PlanResource[] {
  return plan.resources.filter((r) => r.type === type);
}

export function one(plan: PlanFile, type: string, nameSuffix = ""): PlanResource {
  const found = ofType(plan, type).filter((r) => r.name.endsWith(nameSuffix));
  if (found.length !== 1) {
    throw new Error(
      `expected one ${type} named *${nameSuffix}, found ${found.map((r) => r.name).join(", ") || "none"}`,
    );
  }
  return found[0];
}

export function prop<T extends PlanValue>(r: PlanResource, path: string): T {
  let cur: PlanValue = r.props;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) {
      throw new Error(`${r.name}: no ${path}`);
    }
    cur = cur[part] ?? null;
  }
  return cur as T;
}

/** The resource whose URN a property of `r` depends on. */
export function dependencyOf(plan: PlanFile, r: PlanResource, propName: string): PlanResource[] {
  const urns = r.propertyDependencies[propName] ?? [];
  return plan.resources.filter((x) => urns.includes(x.urn));
}

/** The plan's subnets as "<SubnetType> <availability zone>", sorted, and its NAT gateways' count. */
export function networkLayout(plan: PlanFile): { subnets: string[]; natGateways: number } {
  const subnets = ofType(plan, "aws:ec2/subnet:Subnet")
    .map((s) => `${prop<string>(s, "tags.SubnetType")} ${prop<string>(s, "availabilityZone")}`)
    .sort();
  return { subnets, natGateways: ofType(plan, "aws:ec2/natGateway:NatGateway").length };
}
