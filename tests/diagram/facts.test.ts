// What the diagrams say about each preset (zones, ports, TLS, keys), and how they follow the plan
// when it changes: a TLS setting turned off, a rule removed, subnets written as resources.
import { expect } from "chai";
import { buildDiagramModel } from "../../tools/diagram/graph";
import type { DiagramModel } from "../../tools/diagram/model";
import { renderDiagram } from "../../tools/diagram/render";
import { parseFlowchart } from "../../tools/diagram/syntax";
import { tlsText } from "../../tools/diagram/tls";
import type { PlanFile } from "../../tools/plan/types";
import {
  copyResource,
  dropResource,
  editProps,
  editResource,
  mutate,
  resource,
  setProp,
  type Target,
} from "../helpers/mutate";
import { EXPRESS_PLUS, planStack } from "../helpers/plan";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const SUBNET = "aws:ec2/subnet:Subnet";

/** The node's name line (the resource's name without the tier's), or its CIDR. */
function nameOf(model: DiagramModel, id: string): string {
  const n = model.nodes.find((x) => x.id === id);
  return n?.cidr ?? n?.lines[1] ?? id;
}

/** Every network arrow as "client -> server: label". */
function arrows(model: DiagramModel): string[] {
  return model.edges
    .map((e) => {
      const ports = e.fromPort === e.toPort ? `${e.fromPort}` : `${e.fromPort}-${e.toPort}`;
      const missing = e.missingSide ? ` (no ${e.missingSide} rule)` : "";
      return `${nameOf(model, e.from)} -> ${nameOf(model, e.to)}: ${e.service} ${ports} ${tlsText(e.tls)}${missing}`;
    })
    .sort();
}

/** Every key's arrows as "key -> encrypted node". */
function encrypted(model: DiagramModel): string[] {
  return model.encryptions.map((e) => `${nameOf(model, e.from)} -> ${nameOf(model, e.to)}`).sort();
}

function zoneOf(model: DiagramModel, name: string): string | undefined {
  return model.nodes.find((n) => n.lines[1] === name)?.zone;
}

describe("architecture diagram: what each preset's diagram says", function () {
  it("fargate: the allowed network to the load balancer, its tasks and their data stores, all TLS", async function () {
    const model = buildDiagramModel(await planStack("prod"));
    expect(arrows(model)).to.deep.equal([
      "198.51.100.0/24 -> lb-alb: HTTP 80 redirect to HTTPS",
      "198.51.100.0/24 -> lb-alb: HTTPS 443 TLS required",
      "app-service -> 0.0.0.0/0: HTTPS 443 TLS",
      "app-service -> db-cluster: MySQL 3306 TLS required",
      "app-service -> sessions-valkey: Valkey 6379 TLS required",
      "app-service -> sites-fs: NFS 2049 TLS required",
      "app-service -> tls-fs: NFS 2049 TLS required",
      "lb-alb -> app-service: HTTPS 443 TLS",
    ]);
    const evidence = Object.fromEntries(
      model.edges.map((e) => [`${nameOf(model, e.to)}:${e.fromPort}`, e.tls.evidence]),
    );
    expect(evidence["db-cluster:3306"]).to.equal(
      "parameter group openemr-prod-db-params: require_secure_transport=ON",
    );
    expect(evidence["app-service:443"]).to.equal("target group openemr-prod-lb-tg: protocol HTTPS");
    expect(evidence["sites-fs:2049"]).to.equal(
      "file system policy openemr-prod-sites-policy denies aws:SecureTransport=false",
    );
    expect(evidence["lb-alb:443"]).to.match(
      /^listener openemr-prod-lb-https: protocol HTTPS, ELBSecurityPolicy-TLS13/,
    );
    expect(zoneOf(model, "lb-alb")).to.equal("public");
    expect(zoneOf(model, "app-service")).to.equal("private");
    for (const store of ["db-cluster", "sessions-valkey", "sites-fs", "tls-fs"]) {
      expect(zoneOf(model, store), store).to.equal("isolated");
    }
    for (const key of ["data-key", "logs-key", "secrets-key"]) {
      expect(zoneOf(model, key), key).to.equal("aws");
    }
    expect(model.zones.map((z) => z.label)).to.include.members([
      "Public subnets ×2",
      "Private subnets ×2",
      "Isolated subnets ×2",
    ]);
    const byKey = encrypted(model);
    expect(byKey.filter((e) => e.startsWith("data-key"))).to.deep.equal([
      "data-key -> backup-vault",
      "data-key -> db-cluster",
      "data-key -> sessions-valkey",
      "data-key -> sites-fs",
      "data-key -> tls-fs",
    ]);
    expect(byKey.filter((e) => e.startsWith("secrets-key"))).to.deep.equal([
      "secrets-key -> admin-password",
      "secrets-key -> app-credentials",
      "secrets-key -> db-master-secret",
    ]);
    expect(byKey).to.include.members([
      "logs-key -> alarms",
      "logs-key -> audit-logs",
      "logs-key -> audit-trail",
    ]);
    const appLogs = model.encryptions.find((e) => e.to === "n_app_more");
    expect(appLogs?.label).to.equal("2 log groups encrypted with");
    expect(
      model.firewalls.map((f) => `${nameOf(model, f.from)} -> ${nameOf(model, f.to)}`),
    ).to.deep.equal(["waf-acl -> lb-alb"]);
  });

  it("standard: the load balancer to the web server, the web server to MySQL in isolated subnets", async function () {
    const model = buildDiagramModel(await planStack("staging"));
    expect(arrows(model)).to.deep.equal([
      "198.51.100.0/24 -> lb-alb: HTTP 80 redirect to HTTPS",
      "198.51.100.0/24 -> lb-alb: HTTPS 443 TLS required",
      "lb-alb -> web: HTTPS 443 TLS",
      "web -> 0.0.0.0/0: HTTPS 443 TLS",
      "web -> db: MySQL 3306 TLS required",
    ]);
    const db = model.edges.find((e) => nameOf(model, e.to) === "db");
    // the web server's group writes its egress inline; the database's group admits it standalone
    expect(db?.rules.map((r) => `${r.name} ${r.direction}`)).to.deep.equal([
      "openemr-staging-db-from-web ingress",
      "openemr-staging-web-sg egress[1] egress",
    ]);
    expect(db?.tls.evidence).to.equal(
      "parameter group openemr-staging-db-params: require_secure_transport=1",
    );
    expect(zoneOf(model, "web")).to.equal("public");
    expect(zoneOf(model, "db")).to.equal("isolated");
    expect(zoneOf(model, "web-data"), "the data volume sits with its instance").to.equal("public");
    expect(encrypted(model)).to.include.members([
      "key-key -> db",
      "key-key -> web",
      "key-key -> web-data",
    ]);
  });

  it("express: the allowed network to the host on 443, the host out on 443, keys managed by AWS", async function () {
    const plan = await planStack("dev");
    const model = buildDiagramModel(plan);
    expect(arrows(model)).to.deep.equal([
      "203.0.113.0/24 -> web: HTTPS 443 TLS",
      "web -> 0.0.0.0/0: HTTPS 443 TLS",
    ]);
    expect(model.edges.every((e) => e.tls.evidence === "port 443 (HTTPS)")).to.equal(true);
    expect(model.encryptions).to.deep.equal([]);
    const web = model.nodes.find((n) => n.lines[1] === "web");
    expect(web?.lines).to.include("root volume at rest: AWS-managed key");
    expect(renderDiagram(plan)).to.not.match(/linkStyle/);
  });

  it("express-plus: the customer key encrypts the host's volumes, backups bucket and session logs", async function () {
    const model = buildDiagramModel(await planStack("dev", EXPRESS_PLUS));
    expect(encrypted(model)).to.include.members([
      "key-key -> web",
      "key-key -> web-data",
      "key-key -> backups",
      "key-key -> audit-trail",
    ]);
    const session = model.encryptions.find((e) => e.uses.some((u) => u.prop === "content"));
    expect(session?.uses.map((u) => u.urn.split("::").pop())).to.include("openemr-dev-admin-shell");
  });
});

describe("architecture diagram: follows the plan when it changes", function () {
  let fargate: PlanFile;
  let standard: PlanFile;
  const prm: Target = ["aws:rds/clusterParameterGroup:ClusterParameterGroup", "-db-params"];

  before(async function () {
    fargate = await planStack("prod");
    standard = await planStack("staging");
  });

  it("says TLS? and draws the arrow red when the database stops requiring secure transport", function () {
    const plan = mutate(
      fargate,
      editProps(prm, (props) => {
        props.parameters = (props.parameters as { name: string; value: string }[]).map((p) =>
          p.name === "require_secure_transport" ? { ...p, value: "OFF" } : p,
        );
      }),
    );
    const model = buildDiagramModel(plan);
    expect(arrows(model)).to.include("app-service -> db-cluster: MySQL 3306 TLS?");
    const text = renderDiagram(plan);
    const parsed = parseFlowchart(text);
    const index = parsed.edges.findIndex((e) => e.to === "n_db_cluster" && e.arrow === "-->");
    const red = /^\s*linkStyle ([0-9,]+) /m.exec(text)?.[1].split(",").map(Number);
    expect(red).to.deep.equal([index]);
  });

  it("marks a path whose server's ingress rule is gone, and drops it when both sides are gone", function () {
    const oneSided = buildDiagramModel(mutate(fargate, dropResource([INGRESS, "-tls-clients-in"])));
    expect(arrows(oneSided)).to.include(
      "app-service -> tls-fs: NFS 2049 TLS required (no ingress rule)",
    );
    const gone = buildDiagramModel(
      mutate(
        fargate,
        dropResource([INGRESS, "-tls-clients-in"]),
        dropResource([EGRESS, "-tls-clients-out"]),
      ),
    );
    expect(arrows(gone).filter((a) => a.includes("tls-fs"))).to.deep.equal([]);
    expect(
      gone.nodes.some((n) => n.lines[1] === "tls-fs"),
      "the file system is still drawn",
    ).to.equal(true);
  });

  it("says no TLS when the load balancer's 443 listener speaks plain HTTP", function () {
    const plan = mutate(
      fargate,
      setProp(["aws:lb/listener:Listener", "-lb-https"], "protocol", "HTTP"),
    );
    expect(arrows(buildDiagramModel(plan))).to.include(
      "198.51.100.0/24 -> lb-alb: HTTP 443 no TLS",
    );
  });

  it("takes EFS's TLS from the task definition when no policy requires it, and says TLS? without either", function () {
    const noPolicy = mutate(
      fargate,
      dropResource(["aws:efs/fileSystemPolicy:FileSystemPolicy", "-sites-policy"]),
    );
    const edge = buildDiagramModel(noPolicy).edges.find((e) => e.to === "n_sites_fs");
    expect(edge?.tls).to.deep.equal({
      status: "tls",
      required: false,
      evidence: "task definition openemr-prod-app-task: EFS volumes with transitEncryption ENABLED",
    });
    const noTransit = mutate(
      noPolicy,
      editProps(["aws:ecs/taskDefinition:TaskDefinition", "-app-task"], (props) => {
        for (const v of props.volumes as { efsVolumeConfiguration: Record<string, string> }[]) {
          v.efsVolumeConfiguration.transitEncryption = "DISABLED";
        }
      }),
    );
    expect(
      buildDiagramModel(noTransit).edges.find((e) => e.to === "n_sites_fs")?.tls.status,
    ).to.equal("unknown");
  });

  it("places resources by Subnet resources' SubnetType tag, else by their name", function () {
    const vpc = resource(fargate, ["aws:ec2/vpc:Vpc", "-net-vpc"]).name;
    const like: Target = ["aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "-net-default-sg"];
    const tagged = `${vpc}-apps-7`;
    const named = `${vpc}-public-8`;
    const plan = mutate(
      fargate,
      copyResource(like, tagged, { type: SUBNET }),
      copyResource(like, named, { type: SUBNET }),
      setProp([SUBNET, tagged], "tags", { Name: tagged, SubnetType: "Isolated" }),
      setProp([SUBNET, named], "tags", { Name: named }),
      // the service in the tagged subnet, the database's subnet group in the named one
      editResource(["aws:ecs/service:Service", "-app-service"], (r, p) => {
        const subnet = resource(p, [SUBNET, tagged]);
        r.props.networkConfiguration = {
          ...(r.props.networkConfiguration as Record<string, never>),
          subnets: [`${tagged}-0a1b2c3d`],
        };
        r.propertyDependencies.networkConfiguration = [
          subnet.urn,
          resource(p, [SG, "-tasks-sg"]).urn,
        ];
      }),
      editResource(["aws:rds/subnetGroup:SubnetGroup", "-db-subnets"], (r, p) => {
        r.props.subnetIds = [`${named}-0a1b2c3d`];
        r.propertyDependencies.subnetIds = [resource(p, [SUBNET, named]).urn];
      }),
    );
    const model = buildDiagramModel(plan);
    expect(zoneOf(model, "app-service")).to.equal("isolated");
    expect(zoneOf(model, "db-cluster")).to.equal("public");
    expect(model.zones.find((z) => z.id === "public")?.subnets).to.include(
      resource(plan, [SUBNET, named]).urn,
    );
    expect(
      model.zones.some((z) => z.id === "private"),
      "nothing is left in private subnets",
    ).to.equal(false);
    expect(parseFlowchart(renderDiagram(plan)).problems).to.deep.equal([]);
  });

  it("ties an inline rule's group ID to its group by name, and says so when it cannot", function () {
    const web: Target = [SG, "-web-sg"];
    const twoCandidates = mutate(
      standard,
      editResource(web, (r, p) => {
        r.propertyDependencies.egress = [
          ...r.propertyDependencies.egress,
          resource(p, [SG, "-lb-sg"]).urn,
        ];
      }),
    );
    expect(arrows(buildDiagramModel(twoCandidates))).to.include(
      "web -> db: MySQL 3306 TLS required",
    );
    const unknown = mutate(
      twoCandidates,
      editProps(web, (props) => {
        for (const e of props.egress as { securityGroups?: string[] }[]) {
          if (e.securityGroups) e.securityGroups = ["<computed>"];
        }
      }),
    );
    expect(arrows(buildDiagramModel(unknown))).to.include(
      "web -> db: MySQL 3306 TLS required (no egress rule)",
    );
  });

  it("draws a component that has no resources as a box of its own", function () {
    const plan = mutate(
      fargate,
      copyResource(["openemr:waf:WebFirewall", "-waf"], "openemr-prod-spare", {
        parent: ["openemr:tiers:Fargate", "openemr-prod"],
      }),
    );
    const parsed = parseFlowchart(renderDiagram(plan));
    expect(parsed.problems).to.deep.equal([]);
    const box = [...parsed.subgraphs.entries()].find(
      ([, label]) => label === "WebFirewall · spare",
    );
    expect(box, "a box for the empty component").to.not.equal(undefined);
    expect(parsed.nodes.get("n_spare_more")).to.equal("no resources of its own");
  });

  it("escapes what Mermaid would misread in a label", function () {
    const plan = mutate(
      fargate,
      setProp(
        ["aws:elasticache/serverlessCache:ServerlessCache", "-sessions-valkey"],
        "majorEngineVersion",
        '8 "a|b" <c> #d `e`',
      ),
    );
    const text = renderDiagram(plan);
    expect(parseFlowchart(text).problems).to.deep.equal([]);
    expect(text).to.include("Valkey 8 #quot;a#124;b#quot; #lt;c#gt; #35;d #96;e#96;");
  });
});
