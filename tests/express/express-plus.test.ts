import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { runPolicyPack } from "../../tools/policy/run";
import type { PlanFile, PlanResource } from "../../tools/plan/types";
import { EXPRESS_PLUS, ROOT, planStack } from "../helpers/plan";
import { dependencyOf, ofType, one, prop } from "../helpers/resources";

const KEY = "aws:kms/key:Key";

function keyUrnOf(plan: PlanFile, r: PlanResource, propName: string): string[] {
  return dependencyOf(plan, r, propName)
    .filter((d) => d.type === KEY)
    .map((d) => d.urn);
}

describe("express-plus tier (dev stack, protected)", function () {
  let plan: PlanFile;
  let key: PlanResource;
  before(async () => {
    plan = await planStack("dev", EXPRESS_PLUS);
    key = one(plan, KEY);
  });

  it("creates one customer-managed key with yearly rotation, protected", () => {
    expect(prop(key, "enableKeyRotation")).to.equal(true);
    expect(prop(key, "rotationPeriodInDays")).to.equal(365);
    expect(key.opts.protect).to.equal(true);
  });

  it("lets only the services that use the key do so, CloudWatch Logs limited to this account's log groups", () => {
    const policy = JSON.parse(prop<string>(key, "policy")) as {
      Statement: {
        Sid: string;
        Principal: Record<string, string>;
        Action: string[];
        Condition?: Record<string, Record<string, string>>;
      }[];
    };
    const sids = policy.Statement.map((s) => s.Sid);
    expect(sids).to.include.members([
      "AccountAdministersKey",
      "CloudWatchLogsInThisAccount",
      "CloudTrailEncryptsThisAccountsTrails",
      "EbsInThisAccount",
      "S3InThisAccount",
      "SsmInThisAccount",
    ]);
    const logs = policy.Statement.find((s) => s.Sid === "CloudWatchLogsInThisAccount")!;
    expect(logs.Principal).to.deep.equal({ Service: "logs.us-east-1.amazonaws.com" });
    expect(logs.Condition!.ArnLike["kms:EncryptionContext:aws:logs:arn"]).to.equal(
      "arn:aws:logs:us-east-1:123456789012:log-group:*",
    );
    // the account administers the key but uses it only through the services above
    const admin = policy.Statement.find((s) => s.Sid === "AccountAdministersKey")!;
    expect(admin.Action).to.include("kms:PutKeyPolicy");
    for (const use of ["kms:*", "kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant"]) {
      expect(admin.Action).to.not.include(use);
    }
    for (const s of policy.Statement.filter((x) => x.Principal.AWS && x !== admin)) {
      expect(s.Condition?.StringEquals["kms:CallerAccount"], s.Sid).to.equal("123456789012");
      if (s.Sid === "SessionManagerSessionsInThisAccount") {
        // Session Manager shells: data keys bound to a session, for the admin and the agent
        expect(s.Condition?.Null).to.deep.equal({
          "kms:EncryptionContext:aws:ssm:SessionId": "false",
        });
        continue;
      }
      if (s.Sid === "CloudTrailLogsReadableInThisAccount") {
        // the one direct use: Decrypt of data keys bound to a trail (AWS's default trail policy)
        expect(s.Action).to.deep.equal(["kms:Decrypt"]);
        expect(s.Condition?.Null).to.deep.equal({
          "kms:EncryptionContext:aws:cloudtrail:arn": "false",
        });
        continue;
      }
      expect(s.Condition?.StringEquals["kms:ViaService"], s.Sid).to.match(
        /^[a-z0-9]+\.us-east-1\.amazonaws\.com$/,
      );
    }
  });

  it("encrypts the root and the separate gp3 data volume with the key", () => {
    const instance = one(plan, "aws:ec2/instance:Instance");
    expect(prop(instance, "rootBlockDevice.encrypted")).to.equal(true);
    expect(keyUrnOf(plan, instance, "rootBlockDevice")).to.deep.equal([key.urn]);
    const volume = one(plan, "aws:ebs/volume:Volume");
    expect(prop(volume, "type")).to.equal("gp3");
    expect(prop(volume, "size")).to.equal(20);
    expect(prop(volume, "encrypted")).to.equal(true);
    expect(keyUrnOf(plan, volume, "kmsKeyId")).to.deep.equal([key.urn]);
    expect(volume.opts.protect).to.equal(true);
    expect(prop(one(plan, "aws:ec2/volumeAttachment:VolumeAttachment"), "deviceName")).to.equal(
      "/dev/sdf",
    );
  });

  it("encrypts every log group and generated password with the key", () => {
    for (const g of ofType(plan, "aws:cloudwatch/logGroup:LogGroup")) {
      expect(keyUrnOf(plan, g, "kmsKeyId"), g.name).to.deep.equal([key.urn]);
      expect(prop(g, "retentionInDays"), g.name).to.equal(2192);
    }
    for (const p of ofType(plan, "aws:ssm/parameter:Parameter")) {
      expect(keyUrnOf(plan, p, "keyId"), p.name).to.deep.equal([key.urn]);
    }
  });

  it("backs up to a KMS-encrypted, versioned, private, TLS-only bucket with a lifecycle", () => {
    const bucket = ofType(plan, "aws:s3/bucket:Bucket").find((b) => b.name.endsWith("-backups"))!;
    expect(bucket.opts.protect).to.equal(true);
    const children = plan.resources.filter((r) => r.parent === bucket.parent);
    const sse = children.find((r) => r.type.includes("bucketServerSideEncryptionConfiguration"))!;
    expect(keyUrnOf(plan, sse, "rules")).to.deep.equal([key.urn]);
    const lifecycle = children.find((r) => r.type.includes("bucketLifecycleConfiguration"))!;
    expect(JSON.stringify(lifecycle.props.rules)).to.contain('"expiration":{"days":90}');
    const policy = children.find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy")!;
    expect(prop<string>(policy, "policy")).to.contain('"aws:SecureTransport":"false"');
    const pab = children.find((r) => r.type.includes("bucketPublicAccessBlock"))!;
    expect(pab.props).to.include({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
  });

  it("runs weekly-full / daily-incremental backups to the bucket with the key, and alarms on failure", () => {
    const userData = parse(prop<string>(one(plan, "aws:ec2/instance:Instance"), "userData")) as {
      write_files: { path: string; content: string }[];
    };
    const env = userData.write_files.find((f) => f.path === "/etc/openemr/deploy.env")!.content;
    expect(env).to.contain("BACKUP_MODE='s3'");
    expect(env).to.match(/KMS_KEY_ARN='arn:aws:kms:us-east-1:123456789012:key\//);
    const backup = fs.readFileSync(path.join(ROOT, "components/compute/scripts/backup.sh"), "utf8");
    expect(backup).to.contain("--listed-incremental");
    expect(backup).to.contain("--sse aws:kms");
    expect(backup).to.contain("--single-transaction");
    const alarm = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").find(
      (a) => prop(a, "metricName") === "BackupSucceeded",
    )!;
    expect(prop(alarm, "treatMissingData")).to.equal("breaching");
    expect((prop<string[]>(alarm, "alarmActions") ?? []).length).to.equal(1);
  });

  it("locks every backup for its retention: the host can add backups, nobody can delete one early", () => {
    const bucket = ofType(plan, "aws:s3/bucket:Bucket").find((b) => b.name.endsWith("-backups"))!;
    const lock = one(
      plan,
      "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
      "-backups-object-lock",
    );
    expect(dependencyOf(plan, lock, "bucket").map((r) => r.urn)).to.deep.equal([bucket.urn]);
    expect(prop(lock, "objectLockEnabled")).to.equal("Enabled");
    // protected stack: COMPLIANCE, which not even the account's root user can shorten
    expect(prop(lock, "rule.defaultRetention")).to.deep.equal({ mode: "COMPLIANCE", days: 90 });
    // old versions outlive the lock, so an overwrite never frees a locked backup early
    const lifecycle = plan.resources.find(
      (r) => r.parent === bucket.parent && r.type.includes("bucketLifecycleConfiguration"),
    )!;
    expect(JSON.stringify(lifecycle.props.rules)).to.contain('"noncurrentDays":90');
    const role = ofType(plan, "aws:iam/rolePolicy:RolePolicy").find((r) =>
      r.name.endsWith("-web-access"),
    )!;
    const actions = JSON.stringify(JSON.parse(prop<string>(role, "policy")));
    expect(actions).to.not.match(/s3:(DeleteObject|PutObjectRetention|BypassGovernanceRetention)/);
  });

  it("alarms when no backup object arrives in the bucket for a day, by S3's events, not the host's metric", () => {
    const rule = one(plan, "aws:cloudwatch/eventRule:EventRule", "-backup-arrival");
    const pattern = JSON.parse(prop<string>(rule, "eventPattern")) as {
      source: string[];
      "detail-type": string[];
      detail: { object: { key: { prefix: string }[] } };
    };
    expect(pattern.source).to.deep.equal(["aws.s3"]);
    expect(pattern["detail-type"]).to.deep.equal(["Object Created"]);
    expect(pattern.detail.object.key).to.deep.equal([{ prefix: "openemr/" }]);
    const alarm = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").find((a) =>
      a.name.endsWith("-backup-not-arrived"),
    )!;
    expect(prop(alarm, "namespace")).to.equal("AWS/Events");
    expect(prop(alarm, "treatMissingData")).to.equal("breaching");
    expect(prop(alarm, "period")).to.equal(86400);
    const topic = one(plan, "aws:sns/topic:Topic");
    expect(dependencyOf(plan, alarm, "alarmActions").map((r) => r.urn)).to.deep.equal([topic.urn]);
  });

  it("audits with a multi-region, validated, KMS-encrypted CloudTrail delivered to CloudWatch Logs", () => {
    const trail = one(plan, "aws:cloudtrail/trail:Trail");
    expect(trail.props).to.include({
      isMultiRegionTrail: true,
      enableLogFileValidation: true,
      includeGlobalServiceEvents: true,
    });
    expect(keyUrnOf(plan, trail, "kmsKeyId")).to.deep.equal([key.urn]);
    expect(dependencyOf(plan, trail, "cloudWatchLogsGroupArn").map((r) => r.type)).to.deep.equal([
      "aws:cloudwatch/logGroup:LogGroup",
    ]);
  });

  it("leaves the trail to the organization when auditTrail is existing", async () => {
    const p = await planStack("dev", { ...EXPRESS_PLUS, "openemr:auditTrail": "existing" });
    expect(ofType(p, "aws:cloudtrail/trail:Trail")).to.have.length(0);
  });

  it("passes the policy pack with the customer-managed-key policies mandatory", async () => {
    const config = JSON.parse(
      fs.readFileSync(path.join(ROOT, "policy/config.cmk-mandatory.json"), "utf8"),
    ) as Record<string, unknown>;
    const verdict = await runPolicyPack(plan, config);
    expect(verdict.violations).to.deep.equal([]);
    expect(verdict.passed).to.equal(true);
  });

  it("costs at most $4 a month more than express at the same defaults", async () => {
    const express = await planStack("dev", { "openemr:protectData": "true" });
    const plus = await planStack("dev", {
      "openemr:protectData": "true",
      "openemr:preset": "express-plus",
    });
    const delta = plus.cost!.monthlyUsd - express.cost!.monthlyUsd;
    expect(delta).to.be.greaterThan(0);
    expect(delta).to.be.at.most(4);
  });
});
