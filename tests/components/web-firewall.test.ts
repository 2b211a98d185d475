// WebFirewall on its own: the web ACL any load balancer can use. Rule by rule: the per-IP and login
// rate limits, the IP lists, oversized bodies blocked except on OpenEMR's upload paths, the content
// rule groups; the capacity (WCU) the rules need against the 1,500 of the base price; count mode;
// logging and the association as before.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import {
  ALB_BODY_INSPECTION_LIMIT,
  LARGE_BODY_PATHS,
  LARGE_BODY_PATH_REGEX,
  MANAGED_RULE_GROUP_WCU,
  PORTAL_LOGIN_PATH,
  STAFF_LOGIN_QUERY_REGEX,
  WEB_ACL_BASE_CAPACITY,
  WebFirewall,
  webAclCapacity,
  webFirewallRules,
} from "../../components/waf/web-firewall";
import { checkAwsRules } from "../../tools/aws-rules/check";
import type { PlanResource } from "../../tools/plan/types";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const ACL = "aws:wafv2/webAcl:WebAcl";
const LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration";
const ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

interface PlannedRule {
  name: string;
  priority: number;
  action?: Record<string, unknown>;
  overrideAction?: Record<string, unknown>;
  statement: {
    rateBasedStatement?: {
      limit: number;
      aggregateKeyType: string;
      evaluationWindowSec: number;
      scopeDownStatement?: unknown;
    };
    managedRuleGroupStatement?: {
      vendorName: string;
      name: string;
      ruleActionOverrides?: { name: string; actionToUse: unknown }[];
    };
    andStatement?: unknown;
  };
  visibilityConfig: { metricName: string; cloudwatchMetricsEnabled: boolean };
}

function build(mode: "block" | "count", loginRateLimit?: number) {
  return () => {
    const key = new aws.kms.Key("logs-key", { description: "test" });
    const alb = new aws.lb.LoadBalancer("edge-alb", {
      loadBalancerType: "application",
      subnets: ["subnet-a", "subnet-b"],
    });
    const firewall = new WebFirewall("edge-waf", {
      resourceArn: alb.arn,
      rateLimit: 3000,
      loginRateLimit,
      mode,
      logRetentionDays: 365,
      logKmsKeyArn: key.arn,
      protect: true,
    });
    return { keyArn: key.arn, aclArn: firewall.webAcl.arn };
  };
}

const rulesOf = (p: ComponentPlan): PlannedRule[] =>
  p.named("edge-waf-acl", ACL).props.rules as unknown as PlannedRule[];
const ruleNamed = (p: ComponentPlan, name: string): PlannedRule => {
  const rule = rulesOf(p).find((r) => r.name === name);
  if (!rule) throw new Error(`no rule ${name}`);
  return rule;
};

describe("WebFirewall", () => {
  describe("block mode", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(build("block"));
    });

    it("creates the web ACL, its log group, its logging configuration and the association", () => {
      const component = p.named("edge-waf", "openemr:waf:WebFirewall");
      const children = p.resources.filter((r: PlanResource) => r.parent === component.urn);
      expect(inventory(children)).to.have.members([
        `${ACL}::edge-waf-acl`,
        `${LOG_GROUP}::edge-waf-logs`,
        `${LOGGING}::edge-waf-logging`,
        `${ASSOCIATION}::edge-waf-association`,
      ]);
      expect(p.named("edge-waf-acl", ACL).props).to.deep.include({
        name: "edge-waf-acl",
        scope: "REGIONAL",
        defaultAction: { allow: {} },
      });
    });

    it("runs ten rules in this order, every one blocking, metrics and samples on", () => {
      expect(
        rulesOf(p).map((r) => [r.priority, r.name, r.action ?? r.overrideAction]),
      ).to.deep.equal([
        [0, "rate-limit-per-ip", { block: {} }],
        [1, "rate-limit-login", { block: {} }],
        [2, "AWSManagedRulesAmazonIpReputationList", { none: {} }],
        [3, "AWSManagedRulesAnonymousIpList", { none: {} }],
        [4, "block-oversized-body", { block: {} }],
        [5, "AWSManagedRulesCommonRuleSet", { none: {} }],
        [6, "AWSManagedRulesSQLiRuleSet", { none: {} }],
        [7, "AWSManagedRulesKnownBadInputsRuleSet", { none: {} }],
        [8, "AWSManagedRulesPHPRuleSet", { none: {} }],
        [9, "AWSManagedRulesLinuxRuleSet", { none: {} }],
      ]);
      for (const r of rulesOf(p)) {
        expect(r.visibilityConfig.cloudwatchMetricsEnabled, r.name).to.equal(true);
        expect(r.visibilityConfig.metricName, r.name).to.match(/^edge-waf-[\w#:.\-/]+$/);
      }
      // what the plan records is what webFirewallRules builds (and what the capacity below is of)
      expect(rulesOf(p)).to.deep.equal(
        webFirewallRules("edge-waf", { rateLimit: 3000, loginRateLimit: 100, mode: "block" }),
      );
    });

    it("limits every IP to the configured requests per 5 minutes", () => {
      expect(ruleNamed(p, "rate-limit-per-ip").statement.rateBasedStatement).to.deep.equal({
        limit: 3000,
        aggregateKeyType: "IP",
        evaluationWindowSec: 300,
      });
    });

    it("limits logins to 100 per IP per 5 minutes: auth=login (URL-decoded) anywhere, and the portal login script", () => {
      expect(ruleNamed(p, "rate-limit-login").statement.rateBasedStatement).to.deep.equal({
        limit: 100,
        aggregateKeyType: "IP",
        evaluationWindowSec: 300,
        scopeDownStatement: {
          orStatement: {
            statements: [
              {
                regexMatchStatement: {
                  fieldToMatch: { queryString: {} },
                  regexString: STAFF_LOGIN_QUERY_REGEX,
                  textTransformations: [{ priority: 0, type: "URL_DECODE" }],
                },
              },
              {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: "EXACTLY",
                  searchString: "/portal/get_patient_info.php",
                  textTransformations: [{ priority: 0, type: "NONE" }],
                },
              },
            ],
          },
        },
      });
      expect(PORTAL_LOGIN_PATH).to.equal("/portal/get_patient_info.php");
    });

    it("counts as a login every query string PHP reads as auth=login, and nothing else", () => {
      const login = new RegExp(STAFF_LOGIN_QUERY_REGEX);
      // the login form posts to main_screen.php?auth=login&site=default (after URL_DECODE)
      for (const q of [
        "auth=login&site=default",
        "site=default&auth=login",
        "auth=login",
        " auth=login",
        "+auth=login&x=1",
      ]) {
        expect(login.test(q), q).to.equal(true);
      }
      for (const q of [
        "auth=logout",
        "auth=login2",
        "xauth=login",
        "author=login",
        "site=default",
        "",
      ]) {
        expect(login.test(q), q).to.equal(false);
      }
    });

    it("blocks bodies WAF cannot inspect whole (over 8 KB) unless the path is one of OpenEMR's upload handlers", () => {
      expect(ALB_BODY_INSPECTION_LIMIT).to.equal(8192);
      expect(ruleNamed(p, "block-oversized-body").statement).to.deep.equal({
        andStatement: {
          statements: [
            {
              sizeConstraintStatement: {
                fieldToMatch: { body: { oversizeHandling: "MATCH" } },
                comparisonOperator: "GT",
                size: 8192,
                textTransformations: [{ priority: 0, type: "NONE" }],
              },
            },
            {
              notStatement: {
                statement: {
                  regexMatchStatement: {
                    fieldToMatch: { uriPath: {} },
                    regexString: LARGE_BODY_PATH_REGEX,
                    textTransformations: [{ priority: 0, type: "NONE" }],
                  },
                },
              },
            },
          ],
        },
      });
    });

    it("exempts exactly the upload paths: no traversal, suffix, double slash or encoding gains the exemption", () => {
      expect(LARGE_BODY_PATHS).to.deep.equal([
        "/controller.php",
        "/library/ajax/upload.php",
        "/portal/import_template.php",
        "/portal/lib/doc_lib.php",
        "/portal/sign/lib/save-signature.php",
        "/portal/patient/api/onsitedocument",
      ]);
      // no capturing groups (AWS WAF refuses them), within RegexString's 512 characters
      expect(LARGE_BODY_PATH_REGEX).to.not.match(/\((?!\?:)/);
      expect(LARGE_BODY_PATH_REGEX.length).to.be.at.most(512);
      const exempt = new RegExp(LARGE_BODY_PATH_REGEX);
      for (const path of [...LARGE_BODY_PATHS, "/portal/patient/api/onsitedocument/42"]) {
        expect(exempt.test(path), path).to.equal(true);
      }
      for (const path of [
        "/controller.php/../interface/main/main_screen.php",
        "/library/ajax/upload.php/x",
        "//controller.php",
        "/controller%2ephp",
        "/controller.phpx",
        "/portal/patient/api/onsitedocument/42/x",
        "/portal/patient/api/onsitedocuments",
        "/interface/forms/soap/save.php",
        "/interface/main/main_screen.php",
      ]) {
        expect(exempt.test(path), path).to.equal(false);
      }
    });

    it("runs the AWS groups as they are, but counts SizeRestrictions_BODY and HostingProviderIPList", () => {
      const groups = rulesOf(p).flatMap((r) =>
        r.statement.managedRuleGroupStatement ? [r.statement.managedRuleGroupStatement] : [],
      );
      expect(groups.map((g) => g.vendorName)).to.deep.equal(Array(7).fill("AWS"));
      expect(
        Object.fromEntries(
          groups.map((g) => [
            g.name,
            (g.ruleActionOverrides ?? []).map((o) => [o.name, o.actionToUse]),
          ]),
        ),
      ).to.deep.equal({
        AWSManagedRulesAmazonIpReputationList: [],
        AWSManagedRulesAnonymousIpList: [["HostingProviderIPList", { count: {} }]],
        AWSManagedRulesCommonRuleSet: [["SizeRestrictions_BODY", { count: {} }]],
        AWSManagedRulesSQLiRuleSet: [],
        AWSManagedRulesKnownBadInputsRuleSet: [],
        AWSManagedRulesPHPRuleSet: [],
        AWSManagedRulesLinuxRuleSet: [],
      });
    });

    it("needs 1,498 WCUs, within the 1,500 of the web ACL's base price (published WCUs per group and statement)", () => {
      // AWS-published WCUs (docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-*)
      expect(MANAGED_RULE_GROUP_WCU).to.deep.equal({
        AWSManagedRulesAmazonIpReputationList: 25,
        AWSManagedRulesAnonymousIpList: 50,
        AWSManagedRulesCommonRuleSet: 700,
        AWSManagedRulesSQLiRuleSet: 200,
        AWSManagedRulesKnownBadInputsRuleSet: 200,
        AWSManagedRulesPHPRuleSet: 100,
        AWSManagedRulesLinuxRuleSet: 200,
      });
      const perRule = Object.fromEntries(rulesOf(p).map((r) => [r.name, webAclCapacity([r])]));
      expect(perRule).to.deep.equal({
        // rate-based 2
        "rate-limit-per-ip": 2,
        // rate-based 2 + OR(regex 3 + URL_DECODE 10, exact string match 2)
        "rate-limit-login": 17,
        AWSManagedRulesAmazonIpReputationList: 25,
        AWSManagedRulesAnonymousIpList: 50,
        // AND(size constraint 1, NOT(regex 3))
        "block-oversized-body": 4,
        AWSManagedRulesCommonRuleSet: 700,
        AWSManagedRulesSQLiRuleSet: 200,
        AWSManagedRulesKnownBadInputsRuleSet: 200,
        AWSManagedRulesPHPRuleSet: 100,
        AWSManagedRulesLinuxRuleSet: 200,
      });
      expect(webAclCapacity(rulesOf(p))).to.equal(1498);
      expect(WEB_ACL_BASE_CAPACITY).to.equal(1500);
    });

    it("logs what it blocked or counted, cookies and authorization redacted, to a KMS-encrypted aws-waf-logs-* group", () => {
      const group = p.named("edge-waf-logs", LOG_GROUP);
      expect(group.props).to.deep.include({
        name: "aws-waf-logs-edge-waf",
        retentionInDays: 365,
        kmsKeyId: p.outputs.keyArn,
      });
      expect(group.opts.protect).to.equal(true);
      const logging = p.named("edge-waf-logging", LOGGING);
      expect(p.dependenciesOf(logging, "resourceArn").map((r) => r.name)).to.deep.equal([
        "edge-waf-acl",
      ]);
      expect(p.dependenciesOf(logging, "logDestinationConfigs").map((r) => r.name)).to.deep.equal([
        "edge-waf-logs",
      ]);
      expect(logging.props.loggingFilter).to.deep.equal({
        defaultBehavior: "DROP",
        filters: [
          {
            behavior: "KEEP",
            requirement: "MEETS_ANY",
            conditions: [
              { actionCondition: { action: "BLOCK" } },
              { actionCondition: { action: "COUNT" } },
              { actionCondition: { action: "EXCLUDED_AS_COUNT" } },
            ],
          },
        ],
      });
      expect(logging.props.redactedFields).to.deep.equal([
        { singleHeader: { name: "cookie" } },
        { singleHeader: { name: "authorization" } },
      ]);
    });

    it("associates the web ACL with the given load balancer", () => {
      const association = p.named("edge-waf-association", ASSOCIATION);
      expect(p.dependenciesOf(association, "resourceArn").map((r) => r.name)).to.deep.equal([
        "edge-alb",
      ]);
      expect(p.dependenciesOf(association, "webAclArn").map((r) => r.name)).to.deep.equal([
        "edge-waf-acl",
      ]);
    });

    it("sets names, descriptions and metric names AWS accepts (tools/aws-rules)", () => {
      expect(checkAwsRules(p.plan)).to.deep.equal([]);
    });
  });

  describe("count mode, login limit of 50", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(build("count", 50));
    });

    it("only counts, with every rule, and keeps the in-group overrides", () => {
      for (const r of rulesOf(p)) {
        expect(r.action ?? r.overrideAction, r.name).to.deep.equal({ count: {} });
      }
      expect(
        ruleNamed(p, "AWSManagedRulesCommonRuleSet").statement.managedRuleGroupStatement
          ?.ruleActionOverrides,
      ).to.deep.equal([{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }]);
      expect(ruleNamed(p, "rate-limit-login").statement.rateBasedStatement?.limit).to.equal(50);
    });
  });

  describe("webFirewallRules and webAclCapacity", () => {
    it("refuse rate limits AWS refuses (10 to 2,000,000,000 requests)", () => {
      const rules = (rateLimit: number, loginRateLimit: number) => () =>
        webFirewallRules("edge-waf", { rateLimit, loginRateLimit, mode: "block" });
      expect(rules(3000, 9)).to.throw(/loginRateLimit 9 is not an integer from 10 to 2000000000/);
      expect(rules(2_000_000_001, 100)).to.throw(/rateLimit 2000000001/);
      expect(rules(3000, 10.5)).to.throw(/loginRateLimit 10.5/);
      expect(rules(10, 10)).to.not.throw();
    });

    it("price text transformations, CONTAINS and All query parameters as AWS documents, and refuse what they cannot price", () => {
      const rule = (statement: Record<string, unknown>) => [{ name: "r", statement }];
      expect(
        webAclCapacity(
          rule({
            byteMatchStatement: {
              fieldToMatch: { allQueryArguments: {} },
              positionalConstraint: "CONTAINS",
              searchString: "x",
              textTransformations: [
                { priority: 0, type: "URL_DECODE" },
                { priority: 1, type: "LOWERCASE" },
              ],
            },
          }),
        ),
      ).to.equal(10 + 10 + 20);
      expect(() =>
        webAclCapacity(
          rule({
            managedRuleGroupStatement: {
              vendorName: "AWS",
              name: "AWSManagedRulesBotControlRuleSet",
            },
          }),
        ),
      ).to.throw(/no published WCU for managed rule group AWSManagedRulesBotControlRuleSet/);
      expect(() => webAclCapacity(rule({ xssMatchStatement: {} }))).to.throw(
        /no WCU rule for xssMatchStatement/,
      );
    });
  });
});
