// The subnet layout is awsx 3.9's "Auto" allocation, so stacks created through awsx keep their
// subnets. The expected blocks below are awsx's own test vectors (awsx/ec2/subnetDistributorNew.test.ts:
// "should preserve default layout semantics", "nextNetmask") and the layouts the presets use.
import { expect } from "chai";
import { subnetLayout, type SubnetTier } from "../../components/network/subnet-layout";

const tier = (type: SubnetTier["type"], cidrMask: number): SubnetTier => ({
  type,
  name: type.toLowerCase(),
  cidrMask,
});
const blocks = (cidr: string, zones: number, tiers: SubnetTier[]) =>
  subnetLayout("v", cidr, zones, tiers).map((s) => s.cidrBlock);

describe("subnetLayout (awsx 3.9 Auto allocation)", () => {
  it("splits the VPC into a share per zone and stacks each zone's tiers in order", () => {
    expect(blocks("10.0.0.0/16", 2, [tier("Private", 18), tier("Public", 19)])).to.deep.equal([
      "10.0.0.0/18",
      "10.0.64.0/19",
      "10.0.128.0/18",
      "10.0.192.0/19",
    ]);
  });

  it("aligns a tier to its own size after the previous one (awsx's nextNetmask)", () => {
    expect(blocks("10.0.0.0/8", 1, [tier("Public", 16), tier("Private", 17)])).to.deep.equal([
      "10.0.0.0/16",
      "10.1.0.0/17",
    ]);
    // a wider block after a narrower one skips to the next aligned block, never overlapping
    expect(blocks("10.0.0.0/8", 1, [tier("Public", 17), tier("Private", 16)])).to.deep.equal([
      "10.0.0.0/17",
      "10.1.0.0/16",
    ]);
  });

  it("lays out the fargate preset's /24 public, /22 private and /24 isolated subnets in two zones", () => {
    const layout = subnetLayout("openemr-prod-net-vpc", "10.20.0.0/16", 2, [
      tier("Public", 24),
      tier("Private", 22),
      tier("Isolated", 24),
    ]);
    expect(layout.map((s) => [s.name, s.az, s.cidrBlock])).to.deep.equal([
      ["openemr-prod-net-vpc-public-1", 0, "10.20.0.0/24"],
      ["openemr-prod-net-vpc-private-1", 0, "10.20.4.0/22"],
      ["openemr-prod-net-vpc-isolated-1", 0, "10.20.8.0/24"],
      ["openemr-prod-net-vpc-public-2", 1, "10.20.128.0/24"],
      ["openemr-prod-net-vpc-private-2", 1, "10.20.132.0/22"],
      ["openemr-prod-net-vpc-isolated-2", 1, "10.20.136.0/24"],
    ]);
  });

  it("gives one zone the whole VPC (the express presets)", () => {
    expect(blocks("10.20.0.0/22", 1, [tier("Public", 24)])).to.deep.equal(["10.20.0.0/24"]);
  });

  it("refuses tiers that do not fit in a zone's share, naming the sizes", () => {
    expect(() =>
      subnetLayout("v", "10.20.0.0/22", 2, [tier("Public", 24), tier("Private", 22)]),
    ).to.throw(
      "v: subnets of 1280 addresses per zone do not fit in 10.20.0.0/22 split over 2 zones (512 each)",
    );
  });
});
