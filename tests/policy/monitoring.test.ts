import { expect } from "chai";
import { COMPUTED, type PlanFile } from "../../tools/plan/types";
import { policies } from "../../policy/policies";
import {
  dropDependency,
  dropResource,
  editProps,
  mutate,
  resource,
  retype,
  setProp,
  unsetProp,
  valueAt,
  type PlanEdit,
  type Target,
} from "../helpers/mutate";
import { ofType } from "../helpers/resources";
import {
  check,
  expectPass,
  expectViolation,
  express,
  expressPlus,
  fargate,
  standard,
  violationsOf,
} from "./verdict";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm";
const TOPIC = "aws:sns/topic:Topic";
const BUDGET = "aws:budgets/budget:Budget";

const PRESETS: Array<[string, () => Promise<PlanFile>]> = [
  ["express (dev)", express],
  ["express-plus (dev)", expressPlus],
  ["standard (staging)", standard],
  ["fargate (prod)", fargate],
];

/** Every metric alarm of the plan. */
const alarmsOf = (plan: PlanFile): Target[] => ofType(plan, ALARM).map((r) => [ALARM, r.name]);

/** The plan's alarms whose alarmActions come from another resource of the stack (the topic). */
const notifyingAlarms = (plan: PlanFile): Target[] =>
  ofType(plan, ALARM)
    .filter((r) => r.propertyDependencies["alarmActions"] !== undefined)
    .map((r) => [ALARM, r.name]);

/** The stack's one topic and budget (`<prefix>-alarms`, `<prefix>-budget`). */
const topicOf = (plan: PlanFile): Target => [TOPIC, `openemr-${plan.stack}-alarms`];
const budgetOf = (plan: PlanFile): Target => [BUDGET, `openemr-${plan.stack}-budget`];

/**
 * Asserts `policy` (alone: every other policy disabled) reports exactly one stack-level violation
 * (no resource: what is missing is not in the plan) that names the stack and the fix.
 */
async function expectStackViolation(
  plan: PlanFile,
  policy: string,
  says: string[],
  level: "mandatory" | "advisory" = "mandatory",
): Promise<void> {
  const only = Object.fromEntries(
    policies.filter((p) => p.name !== policy).map((p) => [p.name, "disabled"]),
  );
  const mine = violationsOf(await check(plan, only), policy);
  expect(mine, JSON.stringify(mine, null, 2)).to.have.length(1);
  expect(mine[0].urn).to.equal("");
  expect(mine[0].level).to.equal(level);
  expect(mine[0].message).to.include(`Stack "${plan.stack}"`);
  for (const snippet of says) {
    expect(mine[0].message).to.include(snippet);
  }
}

describe("cloudwatch-alarm-actions", () => {
  const policy = "cloudwatch-alarm-actions";
  const BACKUP: Target = [ALARM, "openemr-dev-backup-failed"];
  const TARGET_5XX: Target = [ALARM, "openemr-staging-lb-target-5xx"];
  const TASKS: Target = [ALARM, "openemr-prod-tasks-below-minimum"];
  const RECOVER: Target = [ALARM, "openemr-staging-web-auto-recover"];
  const RECOVER_ARN = "arn:aws:automate:us-east-1:ec2:recover";
  const TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:openemr-staging-alarms";

  for (const [preset, plan] of PRESETS) {
    it(`passes every alarm of the ${preset} plan`, async () => {
      const p = await plan();
      expect(alarmsOf(p)).to.have.length.greaterThan(3);
      await expectPass(p, policy, alarmsOf(p));
    });
  }
  it("catches an alarm without alarmActions", async () =>
    expectViolation(mutate(await express(), unsetProp(BACKUP, "alarmActions")), policy, {
      resource: "openemr-dev-backup-failed",
      says: ["no alarmActions", "alarm topic ARN to alarmActions"],
    }));
  it("catches an alarm without okActions", async () =>
    expectViolation(mutate(await standard(), unsetProp(TARGET_5XX, "okActions")), policy, {
      resource: "openemr-staging-lb-target-5xx",
      says: ["no okActions", "alarm topic ARN to okActions"],
    }));
  it("catches empty action lists, once each", async () =>
    expectViolation(
      mutate(await fargate(), setProp(TASKS, "alarmActions", []), setProp(TASKS, "okActions", [])),
      policy,
      {
        resource: "openemr-prod-tasks-below-minimum",
        count: 2,
        says: ["alarmActions", "okActions"],
      },
    ));
  it("catches an alarm whose actions are disabled", async () =>
    expectViolation(
      mutate(await standard(), setProp(TARGET_5XX, "actionsEnabled", false)),
      policy,
      {
        resource: "openemr-staging-lb-target-5xx",
        says: ["actionsEnabled: false", "notifies nobody"],
      },
    ));
  it("checks composite alarms too", async () =>
    expectViolation(
      mutate(
        await standard(),
        retype(TARGET_5XX, COMPOSITE),
        unsetProp([COMPOSITE, "openemr-staging-lb-target-5xx"], "okActions"),
      ),
      policy,
      { resource: "openemr-staging-lb-target-5xx", says: ["no okActions"] },
    ));
  it("counts actions unknown during preview (the topic's ARN) as given, without an advisory", async () => {
    await expectPass(
      mutate(
        await standard(),
        setProp(TARGET_5XX, "alarmActions", COMPUTED),
        setProp(TARGET_5XX, "okActions.0", COMPUTED),
      ),
      policy,
      TARGET_5XX,
    );
  });

  describe("the EC2 auto-recover exemption", () => {
    it("passes the auto-recover alarm, whose only action is ec2:recover and which has no okActions", async () => {
      const plan = await standard();
      expect(valueAt(resource(plan, RECOVER), "alarmActions")).to.deep.equal([RECOVER_ARN]);
      expect(valueAt(resource(plan, RECOVER), "okActions")).to.equal(undefined);
      await expectPass(plan, policy, RECOVER);
    });
    it("holds for every EC2 automate action, in any region and partition", async () => {
      for (const arn of [
        "arn:aws:automate:eu-west-1:ec2:reboot",
        "arn:aws-us-gov:automate:us-gov-west-1:ec2:stop",
        "arn:aws:automate:us-east-1:ec2:terminate",
      ]) {
        await expectPass(
          mutate(await standard(), setProp(RECOVER, "alarmActions", [arn])),
          policy,
          RECOVER,
        );
      }
    });
    const notExempt: Array<[string, PlanEdit]> = [
      ["its action is a topic instead", setProp(RECOVER, "alarmActions", [TOPIC_ARN])],
      ["it also notifies a topic", setProp(RECOVER, "alarmActions", [RECOVER_ARN, TOPIC_ARN])],
      [
        "it also has an action unknown during preview",
        setProp(RECOVER, "alarmActions", [RECOVER_ARN, COMPUTED]),
      ],
      [
        "its action is not an EC2 action",
        setProp(RECOVER, "alarmActions", ["arn:aws:automate:us-east-1:ssm:run"]),
      ],
    ];
    for (const [when, edit] of notExempt) {
      it(`is lost when ${when} (then okActions is required)`, async () =>
        expectViolation(mutate(await standard(), edit), policy, {
          resource: "openemr-staging-web-auto-recover",
          says: ["no okActions"],
        }));
    }
  });
});

describe("stack-alarm-topic", () => {
  const policy = "stack-alarm-topic";
  for (const [preset, plan] of PRESETS) {
    it(`passes the ${preset} plan, whose alarms notify its topic`, async () => {
      const p = await plan();
      await expectPass(p, policy, topicOf(p));
    });
  }
  it("catches a stack without an SNS topic", async () => {
    const plan = await express();
    await expectStackViolation(mutate(plan, dropResource(topicOf(plan))), policy, [
      "no SNS topic",
      "alarmActions and okActions",
    ]);
  });
  it("catches a topic that no alarm notifies (the alarms notify a topic elsewhere)", async () => {
    const plan = await standard();
    const elsewhere = notifyingAlarms(plan).flatMap((a) => [
      setProp(a, "alarmActions", ["arn:aws:sns:us-east-1:999999999999:central-ops"]),
      dropDependency(a, "alarmActions"),
    ]);
    expect(elsewhere).to.have.length.greaterThan(4);
    await expectStackViolation(mutate(plan, ...elsewhere), policy, [
      'none notifies its SNS topic(s) "openemr-staging-alarms"',
      "alarmActions",
    ]);
  });
  it("catches a stack with a topic and no alarm", async () => {
    const plan = await fargate();
    await expectStackViolation(
      mutate(plan, ...alarmsOf(plan).map((a) => dropResource(a))),
      policy,
      ["has 0 CloudWatch alarm(s)", '"openemr-prod-alarms"'],
    );
  });
  it("does not count the auto-recover alarm, which notifies nobody", async () => {
    const plan = await express();
    const onlyRecover = alarmsOf(plan)
      .filter(([, name]) => !name.endsWith("auto-recover"))
      .map((a) => dropResource(a));
    await expectStackViolation(mutate(plan, ...onlyRecover), policy, ["has 1 CloudWatch alarm(s)"]);
  });
  it("follows propertyDependencies when the topic's ARN is unknown during preview", async () => {
    const plan = await standard();
    await expectPass(
      mutate(plan, ...notifyingAlarms(plan).map((a) => setProp(a, "alarmActions", [COMPUTED]))),
      policy,
      topicOf(plan),
    );
  });
  it("recognises the ARN of a named topic, or the topic's arn output, without dependencies", async () => {
    const plan = await express();
    const literal = notifyingAlarms(plan).map((a) => dropDependency(a, "alarmActions"));
    const arn = "arn:aws:sns:us-east-1:123456789012:openemr-dev-alarms";
    await expectPass(
      mutate(plan, ...literal, setProp(topicOf(plan), "name", "openemr-dev-alarms")),
      policy,
      topicOf(plan),
    );
    await expectPass(
      mutate(plan, ...literal, setProp(topicOf(plan), "arn", arn)),
      policy,
      topicOf(plan),
    );
    await expectStackViolation(mutate(plan, ...literal), policy, ['"openemr-dev-alarms"']);
  });
});

describe("stack-budget (advisory)", () => {
  const policy = "stack-budget";
  /** Removes every notification's `key` (a subscriber list) from the budget. */
  const withoutSubscribers = (budget: Target, key: string): PlanEdit =>
    editProps(budget, (props) => {
      for (const n of props["notifications"] as Array<Record<string, unknown>>) {
        if (n[key] === undefined) throw new Error(`a notification of the budget has no ${key}`);
        delete n[key];
      }
    });

  for (const [preset, plan] of PRESETS) {
    it(`passes the ${preset} plan's budget, which alerts the topic`, async () => {
      const p = await plan();
      expect(valueAt(resource(p, budgetOf(p)), "notifications")).to.have.length.greaterThan(0);
      await expectPass(p, policy, budgetOf(p));
    });
  }
  it("advises on a stack without a budget, which still passes the pack", async () => {
    const plan = mutate(await express(), dropResource(budgetOf(await express())));
    await expectStackViolation(
      plan,
      policy,
      ["no AWS Budgets budget", "aws.budgets.Budget"],
      "advisory",
    );
    expect((await check(plan)).passed).to.equal(true);
  });
  it("advises on a budget without notifications, naming it", async () => {
    const plan = await standard();
    for (const edit of [
      unsetProp(budgetOf(plan), "notifications"),
      setProp(budgetOf(plan), "notifications", []),
    ]) {
      await expectViolation(mutate(plan, edit), policy, {
        resource: "openemr-staging-budget",
        level: "advisory",
        says: ["has no notifications", "subscriberSnsTopicArns"],
      });
    }
  });
  it("advises on notifications without a subscriber, and accepts e-mail subscribers", async () => {
    const plan = await fargate();
    const silent = mutate(plan, withoutSubscribers(budgetOf(plan), "subscriberSnsTopicArns"));
    await expectViolation(silent, policy, {
      resource: "openemr-prod-budget",
      level: "advisory",
      says: ["without a subscriber", "subscriberEmailAddresses"],
    });
    await expectPass(
      mutate(
        silent,
        setProp(budgetOf(plan), "notifications.0.subscriberEmailAddresses", ["it@clinic.example"]),
      ),
      policy,
      budgetOf(plan),
    );
  });
  it("counts notifications unknown during preview as given", async () => {
    const plan = await standard();
    await expectPass(
      mutate(plan, setProp(budgetOf(plan), "notifications", COMPUTED)),
      policy,
      budgetOf(plan),
    );
    await expectPass(
      mutate(plan, setProp(budgetOf(plan), "notifications.0.subscriberSnsTopicArns", COMPUTED)),
      policy,
      budgetOf(plan),
    );
  });
  it("lets a budget's violation be exempted", async () => {
    const plan = mutate(await standard(), unsetProp(budgetOf(await standard()), "notifications"));
    const block = await check(plan, {
      "policy-exemptions": {
        exemptions: [
          {
            policy,
            resource: "openemr-staging-budget",
            justification:
              "The account's consolidated billing alerts cover this stack; ticket OPS-7.",
          },
        ],
      },
    });
    expect(violationsOf(block, policy)).to.deep.equal([]);
    const exempted = violationsOf(block, "exempted-violations");
    expect(exempted.map((v) => v.message).join("\n")).to.include(
      '[exempted from stack-budget] Budget "openemr-staging-budget" has no notifications',
    );
  });
});
