// What a delete or a replacement loses, in words: the stateful resource types, the data each one
// holds (read from the resource and from the resources around it in the plan), and the mitigations
// and consequences its inputs show.

import { type PlanIndex } from "../plan/plan-index";
import { T } from "../plan/tokens";
import type { PlanResource, PlanValue } from "../plan/types";
import { get, num, obj, str } from "../plan/values";

interface StatefulType {
  /** What a delete loses. */
  loses: (r: PlanResource, plan: PlanIndex) => string;
  /** Consequences and mitigations read from the resource and the plan around it. */
  notes?: (r: PlanResource, plan: PlanIndex) => string[];
}

/** "a", "a and b", "a, b and c". */
function andList(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1] ?? ""}`;
}

// ---------------------------------------------------------------------------------------------
// The OpenEMR host: what its disks hold, read from the deploy.env its user data writes
// (components/compute/user-data.ts renders it; components/compute/scripts/bootstrap.sh reads it).

/** The deploy.env settings (KEY='value' lines) in an instance's user data. */
export function deployEnv(userData: PlanValue | undefined): Record<string, string> {
  const text = str(userData);
  const env: Record<string, string> = {};
  if (!text) return env;
  for (const m of text.matchAll(/^\s*([A-Z][A-Z0-9_]*)='([^'\n]*)'\s*$/gm)) {
    const [, key, value] = m;
    if (key !== undefined && value !== undefined) env[key] = value;
  }
  return env;
}

/**
 * What the host keeps under its data directory: Docker's data root is there
 * (bootstrap.sh: "data-root": DATA_DIR/docker), and with it the MariaDB container's database
 * (express), the openemr-sites volume (OpenEMR's sites/: documents, configuration) and the local
 * backups.
 */
function hostData(env: Record<string, string>): string[] {
  const held: string[] = [];
  if (env.MARIADB_IMAGE) held.push("the MariaDB database");
  held.push("OpenEMR's sites/ documents");
  if (env.BACKUP_MODE === "local") held.push("the local backups");
  return held;
}

function instanceLoses(r: PlanResource): string {
  const env = deployEnv(r.props.userData);
  const dir = env.DATA_DIR;
  if (!dir) return "the root volume's contents";
  if (env.DATA_DEVICE) {
    const held = hostData(env);
    return `the root volume's contents (system files only: ${andList(held)} in ${dir} ${held.length === 1 ? "is" : "are"} on the data volume attached as ${env.DATA_DEVICE})`;
  }
  return `the root volume's contents: ${andList(hostData(env))} (${dir} is on the root volume)`;
}

/** The instance an EBS volume is attached to as the host's data device, with its mount point. */
function hostOfVolume(
  volume: PlanResource,
  plan: PlanIndex,
): { host: PlanResource; env: Record<string, string> } | undefined {
  for (const att of plan.referrers(volume, T.volumeAttachment, "volumeId")) {
    for (const host of plan.refs(att, "instanceId", T.ec2Instance)) {
      const env = deployEnv(host.props.userData);
      if (env.DATA_DIR && env.DATA_DEVICE && env.DATA_DEVICE === str(att.props.deviceName)) {
        return { host, env };
      }
    }
  }
  return undefined;
}

function volumeLoses(r: PlanResource, plan: PlanIndex): string {
  const mounted = hostOfVolume(r, plan);
  if (!mounted) return "volume contents";
  const { host, env } = mounted;
  return `volume contents: ${andList(hostData(env))} (mounted at ${env.DATA_DIR ?? ""} on ${host.name})`;
}

/** The DLM policies whose target tags a volume carries: its daily snapshots outlive it. */
function snapshotNotes(tags: PlanValue | undefined, plan: PlanIndex): string[] {
  const t = obj(tags);
  if (!t) return [];
  const notes: string[] = [];
  for (const policy of plan.ofType(T.dlmLifecyclePolicy)) {
    const target = obj(get(policy.props, "policyDetails", "targetTags"));
    if (!target || Object.keys(target).length === 0) continue;
    const hit = Object.entries(target).every(([k, v]) => t[k] === v);
    if (hit) {
      const tagText = Object.entries(target)
        .map(([k, v]) => `${k}=${str(v) ?? JSON.stringify(v)}`)
        .join(", ");
      notes.push(
        `its EBS snapshots (DLM policy ${policy.name}, tag ${tagText}) outlive it: the latest restores the data as of that snapshot`,
      );
    }
  }
  return notes;
}

function instanceNotes(r: PlanResource, plan: PlanIndex): string[] {
  const notes: string[] = [];
  if (get(r.props, "rootBlockDevice", "deleteOnTermination") === false) {
    notes.push(
      "deleteOnTermination is off: the old root volume stays in AWS, detached; the new instance starts from a fresh one",
    );
  }
  notes.push(...snapshotNotes(get(r.props, "rootBlockDevice", "tags"), plan));
  return notes;
}

// ---------------------------------------------------------------------------------------------
// Databases, buckets, keys, files

function rdsLoses(r: PlanResource): string {
  const engine = str(r.props.engine);
  const id = str(r.props.identifier) ?? str(r.props.clusterIdentifier);
  const what = [engine, id].filter((s): s is string => s !== undefined).join(" ");
  return what ? `database contents (${what})` : "database contents";
}

function rdsNotes(r: PlanResource): string[] {
  const props = r.props;
  const notes: string[] = [];
  if (props.deletionProtection === true) {
    notes.push("AWS deletion protection is on: the delete fails until it is turned off");
  }
  const finalId = str(props.finalSnapshotIdentifier);
  if (props.skipFinalSnapshot === true) {
    notes.push("no final snapshot (skipFinalSnapshot): nothing is kept of it");
  } else if (finalId) {
    notes.push(`a final snapshot is taken (${finalId}): the data can be restored from it`);
  } else {
    // the provider's default is a final snapshot, and it needs a name for one
    notes.push(
      "skipFinalSnapshot is off and no finalSnapshotIdentifier is set: the provider refuses the delete",
    );
  }
  if (props.deleteAutomatedBackups !== false) {
    notes.push("its automated backups are deleted with it (deleteAutomatedBackups)");
  }
  return notes;
}

/** What a bucket holds, from its `openemr:purpose` tag (components/storage/secure-bucket.ts). */
const BUCKET_PURPOSES: Readonly<Record<string, string>> = {
  backups: "OpenEMR's backups",
  "audit-trail": "the CloudTrail audit trail's log files",
  "lb-access-logs": "the load balancer's access logs",
};

function bucketLoses(r: PlanResource, plan: PlanIndex): string {
  const purpose = str(get(r.props, "tags", "openemr:purpose"));
  if (purpose) return `objects: ${BUCKET_PURPOSES[purpose] ?? purpose}`;
  const trails = plan.referrers(r, T.cloudtrail, "s3BucketName");
  if (trails.length > 0) return `objects: the audit trail's log files (${trails[0]?.name ?? ""})`;
  return "objects";
}

function bucketNotes(r: PlanResource, plan: PlanIndex): string[] {
  const notes = [
    r.props.forceDestroy === true
      ? "forceDestroy is on: every object is deleted with the bucket"
      : "AWS refuses to delete the bucket while it holds objects (forceDestroy off)",
  ];
  for (const lock of plan.referrers(r, T.bucketObjectLock, "bucket")) {
    const mode = str(get(lock.props, "rule", "defaultRetention", "mode"));
    const days = num(get(lock.props, "rule", "defaultRetention", "days"));
    if (mode) {
      notes.push(
        `Object Lock (${mode}${days !== undefined ? `, ${days} days` : ""}): an object cannot be deleted before its retention ends${mode === "COMPLIANCE" ? ", by anyone" : " without the bypass permission"}, so the bucket cannot be emptied until then`,
      );
    }
  }
  return notes;
}

/** Resources of the plan whose key inputs name this key: what its deletion makes unreadable. */
function encryptedWith(key: PlanResource, plan: PlanIndex): string[] {
  const out: string[] = [];
  for (const r of plan.plan.resources) {
    if (r === key || r.type === T.kmsAlias) continue;
    const uses = Object.entries(r.propertyDependencies).some(
      ([input, urns]) => /kms|key|rules|BlockDevice/i.test(input) && urns.includes(key.urn),
    );
    if (uses) out.push(r.name);
  }
  return out.sort();
}

const KEY_USERS_SHOWN = 6;

function keyNotes(r: PlanResource, plan: PlanIndex): string[] {
  const days = num(r.props.deletionWindowInDays) ?? 30;
  const notes = [`deletion is scheduled ${days} days out and can be cancelled until then`];
  const users = encryptedWith(r, plan);
  if (users.length > 0) {
    const shown = users.slice(0, KEY_USERS_SHOWN).join(", ");
    const more =
      users.length > KEY_USERS_SHOWN ? ` and ${users.length - KEY_USERS_SHOWN} more` : "";
    notes.push(`encrypted with it: ${shown}${more}`);
  }
  return notes;
}

function fileSystemLoses(r: PlanResource, plan: PlanIndex): string {
  const paths = plan
    .referrers(r, T.efsAccessPoint, "fileSystemId")
    .map((ap) => str(get(ap.props, "rootDirectory", "path")))
    .filter((p): p is string => p !== undefined)
    .sort();
  return paths.length > 0 ? `files (access points ${paths.join(", ")})` : "files";
}

function named(base: string, name: string | undefined): string {
  return name ? `${base} of ${name}` : base;
}

/**
 * Stateful resource types: the ones whose delete or replacement loses data. A generated password
 * counts: replacing it changes a credential that something outside Pulumi's view still holds.
 */
export const STATEFUL_TYPES: Readonly<Record<string, StatefulType>> = {
  [T.rdsInstance]: { loses: rdsLoses, notes: rdsNotes },
  [T.rdsCluster]: { loses: rdsLoses, notes: rdsNotes },
  [T.rdsClusterInstance]: {
    loses: () =>
      "a database instance (the data lives in its cluster; capacity is lost while it is recreated)",
  },
  [T.ebsVolume]: {
    loses: volumeLoses,
    notes: (r, plan) => [
      ...(r.props.finalSnapshot === true ? ["a final snapshot is taken"] : []),
      ...snapshotNotes(r.props.tags, plan),
    ],
  },
  [T.ec2Instance]: { loses: instanceLoses, notes: instanceNotes },
  [T.efsFileSystem]: { loses: fileSystemLoses },
  [T.bucket]: { loses: bucketLoses, notes: bucketNotes },
  [T.bucketV2]: { loses: bucketLoses, notes: bucketNotes },
  [T.kmsKey]: {
    loses: () => "the key: everything encrypted with it becomes unreadable",
    notes: keyNotes,
  },
  [T.backupVault]: {
    loses: () => "recovery points",
    notes: (r) =>
      r.props.forceDestroy === true
        ? ["forceDestroy is on: recovery points are deleted with the vault"]
        : ["AWS refuses to delete the vault while it holds recovery points (forceDestroy off)"],
  },
  [T.secret]: {
    loses: (r) => named("the secret value", str(r.props.name)),
    notes: (r) =>
      r.props.recoveryWindowInDays === 0
        ? ["recoveryWindowInDays is 0: deleted at once, no recovery"]
        : [`recoverable for ${num(r.props.recoveryWindowInDays) ?? 30} days`],
  },
  [T.randomPassword]: {
    loses: () =>
      "the generated password: a new one is generated, and whatever still uses the old one (a database user, a login) no longer matches",
  },
  [T.logGroup]: {
    loses: (r) => `${named("log events", str(r.props.name))} (audit trail)`,
    notes: (r) => (r.props.skipDestroy === true ? ["skipDestroy: the log group stays in AWS"] : []),
  },
};
