import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { assumeRolePolicyFor } from "../iam/trust";
import { NAME_LIMITS, nameWithin } from "../naming/aws-names";
import { type TcpRule, inlineRules } from "../network/security-rules";

export interface WebInstanceArgs {
  /** The deployment region (the auto-recover action's ARN). */
  region: string;
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

/**
 * What the SSM agent needs to register the instance, take Run Command, State Manager and Patch
 * Manager work and open Session Manager channels: the actions of AmazonSSMManagedInstanceCore
 * (policy version v3) without its ssm:GetParameter/GetParameters on every parameter of the
 * account. None of these reads data; the service binds each call to the calling instance.
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html
 */
export const SSM_AGENT: aws.iam.PolicyStatement = {
  Sid: "SsmAgent",
  Effect: "Allow",
  Action: [
    "ssm:DescribeAssociation",
    "ssm:GetDeployablePatchSnapshotForInstance",
    "ssm:GetDocument",
    "ssm:DescribeDocument",
    "ssm:GetManifest",
    "ssm:ListAssociations",
    "ssm:ListInstanceAssociations",
    "ssm:PutInventory",
    "ssm:PutComplianceItems",
    "ssm:PutConfigurePackageResult",
    "ssm:UpdateAssociationStatus",
    "ssm:UpdateInstanceAssociationStatus",
    "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
    "ec2messages:AcknowledgeMessage",
    "ec2messages:DeleteMessage",
    "ec2messages:FailMessage",
    "ec2messages:GetEndpoint",
    "ec2messages:GetMessages",
    "ec2messages:SendReply",
  ],
  Resource: "*",
};

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
    const partition = aws.getPartitionOutput({}, child);

    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        name: nameWithin(`${name}-role`, NAME_LIMITS.iamRole),
        assumeRolePolicy: assumeRolePolicyFor("ec2.amazonaws.com"),
      },
      child,
    );
    // no AWS-managed policies: AmazonSSMManagedInstanceCore reads every parameter of the account
    // and CloudWatchAgentServerPolicy may create log groups and set the retention of any of them;
    // the host gets the agent's channel actions here and everything else from its caller, scoped
    const access = new aws.iam.RolePolicy(
      `${name}-access`,
      {
        role: this.role.id,
        policy: pulumi
          .output(args.policyStatements)
          .apply((statements) =>
            JSON.stringify({ Version: "2012-10-17", Statement: [SSM_AGENT, ...statements] }),
          ),
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
        // the first boot reads the host's parameters: its permissions exist before it starts
        dependsOn: [access],
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
          pulumi.interpolate`arn:${partition.partition}:automate:${args.region}:ec2:recover`,
        ],
      },
      child,
    );
    this.registerOutputs({ instanceId: this.instance.id, publicIp: this.publicIp });
  }
}
