// The import side of the drill: the newest express-plus set of a week of stack A's backups imported
// by the real openemr-import (fetch, then apply inside the "OpenEMR image") into stack D, a standard
// host: DB_HOST set, a new empty MariaDB server standing in for RDS, whose master user has RDS's
// grants (no SUPER), its own passwords. Everything compared with stack A at that point.
import * as fs from "fs";
import * as path from "path";
import { BACKUP_TIME, type BackupPoint, seconds } from "./backups";
import type { FakeHost, ScriptRun, StackSettings } from "./host";
import type { RestoreTarget } from "./restores";
import { MariaDbServer } from "./server";
import { appView, canLogIn, stackSettings } from "./stack";
import { quoted } from "./sql";
import { compareDatabases, compareFiles, databaseState, fileCount, rowCount } from "./state";

export const DB_HOST = "stack-d.c0ffee.us-east-1.rds.amazonaws.com";
const SQLCONF = "openemr-sites/default/sqlconf.php";
const DONE = "openemr-sites/.openemr-import.done";

/** What RDS for MariaDB grants its master user (no SUPER). */
export const RDS_MASTER_GRANTS =
  "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, INDEX, ALTER, SHOW DATABASES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER, DELETE HISTORY";

export interface ImportRecord {
  stack: StackSettings;
  point: number;
  source: string;
  tables: number;
  rows: number;
  files: number;
  mismatches: string[];
  run?: ScriptRun;
}

export interface ImportRequest {
  host: FakeHost;
  points: readonly BackupPoint[];
  /** the newest point of its week (the week folder's newest manifest) */
  point: number;
  log: (line: string) => void;
  /** where import.sh, import-fetch.sh and import-apply.sh are */
  scriptsDir: string;
  afterRestore?: (target: RestoreTarget) => void;
}

/** Stack D: a standard host's settings, the RDS stand-in's master user "admin". */
export function standardStack(bucket: string, week: string): StackSettings {
  return {
    ...stackSettings("stack-d", "s3"),
    dbHost: DB_HOST,
    rootUser: "admin",
    restoreFrom: `s3://${bucket}/openemr/${week}/`,
    openemrVersion: "8.0.0",
  };
}

/** An RDS-like server: only the master user, with RDS's grants. */
export function rdsServer(server: MariaDbServer, s: StackSettings): void {
  server.mustSql(
    `CREATE USER admin@localhost IDENTIFIED BY ${quoted(s.rootPassword)}; GRANT ${RDS_MASTER_GRANTS} ON *.* TO admin@localhost WITH GRANT OPTION;`,
  );
}

/** sqlconf.php as stack A's with the new host and password. */
export function importedSqlconf(old: string, host: string, password: string): string {
  return old
    .replace(/^\$host\t= .*$/m, `$host\t= ${quoted(host)};`)
    .replace(/^\$pass\t= .*$/m, `$pass\t= ${quoted(password)};`);
}

export async function importInto(request: ImportRequest): Promise<ImportRecord> {
  const { host, points, point, log, scriptsDir } = request;
  const want = points[point - 1];
  const bucket = "stack-a-backups";
  const stack = standardStack(bucket, want.week);
  const who = `${stack.stack} (point ${point})`;
  const record: ImportRecord = {
    stack,
    point,
    source: stack.restoreFrom ?? "",
    tables: 0,
    rows: 0,
    files: 0,
    mismatches: [],
  };
  const expect = (ok: boolean, what: string): void => {
    if (!ok) record.mismatches.push(`${who}: ${what}`);
  };
  let reported = 0;
  const step = (line: string): void => {
    log(`${who}: ${line}`);
    for (const m of record.mismatches.slice(reported)) log(`  mismatch: ${m}`);
    reported = record.mismatches.length;
  };
  const started = Date.now();
  const server = await MariaDbServer.start();
  try {
    host.wipe();
    host.configure(stack);
    host.attach(server);
    host.now = `2026-03-11T${BACKUP_TIME}`;
    rdsServer(server, stack);
    step(
      `a standard host (DB_HOST ${DB_HOST}, a new empty server with RDS's master grants), new passwords (${seconds(started)})`,
    );
    const env = {
      OPENEMR_IMPORT_FETCH: path.join(scriptsDir, "import-fetch.sh"),
      OPENEMR_IMPORT_APPLY: path.join(scriptsDir, "import-apply.sh"),
    };
    const t = Date.now();
    const run = host.run(path.join(scriptsDir, "import.sh"), [], env);
    record.run = run;
    const logText = host.log("openemr-import.log");
    const fetched = /openemr-import: fetched (\S+): (\d+) files/.exec(logText);
    const manifest = `${stack.restoreFrom}${want.stamp}/manifest.json`;
    expect(
      run.status === 0 && /openemr-import: SUCCEEDED /.test(logText),
      `openemr-import exited ${run.status}: ${logText.slice(-1500)}`,
    );
    expect(
      host.metric("ImportSucceeded").join(",") === "1",
      `ImportSucceeded ${host.metric("ImportSucceeded").join(",")}`,
    );
    const chain = points.filter((p) => p.week === want.week && p.n <= point).length;
    expect(
      fetched?.[1] === manifest && fetched[2] === String(chain + 1),
      `fetched ${fetched?.[1] ?? "nothing"} (${fetched?.[2] ?? 0} files), want ${manifest} (${chain + 1})`,
    );
    const hosts = host.calls("mariadb");
    expect(
      hosts.length > 0 &&
        hosts.every((c) => c.includes(`-h${DB_HOST}`) && c.includes("--ssl-verify-server-cert")),
      `the image's client connected with ${hosts.join("; ") || "nothing"}`,
    );
    step(
      `openemr-import ${stack.restoreFrom}: fetched ${fetched?.[1] ?? "nothing"} (${fetched?.[2] ?? 0} files), applied in the OpenEMR image over TLS (${seconds(t)})`,
    );
    server.mustSql("FLUSH PRIVILEGES");
    request.afterRestore?.({ point, stack, server, host });
    const database = databaseState(server);
    const files = host.files();
    const found = [
      ...compareDatabases(want.database, database),
      ...compareFiles(want.files, files, [SQLCONF, DONE]),
    ];
    record.mismatches.push(...found.map((m) => `${who}: ${m}`));
    Object.assign(record, {
      tables: database.tables.size,
      rows: rowCount(database),
      files: fileCount(new Map([...files].filter(([key]) => key !== DONE))),
    });
    step(
      `compared with stack-a at point ${point}: ${record.tables} tables, ${record.rows} rows, ${database.objects.size} views/triggers/routines/events, ${record.files} files; mismatches ${found.length}`,
    );
    const before = record.mismatches.length;
    const sqlconf = fs.readFileSync(
      path.join(host.volume("openemr-sites"), "default/sqlconf.php"),
      "utf8",
    );
    expect(
      sqlconf === importedSqlconf(want.sqlconf, DB_HOST, stack.userPassword),
      "sqlconf.php is not stack-a's with the new host and password",
    );
    const view = appView(server, { user: "openemr", password: stack.userPassword }, [
      ...want.database.tables.keys(),
    ]);
    expect(
      view.ok && view.output === want.appView,
      view.ok
        ? `openemr with the new password reads otherwise than stack-a at point ${point}`
        : `openemr with the new password reads nothing: ${view.output}`,
    );
    expect(canLogIn(server, { user: "admin", password: stack.rootPassword }), "admin refused");
    const done = path.join(host.volume("openemr-sites"), ".openemr-import.done");
    expect(fs.existsSync(done), "no .openemr-import.done");
    const again = host.run(path.join(scriptsDir, "import.sh"), [], env);
    const unchanged = compareDatabases(database, databaseState(server)).length === 0;
    expect(
      again.status === 0 && unchanged && host.metric("ImportSucceeded").join(",") === "1,1",
      `a second openemr-import: exit ${again.status}, database ${unchanged ? "unchanged" : "changed"}`,
    );
    step(
      `openemr reads as at point ${point} with the new password; sqlconf.php names ${DB_HOST}; a second run changes nothing; mismatches ${record.mismatches.length - before}`,
    );
  } catch (err) {
    record.mismatches.push(`${who}: failed: ${err instanceof Error ? err.message : String(err)}`);
    step("stopped");
  } finally {
    await server.stop();
  }
  return record;
}

export function importSummary(
  r: Pick<ImportRecord, "tables" | "rows" | "files" | "mismatches">,
): string {
  return `imported into a standard host: ${r.tables} tables, ${r.rows} rows, ${r.files} files; mismatches ${r.mismatches.length}`;
}
