import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/**
 * The managed data identifiers a data-protection policy audits and masks: patient identifiers that
 * can land in application, PHP or database-audit logs. Their ARNs are
 * `arn:<partition>:dataprotection::aws:data-identifier/<id>`; the ids are the CloudWatch Logs ones:
 * Ssn-US, DriversLicense-US, EmailAddress, DateOfBirth (PII, keyword-anchored:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/protect-sensitive-log-data-types-pii.html),
 * HealthInsuranceClaimNumber-US, MedicareBeneficiaryNumber-US (PHI:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/protect-sensitive-log-data-types-health.html).
 * Not IpAddress: client addresses are what an incident responder reads in access logs.
 */
export const PHI_DATA_IDENTIFIERS = [
  "Ssn-US",
  "DriversLicense-US",
  "EmailAddress",
  "DateOfBirth",
  "HealthInsuranceClaimNumber-US",
  "MedicareBeneficiaryNumber-US",
] as const;

/** The data-protection policy document with plain values (what the builder returns). */
export interface DataProtectionPolicyDocument {
  Name: string;
  Description: string;
  Version: "2021-06-01";
  Statement: [
    {
      Sid: string;
      DataIdentifier: string[];
      Operation: { Audit: { FindingsDestination: Record<string, never> } };
    },
    {
      Sid: string;
      DataIdentifier: string[];
      Operation: { Deidentify: { MaskConfig: Record<string, never> } };
    },
  ];
}

/**
 * Pure: a CloudWatch Logs data-protection policy that audits and masks `identifiers`. The document
 * has a Name (the dimension of the audit-findings metrics), Version 2021-06-01 and exactly two
 * statements with the same DataIdentifier array: one Audit with a FindingsDestination (empty:
 * findings are counted in the AWS/Logs metrics only, nothing is copied elsewhere) and one
 * Deidentify with an empty MaskConfig; at most 30,720 characters (PutDataProtectionPolicy
 * policyDocument, CloudWatch Logs API Reference;
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch-logs-data-protection-policies.html).
 * Masking applies from ingestion on; a principal with logs:Unmask can still read the original.
 */
export function dataProtectionPolicyDocument(
  name: string,
  partition: string,
  identifiers: readonly string[] = PHI_DATA_IDENTIFIERS,
): DataProtectionPolicyDocument {
  const arns = identifiers.map(
    (id) => `arn:${partition}:dataprotection::aws:data-identifier/${id}`,
  );
  return {
    Name: name,
    Description: "Audit and mask patient identifiers (PHI/PII) in this log group",
    Version: "2021-06-01",
    Statement: [
      {
        Sid: "audit-patient-identifiers",
        DataIdentifier: arns,
        Operation: { Audit: { FindingsDestination: {} } },
      },
      {
        Sid: "mask-patient-identifiers",
        DataIdentifier: arns,
        Operation: { Deidentify: { MaskConfig: {} } },
      },
    ],
  };
}

export interface RetainedLogGroupArgs {
  /** The log group's name, e.g. /openemr/dev/apache. */
  logGroupName: pulumi.Input<string>;
  retentionInDays: number;
  /** Customer-managed key ARN; undefined means the CloudWatch Logs service key. */
  kmsKeyArn?: pulumi.Input<string>;
  protect: boolean;
  /**
   * Attach a data-protection policy (resource `<name>-data-protection`) that audits and masks the
   * PHI_DATA_IDENTIFIERS. Off by default: turn it on for groups that receive application, PHP or
   * database-audit text; flow logs and CloudTrail carry no patient data, and scanning is billed per
   * GB ingested ($0.12/GB in us-east-1, https://aws.amazon.com/cloudwatch/pricing/).
   */
  dataProtection?: boolean;
}

/**
 * The one way this program creates a log group: explicit retention, optional customer-managed key,
 * protection so audit history is not deleted with the stack, and optionally a data-protection
 * policy.
 */
export function retainedLogGroup(
  name: string,
  args: RetainedLogGroupArgs,
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.LogGroup {
  const group = new aws.cloudwatch.LogGroup(
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
  if (args.dataProtection) {
    new aws.cloudwatch.LogDataProtectionPolicy(
      `${name}-data-protection`,
      {
        logGroupName: group.name,
        // the partition from the group's own ARN (arn:<partition>:logs:...): no extra look-up
        policyDocument: group.arn.apply((arn) =>
          JSON.stringify(
            dataProtectionPolicyDocument(`${name}-data-protection`, arn.split(":")[1]),
          ),
        ),
      },
      { ...opts },
    );
  }
  return group;
}

export interface LogGroupSetArgs {
  /** Each group is named `<prefix>/<suffix>`, e.g. /openemr/dev/apache-access. */
  prefix: string;
  retentionInDays: number;
  kmsKeyArn?: pulumi.Input<string>;
  protect: boolean;
  /** A data-protection policy on every group of the set (see RetainedLogGroupArgs). */
  dataProtection?: boolean;
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
        dataProtection: args.dataProtection,
      },
      opts,
    );
  }
  return groups;
}
