import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { assumeRolePolicyFor } from "../iam/trust";
import { NAME_LIMITS, nameWithin } from "../naming/aws-names";
import * as awsx from "@pulumi/awsx";
import { retainedLogGroup } from "../logs/log-group";

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
}

const NAT: Record<NatStrategy, awsx.types.enums.ec2.NatGatewayStrategy> = {
  none: "None",
  single: "Single",
  perAz: "OnePerAz",
};

/** The VPC (awsx) with an explicit NAT strategy and VPC flow logs to a retained log group. */
export class Network extends pulumi.ComponentResource {
  public readonly vpc: awsx.ec2.Vpc;
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  public readonly isolatedSubnetIds: pulumi.Output<string[]>;
  public readonly flowLogGroup: aws.cloudwatch.LogGroup;

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
    const role = new aws.iam.Role(
      `${name}-flow-logs-role`,
      {
        name: nameWithin(`${name}-flow-logs-role`, NAME_LIMITS.iamRole),
        assumeRolePolicy: assumeRolePolicyFor("vpc-flow-logs.amazonaws.com"),
      },
      { parent: this },
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
