import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface RetainedLogGroupArgs {
  /** The log group's name, e.g. /openemr/dev/apache. */
  logGroupName: pulumi.Input<string>;
  retentionInDays: number;
  /** Customer-managed key ARN; undefined means the CloudWatch Logs service key. */
  kmsKeyArn?: pulumi.Input<string>;
  protect: boolean;
}

/**
 * The one way this program creates a log group: explicit retention, optional customer-managed key,
 * and protection so audit history is not deleted with the stack.
 */
export function retainedLogGroup(
  name: string,
  args: RetainedLogGroupArgs,
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.LogGroup {
  return new aws.cloudwatch.LogGroup(
    name,
    {
      name: args.logGroupName,
      retentionInDays: args.retentionInDays,
      kmsKeyId: args.kmsKeyArn,
      logGroupClass: "STANDARD",
      // keep the history when the stack goes away, unless it is a throwaway stack
      skipDestroy: args.protect,
    },
    { ...opts, protect: args.protect },
  );
}

export interface LogGroupSetArgs {
  /** Each group is named `<prefix>/<suffix>`, e.g. /openemr/dev/apache-access. */
  prefix: string;
  retentionInDays: number;
  kmsKeyArn?: pulumi.Input<string>;
  protect: boolean;
}

/** Retained log groups `<prefix>/<suffix>`, one per key of `suffixes` (resource `<name>-<suffix>`). */
export function retainedLogGroups<K extends string>(
  name: string,
  suffixes: Record<K, string>,
  args: LogGroupSetArgs,
  opts: pulumi.CustomResourceOptions,
): Record<K, aws.cloudwatch.LogGroup> {
  const groups = {} as Record<K, aws.cloudwatch.LogGroup>;
  for (const key of Object.keys(suffixes) as K[]) {
    const suffix = suffixes[key];
    groups[key] = retainedLogGroup(
      `${name}-${suffix}`,
      {
        logGroupName: `${args.prefix}/${suffix}`,
        retentionInDays: args.retentionInDays,
        kmsKeyArn: args.kmsKeyArn,
        protect: args.protect,
      },
      opts,
    );
  }
  return groups;
}
