import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { retainedLogGroup } from "../logs/log-group";

type Rule = aws.types.input.wafv2.WebAclRule;

/**
 * AWS managed rule groups the web ACL runs, in evaluation order, with their web ACL capacity units
 * (WCU) as AWS publishes them:
 * - IP reputation and anonymous IP lists (25, 50):
 *   https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-ip-rep.html
 * - core rule set and known bad inputs (700, 200):
 *   https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html
 * - SQL database, PHP application, Linux operating system (200, 100, 200):
 *   https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-use-case.html
 * None of them has a subscription fee (only Bot Control, ATP, ACFP and Anti-DDoS do).
 */
export const MANAGED_RULE_GROUP_WCU = {
  AWSManagedRulesAmazonIpReputationList: 25,
  AWSManagedRulesAnonymousIpList: 50,
  AWSManagedRulesCommonRuleSet: 700,
  AWSManagedRulesSQLiRuleSet: 200,
  AWSManagedRulesKnownBadInputsRuleSet: 200,
  AWSManagedRulesPHPRuleSet: 100,
  AWSManagedRulesLinuxRuleSet: 200,
} as const;

export type ManagedRuleGroup = keyof typeof MANAGED_RULE_GROUP_WCU;

/** The managed groups in evaluation order: the cheap source-IP lists before the content rules. */
export const MANAGED_RULE_GROUPS: readonly ManagedRuleGroup[] = [
  "AWSManagedRulesAmazonIpReputationList",
  "AWSManagedRulesAnonymousIpList",
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesSQLiRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesPHPRuleSet",
  "AWSManagedRulesLinuxRuleSet",
];

/**
 * Rules of the managed groups that only count:
 * - SizeRestrictions_BODY blocks every body over 8 KB, uploads included; the block-oversized-body
 *   rule below blocks them instead, except where OpenEMR takes documents.
 * - HostingProviderIPList blocks cloud and hosting providers' addresses, where the FHIR/REST API
 *   clients and SMART apps OpenEMR serves run; anonymizers (AnonymousIPList) stay blocked.
 */
export const COUNTED_MANAGED_RULES: Readonly<Partial<Record<ManagedRuleGroup, readonly string[]>>> =
  {
    AWSManagedRulesCommonRuleSet: ["SizeRestrictions_BODY"],
    AWSManagedRulesAnonymousIpList: ["HostingProviderIPList"],
  };

/**
 * Behind an Application Load Balancer AWS WAF sees only the first 8 KB (8,192 bytes) of a body,
 * fixed (API Body, OversizeHandling: "For Application Load Balancer and AWS AppSync, the limit is
 * fixed at 8 KB"): https://docs.aws.amazon.com/waf/latest/APIReference/API_Body.html. A body
 * larger than that is partly uninspected, so the rule that matches it uses OversizeHandling MATCH.
 */
export const ALB_BODY_INSPECTION_LIMIT = 8192;

/**
 * Where OpenEMR takes documents and files, the only paths where a body over 8 KB is let through
 * (still inspected in its first 8 KB). From the OpenEMR source (github.com/openemr/openemr):
 * - /controller.php: the Documents module; templates/documents/general_upload.html posts the
 *   multipart upload to controller.php?document&upload (C_Document), CCR/CCD imports included
 * - /library/ajax/upload.php: the drag-and-drop uploader of core and portal documents
 * - /portal/import_template.php: document template uploads ($_FILES['template_files']) and saves
 * - /portal/lib/doc_lib.php: portal documents posted as HTML, rendered to PDF and charted
 * - /portal/sign/lib/save-signature.php: signatures posted as base64 image data
 * - /portal/patient/api/onsitedocument[/<id>]: portal documents saved with their whole HTML
 *   (POST/PUT routes of portal/patient/_app_config.php, rewritten by portal/patient/.htaccess)
 * interface/fax/* was checked and takes no client upload (faxes are read from the server).
 */
export const LARGE_BODY_PATHS = [
  "/controller.php",
  "/library/ajax/upload.php",
  "/portal/import_template.php",
  "/portal/lib/doc_lib.php",
  "/portal/sign/lib/save-signature.php",
  "/portal/patient/api/onsitedocument",
] as const;

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * One anchored regex over the raw URI path (3 WCU, whatever the number of paths). Anchored and
 * untransformed on purpose: a path that only resolves to an upload script after decoding or
 * normalization (`%2e`, `//`, `/../`, a suffix) does not match, so such a request loses the
 * exemption instead of gaining it. No capturing groups: AWS WAF does not support them
 * (https://docs.aws.amazon.com/waf/latest/developerguide/waf-regex-pattern-support.html).
 */
export const LARGE_BODY_PATH_REGEX = `^(?:${LARGE_BODY_PATHS.map((p) =>
  p === "/portal/patient/api/onsitedocument" ? `${escapeRegex(p)}(?:/[0-9]+)?` : escapeRegex(p),
).join("|")})$`;

/**
 * OpenEMR checks a password wherever `auth=login` is in the query string: library/auth.inc.php,
 * which interface/globals.php includes on every page that needs a session, logs in when
 * `$_GET['auth'] == "login"` and authUser/clearPass are posted. The login form
 * (interface/login/login.php, which itself only renders it) posts to
 * /interface/main/main_screen.php?auth=login&site=default, but any such page would do, so the login
 * limit matches the query argument, not that path. The query string is URL-decoded first, as PHP
 * decodes it (`%61uth=login` is auth=login to PHP); leading spaces of a name are dropped by PHP.
 */
export const STAFF_LOGIN_QUERY_REGEX = "(?:^|&)[ +]*auth=login(?:&|$)";

/**
 * The patient portal's login form (portal/index.php) posts to this script. Matched literally: a
 * percent-encoded variant of the path escapes this one limit (the general limit still applies);
 * decoding it too would cost 10 WCU more than the web ACL has left.
 */
export const PORTAL_LOGIN_PATH = "/portal/get_patient_info.php";

/** Default login attempts (and portal logins) per source IP per 5 minutes. */
export const DEFAULT_LOGIN_RATE_LIMIT = 100;

/** RateBasedStatement Limit: 10 to 2,000,000,000 (botocore wafv2 RateLimit). */
export const RATE_LIMIT_RANGE = { min: 10, max: 2_000_000_000 } as const;

/**
 * WCUs a web ACL gets for its base price; beyond 1,500 every 500 WCUs cost more per request.
 * https://docs.aws.amazon.com/waf/latest/developerguide/aws-waf-capacity-units.html
 */
export const WEB_ACL_BASE_CAPACITY = 1500;

export interface WebFirewallArgs {
  /** The regional resource to protect (an Application Load Balancer ARN). */
  resourceArn: pulumi.Input<string>;
  /** Requests per source IP per 5 minutes before that IP is blocked (or counted). */
  rateLimit: number;
  /** Login attempts (staff and portal) per source IP per 5 minutes; default 100. */
  loginRateLimit?: number;
  /** "block" enforces every rule; "count" only records what would have been blocked. */
  mode: "block" | "count";
  logRetentionDays: number;
  logKmsKeyArn: pulumi.Input<string>;
  protect: boolean;
}

export interface WebFirewallRuleOptions {
  rateLimit: number;
  loginRateLimit: number;
  mode: "block" | "count";
}

const NO_TRANSFORMATION = [{ priority: 0, type: "NONE" }];

/**
 * Pure: the web ACL's rules, in priority order:
 * 0 rate-limit-per-ip, 1 rate-limit-login, 2-3 the IP lists, 4 block-oversized-body, 5-9 the
 * content rule groups. 1,498 WCUs of the 1,500 (see webAclCapacity).
 */
export function webFirewallRules(name: string, o: WebFirewallRuleOptions): Rule[] {
  for (const [what, limit] of [
    ["rateLimit", o.rateLimit],
    ["loginRateLimit", o.loginRateLimit],
  ] as const) {
    if (!Number.isInteger(limit) || limit < RATE_LIMIT_RANGE.min || limit > RATE_LIMIT_RANGE.max) {
      throw new Error(
        `${name}: ${what} ${limit} is not an integer from ${RATE_LIMIT_RANGE.min} to ${RATE_LIMIT_RANGE.max} (AWS WAF rate-based statement limit)`,
      );
    }
  }
  const enforce = o.mode === "block";
  const action = enforce ? { block: {} } : { count: {} };
  const metric = (suffix: string) => ({
    cloudwatchMetricsEnabled: true,
    sampledRequestsEnabled: true,
    metricName: `${name}-${suffix}`,
  });
  const managed = (group: ManagedRuleGroup, priority: number): Rule => {
    const counted = COUNTED_MANAGED_RULES[group];
    return {
      name: group,
      priority,
      overrideAction: enforce ? { none: {} } : { count: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: "AWS",
          name: group,
          ...(counted
            ? {
                ruleActionOverrides: counted.map((rule) => ({
                  name: rule,
                  actionToUse: { count: {} },
                })),
              }
            : {}),
        },
      },
      visibilityConfig: metric(group),
    };
  };
  const [ipReputation, anonymousIp, ...contentGroups] = MANAGED_RULE_GROUPS;

  return [
    {
      name: "rate-limit-per-ip",
      priority: 0,
      action,
      statement: {
        // 300 s: the window the limit is stated in (allowed: 60, 120, 300, 600)
        rateBasedStatement: {
          limit: o.rateLimit,
          aggregateKeyType: "IP",
          evaluationWindowSec: 300,
        },
      },
      visibilityConfig: metric("rate-limit"),
    },
    {
      name: "rate-limit-login",
      priority: 1,
      action,
      statement: {
        rateBasedStatement: {
          limit: o.loginRateLimit,
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
                    searchString: PORTAL_LOGIN_PATH,
                    textTransformations: NO_TRANSFORMATION,
                  },
                },
              ],
            },
          },
        },
      },
      visibilityConfig: metric("rate-limit-login"),
    },
    managed(ipReputation, 2),
    managed(anonymousIp, 3),
    {
      name: "block-oversized-body",
      priority: 4,
      action,
      statement: {
        andStatement: {
          statements: [
            {
              // GT 8192 never holds for the 8 KB WAF receives: only OversizeHandling MATCH matches,
              // i.e. exactly the bodies WAF could not inspect whole
              sizeConstraintStatement: {
                fieldToMatch: { body: { oversizeHandling: "MATCH" } },
                comparisonOperator: "GT",
                size: ALB_BODY_INSPECTION_LIMIT,
                textTransformations: NO_TRANSFORMATION,
              },
            },
            {
              notStatement: {
                statement: {
                  regexMatchStatement: {
                    fieldToMatch: { uriPath: {} },
                    regexString: LARGE_BODY_PATH_REGEX,
                    textTransformations: NO_TRANSFORMATION,
                  },
                },
              },
            },
          ],
        },
      },
      visibilityConfig: metric("oversized-body"),
    },
    ...contentGroups.map((group, i) => managed(group, 5 + i)),
  ];
}

// ---------------------------------------------------------------------------------------------
// Web ACL capacity units, from the statement pages of the AWS WAF developer guide
// (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statements.html):
// string match 2 (EXACTLY, STARTS_WITH, ENDS_WITH) or 10 (CONTAINS, CONTAINS_WORD); regex match 3;
// size constraint 1; label match 1; +10 for All query parameters, base doubled for JSON body;
// +10 per text transformation; AND/OR/NOT: their nested statements; rate-based 2, +30 per custom
// key, + its scope-down; managed group: the group's WCU + its scope-down.

type Node = Record<string, unknown>;

function isNode(v: unknown): v is Node {
  if (pulumi.Output.isInstance(v) || v instanceof Promise) {
    throw new Error("webAclCapacity needs plain values, not Outputs");
  }
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function nodes(v: unknown): Node[] {
  return Array.isArray(v) ? v.filter(isNode) : [];
}

function matchCost(base: number, m: Node): number {
  const field = isNode(m.fieldToMatch) ? m.fieldToMatch : {};
  const transformations = nodes(m.textTransformations).filter((t) => t.type !== "NONE").length;
  return (
    ("jsonBody" in field ? base * 2 : base) +
    ("allQueryArguments" in field ? 10 : 0) +
    10 * transformations
  );
}

function statementCapacity(s: Node): number {
  const [kind, ...more] = Object.keys(s);
  if (kind === undefined || more.length > 0) {
    throw new Error(`a statement has one kind, not ${Object.keys(s).join(", ") || "none"}`);
  }
  const body = s[kind];
  if (!isNode(body)) throw new Error(`${kind} is not an object`);
  const scopeDown = isNode(body.scopeDownStatement)
    ? statementCapacity(body.scopeDownStatement)
    : 0;
  switch (kind) {
    case "andStatement":
    case "orStatement":
      return nodes(body.statements).reduce((sum, n) => sum + statementCapacity(n), 0);
    case "notStatement":
      if (!isNode(body.statement)) throw new Error("notStatement without a statement");
      return statementCapacity(body.statement);
    case "byteMatchStatement": {
      const exact = ["EXACTLY", "STARTS_WITH", "ENDS_WITH"].includes(
        String(body.positionalConstraint),
      );
      return matchCost(exact ? 2 : 10, body);
    }
    case "regexMatchStatement":
      return matchCost(3, body);
    case "sizeConstraintStatement":
      return matchCost(1, body);
    case "labelMatchStatement":
      return 1;
    case "rateBasedStatement":
      return 2 + 30 * nodes(body.customKeys).length + scopeDown;
    case "managedRuleGroupStatement": {
      const group = String(body.name);
      if (!Object.prototype.hasOwnProperty.call(MANAGED_RULE_GROUP_WCU, group)) {
        throw new Error(`no published WCU for managed rule group ${group}`);
      }
      return MANAGED_RULE_GROUP_WCU[group as ManagedRuleGroup] + scopeDown;
    }
    default:
      throw new Error(`no WCU rule for ${kind}`);
  }
}

/** Pure: the WCUs of a web ACL's rules (plain values, as built or as recorded in a plan). */
export function webAclCapacity(rules: readonly unknown[]): number {
  return rules.reduce<number>((sum, rule) => {
    if (!isNode(rule) || !isNode(rule.statement)) throw new Error("a rule without a statement");
    return sum + statementCapacity(rule.statement);
  }, 0);
}

/**
 * A regional WAFv2 web ACL for an Application Load Balancer (any tier's): a per-IP rate limit, a
 * stricter one on logins, the AWS IP-reputation and anonymous-IP lists, oversized bodies blocked
 * except where OpenEMR takes documents, and the AWS common, SQL-injection, known-bad-inputs, PHP and
 * Linux rule groups; blocked and counted requests logged to a KMS-encrypted log group (cookies and
 * authorization headers redacted).
 */
export class WebFirewall extends pulumi.ComponentResource {
  public readonly webAcl: aws.wafv2.WebAcl;
  public readonly logGroup: aws.cloudwatch.LogGroup;

  constructor(name: string, args: WebFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:waf:WebFirewall", name, {}, opts);
    const child = { parent: this };
    const rules = webFirewallRules(name, {
      rateLimit: args.rateLimit,
      loginRateLimit: args.loginRateLimit ?? DEFAULT_LOGIN_RATE_LIMIT,
      mode: args.mode,
    });
    const capacity = webAclCapacity(rules);
    if (capacity > WEB_ACL_BASE_CAPACITY) {
      throw new Error(
        `${name}: the rules need ${capacity} WCUs, over the ${WEB_ACL_BASE_CAPACITY} of the base price`,
      );
    }

    this.webAcl = new aws.wafv2.WebAcl(
      `${name}-acl`,
      {
        name: `${name}-acl`,
        description: `${name}: rate limit and AWS managed rules in front of OpenEMR`,
        scope: "REGIONAL",
        defaultAction: { allow: {} },
        rules,
        visibilityConfig: {
          cloudwatchMetricsEnabled: true,
          sampledRequestsEnabled: true,
          metricName: `${name}-acl`,
        },
      },
      child,
    );

    // WAF only logs to groups named aws-waf-logs-*
    this.logGroup = retainedLogGroup(
      `${name}-logs`,
      {
        logGroupName: `aws-waf-logs-${name}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyArn: args.logKmsKeyArn,
        protect: args.protect,
      },
      child,
    );
    new aws.wafv2.WebAclLoggingConfiguration(
      `${name}-logging`,
      {
        resourceArn: this.webAcl.arn,
        logDestinationConfigs: [this.logGroup.arn],
        // the load balancer's access logs record every request; WAF logs what it acted on
        loggingFilter: {
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
        },
        redactedFields: [
          { singleHeader: { name: "cookie" } },
          { singleHeader: { name: "authorization" } },
        ],
      },
      child,
    );
    new aws.wafv2.WebAclAssociation(
      `${name}-association`,
      { resourceArn: args.resourceArn, webAclArn: this.webAcl.arn },
      child,
    );
    this.registerOutputs({ webAclArn: this.webAcl.arn });
  }
}
