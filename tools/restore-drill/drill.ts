// The restore drill (express-plus): stack A's practice is backed up by the real backup.sh on six
// days over two ISO weeks (a full archive on each week's first run, incrementals after it, a dump
// every day), with a day's work between the backups; then a chosen point is restored by the real
// restore.sh into stack B, a new server with nothing in it, and the latest point into stack C, a
// new stack as its installer leaves it. Each new stack has its own passwords and must equal A at
// that point: every table (row count, CHECKSUM TABLE, every row, its definition), view, trigger,
// routine and event, every file; its own credentials must work and A's not. Then the import into a
// standard host (imports.ts), and plain express's local dumps (express.ts). Shared by
// `npm run restore-drill` and tests/host.
import * as path from "path";
import { backUpStackA, type BackupPoint, DAYS } from "./backups";
import * as fs from "fs";
import { FakeHost, SCRIPTS_DIR, type StackSettings } from "./host";
import { drillExpress, type ExpressRecord } from "./express";
import { type ImportRecord, importInto, importSummary } from "./imports";
import { INSTALLED_AS, installScripts } from "./installed";
import { type RestoreRecord, type RestoreTarget, restoreInto } from "./restores";
import { stackSettings } from "./stack";
import { databaseChanges, fileChanges } from "./state";

/** The point restored into stack B unless told: full + two incrementals, with one after it. */
export const DEFAULT_POINT = 3;
export const LATEST_POINT = DAYS.length;
/** The point imported into stack D: the newest set of the first week (full + three incrementals). */
export const IMPORT_POINT = 4;

export interface DrillResult {
  tables: number;
  rows: number;
  files: number;
  mismatches: string[];
  /** the import into a standard host */
  imported?: Pick<ImportRecord, "tables" | "rows" | "files" | "mismatches">;
}

export interface DrillReport extends DrillResult {
  a: StackSettings;
  points: BackupPoint[];
  restores: RestoreRecord[];
  imported: ImportRecord;
  /** plain express: its local dumps restored over stack E and into stack F */
  express: ExpressRecord;
  /** the drill's instance (its bucket directory holds every stack's backups) */
  host: FakeHost;
}

export interface DrillOptions {
  /** the drill's instance lives here (created; left for the caller to remove) */
  dir: string;
  /** the point restored into stack B (1 to LATEST_POINT - 1); default DEFAULT_POINT */
  point?: number;
  /** one line per step */
  log?: (line: string) => void;
  afterRestore?: (target: RestoreTarget) => void;
  /** where backup.sh and restore.sh are (default: as a host installs them); tests swap in
   * a broken copy to prove the drill notices */
  scriptsDir?: string;
  /** after each of plain express's local backups, with the dump's path */
  afterExpressBackup?: (dump: string, n: number) => void;
}

/** The drill's last lines: the import, then the restores, express's too (mismatches: all of them). */
export function summary(r: DrillResult): string {
  const imported = r.imported ?? { tables: 0, rows: 0, files: 0, mismatches: [] };
  return `${importSummary(imported)}\nrestore drill: restored ${r.tables} tables, ${r.rows} rows, ${r.files} files; mismatches ${r.mismatches.length}`;
}

/** A --point value, or what is wrong with it. */
export function parsePoint(text: string | undefined): number | string {
  const allowed = `allowed: 1 to ${LATEST_POINT - 1} (point ${LATEST_POINT}, the latest, is always restored)`;
  if (text === undefined || !/^\d+$/.test(text)) {
    return `--point: ${JSON.stringify(text ?? "")} is not a number; ${allowed}`;
  }
  const n = Number(text);
  return n >= 1 && n < LATEST_POINT ? n : `--point: ${n} is not a point to choose; ${allowed}`;
}

export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const point = parsePoint(String(options.point ?? DEFAULT_POINT));
  if (typeof point === "string") throw new RangeError(point);
  const log = options.log ?? ((): void => undefined);
  const host = new FakeHost(path.join(options.dir, "host"));
  const scripts = ["backup.sh", "restore.sh"] as const;
  host.scriptsDir = options.scriptsDir ?? installScripts(path.join(options.dir, "sbin"), scripts);
  log(
    options.scriptsDir
      ? `scripts: ${scripts.join(" and ")} from ${options.scriptsDir}`
      : `scripts: ${scripts.map((s) => INSTALLED_AS[s]).join(" and ")} as a host installs them from its SSM parameters`,
  );
  const a = stackSettings("stack-a", "s3");
  const points = await backUpStackA(host, a, log);
  const mismatches: string[] = [];
  const distinct = pointsDiffer(points[point - 1], points[LATEST_POINT - 1]);
  if (distinct) {
    log(`  mismatch: ${distinct}`);
    mismatches.push(distinct);
  }
  const restores: RestoreRecord[] = [];
  const targets = [
    { stack: stackSettings("stack-b", "s3"), point, install: "empty" },
    { stack: stackSettings("stack-c", "s3"), point: LATEST_POINT, install: "installed" },
  ] as const;
  for (const target of targets) {
    const { afterRestore } = options;
    restores.push(await restoreInto({ host, a, points, log, afterRestore, ...target }));
  }
  // the import scripts as the source has them when the swapped-in scripts do not include them
  const importScripts =
    options.scriptsDir && fs.existsSync(path.join(options.scriptsDir, "import.sh"))
      ? options.scriptsDir
      : SCRIPTS_DIR;
  const imported = await importInto({
    host,
    points,
    point: IMPORT_POINT,
    log,
    scriptsDir: importScripts,
  });
  const express = await drillExpress({
    host,
    dir: path.join(options.dir, "sbin-express"),
    log,
    scriptsDir: options.scriptsDir,
    afterBackup: options.afterExpressBackup,
  });
  return {
    imported,
    express,
    tables: restores.reduce((n, r) => n + r.tables, express.tables),
    rows: restores.reduce((n, r) => n + r.rows, express.rows),
    files: restores.reduce((n, r) => n + r.files, express.files),
    mismatches: [
      ...mismatches,
      ...restores.flatMap((r) => r.mismatches),
      ...imported.mismatches,
      ...express.mismatches,
    ],
    a,
    points,
    restores,
    host,
  };
}

/** A drill that restored the same state twice would prove less than it says. */
function pointsDiffer(p: BackupPoint, latest: BackupPoint): string | undefined {
  const rows = databaseChanges(p.database, latest.database);
  const files = fileChanges(p.files, latest.files);
  const differ =
    rows.inserted + rows.updated + rows.deleted > 0 &&
    files.added + files.changed + files.removed > 0;
  return differ
    ? undefined
    : `points ${p.n} and ${latest.n} differ too little (rows and files): the drill could not tell them apart`;
}
