// Session Manager shells (the documented admin path of the EC2 tiers) logged and encrypted: a
// stack-specific Session document carrying the session preferences, and the retained log group the
// transcripts stream to. The account-wide SSM-SessionManagerRunShell document may already exist
// (and belongs to whoever set the account's preferences), so the stack never creates that name;
// an admin starts the shell with `--document-name <this document>`.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { retainedLogGroup } from "../logs/log-group";

/**
 * SSM CreateDocument `Name`: `^[a-zA-Z0-9_\-.]{3,128}$`, and "You can't use the following strings
 * as document name prefixes ... aws, amazon, amzn, AWSEC2, AWSConfigRemediation, AWSSupport"
 * (SSM API Reference, CreateDocument; botocore ssm-2014-11-06 DocumentName). The reserved prefixes
 * are compared case-insensitively here (AWSEC2 and the others all start with "aws").
 */
export const SSM_DOCUMENT_NAME_PATTERN = /^[a-zA-Z0-9_\-.]{3,128}$/;
const RESERVED_DOCUMENT_PREFIXES = /^(aws|amazon|amzn)/i;

/** Pure: a problem with `name` as an SSM document name, or undefined. */
export function documentNameProblem(name: string): string | undefined {
  if (!SSM_DOCUMENT_NAME_PATTERN.test(name)) {
    return `${JSON.stringify(name)} is not an SSM document name (3 to 128 of a-z A-Z 0-9 _ - .)`;
  }
  if (RESERVED_DOCUMENT_PREFIXES.test(name)) {
    return `${JSON.stringify(name)} starts with a prefix AWS reserves for its own documents (aws, amazon, amzn)`;
  }
  return undefined;
}

/** The Standard_Stream session preferences, plain values. */
export interface SessionPreferences {
  /** The log group the transcripts stream to. */
  logGroupName: string;
  /** KMS key (ARN) for session data, and a KMS-encrypted log group; "" when the stack has none. */
  kmsKeyArn: string;
  idleSessionTimeoutMinutes: number;
  maxSessionDurationMinutes: number;
}

/** The Session document's content (schemaVersion 1.0, Standard_Stream). */
export interface SessionDocumentContent {
  schemaVersion: "1.0";
  description: string;
  sessionType: "Standard_Stream";
  inputs: {
    s3BucketName: string;
    s3KeyPrefix: string;
    s3EncryptionEnabled: boolean;
    cloudWatchLogGroupName: string;
    cloudWatchEncryptionEnabled: boolean;
    cloudWatchStreamingEnabled: boolean;
    kmsKeyId: string;
    runAsEnabled: boolean;
    runAsDefaultUser: string;
    idleSessionTimeout: string;
    maxSessionDuration: string;
    shellProfile: { linux: string; windows: string };
  };
}

function minutes(what: string, value: number, max: number): string {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${what} must be a whole number of minutes from 1 to ${max}, not ${value}`);
  }
  return String(value);
}

/**
 * Pure: the Session document (Session document schema,
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-schema.html):
 * schemaVersion "1.0" (the only one), sessionType Standard_Stream, inputs as strings and booleans.
 * - no S3 copy (s3BucketName ""; s3EncryptionEnabled is a required boolean, kept true);
 * - the transcript streamed to CloudWatch Logs as the session runs (cloudWatchStreamingEnabled), so
 *   a session that ends abruptly is still recorded up to that point;
 * - cloudWatchEncryptionEnabled: the agent refuses to log into a group without a KMS key, so only
 *   when the stack has a key (the group is then under it);
 * - kmsKeyId: the key that encrypts session data between the client and the agent (on top of TLS);
 * - runAsEnabled false: sessions run as the agent's ssm-user (Run As would need an OS user on the
 *   host); idleSessionTimeout 1-60 and maxSessionDuration 1-1440 minutes, as strings.
 */
export function sessionDocumentContent(p: SessionPreferences): SessionDocumentContent {
  return {
    schemaVersion: "1.0",
    description: "OpenEMR admin shell: every session streamed to an encrypted, retained log group",
    sessionType: "Standard_Stream",
    inputs: {
      s3BucketName: "",
      s3KeyPrefix: "",
      s3EncryptionEnabled: true,
      cloudWatchLogGroupName: p.logGroupName,
      cloudWatchEncryptionEnabled: p.kmsKeyArn !== "",
      cloudWatchStreamingEnabled: true,
      kmsKeyId: p.kmsKeyArn,
      runAsEnabled: false,
      runAsDefaultUser: "",
      idleSessionTimeout: minutes("idleSessionTimeout", p.idleSessionTimeoutMinutes, 60),
      maxSessionDuration: minutes("maxSessionDuration", p.maxSessionDurationMinutes, 1440),
      shellProfile: {
        linux: "echo 'This Session Manager session is recorded in CloudWatch Logs.'; cd ~",
        windows: "",
      },
    },
  };
}

/** An IAM policy statement with plain values (an aws.iam.PolicyStatement). */
export interface InstanceStatement extends aws.iam.PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

/**
 * Pure: what the instance role needs, beyond the agent's own channel permissions
 * (ssm:UpdateInstanceInformation, ssmmessages:Create/OpenControlChannel, Create/OpenDataChannel), for
 * these sessions: write the transcript to this group only, find the group (the agent checks its
 * encryption with DescribeLogGroups, which takes no resource narrower than the account), and decrypt
 * the session's data key: the client calls GenerateDataKey, the agent Decrypt, and only keys bound to
 * a session (encryption context aws:ssm:SessionId, as the key policy's SessionManager statement
 * requires). https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-create-iam-instance-profile.html
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/session-preferences-enable-encryption.html
 */
export function sessionInstanceStatements(
  logGroupArn: string,
  kmsKeyArn: string,
): InstanceStatement[] {
  const statements: InstanceStatement[] = [
    {
      Sid: "SessionTranscriptsToTheirLogGroup",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: [logGroupArn, `${logGroupArn}:log-stream:*`],
    },
    {
      Sid: "SessionAgentChecksTheLogGroup",
      Effect: "Allow",
      Action: "logs:DescribeLogGroups",
      Resource: "*",
    },
  ];
  if (kmsKeyArn) {
    statements.push({
      Sid: "SessionDataKeys",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: kmsKeyArn,
      Condition: { Null: { "kms:EncryptionContext:aws:ssm:SessionId": "false" } },
    });
  }
  return statements;
}

export interface SessionLoggingArgs {
  /** The transcript group is `<prefix>/session-manager`. */
  logGroupPrefix: string;
  logRetentionDays: number;
  /**
   * The stack's customer-managed key: the log group's key (users "logs") and the session-data key
   * (users "session-manager"). Undefined (express without a key): the service-key group, no session
   * key (TLS only), cloudWatchEncryptionEnabled false.
   */
  kmsKeyArn?: pulumi.Input<string>;
  protect: boolean;
  /** Idle minutes before a session is closed (1-60; default 20, Session Manager's own default). */
  idleSessionTimeoutMinutes?: number;
  /** Longest session in minutes (1-1440; default 240). */
  maxSessionDurationMinutes?: number;
}

/**
 * The admin shell's Session document (`<name>`, e.g. openemr-prod-admin-shell) and its transcript
 * group, with a data-protection policy masking patient identifiers that a shell prints.
 */
export class SessionLogging extends pulumi.ComponentResource {
  public readonly logGroup: aws.cloudwatch.LogGroup;
  public readonly document: aws.ssm.Document;
  /** For `aws ssm start-session --target <instance id> --document-name <documentName>`. */
  public readonly documentName: pulumi.Output<string>;
  /** The statements the instance role needs (see sessionInstanceStatements). */
  public readonly instanceStatements: pulumi.Output<InstanceStatement[]>;

  constructor(name: string, args: SessionLoggingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:admin:SessionLogging", name, {}, opts);
    const child = { parent: this };
    const problem = documentNameProblem(name);
    if (problem) throw new Error(`${name}: ${problem}`);
    const idleSessionTimeoutMinutes = args.idleSessionTimeoutMinutes ?? 20;
    const maxSessionDurationMinutes = args.maxSessionDurationMinutes ?? 240;
    // refused here, not later inside an apply
    sessionDocumentContent({
      logGroupName: "-",
      kmsKeyArn: "",
      idleSessionTimeoutMinutes,
      maxSessionDurationMinutes,
    });

    this.logGroup = retainedLogGroup(
      `${name}-logs`,
      {
        logGroupName: `${args.logGroupPrefix}/session-manager`,
        retentionInDays: args.logRetentionDays,
        kmsKeyArn: args.kmsKeyArn,
        protect: args.protect,
        dataProtection: true,
      },
      child,
    );
    const keyArn = pulumi.output(args.kmsKeyArn ?? "");
    this.document = new aws.ssm.Document(
      name,
      {
        name,
        documentType: "Session",
        documentFormat: "JSON",
        content: pulumi.all([this.logGroup.name, keyArn]).apply(([logGroupName, kmsKeyArn]) =>
          JSON.stringify(
            sessionDocumentContent({
              logGroupName,
              kmsKeyArn,
              idleSessionTimeoutMinutes,
              maxSessionDurationMinutes,
            }),
          ),
        ),
        tags: { Name: name },
      },
      child,
    );
    this.documentName = this.document.name;
    this.instanceStatements = pulumi
      .all([this.logGroup.arn, keyArn])
      .apply(([logGroupArn, kmsKeyArn]) => sessionInstanceStatements(logGroupArn, kmsKeyArn));
    this.registerOutputs({ documentName: this.documentName });
  }
}

/** The admin shell command a tier outputs (adminShellCommand). */
export function startSessionCommand(
  region: pulumi.Input<string>,
  instanceId: pulumi.Input<string>,
  documentName: pulumi.Input<string>,
): pulumi.Output<string> {
  return pulumi.interpolate`aws ssm start-session --region ${region} --target ${instanceId} --document-name ${documentName}`;
}
