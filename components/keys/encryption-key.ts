import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** AWS services that may use a key, each granted only what it needs. */
export type KeyUser =
  | "logs"
  | "cloudtrail"
  | "ec2"
  | "s3"
  | "backup"
  | "secretsmanager"
  | "ssm"
  | "rds"
  | "sns"
  | "efs"
  | "elasticache";

export interface EncryptionKeyArgs {
  description: string;
  /** Services that encrypt with this key on the account's behalf. */
  users: KeyUser[];
  /** Protect the key from deletion (Pulumi `protect`) and use the longest AWS deletion window. */
  protect: boolean;
  tags?: Record<string, string>;
}

/**
 * A customer-managed KMS key with yearly rotation and a key policy that grants each named service
 * exactly the operations it needs, scoped to this account (and, for CloudWatch Logs and CloudTrail,
 * to this account's log groups and trails).
 */
export class EncryptionKey extends pulumi.ComponentResource {
  public readonly key: aws.kms.Key;
  public readonly alias: aws.kms.Alias;
  public readonly arn: pulumi.Output<string>;
  public readonly keyId: pulumi.Output<string>;

  constructor(name: string, args: EncryptionKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:keys:EncryptionKey", name, {}, opts);

    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });

    const policy = pulumi
      .all([identity.accountId, region.region, partition.partition])
      .apply(([account, regionName, part]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: keyPolicyStatements(args.users, account, regionName, part),
        }),
      );

    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: args.description,
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: 30,
        policy,
        tags: args.tags,
      },
      { parent: this, protect: args.protect },
    );
    this.alias = new aws.kms.Alias(
      `${name}-alias`,
      { name: `alias/${name}`, targetKeyId: this.key.keyId },
      { parent: this },
    );
    this.arn = this.key.arn;
    this.keyId = this.key.keyId;
    this.registerOutputs({ arn: this.arn, keyId: this.keyId });
  }
}

type Statement = Record<string, unknown>;

/** Pure: the key policy statements for the given services. Exported for tests. */
export function keyPolicyStatements(
  users: KeyUser[],
  account: string,
  region: string,
  partition: string,
): Statement[] {
  const root = `arn:${partition}:iam::${account}:root`;
  const viaService = (service: string): Statement => ({
    StringEquals: {
      "kms:ViaService": `${service}.${region}.amazonaws.com`,
      "kms:CallerAccount": account,
    },
  });
  const dataKeyUse = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
  ];
  const statements: Statement[] = [
    {
      Sid: "AccountAdministersKey",
      Effect: "Allow",
      Principal: { AWS: root },
      Action: "kms:*",
      Resource: "*",
    },
  ];
  const unique = [...new Set(users)];
  for (const user of unique) {
    switch (user) {
      case "logs":
        statements.push({
          Sid: "CloudWatchLogsInThisAccount",
          Effect: "Allow",
          Principal: { Service: `logs.${region}.amazonaws.com` },
          Action: [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:Describe*",
          ],
          Resource: "*",
          Condition: {
            ArnLike: {
              "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${account}:log-group:*`,
            },
          },
        });
        break;
      case "cloudtrail":
        statements.push(
          {
            Sid: "CloudTrailEncryptsThisAccountsTrails",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "kms:GenerateDataKey*",
            Resource: "*",
            Condition: {
              StringEquals: { "aws:SourceAccount": account },
              StringLike: {
                "kms:EncryptionContext:aws:cloudtrail:arn": `arn:${partition}:cloudtrail:*:${account}:trail/*`,
              },
            },
          },
          {
            Sid: "CloudTrailDescribesKey",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "kms:DescribeKey",
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": account } },
          },
        );
        break;
      case "sns":
        statements.push({
          Sid: "CloudWatchAlarmsPublishToEncryptedTopics",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": account } },
        });
        statements.push({
          Sid: "SnsInThisAccount",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: dataKeyUse,
          Resource: "*",
          Condition: viaService("sns"),
        });
        break;
      case "ec2":
        // EBS encrypts through grants created on behalf of principals in this account.
        statements.push({
          Sid: "EbsInThisAccount",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: [...dataKeyUse, "kms:CreateGrant"],
          Resource: "*",
          Condition: viaService("ec2"),
        });
        break;
      default:
        statements.push({
          Sid: `${user.charAt(0).toUpperCase()}${user.slice(1)}InThisAccount`,
          Effect: "Allow",
          Principal: { AWS: root },
          Action: [...dataKeyUse, "kms:CreateGrant"],
          Resource: "*",
          Condition: viaService(user === "efs" ? "elasticfilesystem" : user),
        });
        break;
    }
  }
  return statements;
}
