import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** AWS services (and Session Manager sessions) that may use a key, each granted only what it needs. */
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
  | "elasticache"
  | "session-manager";

export interface EncryptionKeyArgs {
  /** The deployment region (the services' endpoints in the key policy). */
  region: string;
  description: string;
  /** Services that encrypt with this key on the account's behalf. */
  users: KeyUser[];
  /** Protect the key from deletion (Pulumi `protect`); every key gets AWS's longest deletion window (30 days). */
  protect: boolean;
  tags?: Record<string, string>;
}

/**
 * A customer-managed KMS key with yearly rotation. The account administers the key but cannot use
 * it directly: principals of this account encrypt and decrypt only through the services named in
 * `users`, and AWS service principals (CloudWatch Logs, CloudTrail, CloudWatch alarms) only for
 * this account's log groups, trails and alarms.
 */
export class EncryptionKey extends pulumi.ComponentResource {
  public readonly key: aws.kms.Key;
  public readonly alias: aws.kms.Alias;
  public readonly arn: pulumi.Output<string>;
  public readonly keyId: pulumi.Output<string>;

  constructor(name: string, args: EncryptionKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:keys:EncryptionKey", name, {}, opts);

    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });

    const document = pulumi
      .all([identity.accountId, args.region, partition.partition])
      .apply(([account, regionName, part]) =>
        keyPolicyDocument(args.users, account, regionName, part),
      );

    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: args.description,
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: 30,
        policy: pulumi.jsonStringify(document),
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

/** A key-policy statement with plain values (what the builders return; an aws.iam.PolicyStatement). */
export interface KeyPolicyStatement extends aws.iam.PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Principal: { AWS: string } | { Service: string };
  Action: string[];
  Resource: "*";
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface KeyPolicyDocument extends aws.iam.PolicyDocument {
  Version: "2012-10-17";
  Statement: KeyPolicyStatement[];
}

/**
 * What the account root may do: manage the key, its policy, aliases, tags, rotation, grants
 * (list, revoke) and deletion, never the cryptographic operations (Encrypt, Decrypt, ReEncrypt*,
 * GenerateDataKey*, CreateGrant, ...). Listed one by one: wildcards such as `kms:Create*` would
 * take in `kms:CreateGrant`, which hands out cryptographic use. DescribeKey and ListGrants show
 * metadata only (service-linked roles such as EFS's call DescribeKey directly).
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-administrators
 */
export const KEY_ADMIN_ACTIONS: readonly string[] = [
  "kms:CreateAlias",
  "kms:UpdateAlias",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:PutKeyPolicy",
  "kms:ListKeyPolicies",
  "kms:GetKeyRotationStatus",
  "kms:EnableKeyRotation",
  "kms:DisableKeyRotation",
  "kms:RotateKeyOnDemand",
  "kms:ListKeyRotations",
  "kms:EnableKey",
  "kms:DisableKey",
  "kms:UpdateKeyDescription",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ListResourceTags",
  "kms:ListGrants",
  "kms:RevokeGrant",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
];

/** The operations that use the key material, directly or by handing it to a grantee. */
export const KEY_CRYPTO_ACTIONS: readonly string[] = [
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:GenerateDataKeyPair",
  "kms:GenerateDataKeyPairWithoutPlaintext",
  "kms:CreateGrant",
];

const DATA_KEY_USE = [
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncrypt*",
  "kms:GenerateDataKey*",
  "kms:DescribeKey",
];
const GRANTS = ["kms:CreateGrant", "kms:ListGrants"];

type ViaServiceUser = Exclude<KeyUser, "cloudtrail" | "session-manager">;

/**
 * Services that call KMS with the credentials of the principal that uses them (kms:ViaService
 * is then `<endpoint>.<region>.amazonaws.com`). `grants`: the service keeps using the key through
 * a grant it creates when the resource is created (EBS volumes, databases, file systems, caches,
 * backup vaults).
 */
const VIA_SERVICES: Record<ViaServiceUser, { sid: string; endpoints: string[]; grants: boolean }> =
  {
    // EBS volumes, the instance root volume, and snapshots of them (DLM, AWS Backup): the caller
    // needs CreateGrant, Decrypt, DescribeKey, GenerateDataKeyWithoutPlaintext, ReEncrypt through
    // EC2. https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html
    ec2: { sid: "EbsInThisAccount", endpoints: ["ec2"], grants: true },
    // RDS/Aurora storage, snapshots and Performance Insights, all through rds.<region>; RDS acts
    // for the user who creates or changes the database (CreateGrant, DescribeKey).
    // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.Keys.html#Overview.Encryption.Keys.Authorizing
    // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.Keys.html
    // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PerfInsights.access-control.html
    rds: { sid: "RdsInThisAccount", endpoints: ["rds"], grants: true },
    // EFS file data: CreateGrant, Decrypt, DescribeKey, GenerateDataKeyWithoutPlaintext required.
    // https://docs.aws.amazon.com/efs/latest/ug/EFSKMS.html
    efs: { sid: "EfsInThisAccount", endpoints: ["elasticfilesystem"], grants: true },
    // ElastiCache (serverless caches): the ViaService condition must name both elasticache and dax.
    // https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html#using-customer-managed-keys-for-elasticache-security
    elasticache: {
      sid: "ElasticacheInThisAccount",
      endpoints: ["elasticache", "dax"],
      grants: true,
    },
    // Backup vault encryption and the recovery points of fully managed resources (EFS).
    // https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html
    backup: { sid: "BackupInThisAccount", endpoints: ["backup"], grants: true },
    // CreateSecret/PutSecretValue need GenerateDataKey, GetSecretValue needs Decrypt.
    // https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
    secretsmanager: {
      sid: "SecretsmanagerInThisAccount",
      endpoints: ["secretsmanager"],
      grants: false,
    },
    // SecureString parameters: PutParameter encrypts, GetParameter --with-decryption decrypts.
    // https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html
    ssm: { sid: "SsmInThisAccount", endpoints: ["ssm"], grants: false },
    // SSE-KMS objects (and S3 Bucket Keys): PutObject needs GenerateDataKey, GetObject Decrypt.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
    s3: { sid: "S3InThisAccount", endpoints: ["s3"], grants: false },
    // Publishers in this account writing to an encrypted topic.
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
    sns: { sid: "SnsInThisAccount", endpoints: ["sns"], grants: false },
    // CloudWatch Logs calls KMS on a caller's behalf for some operations ("add this to your roles
    // which call CloudWatch Logs in either your Key Policy or in IAM"); ingestion and queries use
    // the logs service principal below.
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
    logs: { sid: "LogsInThisAccount", endpoints: ["logs"], grants: false },
  };

/** Pure: the account root may administer the key; every other permission is a separate statement. */
export function keyAdministrationStatement(account: string, partition: string): KeyPolicyStatement {
  // The root (that is, IAM principals the account allows) keeps PutKeyPolicy so the key can never
  // lock its administrators out. An administrator can therefore still change this policy to grant
  // itself use; every PutKeyPolicy is recorded by CloudTrail. That is what "administer but not use"
  // means here: no principal decrypts data with this key except through the services below (and
  // Session Manager's own session keys, for a key whose users name it).
  return {
    Sid: "AccountAdministersKey",
    Effect: "Allow",
    Principal: { AWS: `arn:${partition}:iam::${account}:root` },
    Action: [...KEY_ADMIN_ACTIONS],
    Resource: "*",
  };
}

/** Pure: principals of this account may use the key through `user`'s service in this region only. */
export function viaServiceStatement(
  user: ViaServiceUser,
  account: string,
  region: string,
  partition: string,
): KeyPolicyStatement {
  const service = VIA_SERVICES[user];
  const endpoints = service.endpoints.map((e) => `${e}.${region}.amazonaws.com`);
  return {
    Sid: service.sid,
    Effect: "Allow",
    Principal: { AWS: `arn:${partition}:iam::${account}:root` },
    Action: service.grants ? [...DATA_KEY_USE, ...GRANTS] : [...DATA_KEY_USE],
    Resource: "*",
    Condition: {
      StringEquals: {
        "kms:ViaService": endpoints.length === 1 ? endpoints[0] : endpoints,
        "kms:CallerAccount": account,
      },
    },
  };
}

/**
 * Pure: the CloudWatch Logs service principal encrypts and decrypts this account's log groups.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export function cloudWatchLogsStatement(
  account: string,
  region: string,
  partition: string,
): KeyPolicyStatement {
  return {
    Sid: "CloudWatchLogsInThisAccount",
    Effect: "Allow",
    Principal: { Service: `logs.${region}.amazonaws.com` },
    Action: [
      "kms:Encrypt*",
      "kms:Decrypt*",
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
  };
}

/**
 * Pure: CloudTrail encrypts log and digest files of this account's trails (in this region) and
 * describes the key. aws:SourceArn is the trail's ARN (AWS's confused-deputy guidance); the
 * encryption context names the trail too.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
 */
export function cloudTrailStatements(
  account: string,
  region: string,
  partition: string,
): KeyPolicyStatement[] {
  const thisAccountsTrails = {
    ArnLike: { "aws:SourceArn": `arn:${partition}:cloudtrail:${region}:${account}:trail/*` },
  };
  return [
    {
      Sid: "CloudTrailEncryptsThisAccountsTrails",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: ["kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        ...thisAccountsTrails,
        StringLike: {
          "kms:EncryptionContext:aws:cloudtrail:arn": `arn:${partition}:cloudtrail:*:${account}:trail/*`,
        },
      },
    },
    {
      Sid: "CloudTrailDescribesKey",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: ["kms:DescribeKey"],
      Resource: "*",
      Condition: thisAccountsTrails,
    },
    // AWS's default CloudTrail key policy ("Enable CloudTrail log decrypt permissions"): with an S3
    // Bucket Key on the trail's bucket, kms:Decrypt is required to create or update the trail.
    // Bound to CloudTrail's encryption context: it opens trail log files, nothing else the key
    // encrypts.
    {
      Sid: "CloudTrailLogsReadableInThisAccount",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${account}:root` },
      Action: ["kms:Decrypt"],
      Resource: "*",
      Condition: {
        StringEquals: { "kms:CallerAccount": account },
        Null: { "kms:EncryptionContext:aws:cloudtrail:arn": "false" },
      },
    },
  ];
}

/**
 * Pure: an AWS service that publishes to this account's encrypted alarm topic on its own behalf
 * uses the key itself, only for this account's sources (the AWS-managed SNS key allows none of
 * them). https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
function topicPublisherStatement(
  sid: string,
  service: string,
  account: string,
  sourceArn: string,
): KeyPolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { Service: service },
    Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
    Resource: "*",
    Condition: {
      StringEquals: { "aws:SourceAccount": account },
      ArnLike: { "aws:SourceArn": sourceArn },
    },
  };
}

/** Pure: CloudWatch alarms of this account publish to topics encrypted with the key. */
export function cloudWatchAlarmsStatement(
  account: string,
  region: string,
  partition: string,
): KeyPolicyStatement {
  return topicPublisherStatement(
    "CloudWatchAlarmsPublishToEncryptedTopics",
    "cloudwatch.amazonaws.com",
    account,
    `arn:${partition}:cloudwatch:${region}:${account}:alarm:*`,
  );
}

/**
 * The publishers of the stack's alarm topic besides CloudWatch: AWS Budgets (Budgets User Guide,
 * "Configuring an Amazon SNS topic for budget notifications") and EventBridge rules forwarding
 * AWS's failure events (EventBridge User Guide, "Amazon SNS topics encrypted with AWS KMS").
 */
function otherTopicPublishers(
  account: string,
  region: string,
  partition: string,
): KeyPolicyStatement[] {
  return [
    topicPublisherStatement(
      "BudgetsPublishToEncryptedTopics",
      "budgets.amazonaws.com",
      account,
      `arn:${partition}:budgets::${account}:*`,
    ),
    topicPublisherStatement(
      "EventBridgePublishToEncryptedTopics",
      "events.amazonaws.com",
      account,
      `arn:${partition}:events:${region}:${account}:rule/*`,
    ),
  ];
}

/**
 * Pure: Session Manager (ECS Exec) session encryption. The client calls GenerateDataKey and the
 * agent in the task calls Decrypt themselves, not through a service, so this is the one direct use:
 * limited to data keys bound to a Session Manager session (its encryption context), which cannot
 * decrypt anything else encrypted under the key.
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/session-preferences-enable-encryption.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
 */
export function sessionManagerStatement(account: string, partition: string): KeyPolicyStatement {
  return {
    Sid: "SessionManagerSessionsInThisAccount",
    Effect: "Allow",
    Principal: { AWS: `arn:${partition}:iam::${account}:root` },
    Action: ["kms:GenerateDataKey", "kms:Decrypt"],
    Resource: "*",
    Condition: {
      StringEquals: { "kms:CallerAccount": account },
      Null: { "kms:EncryptionContext:aws:ssm:SessionId": "false" },
    },
  };
}

/** Pure: the key policy statements for the given users. Exported for tests. */
export function keyPolicyStatements(
  users: KeyUser[],
  account: string,
  region: string,
  partition: string,
): KeyPolicyStatement[] {
  const statements = [keyAdministrationStatement(account, partition)];
  for (const user of [...new Set(users)]) {
    switch (user) {
      case "logs":
        statements.push(
          cloudWatchLogsStatement(account, region, partition),
          viaServiceStatement(user, account, region, partition),
        );
        break;
      case "cloudtrail":
        statements.push(...cloudTrailStatements(account, region, partition));
        break;
      case "sns":
        statements.push(
          cloudWatchAlarmsStatement(account, region, partition),
          ...otherTopicPublishers(account, region, partition),
          viaServiceStatement(user, account, region, partition),
        );
        break;
      case "session-manager":
        statements.push(sessionManagerStatement(account, partition));
        break;
      default:
        statements.push(viaServiceStatement(user, account, region, partition));
        break;
    }
  }
  return statements;
}

/** Pure: the whole key policy. */
export function keyPolicyDocument(
  users: KeyUser[],
  account: string,
  region: string,
  partition: string,
): KeyPolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: keyPolicyStatements(users, account, region, partition),
  };
}
