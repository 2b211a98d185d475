import { expect } from "chai";
import {
  KEY_ADMIN_ACTIONS,
  KEY_CRYPTO_ACTIONS,
  type KeyUser,
  cloudTrailStatements,
  cloudWatchAlarmsStatement,
  cloudWatchLogsStatement,
  keyAdministrationStatement,
  keyPolicyDocument,
  keyPolicyStatements,
  sessionManagerStatement,
  viaServiceStatement,
} from "../../components/keys/encryption-key";
import { type PolicyRequest, allows } from "./evaluate";

const ACCOUNT = "123456789012";
const OTHER = "210987654321";
const REGION = "us-east-1";
const ALL: KeyUser[] = [
  "logs",
  "cloudtrail",
  "ec2",
  "s3",
  "backup",
  "secretsmanager",
  "ssm",
  "rds",
  "sns",
  "efs",
  "elasticache",
];

const policyFor = (users: KeyUser[]) => keyPolicyStatements(users, ACCOUNT, REGION, "aws");
const inAccount = (
  action: string,
  context: Record<string, string> = {},
  account = ACCOUNT,
): PolicyRequest => ({ principal: { account }, action, context });
const via = (service: string, account = ACCOUNT) => ({
  "kms:ViaService": `${service}.${REGION}.amazonaws.com`,
  "kms:CallerAccount": account,
});

describe("encryption key policy", () => {
  describe("administration", () => {
    const admin = keyAdministrationStatement(ACCOUNT, "aws");

    it("lets the account root administer the key, including its policy, rotation and deletion", () => {
      expect(admin.Principal).to.deep.equal({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
      expect(admin.Action).to.include.members([
        "kms:PutKeyPolicy",
        "kms:GetKeyPolicy",
        "kms:DescribeKey",
        "kms:EnableKeyRotation",
        "kms:DisableKey",
        "kms:ScheduleKeyDeletion",
        "kms:CancelKeyDeletion",
        "kms:CreateAlias",
        "kms:TagResource",
        "kms:RevokeGrant",
      ]);
      expect(admin.Condition).to.equal(undefined);
    });

    it("names every action, never kms:* or a wildcard that takes in a cryptographic one", () => {
      expect(admin.Action).to.deep.equal([...KEY_ADMIN_ACTIONS]);
      for (const action of admin.Action) expect(action, action).to.not.contain("*");
      for (const crypto of KEY_CRYPTO_ACTIONS) expect(admin.Action).to.not.include(crypto);
    });

    it("keeps PutKeyPolicy for the administrators of every key, whatever its users", () => {
      for (const users of [[], ["s3"], ALL] as KeyUser[][]) {
        expect(allows(policyFor(users), inAccount("kms:PutKeyPolicy"))).to.equal(true);
      }
    });

    it("does not let a principal of the account decrypt, encrypt or grant directly", () => {
      const policy = policyFor(ALL);
      for (const action of KEY_CRYPTO_ACTIONS) {
        expect(allows(policy, inAccount(action)), action).to.equal(false);
        expect(
          allows(policy, inAccount(action, { "kms:CallerAccount": ACCOUNT })),
          action,
        ).to.equal(false);
      }
    });

    it("gives nothing to other accounts", () => {
      const policy = policyFor(ALL);
      expect(allows(policy, inAccount("kms:PutKeyPolicy", {}, OTHER))).to.equal(false);
      expect(allows(policy, inAccount("kms:Decrypt", via("s3", OTHER), OTHER))).to.equal(false);
    });
  });

  describe("use through a service", () => {
    it("allows data-key use through the named service, in this region, by this account", () => {
      const policy = policyFor(["s3"]);
      expect(allows(policy, inAccount("kms:GenerateDataKey", via("s3")))).to.equal(true);
      expect(allows(policy, inAccount("kms:Decrypt", via("s3")))).to.equal(true);
      expect(
        allows(
          policy,
          inAccount("kms:Decrypt", {
            "kms:ViaService": "s3.eu-west-1.amazonaws.com",
            "kms:CallerAccount": ACCOUNT,
          }),
        ),
      ).to.equal(false);
      expect(
        allows(policy, inAccount("kms:Decrypt", { "kms:ViaService": via("s3")["kms:ViaService"] })),
      ).to.equal(false);
    });

    it("refuses a service the key's users do not name", () => {
      const policy = policyFor(["s3", "ssm"]);
      expect(allows(policy, inAccount("kms:Decrypt", via("ssm")))).to.equal(true);
      expect(allows(policy, inAccount("kms:Decrypt", via("rds")))).to.equal(false);
      expect(allows(policy, inAccount("kms:CreateGrant", via("ec2")))).to.equal(false);
    });

    it("lets EBS, RDS, EFS, ElastiCache and Backup create the grants their resources live on", () => {
      const policy = policyFor(ALL);
      for (const service of ["ec2", "rds", "elasticfilesystem", "elasticache", "backup"]) {
        expect(allows(policy, inAccount("kms:CreateGrant", via(service))), service).to.equal(true);
        expect(
          allows(policy, inAccount("kms:GenerateDataKeyWithoutPlaintext", via(service))),
        ).to.equal(true);
      }
      for (const service of ["s3", "ssm", "secretsmanager", "sns", "logs"]) {
        expect(allows(policy, inAccount("kms:CreateGrant", via(service))), service).to.equal(false);
      }
    });

    it("names EFS by its service endpoint and ElastiCache by both of its endpoints (elasticache, dax)", () => {
      expect(viaServiceStatement("efs", ACCOUNT, REGION, "aws").Condition).to.deep.equal({
        StringEquals: {
          "kms:ViaService": "elasticfilesystem.us-east-1.amazonaws.com",
          "kms:CallerAccount": ACCOUNT,
        },
      });
      const cache = policyFor(["elasticache"]);
      expect(allows(cache, inAccount("kms:CreateGrant", via("elasticache")))).to.equal(true);
      expect(allows(cache, inAccount("kms:CreateGrant", via("dax")))).to.equal(true);
    });
  });

  describe("service principals", () => {
    it("lets CloudWatch Logs use the key for this account's log groups only", () => {
      const statement = cloudWatchLogsStatement(ACCOUNT, REGION, "aws");
      const logs = (arn: string): PolicyRequest => ({
        principal: { service: "logs.us-east-1.amazonaws.com" },
        action: "kms:GenerateDataKey",
        context: { "kms:EncryptionContext:aws:logs:arn": arn },
      });
      expect(
        allows([statement], logs(`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/openemr/x`)),
      ).to.equal(true);
      expect(allows([statement], logs(`arn:aws:logs:us-east-1:${OTHER}:log-group:/x`))).to.equal(
        false,
      );
      expect(
        allows([statement], { ...logs(""), context: {} }),
        "no log-group encryption context",
      ).to.equal(false);
    });

    it("lets CloudTrail encrypt for this account's trails only (aws:SourceArn and encryption context)", () => {
      const statements = cloudTrailStatements(ACCOUNT, REGION, "aws");
      const trail = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/openemr-dev-audit-trail`;
      const request = (sourceArn: string, contextArn: string | undefined): PolicyRequest => ({
        principal: { service: "cloudtrail.amazonaws.com" },
        action: "kms:GenerateDataKey",
        context: {
          "aws:SourceArn": sourceArn,
          ...(contextArn ? { "kms:EncryptionContext:aws:cloudtrail:arn": contextArn } : {}),
        },
      });
      expect(allows(statements, request(trail, trail))).to.equal(true);
      const foreign = `arn:aws:cloudtrail:us-east-1:${OTHER}:trail/t`;
      expect(allows(statements, request(foreign, foreign)), "another account's trail").to.equal(
        false,
      );
      expect(allows(statements, request(trail, undefined)), "no trail encryption context").to.equal(
        false,
      );
      expect(
        allows(statements, {
          principal: { service: "cloudtrail.amazonaws.com" },
          action: "kms:DescribeKey",
          context: { "aws:SourceArn": trail },
        }),
      ).to.equal(true);
      expect(
        allows(statements, {
          principal: { service: "cloudtrail.amazonaws.com" },
          action: "kms:Decrypt",
          context: { "aws:SourceArn": trail, "kms:EncryptionContext:aws:cloudtrail:arn": trail },
        }),
        "CloudTrail never decrypts",
      ).to.equal(false);
    });

    it("lets this account's CloudWatch alarms publish to encrypted topics", () => {
      const statement = cloudWatchAlarmsStatement(ACCOUNT, REGION, "aws");
      const alarm = (account: string): PolicyRequest => ({
        principal: { service: "cloudwatch.amazonaws.com" },
        action: "kms:GenerateDataKey",
        context: {
          "aws:SourceAccount": account,
          "aws:SourceArn": `arn:aws:cloudwatch:us-east-1:${account}:alarm:backup-failed`,
        },
      });
      expect(allows([statement], alarm(ACCOUNT))).to.equal(true);
      expect(allows([statement], { ...alarm(ACCOUNT), action: "kms:Decrypt" })).to.equal(true);
      expect(allows([statement], alarm(OTHER))).to.equal(false);
      expect(allows([statement], { ...alarm(ACCOUNT), action: "kms:Encrypt" })).to.equal(false);
    });

    it("adds the CloudWatch alarms statement with SNS and the logs principal with logs", () => {
      const sids = (users: KeyUser[]) => policyFor(users).map((s) => s.Sid);
      expect(sids(["sns"])).to.deep.equal([
        "AccountAdministersKey",
        "CloudWatchAlarmsPublishToEncryptedTopics",
        "BudgetsPublishToEncryptedTopics",
        "EventBridgePublishToEncryptedTopics",
        "SnsInThisAccount",
      ]);
      expect(sids(["logs"])).to.deep.equal([
        "AccountAdministersKey",
        "CloudWatchLogsInThisAccount",
        "LogsInThisAccount",
      ]);
    });
  });

  describe("CloudTrail log files", () => {
    const statements = cloudTrailStatements(ACCOUNT, REGION, "aws");
    const read = statements.find((s) => s.Sid === "CloudTrailLogsReadableInThisAccount")!;

    it("lets the account decrypt trail log data keys, and nothing else the key encrypts", () => {
      const trail = {
        "kms:CallerAccount": ACCOUNT,
        "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/t`,
      };
      expect(allows([read], inAccount("kms:Decrypt", trail))).to.equal(true);
      expect(allows([read], inAccount("kms:GenerateDataKey", trail))).to.equal(false);
      expect(
        allows([read], inAccount("kms:Decrypt", { "kms:CallerAccount": ACCOUNT })),
        "a data key without the trail's context",
      ).to.equal(false);
      expect(
        allows([read], inAccount("kms:Decrypt", { ...trail, "kms:CallerAccount": OTHER }, OTHER)),
        "another account",
      ).to.equal(false);
    });
  });

  describe("Session Manager (ECS Exec) sessions", () => {
    const statement = sessionManagerStatement(ACCOUNT, "aws");

    it("allows direct GenerateDataKey and Decrypt only for data keys bound to a session", () => {
      const session = {
        "kms:CallerAccount": ACCOUNT,
        "kms:EncryptionContext:aws:ssm:SessionId": "admin-0123456789abcdef0",
      };
      expect(allows([statement], inAccount("kms:GenerateDataKey", session))).to.equal(true);
      expect(allows([statement], inAccount("kms:Decrypt", session))).to.equal(true);
      expect(
        allows(
          [statement],
          inAccount("kms:Decrypt", {
            "kms:CallerAccount": ACCOUNT,
            "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::openemr-backups",
          }),
        ),
        "an S3 object's data key",
      ).to.equal(false);
      expect(allows([statement], inAccount("kms:Encrypt", session))).to.equal(false);
    });

    it("is only in the policy of a key whose users name it", () => {
      expect(policyFor(ALL).map((s) => s.Sid)).to.not.include(statement.Sid);
      expect(policyFor(["logs", "session-manager"]).map((s) => s.Sid)).to.include(statement.Sid);
    });
  });

  describe("the document", () => {
    it("is a 2012-10-17 policy with one statement per user, however often a user is named", () => {
      const doc = keyPolicyDocument(["s3", "s3", "ec2"], ACCOUNT, REGION, "aws");
      expect(doc.Version).to.equal("2012-10-17");
      expect(doc.Statement.map((s) => s.Sid)).to.deep.equal([
        "AccountAdministersKey",
        "S3InThisAccount",
        "EbsInThisAccount",
      ]);
    });

    it("gives every statement a distinct Sid and a partition-aware root", () => {
      const statements = keyPolicyStatements(
        [...ALL, "session-manager"],
        ACCOUNT,
        REGION,
        "aws-us-gov",
      );
      const sids = statements.map((s) => s.Sid);
      expect(new Set(sids).size).to.equal(sids.length);
      for (const s of statements) {
        if ("AWS" in s.Principal)
          expect(s.Principal.AWS).to.equal(`arn:aws-us-gov:iam::${ACCOUNT}:root`);
      }
    });
  });
});
