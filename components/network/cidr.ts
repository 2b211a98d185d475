// Pure CIDR helpers: no Pulumi runtime, so config validation and tests can use them directly.

export interface ParsedCidr {
  version: 4 | 6;
  prefix: number;
  /** The address with host bits cleared, in canonical text form. */
  network: string;
  /** true when the address has bits set beyond the prefix (e.g. 10.0.0.1/24). */
  hostBitsSet: boolean;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255 || (part.length > 1 && part.startsWith("0"))) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.includes(":::")) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const tail = halves.length === 2 && halves[1] !== "" ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 255n).toString()).join(".");
}

function formatIpv6(value: bigint): string {
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) {
    groups.push(((value >> shift) & 0xffffn).toString(16));
  }
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

/** Parses "a.b.c.d/n" or "x:y::z/n"; returns undefined when the text is not a CIDR block. */
export function parseCidr(text: string): ParsedCidr | undefined {
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  if (!match) return undefined;
  const prefix = Number(match[2]);
  const v4 = parseIpv4(match[1]);
  if (v4 !== undefined) {
    if (prefix > 32) return undefined;
    const mask = prefix === 0 ? 0n : ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - prefix)) - 1n);
    const network = v4 & mask;
    return { version: 4, prefix, network: formatIpv4(network), hostBitsSet: network !== v4 };
  }
  const v6 = parseIpv6(match[1]);
  if (v6 !== undefined) {
    if (prefix > 128) return undefined;
    const all = (1n << 128n) - 1n;
    const mask = prefix === 0 ? 0n : all ^ ((1n << BigInt(128 - prefix)) - 1n);
    const network = v6 & mask;
    return { version: 6, prefix, network: formatIpv6(network), hostBitsSet: network !== v6 };
  }
  return undefined;
}

/** A block this broad is "the internet" for practical purposes and needs an explicit opt-in. */
export function isWorldOpen(cidr: ParsedCidr): boolean {
  return cidr.version === 4 ? cidr.prefix < 8 : cidr.prefix < 16;
}
