// monthlyBudget() on its own: an AWS Budgets monthly COST budget in USD with a forecast alert at 80 %
// and an actual alert at 100 %, each to the alarm topic and (when set) the alarm e-mail; the whole
// account unless a cost-allocation tag scopes it; and the alarm topic's one access policy, which
// lets the account, CloudWatch alarms and AWS Budgets (with source conditions) use the topic.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  BUDGET_ALERTS,
  BUDGET_LIMITS,
  alarmTopicPolicy,
  budgetAmount,
  budgetName,
  budgetNameProblem,
  monthlyBudget,
  monthlyBudgetProblem,
  tagKeyValue,
} from "../../components/alarms/budget";
import { monitoring } from "../../components/alarms/monitoring";
import { DEFAULT_MONTHLY_BUDGET_USD } from "../../presets/common";
import { STACK_NAME_MAX } from "../../components/naming/aws-names";
import { PRESETS } from "../../presets/common";
import { MOCK_ACCOUNT } from "../../tools/plan/mocks";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const BUDGET = "aws:budgets/budget:Budget";
const TOPIC = "aws:sns/topic:Topic";
const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";

function build(
  name: string,
  args: { monthlyUsd: number; email?: string; tag?: { key: string; value: string } },
) {
  return () => {
    const key = new aws.kms.Key("tier-key", { description: "test" });
    const tier = new pulumi.ComponentResource("test:index:Tier", "tier");
    const m = monitoring(name, { email: args.email, kmsKeyArn: key.arn }, { parent: tier });
    const b = monthlyBudget(
      name,
      {
        monthlyUsd: args.monthlyUsd,
        topic: m.topic,
        email: args.email,
        region: "us-east-1",
        costAllocationTag: args.tag,
      },
      { parent: tier },
    );
    return { topicArn: m.topic.arn, budgetName: b.budget.name };
  };
}

describe("monthlyBudget", () => {
  describe("account-wide, with an e-mail address", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(build("openemr-test", { monthlyUsd: 30, email: "ops@example.org" }));
    });

    it("creates the budget and the topic policy, children of the caller's parent", () => {
      const tier = p.named("tier", "test:index:Tier");
      expect(inventory(p.resources.filter((r) => r.parent === tier.urn))).to.have.members([
        `${TOPIC}::openemr-test-alarms`,
        `${SUBSCRIPTION}::openemr-test-alarms-email`,
        `${TOPIC_POLICY}::openemr-test-alarms-policy`,
        `${BUDGET}::openemr-test-budget`,
      ]);
    });

    it("is a monthly COST budget of $30.00 named openemr-<stack>-monthly, over the whole account", () => {
      const budget = p.named("openemr-test-budget", BUDGET);
      const { notifications, ...settings } = budget.props;
      expect(settings).to.deep.equal({
        name: "openemr-test-monthly",
        budgetType: "COST",
        timeUnit: "MONTHLY",
        limitAmount: "30.00",
        limitUnit: "USD",
      });
      expect(notifications).to.have.length(2);
      expect(budget.props).to.not.have.property("costFilters");
      expect(budget.props).to.not.have.property("filterExpression");
      expect(budget.props).to.not.have.property("accountId"); // the deploying account
      expect(budget.props.limitAmount).to.match(/^([0-9]*\.)?[0-9]+$/); // Spend.Amount
      expect(budgetNameProblem(budget.props.name as string)).to.equal(undefined);
    });

    it("alerts at 80 % of the forecast and 100 % of the actual spend, to the topic and the e-mail", () => {
      const budget = p.named("openemr-test-budget", BUDGET);
      expect(budget.props.notifications).to.deep.equal([
        {
          notificationType: "FORECASTED",
          comparisonOperator: "GREATER_THAN",
          threshold: 80,
          thresholdType: "PERCENTAGE",
          subscriberEmailAddresses: ["ops@example.org"],
          subscriberSnsTopicArns: [p.outputs.topicArn],
        },
        {
          notificationType: "ACTUAL",
          comparisonOperator: "GREATER_THAN",
          threshold: 100,
          thresholdType: "PERCENTAGE",
          subscriberEmailAddresses: ["ops@example.org"],
          subscriberSnsTopicArns: [p.outputs.topicArn],
        },
      ]);
      expect(p.outputs.topicArn).to.equal(
        `arn:aws:sns:us-east-1:${MOCK_ACCOUNT}:openemr-test-alarms`,
      );
      expect(p.dependenciesOf(budget, "notifications").map((r) => r.name)).to.deep.equal([
        "openemr-test-alarms",
      ]);
    });

    it("replaces the topic's policy with one that lets the account, CloudWatch alarms, EventBridge rules and Budgets in, before the budget exists", () => {
      const policy = p.named("openemr-test-alarms-policy", TOPIC_POLICY);
      const arn = p.outputs.topicArn as string;
      expect(policy.props.arn).to.equal(arn);
      expect(p.dependenciesOf(policy, "arn").map((r) => r.name)).to.deep.equal([
        "openemr-test-alarms",
      ]);
      const document = JSON.parse(policy.props.policy as string) as unknown;
      expect(document).to.deep.equal(alarmTopicPolicy(arn, MOCK_ACCOUNT, "us-east-1", "aws"));
      expect(document).to.deep.equal({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountAdministersTopic",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT}:root` },
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
            Resource: arn,
          },
          {
            Sid: "CloudWatchAlarmsPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "SNS:Publish",
            Resource: arn,
            Condition: {
              StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT },
              ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:us-east-1:${MOCK_ACCOUNT}:alarm:*` },
            },
          },
          {
            Sid: "EventBridgeRulesPublish",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "SNS:Publish",
            Resource: arn,
            Condition: {
              StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT },
              ArnLike: { "aws:SourceArn": `arn:aws:events:us-east-1:${MOCK_ACCOUNT}:rule/*` },
            },
          },
          {
            Sid: "BudgetsPublish",
            Effect: "Allow",
            Principal: { Service: "budgets.amazonaws.com" },
            Action: "SNS:Publish",
            Resource: arn,
            Condition: {
              StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT },
              ArnLike: { "aws:SourceArn": `arn:aws:budgets::${MOCK_ACCOUNT}:*` },
            },
          },
        ],
      });
      const budget = p.named("openemr-test-budget", BUDGET);
      expect(p.dependsOn(budget).map((r) => r.name)).to.deep.equal(["openemr-test-alarms-policy"]);
    });

    it("creates exactly one policy for the topic", () => {
      expect(p.ofType(TOPIC_POLICY)).to.have.length(1);
    });
  });

  describe("scoped to a cost-allocation tag, without an e-mail address", () => {
    const name = "openemr-clinic-north-eastern-region-prod"; // a 40-character stack name
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(
        build(name, {
          monthlyUsd: 193.5,
          tag: { key: "openemr-stack", value: "clinic-north-eastern-region-prod" },
        }),
      );
    });

    it("counts only costs tagged user:openemr-stack$<stack>", () => {
      expect(p.named(`${name}-budget`, BUDGET).props.costFilters).to.deep.equal([
        { name: "TagKeyValue", values: ["user:openemr-stack$clinic-north-eastern-region-prod"] },
      ]);
    });

    it("writes the amount in dollars and cents and keeps a long stack's name within the API's limits", () => {
      const budget = p.named(`${name}-budget`, BUDGET);
      expect(budget.props.limitAmount).to.equal("193.50");
      expect(budget.props.name).to.equal(`${name}-monthly`);
      expect((budget.props.name as string).length).to.be.at.most(BUDGET_LIMITS.nameMax);
    });

    it("notifies the topic alone, each alert with at most one SNS subscriber", () => {
      const notifications = p.named(`${name}-budget`, BUDGET).props.notifications as Record<
        string,
        unknown
      >[];
      expect(notifications.map((n) => n.notificationType)).to.deep.equal(["FORECASTED", "ACTUAL"]);
      for (const n of notifications) {
        expect(n).to.not.have.property("subscriberEmailAddresses");
        expect(n.subscriberSnsTopicArns).to.deep.equal([p.outputs.topicArn]);
        expect(n.subscriberSnsTopicArns).to.have.length.at.most(BUDGET_LIMITS.snsSubscribers);
      }
      expect(p.ofType(SUBSCRIPTION)).to.deep.equal([]);
    });
  });

  describe("the pure parts", () => {
    it("formats amounts as Spend.Amount strings with two decimals", () => {
      expect(budgetAmount(30)).to.equal("30.00");
      expect(budgetAmount(18.5)).to.equal("18.50");
      expect(budgetAmount(0.01)).to.equal("0.01");
      expect(budgetAmount(1234.56)).to.equal("1234.56");
      expect(budgetAmount(0.1 + 0.2)).to.equal("0.30"); // binary noise is not a third decimal
    });

    it("refuses amounts that are not positive whole cents up to the cap", () => {
      for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, 12.345, 100_000.01]) {
        expect(monthlyBudgetProblem(bad), String(bad)).to.match(/must be a USD amount above 0/);
        expect(() => budgetAmount(bad), String(bad)).to.throw(/monthlyBudget: monthly budget/);
      }
      expect(monthlyBudgetProblem(100_000)).to.equal(undefined);
    });

    it("names budgets within BudgetName's 1-100 characters and refuses ':', '\\', /action/ and <script>", () => {
      expect(budgetName("openemr-dev")).to.equal("openemr-dev-monthly");
      const longest = `openemr-${"a".repeat(STACK_NAME_MAX)}`;
      expect(budgetName(longest)).to.have.length.at.most(BUDGET_LIMITS.nameMax);
      for (const ok of ["a", "x".repeat(100), "openemr dev/monthly", "team_a.b-c"]) {
        expect(budgetNameProblem(ok), ok).to.equal(undefined);
      }
      for (const bad of [
        "",
        "x".repeat(101),
        "openemr:dev",
        "openemr\\dev",
        "a/action/b",
        "x<SCRIPT>alert(1)</script>",
      ]) {
        expect(budgetNameProblem(bad), bad).to.match(/must be 1 to 100 characters/);
      }
      expect(() => budgetName("openemr:dev")).to.throw(/monthlyBudget: budget name/);
    });

    it("writes user-defined tags as user:<key>$<value> and refuses aws: keys and odd characters", () => {
      expect(tagKeyValue({ key: "openemr-stack", value: "prod" })).to.equal(
        "user:openemr-stack$prod",
      );
      expect(tagKeyValue({ key: "cost center", value: "" })).to.equal("user:cost center$");
      for (const bad of [
        { key: "", value: "prod" },
        { key: "aws:createdBy", value: "x" },
        { key: "a$b", value: "prod" },
        { key: "openemr-stack", value: "pr$od" },
        { key: "k".repeat(129), value: "v" },
      ]) {
        expect(() => tagKeyValue(bad), JSON.stringify(bad)).to.throw(/cost-allocation tag/);
      }
    });

    it("has two alerts, forecast before actual, under Budgets' limit of notifications", () => {
      expect(BUDGET_ALERTS.map((a) => `${a.notificationType} ${a.threshold}`)).to.deep.equal([
        "FORECASTED 80",
        "ACTUAL 100",
      ]);
      expect(BUDGET_ALERTS.length).to.be.at.most(10); // NotificationWithSubscribersList max
    });

    it("has a valid default amount for every preset, each above the one before", () => {
      expect(Object.keys(DEFAULT_MONTHLY_BUDGET_USD)).to.have.members([...PRESETS]);
      const amounts = PRESETS.map((preset) => DEFAULT_MONTHLY_BUDGET_USD[preset]);
      for (const usd of amounts) expect(monthlyBudgetProblem(usd), String(usd)).to.equal(undefined);
      expect([...amounts].sort((a, b) => a - b)).to.deep.equal(amounts);
    });

    it("refuses a bad amount when building, with the reason", async () => {
      let failure: unknown;
      try {
        await planComponent(build("openemr-test", { monthlyUsd: 12.345 }));
      } catch (err) {
        failure = err;
      }
      expect(String(failure)).to.match(/monthlyBudget: monthly budget 12\.345/);
    });
  });
});
