// Changes the plan shows as fine that `pulumi up` cannot carry out, or that do not do what they
// look like: an input held back by ignoreChanges while another one moves away from it, user data a
// running host never reads again, database versions RDS refuses, groups that do not fit the
// engine, subnet groups asked to move to another VPC.

import type { PlanIndex } from "../plan/plan-index";
import { T } from "../plan/tokens";
import type { PlanResource, PlanValue } from "../plan/types";
import { str } from "../plan/values";
import { deployEnv } from "./data-loss";
import { compareVersions, familyOf, majorOf } from "./engine-versions";
import { imageChange } from "../../components/maintenance/upgrade";
import { architectureOf } from "./instance-types";
import type { Matched, Source } from "./propagation";
import { ignores, sourcePhrase, type LeafChange } from "./values";

export interface Finding {
  /** error: `pulumi up` fails or leaves the resource broken; warning: it works, with a catch. */
  level: "error" | "warning";
  urn: string;
  type: string;
  name: string;
  message: string;
}

export interface FindingContext {
  matched: Matched[];
  /** Matched resources that are replaced, with the inputs that force it. */
  replaced: ReadonlyMap<Matched, LeafChange[]>;
  /** Head resources that are new, replaced or changing remote components, by head URN. */
  sources: ReadonlyMap<string, Source>;
  head: PlanIndex;
}

// ---------------------------------------------------------------------------------------------
// Inputs held back while another changes: (type, held input, changing input, check)

interface HeldInputRule {
  type: string;
  /** What keeps the deployed resource from following the plan, in words; undefined when nothing does. */
  held: (head: PlanResource) => string | undefined;
  /** The input whose planned change does not work while the held one stays as deployed. */
  changing: string;
  level: Finding["level"];
  /** The consequence, or undefined when the change works. */
  check: (base: PlanResource, head: PlanResource, replaced: boolean) => string | undefined;
}

const heldByIgnoreChanges =
  (input: string) =>
  (r: PlanResource): string | undefined =>
    ignores(r.opts.ignoreChanges, input) ? `${input} is in ignoreChanges` : undefined;

/** Two known, different string values. */
function changedString(base: PlanResource, head: PlanResource, input: string) {
  const a = str(base.props[input]);
  const b = str(head.props[input]);
  return a !== undefined && b !== undefined && a !== b ? { before: a, after: b } : undefined;
}

export const HELD_INPUT_RULES: readonly HeldInputRule[] = [
  {
    // The engine substitutes an ignored input's deployed value before it diffs, for an update
    // and for a replacement alike: the instance keeps the AMI it runs.
    type: T.ec2Instance,
    held: heldByIgnoreChanges("ami"),
    changing: "instanceType",
    level: "error",
    check: (base, head) => {
      const c = changedString(base, head, "instanceType");
      if (!c) return undefined;
      const from = architectureOf(c.before);
      const to = architectureOf(c.after);
      if (!from || !to || from === to) return undefined;
      return `instanceType ${c.before} → ${c.after} moves it from ${from} to ${to} while ami is in ignoreChanges: the instance keeps its ${from} AMI; an ${to} instance type cannot boot it: replace the instance (with ami out of ignoreChanges for that update; the data on its root volume is lost) or keep the architecture`;
    },
  },
  {
    type: T.ec2Instance,
    held: heldByIgnoreChanges("userData"),
    changing: "userData",
    level: "warning",
    check: (base, head) =>
      changedString(base, head, "userData")
        ? `userData changes but is in ignoreChanges: the running host never sees the new user data${restoreFromNote(base, head)}`
        : undefined,
  },
  {
    // cloud-init runs write_files and runcmd once per instance: a stop and start does not rerun them
    type: T.ec2Instance,
    held: (r) =>
      !ignores(r.opts.ignoreChanges, "userData") && r.props.userDataReplaceOnChange !== true
        ? "userDataReplaceOnChange is false"
        : undefined,
    changing: "userData",
    level: "warning",
    check: (base, head, replaced) =>
      !replaced && changedString(base, head, "userData")
        ? `userData changes with userDataReplaceOnChange false: the instance is stopped and started to take it, and cloud-init runs user data on an instance's first boot only: the running host never sees the new user data (apply the change on the host, or replace the instance)${restoreFromNote(base, head)}`
        : undefined,
  },
];

/**
 * openemr:restoreFrom reaches a host only as deploy.env's RESTORE_FROM, which the first boot reads:
 * set on a running stack it imports nothing (and the importer refuses a site with data anyway).
 */
function restoreFromNote(base: PlanResource, head: PlanResource): string {
  const before = deployEnv(base.props.userData).RESTORE_FROM ?? "";
  const after = deployEnv(head.props.userData).RESTORE_FROM ?? "";
  if (before === after) return "";
  return `; RESTORE_FROM ${before === "" ? "(none)" : before} → ${after === "" ? "(none)" : after}: openemr:restoreFrom is imported on a new stack's first boot only, so this host imports nothing; start a new stack with it (docs/migrate.md)`;
}

// ---------------------------------------------------------------------------------------------
// OpenEMR's image: the upgrade association (EC2 tiers) and the task definition's containers (fargate)

/** The OpenEMR images a resource runs, by where they are set. */
function openemrImages(r: PlanResource): Map<string, string> {
  const images = new Map<string, string>();
  if (r.type === T.ssmAssociation) {
    const image = str((r.props.parameters as Record<string, PlanValue> | undefined)?.image);
    if (image) images.set("parameters.image", image);
  }
  if (r.type === T.ecsTaskDefinition) {
    const text = str(r.props.containerDefinitions);
    let containers: unknown = undefined;
    try {
      containers = text ? JSON.parse(text) : undefined;
    } catch {
      containers = undefined;
    }
    for (const c of Array.isArray(containers) ? (containers as Record<string, unknown>[]) : []) {
      if (
        typeof c.image === "string" &&
        typeof c.name === "string" &&
        c.image.startsWith("openemr/")
      ) {
        images.set(`container ${c.name}`, c.image);
      }
    }
  }
  return images;
}

/**
 * A lower OpenEMR version cannot run on the database a higher one has upgraded (OpenEMR has no
 * downgrade path; upgrade.sh refuses it on the host): an error. A higher one is the upgrade path.
 */
function imageFindings(m: Matched): Finding[] {
  const before = openemrImages(m.base);
  const out: Finding[] = [];
  for (const [where, after] of openemrImages(m.head)) {
    const was = before.get(where);
    if (was === undefined || was === after) continue;
    const change = imageChange(was, after);
    if (change === "downgrade") {
      out.push(
        finding(
          m.head,
          "error",
          `${where} ${was} → ${after} is a downgrade: OpenEMR upgrades its database and files when a newer image starts and has no way back; ${m.head.type === T.ssmAssociation ? "the host's upgrade refuses it" : "new tasks would start the older image on the upgraded database"}. Restore a backup taken before the upgrade instead (docs/upgrade.md)`,
        ),
      );
    } else if (change === "upgrade" || change === "digest") {
      out.push(
        finding(
          m.head,
          "warning",
          `${where} ${was} → ${after}: an OpenEMR ${change === "upgrade" ? "upgrade" : "image digest change"}; ${m.head.type === T.ssmAssociation ? "the host takes a backup first and the previous image comes back if the new one does not answer (docs/upgrade.md)" : "no backup is taken on its own: snapshot the database before `pulumi up` (docs/upgrade.md, Fargate step 2); if the new tasks fail, the circuit breaker brings back the previous image, not the data"}`,
        ),
      );
    }
  }
  return out;
}

function finding(r: PlanResource, level: Finding["level"], message: string): Finding {
  return { level, urn: r.urn, type: r.type, name: r.name, message };
}

function heldInputFindings(m: Matched, replaced: boolean): Finding[] {
  const out: Finding[] = [];
  for (const rule of HELD_INPUT_RULES) {
    if (rule.type !== m.head.type || rule.held(m.head) === undefined) continue;
    const message = rule.check(m.base, m.head, replaced);
    if (message) out.push(finding(m.head, rule.level, message));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Databases: versions, parameter and option groups

interface DatabaseShape {
  /** The input naming its parameter group, and that group's type. */
  parameterGroup: { input: string; type: string };
  optionGroup?: { input: string; type: string };
}

const DATABASES: Readonly<Record<string, DatabaseShape>> = {
  [T.rdsInstance]: {
    parameterGroup: { input: "parameterGroupName", type: T.rdsParameterGroup },
    optionGroup: { input: "optionGroupName", type: T.rdsOptionGroup },
  },
  [T.rdsCluster]: {
    parameterGroup: { input: "dbClusterParameterGroupName", type: T.rdsClusterParameterGroup },
  },
};

/** The engine version a database runs after the update: an ignored change leaves the deployed one. */
function runningVersion(m: Matched): { version: string; ignored: boolean } | undefined {
  const ignored = ignores(m.head.opts.ignoreChanges, "engineVersion");
  const version = str((ignored ? m.base : m.head).props.engineVersion);
  return version === undefined ? undefined : { version, ignored };
}

function versionFindings(m: Matched, engine: string): Finding[] {
  if (ignores(m.head.opts.ignoreChanges, "engineVersion")) return [];
  const c = changedString(m.base, m.head, "engineVersion");
  if (!c) return [];
  const order = compareVersions(c.after, c.before);
  if (order === 0) return [];
  const major = majorOf(engine, c.before) !== majorOf(engine, c.after);
  const what = `engineVersion ${c.before} → ${c.after}`;
  if (order < 0) {
    return [
      finding(
        m.head,
        "error",
        major
          ? `${what} is a major downgrade: RDS cannot downgrade a database in place and refuses the change; restore a snapshot into a new ${engine} ${c.after} database instead`
          : `${what} is a downgrade: RDS refuses to downgrade a database in place`,
      ),
    ];
  }
  if (!major) return [];
  if (m.head.props.allowMajorVersionUpgrade !== true) {
    return [
      finding(
        m.head,
        "error",
        `${what} is a major upgrade: RDS refuses it unless allowMajorVersionUpgrade is true`,
      ),
    ];
  }
  return [
    finding(
      m.head,
      "warning",
      `${what} is a major upgrade in place: the database is unavailable while it upgrades, and it cannot be undone (RDS refuses downgrades): take a snapshot first`,
    ),
  ];
}

/** How an input of a database changes: literally, or because the group it names is replaced or new. */
function groupChange(m: Matched, input: string): string | undefined {
  const leaf = m.leaves.find((l) => l.path[0] === input);
  if (!leaf) return undefined;
  if (leaf.from) return sourcePhrase(leaf.from);
  const c = changedString(m.base, m.head, input);
  return c ? `${c.before} → ${c.after}` : undefined;
}

function groupFindings(m: Matched, shape: DatabaseShape, head: PlanIndex): Finding[] {
  const out: Finding[] = [];
  const engine = str(m.head.props.engine);
  const running = runningVersion(m);
  const runs = running
    ? `${engine ?? ""} ${running.version}${running.ignored ? " (its engineVersion change is in ignoreChanges)" : ""}`
    : undefined;

  const pgInput = shape.parameterGroup.input;
  const pgChange = groupChange(m, pgInput);
  const pg = head.refs(m.head, pgInput, shape.parameterGroup.type)[0];
  const family = pg ? str(pg.props.family) : undefined;
  const wanted = engine && running ? familyOf(engine, running.version) : undefined;
  const versionMoved = changedString(m.base, m.head, "engineVersion") !== undefined;
  if (pg && family && wanted && family !== wanted && (pgChange || versionMoved)) {
    out.push(
      finding(
        m.head,
        "error",
        `${pgInput} names ${pg.name} (family ${family}) but the database runs ${runs ?? "another version"}: RDS refuses a parameter group of another family (${wanted})`,
      ),
    );
  } else if (pgChange) {
    out.push(
      finding(
        m.head,
        "warning",
        `${pgInput} changes (${pgChange}): the database takes the new group at once, but its static parameters apply only after a reboot (pending-reboot until then)`,
      ),
    );
  }

  if (shape.optionGroup) {
    const ogInput = shape.optionGroup.input;
    const ogChange = groupChange(m, ogInput);
    const og = head.refs(m.head, ogInput, shape.optionGroup.type)[0];
    const ogMajor = og ? str(og.props.majorEngineVersion) : undefined;
    const major = engine && running ? majorOf(engine, running.version) : undefined;
    if (og && ogMajor && major && ogMajor !== major && (ogChange || versionMoved)) {
      out.push(
        finding(
          m.head,
          "error",
          `${ogInput} names ${og.name} (for ${engine ?? ""} ${ogMajor}) but the database runs ${runs ?? "another version"}: RDS refuses an option group of another major`,
        ),
      );
    } else if (ogChange && m.head.props.applyImmediately !== true) {
      out.push(
        finding(
          m.head,
          "warning",
          `${ogInput} changes (${ogChange}) with applyImmediately false: RDS moves the database to the new option group in its next maintenance window, and deleting the old group fails while the database still uses it`,
        ),
      );
    }
  }
  return out;
}

function databaseFindings(m: Matched, head: PlanIndex): Finding[] {
  const shape = DATABASES[m.head.type];
  const engine = str(m.head.props.engine);
  if (!shape || !engine) return [];
  return [...versionFindings(m, engine), ...groupFindings(m, shape, head)];
}

/**
 * A group replaced under the name it has: the AWS provider replaces an explicitly named resource
 * delete-before-create (pulumi-terraform#465, so the two never clash on the name), and RDS refuses
 * to delete a parameter or option group while a database is a member of it.
 */
function sameNameGroupFindings(ctx: FindingContext): Finding[] {
  const replacedUrns = new Set([...ctx.replaced.keys()].map((m) => m.head.urn));
  const out: Finding[] = [];
  for (const [m] of ctx.replaced) {
    const name = str(m.head.props.name);
    if (!name || name !== str(m.base.props.name)) continue;
    const users: string[] = [];
    for (const [dbType, shape] of Object.entries(DATABASES)) {
      for (const g of [shape.parameterGroup, shape.optionGroup]) {
        if (!g || g.type !== m.head.type) continue;
        for (const db of ctx.head.referrers(m.head, dbType, g.input)) {
          if (!replacedUrns.has(db.urn)) users.push(db.name);
        }
      }
    }
    if (users.length === 0) continue;
    out.push(
      finding(
        m.head,
        "error",
        `replaced under the same name ${name}: an explicitly named resource is deleted before its replacement is created, and RDS refuses to delete a group that ${[...new Set(users)].sort().join(", ")} still uses; give the new group another name (the family in the name lets both exist)`,
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Subnet groups moving to another VPC

const VPC_TYPES: ReadonlySet<string> = new Set([T.vpc]);

/** Head URNs of new or replaced VPCs, and of subnets that are new or replaced in one. */
function movedNetwork(ctx: FindingContext): Set<string> {
  const moved = new Set<string>();
  for (const [urn, s] of ctx.sources) {
    if (VPC_TYPES.has(s.type) && s.change !== "changed") moved.add(urn);
  }
  for (const [urn, s] of ctx.sources) {
    if (s.type !== T.subnet || s.change === "changed") continue;
    const subnet = ctx.head.get(urn);
    const vpcs = subnet?.propertyDependencies.vpcId ?? [];
    if (vpcs.some((v) => moved.has(v))) moved.add(urn);
  }
  return moved;
}

function subnetGroupFindings(ctx: FindingContext): Finding[] {
  const moved = movedNetwork(ctx);
  if (moved.size === 0) return [];
  const out: Finding[] = [];
  for (const m of ctx.matched) {
    if (m.head.type !== T.rdsSubnetGroup || ctx.replaced.has(m)) continue;
    const from = (m.head.propertyDependencies.subnetIds ?? []).filter((u) => moved.has(u));
    if (from.length === 0) continue;
    const names = [...new Set(from.map((u) => ctx.head.get(u)?.name ?? u))].sort().join(", ");
    out.push(
      finding(
        m.head,
        "error",
        `subnetIds move to subnets in a new VPC (from ${names}): RDS does not move a DB subnet group to another VPC in place; move the database to a new subnet group in the new VPC, or restore it there from a snapshot`,
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

export function findFindings(ctx: FindingContext): Finding[] {
  const out: Finding[] = [];
  for (const m of ctx.matched) {
    const replaced = ctx.replaced.has(m);
    out.push(...heldInputFindings(m, replaced), ...imageFindings(m));
    if (!replaced) out.push(...databaseFindings(m, ctx.head));
  }
  out.push(...sameNameGroupFindings(ctx), ...subnetGroupFindings(ctx));
  return out.sort(
    (x, y) =>
      Number(x.level === "warning") - Number(y.level === "warning") ||
      (x.type < y.type ? -1 : x.type > y.type ? 1 : 0) ||
      (x.name < y.name ? -1 : x.name > y.name ? 1 : 0) ||
      (x.message < y.message ? -1 : x.message > y.message ? 1 : 0),
  );
}
