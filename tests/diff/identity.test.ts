// Which resource is which across two plans: keys from the parent type chain (so a plan from an
// older recorder still matches), alias suggestions that name the URN the engine gives, and the rule
// that pairs a removed and an added resource as one renamed or moved resource.
import { expect } from "chai";
import { diffPlans } from "../../tools/diff/diff";
import { PlanKeys } from "../../tools/diff/identity";
import type { PlanResource } from "../../tools/plan/types";
import { PROJECT, component, plan, resource } from "./plans";

const VOLUME = "aws:ebs/volume:Volume";
const LOGS = "aws:cloudwatch/logGroup:LogGroup";

/** The same resource as an older recorder wrote it: a child qualified by its parent's last type only. */
function shortUrn(r: PlanResource, parentType: string): PlanResource {
  return { ...r, urn: `urn:pulumi:dev::${PROJECT}::${parentType}$${r.type}::${r.name}` };
}

describe("identity across plans", () => {
  const tier = component("openemr:tiers:Express", "openemr-dev");
  const host = resource({
    type: "openemr:compute:WebInstance",
    name: "openemr-dev-web",
    parent: tier,
    custom: false,
  });
  const volume = (name: string) =>
    resource({
      type: VOLUME,
      name,
      parent: host,
      props: { availabilityZone: "us-east-1a", size: 20, encrypted: true },
    });

  it("rebuilds the engine's URN from the parent chain, whatever the recorded URN", () => {
    const recorded = volume("openemr-dev-web-data");
    const old = shortUrn(recorded, "openemr:compute:WebInstance");
    const keys = new PlanKeys(plan([tier, host, old]));
    expect(keys.aliasUrn(old)).to.equal(recorded.urn);
    expect(recorded.urn).to.equal(
      "urn:pulumi:dev::openemr-aws::openemr:tiers:Express$openemr:compute:WebInstance$aws:ebs/volume:Volume::openemr-dev-web-data",
    );
    expect(keys.of(old)).to.equal(
      "openemr:tiers:Express$openemr:compute:WebInstance$aws:ebs/volume:Volume::openemr-dev-web-data",
    );
  });

  it("matches a base plan from an older recorder and suggests the alias the engine would match", () => {
    const oldVolume = shortUrn(volume("openemr-dev-web-docker"), "openemr:compute:WebInstance");
    const unchanged = diffPlans(
      plan([tier, host, oldVolume]),
      plan([tier, host, volume("openemr-dev-web-docker")]),
    );
    expect([unchanged.unchanged, unchanged.replaced.length]).to.deep.equal([3, 0]);

    const renamed = diffPlans(
      plan([tier, host, oldVolume]),
      plan([tier, host, volume("openemr-dev-web-data")]),
    );
    expect(
      renamed.replaced.map((r) => [r.reason, r.kind, r.before.name, r.after.name]),
    ).to.deep.equal([["urn-changed", "renamed", "openemr-dev-web-docker", "openemr-dev-web-data"]]);
    expect(renamed.dataLoss.map((w) => w.alias)).to.deep.equal([
      "urn:pulumi:dev::openemr-aws::openemr:tiers:Express$openemr:compute:WebInstance$aws:ebs/volume:Volume::openemr-dev-web-docker",
    ]);
  });

  it("does not pair two unrelated resources of one type: one is deleted, the other created", () => {
    const logs = (name: string, awsName: string) =>
      resource({ type: LOGS, name, parent: tier, props: { name: awsName, retentionInDays: 2192 } });
    const d = diffPlans(
      plan([tier, logs("openemr-dev-certbot", "/openemr/dev/certbot")]),
      plan([tier, logs("openemr-dev-backup-arrivals", "/openemr/dev/backup-arrivals")]),
    );
    expect(d.replaced).to.deep.equal([]);
    expect(d.removed.map((r) => r.name)).to.deep.equal(["openemr-dev-certbot"]);
    expect(d.added.map((r) => r.name)).to.deep.equal(["openemr-dev-backup-arrivals"]);
    expect(d.dataLoss.map((w) => [w.change, w.name, w.alias])).to.deep.equal([
      ["removed", "openemr-dev-certbot", undefined],
    ]);
  });

  it("does not pair a rename under another parent chain, nor one whose fixed inputs differ", () => {
    const other = resource({
      type: "openemr:compute:Bastion",
      name: "openemr-dev-bastion",
      parent: tier,
      custom: false,
    });
    const elsewhere = resource({
      type: VOLUME,
      name: "openemr-dev-bastion-data",
      parent: other,
      props: { availabilityZone: "us-east-1a", size: 20, encrypted: true },
    });
    const moved = diffPlans(
      plan([tier, host, other, volume("openemr-dev-web-data")]),
      plan([tier, host, other, elsewhere]),
    );
    expect(moved.replaced).to.deep.equal([]);
    const otherZone = resource({
      type: VOLUME,
      name: "openemr-dev-web-scratch",
      parent: host,
      props: { availabilityZone: "us-east-1b", size: 20, encrypted: true },
    });
    const zone = diffPlans(
      plan([tier, host, volume("openemr-dev-web-data")]),
      plan([tier, host, otherZone]),
    );
    expect([zone.replaced.length, zone.removed.length, zone.added.length]).to.deep.equal([0, 1, 1]);
  });

  it("pairs a rename whose AWS name follows the logical name, and says an alias would not keep it", () => {
    const logs = (name: string) =>
      resource({
        type: LOGS,
        name,
        parent: tier,
        props: { name: `/aws/${name}`, retentionInDays: 2192 },
      });
    const d = diffPlans(
      plan([tier, logs("openemr-dev-app")]),
      plan([tier, logs("openemr-dev-web")]),
    );
    expect(d.replaced.map((r) => [r.kind, r.before.name, r.after.name, r.triggers])).to.deep.equal([
      ["renamed", "openemr-dev-app", "openemr-dev-web", [{ name: "name", certainty: "changed" }]],
    ]);
    const [w] = d.dataLoss;
    expect([w?.alias, w?.notes]).to.deep.equal([
      undefined,
      [
        "an alias would not keep it: name also changes, and the provider cannot change that in place",
      ],
    ]);
  });

  it("pairs a resource moved to another parent by its name, however much else changes", () => {
    const plus = component("openemr:tiers:ExpressPlus", "openemr-dev");
    const web = (parent: PlanResource, props: PlanResource["props"]) =>
      resource({ type: "aws:ec2/instance:Instance", name: "openemr-dev-web", parent, props });
    const d = diffPlans(
      plan([tier, web(tier, { ami: "ami-1", instanceType: "t4g.small", monitoring: false })]),
      plan([plus, web(plus, { ami: "ami-1", instanceType: "t4g.medium", monitoring: true })]),
    );
    expect(d.replaced.map((r) => [r.kind, r.before.urn.split("::")[2]])).to.deep.equal([
      ["moved", "openemr:tiers:Express$aws:ec2/instance:Instance"],
    ]);
  });
});
