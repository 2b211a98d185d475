// Network exposure: security-group ingress from the internet, public databases, public buckets,
// instance metadata.

import type { InstanceArgs as Ec2InstanceArgs } from "@pulumi/aws/ec2/instance";
import type { LaunchTemplateArgs } from "@pulumi/aws/ec2/launchTemplate";
import type { SecurityGroupArgs } from "@pulumi/aws/ec2/securityGroup";
import type { SecurityGroupRuleArgs } from "@pulumi/aws/ec2/securityGroupRule";
import type { ListenerArgs } from "@pulumi/aws/lb/listener";
import type { ClusterInstanceArgs } from "@pulumi/aws/rds/clusterInstance";
import type { InstanceArgs as RdsInstanceArgs } from "@pulumi/aws/rds/instance";
import type { BucketPublicAccessBlockArgs } from "@pulumi/aws/s3/bucketPublicAccessBlock";
import type { SecurityGroupIngressRuleArgs } from "@pulumi/aws/vpc/securityGroupIngressRule";
import type { PolicyResource } from "@pulumi/policy";
import {
  BUCKET_TYPES,
  LISTENER_TYPES,
  LOAD_BALANCER_TYPES,
  T,
  arrayOf,
  configOf,
  dependsVia,
  forEachChecked,
  forTypes,
  isSet,
  named,
  ofTypes,
  propsOf,
  resourcePolicy,
  stackPolicy,
  attachedToBucket,
} from "./common";
import { isHttpsRedirectOnly, listenerProtocol } from "./tls";

// ------------------------------------------------------------------------------------------------
// Security groups
// ------------------------------------------------------------------------------------------------

export interface IngressConfig {
  allowedPublicPorts: number[];
}

export const INGRESS_DEFAULTS: IngressConfig = { allowedPublicPorts: [443] };

interface IngressRule {
  /** The resource that declares the rule (reported). */
  declaredBy: PolicyResource;
  /** The security group the rule belongs to, when it is in the stack. */
  group: PolicyResource | undefined;
  protocol: string;
  fromPort: number | undefined;
  toPort: number | undefined;
  worldSources: string[];
}

const WORLD = new Set(["0.0.0.0/0", "::/0"]);

function worldOf(values: readonly unknown[]): string[] {
  return values.map(String).filter((c) => WORLD.has(c));
}

function toNumber(value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : Number(value);
}

/** Ingress rules of the stack in one shape; reading them may throw unknown values. */
function ingressRules(resources: PolicyResource[]): Array<() => IngressRule[]> {
  const groups = ofTypes(resources, [T.securityGroup]);
  const owner = (rule: PolicyResource): PolicyResource | undefined =>
    groups.find((g) => dependsVia(rule, "securityGroupId", g));
  const readers: Array<() => IngressRule[]> = [];
  for (const sg of groups) {
    readers.push(() =>
      arrayOf(propsOf<SecurityGroupArgs>(sg).ingress).map((i) => ({
        declaredBy: sg,
        group: sg,
        protocol: String(i.protocol),
        fromPort: toNumber(i.fromPort),
        toPort: toNumber(i.toPort),
        worldSources: worldOf([...arrayOf(i.cidrBlocks), ...arrayOf(i.ipv6CidrBlocks)]),
      })),
    );
  }
  for (const r of ofTypes(resources, [T.securityGroupIngressRule])) {
    readers.push(() => {
      const p = propsOf<SecurityGroupIngressRuleArgs>(r);
      const sources: unknown[] = [];
      if (isSet(p, "cidrIpv4")) sources.push(p.cidrIpv4);
      if (isSet(p, "cidrIpv6")) sources.push(p.cidrIpv6);
      return [
        {
          declaredBy: r,
          group: owner(r),
          protocol: String(p.ipProtocol),
          fromPort: toNumber(p.fromPort),
          toPort: toNumber(p.toPort),
          worldSources: worldOf(sources),
        },
      ];
    });
  }
  for (const r of ofTypes(resources, [T.securityGroupRule])) {
    readers.push(() => {
      const p = propsOf<SecurityGroupRuleArgs>(r);
      if (p.type !== "ingress") {
        return [];
      }
      return [
        {
          declaredBy: r,
          group: owner(r),
          protocol: String(p.protocol),
          fromPort: toNumber(p.fromPort),
          toPort: toNumber(p.toPort),
          worldSources: worldOf([...arrayOf(p.cidrBlocks), ...arrayOf(p.ipv6CidrBlocks)]),
        },
      ];
    });
  }
  return readers;
}

/** Security groups attached to a load balancer whose port-80 listeners only redirect to HTTPS. */
function redirectOnlyPort80Groups(resources: PolicyResource[]): Set<string> {
  const out = new Set<string>();
  const listeners = ofTypes(resources, LISTENER_TYPES);
  for (const lb of ofTypes(resources, LOAD_BALANCER_TYPES)) {
    const port80 = listeners.filter(
      (l) => dependsVia(l, "loadBalancerArn", lb) && Number(propsOf<ListenerArgs>(l).port) === 80,
    );
    const redirects =
      port80.length > 0 &&
      port80.every((l) => {
        const p = propsOf<ListenerArgs>(l);
        return listenerProtocol(p) === "HTTP" && isHttpsRedirectOnly(p);
      });
    if (!redirects) {
      continue;
    }
    for (const sg of lb.propertyDependencies["securityGroups"] ?? []) {
      out.add(sg.urn);
    }
  }
  return out;
}

function describePorts(rule: IngressRule): string {
  if (rule.protocol === "-1" || rule.protocol.toLowerCase() === "all") {
    return "all traffic";
  }
  const ports =
    rule.fromPort === rule.toPort
      ? `port ${String(rule.fromPort)}`
      : `ports ${String(rule.fromPort)}-${String(rule.toPort)}`;
  return `${rule.protocol} ${ports}`;
}

export const securityGroupIngress = stackPolicy({
  name: "security-group-ingress",
  description:
    "Security groups (inline ingress, aws.vpc.SecurityGroupIngressRule, aws.ec2.SecurityGroupRule) " +
    "open nothing to 0.0.0.0/0 or ::/0 except TCP 443, and TCP 80 only on a load balancer whose " +
    "port-80 listener only redirects to HTTPS.",
  severity: "critical",
  configSchema: {
    properties: {
      allowedPublicPorts: {
        type: "array",
        items: { type: "integer", minimum: 1, maximum: 65535 },
        default: INGRESS_DEFAULTS.allowedPublicPorts,
        description: "TCP ports that may be open to the internet.",
      },
    },
  },
  validateStack: (args, report) => {
    const config = configOf(args, INGRESS_DEFAULTS);
    // Computed only when a world-open port 80 needs it: reading listeners may hit unknown values.
    let redirectGroups: Set<string> | undefined;
    const redirects = (): Set<string> =>
      (redirectGroups ??= redirectOnlyPort80Groups(args.resources));
    forEachChecked(ingressRules(args.resources), (read) => {
      for (const rule of read()) {
        if (rule.worldSources.length === 0) {
          continue;
        }
        const tcp = rule.protocol.toLowerCase() === "tcp" || rule.protocol === "6";
        const single = rule.fromPort !== undefined && rule.fromPort === rule.toPort;
        const port = rule.fromPort ?? -1;
        const allowed =
          tcp &&
          single &&
          (config.allowedPublicPorts.includes(port) ||
            (port === 80 && rule.group !== undefined && redirects().has(rule.group.urn)));
        if (allowed) {
          continue;
        }
        const where =
          rule.declaredBy === rule.group || rule.group === undefined
            ? named("Security group", rule.declaredBy.name)
            : `${named("Security group rule", rule.declaredBy.name)} (group "${rule.group.name}")`;
        report(
          `${where} allows ${describePorts(rule)} from ${rule.worldSources.join(", ")}. Only TCP ` +
            `${config.allowedPublicPorts.join(", ")} may be open to the internet (80 only on a load ` +
            `balancer whose port-80 listener only redirects to HTTPS); restrict the source to ` +
            `openemr:allowedCidrs.`,
          rule.declaredBy.urn,
        );
      }
    });
  },
});

// ------------------------------------------------------------------------------------------------
// Databases, buckets, instance metadata
// ------------------------------------------------------------------------------------------------

export const rdsNotPubliclyAccessible = resourcePolicy({
  name: "rds-not-publicly-accessible",
  description: "RDS instances and Aurora cluster instances are not publicly accessible.",
  severity: "critical",
  validations: [
    forTypes<RdsInstanceArgs | ClusterInstanceArgs>(
      [T.rdsInstance, T.rdsClusterInstance],
      (props, args, report) => {
        if (props.publiclyAccessible === true) {
          report(
            `${named("Database instance", args.name)} is publicly accessible. Set ` +
              `publiclyAccessible: false and keep it in isolated subnets.`,
          );
        }
      },
    ),
  ],
});

const PAB_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
] as const;

export const s3BucketPublicAccessBlock = stackPolicy({
  name: "s3-bucket-public-access-block",
  description: "Every S3 bucket has a public access block with all four settings true.",
  severity: "critical",
  validateStack: (args, report) => {
    forEachChecked(ofTypes(args.resources, BUCKET_TYPES), (bucket) => {
      const what = named("S3 bucket", bucket.name);
      const blocks = attachedToBucket(args.resources, [T.bucketPublicAccessBlock], bucket);
      if (blocks.length === 0) {
        report(
          `${what} has no public access block. Add an aws.s3.BucketPublicAccessBlock with ` +
            `${PAB_FLAGS.join(", ")} all true.`,
          bucket.urn,
        );
        return;
      }
      forEachChecked(blocks, (block) => {
        const p = propsOf<BucketPublicAccessBlockArgs>(block);
        const off = PAB_FLAGS.filter((flag) => p[flag] !== true);
        if (off.length > 0) {
          report(
            `${what}'s public access block "${block.name}" does not set ${off.join(", ")}. Set them to true.`,
            bucket.urn,
          );
        }
      });
    });
  },
});

export const ec2Imdsv2Required = resourcePolicy({
  name: "ec2-imdsv2-required",
  description:
    'EC2 instances and launch templates require IMDSv2 (metadataOptions.httpTokens: "required") ' +
    "or disable the metadata endpoint.",
  severity: "high",
  validations: [
    forTypes<Ec2InstanceArgs | LaunchTemplateArgs>(
      [T.ec2Instance, T.launchTemplate],
      (props, args, report) => {
        const kind = args.type === T.ec2Instance ? "EC2 instance" : "Launch template";
        if (!isSet(props, "metadataOptions")) {
          if (isSet(props, "launchTemplate")) {
            return; // the launch template's options apply (checked on the template)
          }
          report(
            `${named(kind, args.name)} allows IMDSv1. Set metadataOptions: { httpTokens: "required" }.`,
          );
          return;
        }
        const options = props.metadataOptions;
        if (options?.httpEndpoint === "disabled") {
          return;
        }
        if (options?.httpTokens !== "required") {
          report(
            `${named(kind, args.name)} allows IMDSv1. Set metadataOptions.httpTokens: "required".`,
          );
        }
      },
    ),
  ],
});

export const networkPolicies = [
  securityGroupIngress,
  rdsNotPubliclyAccessible,
  s3BucketPublicAccessBlock,
  ec2Imdsv2Required,
];
