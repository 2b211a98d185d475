// backupArrivalAlarm() on its own: the backup bucket sends its events to EventBridge, a rule matches
// S3's "Object Created" under the backup prefix and writes each into a retained, encrypted log group
// (through a resource policy scoped to it), and an alarm on the rule's AWS/Events TriggeredRules
// fires when no backup object arrived for a day (missing data breaching), notifying the topic.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  BACKUP_ARRIVAL_TARGET_ID,
  backupArrivalAlarm,
  EVENTBRIDGE_LIMITS,
  eventLogPolicy,
  keyPrefixProblem,
  objectCreatedPattern,
} from "../../components/alarms/backup-arrival";
import { monitoring } from "../../components/alarms/monitoring";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const NOTIFICATION = "aws:s3/bucketNotification:BucketNotification";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const LOG_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";

function build(name: string, protect: boolean, keyPrefix = "openemr/") {
  return () => {
    const key = new aws.kms.Key("tier-key", { description: "test" });
    const bucket = new aws.s3.Bucket("backups", { bucketPrefix: "backups-" });
    const tier = new pulumi.ComponentResource("test:index:Tier", "tier");
    const m = monitoring(name, { kmsKeyArn: key.arn }, { parent: tier });
    const arrival = backupArrivalAlarm(
      name,
      {
        bucketName: bucket.bucket,
        keyPrefix,
        alarm: m.alarm,
        eventLog: {
          logGroupName: `/openemr/test/backup-arrivals`,
          retentionInDays: 2192,
          kmsKeyArn: key.arn,
          protect,
        },
      },
      { parent: tier },
    );
    return {
      keyArn: key.arn,
      bucketName: bucket.bucket,
      topicArn: m.topic.arn,
      ruleName: arrival.rule.name,
      logGroupArn: arrival.logGroup.arn,
    };
  };
}

describe("backupArrivalAlarm", () => {
  describe("protected, short name", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(build("openemr-test", true));
    });

    it("creates the bucket notification, the rule, its log group target with its policy, and the alarm, all children of the caller's parent", () => {
      const tier = p.named("tier", "test:index:Tier");
      expect(inventory(p.resources.filter((r) => r.parent === tier.urn))).to.have.members([
        `${TOPIC}::openemr-test-alarms`,
        `${NOTIFICATION}::openemr-test-backup-events`,
        `${RULE}::openemr-test-backup-arrival`,
        `${LOG_GROUP}::openemr-test-backup-arrival-log`,
        `${LOG_POLICY}::openemr-test-backup-arrival-log-policy`,
        `${TARGET}::openemr-test-backup-arrival-target`,
        `${ALARM}::openemr-test-backup-not-arrived`,
      ]);
    });

    it("turns on EventBridge notifications for the backup bucket", () => {
      const notification = p.named("openemr-test-backup-events", NOTIFICATION);
      expect(notification.props).to.deep.equal({
        bucket: p.outputs.bucketName,
        eventbridge: true,
      });
      expect(p.dependenciesOf(notification, "bucket").map((r) => r.name)).to.deep.equal([
        "backups",
      ]);
    });

    it("matches S3 Object Created events of that bucket under the backup prefix, nothing else", () => {
      const rule = p.named("openemr-test-backup-arrival", RULE);
      expect(rule.props.name).to.equal("openemr-test-backup-arrival");
      expect(JSON.parse(rule.props.eventPattern as string)).to.deep.equal({
        source: ["aws.s3"],
        "detail-type": ["Object Created"],
        detail: {
          bucket: { name: [p.outputs.bucketName] },
          object: { key: [{ prefix: "openemr/" }] },
        },
      });
      expect(rule.props).to.not.have.property("scheduleExpression");
      expect(rule.props).to.not.have.property("eventBusName"); // the default bus, where S3 sends
      expect(rule.props.description).to.equal(
        `openemr-test: a backup object arrived under s3://${p.outputs.bucketName as string}/openemr/`,
      );
      expect((rule.props.eventPattern as string).length).to.be.at.most(
        EVENTBRIDGE_LIMITS.eventPattern,
      );
      expect(p.dependenciesOf(rule, "eventPattern").map((r) => r.name)).to.deep.equal(["backups"]);
    });

    it("writes each matched event into a retained, encrypted, protected log group, with no role", () => {
      const target = p.named("openemr-test-backup-arrival-target", TARGET);
      expect(target.props).to.deep.equal({
        rule: "openemr-test-backup-arrival",
        targetId: BACKUP_ARRIVAL_TARGET_ID,
        arn: p.outputs.logGroupArn,
      });
      expect(BACKUP_ARRIVAL_TARGET_ID).to.match(/^[.\-_A-Za-z0-9]{1,64}$/);
      const group = p.named("openemr-test-backup-arrival-log", LOG_GROUP);
      expect(group.props).to.deep.equal({
        name: "/openemr/test/backup-arrivals",
        retentionInDays: 2192,
        kmsKeyId: p.outputs.keyArn,
        logGroupClass: "STANDARD",
        skipDestroy: true,
      });
      expect(group.opts.protect).to.equal(true);
    });

    it("lets EventBridge write into that log group only, through a policy attached to it, before the target exists", () => {
      const policy = p.named("openemr-test-backup-arrival-log-policy", LOG_POLICY);
      const arn = p.outputs.logGroupArn as string;
      expect(policy.props.resourceArn).to.equal(arn);
      expect(policy.props).to.not.have.property("policyName"); // not an account-scoped policy
      expect(JSON.parse(policy.props.policyDocument as string)).to.deep.equal({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "EventBridgeWritesBackupArrivals",
            Effect: "Allow",
            Principal: { Service: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] },
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${arn}:*`,
          },
        ],
      });
      const target = p.named("openemr-test-backup-arrival-target", TARGET);
      expect(p.dependsOn(target).map((r) => r.name)).to.deep.equal([
        "openemr-test-backup-arrival-log-policy",
      ]);
    });

    it("alarms when the rule ran on no backup object for a whole day, treating no data as breaching, and notifies the topic", () => {
      const alarm = p.named("openemr-test-backup-not-arrived", ALARM);
      const { alarmDescription, ...spec } = alarm.props;
      expect(spec).to.deep.equal({
        alarmActions: [p.outputs.topicArn],
        okActions: [p.outputs.topicArn],
        namespace: "AWS/Events",
        metricName: "TriggeredRules",
        dimensions: { RuleName: p.outputs.ruleName },
        statistic: "Sum",
        period: 86400,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
      });
      expect(p.outputs.ruleName).to.equal("openemr-test-backup-arrival");
      expect(alarmDescription)
        .to.be.a("string")
        .and.match(/^openemr-test: no backup object arrived under .*openemr\//);
      expect((alarmDescription as string).length).to.be.at.most(1024);
      expect(p.dependenciesOf(alarm, "dimensions").map((r) => r.name)).to.deep.equal([
        "openemr-test-backup-arrival",
      ]);
    });
  });

  describe("unprotected, long name", () => {
    const name = "openemr-clinic-north-eastern-region-production-plus";
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(build(name, false, "backups/openemr"));
    });

    it("fits the rule name into EventBridge's 64 characters and its pattern", () => {
      const ruleName = p.named(`${name}-backup-arrival`, RULE).props.name as string;
      expect(`${name}-backup-arrival`.length).to.be.above(64);
      expect(ruleName).to.have.length.at.most(EVENTBRIDGE_LIMITS.ruleName);
      expect(ruleName).to.match(/^[.\-_A-Za-z0-9]+$/);
      expect(ruleName).to.match(
        /^openemr-clinic-north-eastern-region-production-plus-back-[0-9a-f]{7}$/,
      );
      expect(p.named(`${name}-backup-not-arrived`, ALARM).props.dimensions).to.deep.equal({
        RuleName: ruleName,
      });
    });

    it("matches the prefix as given and leaves the log group to a throwaway stack's destroy", () => {
      const pattern = JSON.parse(
        p.named(`${name}-backup-arrival`, RULE).props.eventPattern as string,
      ) as { detail: { object: { key: unknown } } };
      expect(pattern.detail.object.key).to.deep.equal([{ prefix: "backups/openemr" }]);
      const group = p.named(`${name}-backup-arrival-log`, LOG_GROUP);
      expect(group.opts.protect).to.equal(false);
      expect(group.props.skipDestroy).to.equal(false);
    });
  });

  describe("the pure parts", () => {
    it("accepts S3-safe prefixes and refuses empty, absolute, oddly encoded or overlong ones", () => {
      for (const ok of ["openemr/", "backups/openemr/", "a", "x_y-z.(1)/"]) {
        expect(keyPrefixProblem(ok), ok).to.equal(undefined);
      }
      for (const bad of ["", "/openemr/", "open emr/", "openemr//x", "ö/", "a".repeat(257)]) {
        expect(keyPrefixProblem(bad), bad).to.match(/keyPrefix .* must be 1 to 256/);
      }
    });

    it("refuses a bad prefix when building, with the reason", async () => {
      let error: unknown;
      try {
        await planComponent(build("openemr-test", true, "/openemr/"));
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.match(/backupArrivalAlarm openemr-test: keyPrefix "\/openemr\/"/);
    });

    it("keeps the longest accepted pattern within PutRule's 4096 characters", () => {
      expect(objectCreatedPattern("b".repeat(63), "p".repeat(256)).length).to.be.at.most(4096);
    });

    it("grants only the two write actions, to the two EventBridge delivery principals", () => {
      expect(eventLogPolicy("arn:aws:logs:us-east-1:123456789012:log-group:/x")).to.deep.equal({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "EventBridgeWritesBackupArrivals",
            Effect: "Allow",
            Principal: { Service: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] },
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: "arn:aws:logs:us-east-1:123456789012:log-group:/x:*",
          },
        ],
      });
    });
  });
});
