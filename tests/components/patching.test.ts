// HostPatching on its own and in the stacks: an Amazon Linux 2023 baseline approving security and
// bug-fix updates after the configured delay, registered for the host's patch group (the
// instance's "Patch Group" tag), a weekly window on the configured schedule running
// AWS-RunPatchBaseline (Install, reboot if needed) with its output in the host's system log group,
// and an EventBridge rule that sends the window's failed runs to the alarm topic. The settings'
// validation: AWS's maintenance-window cron syntax, Patch Manager's 0-360 days.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig } from "../../config";
import { monitoring } from "../../components/alarms/monitoring";
import {
  HostPatching,
  PATCH_GROUP_TAG,
  patchApprovalRules,
  patchRunFailedPattern,
} from "../../components/maintenance/patching";
import {
  MAINTENANCE_WINDOW_HOURS,
  maintenanceWindowProblem,
} from "../../components/maintenance/schedule";
import { DEFAULT_MAINTENANCE_WINDOW } from "../../presets/common";
import { FREE_TYPES, estimateCost } from "../../tools/cost/estimate";
import type { PlanFile, PlanValue } from "../../tools/plan/types";
import { planStack } from "../helpers/plan";
import { ofType, one, prop } from "../helpers/resources";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const BASELINE = "aws:ssm/patchBaseline:PatchBaseline";
const GROUP = "aws:ssm/patchGroup:PatchGroup";
const WINDOW = "aws:ssm/maintenanceWindow:MaintenanceWindow";
const TARGET = "aws:ssm/maintenanceWindowTarget:MaintenanceWindowTarget";
const TASK = "aws:ssm/maintenanceWindowTask:MaintenanceWindowTask";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const INSTANCE = "aws:ec2/instance:Instance";

describe("HostPatching", () => {
  let p: ComponentPlan;
  before(async () => {
    p = await planComponent(() => {
      const tier = new pulumi.ComponentResource("test:index:Tier", "tier");
      const child = { parent: tier };
      const instance = new aws.ec2.Instance(
        "host",
        { ami: "ami-1", instanceType: "t4g.small" },
        child,
      );
      const logs = new aws.cloudwatch.LogGroup("system", { name: "/openemr/test/system" }, child);
      const patching = new HostPatching(
        "openemr-test-patching",
        {
          instanceId: instance.id,
          patchGroup: "openemr-test",
          schedule: "cron(30 3 ? * SAT *)",
          approvalDelayDays: 3,
          logGroupName: logs.name,
          monitoring: monitoring("openemr-test", {}, child),
        },
        child,
      );
      return { windowId: patching.window.id };
    });
  });

  it("creates the baseline, its patch group, the window, its target and task, and the failed-run rule, under the component", () => {
    const component = p.named("openemr-test-patching", "openemr:maintenance:HostPatching");
    expect(inventory(p.resources.filter((r) => r.parent === component.urn))).to.have.members([
      `${BASELINE}::openemr-test-patching-baseline`,
      `${GROUP}::openemr-test-patching-group`,
      `${WINDOW}::openemr-test-patching-window`,
      `${TARGET}::openemr-test-patching-target`,
      `${TASK}::openemr-test-patching-task`,
      `${RULE}::openemr-test-patching-failed`,
      `${EVENT_TARGET}::openemr-test-patching-failed-target`,
    ]);
  });

  it("approves Amazon Linux 2023 security and bug-fix updates the configured days after release, nothing else", () => {
    const baseline = p.named("openemr-test-patching-baseline", BASELINE);
    expect(baseline.props).to.include({
      name: "openemr-test-patching-al2023",
      operatingSystem: "AMAZON_LINUX_2023",
    });
    expect(prop<string>(baseline, "description")).to.contain("approved 3 days after its release");
    expect(baseline.props.approvalRules).to.deep.equal([
      {
        approveAfterDays: 3,
        complianceLevel: "CRITICAL",
        patchFilters: [
          { key: "CLASSIFICATION", values: ["Security"] },
          { key: "SEVERITY", values: ["Critical", "Important"] },
        ],
      },
      {
        approveAfterDays: 3,
        complianceLevel: "HIGH",
        patchFilters: [
          { key: "CLASSIFICATION", values: ["Security"] },
          { key: "SEVERITY", values: ["Medium", "Low", "None"] },
        ],
      },
      {
        approveAfterDays: 3,
        complianceLevel: "MEDIUM",
        patchFilters: [{ key: "CLASSIFICATION", values: ["Bugfix"] }],
      },
    ]);
    // no approved or rejected lists, no extra sources: only the rules decide
    for (const key of ["approvedPatches", "rejectedPatches", "sources", "globalFilters"]) {
      expect(baseline.props, key).to.not.have.property(key);
    }
  });

  it("registers the baseline for the host's patch group", () => {
    const group = p.named("openemr-test-patching-group", GROUP);
    expect(group.props.patchGroup).to.equal("openemr-test");
    expect(p.dependenciesOf(group, "baselineId").map((r) => r.type)).to.deep.equal([BASELINE]);
  });

  it("opens the window on the configured schedule in UTC, for two hours with no new task in the last", () => {
    const window = p.named("openemr-test-patching-window", WINDOW);
    expect(window.props).to.deep.include({
      name: "openemr-test-patching-window",
      schedule: "cron(30 3 ? * SAT *)",
      duration: MAINTENANCE_WINDOW_HOURS.duration,
      cutoff: MAINTENANCE_WINDOW_HOURS.cutoff,
      allowUnassociatedTargets: false,
    });
    expect(MAINTENANCE_WINDOW_HOURS).to.deep.equal({ duration: 2, cutoff: 1 });
    // no time zone: the schedule is UTC
    expect(window.props).to.not.have.property("scheduleTimezone");
  });

  it("targets the host by its instance id", () => {
    const target = p.named("openemr-test-patching-target", TARGET);
    expect(target.props.resourceType).to.equal("INSTANCE");
    expect(target.props.targets).to.have.nested.property("[0].key", "InstanceIds");
    expect(p.dependenciesOf(target, "targets").map((r) => r.name)).to.deep.equal(["host"]);
    expect(p.dependenciesOf(target, "windowId").map((r) => r.type)).to.deep.equal([WINDOW]);
  });

  it("runs AWS-RunPatchBaseline with Install and RebootIfNeeded, its output in the host's system log group", () => {
    const task = p.named("openemr-test-patching-task", TASK);
    expect(task.props).to.deep.include({
      taskType: "RUN_COMMAND",
      taskArn: "AWS-RunPatchBaseline",
      priority: 1,
      maxConcurrency: "1",
      maxErrors: "0",
    });
    const run = prop<{ [key: string]: PlanValue }>(
      task,
      "taskInvocationParameters.runCommandParameters",
    );
    expect(run.parameters).to.deep.equal([
      { name: "Operation", values: ["Install"] },
      { name: "RebootOption", values: ["RebootIfNeeded"] },
    ]);
    expect(run.cloudwatchConfig).to.deep.equal({
      cloudwatchLogGroupName: "/openemr/test/system",
      cloudwatchOutputEnabled: true,
    });
    expect(p.dependenciesOf(task, "targets").map((r) => r.type)).to.deep.equal([TARGET]);
    // the account's Systems Manager service-linked role runs it: no role to create or pass
    expect(task.props).to.not.have.property("serviceRoleArn");
  });

  it("sends the window's failed and timed-out runs to the stack's alarm topic", () => {
    const rule = p.named("openemr-test-patching-failed", RULE);
    const window = p.named("openemr-test-patching-window", WINDOW);
    expect(p.dependenciesOf(rule, "eventPattern").map((r) => r.urn)).to.deep.equal([window.urn]);
    const pattern = JSON.parse(prop<string>(rule, "eventPattern")) as {
      detail: { "window-id": string[] };
    };
    const windowId = pattern.detail["window-id"][0];
    expect(windowId).to.match(/^mw-[0-9a-f]{17}$/);
    expect(pattern).to.deep.equal(patchRunFailedPattern(windowId));
    expect(patchRunFailedPattern("mw-0123456789abcdef0")).to.deep.equal({
      source: ["aws.ssm"],
      "detail-type": ["Maintenance Window Execution State-change Notification"],
      detail: { "window-id": ["mw-0123456789abcdef0"], status: ["FAILED", "TIMED_OUT"] },
    });
    const target = p.named("openemr-test-patching-failed-target", EVENT_TARGET);
    const topic = p.named("openemr-test-alarms", "aws:sns/topic:Topic");
    expect(p.dependenciesOf(target, "arn").map((r) => r.urn)).to.deep.equal([topic.urn]);
  });

  it("refuses an approval delay Patch Manager would refuse", () => {
    expect(patchApprovalRules(0)[0].approveAfterDays).to.equal(0);
    expect(patchApprovalRules(360)[0].approveAfterDays).to.equal(360);
    for (const bad of [-1, 361, 1.5]) {
      expect(() => patchApprovalRules(bad), String(bad)).to.throw(
        `approveAfterDays ${bad} must be a whole number from 0 to 360`,
      );
    }
  });
});

describe("maintenanceWindowProblem (AWS's maintenance-window cron syntax)", () => {
  it("accepts the default and the forms AWS documents", () => {
    for (const ok of [
      DEFAULT_MAINTENANCE_WINDOW,
      "cron(30 23 ? * TUE#3 *)",
      "cron(0 2 L * ? *)",
      "cron(15 10 ? * 6L *)",
      "cron(0 2 15W * ? *)",
      "cron(0 9 ? * MON-FRI 2026-2030)",
      "cron(0/30 1,2 ? JAN,JUL SAT,SUN *)",
      "cron(0 4 1 */3 ? *)",
    ]) {
      expect(maintenanceWindowProblem(ok), ok).to.equal(undefined);
    }
  });

  it("names what is wrong", () => {
    const cases: [string, string][] = [
      ["0 8 * * 0", "must be a maintenance-window cron expression"],
      ["cron(0 8 ? * SUN)", "has 5 fields separated by single spaces"],
      ["cron(0  8 ? * SUN *)", "fields separated by single spaces"],
      ["cron(0 24 ? * SUN *)", 'hours: "24" is not in 0-23'],
      ["cron(60 8 ? * SUN *)", 'minutes: "60" is not in 0-59'],
      ["cron(0 8 ? * SUNDAY *)", 'day-of-week: "SUNDAY" is not in 1-7 or SUN-SAT'],
      ["cron(0 8 ? 13 SUN *)", 'month: "13" is not in 1-12 or JAN-DEC'],
      ["cron(0 8 ? * SUN 1969)", 'year: "1969" is not in 1970-2199'],
      [
        "cron(0 8 * * SUN *)",
        'exactly one of day-of-month ("*") and day-of-week ("SUN") must be "?"',
      ],
      ["cron(0 8 ? * ? *)", 'exactly one of day-of-month ("?") and day-of-week ("?")'],
      ["cron(0 ? ? * SUN *)", "hours: ? is only for day-of-month or day-of-week"],
      ["cron(0 8 ? * SUN#6 *)", 'day-of-week: "SUN#6" must be <day>#<1-5>'],
      ["cron(0/0 8 ? * SUN *)", "the increment after / must be a positive whole number"],
      ["rate(7 days)", "rate() and at() schedules are refused"],
      ["at(2026-12-06T08:00:00)", "rate() and at() schedules are refused"],
    ];
    for (const [expression, problem] of cases) {
      expect(maintenanceWindowProblem(expression), expression).to.contain(problem);
    }
  });
});

describe("the patching settings in the stack configuration", () => {
  const parse = (extra: Record<string, string>) =>
    parseConfig({ "openemr:preset": "express", ...extra });
  const problems = (extra: Record<string, string>): string[] => {
    try {
      parse(extra);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it("defaults to Sundays 08:00 UTC and a week's delay", () => {
    const config = parse({});
    expect(config.maintenanceWindow).to.equal("cron(0 8 ? * SUN *)");
    expect(config.patchApprovalDelayDays).to.equal(7);
  });

  it("takes a cron expression as the plain string stack config holds", () => {
    const config = parse({
      "openemr:maintenanceWindow": "cron(0 3 ? * WED *)",
      "openemr:patchApprovalDelayDays": "0",
    });
    expect(config.maintenanceWindow).to.equal("cron(0 3 ? * WED *)");
    expect(config.patchApprovalDelayDays).to.equal(0);
  });

  it("refuses a schedule AWS would refuse, naming the key, the value and the syntax", () => {
    const [problem] = problems({ "openemr:maintenanceWindow": "cron(0 8 * * SUN *)" });
    expect(problem).to.equal(
      'openemr:maintenanceWindow: got "cron(0 8 * * SUN *)"; exactly one of day-of-month ("*") and day-of-week ("SUN") must be "?"; must be a maintenance-window cron expression in UTC with six fields, cron(minutes hours day-of-month month day-of-week year), one of day-of-month and day-of-week "?", such as cron(0 8 ? * SUN *) (every Sunday 08:00 UTC)',
    );
  });

  it("refuses an approval delay outside Patch Manager's 0 to 360 days, or not whole", () => {
    expect(problems({ "openemr:patchApprovalDelayDays": "361" })).to.deep.equal([
      "openemr:patchApprovalDelayDays: got 361; must be at most 360 days (Patch Manager's ApproveAfterDays)",
    ]);
    expect(problems({ "openemr:patchApprovalDelayDays": "-1" })).to.deep.equal([
      "openemr:patchApprovalDelayDays: got -1; must be at least 0 days",
    ]);
    expect(problems({ "openemr:patchApprovalDelayDays": "2.5" })).to.deep.equal([
      "openemr:patchApprovalDelayDays: expected a whole number, got the number 2.5 (must be a whole number of days)",
    ]);
  });
});

describe("patching in the stacks' plans", function () {
  this.timeout(120_000);
  let express: PlanFile;
  let standard: PlanFile;
  let custom: PlanFile;
  before(async () => {
    express = await planStack("dev");
    standard = await planStack("staging");
    custom = await planStack("dev", {
      "openemr:maintenanceWindow": "cron(0 3 ? * WED *)",
      "openemr:patchApprovalDelayDays": "14",
    });
  });

  it("tags each EC2 host with the patch group its baseline is registered for", () => {
    for (const plan of [express, standard]) {
      const instance = one(plan, INSTANCE);
      const group = prop<string>(one(plan, GROUP), "patchGroup");
      expect(prop<Record<string, string>>(instance, "tags")).to.deep.equal({
        Name: `${group}-web`,
        [PATCH_GROUP_TAG]: group,
      });
      expect(group).to.equal(`openemr-${plan.stack}`);
      // the volumes keep their own tags (the snapshot policy selects by them)
      expect(prop<Record<string, string>>(instance, "rootBlockDevice.tags")).to.not.have.property(
        PATCH_GROUP_TAG,
      );
    }
  });

  it("patches on the stack's schedule with the stack's delay", () => {
    expect(prop(one(express, WINDOW), "schedule")).to.equal("cron(0 8 ? * SUN *)");
    expect(prop(one(custom, WINDOW), "schedule")).to.equal("cron(0 3 ? * WED *)");
    const delays = (plan: PlanFile) =>
      prop<{ approveAfterDays: number }[]>(one(plan, BASELINE), "approvalRules").map(
        (r) => r.approveAfterDays,
      );
    expect(delays(express)).to.deep.equal([7, 7, 7]);
    expect(delays(custom)).to.deep.equal([14, 14, 14]);
  });

  it("writes the patch output to the host's own system log group, which the host role may write", () => {
    const task = one(express, TASK);
    expect(
      prop(task, "taskInvocationParameters.runCommandParameters.cloudwatchConfig"),
    ).to.deep.equal({
      cloudwatchLogGroupName: "/openemr/dev/system",
      cloudwatchOutputEnabled: true,
    });
    const policy = JSON.parse(
      prop<string>(one(express, "aws:iam/rolePolicy:RolePolicy", "-web-access"), "policy"),
    ) as { Statement: { Sid: string; Resource: string[] }[] };
    const writes = policy.Statement.find((s) => s.Sid === "WriteOwnLogs")!.Resource;
    expect(writes).to.include("arn:aws:logs:us-east-1:123456789012:log-group:/openemr/dev/system");
  });

  it("costs nothing: every patching resource is priced as free, none left unpriced", () => {
    const estimate = estimateCost(express);
    expect(estimate.unpriced).to.deep.equal([]);
    for (const type of [BASELINE, GROUP, WINDOW, TARGET, TASK]) {
      expect(ofType(express, type), type).to.have.length(1);
      expect(FREE_TYPES[type], type).to.be.a("string");
    }
    const urns = new Set(
      [BASELINE, GROUP, WINDOW, TARGET, TASK, RULE].flatMap((t) =>
        ofType(express, t).map((r) => r.urn),
      ),
    );
    expect(estimate.lines.filter((l) => urns.has(l.urn))).to.deep.equal([]);
  });

  it("leaves fargate without a window (no host to patch)", async () => {
    const prod = await planStack("prod");
    expect(ofType(prod, WINDOW)).to.deep.equal([]);
    expect(ofType(prod, BASELINE)).to.deep.equal([]);
  });
});
