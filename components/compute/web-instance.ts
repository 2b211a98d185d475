import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { assumeRolePolicyFor } from "../iam/trust";
import { NAME_LIMITS, nameWithin } from "../naming/aws-names";
import { type TcpRule, inlineRules } from "../network/security-rules";

export interface WebInstanceArgs {
  vpcId: pulumi.Input<string>;
  subnetId: pulumi.Input<string>;
  instanceType: string;
  architecture: "arm64" | "x86_64";
  rootVolumeGb: number;
  /** Customer-managed key for the root and data volumes; undefined uses the account's EBS key. */
  kmsKeyArn?: pulumi.Input<string>;
  /** A separate data volume, attached as DATA_DEVICE, for the database and documents. */
  dataVolumeGb?: number;
  /** Clients allowed to reach HTTPS (443); empty means nobody. */
  allowedCidrs: string[];
  /** Public address (Elastic IP) for tiers without a load balancer. */
  publicAddress: boolean;
  /**
   * With `publicAddress`: false keeps the instance's auto-assigned public IPv4 (outbound only, for
   * packages, images and AWS APIs without a NAT gateway) and allocates no Elastic IP. Default true.
   */
  elasticIp?: boolean;
  /**
   * The group carries no inline ingress rules because another component adds standalone ones (a
   * load balancer's path to its targets); inline rules would remove them on the next update.
   */
  externalIngressRules?: boolean;
  /** Further outbound rules (e.g. MySQL to the database's group), besides HTTPS. */
  extraEgress?: TcpRule[];
  userData: pulumi.Input<string>;
  detailedMonitoring: boolean;
  /** Extra IAM statements for the instance role (reading its secrets, writing backups...). */
  policyStatements: pulumi.Input<aws.iam.PolicyStatement[]>;
  /** Tag value the snapshot policy selects volumes by; undefined: no snapshot tag. */
  snapshotTag?: string;
  protect: boolean;
}

/** The device name the data volume is attached as; Amazon Linux links the NVMe device to it. */
export const DATA_DEVICE = "/dev/sdf";

/**
 * One OpenEMR host: Graviton by default, latest Amazon Linux 2023 from the public SSM parameter,
 * IMDSv2 only, encrypted gp3 volumes, SSM Session Manager instead of SSH, auto-recovery on host
 * failure, and HTTPS as the only way in.
 */
export class WebInstance extends pulumi.ComponentResource {
  public readonly instance: aws.ec2.Instance;
  public readonly role: aws.iam.Role;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  public readonly dataVolume: aws.ebs.Volume | undefined;
  public readonly publicIp: pulumi.Output<string>;

  constructor(name: string, args: WebInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:compute:WebInstance", name, {}, opts);
    const child = { parent: this };
    const region = aws.getRegionOutput({}, child);
    const partition = aws.getPartitionOutput({}, child);

    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        name: nameWithin(`${name}-role`, NAME_LIMITS.iamRole),
        assumeRolePolicy: assumeRolePolicyFor("ec2.amazonaws.com"),
      },
      child,
    );
    for (const [suffix, policy] of [
      ["ssm", "AmazonSSMManagedInstanceCore"],
      ["cloudwatch-agent", "CloudWatchAgentServerPolicy"],
    ]) {
      new aws.iam.RolePolicyAttachment(
        `${name}-${suffix}`,
        {
          role: this.role.name,
          policyArn: pulumi.interpolate`arn:${partition.partition}:iam::aws:policy/${policy}`,
        },
        child,
      );
    }
    new aws.iam.RolePolicy(
      `${name}-access`,
      {
        role: this.role.id,
        policy: pulumi
          .output(args.policyStatements)
          .apply((statements) => JSON.stringify({ Version: "2012-10-17", Statement: statements })),
      },
      child,
    );
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: this.role.name }, child);

    const ingress: TcpRule[] =
      args.allowedCidrs.length > 0
        ? [{ port: 443, description: "HTTPS from the allowed networks", cidrs: args.allowedCidrs }]
        : [];
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `${name}: HTTPS in; HTTPS out for packages, images and AWS APIs`,
        ingress: args.externalIngressRules ? undefined : inlineRules(ingress),
        egress: inlineRules([
          {
            port: 443,
            description: "HTTPS to package mirrors, container registries and AWS APIs",
            cidrs: ["0.0.0.0/0"],
          },
          ...(args.extraEgress ?? []),
        ]),
      },
      child,
    );

    const ami = aws.ssm.getParameterOutput(
      {
        name: `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${args.architecture}`,
      },
      child,
    );
    const snapshotTags: Record<string, string> = args.snapshotTag
      ? { "openemr:snapshot": args.snapshotTag }
      : {};

    this.instance = new aws.ec2.Instance(
      `${name}`,
      {
        ami: ami.value,
        instanceType: args.instanceType,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: [this.securityGroup.id],
        iamInstanceProfile: profile.name,
        associatePublicIpAddress: args.publicAddress,
        monitoring: args.detailedMonitoring,
        metadataOptions: {
          httpTokens: "required",
          httpEndpoint: "enabled",
          // 1 hop: containers on the host cannot reach the instance's credentials
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: "disabled",
        },
        rootBlockDevice: {
          volumeType: "gp3",
          volumeSize: args.rootVolumeGb,
          encrypted: true,
          kmsKeyId: args.kmsKeyArn,
          // with data on it, the root volume outlives an accidental termination
          deleteOnTermination: !args.protect,
          tags: { Name: `${name}-root`, ...snapshotTags },
        },
        disableApiTermination: args.protect,
        userData: args.userData,
        userDataReplaceOnChange: false,
        tags: { Name: name },
      },
      {
        ...child,
        protect: args.protect,
        // a newer AMI must never replace the instance and its data; patch in place instead
        ignoreChanges: ["ami"],
      },
    );

    if (args.dataVolumeGb !== undefined) {
      this.dataVolume = new aws.ebs.Volume(
        `${name}-data`,
        {
          availabilityZone: this.instance.availabilityZone,
          size: args.dataVolumeGb,
          type: "gp3",
          encrypted: true,
          kmsKeyId: args.kmsKeyArn,
          tags: { Name: `${name}-data`, ...snapshotTags },
        },
        { ...child, protect: args.protect },
      );
      new aws.ec2.VolumeAttachment(
        `${name}-data-attachment`,
        {
          deviceName: DATA_DEVICE,
          volumeId: this.dataVolume.id,
          instanceId: this.instance.id,
          stopInstanceBeforeDetaching: true,
        },
        child,
      );
    }

    if (args.publicAddress && (args.elasticIp ?? true)) {
      const eip = new aws.ec2.Eip(
        `${name}-ip`,
        { domain: "vpc", tags: { Name: `${name}-ip` } },
        child,
      );
      new aws.ec2.EipAssociation(
        `${name}-ip-association`,
        { allocationId: eip.allocationId, instanceId: this.instance.id },
        child,
      );
      this.publicIp = eip.publicIp;
    } else if (args.publicAddress) {
      this.publicIp = this.instance.publicIp;
    } else {
      this.publicIp = this.instance.privateIp;
    }

    new aws.cloudwatch.MetricAlarm(
      `${name}-auto-recover`,
      {
        alarmDescription: `${name}: recover the instance onto healthy hardware when the host fails`,
        namespace: "AWS/EC2",
        metricName: "StatusCheckFailed_System",
        dimensions: { InstanceId: this.instance.id },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 2,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        alarmActions: [
          pulumi.interpolate`arn:${partition.partition}:automate:${region.region}:ec2:recover`,
        ],
      },
      child,
    );
    this.registerOutputs({ instanceId: this.instance.id, publicIp: this.publicIp });
  }
}
