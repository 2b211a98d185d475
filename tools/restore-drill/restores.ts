// A new stack's side of the drill: its own server and passwords, stack A's backup of one point
// restored into it by the real restore.sh --from-bucket, and everything compared with A at that
// point; then its own credentials, the service, and its first backup.
import * as fs from "fs";
import * as path from "path";
import { BACKUP_TIME, type BackupPoint, isoWeek, seconds, stampOf } from "./backups";
import type { FakeHost, ScriptRun, StackSettings } from "./host";
import { MariaDbServer } from "./server";
import { accounts, appView, canLogIn, emptyServer, expectedSqlconf, installStack } from "./stack";
import { compareDatabases, compareFiles, databaseState, fileCount, rowCount } from "./state";

/** The new stacks' first backup after their restore: the day after stack A's last. */
export const DAY_AFTER = "2026-03-11";

const SQLCONF = "openemr-sites/default/sqlconf.php";

export interface RestoreRecord {
  stack: StackSettings;
  point: number;
  /** the new stack's server before the restore: nothing in it, or OpenEMR's installer run */
  install: "empty" | "installed";
  /** "<set> <level>" of every archive restore.sh applied, in its order */
  applied: string[];
  tables: number;
  rows: number;
  files: number;
  mismatches: string[];
  restore?: ScriptRun;
  after?: ScriptRun;
}

/** Where a test can reach in after a restore, before the comparison, to prove the drill notices. */
export interface RestoreTarget {
  point: number;
  stack: StackSettings;
  server: MariaDbServer;
  host: FakeHost;
}

export interface RestoreRequest {
  host: FakeHost;
  /** the old stack and its points */
  a: StackSettings;
  points: readonly BackupPoint[];
  stack: StackSettings;
  point: number;
  install: RestoreRecord["install"];
  log: (line: string) => void;
  afterRestore?: (target: RestoreTarget) => void;
}

/** A new stack on a new server, A's backup of `point` restored into it, and the comparison. */
export async function restoreInto(request: RestoreRequest): Promise<RestoreRecord> {
  const started = Date.now();
  const server = await MariaDbServer.start();
  const run = new Restore(request, server);
  try {
    run.prepare(started);
    if (run.restore()) {
      run.compare();
      run.checkAccess();
      run.backUpAfter();
    }
  } catch (err) {
    run.fail(err);
  } finally {
    await server.stop();
  }
  return run.record;
}

class Restore {
  readonly record: RestoreRecord;
  private readonly want: BackupPoint;
  private readonly who: string;
  private reported = 0;
  private accountsBefore = "";

  constructor(
    private readonly r: RestoreRequest,
    private readonly server: MariaDbServer,
  ) {
    this.want = r.points[r.point - 1];
    this.who = `${r.stack.stack} (point ${r.point})`;
    this.record = {
      stack: r.stack,
      point: r.point,
      install: r.install,
      applied: [],
      tables: 0,
      rows: 0,
      files: 0,
      mismatches: [],
    };
  }

  /** A step's line, then the mismatches found since the last one. */
  private step(line: string): void {
    this.r.log(`${this.who}: ${line}`);
    for (const m of this.record.mismatches.slice(this.reported)) this.r.log(`  mismatch: ${m}`);
    this.reported = this.record.mismatches.length;
  }

  private expect(ok: boolean, what: string): void {
    if (!ok) this.record.mismatches.push(`${this.who}: ${what}`);
  }

  fail(err: unknown): void {
    this.record.mismatches.push(
      `${this.who}: failed: ${err instanceof Error ? err.message : String(err)}`,
    );
    this.step("stopped");
  }

  /** A fresh instance: the new stack's settings, server and (for "installed") site. */
  prepare(started: number): void {
    const { host, stack, install } = this.r;
    host.wipe();
    host.configure(stack);
    host.attach(this.server);
    host.now = `${DAY_AFTER}T${BACKUP_TIME}`;
    if (install === "empty") emptyServer(this.server, stack);
    else installStack(this.server, host, stack);
    this.accountsBefore = accounts(this.server);
    const what = install === "empty" ? "nothing in it" : "OpenEMR's installer run";
    this.step(`a new server (${what}), new passwords (${seconds(started)})`);
  }

  /** restore.sh --list, then restore.sh <week> <stamp> of the point as the list shows it. */
  restore(): boolean {
    const { host, a, points, point, install } = this.r;
    const list = host.run("restore.sh", ["--list", "--from-bucket", a.bucket]);
    const listed = list.stdout.split("\n").filter(Boolean);
    const backedUp = points
      .flatMap((p) => Object.keys(p.sizes).map((f) => `openemr/${p.week}/${p.stamp}/${f}`))
      .sort();
    this.expect(list.status === 0, `restore.sh --list exited ${list.status}: ${list.stderr}`);
    this.expect(
      listed.join("\n") === backedUp.join("\n"),
      `restore.sh --list shows ${listed.length} objects, not the ${backedUp.length} backed up`,
    );
    const sets = new Set(listed.map((k) => path.dirname(k))).size;
    this.step(
      `restore.sh --list --from-bucket ${a.bucket}: ${sets} sets, ${listed.length} objects`,
    );
    const set = listed.find((k) => k.endsWith(`/${this.want.stamp}/database.sql.gz`));
    if (!set) {
      this.expect(false, `restore.sh --list does not show point ${point}'s set`);
      return false;
    }
    const [, week, stamp] = set.split("/");
    const args = [week, stamp, "--from-bucket", a.bucket];
    if (install === "installed") args.push("--force");
    const started = Date.now();
    const restore = host.run("restore.sh", args);
    this.record.restore = restore;
    this.record.applied = [
      ...restore.stdout.matchAll(
        /^applying .*\/(\d{8}T\d{6}Z)\/files-(full|incremental)\.tar\.gz$/gm,
      ),
    ].map(([, name, level]) => `${name} ${level}`);
    // the week's chain up to the point, in order, and nothing after it
    const chain = points
      .filter((p) => p.week === this.want.week && p.n <= point)
      .map((p) => `${p.stamp} ${p.level}`);
    const applied = this.record.applied.join(", ") || "nothing";
    this.expect(
      restore.status === 0,
      `restore.sh ${args.join(" ")} exited ${restore.status}: ${restore.stderr.trim()}`,
    );
    this.expect(
      applied === chain.join(", "),
      `restore.sh applied ${applied}, want ${chain.join(", ")}`,
    );
    this.step(
      `restore.sh ${args.join(" ")}: applied ${applied}, loaded the dump (${seconds(started)})`,
    );
    return restore.status === 0;
  }

  /** Every table, row, object and file against stack A's at the point. */
  compare(): void {
    const { host, point, stack, afterRestore } = this.r;
    // a restart of the database container would load whatever the dump put into the grant tables
    this.server.mustSql("FLUSH PRIVILEGES");
    afterRestore?.({ point, stack, server: this.server, host });
    const database = databaseState(this.server);
    const files = host.files();
    const found = [
      ...compareDatabases(this.want.database, database),
      ...compareFiles(this.want.files, files, [SQLCONF]),
    ];
    this.record.mismatches.push(...found.map((m) => `${this.who}: ${m}`));
    Object.assign(this.record, {
      tables: database.tables.size,
      rows: rowCount(database),
      files: fileCount(files),
    });
    this.step(
      `compared with stack-a at point ${point}: ${this.record.tables} tables, ${this.record.rows} rows, ${database.objects.size} views/triggers/routines/events, ${this.record.files} files; mismatches ${found.length}`,
    );
  }

  /** The new stack's credentials work, the old stack's do not, and OpenEMR was restarted. */
  checkAccess(): void {
    const { host, a, stack, install } = this.r;
    const before = this.record.mismatches.length;
    const sqlconf = fs.readFileSync(
      path.join(host.volume("openemr-sites"), "default/sqlconf.php"),
      "utf8",
    );
    this.expect(
      sqlconf === expectedSqlconf(this.want.sqlconf, stack.userPassword),
      "sqlconf.php is not stack-a's with the new stack's password",
    );
    const view = appView(this.server, { user: "openemr", password: stack.userPassword }, [
      ...this.want.database.tables.keys(),
    ]);
    this.expect(
      view.ok && view.output === this.want.appView,
      view.ok
        ? `openemr with the new password reads otherwise than stack-a at point ${this.want.n}`
        : `openemr with the new password reads nothing: ${view.output}`,
    );
    const server = this.server;
    this.expect(
      canLogIn(server, { user: "root", password: stack.rootPassword }),
      "root refuses the new stack's password",
    );
    this.expect(
      !canLogIn(server, { user: "root", password: a.rootPassword }),
      "root takes stack-a's password",
    );
    this.expect(
      !canLogIn(server, { user: "openemr", password: a.userPassword }),
      "openemr takes stack-a's password",
    );
    const after = accounts(server);
    if (install === "installed") this.expect(after === this.accountsBefore, "the accounts changed");
    else {
      const names = (text: string): string =>
        text
          .split("\n")
          .filter(Boolean)
          .map((l) => l.split("\t").slice(0, 2).join("@"))
          .sort()
          .join(", ");
      const want = names(`${this.accountsBefore}openemr\t%\n`);
      this.expect(names(after) === want, `accounts ${names(after)}, want ${want}`);
    }
    this.expect(
      !server.mustSql("SHOW DATABASES").split("\n").includes("other_app"),
      "stack-a's other_app database came along",
    );
    const systemctl = host.calls("systemctl").join(", ");
    this.expect(
      systemctl === "stop openemr-app, start openemr-app",
      `systemctl calls ${systemctl || "none"}, want stop then start openemr-app`,
    );
    this.step(
      `openemr reads as at point ${this.want.n} with the new password; stack-a's passwords refused; sqlconf.php rewritten; OpenEMR stopped and started; mismatches ${this.record.mismatches.length - before}`,
    );
  }

  /** The restored stack's first backup: to its own bucket, with its own key. */
  backUpAfter(): void {
    const { host, stack } = this.r;
    host.clearCalls();
    const after = host.run("backup.sh");
    this.record.after = after;
    const set = `openemr/${isoWeek(DAY_AFTER)}/${stampOf(DAY_AFTER)}`;
    const dir = path.join(host.bucketDir(stack.bucket), set);
    const uploaded = fs.existsSync(dir) ? fs.readdirSync(dir).sort().join(", ") : "nothing";
    const metric = host.metric("BackupSucceeded").join(",");
    const key = `--sse aws:kms --sse-kms-key-id arn:aws:kms:us-east-1:111122223333:key/${stack.stack}`;
    const uploads = host.calls("aws").filter((c) => c.startsWith("s3 cp"));
    this.expect(
      after.status === 0 &&
        metric === "1" &&
        uploaded === "database.sql.gz, files-full.tar.gz, manifest.json",
      `backup.sh after the restore: exit ${after.status}, BackupSucceeded ${metric}, uploaded ${uploaded}: ${host.log("openemr-backup.log").slice(-500)}`,
    );
    this.expect(
      uploads.length === 3 &&
        uploads.every((c) => c.includes(`s3://${stack.bucket}/`) && c.includes(key)),
      `backup.sh after the restore uploaded ${uploads.join("; ")}`,
    );
    this.step(
      `backup.sh after the restore: full → ${stack.bucket}/${set} with ${stack.stack}'s key`,
    );
  }
}
