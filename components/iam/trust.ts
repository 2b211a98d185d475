// Trust policies of the roles AWS services assume, as typed policy documents (one way to write them).
import * as pulumi from "@pulumi/pulumi";
import type * as aws from "@pulumi/aws";

export type TrustConditions = Record<string, Record<string, string>>;

/** A trust policy with plain values: what the builder returns, an aws.iam.PolicyDocument. */
export interface TrustPolicy extends aws.iam.PolicyDocument {
  Version: "2012-10-17";
  Statement: {
    Effect: "Allow";
    Principal: { Service: string };
    Action: "sts:AssumeRole";
    Condition?: TrustConditions;
  }[];
}

/** Pure: a trust policy letting `service` (e.g. "ec2.amazonaws.com") assume the role. */
export function serviceTrustPolicy(service: string, condition?: TrustConditions): TrustPolicy {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  };
}

/** The trust policy as the role's `assumeRolePolicy` string. */
export function assumeRolePolicyFor(
  service: string,
  condition?: pulumi.Input<TrustConditions>,
): pulumi.Output<string> {
  return pulumi.output(condition).apply((c) => JSON.stringify(serviceTrustPolicy(service, c)));
}
