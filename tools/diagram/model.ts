// The architecture diagram as data: what tools/diagram/graph.ts derives from a plan and
// tools/diagram/render.ts prints as Mermaid. Tests check this model against the plan it came from.

/**
 * Where a node sits: a network that may connect in, one kind of subnet, the VPC itself, a network
 * the VPC may connect out to, or AWS's regional services.
 */
export type ZoneId = "internet" | "public" | "private" | "isolated" | "vpc" | "outbound" | "aws";

/** The subnet kinds, most exposed first. */
export type SubnetZone = "public" | "private" | "isolated";
export const SUBNET_ZONES: readonly SubnetZone[] = ["public", "private", "isolated"];

/** The order zones are printed in; the subnet zones and "vpc" print inside the VPC. */
export const ZONE_ORDER: readonly ZoneId[] = [
  "internet",
  "public",
  "private",
  "isolated",
  "vpc",
  "outbound",
  "aws",
];

export interface DiagramZone {
  id: ZoneId;
  label: string;
  /** For the subnet zones: the distinct subnets the plan's resources are placed in. */
  subnets?: string[];
}

/** How a node is drawn (its shape and colour). */
export type NodeRole =
  "outside" | "edge" | "compute" | "data" | "secret" | "key" | "audit" | "network" | "minor";

export interface DiagramComponent {
  urn: string;
  type: string;
  name: string;
  /** The nearest program component above it; undefined for the tier (the top). */
  parent?: string;
  label: string;
}

export interface DiagramNode {
  /** A Mermaid id (letters, digits, underscores; starts with a letter). */
  id: string;
  role: NodeRole;
  zone: ZoneId;
  /** The label's lines. */
  lines: string[];
  /** The program component it belongs to; undefined for outside networks. */
  component?: string;
  /** The plan resources it stands for: the main one first, then those attached to it. */
  urns: string[];
  /** For an outside network: its CIDR block. */
  cidr?: string;
}

/** One security-group rule as the plan holds it (a standalone rule or one entry of an inline list). */
export interface SgRuleRef {
  /** The rule resource's URN, or `<group URN>#ingress[<i>]` / `#egress[<i>]` for an inline entry. */
  id: string;
  name: string;
  direction: "ingress" | "egress";
}

export type TlsStatus = "tls" | "redirect" | "plain" | "unknown";

export interface Tls {
  status: TlsStatus;
  /** The server refuses connections without TLS (a parameter, a policy, a TLS-only service). */
  required: boolean;
  /** What in the plan says so (printed in the edge's comment). */
  evidence: string;
}

/** A path that security-group rules open, from the client's node to the server's node. */
export interface NetworkEdge {
  from: string;
  to: string;
  /** "tcp", "udp", or "all". */
  protocol: string;
  fromPort: number;
  toPort: number;
  /** What speaks on the port ("MySQL", "HTTPS", ...). */
  service: string;
  /** The rules behind the edge: for a path between two groups, the ingress and/or egress side. */
  rules: SgRuleRef[];
  /** For a path between two groups: a side neither a rule for that path nor an open network rule allows. */
  missingSide?: "ingress" | "egress";
  tls: Tls;
}

/** A KMS key of the plan and what it encrypts (drawn from the encrypted node to the key). */
export interface KeyEdge {
  /** The key's node. */
  from: string;
  to: string;
  /** The resources of `to` whose inputs name the key, each with the property that does. */
  uses: { urn: string; prop: string }[];
  label: string;
}

/** A WAF web ACL and the resource a web ACL association puts it in front of (drawn to the ACL). */
export interface FirewallEdge {
  from: string;
  to: string;
  /** The association resources behind the edge. */
  associations: string[];
}

export interface DiagramModel {
  /** Printed as the first comment. */
  title: string;
  zones: DiagramZone[];
  /** The VPC(s) the subnet zones belong to, for the VPC box's label. */
  vpcLabel: string;
  components: DiagramComponent[];
  nodes: DiagramNode[];
  edges: NetworkEdge[];
  encryptions: KeyEdge[];
  firewalls: FirewallEdge[];
}
