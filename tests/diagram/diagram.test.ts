// The architecture diagram of each preset matches its plan: every component and resource is drawn,
// every arrow has a security-group rule (or a key reference, or a web ACL association) behind it,
// every rule between two used groups is drawn, and the text is well-formed Mermaid.
import { expect } from "chai";
import { buildDiagramModel } from "../../tools/diagram/graph";
import type { DiagramModel, DiagramNode } from "../../tools/diagram/model";
import { MERMAID_ID, RESERVED_WORDS } from "../../tools/diagram/mermaid-text";
import { renderDiagram, renderModel } from "../../tools/diagram/render";
import { parseFlowchart } from "../../tools/diagram/syntax";
import type { PlanFile, PlanResource, PlanValue } from "../../tools/plan/types";
import { EXPRESS_PLUS, planStack } from "../helpers/plan";

const PRESETS: Record<string, () => Promise<PlanFile>> = {
  express: () => planStack("dev"),
  "express-plus": () => planStack("dev", EXPRESS_PLUS),
  standard: () => planStack("staging"),
  fargate: () => planStack("prod"),
};

const GROUP_TYPES = [
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
];
const STANDALONE_RULES = [
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
];
const KEY = "aws:kms/key:Key";

/** What a reader looks for: each resource of these types is the main resource of a node. */
const OWN_NODE_TYPES = [
  "aws:ec2/instance:Instance",
  "aws:ebs/volume:Volume",
  "aws:rds/instance:Instance",
  "aws:rds/cluster:Cluster",
  "aws:elasticache/serverlessCache:ServerlessCache",
  "aws:efs/fileSystem:FileSystem",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:wafv2/webAcl:WebAcl",
  "aws:s3/bucket:Bucket",
  "aws:ecs/service:Service",
  "aws:secretsmanager/secret:Secret",
  "aws:ssm/parameter:Parameter",
  KEY,
  "aws:cloudtrail/trail:Trail",
  "aws:backup/vault:Vault",
  "aws:sns/topic:Topic",
  "aws:dlm/lifecyclePolicy:LifecyclePolicy",
];

/** Inputs that name a key without encrypting with it (a policy's Resource, a script, an alias). */
const NOT_ENCRYPTION = new Set(["policy", "userData", "targetKeyId"]);

const byUrn = (plan: PlanFile) => new Map(plan.resources.map((r) => [r.urn, r]));

/** The resources that take an input from `group` and are not groups or rules themselves. */
function usersOf(plan: PlanFile, group: string): PlanResource[] {
  return plan.resources.filter(
    (r) =>
      !GROUP_TYPES.includes(r.type) &&
      !STANDALONE_RULES.includes(r.type) &&
      Object.values(r.propertyDependencies).some((urns) => urns.includes(group)),
  );
}

/** A rule as the plan holds it, read here without tools/diagram: its group, peers and ports. */
interface RuleFacts {
  direction: "ingress" | "egress";
  group: string;
  /** The groups the rule's peer input depends on (an inline entry's list depends on all of them). */
  peerGroups: string[];
  cidrs: string[];
  fromPort: number;
  toPort: number;
}

function ruleFacts(plan: PlanFile, id: string): RuleFacts | undefined {
  const resources = byUrn(plan);
  const inline = /^(.*)#(ingress|egress)\[(\d+)\]$/.exec(id);
  if (inline) {
    const sg = resources.get(inline[1]);
    const direction = inline[2] as "ingress" | "egress";
    const entry = (sg?.props[direction] as PlanValue[] | undefined)?.[Number(inline[3])] as
      Record<string, PlanValue> | undefined;
    if (!sg || !entry) return undefined;
    return {
      direction,
      group: sg.urn,
      peerGroups: entry.securityGroups ? (sg.propertyDependencies[direction] ?? []) : [],
      cidrs: [
        ...((entry.cidrBlocks as string[]) ?? []),
        ...((entry.ipv6CidrBlocks as string[]) ?? []),
      ],
      fromPort: entry.fromPort as number,
      toPort: entry.toPort as number,
    };
  }
  const r = resources.get(id);
  if (!r || !STANDALONE_RULES.includes(r.type)) return undefined;
  return {
    direction: r.type.includes("Ingress") ? "ingress" : "egress",
    group: r.propertyDependencies.securityGroupId[0],
    peerGroups: r.propertyDependencies.referencedSecurityGroupId ?? [],
    cidrs: [r.props.cidrIpv4, r.props.cidrIpv6].filter((c): c is string => typeof c === "string"),
    fromPort: r.props.fromPort as number,
    toPort: r.props.toPort as number,
  };
}

/** The node that stands for a resource (each resource is in exactly one node; checked below). */
function nodeFor(model: DiagramModel, urn: string): DiagramNode | undefined {
  return model.nodes.find((n) => n.urns.includes(urn));
}

/** Whether a resource of `node` is in `group`. */
function inGroup(plan: PlanFile, node: DiagramNode, group: string): boolean {
  return usersOf(plan, group).some((u) => node.urns.includes(u.urn));
}

for (const [preset, load] of Object.entries(PRESETS)) {
  describe(`architecture diagram: ${preset}`, function () {
    let plan: PlanFile;
    let model: DiagramModel;
    let text: string;

    before(async function () {
      plan = await load();
      model = buildDiagramModel(plan);
      text = renderDiagram(plan);
    });

    it("draws every component of the program as a box labelled with its kind and name", function () {
      const labels = [...parseFlowchart(text).subgraphs.values()];
      const components = plan.resources.filter((r) => !r.custom && r.type.startsWith("openemr:"));
      expect(components.length).to.be.greaterThan(3);
      const tier = components.find((c) => c.type.startsWith("openemr:tiers:"));
      for (const c of components) {
        const kind = c.type.split(":").pop() ?? "";
        const shown = c === tier ? c.name : c.name.slice((tier?.name.length ?? -1) + 1);
        expect(labels, `${c.type} ${c.name}`).to.satisfy((ls: string[]) =>
          ls.some((l) => l.startsWith(kind) && l.endsWith(` · ${shown}`)),
        );
      }
    });

    it("puts every resource of the plan in exactly one node, in its own component", function () {
      for (const r of plan.resources.filter((x) => x.custom || !x.type.startsWith("openemr:"))) {
        const holders = model.nodes.filter((n) => n.urns.includes(r.urn));
        expect(holders, `${r.type} ${r.name}`).to.have.length(1);
      }
      for (const n of model.nodes.filter((x) => x.role === "minor")) {
        for (const urn of n.urns) {
          const parents = new Set<string | null>();
          let r = byUrn(plan).get(urn);
          while (r?.parent) {
            parents.add(r.parent);
            r = byUrn(plan).get(r.parent);
          }
          expect(parents.has(n.component ?? ""), urn).to.equal(true);
        }
      }
    });

    it("gives each resource a reader looks for a node of its own", function () {
      const mains = plan.resources.filter((r) => OWN_NODE_TYPES.includes(r.type));
      expect(mains.length).to.be.greaterThan(3);
      for (const r of mains) {
        expect(nodeFor(model, r.urn)?.urns[0], `${r.type} ${r.name}`).to.equal(r.urn);
      }
    });

    it("has a security-group rule behind every network arrow, on its port, between its nodes", function () {
      expect(model.edges.length).to.be.greaterThan(1);
      const nodes = new Map(model.nodes.map((n) => [n.id, n]));
      for (const e of model.edges) {
        const from = nodes.get(e.from);
        const to = nodes.get(e.to);
        expect(from && to, `${e.from} -> ${e.to}`).to.not.equal(undefined);
        if (!from || !to) continue;
        expect(e.rules, `${e.from} -> ${e.to}`).to.not.be.empty;
        for (const ref of e.rules) {
          const rule = ruleFacts(plan, ref.id);
          expect(rule, ref.id).to.not.equal(undefined);
          if (!rule) continue;
          expect([rule.fromPort, rule.toPort], ref.name).to.deep.equal([e.fromPort, e.toPort]);
          // an ingress rule belongs to the server's group and names the client; egress the reverse
          const [holder, peer] = rule.direction === "ingress" ? [to, from] : [from, to];
          expect(inGroup(plan, holder, rule.group), ref.name).to.equal(true);
          if (peer.cidr) expect(rule.cidrs, ref.name).to.include(peer.cidr);
          else
            expect(
              rule.peerGroups.some((g) => inGroup(plan, peer, g)),
              ref.name,
            ).to.equal(true);
        }
      }
    });

    it("draws every rule between two groups that resources use, and every network rule of a used group", function () {
      const drawn = new Set(model.edges.flatMap((e) => e.rules.map((r) => r.id)));
      const ids: string[] = [];
      for (const r of plan.resources) {
        if (STANDALONE_RULES.includes(r.type)) ids.push(r.urn);
        if (GROUP_TYPES.includes(r.type)) {
          for (const direction of ["ingress", "egress"]) {
            const entries = (r.props[direction] as PlanValue[] | undefined) ?? [];
            entries.forEach((_, i) => ids.push(`${r.urn}#${direction}[${i}]`));
          }
        }
      }
      expect(ids.length).to.be.greaterThan(1);
      let expected = 0;
      for (const id of ids) {
        const rule = ruleFacts(plan, id);
        if (!rule || usersOf(plan, rule.group).length === 0) continue;
        const peerUsed = rule.peerGroups.some((g) => usersOf(plan, g).length > 0);
        if (rule.cidrs.length === 0 && !peerUsed) continue;
        expected++;
        expect(drawn.has(id), id).to.equal(true);
      }
      expect(expected).to.be.greaterThan(1);
    });

    it("draws, for each KMS key, an arrow to exactly the nodes whose inputs encrypt with it", function () {
      const keys = plan.resources.filter((r) => r.type === KEY);
      const keyNodes = new Set(model.nodes.filter((n) => n.role === "key").map((n) => n.urns[0]));
      expect([...keyNodes].sort()).to.deep.equal(keys.map((k) => k.urn).sort());
      for (const key of keys) {
        const expected = new Set<string>();
        for (const r of plan.resources) {
          if (r.type === "aws:kms/alias:Alias") continue;
          for (const [prop, urns] of Object.entries(r.propertyDependencies)) {
            if (urns.includes(key.urn) && !NOT_ENCRYPTION.has(prop))
              expected.add(`${r.urn} ${prop}`);
          }
        }
        const keyNode = nodeFor(model, key.urn);
        const drawn = model.encryptions.filter((e) => e.from === keyNode?.id);
        const uses = new Set(drawn.flatMap((e) => e.uses.map((u) => `${u.urn} ${u.prop}`)));
        expect([...uses].sort(), key.name).to.deep.equal([...expected].sort());
        for (const e of drawn) {
          for (const u of e.uses) expect(nodeFor(model, u.urn)?.id, u.urn).to.equal(e.to);
        }
      }
    });

    it("has a web ACL association behind every firewall arrow", function () {
      const associations = plan.resources.filter(
        (r) => r.type === "aws:wafv2/webAclAssociation:WebAclAssociation",
      );
      expect(model.firewalls.flatMap((f) => f.associations).sort()).to.deep.equal(
        associations.map((a) => a.urn).sort(),
      );
      for (const f of model.firewalls) {
        for (const urn of f.associations) {
          const a = byUrn(plan).get(urn);
          expect(nodeFor(model, a?.propertyDependencies.webAclArn[0] ?? "")?.id).to.equal(f.from);
          expect(nodeFor(model, a?.propertyDependencies.resourceArn[0] ?? "")?.id).to.equal(f.to);
        }
      }
    });

    it("writes well-formed flowchart text: balanced boxes, one statement a line, unique valid ids", function () {
      const parsed = parseFlowchart(text);
      expect(parsed.problems).to.deep.equal([]);
      const ids = [...parsed.nodes.keys(), ...parsed.subgraphs.keys()];
      expect(new Set(ids).size).to.equal(ids.length);
      for (const id of ids) {
        expect(id).to.match(MERMAID_ID);
        expect(RESERVED_WORDS.has(id), id).to.equal(false);
      }
      expect([...parsed.nodes.keys()].sort()).to.deep.equal(model.nodes.map((n) => n.id).sort());
      expect(parsed.edges).to.have.length(
        model.edges.length + model.encryptions.length + model.firewalls.length,
      );
    });

    it("prints the same text for the same plan, whatever the order of its resources", function () {
      const reversed = { ...plan, resources: [...plan.resources].reverse() };
      expect(renderDiagram(reversed)).to.equal(text);
      expect(renderModel(buildDiagramModel(plan))).to.equal(text);
    });
  });
}
