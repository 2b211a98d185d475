// Domain names as AWS Route 53 Resolver DNS Firewall domain lists take them (pure: config
// validation uses it too).

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Pure: why `domain` cannot be in a DNS Firewall allow list, or undefined when it can. Accepted: a
 * lower-case host name of at least two labels (letters, digits, inner hyphens; 1 to 63 characters
 * each, at most 253 in all, RFC 1035 / RFC 1123; the API's 255 is the looser bound), optionally
 * prefixed with `*.` (the asterisk only as the whole leftmost label). Refused: `*` alone, a wildcard
 * over a top-level domain, trailing dots, underscores, IP addresses, spaces, upper case.
 */
export function domainProblem(domain: string): string | undefined {
  if (typeof domain !== "string" || domain.length === 0) return "is empty";
  if (domain !== domain.trim()) return "has leading or trailing spaces";
  if (domain !== domain.toLowerCase()) return "has upper-case letters (write it in lower case)";
  if (domain === "*") return "is the catch-all `*`, which would allow every name";
  if (domain.endsWith(".")) return "ends with a dot (write it without the trailing dot)";
  const wildcard = domain.startsWith("*.");
  const name = wildcard ? domain.slice(2) : domain;
  if (name.includes("*")) {
    return "has an asterisk other than a leading `*.` (DNS Firewall wildcards are the leftmost label only)";
  }
  if (domain.length > 253) return "is longer than 253 characters";
  const labels = name.split(".");
  if (labels.length < 2) {
    return wildcard
      ? "is a wildcard over a whole top-level domain"
      : "is a single label, not a domain";
  }
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) {
    return `has the label ${JSON.stringify(bad)}: labels are 1 to 63 letters, digits and inner hyphens`;
  }
  if (!TOP_LABEL.test(labels[labels.length - 1])) {
    return "does not end in a top-level domain (an IP address cannot be allow-listed by name)";
  }
  return undefined;
}
