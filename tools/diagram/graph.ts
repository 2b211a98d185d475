// A plan as an architecture diagram's model (tools/diagram/model.ts): the program's components, the
// resources a reader looks for as nodes (the rest counted in one node per component), each node in
// its network zone, the paths the security-group rules open between them, where each KMS key
// encrypts what, and which web ACL stands in front of what. Pure: the same plan gives the same model.
import { PlanIndex } from "../plan/plan-index";
import { T } from "../plan/tokens";
import type { PlanFile, PlanResource } from "../plan/types";
import { num, str } from "../plan/values";
import { ATTACHED_BY, MAIN_KINDS, counts } from "./kinds";
import { encryptedByAws, keyUses, type KeyUse } from "./keys";
import { IdRegistry } from "./mermaid-text";
import {
  ZONE_ORDER,
  SUBNET_ZONES,
  type DiagramComponent,
  type DiagramModel,
  type DiagramNode,
  type DiagramZone,
  type FirewallEdge,
  type KeyEdge,
  type NetworkEdge,
  type NodeRole,
  type SgRuleRef,
  type SubnetZone,
  type ZoneId,
} from "./model";
import { ANYWHERE, covers, groupMembers, securityGroupRules, type SgRule } from "./rules";
import { LOAD_BALANCERS, listenersOf, tlsOf } from "./tls";
import { placedSubnets } from "./zones";

/** A component the program defines (not a remote awsx component). */
export function isProgramComponent(r: PlanResource): boolean {
  return !r.custom && r.type.startsWith("openemr:");
}

const VPC_TYPES: readonly string[] = [T.vpc];

const ROLE_ORDER: readonly NodeRole[] = [
  "outside",
  "edge",
  "network",
  "compute",
  "data",
  "secret",
  "key",
  "audit",
  "minor",
];

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Everything the builders share: the plan's index and the names as the diagram shows them. */
class Context {
  readonly index: PlanIndex;
  /** The tier's name: every other name is shown without it ("openemr-prod-lb" -> "lb"). */
  readonly rootName?: string;
  readonly ids = new IdRegistry();
  readonly keyUses: KeyUse[];

  constructor(readonly plan: PlanFile) {
    this.index = new PlanIndex(plan);
    this.keyUses = keyUses(this.index);
    const tops = plan.resources.filter(
      (r) => isProgramComponent(r) && this.componentOf(r) === undefined,
    );
    this.rootName = tops.length === 1 ? tops[0].name : undefined;
  }

  short(name: string): string {
    const prefix = this.rootName === undefined ? undefined : `${this.rootName}-`;
    return prefix !== undefined && name.startsWith(prefix) ? name.slice(prefix.length) : name;
  }

  /** The nearest program component above `r`. */
  componentOf(r: PlanResource): PlanResource | undefined {
    let parent = r.parent ? this.index.get(r.parent) : undefined;
    while (parent && !isProgramComponent(parent)) {
      parent = parent.parent ? this.index.get(parent.parent) : undefined;
    }
    return parent;
  }

  resources(urns: readonly string[]): PlanResource[] {
    return urns.map((u) => this.index.get(u)).filter((r): r is PlanResource => r !== undefined);
  }
}

function componentLabel(ctx: Context, c: PlanResource): string {
  const cls = c.type.split(":").pop() ?? c.type;
  if (c.type.startsWith("openemr:tiers:")) return `${cls} tier · ${c.name}`;
  return `${cls} · ${ctx.short(c.name)}`;
}

function components(ctx: Context): DiagramComponent[] {
  return ctx.plan.resources
    .filter(isProgramComponent)
    .map((c) => ({
      urn: c.urn,
      type: c.type,
      name: c.name,
      parent: ctx.componentOf(c)?.urn,
      label: componentLabel(ctx, c),
    }))
    .sort((a, b) => byText(a.urn, b.urn));
}

/** Main resource URN -> the resources drawn in its node (itself first). */
function mainNodes(ctx: Context): Map<string, PlanResource[]> {
  const nodes = new Map<string, PlanResource[]>();
  for (const r of ctx.plan.resources) {
    if (r.custom && MAIN_KINDS[r.type]) nodes.set(r.urn, [r]);
  }
  for (const r of ctx.plan.resources) {
    const prop = ATTACHED_BY[r.type];
    if (prop === undefined) continue;
    const main = ctx.index.refs(r, prop).find((d) => nodes.has(d.urn));
    if (main) nodes.get(main.urn)?.push(r);
  }
  return nodes;
}

const mostExposed = (zones: readonly SubnetZone[]): SubnetZone | undefined =>
  SUBNET_ZONES.find((z) => zones.includes(z));

/** The zone of a main node: its subnets; an EBS volume, its instance's; else a regional service. */
function zoneOfMain(
  ctx: Context,
  members: readonly PlanResource[],
  subnetsSeen: Map<SubnetZone, Set<string>>,
): ZoneId {
  const placed = members.flatMap((r) => placedSubnets(ctx.index, r));
  for (const p of placed)
    subnetsSeen.set(p.zone, (subnetsSeen.get(p.zone) ?? new Set()).add(p.subnet));
  const zone = mostExposed(placed.map((p) => p.zone));
  if (zone) return zone;
  const main = members[0];
  if (main.type === T.ebsVolume) {
    const instances = ctx.index
      .referrers(main, T.volumeAttachment, "volumeId")
      .flatMap((a) => ctx.index.refs(a, "instanceId"));
    const instanceZone = mostExposed(
      instances.flatMap((i) => placedSubnets(ctx.index, i)).map((p) => p.zone),
    );
    if (instanceZone) return instanceZone;
  }
  return "aws";
}

function mainLines(ctx: Context, members: readonly PlanResource[]): string[] {
  const r = members[0];
  const kind = MAIN_KINDS[r.type];
  const facts = kind.facts ? kind.facts(r, ctx.index) : [];
  const ownKey = ctx.keyUses.some((u) => members.some((m) => m.urn === u.resource));
  if (!ownKey) facts.push(encryptedByAws(r, members.slice(1)));
  return [
    kind.title(r),
    ctx.short(r.name),
    ...facts.filter((f): f is string => f !== undefined && f !== ""),
  ];
}

/** "3 log groups, 2 alarms" in lines of two (Mermaid wraps longer lines where it likes). */
function minorLines(resources: readonly PlanResource[]): string[] {
  const items = counts(resources.map((r) => r.type));
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += 2) lines.push(items.slice(i, i + 2).join(", "));
  return lines;
}

function dependsOnVpc(ctx: Context, r: PlanResource): boolean {
  return Object.keys(r.propertyDependencies).some((p) =>
    ctx.index.refs(r, p).some((d) => VPC_TYPES.includes(d.type) || d.type === T.subnet),
  );
}

interface Nodes {
  nodes: DiagramNode[];
  /** Resource URN -> the node that stands for it. */
  nodeOf: Map<string, DiagramNode>;
  subnetsSeen: Map<SubnetZone, Set<string>>;
}

function buildNodes(ctx: Context): Nodes {
  const nodes: DiagramNode[] = [];
  const nodeOf = new Map<string, DiagramNode>();
  const subnetsSeen = new Map<SubnetZone, Set<string>>();
  const mains = [...mainNodes(ctx).values()].sort((a, b) => byText(a[0].urn, b[0].urn));
  for (const members of mains) {
    const main = members[0];
    const node: DiagramNode = {
      id: ctx.ids.take("n", ctx.short(main.name)),
      role: MAIN_KINDS[main.type].role,
      zone: zoneOfMain(ctx, members, subnetsSeen),
      lines: mainLines(ctx, members),
      component: ctx.componentOf(main)?.urn,
      urns: members.map((m) => m.urn),
    };
    nodes.push(node);
    for (const m of members) nodeOf.set(m.urn, node);
  }
  const minorByComponent = new Map<string, PlanResource[]>();
  for (const r of ctx.plan.resources) {
    if (nodeOf.has(r.urn) || isProgramComponent(r)) continue;
    const c = ctx.componentOf(r);
    if (c) minorByComponent.set(c.urn, [...(minorByComponent.get(c.urn) ?? []), r]);
  }
  for (const [componentUrn, resources] of [...minorByComponent].sort((a, b) =>
    byText(a[0], b[0]),
  )) {
    const component = ctx.index.get(componentUrn);
    if (!component) continue;
    const own = nodes.filter((n) => n.component === componentUrn).map((n) => n.zone);
    const zone =
      ZONE_ORDER.find((z) => own.includes(z)) ??
      (resources.some((r) => dependsOnVpc(ctx, r)) ? "vpc" : "aws");
    const node: DiagramNode = {
      id: ctx.ids.take("n", `${ctx.short(component.name)} more`),
      role: "minor",
      zone,
      lines: minorLines(resources),
      component: componentUrn,
      urns: resources.map((r) => r.urn),
    };
    nodes.push(node);
    for (const r of resources) nodeOf.set(r.urn, node);
  }
  // a component with nothing drawn in it or below it still appears, as a box with an empty node
  const drawn = new Set<string>();
  for (const n of nodes) {
    let c = n.component ? ctx.index.get(n.component) : undefined;
    for (; c; c = ctx.componentOf(c)) drawn.add(c.urn);
  }
  const empty = ctx.plan.resources.filter((r) => isProgramComponent(r) && !drawn.has(r.urn));
  for (const c of empty.sort((a, b) => byText(a.urn, b.urn))) {
    nodes.push({
      id: ctx.ids.take("n", `${ctx.short(c.name)} more`),
      role: "minor",
      zone: "aws",
      lines: ["no resources of its own"],
      component: c.urn,
      urns: [],
    });
  }
  return { nodes, nodeOf, subnetsSeen };
}

/** Which side of a path between two groups nothing allows, if any. */
function missingSide(
  rules: readonly SgRule[],
  path: { client: string; server: string; protocol: string; fromPort: number; toPort: number },
  directions: ReadonlySet<string>,
): "ingress" | "egress" | undefined {
  const openToAnywhere = (group: string, direction: "ingress" | "egress") =>
    rules.some(
      (r) =>
        r.group === group &&
        r.direction === direction &&
        r.peer.kind === "cidr" &&
        ANYWHERE.includes(r.peer.cidr) &&
        covers(r, path.protocol, path.fromPort, path.toPort),
    );
  if (!directions.has("ingress") && !openToAnywhere(path.server, "ingress")) return "ingress";
  if (!directions.has("egress") && !openToAnywhere(path.client, "egress")) return "egress";
  return undefined;
}

function serviceOf(
  index: PlanIndex,
  server: PlanResource | undefined,
  protocol: string,
  port: number,
  wide: boolean,
): string {
  if (wide) return protocol === "all" ? "all traffic" : protocol.toUpperCase();
  if (server && LOAD_BALANCERS.includes(server.type)) {
    const listener = listenersOf(index, server).find((l) => num(l.props.port) === port);
    const listenerProtocol = str(listener?.props.protocol);
    if (listenerProtocol) return listenerProtocol;
  }
  const engine = str(server?.props.engine);
  if (server?.type === T.rdsInstance || server?.type === T.rdsCluster) {
    return engine?.includes("postgres") ? "PostgreSQL" : "MySQL";
  }
  if (engine === "valkey") return "Valkey";
  if (engine === "redis") return "Redis";
  if (server?.type === T.efsFileSystem) return "NFS";
  const byPort: Record<number, string> = { 22: "SSH", 80: "HTTP", 443: "HTTPS" };
  return byPort[port] ?? protocol.toUpperCase();
}

function ruleRef(rule: SgRule): SgRuleRef {
  return { id: rule.id, name: rule.name, direction: rule.direction };
}

interface EdgeDraft {
  from: DiagramNode;
  to: DiagramNode;
  protocol: string;
  fromPort: number;
  toPort: number;
  rules: SgRule[];
  /** Some path behind the edge is allowed on both sides. */
  complete: boolean;
  /** The side the first incomplete path lacks. */
  missingSide?: "ingress" | "egress";
}

function buildEdges(ctx: Context, built: Nodes): NetworkEdge[] {
  const rules = securityGroupRules(ctx.index);
  const members = groupMembers(ctx.index);
  const nodesIn = (group: string): DiagramNode[] => {
    const out: DiagramNode[] = [];
    for (const r of members.get(group) ?? []) {
      const n = built.nodeOf.get(r.urn);
      if (n && !out.includes(n)) out.push(n);
    }
    return out;
  };
  // one node per outside network and direction (sources of ingress on the left, destinations of
  // egress on the right), made in CIDR order so that ids do not follow the plan's order
  const outside = new Map<string, DiagramNode>();
  const outsideKey = (direction: string, cidr: string) => `${direction} ${cidr}`;
  const wanted = rules.flatMap((r) =>
    r.peer.kind === "cidr" && nodesIn(r.group).length > 0
      ? [outsideKey(r.direction, r.peer.cidr)]
      : [],
  );
  for (const key of [...new Set(wanted)].sort(byText)) {
    const [direction, cidr] = key.split(" ");
    outside.set(key, {
      id: ctx.ids.take(direction === "ingress" ? "net" : "out", cidr),
      role: "outside",
      zone: direction === "ingress" ? "internet" : "outbound",
      lines: ANYWHERE.includes(cidr) ? [cidr, "anywhere"] : [cidr],
      urns: [],
      cidr,
    });
  }
  const drafts = new Map<string, EdgeDraft>();
  const add = (
    from: DiagramNode,
    to: DiagramNode,
    rule: SgRule,
    missing?: "ingress" | "egress",
  ) => {
    const key = [from.id, to.id, rule.protocol, rule.fromPort, rule.toPort].join("|");
    const d = drafts.get(key) ?? {
      from,
      to,
      protocol: rule.protocol,
      fromPort: rule.fromPort,
      toPort: rule.toPort,
      rules: [],
      complete: false,
    };
    if (!d.rules.includes(rule)) d.rules.push(rule);
    if (missing === undefined) d.complete = true;
    else d.missingSide ??= missing;
    drafts.set(key, d);
  };

  // paths between two groups, with the rules of both sides
  const paths = new Map<string, { client: string; server: string; rules: SgRule[] }>();
  for (const rule of rules) {
    if (rule.peer.kind !== "group") continue;
    const [client, server] =
      rule.direction === "ingress" ? [rule.peer.urn, rule.group] : [rule.group, rule.peer.urn];
    const key = [client, server, rule.protocol, rule.fromPort, rule.toPort].join("|");
    const p = paths.get(key) ?? { client, server, rules: [] };
    p.rules.push(rule);
    paths.set(key, p);
  }
  for (const p of paths.values()) {
    const first = p.rules[0];
    const directions = new Set(p.rules.map((r) => r.direction));
    const missing = missingSide(
      rules,
      { ...p, protocol: first.protocol, fromPort: first.fromPort, toPort: first.toPort },
      directions,
    );
    for (const from of nodesIn(p.client)) {
      for (const to of nodesIn(p.server)) for (const rule of p.rules) add(from, to, rule, missing);
    }
  }
  // networks outside the VPC's groups
  for (const rule of rules) {
    if (rule.peer.kind !== "cidr") continue;
    const inGroup = nodesIn(rule.group);
    if (inGroup.length === 0) continue;
    const net = outside.get(outsideKey(rule.direction, rule.peer.cidr));
    if (!net) continue;
    for (const n of inGroup) {
      if (rule.direction === "ingress") add(net, n, rule);
      else add(n, net, rule);
    }
  }
  built.nodes.push(...[...outside.values()].sort((a, b) => byText(a.id, b.id)));

  return [...drafts.values()]
    .map((d): NetworkEdge => {
      const client = ctx.resources(d.from.urns);
      const server = ctx.resources(d.to.urns);
      const wide = d.fromPort !== d.toPort;
      return {
        from: d.from.id,
        to: d.to.id,
        protocol: d.protocol,
        fromPort: d.fromPort,
        toPort: d.toPort,
        service: serviceOf(ctx.index, server[0], d.protocol, d.fromPort, wide),
        rules: d.rules.map(ruleRef).sort((a, b) => byText(a.id, b.id)),
        ...(!d.complete && d.missingSide ? { missingSide: d.missingSide } : {}),
        tls: wide
          ? { status: "unknown", required: false, evidence: `ports ${d.fromPort}-${d.toPort}` }
          : tlsOf(ctx.index, client, server, d.fromPort),
      };
    })
    .sort((a, b) => byText(networkEdgeKey(a), networkEdgeKey(b)));
}

const edgeKey = (e: { from: string; to: string }): string => `${e.from}|${e.to}`;
const networkEdgeKey = (e: NetworkEdge): string =>
  [
    edgeKey(e),
    String(e.fromPort).padStart(5, "0"),
    String(e.toPort).padStart(5, "0"),
    e.protocol,
  ].join("|");

function buildEncryptions(ctx: Context, built: Nodes): KeyEdge[] {
  const edges = new Map<string, KeyEdge>();
  for (const use of ctx.keyUses) {
    const from = built.nodeOf.get(use.key);
    const to = built.nodeOf.get(use.resource);
    if (!from || !to || from === to) continue;
    const key = `${from.id}|${to.id}`;
    const edge = edges.get(key) ?? { from: from.id, to: to.id, uses: [], label: "encrypted with" };
    edge.uses.push({ urn: use.resource, prop: use.prop });
    edges.set(key, edge);
    if (to.role === "minor") {
      const encrypted = ctx.resources([...new Set(edge.uses.map((u) => u.urn))]);
      edge.label = `${minorLines(encrypted).join(", ")} encrypted with`;
    }
  }
  for (const e of edges.values()) {
    e.uses.sort((a, b) => byText(`${a.urn} ${a.prop}`, `${b.urn} ${b.prop}`));
  }
  return [...edges.values()].sort((a, b) => byText(edgeKey(a), edgeKey(b)));
}

function buildFirewalls(ctx: Context, built: Nodes): FirewallEdge[] {
  const edges = new Map<string, FirewallEdge>();
  for (const a of ctx.index.ofType(T.webAclAssociation)) {
    for (const acl of ctx.index.refs(a, "webAclArn", T.webAcl)) {
      for (const target of ctx.index.refs(a, "resourceArn")) {
        const from = built.nodeOf.get(acl.urn);
        const to = built.nodeOf.get(target.urn);
        if (!from || !to) continue;
        const key = `${from.id}|${to.id}`;
        const edge = edges.get(key) ?? { from: from.id, to: to.id, associations: [] };
        edge.associations.push(a.urn);
        edge.associations.sort(byText);
        edges.set(key, edge);
      }
    }
  }
  return [...edges.values()].sort((a, b) => byText(edgeKey(a), edgeKey(b)));
}

const ZONE_LABELS: Record<ZoneId, string> = {
  internet: "Internet: who may connect in",
  outbound: "Internet: where the VPC may connect out",
  public: "Public subnets",
  private: "Private subnets",
  isolated: "Isolated subnets",
  vpc: "VPC",
  aws: "AWS services (regional)",
};

function buildZones(
  nodes: readonly DiagramNode[],
  subnetsSeen: Map<SubnetZone, Set<string>>,
): DiagramZone[] {
  return ZONE_ORDER.filter((z) => nodes.some((n) => n.zone === z)).map((id) => {
    const subnets = SUBNET_ZONES.includes(id as SubnetZone)
      ? [...(subnetsSeen.get(id as SubnetZone) ?? [])].sort()
      : undefined;
    return {
      id,
      label: subnets ? `${ZONE_LABELS[id]} ×${subnets.length}` : ZONE_LABELS[id],
      ...(subnets ? { subnets } : {}),
    };
  });
}

function vpcLabel(ctx: Context): string {
  const vpcs = ctx.plan.resources
    .filter((r) => VPC_TYPES.includes(r.type))
    .map((v) =>
      [ctx.short(v.name), str(v.props.cidrBlock)].filter((x) => x !== undefined).join(" "),
    )
    .sort();
  return vpcs.length > 0 ? `VPC ${vpcs.join(", ")}` : "VPC";
}

const nodeOrder = (components: readonly DiagramComponent[]) => {
  const rank = new Map(components.map((c, i) => [c.urn, i]));
  return (a: DiagramNode, b: DiagramNode): number =>
    ZONE_ORDER.indexOf(a.zone) - ZONE_ORDER.indexOf(b.zone) ||
    (rank.get(a.component ?? "") ?? -1) - (rank.get(b.component ?? "") ?? -1) ||
    ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) ||
    byText(a.id, b.id);
};

/** The diagram's model of a plan. */
export function buildDiagramModel(plan: PlanFile): DiagramModel {
  const ctx = new Context(plan);
  const comps = components(ctx);
  const built = buildNodes(ctx);
  const edges = buildEdges(ctx, built);
  const encryptions = buildEncryptions(ctx, built);
  const firewalls = buildFirewalls(ctx, built);
  const nodes = [...built.nodes].sort(nodeOrder(comps));
  return {
    title: `${plan.project} · stack ${plan.stack} · preset ${plan.preset} · ${plan.region}`,
    zones: buildZones(nodes, built.subnetsSeen),
    vpcLabel: vpcLabel(ctx),
    components: comps,
    nodes,
    edges,
    encryptions,
    firewalls,
  };
}
