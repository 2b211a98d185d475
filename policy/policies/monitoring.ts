// Monitoring: every CloudWatch alarm tells someone when it fires and when it recovers; every stack
// has an SNS topic its alarms notify, and an AWS Budgets budget that alerts.

import type { CompositeAlarmArgs } from "@pulumi/aws/cloudwatch/compositeAlarm";
import type { MetricAlarmArgs } from "@pulumi/aws/cloudwatch/metricAlarm";
import type { PolicyResource } from "@pulumi/policy";
import {
  T,
  dependsVia,
  forTypes,
  isUnknown,
  named,
  ofTypes,
  peek,
  peekString,
  rawValue,
  resourcePolicy,
  stackPolicy,
} from "./common";

/** Type tokens of @pulumi/aws 7.x this module inspects (besides T.snsTopic). */
export const MONITORING_TYPES = {
  budget: "aws:budgets/budget:Budget",
  compositeAlarm: "aws:cloudwatch/compositeAlarm:CompositeAlarm",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
} as const;

export const ALARM_TYPES: readonly string[] = [
  MONITORING_TYPES.metricAlarm,
  MONITORING_TYPES.compositeAlarm,
];

/**
 * An EC2 action of a metric alarm (arn:aws:automate:<region>:ec2:recover|reboot|stop|terminate):
 * the alarm acts on the instance itself instead of telling someone (the instance auto-recover
 * alarm; a separate status alarm notifies).
 */
export const EC2_AUTOMATE_ACTION =
  /^arn:aws[a-z-]*:automate:[a-z0-9-]+:ec2:(recover|reboot|stop|terminate)$/;

interface ActionList {
  /** At least one action is given (an unknown list or an unknown action counts as given). */
  given: boolean;
  /** The actions whose value is known. */
  known: string[];
  /** Whether some action (or the whole list) is unknown during preview. */
  someUnknown: boolean;
}

/** The actions at obj[key] (an ARN list), read without the unknown-checking proxy (never throws). */
export function actionsAt(obj: unknown, key: string): ActionList {
  const list = rawValue(obj, key);
  if (isUnknown(list)) {
    return { given: true, known: [], someUnknown: true };
  }
  if (!Array.isArray(list)) {
    return { given: false, known: [], someUnknown: false };
  }
  const known: string[] = [];
  let someUnknown = false;
  for (let i = 0; i < list.length; i++) {
    const action = rawValue(list, i);
    if (isUnknown(action)) {
      someUnknown = true;
    } else if (typeof action === "string" && action !== "") {
      known.push(action);
    }
  }
  return { given: someUnknown || known.length > 0, known, someUnknown };
}

/** true when every alarm action is an EC2 automate action (known, at least one). */
export function onlyEc2Actions(actions: ActionList): boolean {
  return (
    !actions.someUnknown &&
    actions.known.length > 0 &&
    actions.known.every((a) => EC2_AUTOMATE_ACTION.test(a))
  );
}

// ------------------------------------------------------------------------------------------------
// Every alarm has an alarm action and an OK action
// ------------------------------------------------------------------------------------------------

export const cloudwatchAlarmActions = resourcePolicy({
  name: "cloudwatch-alarm-actions",
  description:
    "Every CloudWatch metric or composite alarm has at least one alarm action and one OK action " +
    "(the stack's alarm topic) and does not disable its actions; alarms whose only actions are " +
    "EC2 automate actions (instance auto-recover) are exempt.",
  severity: "high",
  validations: [
    forTypes<MetricAlarmArgs | CompositeAlarmArgs>(ALARM_TYPES, (props, args, report) => {
      const alarmActions = actionsAt(props, "alarmActions");
      if (onlyEc2Actions(alarmActions)) {
        args.notApplicable("the alarm's only actions are EC2 automate actions (auto-recover)");
      }
      const what = named("CloudWatch alarm", args.name);
      if (peek(props, "actionsEnabled") === false) {
        report(
          `${what} has actionsEnabled: false, so it notifies nobody. Remove actionsEnabled or set ` +
            `it to true.`,
        );
      }
      if (!alarmActions.given) {
        report(
          `${what} has no alarmActions: nobody hears when it fires. Add the stack's alarm topic ` +
            `ARN to alarmActions.`,
        );
      }
      if (!actionsAt(props, "okActions").given) {
        report(
          `${what} has no okActions: nobody hears that it recovered. Add the stack's alarm topic ` +
            `ARN to okActions.`,
        );
      }
    }),
  ],
});

// ------------------------------------------------------------------------------------------------
// The stack has an alarm topic
// ------------------------------------------------------------------------------------------------

/** The stack's name, from a resource's URN ("urn:pulumi:<stack>::<project>::..."). */
function stackName(resources: PolicyResource[]): string | undefined {
  const urn = resources[0]?.urn;
  return urn?.startsWith("urn:pulumi:")
    ? urn.slice("urn:pulumi:".length).split("::")[0]
    : undefined;
}

/** `Stack "dev"` (or "The stack" when it has no resources). */
function theStack(resources: PolicyResource[]): string {
  const name = stackName(resources);
  return name === undefined ? "The stack" : named("Stack", name);
}

/** true when `arn` is the ARN of an SNS topic named `name`. */
function isTopicArn(arn: string, name: string): boolean {
  const parts = arn.split(":");
  return parts.length === 6 && parts[0] === "arn" && parts[2] === "sns" && parts[5] === name;
}

/**
 * true when the alarm's alarmActions notify the topic: through propertyDependencies (known in
 * preview too), or a known action equal to the topic's ARN (an output the engine gives stack
 * policies after creation) or to the ARN of its literal name.
 */
export function notifies(alarm: PolicyResource, topic: PolicyResource): boolean {
  if (dependsVia(alarm, "alarmActions", topic)) {
    return true;
  }
  const arn = peekString(topic.props, "arn");
  const name = peekString(topic.props, "name");
  return actionsAt(alarm.props, "alarmActions").known.some(
    (a) => a === arn || (name !== undefined && isTopicArn(a, name)),
  );
}

export const stackAlarmTopic = stackPolicy({
  name: "stack-alarm-topic",
  description:
    "The stack has an SNS topic that at least one CloudWatch alarm notifies (in its " +
    "alarmActions), so its alarms reach someone.",
  severity: "high",
  validateStack: (args, report) => {
    const topics = ofTypes(args.resources, [T.snsTopic]);
    const alarms = ofTypes(args.resources, ALARM_TYPES);
    if (topics.some((topic) => alarms.some((alarm) => notifies(alarm, topic)))) {
      return;
    }
    const stack = theStack(args.resources);
    const fix =
      `Create an aws.sns.Topic (encrypted, with the alarm e-mail subscribed) and put its ARN in ` +
      `every alarm's alarmActions and okActions.`;
    if (topics.length === 0) {
      report(`${stack} has no SNS topic for its ${alarms.length} CloudWatch alarm(s). ${fix}`);
      return;
    }
    const names = topics.map((t) => `"${t.name}"`).join(", ");
    report(
      `${stack} has ${alarms.length} CloudWatch alarm(s), and none notifies its SNS topic(s) ` +
        `${names}. Put the alarm topic's ARN in every alarm's alarmActions and okActions.`,
    );
  },
});

// ------------------------------------------------------------------------------------------------
// The stack has a budget that alerts
// ------------------------------------------------------------------------------------------------

/** Why the budget alerts nobody, or undefined when at least one notification has a subscriber. */
function silentBudget(budget: PolicyResource): string | undefined {
  const list = rawValue(budget.props, "notifications");
  if (isUnknown(list)) {
    return undefined;
  }
  const notifications: unknown[] = Array.isArray(list) ? list : [];
  if (notifications.length === 0) {
    return "has no notifications";
  }
  const subscribed = notifications.some(
    (n) =>
      isUnknown(n) ||
      actionsAt(n, "subscriberSnsTopicArns").given ||
      actionsAt(n, "subscriberEmailAddresses").given,
  );
  return subscribed ? undefined : "has notifications without a subscriber";
}

export const stackBudget = stackPolicy({
  name: "stack-budget",
  description:
    "The stack has an AWS Budgets budget with at least one notification that has a subscriber " +
    "(an SNS topic or an e-mail address), so a bill that runs away is noticed.",
  enforcementLevel: "advisory",
  severity: "low",
  validateStack: (args, report) => {
    const budgets = ofTypes(args.resources, [MONITORING_TYPES.budget]);
    const fix =
      `notifications at 80 % FORECASTED and 100 % ACTUAL to the alarm topic ` +
      `(subscriberSnsTopicArns) or e-mail (subscriberEmailAddresses)`;
    if (budgets.length === 0) {
      report(
        `${theStack(args.resources)} has no AWS Budgets budget. Add an aws.budgets.Budget ` +
          `(COST, MONTHLY) with ${fix}.`,
      );
      return;
    }
    const silent = budgets.map((b) => [b, silentBudget(b)] as const);
    if (silent.some(([, why]) => why === undefined)) {
      return;
    }
    for (const [budget, why] of silent) {
      report(
        `${named("Budget", budget.name)} ${why}, so it alerts nobody. Add ${fix}.`,
        budget.urn,
      );
    }
  },
});

export const monitoringPolicies = [cloudwatchAlarmActions, stackAlarmTopic, stackBudget];
