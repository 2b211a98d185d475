// A stack's monthly AWS Budgets cost budget: alerts at 80 % of the forecast and 100 % of the actual
// spend, to the stack's alarm topic and straight to the alarm e-mail, and the topic policy that lets
// AWS Budgets (and CloudWatch alarms) publish to that topic.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/**
 * Budgets API limits (botocore 1.43.11, budgets/2016-10-20/service-2.json):
 * - BudgetName: min 1, max 100, pattern
 *   `^(?![^:\\]*\/action\/|(?i).*<script>.*<\/script>.*)[^:\\]+$`: no ":" and no "\", no
 *   "/action/" substring, no `<script>…</script>` ("The : and \ characters, and the "/action/"
 *   substring, aren't allowed in BudgetName").
 * - Spend.Amount (BudgetLimit): NumericValue, a string matching `([0-9]*\.)?[0-9]+`.
 * - NotificationWithSubscribers: "one SNS subscriber and up to 10 email subscribers".
 */
export const BUDGET_LIMITS = {
  nameMax: 100,
  emailSubscribers: 10,
  snsSubscribers: 1,
} as const;

/** The largest monthly amount the program accepts (a typo guard, not an AWS limit). */
export const MONTHLY_BUDGET_MAX_USD = 100_000;

/** The two alerts every budget has (Budgets Notification: type, operator, threshold in %). */
export const BUDGET_ALERTS = [
  { notificationType: "FORECASTED", comparisonOperator: "GREATER_THAN", threshold: 80 },
  { notificationType: "ACTUAL", comparisonOperator: "GREATER_THAN", threshold: 100 },
] as const;

/** A user-defined cost-allocation tag: the budget then counts only costs that carry it. */
export interface CostAllocationTag {
  key: string;
  value: string;
}

export interface MonthlyBudgetArgs {
  /** The budget amount in USD a month (at most 2 decimals). */
  monthlyUsd: number;
  /** The stack's alarm topic (monitoring().topic): the budget publishes to it. */
  topic: aws.sns.Topic;
  /** Also notified directly by AWS Budgets (not through the topic) when set. */
  email?: string;
  /** The deployment region: the CloudWatch alarm ARNs in the topic policy. */
  region: string;
  /**
   * Count only the costs carrying this user-defined tag (`user:<key>$<value>`). Undefined, the
   * default: the budget counts the whole account. A tag filter matches nothing until the tag is
   * on the stack's resources AND activated as a cost-allocation tag in the Billing console (by the
   * management account), so a filtered budget on an inactive tag reads $0 and never alerts.
   */
  costAllocationTag?: CostAllocationTag;
}

export interface MonthlyBudget {
  budget: aws.budgets.Budget;
  /** The alarm topic's whole access policy (an SNS topic has exactly one). */
  topicPolicy: aws.sns.TopicPolicy;
}

/** Pure: a problem with the monthly amount, or undefined. */
export function monthlyBudgetProblem(usd: number): string | undefined {
  const cents = usd * 100;
  if (
    !Number.isFinite(usd) ||
    usd <= 0 ||
    usd > MONTHLY_BUDGET_MAX_USD ||
    Math.abs(cents - Math.round(cents)) > 1e-6
  ) {
    return `monthly budget ${String(usd)} must be a USD amount above 0 and at most ${MONTHLY_BUDGET_MAX_USD}, in whole cents`;
  }
  return undefined;
}

/** Pure: the Spend.Amount string, dollars and cents ("30.00"). Throws on an invalid amount. */
export function budgetAmount(usd: number): string {
  const problem = monthlyBudgetProblem(usd);
  if (problem) throw new Error(`monthlyBudget: ${problem}`);
  return usd.toFixed(2);
}

/** Pure: a problem with a budget name (Budgets API BudgetName), or undefined. */
export function budgetNameProblem(budgetName: string): string | undefined {
  if (
    budgetName.length < 1 ||
    budgetName.length > BUDGET_LIMITS.nameMax ||
    /[:\\]/.test(budgetName) ||
    budgetName.includes("/action/") ||
    /<script>.*<\/script>/i.test(budgetName)
  ) {
    return `budget name ${JSON.stringify(budgetName)} must be 1 to ${BUDGET_LIMITS.nameMax} characters without ":", "\\", "/action/" or a <script> element`;
  }
  return undefined;
}

/** Pure: the budget's name, `<name>-monthly` (`openemr-<stack>-monthly`). */
export function budgetName(name: string): string {
  const result = `${name}-monthly`;
  const problem = budgetNameProblem(result);
  if (problem) throw new Error(`monthlyBudget: ${problem}`);
  return result;
}

// AWS tag keys and values: letters, digits, spaces and _ . : / = + - @ (keys 1-128, values 0-256);
// "$" is none of them, so it separates key and value unambiguously in TagKeyValue
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/**
 * Pure: the TagKeyValue cost-filter value of a user-defined tag, `user:<key>$<value>`. User-defined
 * cost-allocation tags carry the `user:` prefix in Budgets filters (AWS Cost Management User Guide,
 * "Filtering budgets", budgets-create-filters.html, as cited by hashicorp/terraform-provider-aws
 * #40987 and its docs fix #41085; the `user:business-unit$human_resources` example of @pulumi/aws
 * 7.48.0 budgets/budget.d.ts). AWS-generated tags carry `aws:` instead and are not accepted here.
 */
export function tagKeyValue(tag: CostAllocationTag): string {
  if (!TAG_KEY.test(tag.key) || tag.key.startsWith("aws:") || !TAG_VALUE.test(tag.value)) {
    throw new Error(
      `monthlyBudget: cost-allocation tag ${JSON.stringify(tag)} must have a user-defined key (1-128 characters, not aws:) and a value of 0-256 tag characters`,
    );
  }
  return `user:${tag.key}$${tag.value}`;
}

/**
 * Pure: the alarm topic's access policy. A TopicPolicy replaces the topic's whole policy (SNS
 * SetTopicAttributes "Policy"), including SNS's default statement, so this one keeps what that
 * default gave and names each service that publishes:
 * - the account administers the topic (the actions of SNS's default statement);
 * - CloudWatch alarms of this account and region publish (AWS re:Post knowledge center
 *   "cloudwatch-receive-sns-for-alarm-trigger": cloudwatch.amazonaws.com, sns:Publish, restricted by
 *   aws:SourceArn to the account's alarms);
 * - AWS Budgets of this account publishes (AWS Cost Management User Guide, "Creating an Amazon SNS
 *   topic for budget notifications", budgets-sns-policy.html: budgets.amazonaws.com, SNS:Publish,
 *   aws:SourceAccount = the account, aws:SourceArn like `arn:<partition>:budgets::<account>:*`).
 * Every other publisher of the topic (an EventBridge rule, AWS Backup) must be added here, not in a
 * second TopicPolicy: the last one written would win.
 */
export function alarmTopicPolicy(
  topicArn: string,
  account: string,
  region: string,
  partition: string,
): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministersTopic",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: [
          "SNS:GetTopicAttributes",
          "SNS:SetTopicAttributes",
          "SNS:AddPermission",
          "SNS:RemovePermission",
          "SNS:DeleteTopic",
          "SNS:Subscribe",
          "SNS:ListSubscriptionsByTopic",
          "SNS:Publish",
        ],
        Resource: topicArn,
      },
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "SNS:Publish",
        Resource: topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": account },
          ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
        },
      },
      {
        // EventBridge rules of this account that forward AWS's own failure events (DLM)
        Sid: "EventBridgeRulesPublish",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "SNS:Publish",
        Resource: topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": account },
          ArnLike: { "aws:SourceArn": `arn:${partition}:events:${region}:${account}:rule/*` },
        },
      },
      {
        Sid: "BudgetsPublish",
        Effect: "Allow",
        Principal: { Service: "budgets.amazonaws.com" },
        Action: "SNS:Publish",
        Resource: topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": account },
          ArnLike: { "aws:SourceArn": `arn:${partition}:budgets::${account}:*` },
        },
      },
    ],
  };
}

/**
 * The stack's monthly cost budget (AWS Budgets, COST, MONTHLY, USD), with two alerts: the
 * forecast passes 80 % of the amount, the actual spend passes 100 %. Each alert goes to the alarm
 * topic and, when set, straight to the alarm e-mail: the direct e-mail needs no SNS confirmation
 * and still arrives if the topic refuses Budgets (a customer-managed key whose policy does not
 * yet let budgets.amazonaws.com use it); subscribers of both receive the alert twice.
 *
 * Scope: the whole account unless `costAllocationTag` is given. A forecast alert waits until AWS
 * has enough of the account's cost history to forecast; the actual alert needs none. Budgets data
 * is updated up to three times a day, so this is a bill alarm, not a runaway stop.
 *
 * Price: the account's first two budgets are free, each further one $0.02 a day.
 *
 * Resources are the caller's children (like monitoring()).
 */
export function monthlyBudget(
  name: string,
  args: MonthlyBudgetArgs,
  opts: pulumi.CustomResourceOptions,
): MonthlyBudget {
  const limitAmount = budgetAmount(args.monthlyUsd);
  const budgetNameValue = budgetName(name);
  // CostFilters is deprecated in the Budgets API since 2025-04-18 in favour of FilterExpression
  // with Metrics (botocore's model) but still accepted; it is only used for the opt-in tag scope,
  // whose TagKeyValue syntax is documented (FilterExpression's tag key syntax could not be checked)
  const costFilters = args.costAllocationTag
    ? [{ name: "TagKeyValue", values: [tagKeyValue(args.costAllocationTag)] }]
    : undefined;

  const identity = aws.getCallerIdentityOutput({}, opts);
  const partition = aws.getPartitionOutput({}, opts).partition;
  const topicPolicy = new aws.sns.TopicPolicy(
    `${name}-alarms-policy`,
    {
      arn: args.topic.arn,
      policy: pulumi
        .all([args.topic.arn, identity.accountId, partition])
        .apply(([arn, account, part]) =>
          JSON.stringify(alarmTopicPolicy(arn, account, args.region, part)),
        ),
    },
    opts,
  );

  const emails = args.email ? [args.email] : undefined;
  const budget = new aws.budgets.Budget(
    `${name}-budget`,
    {
      name: budgetNameValue,
      budgetType: "COST",
      timeUnit: "MONTHLY",
      limitAmount,
      limitUnit: "USD",
      costFilters,
      notifications: BUDGET_ALERTS.map((alert) => ({
        ...alert,
        thresholdType: "PERCENTAGE",
        subscriberEmailAddresses: emails,
        subscriberSnsTopicArns: [args.topic.arn],
      })),
    },
    // the topic lets Budgets publish before a notification names it (the Budgets user guide lists
    // the errors a topic whose policy does not gives)
    { ...opts, dependsOn: [topicPolicy] },
  );
  return { budget, topicPolicy };
}
