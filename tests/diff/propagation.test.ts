// Replacements followed through dependencies: a replaced resource's ID is new, so whatever takes it
// through an input the provider cannot change in place is replaced too.
import { expect } from "chai";
import { diffPlans, needsAttention } from "../../tools/diff/diff";
import { formatText } from "../../tools/diff/format";
import { run } from "../../tools/diff/cli";
import { COMPUTED, type PlanResource } from "../../tools/plan/types";
import { plan, resource } from "./plans";
import { vpcCidrPair } from "./scenarios";

describe("diffPlans follows replacements through dependencies", () => {
  it("a new VPC CIDR replaces the VPC, its subnet, the security group and the host, and says why", () => {
    const { base, head } = vpcCidrPair();
    const d = diffPlans(base, head);
    expect(d.replaced.map((r) => [r.after.name, r.certain])).to.deep.equal([
      ["openemr-dev-web", true],
      ["openemr-dev-net-public-routes", true],
      ["openemr-dev-net-public-1-routes", true],
      ["openemr-dev-web-sg", true],
      ["openemr-dev-net-public-1", true],
      ["openemr-dev-net-vpc", true],
      ["openemr-dev-web-https", true],
    ]);
    expect(needsAttention(d)).to.equal(true);
    expect(formatText(d)).to.equal(
      [
        "Plan diff: stack dev, preset express",
        "region: us-east-1",
        "",
        "!! DATA LOSS: 1 stateful resource would be destroyed or replaced",
        "!!   replaced aws:ec2/instance:Instance \"openemr-dev-web\": loses the root volume's contents: the MariaDB database, OpenEMR's sites/ documents and the local backups (/var/lib/openemr is on the root volume)",
        "!!       not protected: `pulumi up` deletes the old one",
        "!!       its EBS snapshots (DLM policy openemr-dev-snapshots, tag openemr:snapshot=openemr-dev) outlive it: the latest restores the data as of that snapshot",
        "",
        "Resources: 0 to add, 0 to remove, 2 to change, 7 to replace, 4 unchanged",
        "  ± aws:ec2/instance:Instance  openemr-dev-web  replaced because subnetId comes from openemr-dev-net-public-1, which is replaced; also vpcSecurityGroupIds (known after deploy: openemr-dev-web-sg is replaced)",
        "  ± aws:ec2/routeTable:RouteTable  openemr-dev-net-public-routes  replaced because vpcId comes from openemr-dev-net-vpc, which is replaced",
        "  ± aws:ec2/routeTableAssociation:RouteTableAssociation  openemr-dev-net-public-1-routes  replaced because subnetId comes from openemr-dev-net-public-1, which is replaced; also routeTableId (known after deploy: openemr-dev-net-public-routes is replaced)",
        "  ± aws:ec2/securityGroup:SecurityGroup  openemr-dev-web-sg  replaced because vpcId comes from openemr-dev-net-vpc, which is replaced",
        "  ± aws:ec2/subnet:Subnet  openemr-dev-net-public-1  forced by cidrBlock; replaced because vpcId comes from openemr-dev-net-vpc, which is replaced",
        "  ± aws:ec2/vpc:Vpc  openemr-dev-net-vpc  forced by cidrBlock",
        "  ± aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule  openemr-dev-web-https  replaced because securityGroupId comes from openemr-dev-web-sg, which is replaced",
        "  ~ aws:cloudwatch/metricAlarm:MetricAlarm  openemr-dev-web-auto-recover  dimensions (known after deploy: openemr-dev-web is replaced)",
        "  ~ aws:ec2/internetGateway:InternetGateway  openemr-dev-net-igw  vpcId (known after deploy: openemr-dev-net-vpc is replaced)",
        "",
        "Policy: not evaluated → not evaluated",
        "Cost: not estimated → not estimated",
        "",
      ].join("\n"),
    );
    const files: Record<string, string> = {
      b: JSON.stringify(base),
      h: JSON.stringify(head),
    };
    expect(run(["b", "h"], (p) => files[p] ?? "").code).to.equal(1);
  });

  it("a VPC that stays where it is replaces nothing: the same plan twice is all unchanged", () => {
    const { base } = vpcCidrPair();
    const d = diffPlans(base, base);
    expect(d.replaced).to.deep.equal([]);
    expect(d.changed).to.deep.equal([]);
    expect(d.unchanged).to.equal(base.resources.length);
  });

  it("a VPC whose cidrBlock changes replaces what takes its IDs", () => {
    const vpc = (cidrBlock: string) =>
      resource({ type: "aws:ec2/vpc:Vpc", name: "net-vpc", props: { cidrBlock } });
    const members = (v: PlanResource) => [
      resource({
        type: "aws:ec2/securityGroup:SecurityGroup",
        name: "web-sg",
        props: { vpcId: "vpc-1", description: "web" },
        deps: { vpcId: [v] },
      }),
      resource({
        type: "aws:ec2/instance:Instance",
        name: "web",
        props: { ami: "ami-1", instanceType: "t4g.small", subnetId: "subnet-1" },
        deps: { subnetId: [v] },
      }),
    ];
    const d = diffPlans(
      plan([vpc("10.20.0.0/16"), ...members(vpc("10.20.0.0/16"))]),
      plan([vpc("10.42.0.0/16"), ...members(vpc("10.42.0.0/16"))]),
    );
    expect(
      formatText(d)
        .split("\n")
        .filter((l) => l.startsWith("  ±")),
    ).to.deep.equal([
      "  ± aws:ec2/instance:Instance  web  replaced because subnetId comes from net-vpc, which is replaced",
      "  ± aws:ec2/securityGroup:SecurityGroup  web-sg  replaced because vpcId comes from net-vpc, which is replaced",
      "  ± aws:ec2/vpc:Vpc  net-vpc  forced by cidrBlock",
    ]);
  });

  it("a remote component whose other inputs change may change its outputs: dependents may be replaced", () => {
    const vpc = (numberOfAvailabilityZones: number) =>
      ({
        ...resource({
          type: "awsx:ec2:Vpc",
          name: "net-vpc",
          custom: false,
          props: { cidrBlock: "10.20.0.0/16", numberOfAvailabilityZones },
        }),
        remote: true,
      }) satisfies PlanResource;
    const web = (v: PlanResource) =>
      resource({
        type: "aws:ec2/instance:Instance",
        name: "web",
        props: { ami: "ami-1", subnetId: "subnet-1" },
        deps: { subnetId: [v] },
      });
    const d = diffPlans(plan([vpc(1), web(vpc(1))]), plan([vpc(2), web(vpc(2))]));
    expect(d.replaced.map((r) => [r.after.name, r.certain, r.triggers])).to.deep.equal([
      [
        "web",
        false,
        [
          {
            name: "subnetId",
            certainty: "may-change",
            from: { name: "net-vpc", change: "changed" },
          },
        ],
      ],
    ]);
    expect(d.dataLoss.map((w) => [w.change, w.certain])).to.deep.equal([["replaced", false]]);
    expect(formatText(d)).to.contain(
      "  ± aws:ec2/instance:Instance  web  possibly replaced: subnetId comes from net-vpc, which changes (the new value may equal the old)",
    );
  });

  it("a replacement keyed by name only possibly replaces what takes the name", () => {
    // the log group keeps its name across the replacement, so the task definition's JSON may be
    // the same: Pulumi previews a replacement, the update keeps it if the value is unchanged
    const logs = (logGroupClass: string) =>
      resource({
        type: "aws:cloudwatch/logGroup:LogGroup",
        name: "containers",
        props: { name: "/openemr/dev/containers", logGroupClass },
      });
    const task = (lg: PlanResource) =>
      resource({
        type: "aws:ecs/taskDefinition:TaskDefinition",
        name: "openemr",
        props: {
          family: "openemr",
          containerDefinitions: '[{"logGroup":"/openemr/dev/containers"}]',
        },
        deps: { containerDefinitions: [lg] },
      });
    const before = logs("STANDARD");
    const after = logs("INFREQUENT_ACCESS");
    const d = diffPlans(plan([before, task(before)]), plan([after, task(after)]));
    expect(d.replaced.map((r) => [r.after.name, r.certain])).to.deep.equal([
      ["containers", true],
      ["openemr", false],
    ]);
    expect(formatText(d)).to.contain(
      "  ± aws:ecs/taskDefinition:TaskDefinition  openemr  possibly replaced: containerDefinitions comes from containers, which is replaced (the new value may equal the old)",
    );
  });

  it("an input wired from a replaced resource but hidden by ignoreChanges is not followed", () => {
    const sg = (description: string) =>
      resource({
        type: "aws:ec2/securityGroup:SecurityGroup",
        name: "web-sg",
        props: { vpcId: "vpc-1", description },
      });
    const rule = (s: PlanResource) =>
      resource({
        type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        name: "https",
        ignoreChanges: ["securityGroupId"],
        props: { securityGroupId: "sg-1", fromPort: 443 },
        deps: { securityGroupId: [s] },
      });
    const d = diffPlans(plan([sg("a"), rule(sg("a"))]), plan([sg("b"), rule(sg("b"))]));
    expect(d.replaced.map((r) => r.after.name)).to.deep.equal(["web-sg"]);
    expect(d.changed).to.deep.equal([]);
  });

  it("an unknown value stays 'may change' and a new resource's ID is a certain change", () => {
    const key = resource({ type: "aws:kms/key:Key", name: "data-key", props: {} });
    const volume = (kmsKeyId: string, deps: PlanResource[]) =>
      resource({
        type: "aws:ebs/volume:Volume",
        name: "data",
        props: { availabilityZone: "us-east-1a", size: 20, kmsKeyId },
        deps: { kmsKeyId: deps },
      });
    const created = diffPlans(plan([volume("k", [])]), plan([key, volume("k", [key])]));
    expect(created.replaced.map((r) => [r.after.name, r.certain, r.triggers])).to.deep.equal([
      [
        "data",
        true,
        [{ name: "kmsKeyId", certainty: "changed", from: { name: "data-key", change: "created" } }],
      ],
    ]);
    expect(formatText(created)).to.contain(
      "  ± aws:ebs/volume:Volume  data  replaced because kmsKeyId comes from data-key, which is new",
    );
    const unknown = diffPlans(plan([volume("k", [])]), plan([volume(COMPUTED, [])]));
    expect(unknown.replaced.map((r) => r.certain)).to.deep.equal([false]);
  });
});
