// DnsFirewall on its own: the rule group (AWS threat lists blocked, the allow list, the catch-all
// alerting or blocking), its domain lists, the VPC association, the fail-open setting and the DNS
// query logging into a retained log group the log-delivery service may write to.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import {
  ASSOCIATION_PRIORITY,
  ASSOCIATION_PRIORITY_RANGE,
  DnsFirewall,
  type DnsFirewallArgs,
  MANAGED_DOMAIN_LIST_IDS,
  MAX_DOMAINS_PER_LIST,
  allowListDomains,
  defaultAllowedDomains,
  dnsFirewallRules,
  managedListIds,
} from "../../components/network/dns-firewall";
import { checkAwsRules } from "../../tools/aws-rules/check";
import { MOCK_ACCOUNT } from "../../tools/plan/mocks";
import type { PlanResource } from "../../tools/plan/types";
import { allows } from "../keys/evaluate";
import { domainProblem } from "../../components/naming/domain-names";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const RULE_GROUP = "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup";
const RULE = "aws:route53/resolverFirewallRule:ResolverFirewallRule";
const DOMAIN_LIST = "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList";
const ASSOCIATION =
  "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation";
const CONFIG = "aws:route53/resolverFirewallConfig:ResolverFirewallConfig";
const QUERY_LOG_CONFIG = "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig";
const QUERY_LOG_ASSOCIATION =
  "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const LOG_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy";

const US_EAST_1 = MANAGED_DOMAIN_LIST_IDS["us-east-1"];

const BASE: Omit<DnsFirewallArgs, "vpcId"> = {
  region: "us-east-1",
  mode: "alert",
  logGroupPrefix: "/openemr/test",
  logRetentionDays: 2192,
  protectLogs: true,
};

function build(args: Partial<DnsFirewallArgs> = {}, withKey = true) {
  return () => {
    const key = withKey ? new aws.kms.Key("logs-key", { description: "test" }) : undefined;
    const vpc = new aws.ec2.Vpc("vpc", { cidrBlock: "10.20.0.0/16" });
    const firewall = new DnsFirewall("edge-dns", {
      ...BASE,
      vpcId: vpc.id,
      logKmsKeyArn: key?.arn,
      ...args,
    });
    return {
      ...(key ? { keyArn: key.arn } : {}),
      vpcId: vpc.id,
      logGroupArn: firewall.logGroup.arn,
    };
  };
}

interface RuleView {
  name: string;
  priority: number;
  action: string;
  blockResponse: string | undefined;
  list: string;
}

/** Each rule with the domain list it uses: a managed list id, or the logical name of ours. */
function rulesOf(p: ComponentPlan): RuleView[] {
  return p
    .ofType(RULE)
    .map((r) => {
      const ours = p.dependenciesOf(r, "firewallDomainListId");
      return {
        // AWS names carry the component's name; the table below shows the rule's own part
        name: (r.props.name as string).replace(/^edge-dns-/, ""),
        priority: r.props.priority as number,
        action: r.props.action as string,
        blockResponse: r.props.blockResponse as string | undefined,
        list: ours.length === 1 ? ours[0].name : (r.props.firewallDomainListId as string),
      };
    })
    .sort((a, b) => a.priority - b.priority);
}

const domainsOf = (p: ComponentPlan, name: string): string[] =>
  p.named(name, DOMAIN_LIST).props.domains as string[];

describe("DnsFirewall", () => {
  describe("alert mode (the default), protected, logs under a customer-managed key", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(build());
    });

    it("creates the rule group, two domain lists, five rules, the config, the association and the query logging, all children of the component", () => {
      const component = p.named("edge-dns", "openemr:network:DnsFirewall");
      const children = p.resources.filter((r: PlanResource) => r.parent === component.urn);
      expect(inventory(children)).to.have.members([
        `${RULE_GROUP}::edge-dns-rules`,
        `${DOMAIN_LIST}::edge-dns-allow`,
        `${DOMAIN_LIST}::edge-dns-catch-all`,
        `${RULE}::edge-dns-block-malware`,
        `${RULE}::edge-dns-block-botnet-c2`,
        `${RULE}::edge-dns-block-aggregate-threats`,
        `${RULE}::edge-dns-allow-openemr`,
        `${RULE}::edge-dns-catch-all`,
        `${CONFIG}::edge-dns-config`,
        `${ASSOCIATION}::edge-dns-association`,
        `${LOG_GROUP}::edge-dns-query-logs`,
        `${LOG_POLICY}::edge-dns-query-logs-delivery`,
        `${QUERY_LOG_CONFIG}::edge-dns-query-log-config`,
        `${QUERY_LOG_ASSOCIATION}::edge-dns-query-log-association`,
      ]);
      for (const r of p.ofType(RULE)) {
        expect(
          p.dependenciesOf(r, "firewallRuleGroupId").map((d) => d.name),
          r.name,
        ).to.deep.equal(["edge-dns-rules"]);
      }
    });

    it("blocks the three AWS threat lists first (NXDOMAIN), then allows the allow list, then only alerts on everything else", () => {
      expect(rulesOf(p)).to.deep.equal([
        {
          name: "block-malware",
          priority: 100,
          action: "BLOCK",
          blockResponse: "NXDOMAIN",
          list: US_EAST_1.AWSManagedDomainsMalwareDomainList,
        },
        {
          name: "block-botnet-c2",
          priority: 110,
          action: "BLOCK",
          blockResponse: "NXDOMAIN",
          list: US_EAST_1.AWSManagedDomainsBotnetCommandandControl,
        },
        {
          name: "block-aggregate-threats",
          priority: 120,
          action: "BLOCK",
          blockResponse: "NXDOMAIN",
          list: US_EAST_1.AWSManagedDomainsAggregateThreatList,
        },
        {
          name: "allow-openemr",
          priority: 200,
          action: "ALLOW",
          blockResponse: undefined,
          list: "edge-dns-allow",
        },
        {
          name: "catch-all",
          priority: 1000,
          action: "ALERT",
          blockResponse: undefined,
          list: "edge-dns-catch-all",
        },
      ]);
      // what the plan records is what dnsFirewallRules builds
      expect(rulesOf(p).map((r) => r.priority)).to.deep.equal(
        dnsFirewallRules("alert").map((r) => r.priority),
      );
    });

    it("uses the published us-east-1 ids of the managed lists", () => {
      expect(US_EAST_1).to.deep.equal({
        AWSManagedDomainsMalwareDomainList: "rslvr-fdl-2c46f2ecbfec4dcc",
        AWSManagedDomainsBotnetCommandandControl: "rslvr-fdl-aa970e9eb1ca4777",
        AWSManagedDomainsAggregateThreatList: "rslvr-fdl-15f4860b1ad54ead",
      });
    });

    it("trusts the CNAME targets of allowed names, and inspects redirections everywhere else", () => {
      const byName: Record<string, PlanResource["props"]> = Object.fromEntries(
        p.ofType(RULE).map((r) => [(r.props.name as string).replace(/^edge-dns-/, ""), r.props]),
      );
      expect(byName["allow-openemr"].firewallDomainRedirectionAction).to.equal(
        "TRUST_REDIRECTION_DOMAIN",
      );
      for (const rule of [
        "block-malware",
        "block-botnet-c2",
        "block-aggregate-threats",
        "catch-all",
      ]) {
        expect(byName[rule].firewallDomainRedirectionAction, rule).to.equal(undefined);
      }
    });

    it("allows exactly the AWS regional endpoints, the RDS, cache and CA hosts, the AL2023 mirror, Docker Hub and Let's Encrypt", () => {
      expect(domainsOf(p, "edge-dns-allow")).to.deep.equal([
        "*.us-east-1.amazonaws.com",
        "*.us-east-1.rds.amazonaws.com",
        "truststore.pki.rds.amazonaws.com",
        "*.cache.amazonaws.com",
        "www.amazontrust.com",
        "sts.amazonaws.com",
        "route53.amazonaws.com",
        "cdn.amazonlinux.com",
        "registry-1.docker.io",
        "auth.docker.io",
        "index.docker.io",
        "production.cloudflare.docker.com",
        "production.cloudfront.docker.com",
        "docker-images-prod.6aa30f8b08e16409b46e0173d6de2f56.r2.cloudflarestorage.com",
        "acme-v02.api.letsencrypt.org",
        "*.ec2.internal",
      ]);
      // not the whole of amazonaws.com or .aws: other accounts' endpoints live there
      expect(domainsOf(p, "edge-dns-allow")).to.not.include.members(["*.amazonaws.com", "*.aws"]);
      expect(domainsOf(p, "edge-dns-catch-all")).to.deep.equal(["*"]);
      for (const d of defaultAllowedDomains("us-east-1")) {
        expect(domainProblem(d.domain), d.domain).to.equal(undefined);
        expect(d.why, d.domain).to.not.equal("");
      }
    });

    it("associates the rule group with the VPC at priority 101, mutation-protected, once every rule exists", () => {
      const association = p.named("edge-dns-association", ASSOCIATION);
      expect(association.props).to.deep.include({
        priority: 101,
        mutationProtection: "ENABLED",
        name: "edge-dns-association",
      });
      expect(ASSOCIATION_PRIORITY).to.be.within(
        ASSOCIATION_PRIORITY_RANGE.min + 1,
        ASSOCIATION_PRIORITY_RANGE.max,
      );
      expect(p.dependenciesOf(association, "vpcId").map((r) => r.name)).to.deep.equal(["vpc"]);
      expect(p.dependenciesOf(association, "firewallRuleGroupId").map((r) => r.name)).to.deep.equal(
        ["edge-dns-rules"],
      );
      expect(p.dependsOn(association).map((r) => r.name)).to.have.members(
        p.ofType(RULE).map((r) => r.name),
      );
      // the catch-all is created after the rules that come before it
      expect(p.dependsOn(p.named("edge-dns-catch-all", RULE)).map((r) => r.name)).to.have.members([
        "edge-dns-block-malware",
        "edge-dns-block-botnet-c2",
        "edge-dns-block-aggregate-threats",
        "edge-dns-allow-openemr",
      ]);
    });

    it("fails open in alert mode", () => {
      const config = p.named("edge-dns-config", CONFIG);
      expect(config.props.firewallFailOpen).to.equal("ENABLED");
      expect(p.dependenciesOf(config, "resourceId").map((r) => r.name)).to.deep.equal(["vpc"]);
    });

    it("logs the VPC's DNS queries to <prefix>/dns-queries, retained, protected and encrypted with the key", () => {
      const group = p.named("edge-dns-query-logs", LOG_GROUP);
      expect(group.props).to.deep.include({
        name: "/openemr/test/dns-queries",
        retentionInDays: 2192,
        kmsKeyId: p.outputs.keyArn,
        skipDestroy: true,
      });
      expect(group.opts.protect).to.equal(true);
      const config = p.named("edge-dns-query-log-config", QUERY_LOG_CONFIG);
      expect(config.props.destinationArn).to.equal(p.outputs.logGroupArn);
      expect(config.props.name).to.equal("edge-dns-query-logs");
      expect(p.dependsOn(config).map((r) => r.name)).to.deep.equal([
        "edge-dns-query-logs-delivery",
      ]);
      const association = p.named("edge-dns-query-log-association", QUERY_LOG_ASSOCIATION);
      expect(p.dependenciesOf(association, "resourceId").map((r) => r.name)).to.deep.equal(["vpc"]);
      expect(
        p.dependenciesOf(association, "resolverQueryLogConfigId").map((r) => r.name),
      ).to.deep.equal(["edge-dns-query-log-config"]);
    });

    it("lets the log-delivery service write to this group's streams for this account, and nothing else", () => {
      const policy = p.named("edge-dns-query-logs-delivery", LOG_POLICY);
      const arn = p.outputs.logGroupArn as string;
      expect(policy.props.resourceArn).to.equal(arn);
      expect(policy.props.policyName).to.equal(undefined);
      const doc = JSON.parse(policy.props.policyDocument as string) as {
        Statement: Parameters<typeof allows>[0];
      };
      const ours = {
        "aws:SourceAccount": MOCK_ACCOUNT,
        "aws:SourceArn": `arn:aws:logs:us-east-1:${MOCK_ACCOUNT}:delivery-source:x`,
      };
      const write = (action: string, resource: string, context: Record<string, string>) =>
        allows(doc.Statement, {
          principal: { service: "delivery.logs.amazonaws.com" },
          action,
          resource,
          context,
        });
      expect(write("logs:PutLogEvents", `${arn}:log-stream:vpc-1`, ours)).to.equal(true);
      expect(write("logs:CreateLogStream", `${arn}:log-stream:vpc-1`, ours)).to.equal(true);
      expect(write("logs:PutRetentionPolicy", arn, ours), "retention").to.equal(false);
      expect(write("logs:DeleteLogGroup", arn, ours), "delete").to.equal(false);
      expect(
        write("logs:PutLogEvents", `${arn.replace("dns-queries", "other")}:log-stream:x`, ours),
        "another group",
      ).to.equal(false);
      expect(
        write("logs:PutLogEvents", `${arn}:log-stream:x`, {
          "aws:SourceAccount": "210987654321",
          "aws:SourceArn": "arn:aws:logs:us-east-1:210987654321:delivery-source:x",
        }),
        "another account",
      ).to.equal(false);
      expect(
        allows(doc.Statement, {
          principal: { service: "ec2.amazonaws.com" },
          action: "logs:PutLogEvents",
          resource: `${arn}:log-stream:x`,
          context: ours,
        }),
        "another service",
      ).to.equal(false);
    });

    it("sets names AWS accepts (tools/aws-rules, and the Resolver Name pattern)", () => {
      expect(checkAwsRules(p.plan)).to.deep.equal([]);
      const named = [RULE_GROUP, RULE, DOMAIN_LIST, ASSOCIATION, QUERY_LOG_CONFIG].flatMap((t) =>
        p.ofType(t),
      );
      // the rule group, five rules, two domain lists, the association, the query log config
      expect(named).to.have.length(10);
      for (const r of named) {
        expect(r.props.name, r.name).to.match(/^(?!\d+$)[A-Za-z0-9_ -]{1,64}$/);
      }
    });
  });

  describe("block mode, unprotected, clinic domains, no customer-managed key", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(
        build(
          {
            mode: "block",
            protectLogs: false,
            allowedDomains: ["*.surescripts.net", "lab.example.org", "auth.docker.io"],
          },
          false,
        ),
      );
    });

    it("keeps the allow list and the catch-all where the threat lists' ids are not known", async () => {
      const west = await planComponent(build({ mode: "block", region: "us-west-2" }, false), {
        config: { "aws:region": "us-west-2" },
      });
      expect(rulesOf(west).map((r) => [r.priority, r.name, r.action])).to.deep.equal([
        [200, "allow-openemr", "ALLOW"],
        [1000, "catch-all", "BLOCK"],
      ]);
    });

    it("answers NXDOMAIN to everything not allowed, the threat lists still first", () => {
      expect(rulesOf(p).map((r) => [r.priority, r.name, r.action, r.blockResponse])).to.deep.equal([
        [100, "block-malware", "BLOCK", "NXDOMAIN"],
        [110, "block-botnet-c2", "BLOCK", "NXDOMAIN"],
        [120, "block-aggregate-threats", "BLOCK", "NXDOMAIN"],
        [200, "allow-openemr", "ALLOW", undefined],
        [1000, "catch-all", "BLOCK", "NXDOMAIN"],
      ]);
    });

    it("fails closed in block mode", () => {
      expect(p.named("edge-dns-config", CONFIG).props.firewallFailOpen).to.equal("DISABLED");
    });

    it("adds the clinic's domains after the shipped ones, once each", () => {
      const domains = domainsOf(p, "edge-dns-allow");
      expect(domains.slice(-2)).to.deep.equal(["*.surescripts.net", "lab.example.org"]);
      expect(domains.filter((d) => d === "auth.docker.io")).to.have.length(1);
      expect(domains).to.have.length(defaultAllowedDomains("us-east-1").length + 2);
    });

    it("leaves the association removable and the log group unprotected, under the CloudWatch Logs key", () => {
      expect(p.named("edge-dns-association", ASSOCIATION).props.mutationProtection).to.equal(
        "DISABLED",
      );
      const group = p.named("edge-dns-query-logs", LOG_GROUP);
      expect(group.opts.protect).to.equal(false);
      expect(group.props.skipDestroy).to.equal(false);
      expect(group.props.kmsKeyId).to.equal(undefined);
    });
  });

  describe("domain validation and regions", () => {
    it("accepts host names and leftmost wildcards", () => {
      for (const d of [
        "example.org",
        "*.example.org",
        "a-b.c1.example.co.uk",
        "xn--bcher-kva.example",
        `${"a".repeat(63)}.example.org`,
      ]) {
        expect(domainProblem(d), d).to.equal(undefined);
      }
    });

    it("refuses malformed domains, naming the bad value", () => {
      // the error names the value as given, then says what is wrong with it
      const refuse = (d: string, why: RegExp) => {
        let message = "";
        try {
          allowListDomains("edge-dns", "us-east-1", ["ok.example.org", d]);
        } catch (e) {
          message = (e as Error).message;
        }
        const named = `edge-dns: allowedDomains entry ${JSON.stringify(d)} `;
        expect(message.startsWith(named), `${d}: ${message}`).to.equal(true);
        expect(message.slice(named.length), d).to.match(why);
      };
      refuse("", /is empty/);
      refuse("*", /is the catch-all `\*`, which would allow every name/);
      refuse("*.com", /wildcard over a whole top-level domain/);
      refuse("localhost", /single label/);
      refuse("Example.org", /upper-case/);
      refuse("example.org.", /trailing dot/);
      refuse(" example.org", /spaces/);
      refuse("ex*ample.org", /asterisk/);
      refuse("*example.org", /asterisk/);
      refuse("a.*.example.org", /asterisk/);
      refuse("_acme-challenge.example.org", /label "_acme-challenge"/);
      refuse("-bad.example.org", /label "-bad"/);
      refuse("bad-.example.org", /label "bad-"/);
      refuse("a..example.org", /label ""/);
      refuse(`${"a".repeat(64)}.example.org`, /label/);
      refuse("https://example.org", /label/);
      refuse("10.0.0.1", /top-level domain/);
      refuse(`${"abcdefghi.".repeat(25)}example.org`, /longer than 253/);
    });

    it("refuses more domains than one UpdateFirewallDomains request takes", () => {
      const many = Array.from({ length: MAX_DOMAINS_PER_LIST }, (_, i) => `h${i}.example.org`);
      expect(() => allowListDomains("edge-dns", "us-east-1", many)).to.throw(
        /over the 1000 UpdateFirewallDomains takes/,
      );
      const fits = many.slice(0, MAX_DOMAINS_PER_LIST - defaultAllowedDomains("us-east-1").length);
      expect(allowListDomains("edge-dns", "us-east-1", fits)).to.have.length(MAX_DOMAINS_PER_LIST);
    });

    it("uses the region's own endpoints and host names elsewhere, and the threat lists only with their ids", () => {
      const domains = allowListDomains("edge-dns", "eu-west-2");
      expect(domains).to.include.members([
        "*.eu-west-2.amazonaws.com",
        "*.eu-west-2.rds.amazonaws.com",
        "*.eu-west-2.compute.internal",
      ]);
      expect(domains.some((d) => d.includes("us-east-1"))).to.equal(false);
      expect(managedListIds("edge-dns", "eu-west-2")).to.equal(undefined);
      const ids = {
        AWSManagedDomainsMalwareDomainList: "rslvr-fdl-4fc4edfc63854751",
        AWSManagedDomainsBotnetCommandandControl: "rslvr-fdl-3268f74d91fe418f",
        AWSManagedDomainsAggregateThreatList: "rslvr-fdl-4e96d4ce77f466b",
      };
      expect(managedListIds("edge-dns", "eu-west-2", ids)).to.equal(ids);
      expect(() =>
        managedListIds("edge-dns", "eu-west-2", {
          ...ids,
          AWSManagedDomainsAggregateThreatList: "AWSManagedDomainsAggregateThreatList",
        }),
      ).to.throw(
        /managedDomainListIds.AWSManagedDomainsAggregateThreatList .* is not a domain list id/,
      );
    });

    it("refuses a bad domain when the component is built", async () => {
      let error: unknown;
      try {
        await planComponent(build({ allowedDomains: ["fax.example.com", "*.*.example.com"] }));
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.match(
        /edge-dns: allowedDomains entry "\*\.\*\.example\.com" has an asterisk/,
      );
    });
  });
});
