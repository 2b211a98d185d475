// Network on its own: the VPC with the subnet layout, routes and NAT strategy asked for (built from
// @pulumi/aws resources, aliased to where awsx kept them), and VPC flow logs (all traffic) into a
// retained log group through a role that can write only there.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import {
  Network,
  type NetworkArgs,
  flowLogsTrustConditions,
} from "../../components/network/network";
import { MOCK_ACCOUNT } from "../../tools/plan/mocks";
import { allows } from "../keys/evaluate";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const VPC = "aws:ec2/vpc:Vpc";
const SUBNET = "aws:ec2/subnet:Subnet";
const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
const ROUTE = "aws:ec2/route:Route";
const ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation";
const NAT = "aws:ec2/natGateway:NatGateway";
const EIP = "aws:ec2/eip:Eip";
const IGW = "aws:ec2/internetGateway:InternetGateway";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const FLOW_LOG = "aws:ec2/flowLog:FlowLog";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const OTHER_ACCOUNT = "210987654321";

const BASE: NetworkArgs = {
  cidrBlock: "10.20.0.0/16",
  availabilityZones: 2,
  privateSubnets: true,
  isolatedSubnets: true,
  natStrategy: "single",
  logRetentionDays: 365,
  protectLogs: true,
  logGroupPrefix: "/openemr/test",
  egress: { region: "us-east-1", mode: "alert", allowedDomains: [] },
};

describe("Network", () => {
  describe("public, private and isolated subnets, one NAT gateway, flow logs under a key", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(() => {
        const key = new aws.kms.Key("logs-key", { description: "test" });
        const network = new Network("net", { ...BASE, logKmsKeyArn: key.arn });
        return {
          keyArn: key.arn,
          vpcId: network.vpcId,
          publicSubnetIds: network.publicSubnetIds,
          privateSubnetIds: network.privateSubnetIds,
          isolatedSubnetIds: network.isolatedSubnetIds,
          flowLogGroupArn: network.flowLogGroup.arn,
        };
      });
    });

    it("adopts the VPC's default security group and leaves it without any rule", () => {
      const closed = p.named("net-default-sg", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
      expect(closed.props.ingress).to.deep.equal([]);
      expect(closed.props.egress).to.deep.equal([]);
      expect(p.dependenciesOf(closed, "vpcId").map((r) => r.type)).to.deep.equal([VPC]);
    });

    it("creates the VPC, the flow-log group, role, policy and flow log, all children of the component", () => {
      const component = p.named("net", "openemr:network:Network");
      const children = p.resources.filter((r) => r.parent === component.urn);
      expect(inventory(children)).to.have.members([
        `${VPC}::net-vpc`,
        "openemr:network:DnsFirewall::net-dns",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup::net-default-sg",
        `${LOG_GROUP}::net-flow-logs`,
        `${FLOW_LOG}::net-flow-log`,
        `${ROLE}::net-flow-logs-role`,
        `${ROLE_POLICY}::net-flow-logs-write`,
      ]);
      const firewall = p.named("net-dns", "openemr:network:DnsFirewall");
      const firewallParts = p.resources.filter((r) => r.parent === firewall.urn);
      const vpc = p.named("net-vpc", VPC);
      const underVpc = p.resources.filter((r) => r.urn.includes(`${VPC}$`));
      // 6 subnets with a table and an association each, 4 routes, the gateway, 1 NAT and its address
      expect(underVpc).to.have.length(6 * 3 + 4 + 1 + 2);
      expect(underVpc.every((r) => r.urn.startsWith(vpc.urn.split("::")[0]))).to.equal(true);
      // the component, the key, the firewall's own parts and the VPC's
      expect(p.resources).to.have.length(
        children.length + 2 + firewallParts.length + underVpc.length,
      );
    });

    it("lays out /24 public, /22 private and /24 isolated subnets over two zones, as awsx did, none giving out addresses unasked", () => {
      const vpc = p.named("net-vpc", VPC);
      expect(vpc.props).to.deep.equal({
        cidrBlock: "10.20.0.0/16",
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { Name: "net-vpc" },
      });
      const subnets = p.resources
        .filter((r) => r.type === SUBNET)
        .map((r) => [
          r.name,
          r.props.cidrBlock,
          r.props.availabilityZone,
          r.props.mapPublicIpOnLaunch,
        ]);
      expect(subnets).to.have.deep.members([
        ["net-vpc-public-1", "10.20.0.0/24", "us-east-1a", false],
        ["net-vpc-private-1", "10.20.4.0/22", "us-east-1a", false],
        ["net-vpc-isolated-1", "10.20.8.0/24", "us-east-1a", false],
        ["net-vpc-public-2", "10.20.128.0/24", "us-east-1b", false],
        ["net-vpc-private-2", "10.20.132.0/22", "us-east-1b", false],
        ["net-vpc-isolated-2", "10.20.136.0/24", "us-east-1b", false],
      ]);
      expect(p.named("net-vpc-private-2", SUBNET).props.tags).to.deep.equal({
        Name: "net-vpc-private-2",
        SubnetType: "Private",
      });
    });

    it("routes public subnets to the internet gateway, private ones to the one NAT gateway, isolated ones nowhere", () => {
      const igw = p.named("net-vpc", IGW);
      const nat = p.named("net-vpc-1", NAT);
      expect(p.resources.filter((r) => r.type === NAT)).to.have.length(1);
      expect(p.dependenciesOf(nat, "subnetId").map((r) => r.name)).to.deep.equal([
        "net-vpc-public-1",
      ]);
      expect(p.dependenciesOf(nat, "allocationId").map((r) => r.type)).to.deep.equal([EIP]);
      const routeOf = (subnet: string) =>
        p.resources.find((r) => r.type === ROUTE && r.name === subnet);
      for (const subnet of ["net-vpc-public-1", "net-vpc-public-2"]) {
        const route = routeOf(subnet);
        expect(route?.props.destinationCidrBlock).to.equal("0.0.0.0/0");
        expect(p.dependenciesOf(route!, "gatewayId")).to.deep.equal([igw]);
      }
      for (const subnet of ["net-vpc-private-1", "net-vpc-private-2"]) {
        expect(p.dependenciesOf(routeOf(subnet)!, "natGatewayId")).to.deep.equal([nat]);
      }
      expect(routeOf("net-vpc-isolated-1")).to.equal(undefined);
      expect(routeOf("net-vpc-isolated-2")).to.equal(undefined);
      // every subnet has its own table, associated with it
      for (const subnet of p.resources.filter((r) => r.type === SUBNET)) {
        const association = p.named(subnet.name, ASSOCIATION);
        expect(p.dependenciesOf(association, "subnetId")).to.deep.equal([subnet]);
        expect(p.dependenciesOf(association, "routeTableId")).to.deep.equal([
          p.named(subnet.name, ROUTE_TABLE),
        ]);
      }
    });

    it("keeps each resource where awsx had it: aliases under the awsx component's URN chain", () => {
      const awsx = "openemr:network:Network$awsx:ec2:Vpc$aws:ec2/vpc:Vpc";
      const aliasOf = (name: string, type: string) => p.named(name, type).opts.aliases;
      expect(aliasOf("net-vpc", VPC)).to.deep.equal([
        "urn:pulumi:test::openemr-aws::openemr:network:Network$awsx:ec2:Vpc$aws:ec2/vpc:Vpc::net-vpc",
      ]);
      expect(aliasOf("net-vpc-public-1", SUBNET)).to.deep.equal([
        `urn:pulumi:test::openemr-aws::${awsx}$${SUBNET}::net-vpc-public-1`,
      ]);
      expect(aliasOf("net-vpc-private-1", ROUTE)).to.deep.equal([
        `urn:pulumi:test::openemr-aws::${awsx}$${SUBNET}$${ROUTE_TABLE}$${ROUTE}::net-vpc-private-1`,
      ]);
      expect(aliasOf("net-vpc-1", NAT)).to.deep.equal([
        `urn:pulumi:test::openemr-aws::${awsx}$${SUBNET}$${NAT}::net-vpc-1`,
      ]);
      expect(aliasOf("net-vpc", IGW)).to.deep.equal([
        `urn:pulumi:test::openemr-aws::${awsx}$${IGW}::net-vpc`,
      ]);
    });

    it("exposes the VPC's id and subnet ids", () => {
      expect(p.outputs.vpcId).to.match(/^vpc-/);
      expect(p.outputs.publicSubnetIds).to.have.length(2);
      expect(p.outputs.privateSubnetIds).to.have.length(2);
      expect(p.outputs.isolatedSubnetIds).to.have.length(2);
    });

    it("keeps flow logs in a retained, protected group under the key", () => {
      const group = p.named("net-flow-logs", LOG_GROUP);
      expect(group.props).to.deep.equal({
        name: "/openemr/test/vpc-flow-logs",
        retentionInDays: 365,
        kmsKeyId: p.outputs.keyArn,
        logGroupClass: "STANDARD",
        skipDestroy: true,
      });
      expect(group.opts.protect).to.equal(true);
    });

    it("logs all traffic of the VPC to that group, in 10-minute windows, through the flow-log role", () => {
      const flowLog = p.named("net-flow-log", FLOW_LOG);
      expect(flowLog.props).to.deep.equal({
        vpcId: p.outputs.vpcId,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: p.outputs.flowLogGroupArn,
        iamRoleArn: `arn:aws:iam::${MOCK_ACCOUNT}:role/net-flow-logs-role`,
        maxAggregationInterval: 600,
      });
      expect(p.dependenciesOf(flowLog, "vpcId").map((r) => r.name)).to.deep.equal(["net-vpc"]);
      expect(p.dependenciesOf(flowLog, "logDestination").map((r) => r.name)).to.deep.equal([
        "net-flow-logs",
      ]);
      expect(p.dependenciesOf(flowLog, "iamRoleArn").map((r) => r.name)).to.deep.equal([
        "net-flow-logs-role",
      ]);
    });

    it("lets only the VPC flow-logs service assume the role, for this account's flow logs, autonamed when the name fits", () => {
      const role = p.named("net-flow-logs-role", ROLE);
      expect(role.props).to.not.have.property("name");
      expect(JSON.parse(role.props.assumeRolePolicy as string)).to.deep.equal({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "vpc-flow-logs.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: {
              StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT },
              ArnLike: {
                "aws:SourceArn": `arn:aws:ec2:us-east-1:${MOCK_ACCOUNT}:vpc-flow-log/*`,
              },
            },
          },
        ],
      });
    });

    it("refuses the flow-logs service acting for another account, another region, another resource or no source (confused deputy)", () => {
      const doc = JSON.parse(
        p.named("net-flow-logs-role", ROLE).props.assumeRolePolicy as string,
      ) as {
        Statement: Parameters<typeof allows>[0];
      };
      const assume = (context: Record<string, string>) =>
        allows(doc.Statement, {
          principal: { service: "vpc-flow-logs.amazonaws.com" },
          action: "sts:AssumeRole",
          context,
        });
      const ours = `arn:aws:ec2:us-east-1:${MOCK_ACCOUNT}:vpc-flow-log/fl-0123456789abcdef0`;
      expect(assume({ "aws:SourceAccount": MOCK_ACCOUNT, "aws:SourceArn": ours })).to.equal(true);
      expect(
        assume({
          "aws:SourceAccount": OTHER_ACCOUNT,
          "aws:SourceArn": `arn:aws:ec2:us-east-1:${OTHER_ACCOUNT}:vpc-flow-log/fl-1`,
        }),
        "another account",
      ).to.equal(false);
      expect(
        assume({
          "aws:SourceAccount": MOCK_ACCOUNT,
          "aws:SourceArn": `arn:aws:ec2:eu-west-1:${MOCK_ACCOUNT}:vpc-flow-log/fl-1`,
        }),
        "another region",
      ).to.equal(false);
      expect(
        assume({
          "aws:SourceAccount": MOCK_ACCOUNT,
          "aws:SourceArn": `arn:aws:ec2:us-east-1:${MOCK_ACCOUNT}:transit-gateway/tgw-1`,
        }),
        "not a flow log",
      ).to.equal(false);
      expect(assume({}), "no source").to.equal(false);
      expect(
        allows(doc.Statement, {
          principal: { service: "ec2.amazonaws.com" },
          action: "sts:AssumeRole",
          context: { "aws:SourceAccount": MOCK_ACCOUNT, "aws:SourceArn": ours },
        }),
        "another service",
      ).to.equal(false);
    });

    it("lets the role write to the flow-log group and its streams only", () => {
      const policy = p.named("net-flow-logs-write", ROLE_POLICY);
      const arn = p.outputs.flowLogGroupArn as string;
      expect(JSON.parse(policy.props.policy as string)).to.deep.equal({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [arn, `${arn}:*`],
          },
        ],
      });
      expect(p.dependenciesOf(policy, "role").map((r) => r.name)).to.deep.equal([
        "net-flow-logs-role",
      ]);
    });
  });

  describe("public and isolated subnets only, no NAT, unprotected logs without a key", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(() => {
        new Network("small", {
          ...BASE,
          cidrBlock: "10.30.0.0/16",
          availabilityZones: 3,
          privateSubnets: false,
          natStrategy: "none",
          logRetentionDays: 30,
          protectLogs: false,
        });
      });
    });

    it("has no private subnets and no NAT gateway, and splits the VPC over three zones", () => {
      expect(p.named("small-vpc", VPC).props.cidrBlock).to.equal("10.30.0.0/16");
      const subnets = p.resources
        .filter((r) => r.type === SUBNET)
        .map((r) => [r.name, r.props.cidrBlock, r.props.availabilityZone]);
      // three zones take a quarter of the /16 each (awsx: ceil(log2(3)) more bits)
      expect(subnets).to.have.deep.members([
        ["small-vpc-public-1", "10.30.0.0/24", "us-east-1a"],
        ["small-vpc-isolated-1", "10.30.1.0/24", "us-east-1a"],
        ["small-vpc-public-2", "10.30.64.0/24", "us-east-1b"],
        ["small-vpc-isolated-2", "10.30.65.0/24", "us-east-1b"],
        ["small-vpc-public-3", "10.30.128.0/24", "us-east-1c"],
        ["small-vpc-isolated-3", "10.30.129.0/24", "us-east-1c"],
      ]);
      expect(p.resources.filter((r) => r.type === NAT || r.type === EIP)).to.deep.equal([]);
      expect(p.resources.filter((r) => r.type === ROUTE).map((r) => r.name)).to.have.members([
        "small-vpc-public-1",
        "small-vpc-public-2",
        "small-vpc-public-3",
      ]);
    });

    it("keeps flow logs under the service key, unprotected and deleted with the stack", () => {
      const group = p.named("small-flow-logs", LOG_GROUP);
      expect(group.props).to.deep.equal({
        name: "/openemr/test/vpc-flow-logs",
        retentionInDays: 30,
        logGroupClass: "STANDARD",
        skipDestroy: false,
      });
      expect(group.opts.protect).to.equal(false);
    });

    it("still logs all traffic", () => {
      expect(p.named("small-flow-log", FLOW_LOG).props.trafficType).to.equal("ALL");
    });
  });

  describe("public and private subnets, a NAT gateway per zone, long name", () => {
    const name = "openemr-clinic-north-eastern-region-prod-network";
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(() => {
        new Network(name, { ...BASE, isolatedSubnets: false, natStrategy: "perAz" });
      });
    });

    it("has no isolated subnets and one NAT gateway per zone, each private subnet routed to its own zone's", () => {
      expect(p.resources.filter((r) => r.type === SUBNET).map((r) => r.name)).to.have.members([
        `${name}-vpc-public-1`,
        `${name}-vpc-private-1`,
        `${name}-vpc-public-2`,
        `${name}-vpc-private-2`,
      ]);
      for (const az of [1, 2]) {
        const nat = p.named(`${name}-vpc-${az}`, NAT);
        expect(p.dependenciesOf(nat, "subnetId").map((r) => r.name)).to.deep.equal([
          `${name}-vpc-public-${az}`,
        ]);
        const route = p.named(`${name}-vpc-private-${az}`, ROUTE);
        expect(p.dependenciesOf(route, "natGatewayId")).to.deep.equal([nat]);
      }
      expect(p.resources.filter((r) => r.type === EIP)).to.have.length(2);
    });

    it("names the flow-log role explicitly when its autoname would pass IAM's 64 characters", () => {
      // 63 characters: the provider's autoname (a hyphen and 7 more) would be 71
      expect(p.named(`${name}-flow-logs-role`, ROLE).props.name).to.equal(
        "openemr-clinic-north-eastern-region-prod-network-flow-logs-role",
      );
    });
  });

  it("builds the flow-log source ARN from the partition and region it runs in", () => {
    expect(flowLogsTrustConditions("111122223333", "us-gov-west-1", "aws-us-gov")).to.deep.equal({
      StringEquals: { "aws:SourceAccount": "111122223333" },
      ArnLike: { "aws:SourceArn": "arn:aws-us-gov:ec2:us-gov-west-1:111122223333:vpc-flow-log/*" },
    });
  });

  it("refuses private subnets without a NAT strategy", async () => {
    let error: unknown;
    await planComponent(() => {
      new Network("bad", { ...BASE, natStrategy: "none" });
    }).catch((err: unknown) => (error = err));
    expect(String(error)).to.contain(
      "bad: private subnets need a NAT strategy; use isolated subnets instead",
    );
  });
});
