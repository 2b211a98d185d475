import { expect } from "chai";
import { parse } from "yaml";
import { planStack } from "../helpers/plan";
import { dependencyOf, networkLayout, ofType, one, prop } from "../helpers/resources";
import type { PlanFile } from "../../tools/plan/types";

const INSTANCE = "aws:ec2/instance:Instance";
const SG = "aws:ec2/securityGroup:SecurityGroup";

function userDataOf(plan: PlanFile): { env: Record<string, string>; files: string[]; raw: string } {
  const raw = prop<string>(one(plan, INSTANCE), "userData");
  expect(raw.startsWith("#cloud-config\n")).to.equal(true);
  const doc = parse(raw) as { write_files: { path: string; content: string }[] };
  const envFile = doc.write_files.find((f) => f.path === "/etc/openemr/deploy.env");
  const env: Record<string, string> = {};
  for (const line of envFile?.content.trim().split("\n") ?? []) {
    const at = line.indexOf("=");
    env[line.slice(0, at)] = line.slice(at + 1).replace(/^'|'$/g, "");
  }
  return { env, files: doc.write_files.map((f) => f.path), raw };
}

describe("express tier (dev stack)", function () {
  let plan: PlanFile;
  before(async () => {
    plan = await planStack("dev");
  });

  it("runs on a Graviton t4g.small from the architecture's public AL2023 parameter", () => {
    const instance = one(plan, INSTANCE);
    expect(prop(instance, "instanceType")).to.equal("t4g.small");
    expect(prop<string>(instance, "ami")).to.match(/^ami-/);
    expect(prop(instance, "monitoring")).to.equal(false);
  });

  it("requires IMDSv2 with one hop, so containers cannot reach instance credentials", () => {
    const instance = one(plan, INSTANCE);
    expect(prop(instance, "metadataOptions.httpTokens")).to.equal("required");
    expect(prop(instance, "metadataOptions.httpPutResponseHopLimit")).to.equal(1);
  });

  it("encrypts the gp3 root volume", () => {
    const instance = one(plan, INSTANCE);
    expect(prop(instance, "rootBlockDevice.encrypted")).to.equal(true);
    expect(prop(instance, "rootBlockDevice.volumeType")).to.equal("gp3");
    expect(prop(instance, "rootBlockDevice.volumeSize")).to.equal(20);
  });

  it("admits only HTTPS from the allowed CIDRs and opens no SSH", () => {
    const sg = one(plan, SG);
    expect(prop(sg, "ingress")).to.deep.equal([
      {
        cidrBlocks: ["203.0.113.0/24"],
        description: "HTTPS from the allowed networks",
        fromPort: 443,
        protocol: "tcp",
        toPort: 443,
      },
    ]);
  });

  it("builds a one-AZ VPC without NAT gateways, with flow logs", () => {
    expect(networkLayout(plan)).to.deep.equal({
      subnets: ["Public us-east-1a"],
      natGateways: 0,
    });
    const flowLog = one(plan, "aws:ec2/flowLog:FlowLog");
    expect(prop(flowLog, "trafficType")).to.equal("ALL");
    expect(dependencyOf(plan, flowLog, "vpcId").map((r) => r.type)).to.deep.equal([
      "aws:ec2/vpc:Vpc",
    ]);
  });

  it("administers through SSM Session Manager, logged, with no AWS-managed policy on the role", () => {
    const attached = ofType(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((r) =>
      prop<string>(r, "policyArn"),
    );
    expect(attached).to.not.include("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
    expect(attached).to.not.include("arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy");
    const access = ofType(plan, "aws:iam/rolePolicy:RolePolicy").find((r) =>
      r.name.endsWith("-web-access"),
    )!;
    const statements = (
      JSON.parse(prop<string>(access, "policy")) as {
        Statement: { Sid: string; Action: string | string[]; Resource: string | string[] }[];
      }
    ).Statement;
    const agent = statements.find((s) => s.Sid === "SsmAgent")!;
    expect(agent.Action).to.include("ssmmessages:OpenDataChannel");
    // the account's other parameters stay out of reach; the host's own are granted by prefix
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).to.not.include("ssm:GetParameters");
    expect(actions).to.not.include("logs:CreateLogGroup");
    expect(actions).to.not.include("logs:PutRetentionPolicy");
    const logs = statements.find((s) => s.Sid === "WriteOwnLogs")!;
    // its own groups only (containers, database, system), not the flow-log or DNS groups
    const groups = [logs.Resource].flat().filter((r) => !r.endsWith(":log-stream:*"));
    expect(groups.map((arn) => arn.split(":log-group:")[1])).to.deep.equal([
      "/openemr/dev/containers",
      "/openemr/dev/database",
      "/openemr/dev/system",
    ]);
    const doc = one(plan, "aws:ssm/document:Document", "-admin-shell");
    expect(prop(doc, "documentType")).to.equal("Session");
    expect(plan.outputs.adminShellCommand).to.match(
      /^aws ssm start-session --region us-east-1 --target i-\S+ --document-name openemr-dev-admin-shell$/,
    );
  });

  it("keeps generated passwords in SSM SecureString parameters, never in user data", () => {
    // the passwords; the scripts too large for the user data are parameters of their own
    const params = ofType(plan, "aws:ssm/parameter:Parameter").filter(
      (p) => !prop<string>(p, "name").includes("/scripts/"),
    );
    expect(params.map((p) => prop(p, "type"))).to.deep.equal([
      "SecureString",
      "SecureString",
      "SecureString",
    ]);
    expect(params.map((p) => prop(p, "value"))).to.deep.equal(["<secret>", "<secret>", "<secret>"]);
    const { env, raw } = userDataOf(plan);
    expect(env.ADMIN_PARAM).to.equal("/openemr/dev/admin-password");
    // the mock engine's generated passwords look like Mock<8 hex>9!...: none reaches user data
    expect(raw).to.not.match(/Mock[0-9a-f]{8}9!/);
    expect(JSON.stringify(plan)).to.not.match(/Mock[0-9a-f]{8}9!/);
    for (const p of ofType(plan, "random:index/randomPassword:RandomPassword")) {
      expect(prop(p, "minNumeric")).to.be.at.least(1);
      expect(prop(p, "minSpecial")).to.be.at.least(1);
    }
  });

  it("boots the pinned OpenEMR image and MariaDB with the boot scripts as files, the rest from parameters", () => {
    const { env, files } = userDataOf(plan);
    expect(env.OPENEMR_IMAGE).to.equal("openemr/openemr:8.0.0");
    expect(env.MARIADB_IMAGE).to.match(/^mariadb:\d+\.\d+$/);
    expect(env.BACKUP_MODE).to.equal("local");
    expect(files).to.deep.equal([
      "/etc/openemr/deploy.env",
      "/usr/local/sbin/openemr-bootstrap",
      "/usr/local/sbin/openemr-install-scripts",
      "/etc/openemr/container-start.sh",
    ]);
    expect(env.SCRIPT_PARAMETERS.split(" ").map((e) => e.split("=")[0])).to.deep.equal([
      "/usr/local/sbin/openemr-backup",
      "/usr/local/sbin/openemr-restore",
      "/usr/local/sbin/openemr-certificate",
      "/usr/local/sbin/openemr-forget-superuser",
      "/usr/local/sbin/openemr-health",
      "/usr/local/sbin/openemr-export",
    ]);
  });

  it("gives every log group the configured retention", () => {
    const groups = ofType(plan, "aws:cloudwatch/logGroup:LogGroup");
    // containers (OpenEMR incl. Apache's access and error logs on stdout/stderr), database,
    // system, VPC flow logs, Session Manager transcripts, DNS queries
    expect(groups.length).to.equal(6);
    for (const g of groups) expect(prop(g, "retentionInDays"), g.name).to.equal(2192);
    const { env } = userDataOf(plan);
    for (const key of ["LOG_GROUP_CONTAINERS", "LOG_GROUP_DATABASE", "LOG_GROUP_SYSTEM"]) {
      expect(groups.map((g) => prop(g, "name"))).to.include(env[key]);
    }
  });

  it("forwards a snapshot policy that goes into error to the alarm topic", () => {
    const rule = one(plan, "aws:cloudwatch/eventRule:EventRule", "-snapshots-failed");
    const policy = one(plan, "aws:dlm/lifecyclePolicy:LifecyclePolicy");
    const pattern = JSON.parse(prop<string>(rule, "eventPattern")) as Record<string, unknown>;
    expect(pattern).to.deep.include({
      source: ["aws.dlm"],
      "detail-type": ["DLM Policy State Change"],
      detail: { state: ["ERROR"] },
    });
    // this stack's policy only, by its ARN
    expect(pattern.resources).to.have.length(1);
    expect(dependencyOf(plan, rule, "eventPattern").map((r) => r.urn)).to.deep.equal([policy.urn]);
    const target = one(plan, "aws:cloudwatch/eventTarget:EventTarget", "-snapshots-failed-target");
    const topic = one(plan, "aws:sns/topic:Topic");
    expect(dependencyOf(plan, target, "arn").map((r) => r.urn)).to.deep.equal([topic.urn]);
    const topicPolicy = JSON.parse(
      prop<string>(one(plan, "aws:sns/topicPolicy:TopicPolicy"), "policy"),
    ) as { Statement: { Sid: string; Principal: { Service?: string } }[] };
    expect(
      topicPolicy.Statement.find((s) => s.Sid === "EventBridgeRulesPublish")?.Principal,
    ).to.deep.equal({ Service: "events.amazonaws.com" });
  });

  it("takes daily snapshots of the tagged root volume", () => {
    const dlm = one(plan, "aws:dlm/lifecyclePolicy:LifecyclePolicy");
    const details = prop<Record<string, PlanFile["outputs"][string]>>(dlm, "policyDetails");
    expect(details.targetTags).to.deep.equal({ "openemr:snapshot": "openemr-dev" });
    expect(prop(one(plan, INSTANCE), "rootBlockDevice.tags")).to.deep.include({
      "openemr:snapshot": "openemr-dev",
    });
  });

  it("leaves a throwaway dev stack unprotected", () => {
    expect(one(plan, INSTANCE).opts.protect).to.equal(false);
  });

  it("outputs the URL, instance and how to read the admin password", () => {
    expect(plan.outputs.url).to.equal("https://203.0.113.10/");
    expect(plan.outputs.adminPasswordCommand).to.equal(
      "aws ssm get-parameter --region us-east-1 --with-decryption --name /openemr/dev/admin-password --query Parameter.Value --output text",
    );
  });
});

describe("express tier with data protection on", function () {
  let plan: PlanFile;
  before(async () => {
    plan = await planStack("dev", { "openemr:protectData": "true" });
  });

  it("protects the instance that holds the data and never lets a new AMI replace it", () => {
    const instance = one(plan, INSTANCE);
    expect(instance.opts.protect).to.equal(true);
    expect(instance.opts.ignoreChanges).to.deep.equal(["ami"]);
    expect(prop(instance, "disableApiTermination")).to.equal(true);
    expect(prop(instance, "rootBlockDevice.deleteOnTermination")).to.equal(false);
  });

  it("protects every log group", () => {
    for (const g of ofType(plan, "aws:cloudwatch/logGroup:LogGroup"))
      expect(g.opts.protect, g.name).to.equal(true);
  });
});

describe("express tier options", function () {
  it("lets a 1 GiB t4g.micro be selected", async () => {
    const plan = await planStack("dev", { "openemr:express": '{"instanceType":"t4g.micro"}' });
    expect(prop(one(plan, INSTANCE), "instanceType")).to.equal("t4g.micro");
  });

  it("closes the front door when no CIDR is allowed", async () => {
    const plan = await planStack("dev", { "openemr:allowedCidrs": "[]" });
    expect(prop(one(plan, SG), "ingress")).to.deep.equal([]);
  });

  it("with a domain and hosted zone, points DNS at the instance and obtains a certificate by DNS challenge", async () => {
    const plan = await planStack("dev", {
      "openemr:domain": "emr.example.org",
      "openemr:hostedZoneId": "Z0123456789ABC",
    });
    const record = one(plan, "aws:route53/record:Record");
    expect(prop(record, "name")).to.equal("emr.example.org");
    expect(plan.outputs.url).to.equal("https://emr.example.org/");
    expect(userDataOf(plan).env.DOMAIN).to.equal("emr.example.org");
    expect(userDataOf(plan).env.SITE_ADDRESS).to.equal("https://emr.example.org");
    expect(
      ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => prop(a, "metricName")),
    ).to.include("CertificateDaysLeft");
  });
});
