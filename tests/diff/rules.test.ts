import { expect } from "chai";
import { diffPlans } from "../../tools/diff/diff";
import { MARKDOWN_FOLD_ROWS, formatMarkdown, formatText } from "../../tools/diff/format";
import { COMPUTED, SECRET, type PlanResource } from "../../tools/plan/types";
import { component, plan, resource } from "./plans";

const KEY_A = "arn:aws:kms:us-east-1:123456789012:key/a";
const KEY_B = "arn:aws:kms:us-east-1:123456789012:key/b";

function volume(props: PlanResource["props"], extra: { ignoreChanges?: string[] } = {}) {
  return resource({
    type: "aws:ebs/volume:Volume",
    name: "data",
    props: { availabilityZone: "us-east-1a", size: 20, ...props },
    ...extra,
  });
}

describe("diffPlans rules", () => {
  it("an unknown on one side is a 'may change'; unknowns or secrets on both sides are unchanged", () => {
    const sg = (description: string, tags: string) =>
      resource({
        type: "aws:ec2/securityGroup:SecurityGroup",
        name: "web",
        props: { vpcId: COMPUTED, description, tags: { Owner: tags } },
      });
    const secret = (v: string) =>
      resource({ type: "aws:ssm/parameter:Parameter", name: "p", props: { value: v } });
    const d = diffPlans(
      plan([sg("web", "clinic"), secret(SECRET)]),
      plan([sg("web", COMPUTED), secret(SECRET)]),
    );
    expect(d.changed.map((c) => [c.name, c.inputs])).to.deep.equal([
      ["web", [{ name: "tags", certainty: "may-change" }]],
    ]);
    expect(d.unchanged).to.equal(1);
  });

  it("an unknown replace-on-change input makes a stateful resource 'may be replaced'", () => {
    const d = diffPlans(
      plan([volume({ kmsKeyId: KEY_A })]),
      plan([volume({ kmsKeyId: COMPUTED })]),
    );
    expect(d.replaced.map((r) => [r.reason, r.certain])).to.deep.equal([
      ["replace-on-change", false],
    ]);
    expect(d.dataLoss.map((w) => [w.change, w.certain])).to.deep.equal([["replaced", false]]);
    expect(formatText(d)).to.contain(
      '!!   may be replaced aws:ebs/volume:Volume "data": may lose volume contents',
    );
  });

  it("ignoreChanges on kmsKeyId keeps the volume from being replaced or changed", () => {
    const d = diffPlans(
      plan([volume({ kmsKeyId: KEY_A }, { ignoreChanges: ["kmsKeyId"] })]),
      plan([volume({ kmsKeyId: KEY_B }, { ignoreChanges: ["kmsKeyId"] })]),
    );
    expect(d.replaced).to.deep.equal([]);
    expect(d.changed).to.deep.equal([]);
    expect(d.unchanged).to.equal(1);
  });

  it("ignoreChanges paths with indexes and quoted keys hide only what they name", () => {
    const sg = (cidr: string, name: string, owner: string) =>
      resource({
        type: "aws:ec2/securityGroup:SecurityGroup",
        name: "web",
        ignoreChanges: ["ingress[0].cidrBlocks", 'tags["Name"]'],
        props: {
          ingress: [{ cidrBlocks: [cidr], fromPort: 443 }],
          tags: { Name: name, Owner: owner },
        },
      });
    const d = diffPlans(plan([sg("10.0.0.0/8", "a", "x")]), plan([sg("192.0.2.0/24", "b", "y")]));
    expect(d.changed.map((c) => c.inputs)).to.deep.equal([
      [{ name: "tags", certainty: "changed" }],
    ]);
  });

  it("the instance's root volume encryption key and its AMI force a replacement; its size does not", () => {
    const web = (ami: string, root: PlanResource["props"]) =>
      resource({
        type: "aws:ec2/instance:Instance",
        name: "web",
        props: { ami, rootBlockDevice: root },
      });
    const rekey = diffPlans(
      plan([web("ami-1", { volumeSize: 30, kmsKeyId: KEY_A })]),
      plan([web("ami-1", { volumeSize: 30, kmsKeyId: KEY_B })]),
    );
    expect(rekey.replaced.map((r) => r.triggers)).to.deep.equal([
      [{ name: "rootBlockDevice", certainty: "changed" }],
    ]);
    const newAmi = diffPlans(
      plan([web("ami-1", { volumeSize: 30 })]),
      plan([web("ami-2", { volumeSize: 40 })]),
    );
    expect(newAmi.replaced.map((r) => [r.triggers, r.inputs])).to.deep.equal([
      [
        [{ name: "ami", certainty: "changed" }],
        [
          { name: "ami", certainty: "changed" },
          { name: "rootBlockDevice", certainty: "changed" },
        ],
      ],
    ]);
    expect(newAmi.dataLoss.map((w) => w.loses)).to.deep.equal(["the root volume's contents"]);
    expect(formatText(newAmi)).to.contain(
      "  ± aws:ec2/instance:Instance  web  forced by ami; also rootBlockDevice",
    );
  });

  it("a database engine change replaces it; an engine version change is in place", () => {
    const db = (engine: string, engineVersion: string) =>
      resource({ type: "aws:rds/instance:Instance", name: "db", props: { engine, engineVersion } });
    const engine = diffPlans(plan([db("mysql", "8.0")]), plan([db("mariadb", "11.4")]));
    expect(engine.replaced.map((r) => r.triggers)).to.deep.equal([
      [{ name: "engine", certainty: "changed" }],
    ]);
    const version = diffPlans(plan([db("mysql", "8.0")]), plan([db("mysql", "8.4")]));
    expect(version.replaced).to.deep.equal([]);
    expect(version.changed.map((c) => c.inputs)).to.deep.equal([
      [{ name: "engineVersion", certainty: "changed" }],
    ]);
  });

  it("turning protect off is reported as an option change", () => {
    const db = (protect: boolean) =>
      resource({
        type: "aws:rds/instance:Instance",
        name: "db",
        protect,
        props: { engine: "mysql" },
      });
    const d = diffPlans(plan([db(true)]), plan([db(false)]));
    expect(d.changed.map((c) => c.options)).to.deep.equal([
      [{ name: "protect", before: true, after: false }],
    ]);
    expect(formatText(d)).to.contain(
      "  ~ aws:rds/instance:Instance  db  options: protect true → false",
    );
  });

  it("matches resources across stacks by URN without the stack, and gives no alias hint across stacks", () => {
    const bucket = (stack: string, name: string) =>
      resource({ type: "aws:s3/bucket:Bucket", name, stack, props: { forceDestroy: false } });
    const same = diffPlans(
      plan([bucket("dev", "logs")], { stack: "dev" }),
      plan([bucket("prod", "logs")], { stack: "prod" }),
    );
    expect(same.unchanged).to.equal(1);
    expect(formatText(same).split("\n")[0]).to.equal("Plan diff: stack dev → prod, preset express");
    const renamed = diffPlans(
      plan([bucket("dev", "logs")], { stack: "dev" }),
      plan([bucket("prod", "audit-logs")], { stack: "prod" }),
    );
    expect(renamed.dataLoss.map((w) => [w.name, w.alias, w.notes])).to.deep.equal([
      [
        "logs",
        undefined,
        ["AWS refuses to delete the bucket while it holds objects (forceDestroy off)"],
      ],
    ]);
  });

  it("pairs renamed resources of one parent by their inputs, most alike first, and never pairs components", () => {
    const lg = (name: string, retentionInDays: number) =>
      resource({ type: "aws:cloudwatch/logGroup:LogGroup", name, props: { retentionInDays } });
    const fargate = component("openemr:tier:Fargate", "a");
    // Wired from the new component: components hold nothing, so this input does not "may change".
    const topic = (deps: PlanResource[]) =>
      resource({
        type: "aws:sns/topic:Topic",
        name: "alarms",
        props: { name: "a" },
        deps: { name: deps },
      });
    const d = diffPlans(
      plan([
        component("openemr:tier:Standard", "a"),
        lg("old-app", 2192),
        lg("old-audit", 3653),
        topic([]),
      ]),
      plan([fargate, lg("new-audit", 3653), lg("new-app", 2192), topic([fargate])]),
    );
    expect(d.unchanged).to.equal(1);
    expect(d.replaced.map((r) => [r.before.name, r.after.name])).to.deep.equal([
      ["old-app", "new-app"],
      ["old-audit", "new-audit"],
    ]);
    expect(d.added.map((r) => r.type)).to.deep.equal(["openemr:tier:Fargate"]);
    expect(d.removed.map((r) => r.type)).to.deep.equal(["openemr:tier:Standard"]);
  });

  it("reports new and fixed policy violations and pairs a renamed resource's cost lines", () => {
    const b = (name: string) =>
      resource({ type: "aws:s3/bucket:Bucket", name, props: { forceDestroy: false } });
    const v = (name: string, policy: string, level: "mandatory" | "advisory") => ({
      policy,
      level,
      urn: b(name).urn,
      message: `bucket ${name}: ${policy}`,
    });
    const d = diffPlans(
      plan([b("old")], {
        policy: { pack: "p", passed: true, violations: [v("old", "bucket-logging", "advisory")] },
        cost: {
          monthlyUsd: 1,
          currency: "USD",
          asOf: "2026-10-01",
          lines: [{ urn: b("old").urn, item: "S3", monthlyUsd: 1 }],
        },
      }),
      plan([b("new")], {
        policy: {
          pack: "p",
          passed: false,
          violations: [v("new", "bucket-logging", "advisory"), v("new", "bucket-kms", "mandatory")],
        },
        cost: {
          monthlyUsd: 1,
          currency: "USD",
          asOf: "2026-11-01",
          lines: [{ urn: b("new").urn, item: "S3", monthlyUsd: 1 }],
        },
      }),
    );
    expect(d.policy.introduced.map((x) => x.policy)).to.deep.equal(["bucket-kms"]);
    expect(d.policy.resolved).to.deep.equal([]);
    expect(d.cost.lines).to.deep.equal([]);
    expect(formatText(d).split("\n").slice(-5)).to.deep.equal([
      "Policy (p): passed (0 mandatory, 1 advisory) → FAILED (1 mandatory, 1 advisory)",
      "  new   mandatory bucket-kms on new: bucket new: bucket-kms",
      "Cost: $1.00/month → $1.00/month (+$0.00, +0.0%)",
      "  price table 2026-10-01 → 2026-11-01",
      "",
    ]);
  });

  it("Markdown folds a long resource table and escapes HTML and table pipes", () => {
    const many = Array.from({ length: MARKDOWN_FOLD_ROWS + 1 }, (_, i) =>
      resource({ type: "aws:ec2/subnet:Subnet", name: `s${String(i).padStart(2, "0")}` }),
    );
    const folded = formatMarkdown(diffPlans(plan([]), plan(many)));
    expect(folded).to.contain(
      `<details><summary>${MARKDOWN_FOLD_ROWS + 1} resource changes</summary>`,
    );
    const odd = resource({ type: "aws:s3/bucket:Bucket", name: "a|b" });
    const md = formatMarkdown(
      diffPlans(
        plan([], { policy: { pack: "p", passed: true, violations: [] } }),
        plan([odd], {
          policy: {
            pack: "p",
            passed: false,
            violations: [
              { policy: "x", level: "mandatory", urn: odd.urn, message: "<img src=x> & co" },
            ],
          },
        }),
      ),
    );
    expect(md).to.contain("| + add | `aws:s3/bucket:Bucket` | `a\\|b` | |");
    expect(md).to.contain("- new mandatory `x` on `a|b`: &lt;img src=x&gt; &amp; co");
    expect(md).not.to.contain("<details>");
  });
});
