// OpenEMR version changes reaching a running EC2 host. The instance's user data runs once (cloud-init,
// first boot) and the instance is never replaced (it holds express's database), so a new
// `openemr:openemrVersion` or `openemr:openemrImageDigest` travels as the parameter of a State
// Manager association instead: a parameter change is an in-place update of the association, which
// the plan and the diff show, and "when you update an association, the system runs it immediately"
// (SSM API Reference, UpdateAssociation, ApplyOnlyAtCronInterval). The association's command
// document installs and runs components/compute/scripts/upgrade.sh (backup, new image, answer
// check, rollback), which reports OpenEMR/UpgradeSucceeded; the `upgrade-failed` alarm watches it.
import { dailySuccessSpec } from "../alarms/alarm-specs";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { Monitoring } from "../alarms/monitoring";
import { compactScript, readScript } from "../compute/user-data";
import {
  commandDocument,
  shellCommandDocument,
  type ShellCommandDocument,
} from "./command-document";

/**
 * The image references the stack's configuration produces (config.ts `openemrImage`: a released
 * x.y.z tag, optionally pinned by digest); the document refuses anything else (its parameter's
 * allowedPattern), and upgrade.sh checks the same pattern when an operator runs it.
 */
export const IMAGE_REFERENCE_PATTERN =
  "^openemr/openemr:[0-9]+\\.[0-9]+\\.[0-9]+(@sha256:[0-9a-f]{64})?$";
/** Where the document installs upgrade.sh on the host (an operator runs it by hand from there). */
export const UPGRADE_SCRIPT_PATH = "/usr/local/sbin/openemr-upgrade";
/**
 * The document's time limit: a pull, the backup (an RDS snapshot: `aws rds wait
 * db-snapshot-available` gives up after 30 minutes), then up to 20 minutes for the new image to
 * answer and 20 more for the previous one after a rollback (upgrade.sh's wait).
 */
export const UPGRADE_TIMEOUT_SECONDS = 5400;
/** The heredoc delimiter the document writes the script with. */
const SCRIPT_END = "OPENEMR_UPGRADE_SCRIPT";

/** The upgrade document: its one parameter is the image. */
export type UpgradeDocumentContent = ShellCommandDocument<"image">;

/**
 * Pure: the upgrade document (SSM document schema 2.2,
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-schemas-features.html).
 * Its one step writes `script` to UPGRADE_SCRIPT_PATH (a quoted heredoc: nothing in it expands)
 * and runs it with the `image` parameter, which Systems Manager substitutes for `{{ image }}` only
 * after checking it against IMAGE_REFERENCE_PATTERN (so it needs no shell quoting beyond ''). The
 * document is the script's only way onto the host: existing hosts get it without a new boot.
 */
export function upgradeDocumentContent(
  script: string,
  installPath: string = UPGRADE_SCRIPT_PATH,
): UpgradeDocumentContent {
  if (script.includes("{{")) {
    throw new Error("upgrade.sh must not contain {{: Systems Manager would read it as a parameter");
  }
  if (script.split("\n").includes(SCRIPT_END)) {
    throw new Error(`upgrade.sh must not contain a line ${SCRIPT_END} (the heredoc's end)`);
  }
  return shellCommandDocument(
    "OpenEMR on this host: back up, move the container to the stack's image, check it answers, roll back if not",
    {
      image: {
        description: "The OpenEMR image the stack runs: openemr/openemr:<x.y.z>[@sha256:<digest>]",
        allowedPattern: IMAGE_REFERENCE_PATTERN,
      },
    },
    {
      name: "upgradeOpenEMR",
      timeoutSeconds: UPGRADE_TIMEOUT_SECONDS,
      runCommand: [
        "set -eu",
        `cat >${installPath}.new <<'${SCRIPT_END}'`,
        ...script.replace(/\n$/, "").split("\n"),
        SCRIPT_END,
        `chmod 755 ${installPath}.new`,
        `mv -f ${installPath}.new ${installPath}`,
        `exec ${installPath} '{{ image }}'`,
      ],
    },
  );
}

/** What an image change is, for the diff and the docs (undefined: not a reference the stack makes). */
export type ImageChange = "same" | "digest" | "upgrade" | "downgrade";

function parseImage(ref: string): { version: number[]; digest: string } | undefined {
  const m = /^openemr\/openemr:(\d+)\.(\d+)\.(\d+)(?:@(sha256:[0-9a-f]{64}))?$/.exec(ref);
  return m ? { version: [m[1], m[2], m[3]].map(Number), digest: m[4] ?? "" } : undefined;
}

/**
 * Pure: how `after` differs from `before` (two `openemrImage` references). A downgrade is what
 * upgrade.sh refuses on the host: the image's upgrade scripts only go forward.
 */
export function imageChange(before: string, after: string): ImageChange | undefined {
  const a = parseImage(before);
  const b = parseImage(after);
  if (!a || !b) return undefined;
  const order = a.version
    .map((part, i) => Math.sign(b.version[i] - part))
    .find((sign) => sign !== 0);
  if (order === 1) return "upgrade";
  if (order === -1) return "downgrade";
  return a.digest === b.digest ? "same" : "digest";
}

/** The RDS snapshots upgrade.sh takes on standard: `<db identifier>-pre-upgrade-<time>`. */
export const PRE_UPGRADE_SNAPSHOT_INFIX = "-pre-upgrade-";

/**
 * Pure: what the host role needs to snapshot its database before an upgrade and wait for it, and
 * nothing more: create snapshots of this instance only, named `<identifier>-pre-upgrade-*`;
 * tag them (the instance copies its tags to snapshots, CopyTagsToSnapshot); read their state.
 * No delete, copy, share or restore. RDS resource types per action: Service Authorization
 * Reference, Amazon RDS (CreateDBSnapshot: db, snapshot; AddTagsToResource: snapshot;
 * DescribeDBSnapshots: snapshot).
 */
export function preUpgradeSnapshotStatements(
  dbInstanceArn: string,
  snapshotArnPrefix: string,
): aws.iam.PolicyStatement[] {
  const snapshots = `${snapshotArnPrefix}${PRE_UPGRADE_SNAPSHOT_INFIX}*`;
  return [
    {
      Sid: "SnapshotDatabaseBeforeUpgrade",
      Effect: "Allow",
      Action: "rds:CreateDBSnapshot",
      Resource: [dbInstanceArn, snapshots],
    },
    {
      Sid: "TagAndWatchPreUpgradeSnapshots",
      Effect: "Allow",
      Action: ["rds:AddTagsToResource", "rds:DescribeDBSnapshots"],
      Resource: snapshots,
    },
  ];
}

export interface HostUpgradeArgs {
  /** The host the association targets. */
  instanceId: pulumi.Input<string>;
  /** The image the stack runs (openemrImage), the association's parameter. */
  image: string;
  /** The metric's Stack dimension (upgrade.sh reports with deploy.env's STACK). */
  stack: string;
  /** Where upgrade.sh's log lines go (the host's system log group), for the alarm's text. */
  systemLogGroup: string;
  /** The stack's alarms: the upgrade adds `upgrade-failed`. */
  monitoring: Monitoring;
}

/**
 * `<name>` (e.g. openemr-prod-upgrade): the upgrade document, the association that runs it on the
 * host with the stack's image, and the alarm on failed upgrades. No schedule: the association runs
 * when it is created and whenever its parameters change, never on its own.
 */
export class HostUpgrade extends pulumi.ComponentResource {
  public readonly document: aws.ssm.Document;
  public readonly association: aws.ssm.Association;
  public readonly alarm: aws.cloudwatch.MetricAlarm;

  constructor(name: string, args: HostUpgradeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:maintenance:HostUpgrade", name, {}, opts);
    const child = { parent: this };
    if (!new RegExp(IMAGE_REFERENCE_PATTERN).test(args.image)) {
      throw new Error(`${name}: image ${args.image} does not match ${IMAGE_REFERENCE_PATTERN}`);
    }

    this.document = commandDocument(
      name,
      upgradeDocumentContent(compactScript(readScript("upgrade.sh"))),
      child,
    );
    this.association = new aws.ssm.Association(
      `${name}-association`,
      {
        name: this.document.name,
        associationName: name,
        targets: [{ key: "InstanceIds", values: [args.instanceId] }],
        parameters: { image: args.image },
        // run on creation and on every parameter change (the default, stated: with true it
        // would wait for a schedule it does not have)
        applyOnlyAtCronInterval: false,
        // a failed run shows as a HIGH non-compliance in Systems Manager Compliance
        complianceSeverity: "HIGH",
      },
      child,
    );

    this.alarm = args.monitoring.alarm(
      "upgrade-failed",
      `an OpenEMR upgrade was refused, failed or rolled back, so the host does not run the stack's image: read the openemr-upgrade lines in ${args.systemLogGroup}, fix the cause, then rerun it with aws ssm start-associations-once (docs/upgrade.md)`,
      dailySuccessSpec("UpgradeSucceeded", args.stack, "notBreaching"),
    );
    this.registerOutputs({ documentName: this.document.name });
  }
}
