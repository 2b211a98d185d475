// Operating-system patches for an EC2 host. The instance is never replaced (`ignoreChanges: ["ami"]`:
// it holds data), so Patch Manager patches it in place: a patch baseline for Amazon Linux 2023
// (security and bug-fix updates, each approved a configurable number of days after its release),
// the patch group that gives the host that baseline (the instance's "Patch Group" tag), a weekly
// maintenance window running AWS-RunPatchBaseline (Install, reboot when needed), its output in the
// host's system log group, and an EventBridge rule that sends a failed or timed-out window to the
// stack's alarm topic. Each run reports the host's patch compliance to Systems Manager
// (Compliance, and Patch Manager's dashboard). All of it is free (Systems Manager charges nothing
// for Patch Manager on EC2 or for maintenance windows; EventBridge nothing for AWS service events).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { eventToAlarmTopic } from "../alarms/event-rule";
import type { Monitoring } from "../alarms/monitoring";
import { MAINTENANCE_WINDOW_HOURS } from "./schedule";

/** The instance tag Patch Manager reads the patch group from (Patch Manager, "Patch groups"). */
export const PATCH_GROUP_TAG = "Patch Group";
/** Seconds Run Command waits for the host to start AWS-RunPatchBaseline before giving up. */
const DELIVERY_TIMEOUT_SECONDS = 600;

/**
 * Pure: the baseline's approval rules (CreatePatchBaseline ApprovalRules; Amazon Linux 2023
 * CLASSIFICATION and SEVERITY values, Patch Manager "PatchFilter"). Each approves its updates
 * `approveAfterDays` after release (0-360); a host missing one is non-compliant at the rule's
 * level: security updates rated Critical or Important CRITICAL, other security updates HIGH,
 * bug fixes MEDIUM. Everything else (enhancements, new packages) is not installed.
 */
export function patchApprovalRules(
  approveAfterDays: number,
): aws.types.input.ssm.PatchBaselineApprovalRule[] {
  if (!Number.isInteger(approveAfterDays) || approveAfterDays < 0 || approveAfterDays > 360) {
    throw new Error(`approveAfterDays ${approveAfterDays} must be a whole number from 0 to 360`);
  }
  const rule = (
    complianceLevel: string,
    classification: string,
    severities?: string[],
  ): aws.types.input.ssm.PatchBaselineApprovalRule => ({
    approveAfterDays,
    complianceLevel,
    patchFilters: [
      { key: "CLASSIFICATION", values: [classification] },
      ...(severities ? [{ key: "SEVERITY", values: severities }] : []),
    ],
  });
  return [
    rule("CRITICAL", "Security", ["Critical", "Important"]),
    rule("HIGH", "Security", ["Medium", "Low", "None"]),
    rule("MEDIUM", "Bugfix"),
  ];
}

/**
 * Pure: the EventBridge pattern of a failed run of the window: Systems Manager's "Maintenance
 * Window Execution State-change Notification" with the window's id and a FAILED or TIMED_OUT
 * status (Systems Manager User Guide, "Amazon EventBridge event examples for Systems Manager";
 * statuses as MaintenanceWindowExecution Status). A run fails when its AWS-RunPatchBaseline task
 * fails on the host, or the host cannot take it (stopped, agent offline).
 */
export function patchRunFailedPattern(windowId: string): Record<string, unknown> {
  return {
    source: ["aws.ssm"],
    "detail-type": ["Maintenance Window Execution State-change Notification"],
    detail: { "window-id": [windowId], status: ["FAILED", "TIMED_OUT"] },
  };
}

export interface HostPatchingArgs {
  /** The host to patch. */
  instanceId: pulumi.Input<string>;
  /** The patch group the host's PATCH_GROUP_TAG names; the baseline is registered for it. */
  patchGroup: string;
  /** openemr:maintenanceWindow, validated by the config schema (maintenance/schedule.ts). */
  schedule: string;
  /** openemr:patchApprovalDelayDays. */
  approvalDelayDays: number;
  /** The host's system log group: AWS-RunPatchBaseline's output streams there. */
  logGroupName: pulumi.Input<string>;
  /** The stack's alarm topic gets the failed runs. */
  monitoring: Monitoring;
}

/**
 * `<name>` (e.g. openemr-prod-patching): the baseline, its patch group, the window with its
 * target and task, and the failed-run rule.
 */
export class HostPatching extends pulumi.ComponentResource {
  public readonly baseline: aws.ssm.PatchBaseline;
  public readonly window: aws.ssm.MaintenanceWindow;
  public readonly task: aws.ssm.MaintenanceWindowTask;
  public readonly failedRule: aws.cloudwatch.EventRule;

  constructor(name: string, args: HostPatchingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:maintenance:HostPatching", name, {}, opts);
    const child = { parent: this };
    const days = args.approvalDelayDays;

    this.baseline = new aws.ssm.PatchBaseline(
      `${name}-baseline`,
      {
        name: `${name}-al2023`,
        description: `${args.patchGroup}: Amazon Linux 2023 security and bug-fix updates, each approved ${days} ${days === 1 ? "day" : "days"} after its release`,
        operatingSystem: "AMAZON_LINUX_2023",
        approvalRules: patchApprovalRules(days),
        tags: { Name: `${name}-al2023` },
      },
      child,
    );
    new aws.ssm.PatchGroup(
      `${name}-group`,
      { baselineId: this.baseline.id, patchGroup: args.patchGroup },
      child,
    );

    this.window = new aws.ssm.MaintenanceWindow(
      `${name}-window`,
      {
        name: `${name}-window`,
        description: `${args.patchGroup}: weekly OS patching of the OpenEMR host (UTC)`,
        schedule: args.schedule,
        duration: MAINTENANCE_WINDOW_HOURS.duration,
        cutoff: MAINTENANCE_WINDOW_HOURS.cutoff,
        allowUnassociatedTargets: false,
        tags: { Name: `${name}-window` },
      },
      child,
    );
    const target = new aws.ssm.MaintenanceWindowTarget(
      `${name}-target`,
      {
        windowId: this.window.id,
        name: `${name}-host`,
        description: `${args.patchGroup}: the OpenEMR host`,
        resourceType: "INSTANCE",
        targets: [{ key: "InstanceIds", values: [args.instanceId] }],
      },
      child,
    );
    this.task = new aws.ssm.MaintenanceWindowTask(
      `${name}-task`,
      {
        windowId: this.window.id,
        name: `${name}-install`,
        description: `${args.patchGroup}: install approved updates, reboot if needed`,
        taskType: "RUN_COMMAND",
        taskArn: "AWS-RunPatchBaseline",
        priority: 1,
        maxConcurrency: "1",
        maxErrors: "0",
        targets: [{ key: "WindowTargetIds", values: [target.id] }],
        taskInvocationParameters: {
          runCommandParameters: {
            comment: "Patch Manager: install approved updates, reboot if needed",
            documentVersion: "$DEFAULT",
            timeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
            parameters: [
              { name: "Operation", values: ["Install"] },
              { name: "RebootOption", values: ["RebootIfNeeded"] },
            ],
            // the agent writes to the host's own group (its role may, WriteOwnLogs)
            cloudwatchConfig: {
              cloudwatchLogGroupName: args.logGroupName,
              cloudwatchOutputEnabled: true,
            },
          },
        },
      },
      child,
    );

    // the alarm topic's policy lets this account's EventBridge rules publish (alarmTopicPolicy)
    this.failedRule = eventToAlarmTopic(
      args.monitoring,
      `${name}-failed`,
      `${args.patchGroup}: the weekly patch run failed or timed out; read its AWS-RunPatchBaseline output in the host's system log group and the node's patch compliance in Systems Manager`,
      this.window.id.apply(patchRunFailedPattern),
      child,
    );
    this.registerOutputs({ windowId: this.window.id, baselineId: this.baseline.id });
  }
}
