// monitoring() on its own: one SNS topic (under the key when there is one), the alarm e-mail
// subscribed only when set, and alarms that notify the topic on ALARM and on OK.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { monitoring } from "../../components/alarms/monitoring";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const TOPIC = "aws:sns/topic:Topic";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

describe("monitoring", () => {
  describe("with an e-mail address and a key", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(() => {
        const key = new aws.kms.Key("logs-key", { description: "test" });
        const tier = new pulumi.ComponentResource("test:index:Tier", "tier");
        const m = monitoring(
          "openemr-test",
          { email: "ops@example.org", kmsKeyArn: key.arn },
          { parent: tier },
        );
        m.alarm("cpu-high", "CPU above 80% for 10 minutes", {
          namespace: "AWS/EC2",
          metricName: "CPUUtilization",
          statistic: "Average",
          period: 300,
          evaluationPeriods: 2,
          threshold: 80,
          comparisonOperator: "GreaterThanThreshold",
          dimensions: { InstanceId: "i-1" },
          treatMissingData: "missing",
        });
        return { keyArn: key.arn, topicArn: m.topic.arn };
      });
    });

    it("creates the topic, the e-mail subscription and the alarm, all children of the caller's parent", () => {
      const tier = p.named("tier", "test:index:Tier");
      expect(inventory(p.resources.filter((r) => r.parent === tier.urn))).to.have.members([
        `${TOPIC}::openemr-test-alarms`,
        `${SUBSCRIPTION}::openemr-test-alarms-email`,
        `${ALARM}::openemr-test-cpu-high`,
      ]);
    });

    it("encrypts the topic with the customer-managed key", () => {
      const topic = p.named("openemr-test-alarms", TOPIC);
      expect(topic.props).to.deep.equal({ kmsMasterKeyId: p.outputs.keyArn });
      expect(p.dependenciesOf(topic, "kmsMasterKeyId").map((r) => r.name)).to.deep.equal([
        "logs-key",
      ]);
    });

    it("subscribes the e-mail address to the topic", () => {
      const subscription = p.named("openemr-test-alarms-email", SUBSCRIPTION);
      expect(subscription.props).to.deep.equal({
        topic: p.outputs.topicArn,
        protocol: "email",
        endpoint: "ops@example.org",
      });
    });

    it("alarm() notifies the topic when the alarm fires and when it clears, its description prefixed", () => {
      const alarm = p.named("openemr-test-cpu-high", ALARM);
      expect(alarm.props).to.deep.equal({
        alarmDescription: "openemr-test: CPU above 80% for 10 minutes",
        alarmActions: [p.outputs.topicArn],
        okActions: [p.outputs.topicArn],
        namespace: "AWS/EC2",
        metricName: "CPUUtilization",
        statistic: "Average",
        period: 300,
        evaluationPeriods: 2,
        threshold: 80,
        comparisonOperator: "GreaterThanThreshold",
        dimensions: { InstanceId: "i-1" },
        treatMissingData: "missing",
      });
      for (const action of ["alarmActions", "okActions"]) {
        expect(
          p.dependenciesOf(alarm, action).map((r) => r.name),
          action,
        ).to.deep.equal(["openemr-test-alarms"]);
      }
    });
  });

  describe("without an e-mail address or a key", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(() => {
        const m = monitoring("openemr-dev", {}, {});
        m.alarm("disk-full", "disk over 90%", {
          namespace: "CWAgent",
          metricName: "disk_used_percent",
          statistic: "Maximum",
          period: 300,
          evaluationPeriods: 1,
          threshold: 90,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
        });
        m.alarm("status-failed", "status check failed", {
          namespace: "AWS/EC2",
          metricName: "StatusCheckFailed",
          statistic: "Maximum",
          period: 60,
          evaluationPeriods: 2,
          threshold: 1,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
        });
      });
    });

    it("creates the topic and the alarms, but no subscription", () => {
      expect(inventory(p.resources)).to.have.members([
        `${TOPIC}::openemr-dev-alarms`,
        `${ALARM}::openemr-dev-disk-full`,
        `${ALARM}::openemr-dev-status-failed`,
      ]);
      expect(p.ofType(SUBSCRIPTION)).to.deep.equal([]);
    });

    it("sets no key on the topic (SNS does not encrypt it then)", () => {
      expect(p.named("openemr-dev-alarms", TOPIC).props).to.deep.equal({});
    });

    it("every alarm notifies the one topic on ALARM and on OK", () => {
      const topic = p.named("openemr-dev-alarms", TOPIC);
      for (const alarm of p.ofType(ALARM)) {
        for (const action of ["alarmActions", "okActions"]) {
          expect(
            p.dependenciesOf(alarm, action).map((r) => r.urn),
            `${alarm.name}.${action}`,
          ).to.deep.equal([topic.urn]);
          expect(alarm.props[action], `${alarm.name}.${action}`).to.have.length(1);
        }
      }
      expect(p.named("openemr-dev-disk-full", ALARM).props.alarmDescription).to.equal(
        "openemr-dev: disk over 90%",
      );
    });
  });
});
