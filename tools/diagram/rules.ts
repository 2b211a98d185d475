// The security-group rules of a plan in one shape, whichever form the program wrote them in
// (components/network/security-rules.ts uses the first two):
//  - standalone aws:vpc/securityGroupIngressRule and securityGroupEgressRule resources;
//  - inline `ingress` / `egress` entries of an aws:ec2/securityGroup:SecurityGroup;
//  - aws:ec2/securityGroupRule:SecurityGroupRule resources (the older standalone form).
// And which resources use each group.
import type { PlanIndex } from "../plan/plan-index";
import { T } from "../plan/tokens";
import type { PlanResource, PlanValue } from "../plan/types";
import { bool, isObject, list, num, str } from "../plan/values";
import { resolveReference } from "./references";

export const SECURITY_GROUP_TYPES: readonly string[] = [T.securityGroup, T.securityGroupDefault];
export const RULE_TYPES: readonly string[] = [
  T.securityGroupIngressRule,
  T.securityGroupEgressRule,
  T.securityGroupRule,
];

export type RulePeer =
  | { kind: "group"; urn: string }
  | { kind: "cidr"; cidr: string }
  | { kind: "unresolved"; value: string };

export interface SgRule {
  /** The rule resource's URN, or `<group URN>#ingress[<i>]` / `#egress[<i>]` for an inline entry. */
  id: string;
  /** The rule resource's name, or `<group name> ingress[<i>]`. */
  name: string;
  form: "standalone" | "inline" | "securityGroupRule";
  direction: "ingress" | "egress";
  /** The group that holds the rule. */
  group: string;
  /** The other end: a group, a network, or an ID the plan does not tie to a group. */
  peer: RulePeer;
  /** "tcp", "udp", "icmp" or "all". */
  protocol: string;
  fromPort: number;
  toPort: number;
  description?: string;
}

function protocolOf(v: PlanValue | undefined): string {
  const p = str(v) ?? String(num(v) ?? "all");
  return p === "-1" || p === "all" ? "all" : p.toLowerCase();
}

function portsOf(protocol: string, from: PlanValue | undefined, to: PlanValue | undefined) {
  const fromPort = num(from);
  const toPort = num(to);
  if (protocol === "all" || fromPort === undefined || fromPort < 0) {
    return { fromPort: 0, toPort: 65535 };
  }
  return { fromPort, toPort: toPort ?? fromPort };
}

/** The group named by `value`, among the groups `r`'s input `prop` depends on. */
function groupPeer(index: PlanIndex, r: PlanResource, prop: string, value: string): RulePeer {
  const groups = index.refs(r, prop).filter((g) => SECURITY_GROUP_TYPES.includes(g.type));
  const group = resolveReference(value, groups);
  return group ? { kind: "group", urn: group.urn } : { kind: "unresolved", value };
}

function strings(v: PlanValue | undefined): string[] {
  return (list(v) ?? []).map(str).filter((s): s is string => s !== undefined);
}

function inlineRules(index: PlanIndex, sg: PlanResource): SgRule[] {
  const out: SgRule[] = [];
  for (const direction of ["ingress", "egress"] as const) {
    (list(sg.props[direction]) ?? []).forEach((entry, i) => {
      if (!isObject(entry)) return;
      const protocol = protocolOf(entry.protocol);
      const base = {
        id: `${sg.urn}#${direction}[${i}]`,
        name: `${sg.name} ${direction}[${i}]`,
        form: "inline" as const,
        direction,
        group: sg.urn,
        protocol,
        ...portsOf(protocol, entry.fromPort, entry.toPort),
        description: str(entry.description),
      };
      const peers: RulePeer[] = [
        ...strings(entry.cidrBlocks).map((cidr): RulePeer => ({ kind: "cidr", cidr })),
        ...strings(entry.ipv6CidrBlocks).map((cidr): RulePeer => ({ kind: "cidr", cidr })),
        ...strings(entry.securityGroups).map((id) => groupPeer(index, sg, direction, id)),
        ...(bool(entry.self) ? [{ kind: "group", urn: sg.urn } as const] : []),
      ];
      for (const peer of peers) out.push({ ...base, peer });
    });
  }
  return out;
}

/** The group a standalone rule's `securityGroupId` names. */
function holder(index: PlanIndex, r: PlanResource): string | undefined {
  const value = str(r.props.securityGroupId) ?? "";
  const peer = groupPeer(index, r, "securityGroupId", value);
  return peer.kind === "group" ? peer.urn : undefined;
}

function standaloneRule(index: PlanIndex, r: PlanResource): SgRule[] {
  const group = holder(index, r);
  if (!group) return [];
  const protocol = protocolOf(r.props.ipProtocol);
  const base = {
    id: r.urn,
    name: r.name,
    form: "standalone" as const,
    direction: r.type === T.securityGroupIngressRule ? ("ingress" as const) : ("egress" as const),
    group,
    protocol,
    ...portsOf(protocol, r.props.fromPort, r.props.toPort),
    description: str(r.props.description),
  };
  const referenced = str(r.props.referencedSecurityGroupId);
  const cidr = str(r.props.cidrIpv4) ?? str(r.props.cidrIpv6);
  const prefixList = str(r.props.prefixListId);
  if (referenced !== undefined) {
    return [{ ...base, peer: groupPeer(index, r, "referencedSecurityGroupId", referenced) }];
  }
  if (cidr !== undefined) return [{ ...base, peer: { kind: "cidr", cidr } }];
  return [{ ...base, peer: { kind: "unresolved", value: prefixList ?? "(no peer)" } }];
}

function securityGroupRule(index: PlanIndex, r: PlanResource): SgRule[] {
  const group = holder(index, r);
  if (!group) return [];
  const protocol = protocolOf(r.props.protocol);
  const base = {
    id: r.urn,
    name: r.name,
    form: "securityGroupRule" as const,
    direction: str(r.props.type) === "egress" ? ("egress" as const) : ("ingress" as const),
    group,
    protocol,
    ...portsOf(protocol, r.props.fromPort, r.props.toPort),
    description: str(r.props.description),
  };
  const source = str(r.props.sourceSecurityGroupId);
  const peers: RulePeer[] = [
    ...strings(r.props.cidrBlocks).map((cidr): RulePeer => ({ kind: "cidr", cidr })),
    ...strings(r.props.ipv6CidrBlocks).map((cidr): RulePeer => ({ kind: "cidr", cidr })),
    ...(source !== undefined ? [groupPeer(index, r, "sourceSecurityGroupId", source)] : []),
    ...(bool(r.props.self) ? [{ kind: "group", urn: group } as const] : []),
  ];
  return peers.map((peer) => ({ ...base, peer }));
}

/** Every rule of the plan, one entry per peer (an inline entry may name several networks). */
export function securityGroupRules(index: PlanIndex): SgRule[] {
  const out: SgRule[] = [];
  for (const r of index.plan.resources) {
    if (SECURITY_GROUP_TYPES.includes(r.type)) out.push(...inlineRules(index, r));
    else if (r.type === T.securityGroupRule) out.push(...securityGroupRule(index, r));
    else if (RULE_TYPES.includes(r.type)) out.push(...standaloneRule(index, r));
  }
  return out;
}

/**
 * Group URN -> the resources placed in it: every resource other than groups and rules whose
 * inputs take a group (vpcSecurityGroupIds, securityGroups, securityGroupIds,
 * networkConfiguration.securityGroups, ...).
 */
export function groupMembers(index: PlanIndex): Map<string, PlanResource[]> {
  const members = new Map<string, PlanResource[]>();
  for (const r of index.plan.resources) {
    if (SECURITY_GROUP_TYPES.includes(r.type) || RULE_TYPES.includes(r.type)) continue;
    const groups = new Set<string>();
    for (const prop of Object.keys(r.propertyDependencies)) {
      for (const dep of index.refs(r, prop)) {
        if (SECURITY_GROUP_TYPES.includes(dep.type)) groups.add(dep.urn);
      }
    }
    for (const g of groups) members.set(g, [...(members.get(g) ?? []), r]);
  }
  return members;
}

/** True when the rule covers `protocol` on every port from `fromPort` to `toPort`. */
export function covers(rule: SgRule, protocol: string, fromPort: number, toPort: number): boolean {
  const protocolOk = rule.protocol === "all" || rule.protocol === protocol;
  return protocolOk && rule.fromPort <= fromPort && rule.toPort >= toPort;
}

/** Networks that stand for "anywhere". */
export const ANYWHERE: readonly string[] = ["0.0.0.0/0", "::/0"];
