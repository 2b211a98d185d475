// docs/monitoring.md is a rendering of the plans (tools/monitoring-docs): it must be the rendering
// of the current plans, list every alarm each tier plans, follow the plan when an alarm changes,
// and be formatted the way prettier formats it.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as prettier from "prettier";
import {
  ALSO_MARKER,
  MONITORING_TIERS,
  REGENERATE,
  alsoSets,
  bytes,
  duration,
  renderMonitoringDoc,
  tierTitle,
  type TierPlan,
} from "../../tools/monitoring-docs/render";
import { T } from "../../tools/plan/tokens";
import type { PlanFile, PlanResource } from "../../tools/plan/types";
import { mutate, setProp } from "../helpers/mutate";
import { ROOT, planStack } from "../helpers/plan";
import { ofType, prop } from "../helpers/resources";

const DOC_PATH = path.join(ROOT, "docs/monitoring.md");

async function tierPlans(): Promise<TierPlan[]> {
  const plans: TierPlan[] = [];
  for (const tier of MONITORING_TIERS) {
    const also = alsoSets(tier);
    plans.push({
      ...tier,
      plan: await planStack(tier.stack, tier.sets),
      ...(also ? { alsoPlan: await planStack(tier.stack, also) } : {}),
    });
  }
  return plans;
}

/** The doc's `## <title>` section (up to the next heading of that level). */
function section(doc: string, title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  expect(start, `section "## ${title}"`).to.be.greaterThan(-1);
  const end = doc.indexOf("\n## ", start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** The name as the doc writes it: the stack prefix as `openemr-<stack>`. */
function docName(plan: PlanFile, alarm: PlanResource): string {
  return alarm.name.replace(`openemr-${plan.stack}-`, "openemr-<stack>-");
}

/** The table row of the alarm in its tier's section. */
function row(doc: string, plan: PlanFile, alarmSuffix: string): string {
  const alarm = ofType(plan, T.metricAlarm).find((a) => a.name.endsWith(alarmSuffix));
  expect(alarm, `${plan.stack}: an alarm *${alarmSuffix}`).to.not.equal(undefined);
  const name = `\`${docName(plan, alarm!)}\``;
  const rows = section(doc, tierTitle(plan))
    .split("\n")
    .filter((l) => l.startsWith(`| ${name} `));
  expect(rows, name).to.have.length(1);
  return rows[0];
}

describe("docs/monitoring.md", () => {
  it(`is the rendering of the current plans (run ${REGENERATE})`, async () => {
    const committed = fs.existsSync(DOC_PATH) ? fs.readFileSync(DOC_PATH, "utf8") : "";
    const rendered = renderMonitoringDoc(await tierPlans());
    expect(committed, `docs/monitoring.md is stale: run ${REGENERATE}`).to.equal(rendered);
  });

  it("lists every alarm of every tier in the tier's section, with its metric and first response", async () => {
    const plans = await tierPlans();
    const doc = renderMonitoringDoc(plans);
    expect(plans.map((p) => tierTitle(p.plan))).to.deep.equal([
      "express",
      "express-plus",
      "standard, without a load balancer",
      "standard, with a load balancer",
      "fargate",
    ]);
    for (const { plan } of plans) {
      const alarms = ofType(plan, T.metricAlarm);
      expect(alarms.length, `${plan.preset} alarms`).to.be.at.least(5);
      const text = section(doc, tierTitle(plan));
      // the alarm table, then (where the tier has them) the EventBridge rules that page directly
      const [own] = text.split(ALSO_MARKER);
      const [alarmPart, eventPart = ""] = own.split(/EventBridge rules? sends?/);
      const tableRows = alarmPart.split("\n").filter((l) => l.startsWith("| `openemr-<stack>-"));
      expect(tableRows, `${tierTitle(plan)}: one row per alarm`).to.have.length(alarms.length);
      const topic = ofType(plan, T.snsTopic).find((t) => t.name.endsWith("-alarms"));
      const paging = ofType(plan, T.eventTarget).filter((t) =>
        (t.propertyDependencies.arn ?? []).includes(topic?.urn ?? ""),
      );
      const eventRows = eventPart.split("\n").filter((l) => l.startsWith("| `openemr-<stack>-"));
      expect(eventRows, `${tierTitle(plan)}: one row per rule paging the topic`).to.have.length(
        paging.length,
      );
      for (const t of paging) {
        const rule = t.name.replace(/-target$/, "").replace(`openemr-${plan.stack}-`, "");
        expect(eventPart, t.name).to.contain(`| \`openemr-<stack>-${rule}\``);
      }
      for (const alarm of alarms) {
        const line = row(doc, plan, alarm.name);
        const metric = prop<string>(alarm, "metricName").replace(
          `openemr-${plan.stack}-`,
          "openemr-<stack>-",
        );
        expect(line, alarm.name).to.contain(
          `\`${prop<string>(alarm, "namespace")}\` \`${metric}\``,
        );
        const description = prop<string>(alarm, "alarmDescription");
        const response = description.slice(description.indexOf(": ") + 2);
        // the words up to the first character the doc escapes (`<`) or a stack-specific name
        const words = response.split(/[<|]|openemr-|\/openemr\//)[0];
        expect(words.length, `${alarm.name}: description after the prefix`).to.be.greaterThan(10);
        expect(line, alarm.name).to.contain(words);
        expect(line, alarm.name).to.not.contain(`openemr-${plan.stack}-`);
      }
    }
  });

  it("lists what the copy region adds (the copy-failed alarms) after the tier's own tables", async () => {
    const plans = await tierPlans();
    const doc = renderMonitoringDoc(plans);
    const copying = plans.filter((p) => p.alsoPlan);
    expect(copying.map((p) => p.plan.preset)).to.deep.equal([
      "express-plus",
      "standard",
      "fargate",
    ]);
    for (const { plan, alsoPlan } of copying) {
      const alsoPart = section(doc, tierTitle(plan)).split(ALSO_MARKER)[1] ?? "";
      expect(alsoPart, tierTitle(plan)).to.contain("`openemr:backupCopyRegion=us-west-2`");
      const known = new Set(ofType(plan, T.metricAlarm).map((a) => a.name));
      const extra = ofType(alsoPlan!, T.metricAlarm).filter((a) => !known.has(a.name));
      expect(extra.map((a) => docName(plan, a))).to.deep.equal([
        "openemr-<stack>-backup-copy-failed",
      ]);
      const rows = alsoPart.split("\n").filter((l) => l.startsWith("| `openemr-<stack>-"));
      expect(rows, tierTitle(plan)).to.have.length(1);
      const metric =
        plan.preset === "express-plus" ? "OperationsFailedReplication" : "NumberOfCopyJobsFailed";
      expect(rows[0]).to.contain(`\`${metric}\``);
      expect(rows[0]).to.contain("topic: ALARM, OK");
    }
    // the fargate deployment rule pages at the defaults, with its event name
    expect(section(doc, "fargate")).to.contain(
      "| `openemr-<stack>-deployment-failed` | ECS Deployment State Change from `aws.ecs` with SERVICE_DEPLOYMENT_FAILED",
    );
  });

  it("gives thresholds in human units and missing data its meaning, from the plans", async () => {
    const plans = await tierPlans();
    const doc = renderMonitoringDoc(plans);
    const staging = plans[3].plan;
    expect(row(doc, staging, "-db-storage-low")).to.contain("Minimum < 2 GiB for 1 × 5 min");
    expect(row(doc, staging, "-db-memory-low")).to.contain("Minimum < 128 MiB for 3 × 5 min");
    expect(row(doc, staging, "-lb-slow-responses")).to.contain("p95 > 3 s for 3 × 5 min");
    expect(row(doc, staging, "-backup-failed")).to.contain("for 1 × 1 day");
    expect(row(doc, staging, "-lb-no-healthy-targets")).to.contain("**alarms** (`breaching`)");
    expect(row(doc, staging, "-web-auto-recover")).to.contain("EC2 recovers the instance");
    expect(row(doc, staging, "-backup-failed")).to.contain("topic: ALARM, OK");
    expect(bytes(2 ** 31)).to.equal("2 GiB");
    expect(bytes(1.5 * 2 ** 30)).to.equal("1.5 GiB");
    expect(bytes(512)).to.equal("512 bytes");
    expect(duration(86400)).to.equal("1 day");
    expect(duration(3600)).to.equal("1 h");
    expect(duration(90)).to.equal("90 s");
  });

  it("follows the plan: a changed threshold or missing-data rule changes the document", async () => {
    const plans = await tierPlans();
    const before = renderMonitoringDoc(plans);
    const staging = plans[3].plan;
    const changed = mutate(
      staging,
      setProp([T.metricAlarm, "-db-storage-low"], "threshold", 5 * 2 ** 30),
      setProp([T.metricAlarm, "-lb-slow-responses"], "treatMissingData", "breaching"),
    );
    const after = renderMonitoringDoc(plans.map((p, i) => (i === 3 ? { ...p, plan: changed } : p)));
    expect(after).to.not.equal(before);
    expect(row(after, changed, "-db-storage-low")).to.contain("Minimum < 5 GiB for 1 × 5 min");
    expect(row(after, changed, "-db-storage-low")).to.not.contain("< 2 GiB");
    expect(row(after, changed, "-lb-slow-responses")).to.contain("**alarms** (`breaching`)");
    // the other tiers' sections are untouched
    const title = tierTitle(staging);
    expect(section(after, "fargate")).to.equal(section(before, "fargate"));
    expect(section(after, title)).to.not.equal(section(before, title));
  });

  it("is formatted as prettier formats it, with the repository's config", async () => {
    const doc = renderMonitoringDoc(await tierPlans());
    const options = (await prettier.resolveConfig(DOC_PATH)) ?? {};
    expect(options.printWidth, "the repository's .prettierrc.json").to.equal(100);
    const formatted = await prettier.format(doc, { ...options, filepath: DOC_PATH });
    expect(doc, "the renderer's Markdown as prettier formats it").to.equal(formatted);
  });
});
