// Stack A's side of the drill: its practice seeded, then backed up by the real backup.sh on each of
// the drill's days with a day's work in between, and its state recorded at every backup (the
// points a restore must reproduce).
import * as fs from "fs";
import * as path from "path";
import { Clinic } from "./clinic";
import type { FakeHost, StackSettings } from "./host";
import { MariaDbServer } from "./server";
import { appView, stackAServer } from "./stack";
import {
  type DatabaseState,
  databaseChanges,
  databaseState,
  fileChanges,
  fileCount,
  type FileState,
  rowCount,
} from "./state";

/** The days stack A backs up on: Monday to Thursday of one ISO week, Monday and Tuesday of the next. */
export const DAYS = [
  "2026-03-02",
  "2026-03-03",
  "2026-03-04",
  "2026-03-05",
  "2026-03-09",
  "2026-03-10",
] as const;

/** The openemr-backup timer's time of day (BACKUP_HOUR 5, the default). */
export const BACKUP_TIME = "05:00:00Z";

/** A backup of stack A, and A as it was then. */
export interface BackupPoint {
  /** 1 = the first backup */
  n: number;
  day: string;
  week: string;
  stamp: string;
  level: "full" | "incremental";
  /** the set's objects in the bucket and their sizes: database.sql.gz, files-<level>.tar.gz, manifest.json */
  sizes: Record<string, number>;
  database: DatabaseState;
  files: FileState;
  sqlconf: string;
  /** what openemr (with A's password) read: row counts, the view, the procedure, the function */
  appView: string;
}

/** ISO 8601 week, as `date -u +%G-W%V` prints it. */
export function isoWeek(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  const thursday = new Date(d.getTime() + (3 - ((d.getUTCDay() + 6) % 7)) * 86400000);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86400000));
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The set's name, as `date -u +%Y%m%dT%H%M%SZ` prints it at the backup. */
export function stampOf(day: string): string {
  return `${day.replace(/-/g, "")}T${BACKUP_TIME.replace(/:/g, "")}`;
}

export const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

const size = (bytes: number): string =>
  bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.ceil(bytes / 1e3)} kB`;

const weekday = (day: string): string =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString("en-US", { weekday: "short", timeZone: "UTC" });

/** Stack A: seeded, then a backup on each day, with a day's work before each but the first. */
export async function backUpStackA(
  host: FakeHost,
  a: StackSettings,
  log: (line: string) => void,
): Promise<BackupPoint[]> {
  const started = Date.now();
  const server = await MariaDbServer.start();
  const points: BackupPoint[] = [];
  try {
    host.wipe();
    host.configure(a);
    host.attach(server);
    stackAServer(server, a);
    const clinic = new Clinic(server, host);
    clinic.seed(DAYS[0], a.userPassword);
    const seeded = databaseState(server);
    const version = server.mustSql("SELECT VERSION()").trim();
    log(
      `stack-a: MariaDB ${version} on a private socket; seeded ${seeded.tables.size} tables, ${rowCount(seeded)} rows, ${seeded.objects.size} views/triggers/routines/events, ${fileCount(host.files())} files (${seconds(started)})`,
    );
    for (const [i, day] of DAYS.entries()) {
      const before = points[i - 1];
      if (before) clinic.change(i + 1, day);
      const point = backUp(host, server, a, i + 1, day, points);
      points.push(point);
      log(`point ${point.n}, ${weekday(day)} ${day}: ${changes(before, point)}${setLine(point)}`);
    }
  } finally {
    await server.stop();
  }
  return points;
}

/** backup.sh on `day`, the set it uploaded checked, and A's state recorded. */
function backUp(
  host: FakeHost,
  server: MariaDbServer,
  a: StackSettings,
  n: number,
  day: string,
  earlier: readonly BackupPoint[],
): BackupPoint {
  host.now = `${day}T${BACKUP_TIME}`;
  const run = host.run("backup.sh");
  const failed = `backup.sh on ${day}`;
  if (run.status !== 0) {
    throw new Error(
      `${failed} exited ${run.status}: ${host.log("openemr-backup.log").slice(-2000)}`,
    );
  }
  const metric = host.metric("BackupSucceeded");
  if (metric[metric.length - 1] !== 1) {
    throw new Error(`${failed} reported BackupSucceeded ${metric.join(",")}`);
  }
  // a week's first run starts its chain with a full archive
  const week = isoWeek(day);
  const level = earlier.some((p) => p.week === week) ? "incremental" : "full";
  const stamp = stampOf(day);
  const setDir = path.join(host.bucketDir(a.bucket), "openemr", week, stamp);
  const names = fs.existsSync(setDir) ? fs.readdirSync(setDir).sort() : [];
  const want = ["database.sql.gz", `files-${level}.tar.gz`, "manifest.json"];
  if (names.join(",") !== want.join(",")) {
    throw new Error(
      `${failed}: set ${week}/${stamp} holds ${names.join(", ") || "nothing"}, want ${want.join(", ")}`,
    );
  }
  const database = databaseState(server);
  const view = appView(server, { user: "openemr", password: a.userPassword }, [
    ...database.tables.keys(),
  ]);
  if (!view.ok) throw new Error(`openemr on stack-a cannot read its data: ${view.output}`);
  return {
    n,
    day,
    week,
    stamp,
    level,
    sizes: Object.fromEntries(names.map((f) => [f, fs.statSync(path.join(setDir, f)).size])),
    database,
    files: host.files(),
    sqlconf: fs.readFileSync(
      path.join(host.volume("openemr-sites"), "default/sqlconf.php"),
      "utf8",
    ),
    appView: view.output,
  };
}

function changes(before: BackupPoint | undefined, point: BackupPoint): string {
  if (!before) return "";
  const rows = databaseChanges(before.database, point.database);
  const files = fileChanges(before.files, point.files);
  return `${rows.inserted} rows inserted, ${rows.updated} updated, ${rows.deleted} deleted; ${files.added} files added, ${files.changed} changed, ${files.removed} removed; `;
}

function setLine(p: BackupPoint): string {
  const archive = p.sizes[`files-${p.level}.tar.gz`];
  return `backup.sh ${p.level} → ${p.week}/${p.stamp} (database ${size(p.sizes["database.sql.gz"])}, files ${size(archive)})`;
}
