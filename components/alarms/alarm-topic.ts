import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface AlarmTopicArgs {
  email?: string;
  /** Customer-managed key whose policy lets CloudWatch publish (EncryptionKey with the "sns" user). */
  kmsKeyArn?: pulumi.Input<string>;
}

/**
 * Where alarms go: an SNS topic, encrypted with the customer-managed key when there is one (the
 * AWS-managed SNS key does not let CloudWatch publish), with an optional e-mail subscription.
 */
export function alarmTopic(
  name: string,
  args: AlarmTopicArgs,
  opts: pulumi.CustomResourceOptions,
): aws.sns.Topic {
  const topic = new aws.sns.Topic(name, { kmsMasterKeyId: args.kmsKeyArn }, opts);
  if (args.email) {
    new aws.sns.TopicSubscription(
      `${name}-email`,
      { topic: topic.arn, protocol: "email", endpoint: args.email },
      opts,
    );
  }
  return topic;
}
