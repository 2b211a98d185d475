import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { type TrustConditions, assumeRolePolicyFor } from "../iam/trust";
import { NAME_LIMITS, nameWithin } from "../naming/aws-names";
import * as awsx from "@pulumi/awsx";
import { retainedLogGroup } from "../logs/log-group";
import { DnsFirewall, type DnsFirewallArgs } from "./dns-firewall";

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

const NAT: Record<NatStrategy, awsx.types.enums.ec2.NatGatewayStrategy> = {
  none: "None",
  single: "Single",
  perAz: "OnePerAz",
};

/**
 * The VPC (awsx) with an explicit NAT strategy, VPC flow logs to a retained log group, and a DNS
 * Firewall that names what its hosts may look up.
 */
export class Network extends pulumi.ComponentResource {
  public readonly vpc: awsx.ec2.Vpc;
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
    const subnetSpecs: awsx.types.input.ec2.SubnetSpecArgs[] = [
      { type: "Public", name: "public", cidrMask: 24 },
    ];
    if (args.privateSubnets) subnetSpecs.push({ type: "Private", name: "private", cidrMask: 22 });
    if (args.isolatedSubnets)
      subnetSpecs.push({ type: "Isolated", name: "isolated", cidrMask: 24 });

    this.vpc = new awsx.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.cidrBlock,
        numberOfAvailabilityZones: args.availabilityZones,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        subnetStrategy: "Auto",
        subnetSpecs,
        natGateways: { strategy: NAT[args.natStrategy] },
        tags: { Name: `${name}-vpc` },
      },
      { parent: this },
    );
    this.vpcId = this.vpc.vpcId;
    this.publicSubnetIds = this.vpc.publicSubnetIds;
    this.privateSubnetIds = this.vpc.privateSubnetIds;
    this.isolatedSubnetIds = this.vpc.isolatedSubnetIds;

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
