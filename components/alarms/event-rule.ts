// EventBridge rules that send an AWS service's own event (a failed patch run, deployment, snapshot
// policy or host-scripts run) to the stack's alarm topic, whose policy lets this account's rules
// publish (alarmTopicPolicy). Free: EventBridge charges nothing for AWS service events.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { NAME_LIMITS, nameWithin } from "../naming/aws-names";
import type { Monitoring } from "./monitoring";

/** `<name>` (its AWS name fitted to EventBridge's limit) and its target `<name>-target`, the topic. */
export function eventToAlarmTopic(
  monitoring: Monitoring,
  name: string,
  description: string,
  pattern: pulumi.Input<Record<string, unknown>>,
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.EventRule {
  const rule = new aws.cloudwatch.EventRule(
    name,
    {
      name: nameWithin(name, NAME_LIMITS.eventRule),
      description,
      eventPattern: pulumi.output(pattern).apply((p) => JSON.stringify(p)),
    },
    opts,
  );
  new aws.cloudwatch.EventTarget(
    `${name}-target`,
    { rule: rule.name, targetId: "alarm-topic", arn: monitoring.topic.arn },
    opts,
  );
  return rule;
}
