// openemr:allowedCidrs and openemr:allowWorldIngress: blocks that could never admit anyone, or that
// AWS and the engine refuse, are refused up front.
import { expect } from "chai";
import { ConfigError, parseConfig } from "../../config";

function problemsOf(cidrs: string[], allowWorldIngress?: boolean): string[] {
  try {
    parseConfig({
      "openemr:preset": "express",
      "openemr:allowedCidrs": JSON.stringify(cidrs),
      ...(allowWorldIngress === undefined
        ? {}
        : { "openemr:allowWorldIngress": String(allowWorldIngress) }),
    });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("allowed networks", () => {
  it("refuses a block listed twice, naming both positions", () => {
    expect(problemsOf(["203.0.113.0/24", "198.51.100.0/24", "203.0.113.0/24"])).to.deep.equal([
      'openemr:allowedCidrs[2]: got "203.0.113.0/24"; the same block as openemr:allowedCidrs[0] ("203.0.113.0/24"). Each block is one security-group rule: AWS refuses the same rule twice and the engine two resources of one name. Remove one',
    ]);
  });

  it("refuses the same IPv6 block written two ways", () => {
    const problems = problemsOf(["2001:db8::/32", "2001:0db8:0000::/32"]);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(
      /^openemr:allowedCidrs\[1\]: got "2001:0db8:0000::\/32"; the same block as openemr:allowedCidrs\[0\]/,
    );
  });

  const nonInternet: [string, string][] = [
    ["127.0.0.1/32", "the loopback range (RFC 1122)"],
    ["169.254.0.0/16", "the link-local range (RFC 3927)"],
    ["224.0.0.0/4", "the multicast range (RFC 5771)"],
    ["fe80::/64", "the link-local range (RFC 4291)"],
  ];
  for (const [cidr, what] of nonInternet) {
    it(`refuses ${cidr}, from which no traffic comes`, () => {
      expect(problemsOf([cidr])).to.deep.equal([
        `openemr:allowedCidrs[0]: got "${cidr}"; ${what}: no traffic to OpenEMR ever comes from it, so the rule would admit nobody. Allowed: the addresses your clinic's traffic comes from, such as its office's public address as a /32 (or its network behind a VPN into the VPC)`,
      ]);
    });
  }

  it("admits private ranges (a clinic's network behind a VPN), however broad, without allowWorldIngress", () => {
    for (const cidr of [
      "10.0.0.0/8",
      "172.16.5.0/24",
      "192.168.1.0/24",
      "100.64.0.0/10",
      "fc00::/7",
    ]) {
      expect(problemsOf([cidr]), cidr).to.deep.equal([]);
    }
  });

  it("refuses a private range opted in with allowWorldIngress, which is no world", () => {
    for (const cidr of ["fc00::/7", "10.0.0.0/8"]) {
      expect(problemsOf([cidr], true), cidr).to.deep.equal([
        `openemr:allowWorldIngress: got true, but no block in openemr:allowedCidrs is broad enough to need it ("${cidr}" is a private range (RFC 1918, RFC 6598, RFC 4193): never the internet, however broad); it only permits blocks broader than IPv4 /8 or IPv6 /16 (such as 0.0.0.0/0) and opens nothing by itself. Remove it, or add the broad block you mean to open`,
      ]);
    }
    expect(problemsOf(["10.0.0.0/8", "203.0.113.0/24", "172.16.0.0/12"], true)[0]).to.contain(
      `("10.0.0.0/8", "172.16.0.0/12" are private ranges (RFC 1918, RFC 6598, RFC 4193): never the internet, however broad)`,
    );
    expect(problemsOf(["0.0.0.0/0", "192.168.0.0/16"], true)).to.deep.equal([]);
  });

  it("refuses allowWorldIngress when no block needs it (it opens nothing by itself)", () => {
    expect(problemsOf(["203.0.113.0/24"], true)).to.deep.equal([
      "openemr:allowWorldIngress: got true, but no block in openemr:allowedCidrs is broad enough to need it; it only permits blocks broader than IPv4 /8 or IPv6 /16 (such as 0.0.0.0/0) and opens nothing by itself. Remove it, or add the broad block you mean to open",
    ]);
    expect(problemsOf([], true)).to.have.length(1);
    expect(problemsOf(["0.0.0.0/0"], true)).to.deep.equal([]);
  });

  it("accepts public blocks and the documentation ranges the examples use", () => {
    expect(
      problemsOf([
        "203.0.113.0/24",
        "198.51.100.7/32",
        "192.0.2.0/24",
        "2001:db8::/32",
        "8.8.8.0/24",
      ]),
    ).to.deep.equal([]);
    // a public block that merely contains a private one is public
    expect(problemsOf(["0.0.0.0/1"], true)).to.deep.equal([]);
  });
});
