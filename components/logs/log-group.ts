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
