import type * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface TcpPathArgs {
  /** The security group the connection starts from (the client). */
  fromSecurityGroupId: pulumi.Input<string>;
  /** The security group the connection arrives at (the server). */
  toSecurityGroupId: pulumi.Input<string>;
  port: number;
  /** What the path is for, e.g. "OpenEMR tasks to Aurora MySQL". */
  description: string;
}

/**
 * Opens one TCP port from one security group to another, on both sides: an egress rule on the
 * client's group and an ingress rule on the server's group, each naming the other group, never a
 * CIDR. Security groups in this program carry no inline rules, so rules added here are the only ones.
 */
export function allowTcp(
  name: string,
  args: TcpPathArgs,
  opts: pulumi.CustomResourceOptions,
): { ingress: aws.vpc.SecurityGroupIngressRule; egress: aws.vpc.SecurityGroupEgressRule } {
  const ingress = new aws.vpc.SecurityGroupIngressRule(
    `${name}-in`,
    {
      securityGroupId: args.toSecurityGroupId,
      referencedSecurityGroupId: args.fromSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: args.port,
      toPort: args.port,
      description: args.description,
    },
    opts,
  );
  const egress = new aws.vpc.SecurityGroupEgressRule(
    `${name}-out`,
    {
      securityGroupId: args.fromSecurityGroupId,
      referencedSecurityGroupId: args.toSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: args.port,
      toPort: args.port,
      description: args.description,
    },
    opts,
  );
  return { ingress, egress };
}

/** A resource-name-safe form of a CIDR block: 198.51.100.0/24 -> 198-51-100-0-24. */
export function cidrSlug(cidr: string): string {
  return cidr
    .replace(/[^0-9a-fA-F]+/g, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase();
}

export interface ServerSecurityGroupArgs {
  vpcId: pulumi.Input<string>;
  /** What the group admits, e.g. "MySQL from the OpenEMR tasks only". */
  description: string;
  /** The one client group admitted, on `port`. */
  clientSecurityGroupId: pulumi.Input<string>;
  port: number;
  /** The rules' description, e.g. "OpenEMR to Aurora MySQL (TLS required)". */
  pathDescription: string;
}

/**
 * A data store's security group (`<name>-sg`): no inline rules, one TCP path from its client group
 * (`allowTcp` as `<name>-clients`), nothing else in or out.
 */
export function serverSecurityGroup(
  name: string,
  args: ServerSecurityGroupArgs,
  opts: pulumi.CustomResourceOptions,
): aws.ec2.SecurityGroup {
  const group = new aws.ec2.SecurityGroup(
    `${name}-sg`,
    {
      vpcId: args.vpcId,
      description: `${name}: ${args.description}`,
      tags: { Name: `${name}-sg` },
    },
    opts,
  );
  allowTcp(
    `${name}-clients`,
    {
      fromSecurityGroupId: args.clientSecurityGroupId,
      toSecurityGroupId: group.id,
      port: args.port,
      description: args.pathDescription,
    },
    opts,
  );
  return group;
}
