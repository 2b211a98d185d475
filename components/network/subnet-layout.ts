// Pure: where each subnet of the VPC goes. The VPC was an awsx.ec2.Vpc (subnetStrategy "Auto")
// until the program built it from @pulumi/aws resources; this is awsx 3.9's allocation, ported so
// stacks created through awsx keep every subnet's address range (a changed cidrBlock replaces the
// subnet and everything in it). Source: pulumi/pulumi-awsx awsx/ec2/subnetDistributorNew.ts
// (allocateSubnetCidrBlocks, nextNetmask, newBits) and awsx/ec2/subnetNaming.ts (the "Legacy" names).

export type SubnetType = "Public" | "Private" | "Isolated";

export interface SubnetTier {
  type: SubnetType;
  /** The tier's name in the subnet's resource name: `<vpc>-<name>-<az number>`. */
  name: string;
  cidrMask: number;
}

export interface PlannedSubnet {
  type: SubnetType;
  /** `<vpc>-<tier>-<az number>`: the subnet's (and its route table's) resource name and Name tag. */
  name: string;
  /** Index of the availability zone, 0-based. */
  az: number;
  cidrBlock: string;
}

const IPV4_BITS = 32;

function toNumber(address: string): number {
  return address.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

function toAddress(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

function sizeOf(mask: number): number {
  return 2 ** (IPV4_BITS - mask);
}

/** awsx's newBits: the bits that split a block into `count` equal parts. */
function newBits(count: number): number {
  return count === 0 ? 0 : Math.ceil(Math.log2(count));
}

/**
 * awsx's nextNetmask: the block of `mask` after the one that holds the previous block's last
 * usable address (the netmask package's `last`, the broadcast address minus one above /31).
 */
function nextBlock(previousBase: number, previousMask: number, mask: number): number {
  const previousSize = sizeOf(previousMask);
  const last = previousBase + previousSize - (previousSize > 2 ? 2 : 1);
  return Math.floor(last / sizeOf(mask)) * sizeOf(mask) + sizeOf(mask);
}

/**
 * The subnets of each zone, in the order the tiers are given: each zone gets an equal share of
 * the VPC (`/vpcMask + newBits(zones)`), and each tier's subnet follows the previous one inside
 * that share, aligned to its own size. Throws when the tiers do not fit in a zone's share.
 */
export function subnetLayout(
  vpcName: string,
  vpcCidr: string,
  zones: number,
  tiers: readonly SubnetTier[],
): PlannedSubnet[] {
  const [address, maskText] = vpcCidr.split("/");
  const vpcMask = Number(maskText);
  const base = toNumber(address);
  const zoneMask = vpcMask + newBits(zones);
  const zoneSize = sizeOf(zoneMask);
  const needed = tiers.reduce((sum, tier) => sum + sizeOf(tier.cidrMask), 0);
  if (needed > zoneSize) {
    throw new Error(
      `${vpcName}: subnets of ${needed} addresses per zone do not fit in ${vpcCidr} split over ${zones} zones (${zoneSize} each)`,
    );
  }
  const subnets: PlannedSubnet[] = [];
  for (let az = 0; az < zones; az++) {
    let previous: { base: number; mask: number } | undefined;
    for (const tier of tiers) {
      const start = previous
        ? nextBlock(previous.base, previous.mask, tier.cidrMask)
        : base + az * zoneSize;
      subnets.push({
        type: tier.type,
        name: `${vpcName}-${tier.name}-${az + 1}`,
        az,
        cidrBlock: `${toAddress(start)}/${tier.cidrMask}`,
      });
      previous = { base: start, mask: tier.cidrMask };
    }
  }
  return subnets;
}
