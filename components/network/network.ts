import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { type TrustConditions, assumeRolePolicyFor } from "../iam/trust";
import { NAME_LIMITS, nameWithin } from "../naming/aws-names";
import { retainedLogGroup } from "../logs/log-group";
import { DnsFirewall, type DnsFirewallArgs } from "./dns-firewall";
import { type SubnetTier, type SubnetType, subnetLayout } from "./subnet-layout";

export type NatStrategy = "none" | "single" | "perAz";

export interface NetworkArgs {
  cidrBlock: string;
  availabilityZones: number;
  /** Private subnets with a route to the internet through NAT (needs natStrategy other than none). */
  privateSubnets: boolean;
  /** Isolated subnets: no route to or from the internet (databases). */
  isolatedSubnets: boolean;
  natStrategy: NatStrategy;
  logRetentionDays: number;
  /** Customer-managed key for the flow-log group; undefined uses the service key. */
  logKmsKeyArn?: pulumi.Input<string>;
  protectLogs: boolean;
  logGroupPrefix: string;
  /** The VPC's DNS Firewall (egress by name): the region, its mode and the clinic's own domains. */
  egress: Pick<DnsFirewallArgs, "region" | "mode" | "allowedDomains">;
}

/**
 * Pure: the conditions of the flow-logs role's trust policy: only this account's flow logs, in this
 * region, may have the service assume it.
 */
export function flowLogsTrustConditions(
  account: string,
  region: string,
  partition: string,
): TrustConditions {
  return {
    StringEquals: { "aws:SourceAccount": account },
    ArnLike: { "aws:SourceArn": `arn:${partition}:ec2:${region}:${account}:vpc-flow-log/*` },
  };
}

const TIERS: Record<"public" | "private" | "isolated", SubnetTier> = {
  public: { type: "Public", name: "public", cidrMask: 24 },
  private: { type: "Private", name: "private", cidrMask: 22 },
  isolated: { type: "Isolated", name: "isolated", cidrMask: 24 },
};

/** Public first, then private, then isolated: the order awsx created each zone's subnets in. */
const CREATION_ORDER: readonly SubnetType[] = ["Public", "Private", "Isolated"];

/**
 * Where awsx.ec2.Vpc put a resource, as an alias: stacks created before the VPC was built from
 * @pulumi/aws resources hold it under the awsx component (`...$awsx:ec2:Vpc$aws:ec2/vpc:Vpc...`).
 */
class AwsxLineage {
  constructor(readonly urn: pulumi.Output<string>) {}

  child(type: string, name: string): AwsxLineage {
    return new AwsxLineage(pulumi.createUrn(name, type, this.urn));
  }
}

/**
 * The VPC (subnets per zone, an internet gateway, NAT gateways by strategy, a route table per
 * subnet), VPC flow logs to a retained log group, and a DNS Firewall that names what its hosts may
 * look up. Every resource is an @pulumi/aws resource, so the plan, the policy pack and the cost
 * estimate see what the real engine creates.
 */
export class Network extends pulumi.ComponentResource {
  public readonly vpc: aws.ec2.Vpc;
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  public readonly isolatedSubnetIds: pulumi.Output<string[]>;
  public readonly flowLogGroup: aws.cloudwatch.LogGroup;
  public readonly dnsFirewall: DnsFirewall;
  /** The VPC's default group, with no rules: nothing uses it. */
  public readonly defaultSecurityGroup: aws.ec2.DefaultSecurityGroup;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:network:Network", name, {}, opts);
    if (args.privateSubnets && args.natStrategy === "none") {
      throw new Error(`${name}: private subnets need a NAT strategy; use isolated subnets instead`);
    }
    const tiers = [TIERS.public];
    if (args.privateSubnets) tiers.push(TIERS.private);
    if (args.isolatedSubnets) tiers.push(TIERS.isolated);

    const vpcName = `${name}-vpc`;
    const awsx = new AwsxLineage(pulumi.createUrn(vpcName, "awsx:ec2:Vpc", this)).child(
      "aws:ec2/vpc:Vpc",
      vpcName,
    );
    const vpcTags = { Name: vpcName };
    this.vpc = new aws.ec2.Vpc(
      vpcName,
      {
        cidrBlock: args.cidrBlock,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: vpcTags,
      },
      { parent: this, aliases: [awsx.urn] },
    );
    this.vpcId = this.vpc.id;
    const inVpc = (lineage: AwsxLineage) => ({ parent: this.vpc, aliases: [lineage.urn] });
    const igwType = "aws:ec2/internetGateway:InternetGateway";
    // created whatever the tiers (awsx did the same): a gateway costs nothing and the public
    // subnets route through it
    const internetGateway = new aws.ec2.InternetGateway(
      vpcName,
      { vpcId: this.vpcId, tags: vpcTags },
      inVpc(awsx.child(igwType, vpcName)),
    );

    // the first N zones the region lists, as awsx chose them
    const zoneNames = aws.getAvailabilityZonesOutput({}, { parent: this }).names.apply((names) => {
      if (names.length < args.availabilityZones) {
        throw new Error(
          `${name}: the region has ${names.length} availability zones; ${args.availabilityZones} are needed`,
        );
      }
      return names.slice(0, args.availabilityZones);
    });
    const layout = subnetLayout(vpcName, args.cidrBlock, args.availabilityZones, tiers);
    const ids: Record<SubnetType, pulumi.Output<string>[]> = {
      Public: [],
      Private: [],
      Isolated: [],
    };
    const natGateways: aws.ec2.NatGateway[] = [];
    for (let az = 0; az < args.availabilityZones; az++) {
      for (const type of CREATION_ORDER) {
        for (const planned of layout.filter((s) => s.az === az && s.type === type)) {
          const subnetLineage = awsx.child("aws:ec2/subnet:Subnet", planned.name);
          const subnet = new aws.ec2.Subnet(
            planned.name,
            {
              vpcId: this.vpcId,
              availabilityZone: zoneNames.apply((zones) => zones[az]),
              cidrBlock: planned.cidrBlock,
              // what needs an address asks for one (the instances' associatePublicIpAddress, the
              // NAT gateways' and load balancers' own): nothing launched here gets one unasked
              // (AWS Config subnet-auto-assign-public-ip-disabled)
              mapPublicIpOnLaunch: false,
              assignIpv6AddressOnCreation: false,
              tags: { Name: planned.name, SubnetType: type },
            },
            inVpc(subnetLineage),
          );
          ids[type].push(subnet.id);
          const tableLineage = subnetLineage.child("aws:ec2/routeTable:RouteTable", planned.name);
          const routeTable = new aws.ec2.RouteTable(
            planned.name,
            { vpcId: this.vpcId, tags: { Name: planned.name, SubnetType: type } },
            { parent: subnet, aliases: [tableLineage.urn] },
          );
          const inTable = (childType: string) => ({
            parent: routeTable,
            aliases: [tableLineage.child(childType, planned.name).urn],
          });
          new aws.ec2.RouteTableAssociation(
            planned.name,
            { routeTableId: routeTable.id, subnetId: subnet.id },
            inTable("aws:ec2/routeTableAssociation:RouteTableAssociation"),
          );
          const wantsNat =
            args.natStrategy === "perAz" || (args.natStrategy === "single" && az === 0);
          if (type === "Public" && wantsNat) {
            const natName = `${vpcName}-${az + 1}`;
            const natTags = { Name: natName };
            const inSubnet = (childType: string) => ({
              parent: subnet,
              aliases: [subnetLineage.child(childType, natName).urn],
            });
            const eip = new aws.ec2.Eip(natName, { tags: natTags }, inSubnet("aws:ec2/eip:Eip"));
            natGateways.push(
              new aws.ec2.NatGateway(
                natName,
                { subnetId: subnet.id, allocationId: eip.allocationId, tags: natTags },
                inSubnet("aws:ec2/natGateway:NatGateway"),
              ),
            );
          }
          const routeType = "aws:ec2/route:Route";
          if (type === "Public") {
            new aws.ec2.Route(
              planned.name,
              {
                routeTableId: routeTable.id,
                gatewayId: internetGateway.id,
                destinationCidrBlock: "0.0.0.0/0",
              },
              inTable(routeType),
            );
          } else if (type === "Private") {
            const nat = args.natStrategy === "single" ? natGateways[0] : natGateways[az];
            new aws.ec2.Route(
              planned.name,
              {
                routeTableId: routeTable.id,
                natGatewayId: nat.id,
                destinationCidrBlock: "0.0.0.0/0",
              },
              inTable(routeType),
            );
          }
          // isolated subnets have no route out
        }
      }
    }
    this.publicSubnetIds = pulumi.all(ids.Public);
    this.privateSubnetIds = pulumi.all(ids.Private);
    this.isolatedSubnetIds = pulumi.all(ids.Isolated);

    this.flowLogGroup = retainedLogGroup(
      `${name}-flow-logs`,
      {
        logGroupName: `${args.logGroupPrefix}/vpc-flow-logs`,
        retentionInDays: args.logRetentionDays,
        kmsKeyArn: args.logKmsKeyArn,
        protect: args.protectLogs,
      },
      { parent: this },
    );
    const child = { parent: this };
    // The VPC's default security group, adopted and emptied (AWS Config's
    // vpc-default-security-group-closed, CIS AWS Foundations 5.4): every resource of the program
    // names its own group, so nothing may fall back to this one and reach its neighbours.
    this.defaultSecurityGroup = new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      {
        vpcId: this.vpcId,
        ingress: [],
        egress: [],
        tags: { Name: `${name}-default-sg (closed: no rules)` },
      },
      child,
    );
    this.dnsFirewall = new DnsFirewall(
      `${name}-dns`,
      {
        vpcId: this.vpcId,
        ...args.egress,
        logGroupPrefix: args.logGroupPrefix,
        logRetentionDays: args.logRetentionDays,
        logKmsKeyArn: args.logKmsKeyArn,
        protectLogs: args.protectLogs,
      },
      child,
    );
    const account = aws.getCallerIdentityOutput({}, child).accountId;
    const region = args.egress.region;
    const partition = aws.getPartitionOutput({}, child).partition;
    const role = new aws.iam.Role(
      `${name}-flow-logs-role`,
      {
        name: nameWithin(`${name}-flow-logs-role`, NAME_LIMITS.iamRole),
        // Confused-deputy protection, as the VPC User Guide recommends for the flow-logs role: "use
        // the aws:SourceAccount and aws:SourceArn condition keys ... The source account is the owner
        // of the flow log and the source ARN is the flow log ARN. If you don't know the flow log ID,
        // you can replace that portion of the ARN with a wildcard (*)" (the flow log is created after
        // the role). https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
        assumeRolePolicy: assumeRolePolicyFor(
          "vpc-flow-logs.amazonaws.com",
          pulumi
            .all([account, region, partition])
            .apply(([acct, r, p]) => flowLogsTrustConditions(acct, r, p)),
        ),
      },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-flow-logs-write`,
      {
        role: role.id,
        policy: this.flowLogGroup.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                Resource: [arn, `${arn}:*`],
              },
            ],
          }),
        ),
      },
      { parent: this },
    );
    new aws.ec2.FlowLog(
      `${name}-flow-log`,
      {
        vpcId: this.vpcId,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: this.flowLogGroup.arn,
        iamRoleArn: role.arn,
        maxAggregationInterval: 600,
      },
      { parent: this },
    );
    this.registerOutputs({ vpcId: this.vpcId });
  }
}
