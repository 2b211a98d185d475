// Host script changes reaching a running EC2 host. Cloud-init writes the user data on the first boot
// only, and a user-data change stops and starts the instance, so the scripts the host runs after
// its first boot (everything but bootstrap.sh and install-scripts.sh, user-data.ts BOOT_SCRIPTS)
// live in the stack's SSM parameters, and a State Manager association runs openemr-install-scripts
// with their entries and a digest of their text as its parameters: a changed script changes the
// digest, an in-place update of the association, which "the system runs immediately" (SSM API
// Reference, UpdateAssociation, ApplyOnlyAtCronInterval). A failed run leaves the association
// Failed (a HIGH non-compliance) and an EventBridge rule sends it to the alarm topic. Free:
// State Manager charges nothing for associations on EC2, EventBridge nothing for AWS service events.
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { eventToAlarmTopic } from "../alarms/event-rule";
import type { Monitoring } from "../alarms/monitoring";
import { scriptParameterChunks } from "../compute/user-data";
import {
  commandDocument,
  shellCommandDocument,
  type ShellCommandDocument,
} from "./command-document";

/** Where the user data installs install-scripts.sh (user-data.ts SCRIPTS). */
const INSTALL_SCRIPTS = "/usr/local/sbin/openemr-install-scripts";
/** An absolute path of letters, digits and `/_.-`: nothing the shell would expand or split. */
const PATH = "/[A-Za-z0-9/_.-]+";
/** install-scripts.sh's entries, space-separated `<target>=<parameter base>:<chunks>`. */
export const ENTRIES_PATTERN = `^${PATH}=${PATH}:[1-9][0-9]*( ${PATH}=${PATH}:[1-9][0-9]*)*$`;
export const DIGEST_PATTERN = "^[0-9a-f]{64}$";
/** Seconds the step waits for cloud-init to write install-scripts.sh on a new host. */
const FIRST_BOOT_WAIT_SECONDS = 600;

/** One script as the host installs it: where, from which parameters, and its installed text. */
export interface HostScriptEntry {
  target: string;
  base: string;
  chunks: number;
  text: string;
}

/** install-scripts.sh's argument (and deploy.env SCRIPT_PARAMETERS) for `entries`. */
export function entryArgument(entries: readonly HostScriptEntry[]): string {
  return entries.map((e) => `${e.target}=${e.base}:${e.chunks}`).join(" ");
}

/**
 * install-scripts.sh as the document writes it onto the host on every run (gzip, base64, as in its
 * parameters): a host set up before the installer took arguments, or before it existed, gets the
 * current one, as the upgrade document does with upgrade.sh.
 */
export function installerEncoding(): string {
  return scriptParameterChunks("install-scripts.sh").join("");
}

/**
 * Pure: sha256 of what a run writes (the installer, then each target and its installed text, in
 * order); it changes exactly when an installed script would.
 */
export function scriptsDigest(
  entries: readonly HostScriptEntry[],
  installer: string = installerEncoding(),
): string {
  const hash = createHash("sha256");
  hash.update(`${installer}\0`);
  for (const e of entries) hash.update(`${e.target}\0${e.base}:${e.chunks}\0${e.text}\0`);
  return hash.digest("hex");
}

/** The host-scripts document: the entries and their digest. */
export type HostScriptsDocumentContent = ShellCommandDocument<"entries" | "digest">;

/**
 * Pure: the document (SSM document schema 2.2). Systems Manager checks `entries` against
 * ENTRIES_PATTERN before it substitutes it, so it is left unquoted on purpose: install-scripts.sh
 * takes one entry per argument. The step writes `installer` (installerEncoding) as
 * openemr-install-scripts first, so the host's own copy, old or missing, never matters. On a new
 * host the association may run before cloud-init has written deploy.env (which holds REGION): the
 * step waits for it (install-scripts.sh writes each script through its own temporary file, so a run
 * beside the bootstrap's is safe).
 */
export function hostScriptsDocumentContent(
  installer: string = installerEncoding(),
): HostScriptsDocumentContent {
  if (!/^[A-Za-z0-9+/=]+$/.test(installer)) throw new Error("installer: not base64");
  return shellCommandDocument(
    "OpenEMR host scripts: install the stack's scripts from its SSM parameters (openemr-install-scripts)",
    {
      entries: {
        description: "Space-separated <target>=<parameter base>:<chunks>",
        allowedPattern: ENTRIES_PATTERN,
      },
      digest: {
        description: "sha256 of the scripts' installed text: changes when a script does",
        allowedPattern: DIGEST_PATTERN,
      },
    },
    {
      name: "installHostScripts",
      timeoutSeconds: FIRST_BOOT_WAIT_SECONDS + 300,
      runCommand: [
        "set -eu",
        `for _ in $(seq 1 ${FIRST_BOOT_WAIT_SECONDS / 5}); do [ -f /etc/openemr/deploy.env ] && break; sleep 5; done`,
        `installer=$(mktemp ${INSTALL_SCRIPTS}.XXXXXX)`,
        `echo '${installer}' | base64 -d | gunzip >"$installer"`,
        `chmod 755 "$installer" && mv -f "$installer" ${INSTALL_SCRIPTS}`,
        "echo 'host scripts {{ digest }}'",
        `exec ${INSTALL_SCRIPTS} {{ entries }}`,
      ],
    },
  );
}

export interface HostScriptsArgs {
  /** The host the association targets. */
  instanceId: pulumi.Input<string>;
  /** The scripts the host installs from its parameters. */
  entries: readonly HostScriptEntry[];
  /** The parameters holding them: the association runs only once they are written. */
  parameters: readonly aws.ssm.Parameter[];
  /** The stack's alarm topic gets a failed run. */
  monitoring: Monitoring;
}

/**
 * `<name>` (e.g. openemr-prod-host-scripts): the document, the association that runs it on the
 * host with the entries and their digest, and the rule that sends a failed run to the alarm topic.
 * No schedule: it runs when created and whenever its parameters (a script's text) change.
 */
export class HostScripts extends pulumi.ComponentResource {
  public readonly document: aws.ssm.Document;
  public readonly association: aws.ssm.Association;
  public readonly failedRule: aws.cloudwatch.EventRule;

  constructor(name: string, args: HostScriptsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:maintenance:HostScripts", name, {}, opts);
    const child = { parent: this };
    const entries = entryArgument(args.entries);
    if (!new RegExp(ENTRIES_PATTERN).test(entries)) {
      throw new Error(`${name}: script entries '${entries}' do not match ${ENTRIES_PATTERN}`);
    }

    this.document = commandDocument(name, hostScriptsDocumentContent(), child);
    this.association = new aws.ssm.Association(
      `${name}-association`,
      {
        name: this.document.name,
        associationName: name,
        targets: [{ key: "InstanceIds", values: [args.instanceId] }],
        parameters: { entries, digest: scriptsDigest(args.entries) },
        // run on creation and on every parameter change (with true it would wait for a schedule
        // it does not have)
        applyOnlyAtCronInterval: false,
        // a failed run shows as a HIGH non-compliance in Systems Manager Compliance
        complianceSeverity: "HIGH",
      },
      { ...child, dependsOn: [...args.parameters] },
    );

    // Systems Manager's "EC2 State Manager Instance Association State Change" for this association
    // with status Failed (Systems Manager User Guide, "Amazon EventBridge event examples for Systems
    // Manager"); the alarm topic's policy lets this account's rules publish (alarmTopicPolicy)
    this.failedRule = eventToAlarmTopic(
      args.monitoring,
      `${name}-failed`,
      `${name}: installing the host scripts failed; read the association's output (aws ssm describe-instance-associations-status, docs/upgrade.md)`,
      this.association.associationId.apply(hostScriptsFailedPattern),
      child,
    );
    this.registerOutputs({ documentName: this.document.name });
  }
}

/** Pure: the EventBridge pattern of a failed run of the association `associationId` on its host. */
export function hostScriptsFailedPattern(associationId: string): Record<string, unknown> {
  return {
    source: ["aws.ssm"],
    "detail-type": ["EC2 State Manager Instance Association State Change"],
    detail: { "association-id": [associationId], status: ["Failed"] },
  };
}
