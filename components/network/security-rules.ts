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

// Every security-group rule of the program is written here, in one of two forms:
//  - standalone rules (aws.vpc.SecurityGroupIngressRule / EgressRule), for every group whose rules
//    other components add (data stores, the load balancer, the Fargate tasks): `allowTcp` for a
//    path between two groups, `admitFrom` for one side of it, `allowCidrs` for networks;
//  - inline rules (`inlineRules`), only for the EC2 web server's group, which was created with
//    them: moving an existing group's inline rules to standalone ones makes AWS refuse the new
//    rules as duplicates (InvalidPermission.Duplicate) unless the group is replaced, and a group
//    must never carry both forms (each update would remove the other form's rules).
// Both forms take the same TcpRule.

/** One TCP port, to or from networks (IPv4/IPv6 CIDRs) or one security group. */
export interface TcpRule {
  port: number;
  description: string;
  cidrs?: string[];
  securityGroupId?: pulumi.Input<string>;
}

/** The rules as a group's inline `ingress` or `egress` list (see above for the one group). */
export function inlineRules(rules: TcpRule[]): aws.types.input.ec2.SecurityGroupIngress[] {
  return rules.map((rule) => {
    const ipv4 = (rule.cidrs ?? []).filter((c) => !c.includes(":"));
    const ipv6 = (rule.cidrs ?? []).filter((c) => c.includes(":"));
    return {
      description: rule.description,
      protocol: "tcp",
      fromPort: rule.port,
      toPort: rule.port,
      ...(ipv4.length > 0 ? { cidrBlocks: ipv4 } : {}),
      ...(ipv6.length > 0 ? { ipv6CidrBlocks: ipv6 } : {}),
      ...(rule.securityGroupId ? { securityGroups: [rule.securityGroupId] } : {}),
    };
  });
}

export interface AdmitFromArgs {
  /** The server's group, which gets the ingress rule. */
  securityGroupId: pulumi.Input<string>;
  /** The client's group, named by the rule. */
  fromSecurityGroupId: pulumi.Input<string>;
  port: number;
  description: string;
}

/**
 * The server's side of a path only (the client's group writes its own egress, e.g. inline): a
 * standalone rule, so the client's group can name the server's group without a cycle.
 */
export function admitFrom(
  name: string,
  args: AdmitFromArgs,
  opts: pulumi.CustomResourceOptions,
): aws.vpc.SecurityGroupIngressRule {
  return new aws.vpc.SecurityGroupIngressRule(
    name,
    {
      securityGroupId: args.securityGroupId,
      referencedSecurityGroupId: args.fromSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: args.port,
      toPort: args.port,
      description: args.description,
    },
    opts,
  );
}

export interface AllowCidrsArgs {
  securityGroupId: pulumi.Input<string>;
  direction: "in" | "out";
  port: number;
  cidrs: string[];
  description: string;
}

/** One standalone rule per network (`<name>-<cidr slug>`), in or out of the group. */
export function allowCidrs(
  name: string,
  args: AllowCidrsArgs,
  opts: pulumi.CustomResourceOptions,
): (aws.vpc.SecurityGroupIngressRule | aws.vpc.SecurityGroupEgressRule)[] {
  return args.cidrs.map((cidr) => {
    const rule = {
      securityGroupId: args.securityGroupId,
      ipProtocol: "tcp",
      fromPort: args.port,
      toPort: args.port,
      ...(cidr.includes(":") ? { cidrIpv6: cidr } : { cidrIpv4: cidr }),
      description: args.description,
    };
    const ruleName = `${name}-${cidrSlug(cidr)}`;
    return args.direction === "in"
      ? new aws.vpc.SecurityGroupIngressRule(ruleName, rule, opts)
      : new aws.vpc.SecurityGroupEgressRule(ruleName, rule, opts);
  });
}

/**
 * Opens one TCP port from one security group to another, on both sides: an egress rule on the
 * client's group and an ingress rule on the server's group, each naming the other group, never a
 * CIDR.
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
