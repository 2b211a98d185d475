import type * as pulumi from "@pulumi/pulumi";
import { Network, type NetworkArgs } from "../network/network";
import type { TierCommonArgs } from "./types";

/** How a tier lays out its VPC; the rest of the network follows from the stack's settings. */
export type NetworkLayout = Pick<
  NetworkArgs,
  "availabilityZones" | "privateSubnets" | "isolatedSubnets" | "natStrategy"
>;

/**
 * A tier's VPC (`<name>-net`): the tier's layout, the stack's address range, flow logs under the
 * stack's log key with its retention and prefix, and its DNS Firewall settings.
 */
export function tierNetwork(
  name: string,
  args: TierCommonArgs,
  layout: NetworkLayout,
  logKmsKeyArn: pulumi.Input<string> | undefined,
  opts: pulumi.ComponentResourceOptions,
): Network {
  return new Network(
    `${name}-net`,
    {
      cidrBlock: args.vpcCidr,
      ...layout,
      logRetentionDays: args.logRetentionDays,
      logKmsKeyArn,
      protectLogs: args.protectData,
      logGroupPrefix: args.logGroupPrefix,
      egress: {
        region: args.region,
        mode: args.egressMode,
        allowedDomains: args.egressAllowedDomains,
      },
    },
    opts,
  );
}
