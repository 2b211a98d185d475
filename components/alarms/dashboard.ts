import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

// CloudWatch PutDashboard: a body of at most 500 widgets; an alarm status widget lists 1 to 100
// alarms (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
export const DASHBOARD_WIDGETS_MAX = 500;
export const ALARM_STATUS_WIDGET_MAX = 100;

/** The grid CloudWatch lays widgets on: 24 columns. */
const GRID_WIDTH = 24;
const GRAPH_WIDTH = 8;
const GRAPH_HEIGHT = 6;

export interface DashboardAlarm {
  name: string;
  arn: string;
}

export interface DashboardWidget {
  type: "text" | "alarm" | "metric";
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

/**
 * Pure: the dashboard body. A heading, one status widget with every alarm (those in ALARM first),
 * then one graph per alarm drawn from the alarm itself (its metric, statistic and threshold line),
 * three to a row in the alarms' order. No metric is named twice: the alarms are the one source.
 */
export function dashboardBody(
  title: string,
  region: string,
  alarms: readonly DashboardAlarm[],
): { widgets: DashboardWidget[] } {
  if (alarms.length === 0) throw new Error(`${title}: a dashboard needs at least one alarm`);
  if (alarms.length > ALARM_STATUS_WIDGET_MAX) {
    throw new Error(
      `${title}: ${alarms.length} alarms; an alarm status widget shows at most ${ALARM_STATUS_WIDGET_MAX}`,
    );
  }
  const statusHeight = 2 + Math.ceil(alarms.length / 4);
  const widgets: DashboardWidget[] = [
    {
      type: "text",
      x: 0,
      y: 0,
      width: GRID_WIDTH,
      height: 2,
      properties: {
        markdown: `# ${title}\nEvery alarm of the stack and its metric. What each alarm means and what to do first: its description, and docs/monitoring.md in the openemr-aws repository.`,
      },
    },
    {
      type: "alarm",
      x: 0,
      y: 2,
      width: GRID_WIDTH,
      height: statusHeight,
      properties: {
        title: "Alarms",
        alarms: alarms.map((a) => a.arn),
        sortBy: "stateUpdatedTimestamp",
        states: [],
      },
    },
  ];
  const perRow = GRID_WIDTH / GRAPH_WIDTH;
  alarms.forEach((a, i) => {
    widgets.push({
      type: "metric",
      x: (i % perRow) * GRAPH_WIDTH,
      y: 2 + statusHeight + Math.floor(i / perRow) * GRAPH_HEIGHT,
      width: GRAPH_WIDTH,
      height: GRAPH_HEIGHT,
      properties: {
        title: a.name,
        region,
        view: "timeSeries",
        stacked: false,
        annotations: { alarms: [a.arn] },
      },
    });
  });
  if (widgets.length > DASHBOARD_WIDGETS_MAX) {
    throw new Error(
      `${title}: ${widgets.length} widgets; a dashboard holds ${DASHBOARD_WIDGETS_MAX}`,
    );
  }
  return { widgets };
}

/**
 * `<name>` as a CloudWatch dashboard of the stack's alarms. The name is the stack's prefix:
 * `openemr-<stack>` is letters, digits and hyphens within 48 characters, which PutDashboard's
 * DashboardName (alphanumerics, `-`, `_`, at most 255) accepts.
 */
export function alarmDashboard(
  name: string,
  region: pulumi.Input<string>,
  alarms: readonly aws.cloudwatch.MetricAlarm[],
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.Dashboard {
  const entries = alarms.map((a) =>
    pulumi.all([a.name, a.arn]).apply(([n, arn]) => ({ name: n, arn })),
  );
  return new aws.cloudwatch.Dashboard(
    `${name}-dashboard`,
    {
      dashboardName: name,
      dashboardBody: pulumi
        .all([region, pulumi.all(entries)])
        .apply(([r, list]) => JSON.stringify(dashboardBody(name, r, list))),
    },
    opts,
  );
}
