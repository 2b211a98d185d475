import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { retainedLogGroup } from "../logs/log-group";

/** AWS managed rule groups the web ACL runs, in priority order after the rate limit. */
export const MANAGED_RULE_GROUPS = [
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesSQLiRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
] as const;

/**
 * Rules of the common rule set that only count: OpenEMR uploads scanned documents and posts long
 * clinical notes, which the 8 KB body-size rule would block.
 */
export const COUNTED_COMMON_RULES = ["SizeRestrictions_BODY"] as const;

export interface WebFirewallArgs {
  /** The regional resource to protect (an Application Load Balancer ARN). */
  resourceArn: pulumi.Input<string>;
  /** Requests per source IP per 5 minutes before that IP is blocked (or counted). */
  rateLimit: number;
  /** "block" enforces every rule; "count" only records what would have been blocked. */
  mode: "block" | "count";
  logRetentionDays: number;
  logKmsKeyArn: pulumi.Input<string>;
  protect: boolean;
}

/**
 * A regional WAFv2 web ACL on the load balancer: a per-IP rate limit and the AWS common,
 * SQL-injection and known-bad-inputs rule groups, with blocked and counted requests logged to a
 * KMS-encrypted log group (cookies and authorization headers redacted).
 */
export class WebFirewall extends pulumi.ComponentResource {
  public readonly webAcl: aws.wafv2.WebAcl;
  public readonly logGroup: aws.cloudwatch.LogGroup;

  constructor(name: string, args: WebFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:waf:WebFirewall", name, {}, opts);
    const child = { parent: this };
    const metric = (suffix: string) => ({
      cloudwatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${name}-${suffix}`,
    });
    const enforce = args.mode === "block";

    const rules: aws.types.input.wafv2.WebAclRule[] = [
      {
        name: "rate-limit-per-ip",
        priority: 0,
        action: enforce ? { block: {} } : { count: {} },
        statement: {
          rateBasedStatement: {
            limit: args.rateLimit,
            aggregateKeyType: "IP",
            evaluationWindowSec: 300,
          },
        },
        visibilityConfig: metric("rate-limit"),
      },
      ...MANAGED_RULE_GROUPS.map((group, i): aws.types.input.wafv2.WebAclRule => ({
        name: group,
        priority: i + 1,
        overrideAction: enforce ? { none: {} } : { count: {} },
        statement: {
          managedRuleGroupStatement: {
            vendorName: "AWS",
            name: group,
            ...(group === "AWSManagedRulesCommonRuleSet"
              ? {
                  ruleActionOverrides: COUNTED_COMMON_RULES.map((rule) => ({
                    name: rule,
                    actionToUse: { count: {} },
                  })),
                }
              : {}),
          },
        },
        visibilityConfig: metric(group),
      })),
    ];

    this.webAcl = new aws.wafv2.WebAcl(
      `${name}-acl`,
      {
        name: `${name}-acl`,
        description: `${name}: rate limit and AWS managed rules in front of OpenEMR`,
        scope: "REGIONAL",
        defaultAction: { allow: {} },
        rules,
        visibilityConfig: metric("acl"),
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
