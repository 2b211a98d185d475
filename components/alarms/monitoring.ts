import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface MonitoringArgs {
  /** Subscribed to the topic when set. */
  email?: string;
  /** Customer-managed key whose policy lets CloudWatch publish (EncryptionKey with the "sns" user). */
  kmsKeyArn?: pulumi.Input<string>;
}

/** A metric alarm's own settings; the description prefix and the actions come from Monitoring. */
export type AlarmSpec = Omit<
  aws.cloudwatch.MetricAlarmArgs,
  "alarmDescription" | "alarmActions" | "okActions"
>;

export interface Monitoring {
  /** Where every alarm of the stack goes. */
  topic: aws.sns.Topic;
  /** `<name>-<suffix>`: notifies the topic when it fires and when it clears. */
  alarm: (suffix: string, description: string, spec: AlarmSpec) => aws.cloudwatch.MetricAlarm;
  /** Every alarm made through `alarm`, in order (the dashboard shows them). */
  readonly alarms: readonly aws.cloudwatch.MetricAlarm[];
}

/**
 * A stack's alarms: one SNS topic, encrypted with the customer-managed key when there is one (the
 * AWS-managed SNS key does not let CloudWatch publish), the alarm e-mail subscribed, and alarms that
 * notify it on ALARM and on OK. Children are the caller's (parented to the tier).
 */
export function monitoring(
  name: string,
  args: MonitoringArgs,
  opts: pulumi.CustomResourceOptions,
): Monitoring {
  const topic = new aws.sns.Topic(`${name}-alarms`, { kmsMasterKeyId: args.kmsKeyArn }, opts);
  if (args.email) {
    new aws.sns.TopicSubscription(
      `${name}-alarms-email`,
      { topic: topic.arn, protocol: "email", endpoint: args.email },
      opts,
    );
  }
  const alarms: aws.cloudwatch.MetricAlarm[] = [];
  return {
    topic,
    alarms,
    alarm: (suffix, description, spec) => {
      const alarm = new aws.cloudwatch.MetricAlarm(
        `${name}-${suffix}`,
        {
          alarmDescription: `${name}: ${description}`,
          alarmActions: [topic.arn],
          okActions: [topic.arn],
          ...spec,
        },
        opts,
      );
      alarms.push(alarm);
      return alarm;
    },
  };
}
