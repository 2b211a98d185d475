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
    expect(up.dataLoss).to.deep.equal([]);
    expect(needsAttention(up)).to.equal(false);
  });
});
