// The diff on plans of the real program: the dev stack against itself with a new VPC CIDR and with
// the other architecture. The assertions name types and reasons, not the network's inner layout,
// so they hold whether the VPC is one remote component or plain resources.
import { expect } from "chai";
import { diffPlans, needsAttention, type PlanDiff } from "../../tools/diff/diff";
import { T } from "../../tools/plan/tokens";
import type { PlanFile } from "../../tools/plan/types";
import { planStack } from "../helpers/plan";

describe("npm run diff on the dev stack's plans", function () {
  this.timeout(120000);
  let dev: PlanFile;
  before(async () => {
    dev = await planStack("dev");
  });

  const replacedOf = (d: PlanDiff, type: string) => d.replaced.filter((r) => r.after.type === type);

  it("a plan against itself changes nothing and needs nobody", () => {
    const d = diffPlans(dev, dev);
    expect([d.added.length, d.removed.length, d.changed.length, d.replaced.length]).to.deep.equal([
      0, 0, 0, 0,
    ]);
    expect(d.findings).to.deep.equal([]);
    expect(needsAttention(d)).to.equal(false);
  });

  it("a new vpcCidr replaces the host through its subnet, and names the database on its root volume", async () => {
    const d = diffPlans(dev, await planStack("dev", { "openemr:vpcCidr": "10.42.0.0/16" }));
    const [host] = replacedOf(d, T.ec2Instance);
    expect(host?.certain).to.equal(true);
    expect(host?.triggers.map((t) => [t.name, t.from?.change])).to.deep.equal([
      ["subnetId", "replaced"],
    ]);
    const [sg] = replacedOf(d, T.securityGroup);
    expect(sg?.triggers.map((t) => [t.name, t.from?.change])).to.deep.equal([
      ["vpcId", "replaced"],
    ]);
    const loss = d.dataLoss.find((w) => w.type === T.ec2Instance);
    expect(loss?.loses).to.equal(
      "the root volume's contents: the MariaDB database, OpenEMR's sites/ documents and the local backups (/var/lib/openemr is on the root volume)",
    );
    expect(needsAttention(d)).to.equal(true);
  });

  it("the other architecture is an error on the host, whose AMI ignoreChanges holds", async () => {
    const d = diffPlans(dev, await planStack("dev", { "openemr:architecture": "x86_64" }));
    expect(d.replaced).to.deep.equal([]);
    expect(d.dataLoss).to.deep.equal([]);
    expect(d.findings.map((f) => [f.level, f.type, f.message.split(":")[0]])).to.deep.equal([
      [
        "error",
        T.ec2Instance,
        "instanceType t4g.small → t3.small moves it from arm64 to x86_64 while ami is in ignoreChanges",
      ],
    ]);
    expect(needsAttention(d)).to.equal(true);
  });

  it("an OpenEMR version change on an EC2 tier is the upgrade association's parameter; a lower one cannot apply", async () => {
    const at = (version: string) => planStack("dev", { "openemr:openemrVersion": version });
    const down = diffPlans(dev, await at("7.0.3"));
    expect(down.changed.map((c) => c.type).sort()).to.deep.equal([T.ec2Instance, T.ssmAssociation]);
    expect(down.findings.filter((f) => f.level === "error").map((f) => f.type)).to.deep.equal([
      T.ssmAssociation,
    ]);
    expect(down.findings[0].message).to.contain("openemr/openemr:7.0.3 is a downgrade");
    expect(needsAttention(down)).to.equal(true);
    const up = diffPlans(await at("7.0.3"), dev);
    expect(up.findings.filter((f) => f.level === "error")).to.deep.equal([]);
    expect(up.findings.map((f) => f.message).join("\n")).to.contain("an OpenEMR upgrade");
    expect(up.findings.map((f) => f.message).join("\n")).to.contain(
      "the host takes a backup first and the previous image comes back",
    );
    expect(up.dataLoss).to.deep.equal([]);
    expect(needsAttention(up)).to.equal(false);
  });
});

describe("npm run diff on the prod (fargate) stack's plans", function () {
  this.timeout(180000);

  it("an OpenEMR upgrade on fargate asks for a snapshot first and says a rollback brings back the image, not the data", async () => {
    const base = await planStack("prod");
    const up = diffPlans(base, await planStack("prod", { "openemr:openemrVersion": "8.0.1" }));
    const task = up.findings.filter((f) => f.type === T.ecsTaskDefinition);
    expect(task.map((f) => [f.level, f.name])).to.deep.equal([
      ["warning", "openemr-prod-app-task"],
      ["warning", "openemr-prod-app-task"],
    ]);
    for (const f of task) {
      expect(f.message).to.contain("8.0.0 → openemr/openemr:8.0.1: an OpenEMR upgrade");
      expect(f.message).to.contain("snapshot the database before `pulumi up` (docs/upgrade.md");
      expect(f.message).to.contain("brings back the previous image, not the data");
      // the EC2 hosts' text does not hold here: nothing takes a backup on fargate
      expect(f.message).to.not.contain("backup is taken first");
      expect(f.message).to.not.contain("the host takes a backup");
    }
    expect(up.findings.filter((f) => f.level === "error")).to.deep.equal([]);
  });
});
