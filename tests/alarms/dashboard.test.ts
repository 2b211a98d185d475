// The dashboard of standard and fargate: every alarm that notifies the topic, its state and a graph
// drawn from the alarm; priced as usage while within CloudWatch's free tier.
import { expect } from "chai";
import {
  ALARM_STATUS_WIDGET_MAX,
  dashboardBody,
  type DashboardWidget,
} from "../../components/alarms/dashboard";
import { estimateCost } from "../../tools/cost/estimate";
import { PRICES } from "../../tools/cost/prices";
import { T } from "../../tools/plan/tokens";
import type { PlanFile } from "../../tools/plan/types";
import { editProps, mutate } from "../helpers/mutate";
import { EXPRESS_PLUS, planStack } from "../helpers/plan";
import { dependencyOf, ofType, one, prop } from "../helpers/resources";

const alarms = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `a${i}`,
    arn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:a${i}`,
  }));

function overlaps(a: DashboardWidget, b: DashboardWidget): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

describe("dashboardBody", () => {
  it("lists every alarm in one status widget and graphs each from the alarm itself", () => {
    const list = alarms(7);
    const { widgets } = dashboardBody("openemr-x", "us-east-2", list);
    const status = widgets.filter((w) => w.type === "alarm");
    expect(status).to.have.length(1);
    expect(status[0]?.properties.alarms).to.deep.equal(list.map((a) => a.arn));
    const graphs = widgets.filter((w) => w.type === "metric");
    expect(graphs.map((g) => g.properties.annotations)).to.deep.equal(
      list.map((a) => ({ alarms: [a.arn] })),
    );
    expect(graphs.every((g) => g.properties.region === "us-east-2")).to.equal(true);
    // on CloudWatch's 24-column grid, no two widgets on top of each other
    for (const w of widgets) expect(w.x + w.width, "inside the grid").to.be.at.most(24);
    widgets.forEach((a, i) =>
      widgets.slice(i + 1).forEach((b) => expect(overlaps(a, b), `${i}`).to.equal(false)),
    );
  });

  it("refuses no alarms and more than an alarm status widget holds", () => {
    expect(() => dashboardBody("openemr-x", "us-east-1", [])).to.throw(/at least one alarm/);
    expect(() =>
      dashboardBody("openemr-x", "us-east-1", alarms(ALARM_STATUS_WIDGET_MAX + 1)),
    ).to.throw(/at most 100/);
  });
});

function body(plan: PlanFile): { widgets: DashboardWidget[] } {
  return JSON.parse(prop<string>(one(plan, T.dashboard), "dashboardBody")) as {
    widgets: DashboardWidget[];
  };
}

describe("the stack's dashboard", () => {
  for (const [preset, stack] of [
    ["standard", "staging"],
    ["fargate", "prod"],
  ] as const) {
    it(`${preset}: named for the stack, showing every alarm that notifies the topic`, async () => {
      const plan = await planStack(stack);
      const dashboard = one(plan, T.dashboard);
      expect(prop(dashboard, "dashboardName")).to.equal(`openemr-${stack}`);
      const topic = one(plan, T.snsTopic, "-alarms");
      const notifying = ofType(plan, T.metricAlarm).filter((a) =>
        dependencyOf(plan, a, "alarmActions").some((r) => r.urn === topic.urn),
      );
      expect(notifying.length).to.be.at.least(10);
      // the mocks give each alarm an ARN ending in its resource name
      const shown = (body(plan).widgets.find((w) => w.type === "alarm")?.properties.alarms ??
        []) as string[];
      expect(shown.map((arn) => arn.split("/").pop())).to.have.members(
        notifying.map((a) => a.name),
      );
      expect(plan.outputs.dashboardUrl).to.equal(
        `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/openemr-${stack}`,
      );
    });
  }

  it("express and express-plus have none (an account's fourth dashboard would cost $3)", async () => {
    for (const plan of [await planStack("dev"), await planStack("dev", EXPRESS_PLUS)]) {
      expect(ofType(plan, T.dashboard), plan.preset).to.have.length(0);
      expect(plan.outputs.dashboardUrl).to.equal(undefined);
    }
  });

  it("costs nothing in the base within the free tier, and lists the price per dashboard as usage", async () => {
    const plan = await planStack("prod");
    const cost = estimateCost(plan);
    expect(cost.lines.filter((l) => /dashboard/i.test(l.item))).to.have.length(0);
    const usage = (cost.usage ?? []).filter((u) => u.item.startsWith("CloudWatch dashboard"));
    expect(usage).to.have.length(1);
    expect(usage[0]?.item).to.contain(`(${body(plan).widgets.length - 2} metrics)`);
    expect(usage[0]?.unitPrice).to.contain(`$${PRICES.cloudwatchDashboardMonth.usd.toFixed(2)}`);
  });

  it("prices a dashboard past the free tier's 50 metrics at $3 a month", async () => {
    const plan = await planStack("prod");
    const base = estimateCost(plan).monthlyUsd;
    const big = mutate(
      plan,
      editProps([T.dashboard, "openemr-prod-dashboard"], (props) => {
        const text = props.dashboardBody;
        if (typeof text !== "string") throw new Error("no dashboard body");
        const { widgets } = JSON.parse(text) as {
          widgets: DashboardWidget[];
        };
        const graph = widgets.find((w) => w.type === "metric");
        if (!graph) throw new Error("no graph");
        const more = Array.from({ length: 51 }, () => graph);
        props.dashboardBody = JSON.stringify({ widgets: [...widgets, ...more] });
      }),
    );
    const cost = estimateCost(big);
    expect(Math.round((cost.monthlyUsd - base) * 100)).to.equal(300);
    expect(cost.lines.some((l) => /over the free tier's 50/.test(l.item))).to.equal(true);
  });

  it("names what it cannot price when the body is unknown", async () => {
    const plan = mutate(
      await planStack("prod"),
      editProps([T.dashboard, "openemr-prod-dashboard"], (props) => {
        delete props.dashboardBody;
      }),
    );
    expect(estimateCost(plan).unpriced.join("\n")).to.match(/dashboard openemr-prod: its body/);
  });
});
