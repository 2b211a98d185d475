import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { type TrustConditions, assumeRolePolicyFor } from "../iam/trust";
import { NAME_LIMITS, nameWithin } from "../naming/aws-names";

export interface SnapshotPolicyArgs {
  /** Volumes tagged `openemr:snapshot=<tagValue>` are snapshotted. */
  tagValue: string;
  retainCount: number;
  /** UTC time of the daily snapshot, HH:MM. */
  time: string;
}

/** Pure: the DLM role's trust conditions: DLM may assume it only on behalf of this account. */
export function dlmTrustConditions(account: string): TrustConditions {
  return { StringEqualsIfExists: { "aws:SourceAccount": account } };
}

/** Daily EBS snapshots with a retention, by Data Lifecycle Manager (free; snapshots are billed). */
export class SnapshotPolicy extends pulumi.ComponentResource {
  public readonly policy: aws.dlm.LifecyclePolicy;

  constructor(name: string, args: SnapshotPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:backup:SnapshotPolicy", name, {}, opts);
    const child = { parent: this };
    const partition = aws.getPartitionOutput({}, child);
    const identity = aws.getCallerIdentityOutput({}, child);
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: nameWithin(`${name}-role`, NAME_LIMITS.iamRole),
        // Confused-deputy protection on the account (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
        // The DLM service-role page shows only the bare trust relationship and does not document
        // that DLM sends aws:SourceAccount when it assumes the role
        // (https://docs.aws.amazon.com/ebs/latest/userguide/service-role.html#custom-role), so the
        // ...IfExists form: another account's value is refused whenever DLM sends the key, and an
        // undocumented absence cannot stop the snapshots. (iam:PassRole already keeps other
        // accounts from handing this role to DLM.)
        assumeRolePolicy: assumeRolePolicyFor(
          "dlm.amazonaws.com",
          identity.accountId.apply(dlmTrustConditions),
        ),
      },
      child,
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-role-policy`,
      {
        role: role.name,
        policyArn: pulumi.interpolate`arn:${partition.partition}:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole`,
      },
      child,
    );
    this.policy = new aws.dlm.LifecyclePolicy(
      `${name}`,
      {
        // DLM CreateLifecyclePolicy Description: pattern [0-9A-Za-z _-]+, at most 500 characters
        description: `${name} daily snapshots - ${args.retainCount} kept`,
        executionRoleArn: role.arn,
        state: "ENABLED",
        policyDetails: {
          resourceTypes: ["VOLUME"],
          targetTags: { "openemr:snapshot": args.tagValue },
          schedules: [
            {
              name: "daily",
              createRule: { interval: 24, intervalUnit: "HOURS", times: args.time },
              retainRule: { count: args.retainCount },
              copyTags: true,
            },
          ],
        },
      },
      child,
    );
    this.registerOutputs({ policyId: this.policy.id });
  }
}
