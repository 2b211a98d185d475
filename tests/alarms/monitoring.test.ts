// Every tier sends its alarms to one topic of its own, on ALARM and on OK, with the alarm e-mail
// subscribed; the topic is encrypted with a customer-managed key where the tier has one.
import { expect } from "chai";
import { EXPRESS_PLUS, planStack } from "../helpers/plan";
import { dependencyOf, ofType, one, prop } from "../helpers/resources";
import type { PlanFile, PlanResource } from "../../tools/plan/types";

const TOPIC = "aws:sns/topic:Topic";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";

/** Alarms that notify people (the EC2 auto-recover alarm acts on the instance instead). */
function notifying(plan: PlanFile): PlanResource[] {
  return ofType(plan, ALARM).filter(
    (a) => !prop<string[]>(a, "alarmActions").some((x) => String(x).includes(":ec2:recover")),
  );
}

const STACKS: [string, string, Record<string, string>][] = [
  ["express", "dev", {}],
  ["express-plus", "dev", EXPRESS_PLUS],
  ["standard", "staging", {}],
  ["fargate", "prod", {}],
];

describe("monitoring in every tier", () => {
  for (const [preset, stack, sets] of STACKS) {
    it(`${preset}: one topic, and every alarm notifies it when it fires and when it clears`, async () => {
      const plan = await planStack(stack, sets);
      const topic = one(plan, TOPIC, "-alarms");
      const alarms = notifying(plan);
      expect(alarms.length, "alarms").to.be.at.least(1);
      for (const alarm of alarms) {
        for (const action of ["alarmActions", "okActions"]) {
          expect(
            dependencyOf(plan, alarm, action).map((r) => r.urn),
            `${alarm.name}.${action}`,
          ).to.deep.equal([topic.urn]);
        }
      }
    });
  }

  it("fargate: alarms when an AWS Backup job of its vault fails, into a topic under the logs key", async () => {
    const plan = await planStack("prod");
    const alarm = one(plan, ALARM, "-backup-failed");
    expect(prop(alarm, "namespace")).to.equal("AWS/Backup");
    expect(prop(alarm, "metricName")).to.equal("NumberOfBackupJobsFailed");
    expect(prop(alarm, "threshold")).to.equal(1);
    expect(dependencyOf(plan, alarm, "dimensions").map((r) => r.type)).to.deep.equal([
      "aws:backup/vault:Vault",
    ]);
    const topic = one(plan, TOPIC, "-alarms");
    expect(dependencyOf(plan, topic, "kmsMasterKeyId").map((r) => r.name)).to.deep.equal([
      "openemr-prod-logs-key",
    ]);
    // the key lets CloudWatch alarms publish to the encrypted topic
    const key = one(plan, "aws:kms/key:Key", "-logs-key");
    const sids = (
      JSON.parse(prop<string>(key, "policy")) as { Statement: { Sid: string }[] }
    ).Statement.map((s) => s.Sid);
    expect(sids).to.include("CloudWatchAlarmsPublishToEncryptedTopics");
  });

  it("fargate: subscribes openemr:alarmEmail (it used to be ignored)", async () => {
    const plan = await planStack("prod", { "openemr:alarmEmail": "it@clinic.example" });
    const subscription = one(plan, SUBSCRIPTION, "-alarms-email");
    expect(prop(subscription, "protocol")).to.equal("email");
    expect(prop(subscription, "endpoint")).to.equal("it@clinic.example");
    expect(ofType(await planStack("prod"), SUBSCRIPTION)).to.have.length(0);
  });
});
