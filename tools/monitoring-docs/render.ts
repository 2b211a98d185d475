// Renders docs/monitoring.md from recorded plans: per tier, the alarm topic, the budget and a table
// of every CloudWatch metric alarm (what it watches, when it fires, what missing data means, whom it
// notifies, and the first response: the alarm description after its "<name>: " prefix). Pure: plans
// in, Markdown out, already in the shape prettier gives it (tests/docs/monitoring.test.ts checks).
import { DEFAULT_MONTHLY_BUDGET_USD, type PresetName } from "../../presets/common";
import { T } from "../plan/tokens";
import type { PlanFile, PlanResource, PlanValue } from "../plan/types";
import { parseJson } from "../plan/values";

/** The command that rewrites docs/monitoring.md. */
export const REGENERATE =
  "node -r ./tools/runtime/register.js tools/monitoring-docs/cli.ts --write";

/** A stack file and the `--set` overrides a tier of the document is planned with. */
export interface TierSource {
  stack: string;
  sets: Record<string, string>;
  /**
   * Settings off by default that add alarms or rules (the copy region): the tier is planned a
   * second time with these too, and what that plan adds is listed after the tier's own tables.
   */
  also?: Record<string, string>;
}

/** The copy region the document plans the tiers that copy their backups with. */
const COPY_REGION_SETS = { "openemr:backupCopyRegion": "us-west-2" };

/** The tiers the document describes, in its order. */
export const MONITORING_TIERS: readonly TierSource[] = [
  { stack: "dev", sets: {} },
  { stack: "dev", sets: { "openemr:preset": "express-plus" }, also: COPY_REGION_SETS },
  { stack: "dev", sets: { "openemr:preset": "standard" } },
  { stack: "staging", sets: {}, also: COPY_REGION_SETS },
  { stack: "prod", sets: {}, also: COPY_REGION_SETS },
];

/** One recorded plan and how it was recorded. */
export interface TierPlan extends TierSource {
  plan: PlanFile;
  /** The plan with `also` set too (when the source has `also`). */
  alsoPlan?: PlanFile;
}

/** The sets a source's `also` plan is recorded with. */
export function alsoSets(source: TierSource): Record<string, string> | undefined {
  return source.also ? { ...source.sets, ...source.also } : undefined;
}

/** Where a tier's section lists what its `also` settings add (tests split the section there). */
export const ALSO_MARKER = "With settings off by default";

// ---------------------------------------------------------------------------------------------
// Small formatters

/** The repository's prettier printWidth: prose lines wrap within it. */
const PRINT_WIDTH = 100;

function str(v: PlanValue | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function num(v: PlanValue | undefined): number | undefined {
  return typeof v === "number" ? v : undefined;
}

function strings(v: PlanValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** A number without float noise: 15.2, 0.5, 2. */
function plain(n: number): string {
  return String(Number(n.toPrecision(12)));
}

/** `openemr-dev` -> `openemr-<stack>`, `/openemr/dev/` -> `/openemr/<stack>/`. */
function generic(text: string, stack: string): string {
  return text
    .split(`openemr-${stack}`)
    .join("openemr-<stack>")
    .split(`/openemr/${stack}/`)
    .join("/openemr/<stack>/");
}

/** Markdown text outside code spans: `<` would open an HTML tag, `|` would end a table cell. */
function prose(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/([<|])/g, "\\$1")))
    .join("")
    .replace(/`([^`]*)`/g, (span: string) => span.replace(/\|/g, "\\|"));
}

function code(text: string): string {
  return `\`${text.replace(/\|/g, "\\|")}\``;
}

/** 300 -> "5 min", 86400 -> "1 day", 60 -> "1 min", 3600 -> "1 h", 90 -> "90 s". */
export function duration(seconds: number): string {
  if (seconds % 86400 === 0) return seconds === 86400 ? "1 day" : `${seconds / 86400} days`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${plain(seconds)} s`;
}

/** 2147483648 -> "2 GiB", 134217728 -> "128 MiB". */
export function bytes(n: number): string {
  const units: [number, string][] = [
    [2 ** 40, "TiB"],
    [2 ** 30, "GiB"],
    [2 ** 20, "MiB"],
    [2 ** 10, "KiB"],
  ];
  for (const [size, unit] of units) {
    if (Math.abs(n) >= size) return `${plain(Math.round((n / size) * 100) / 100)} ${unit}`;
  }
  return `${plain(n)} bytes`;
}

/** CloudWatch metrics whose values are bytes, seconds or another unit the threshold is read in. */
const BYTE_METRICS = new Set([
  "FreeStorageSpace",
  "FreeableMemory",
  "FreeLocalStorage",
  "SwapUsage",
  "BytesUsedForCache",
  "StorageBytes",
  "BackupRetentionPeriodStorageUsed",
]);
const SECOND_METRICS = new Set(["TargetResponseTime", "Latency", "ReplicaLag"]);
const UNIT_METRICS: Record<string, string> = { ServerlessDatabaseCapacity: "ACU" };

/** The threshold in the metric's unit: bytes as GiB/MiB, seconds, percent. */
export function thresholdText(metricName: string, threshold: number, unit?: string): string {
  const u = unit ?? "";
  if (u === "Bytes" || (u === "" && BYTE_METRICS.has(metricName))) return bytes(threshold);
  if (u === "Kilobytes") return bytes(threshold * 2 ** 10);
  if (u === "Megabytes") return bytes(threshold * 2 ** 20);
  if (u === "Gigabytes") return bytes(threshold * 2 ** 30);
  if (u === "Seconds" || (u === "" && SECOND_METRICS.has(metricName))) {
    return `${plain(threshold)} s`;
  }
  if (u === "Milliseconds") return `${plain(threshold)} ms`;
  if (
    u === "Percent" ||
    (u === "" && /(Utilization|_percent|Percentage|Percent)$/.test(metricName))
  ) {
    return `${plain(threshold)} %`;
  }
  if (u === "" && UNIT_METRICS[metricName])
    return `${plain(threshold)} ${UNIT_METRICS[metricName]}`;
  return plain(threshold);
}

const COMPARISONS: Record<string, string> = {
  GreaterThanOrEqualToThreshold: "≥",
  GreaterThanThreshold: ">",
  LessThanThreshold: "<",
  LessThanOrEqualToThreshold: "≤",
};

/** What a missing data point means for the alarm (treatMissingData). */
export function missingDataText(treat: string | undefined, notifiesInsufficient: boolean): string {
  const insufficient = notifiesInsufficient
    ? "INSUFFICIENT_DATA, notified"
    : "INSUFFICIENT_DATA, no notification";
  switch (treat) {
    case "breaching":
      return "**alarms** (`breaching`)";
    case "notBreaching":
      return "counts as OK (`notBreaching`)";
    case "ignore":
      return "keeps the current state (`ignore`)";
    case "missing":
      return `${insufficient} (\`missing\`)`;
    case undefined:
      return `${insufficient} (default \`missing\`)`;
    default:
      return code(treat);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading a plan

function ofType(plan: PlanFile, type: string): PlanResource[] {
  return plan.resources.filter((r) => r.type === type);
}

/** The tier's heading: the preset, and for standard whether it has a load balancer. */
export function tierTitle(plan: PlanFile): string {
  if (plan.preset !== "standard") return plan.preset;
  const lb = plan.resources.some(
    (r) => r.type === T.lbLoadBalancer || r.type === T.albLoadBalancer,
  );
  return lb ? "standard, with a load balancer" : "standard, without a load balancer";
}

function planCommand(source: TierSource): string {
  const sets = Object.entries(source.sets).map(([k, v]) => ` --set ${k}=${v}`);
  return `npm run plan -- --stack ${source.stack}${sets.join("")}`;
}

/** The ARN the plan gives the topic (its TopicPolicy's arn, or what the alarms point at). */
function topicArn(plan: PlanFile, topic: PlanResource): string | undefined {
  for (const r of plan.resources) {
    for (const [prop, urns] of Object.entries(r.propertyDependencies)) {
      if (!urns.includes(topic.urn)) continue;
      const value = r.props[prop];
      const arn = Array.isArray(value) ? str(value[0]) : str(value);
      if (arn?.startsWith("arn:aws") && arn.includes(":sns:")) return arn;
    }
  }
  return undefined;
}

interface Topic {
  resource: PlanResource;
  arn?: string;
}

function alarmTopics(plan: PlanFile): Topic[] {
  return ofType(plan, T.snsTopic)
    .filter((t) => t.name.endsWith("-alarms"))
    .map((resource) => ({ resource, arn: topicArn(plan, resource) }));
}

/** An alarm action as a reader knows it. */
function actionText(plan: PlanFile, arn: string, topics: Topic[]): string {
  const topic = topics.find((t) => t.arn === arn);
  if (topic) return "the topic";
  if (/^arn:aws[a-z-]*:automate:[^:]+:ec2:recover$/.test(arn)) return "EC2 recovers the instance";
  if (/^arn:aws[a-z-]*:automate:[^:]+:ec2:reboot$/.test(arn)) return "EC2 reboots the instance";
  if (/^arn:aws[a-z-]*:automate:[^:]+:ec2:stop$/.test(arn)) return "EC2 stops the instance";
  if (/^arn:aws[a-z-]*:automate:[^:]+:ec2:terminate$/.test(arn)) {
    return "EC2 terminates the instance";
  }
  return code(generic(arn.split(`:${plan.region}:`).join(":<region>:"), plan.stack));
}

/** Who hears of the alarm: the topic on ALARM and on OK, or another action. */
function notifiesText(plan: PlanFile, alarm: PlanResource, topics: Topic[]): string {
  const onAlarm = strings(alarm.props.alarmActions).map((a) => actionText(plan, a, topics));
  const onOk = strings(alarm.props.okActions).map((a) => actionText(plan, a, topics));
  const parts: string[] = [];
  const both = onAlarm.filter((a) => onOk.includes(a));
  for (const a of both) parts.push(a === "the topic" ? "topic: ALARM, OK" : `${a} (ALARM, OK)`);
  for (const a of onAlarm.filter((x) => !both.includes(x))) {
    parts.push(a === "the topic" ? "topic: ALARM" : `${a} (no notification)`);
  }
  for (const a of onOk.filter((x) => !both.includes(x))) {
    parts.push(a === "the topic" ? "topic: OK" : `${a} on OK`);
  }
  return parts.length > 0 ? [...new Set(parts)].join("; ") : "**nobody** (no action)";
}

/** The alarm's name with the stack prefix generic: `openemr-<stack>-backup-failed`. */
export function alarmName(plan: PlanFile, alarm: PlanResource): string {
  return generic(str(alarm.props.name) ?? alarm.name, plan.stack);
}

/** The description after its "<name>: " prefix (descriptions read "what happened: what to do"). */
export function firstResponse(plan: PlanFile, alarm: PlanResource): string {
  const description = str(alarm.props.alarmDescription) ?? "";
  const prefix = `openemr-${plan.stack}`;
  const colon = description.indexOf(": ");
  const stripped =
    description.startsWith(prefix) && colon > 0 && !description.slice(0, colon).includes(" ")
      ? description.slice(colon + 2)
      : description;
  return generic(stripped, plan.stack);
}

/** What the alarm watches: namespace and metric (or the metric-math expression). */
function watchesText(plan: PlanFile, alarm: PlanResource): string {
  const p = alarm.props;
  const metric = str(p.metricName);
  if (metric) return `${code(str(p.namespace) ?? "?")} ${code(generic(metric, plan.stack))}`;
  const queries = Array.isArray(p.metricQueries) ? p.metricQueries : [];
  const returned = queries.find(
    (q) => typeof q === "object" && q !== null && !Array.isArray(q) && q.returnData === true,
  ) as Record<string, PlanValue> | undefined;
  const expression = str(returned?.expression);
  return expression ? `metric math ${code(generic(expression, plan.stack))}` : "metric math";
}

/** When the alarm fires: `Maximum < 1 for 3 × 5 min`. */
function firesText(alarm: PlanResource): string {
  const p = alarm.props;
  const metric = str(p.metricName) ?? "";
  const statistic = str(p.statistic) ?? str(p.extendedStatistic) ?? "value";
  const op = str(p.comparisonOperator) ?? "?";
  const threshold = num(p.threshold);
  const value =
    threshold === undefined
      ? code(str(p.thresholdMetricId) ?? "?")
      : thresholdText(metric, threshold, str(p.unit));
  const periods = num(p.evaluationPeriods) ?? 1;
  const period = num(p.period);
  const toAlarm = num(p.datapointsToAlarm);
  const window = period === undefined ? `${periods} periods` : `${periods} × ${duration(period)}`;
  const span =
    toAlarm !== undefined && toAlarm !== periods ? `in ${toAlarm} of ${window}` : `for ${window}`;
  return `${statistic} ${COMPARISONS[op] ?? code(op)} ${value} ${span}`;
}

interface Budget {
  name: string;
  usd: number;
  alerts: string[];
  toTopic: boolean;
  emails: number;
  filtered: boolean;
}

function budgets(plan: PlanFile, topics: Topic[]): Budget[] {
  return ofType(plan, T.budget).map((b) => {
    const notifications = Array.isArray(b.props.notifications) ? b.props.notifications : [];
    const alerts: string[] = [];
    let toTopic = false;
    let emails = 0;
    for (const n of notifications) {
      if (typeof n !== "object" || n === null || Array.isArray(n)) continue;
      const kind = str(n.notificationType) === "FORECASTED" ? "forecast" : "actual";
      const op = str(n.comparisonOperator) === "GREATER_THAN" ? "above" : str(n.comparisonOperator);
      const unit = str(n.thresholdType) === "PERCENTAGE" ? " %" : " USD";
      alerts.push(`${kind} spend ${op} ${plain(num(n.threshold) ?? 0)}${unit}`);
      if (strings(n.subscriberSnsTopicArns).some((a) => topics.some((t) => t.arn === a))) {
        toTopic = true;
      }
      emails = Math.max(emails, strings(n.subscriberEmailAddresses).length);
    }
    return {
      name: generic(str(b.props.name) ?? b.name, plan.stack),
      usd: Number(str(b.props.limitAmount) ?? num(b.props.limitAmount) ?? 0),
      alerts,
      toTopic,
      emails,
      filtered: b.props.costFilters !== undefined || b.props.filterExpression !== undefined,
    };
  });
}

/** A stack output that names or contains the alarm topic, if any. */
function topicOutput(plan: PlanFile, topics: Topic[]): string | undefined {
  for (const [key, value] of Object.entries(plan.outputs)) {
    const text = JSON.stringify(value);
    if (topics.some((t) => t.arn !== undefined && text.includes(t.arn))) return key;
  }
  return Object.keys(plan.outputs).find((k) => /alarm|topic/i.test(k));
}

// ---------------------------------------------------------------------------------------------
// Markdown

/**
 * A table as prettier prints it (proseWrap "preserve"): every column padded to its widest cell,
 * however wide the table gets. Widths count code points: the cells hold no wide characters.
 */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const width = (cell: string) => [...cell].length;
  const widths = header.map((_, c) => Math.max(3, ...all.map((r) => width(r[c]))));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, c) => cell + " ".repeat(widths[c] - width(cell))).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Words joined into lines of at most the print width (prettier keeps prose lines as written). */
function wrap(text: string): string {
  const lines: string[] = [];
  let line = "";
  // a code span or a link is one word: a line never breaks inside it
  for (const [word] of text.matchAll(/(?:`[^`]*`|\[[^\]]*\]\([^)]*\)|[^\s`[]|\[)+/g)) {
    if (line !== "" && line.length + 1 + word.length > PRINT_WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines.join("\n");
}

function bullet(text: string): string {
  return wrap(`- ${text}`)
    .split("\n")
    .map((l, i) => (i === 0 ? l : `  ${l}`))
    .join("\n");
}

function money(usd: number): string {
  return Number.isInteger(usd) ? `$${usd}` : `$${usd.toFixed(2)}`;
}

/** EventBridge rules with a target on one of the alarm topics: the events that page directly. */
function topicEvents(plan: PlanFile, topics: Topic[]): string[][] {
  const targets = ofType(plan, T.eventTarget).filter((t) =>
    topics.some((topic) => (t.propertyDependencies.arn ?? []).includes(topic.resource.urn)),
  );
  return ofType(plan, T.eventRule)
    .filter((rule) =>
      targets.some(
        (t) =>
          (t.propertyDependencies.rule ?? []).includes(rule.urn) ||
          t.name === `${rule.name}-target`,
      ),
    )
    .map((rule) => {
      const pattern = (parseJson(rule.props.eventPattern) ?? {}) as Record<string, unknown>;
      const values = (v: unknown): string =>
        Array.isArray(v)
          ? v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(", ")
          : "";
      const detail = (pattern.detail ?? {}) as Record<string, unknown>;
      const states = ["status", "state", "eventName"]
        .map((k) => values(detail[k]))
        .filter((x) => x !== "")
        .join("; ");
      const when = `${values(pattern["detail-type"])} from \`${values(pattern.source)}\`${states ? ` with ${states}` : ""}`;
      const description = generic(str(rule.props.description) ?? "", plan.stack).replace(
        /^[^:]*: /,
        "",
      );
      return [code(generic(rule.name, plan.stack)), prose(when), prose(description)];
    });
}

function renderTier(source: TierPlan): string {
  const { plan } = source;
  const topics = alarmTopics(plan);
  const alarms = ofType(plan, T.metricAlarm);
  const out: string[] = [
    `## ${tierTitle(plan)}`,
    "",
    wrap(`Planned with \`${planCommand(source)}\`.`),
    "",
  ];

  const facts: string[] = [];
  for (const topic of topics) {
    const keyUrn = topic.resource.propertyDependencies.kmsMasterKeyId?.[0];
    const key = plan.resources.find((r) => r.urn === keyUrn && r.type === T.kmsKey);
    const kms = str(topic.resource.props.kmsMasterKeyId);
    const encryption = key
      ? `encrypted with the stack's customer-managed key ${code(generic(key.name, plan.stack))}`
      : kms
        ? `encrypted with ${code(generic(kms, plan.stack))}`
        : "not KMS-encrypted (the tier has no customer-managed key, and CloudWatch cannot publish to a topic under the AWS-managed SNS key)";
    facts.push(`Alarm topic: ${code(generic(topic.resource.name, plan.stack))}, ${encryption}.`);
    const subscriptions = ofType(plan, T.snsTopicSubscription).filter((s) =>
      (s.propertyDependencies.topic ?? []).includes(topic.resource.urn),
    );
    facts.push(
      subscriptions.length > 0
        ? `Subscribed: ${subscriptions.map((s) => `${str(s.props.protocol) ?? "?"} (${code(generic(s.name, plan.stack))})`).join(", ")}.`
        : "Subscribed: nobody in this plan (the stack file sets no `openemr:alarmEmail`); see [Subscribing](#subscribing).",
    );
  }
  if (topics.length === 0) facts.push("Alarm topic: **none** in this plan.");
  const output = topicOutput(plan, topics);
  facts.push(
    output
      ? `Topic ARN: the stack output ${code(output)} (\`pulumi stack output ${output}\`).`
      : "Topic ARN: not a stack output; find it with `aws sns list-topics` (its name starts with `openemr-<stack>-alarms`).",
  );
  for (const b of budgets(plan, topics)) {
    const preset = plan.preset as PresetName;
    const fallback = DEFAULT_MONTHLY_BUDGET_USD[preset];
    const origin =
      fallback === undefined
        ? "from `openemr:monthlyBudgetUsd`"
        : fallback === b.usd
          ? `the ${plan.preset} default`
          : `\`openemr:monthlyBudgetUsd\`; the ${plan.preset} default is ${money(fallback)}`;
    const to = [b.toTopic ? "the topic" : "", b.emails > 0 ? "the alarm e-mail" : ""].filter(
      (x) => x !== "",
    );
    facts.push(
      `Budget: ${code(b.name)}, ${money(b.usd)} a month (${origin}), counting ${b.filtered ? "the costs its filter selects" : "the whole account's cost"}; alerts on ${b.alerts.join(" and ")} to ${to.length > 0 ? to.join(" and ") : "**nobody**"}.`,
    );
  }
  for (const d of ofType(plan, T.dashboard)) {
    const body = parseJson(d.props.dashboardBody) as { widgets?: { type?: string }[] } | undefined;
    const graphs = (body?.widgets ?? []).filter((w) => w.type === "metric").length;
    facts.push(
      `Dashboard: ${code(generic(str(d.props.dashboardName) ?? d.name, plan.stack))}, every alarm's state and a graph of each alarm's metric with its threshold (${graphs} graphs); the stack output \`dashboardUrl\` opens it.`,
    );
  }
  out.push(...facts.map(bullet), "");

  const autonamed = alarms.filter((a) => str(a.props.name) === undefined).length;
  out.push(
    wrap(
      `${alarms.length} alarm${alarms.length === 1 ? "" : "s"}${
        autonamed === alarms.length && alarms.length > 0
          ? " (in AWS each name carries the random suffix Pulumi adds)"
          : ""
      }:`,
    ),
    "",
  );
  out.push(alarmTable(plan, alarms, topics));
  const events = topicEvents(plan, topics);
  if (events.length > 0) {
    out.push(
      "",
      wrap(
        `${events.length} EventBridge rule${events.length === 1 ? "" : "s"} send${events.length === 1 ? "s" : ""} AWS's own failure event${events.length === 1 ? "" : "s"} to the topic as ${events.length === 1 ? "it happens" : "they happen"} (an event has no OK message):`,
      ),
      "",
      table(["Rule", "Sends when", "First response"], events),
    );
  }
  out.push(...alsoPart(source, alarms, events));
  return out.join("\n");
}

function alarmTable(plan: PlanFile, alarms: PlanResource[], topics: Topic[]): string {
  const rows = alarms.map((a) => {
    const insufficient = strings(a.props.insufficientDataActions).some((x) =>
      topics.some((t) => t.arn === x),
    );
    return [
      code(alarmName(plan, a)),
      watchesText(plan, a),
      firesText(a),
      missingDataText(str(a.props.treatMissingData), insufficient),
      notifiesText(plan, a, topics),
      prose(firstResponse(plan, a)),
    ];
  });
  return table(
    ["Alarm", "Watches", "Fires when", "Missing data", "Notifies", "First response"],
    rows,
  );
}

/** The alarms and paging rules the tier's `also` plan has beyond its default plan. */
function alsoPart(source: TierPlan, alarms: PlanResource[], events: string[][]): string[] {
  const plan = source.alsoPlan;
  const sets = alsoSets(source);
  if (!plan || !source.also || !sets) return [];
  const topics = alarmTopics(plan);
  const known = new Set(alarms.map((a) => a.name));
  const extra = ofType(plan, T.metricAlarm).filter((a) => !known.has(a.name));
  const knownEvents = new Set(events.map((e) => e[0]));
  const extraEvents = topicEvents(plan, topics).filter((e) => !knownEvents.has(e[0]));
  if (extra.length === 0 && extraEvents.length === 0) return [];
  const settings = Object.entries(source.also)
    .map(([k, v]) => code(`${k}=${v}`))
    .join(", ");
  const out = [
    "",
    wrap(
      `${ALSO_MARKER} (${settings}; planned with \`${planCommand({ ...source, sets })}\`) the tier also has ${extra.length} alarm${extra.length === 1 ? "" : "s"}${extraEvents.length > 0 ? ` and ${extraEvents.length} EventBridge rule${extraEvents.length === 1 ? "" : "s"}` : ""}:`,
    ),
  ];
  if (extra.length > 0) out.push("", alarmTable(plan, extra, topics));
  if (extraEvents.length > 0) {
    out.push("", table(["Rule", "Sends when", "First response"], extraEvents));
  }
  return out;
}

function renderIntro(plans: readonly TierPlan[]): string {
  const defaults = Object.entries(DEFAULT_MONTHLY_BUDGET_USD)
    .map(([preset, usd]) => `${preset} ${money(usd)}`)
    .join(", ");
  const unfiltered = plans.every((p) =>
    budgets(p.plan, alarmTopics(p.plan)).every((b) => !b.filtered),
  );
  const tiers = plans
    .map((p) => `[${tierTitle(p.plan)}](#${anchor(tierTitle(p.plan))})`)
    .join(", ");
  return [
    "# Monitoring",
    "",
    `<!-- generated from the plans by tools/monitoring-docs/cli.ts; do not edit: ${REGENERATE} -->`,
    "",
    wrap(
      "Every stack has one alarm topic, `openemr-<stack>-alarms`. Its alarms publish to it when they go to ALARM and again when they return to OK (the Notifies column says where an alarm does something else), and AWS Budgets publishes the monthly budget's alerts to it. The topic pages whoever is subscribed: the address in `openemr:alarmEmail` when the stack sets one, and anyone subscribed by hand. Nobody is paged at all until someone is subscribed and has confirmed the subscription.",
    ),
    "",
    wrap(
      "Each alarm's description is written “what happened: what to do first”; the First response column is that description. Thresholds are in the metric's unit (bytes as GiB or MiB, times in seconds); “for 3 × 5 min” means three consecutive 5-minute periods. Names are shown with `<stack>` for the stack name.",
    ),
    "",
    wrap(
      `Tiers: ${tiers}. The alarms come from [components/alarms/monitoring.ts](../components/alarms/monitoring.ts) and the tiers that call it; this document is rendered from the offline plans (\`npm run plan\`), so it lists what the program creates.`,
    ),
    "",
    "## Subscribing",
    "",
    wrap(
      "Set the alarm e-mail and deploy: `pulumi config set openemr:alarmEmail it@clinic.example` and `pulumi up`. AWS sends a confirmation mail to the address; nothing is delivered until its link is followed. The budget also e-mails that address directly (not through the topic), see [components/alarms/budget.ts](../components/alarms/budget.ts).",
    ),
    "",
    wrap(
      "Without an e-mail in the stack file (or for a second person, a pager's e-mail gateway or a chat integration), subscribe by hand: find the topic's ARN, then subscribe and confirm.",
    ),
    "",
    "```sh",
    "aws sns list-topics --query \"Topics[?contains(TopicArn, 'openemr-<stack>-alarms')].TopicArn\"",
    "aws sns subscribe --topic-arn <the topic> --protocol email --notification-endpoint <you>",
    "```",
    "",
    wrap(
      "A subscription made by hand is not in the stack's state: `pulumi up` leaves it alone, and `pulumi destroy` removes it with the topic.",
    ),
    "",
    "## Monthly budget",
    "",
    wrap(
      `Every stack has an AWS Budgets cost budget of \`openemr:monthlyBudgetUsd\` a month (default per preset: ${defaults}), with an alert when the month's forecast spend passes 80 % and one when the actual spend passes 100 % (each tier below lists its own).${
        unfiltered
          ? " The budget counts the whole account's cost, so two stacks in one account each see both; set an amount that fits what the account runs."
          : ""
      }`,
    ),
  ].join("\n");
}

/** GitHub's heading anchor. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .replace(/ /g, "-");
}

/** docs/monitoring.md for the recorded plans, in MONITORING_TIERS order. */
export function renderMonitoringDoc(plans: readonly TierPlan[]): string {
  return [renderIntro(plans), ...plans.map(renderTier)].join("\n\n") + "\n";
}
