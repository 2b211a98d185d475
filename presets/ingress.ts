// Who may reach OpenEMR: openemr:allowedCidrs with openemr:allowWorldIngress, checked together. Each
// block becomes security-group rules on the instance or the load balancer. Private ranges are
// sources a clinic reaches the VPC from through a VPN or peering it attaches itself; the ranges no
// packet ever comes from (loopback, link-local, multicast...) admit nobody.
import { isWorldOpen, parseCidr, type ParsedCidr } from "../components/network/cidr";
import { NAMESPACE } from "./common";

/**
 * Ranges no packet from the internet comes from (IANA's special-purpose address registries, RFC
 * 6890 and RFC 8190): a rule for one of them admits nobody. The documentation ranges (RFC 5737,
 * RFC 3849) are not here: the example stacks use them as placeholders.
 */
const NON_INTERNET_RANGES: readonly { cidr: string; what: string }[] = [
  { cidr: "127.0.0.0/8", what: "the loopback range (RFC 1122)" },
  { cidr: "169.254.0.0/16", what: "the link-local range (RFC 3927)" },
  { cidr: "0.0.0.0/8", what: `the "this network" range (RFC 1122)` },
  { cidr: "224.0.0.0/4", what: "the multicast range (RFC 5771)" },
  { cidr: "240.0.0.0/4", what: "a reserved range (RFC 1112)" },
  { cidr: "fe80::/10", what: "the link-local range (RFC 4291)" },
  { cidr: "::1/128", what: "the loopback address (RFC 4291)" },
  { cidr: "ff00::/8", what: "the multicast range (RFC 4291)" },
];

const NON_INTERNET = NON_INTERNET_RANGES.map((r) => ({ ...r, range: parseCidr(r.cidr)! }));

/**
 * Private ranges (RFC 1918, RFC 6598 shared address space, RFC 4193 unique local): the addresses
 * of a clinic's network behind a VPN or peering into the VPC. However broad, such a block is not
 * the internet, so openemr:allowWorldIngress neither applies to it nor is needed for it.
 */
const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"].map(
  (cidr) => parseCidr(cidr)!,
);

/** true when every address of `block` is in `range`. */
function within(block: ParsedCidr, range: ParsedCidr): boolean {
  if (block.version !== range.version || block.prefix < range.prefix) return false;
  return parseCidr(`${block.network}/${range.prefix}`)?.network === range.network;
}

const show = (text: string) => JSON.stringify(text);

/** Every problem of the allowed networks, each naming its key, the value and what is allowed. */
export function allowedCidrProblems(
  cidrs: readonly string[],
  allowWorldIngress: boolean,
): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  let worldOpenBlocks = 0;
  const privateBlocks: string[] = [];
  cidrs.forEach((text, i) => {
    const key = `${NAMESPACE}:allowedCidrs[${i}]`;
    const cidr = parseCidr(text);
    if (!cidr) {
      problems.push(
        `${key}: got ${show(text)}; expected an IPv4 or IPv6 CIDR block such as 203.0.113.0/24`,
      );
      return;
    }
    if (cidr.hostBitsSet) {
      problems.push(
        `${key}: got ${show(text)}; host bits are set, use the network address ${cidr.network}/${cidr.prefix}`,
      );
      return;
    }
    const canonical = `${cidr.network}/${cidr.prefix}`;
    const first = seen.get(canonical);
    if (first !== undefined) {
      problems.push(
        `${key}: got ${show(text)}; the same block as ${NAMESPACE}:allowedCidrs[${first}] (${show(cidrs[first])}). Each block is one security-group rule: AWS refuses the same rule twice and the engine two resources of one name. Remove one`,
      );
      return;
    }
    seen.set(canonical, i);
    const special = NON_INTERNET.find((r) => within(cidr, r.range));
    if (special) {
      problems.push(
        `${key}: got ${show(text)}; ${special.what}: no traffic to OpenEMR ever comes from it, so the rule would admit nobody. Allowed: the addresses your clinic's traffic comes from, such as its office's public address as a /32 (or its network behind a VPN into the VPC)`,
      );
      return;
    }
    if (PRIVATE.some((range) => within(cidr, range))) {
      privateBlocks.push(text);
      return;
    }
    if (isWorldOpen(cidr)) {
      worldOpenBlocks++;
      if (!allowWorldIngress) {
        problems.push(
          `${key}: got ${show(text)}; a block this broad opens OpenEMR to the internet. Allowed: narrower blocks (IPv4 /8 or longer, IPv6 /16 or longer), or set ${NAMESPACE}:allowWorldIngress to true to opt in explicitly`,
        );
      }
    }
  });
  // with a block refused above, the opt-in may be meant for it: say that first
  if (allowWorldIngress && worldOpenBlocks === 0 && problems.length === 0) {
    const privateNote =
      privateBlocks.length > 0
        ? ` (${privateBlocks.map(show).join(", ")} ${privateBlocks.length === 1 ? "is a private range" : "are private ranges"} (RFC 1918, RFC 6598, RFC 4193): never the internet, however broad)`
        : "";
    problems.push(
      `${NAMESPACE}:allowWorldIngress: got true, but no block in ${NAMESPACE}:allowedCidrs is broad enough to need it${privateNote}; it only permits blocks broader than IPv4 /8 or IPv6 /16 (such as 0.0.0.0/0) and opens nothing by itself. Remove it, or add the broad block you mean to open`,
    );
  }
  return problems;
}
