// Which kind of subnet a resource is placed in, from its subnet inputs. Two shapes of plan:
//  - the VPC as aws:ec2/subnet:Subnet resources: the subnet's `SubnetType` tag (Public, Private,
//    Isolated), else its name (`<vpc>-public-1`, `<vpc>-private-1`, `<vpc>-isolated-1`);
//  - the VPC as the remote awsx:ec2:Vpc, whose subnets the plan does not hold: the subnet IDs the
//    mock engine gives it (`subnet-pub0-…`, `subnet-prv0-…`, `subnet-iso0-…`, tools/plan/mocks.ts).
import type { PlanIndex } from "../plan/plan-index";
import { T } from "../plan/tokens";
import type { PlanResource, PlanValue } from "../plan/types";
import { isObject, str, tagsOf } from "../plan/values";
import type { SubnetZone } from "./model";
import { resolveReference } from "./references";

/** Input names that hold subnet IDs, at any depth (networkConfiguration.subnets, vpcConfig.subnetIds). */
const SUBNET_KEYS: ReadonlySet<string> = new Set(["subnetId", "subnetIds", "subnets"]);

/** Inputs that name a subnet group, whose subnets place the resource. */
const SUBNET_GROUP_KEYS: ReadonlySet<string> = new Set(["dbSubnetGroupName", "subnetGroupName"]);
const SUBNET_GROUP_TYPES: readonly string[] = [T.rdsSubnetGroup, T.elasticacheSubnetGroup];

const BY_TAG: Record<string, SubnetZone> = {
  public: "public",
  private: "private",
  isolated: "isolated",
};
const BY_MOCK_PREFIX: Record<string, SubnetZone> = {
  pub: "public",
  prv: "private",
  iso: "isolated",
};

/** A subnet the resource is placed in: its zone and what identifies it (URN or ID). */
export interface PlacedSubnet {
  zone: SubnetZone;
  subnet: string;
}

/** The zone a Subnet resource declares: its SubnetType tag, else its name. */
export function zoneOfSubnetResource(subnet: PlanResource): SubnetZone | undefined {
  const tag = tagsOf(subnet.props.tags).SubnetType;
  if (tag !== undefined && BY_TAG[tag.toLowerCase()]) return BY_TAG[tag.toLowerCase()];
  return zoneInName(subnet.name);
}

/** `<vpc>-public-1` (or a mock ID made from that name, `<vpc>-public-1-1a2b3c4d`). */
function zoneInName(text: string): SubnetZone | undefined {
  const m = /-(public|private|isolated)-\d+(?:-[0-9a-f]{8})?$/.exec(text);
  return m ? BY_TAG[m[1]] : undefined;
}

/** The zone a subnet ID shows by itself: awsx's mock IDs, or an ID made from a subnet's name. */
export function zoneOfSubnetId(id: string): SubnetZone | undefined {
  const m = /^subnet-(pub|prv|iso)\d+-/.exec(id);
  return m ? BY_MOCK_PREFIX[m[1]] : zoneInName(id);
}

function subnetValues(v: PlanValue | undefined, underSubnetKey: boolean, out: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) subnetValues(item, underSubnetKey, out);
  } else if (isObject(v)) {
    for (const [k, item] of Object.entries(v)) subnetValues(item, SUBNET_KEYS.has(k), out);
  } else if (underSubnetKey) {
    const s = str(v);
    if (s !== undefined) out.push(s);
  }
}

/**
 * The subnets a resource is placed in, through its subnet inputs and the subnet groups it names.
 * An ID is matched to a Subnet resource of the plan when the input depends on one.
 */
export function placedSubnets(index: PlanIndex, r: PlanResource, depth = 0): PlacedSubnet[] {
  const out: PlacedSubnet[] = [];
  for (const [prop, value] of Object.entries(r.props)) {
    if (SUBNET_GROUP_KEYS.has(prop) && depth === 0) {
      for (const group of index.refs(r, prop)) {
        if (SUBNET_GROUP_TYPES.includes(group.type))
          out.push(...placedSubnets(index, group, depth + 1));
      }
      continue;
    }
    const ids: string[] = [];
    subnetValues(value, SUBNET_KEYS.has(prop), ids);
    if (ids.length === 0) continue;
    const subnetResources = index.refs(r, prop, T.subnet);
    for (const id of ids) {
      const subnet = resolveReference(id, subnetResources);
      const zone = (subnet && zoneOfSubnetResource(subnet)) ?? zoneOfSubnetId(id);
      if (zone) out.push({ zone, subnet: subnet ? subnet.urn : id });
    }
  }
  return out;
}
