// Plain express's side of the drill: the dev stack (preset express) planned, its openemr-backup and
// openemr-restore put together from the SSM parameters its instance's user data names
// (installed.ts), its deploy.env (BACKUP_MODE local), the command its backup timer runs and its restoreCommand output. Stack E, an express
// stack with the drill's practice, is backed up twice by that timer command (local dumps under
// DATA_DIR/backups) with a day's work between; then its first dump is restored with the
// restoreCommand over the live stack E (the rollback the output is for), and into stack F, a new
// server with nothing in it and its own passwords. The database is compared with E's at the dump.
// Plain express's dump is all its backup holds: the sites tree (documents, sqlconf.php) stays on
// the instance's volume, which only DLM's EBS snapshots keep (express-tier.ts), and the drill
// restores no snapshot. So no file is compared with the dump's point: the restores must leave
// the files they find as they were.
import * as fs from "fs";
import * as path from "path";
import { DAYS, seconds } from "./backups";
import { Clinic } from "./clinic";
import type * as PlanEngine from "../pipeline/plan-stack";
import type { FakeHost, ScriptRun, StackSettings } from "./host";
import { deployEnvOf, INSTALLED_AS, installFrom } from "./installed";
import { MariaDbServer } from "./server";
import { accounts, appView, canLogIn, emptyServer, stackAServer, stackSettings } from "./stack";
import {
  compareDatabases,
  compareFiles,
  type DatabaseState,
  databaseChanges,
  databaseState,
  fileChanges,
  fileCount,
  type FileState,
  rowCount,
} from "./state";

/** The stack whose plan gives plain express's host (Pulumi.dev.yaml: preset express). */
export const EXPRESS_STACK = "dev";
/** Stack E backs up on the drill's first two days; stack F's own first backup is on this day. */
export const EXPRESS_DAYS = [DAYS[0], DAYS[1]] as const;
export const EXPRESS_DAY_AFTER = "2026-03-11";
/** The dump restored (the first). */
export const EXPRESS_POINT = 1;

/** What the dev stack's plan says about its host. */
export interface ExpressPlan {
  /** deploy.env of the planned instance */
  env: Record<string, string>;
  /** the backup timer's command and calendar, as bootstrap.sh installs them */
  timer: { command: string; calendar: string };
  /** the commands the listBackupsCommand and restoreCommand outputs run on the instance */
  list: string[];
  restore: string[];
  /** the directory the installed openemr-backup and openemr-restore are in */
  scriptsDir: string;
  preset: string;
}

/** The command an output runs on the instance (`--parameters 'commands=["..."]'`), as words. */
function onInstance(output: unknown, name: string): string[] {
  const m = /commands=\["([^"]+)"\]/.exec(String(output));
  if (!m) throw new Error(`the dev stack's ${name} output runs no command on its instance`);
  return m[1].split(" ");
}

/** Plans the dev stack and takes its host as the plan has it. */
export async function planExpress(dir: string): Promise<ExpressPlan> {
  // loaded here: the plan engine (@pulumi/*, about 1.5 s) only when the drill gets this far
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const engine = require("../pipeline/plan-stack") as typeof PlanEngine;
  const { plan } = await engine.planStack(EXPRESS_STACK);
  if (plan.preset !== "express") {
    throw new Error(`the ${EXPRESS_STACK} stack's preset is ${plan.preset}, not express`);
  }
  const instances = plan.resources.filter((r) => r.type === "aws:ec2/instance:Instance");
  const userData = instances[0]?.props.userData;
  if (instances.length !== 1 || typeof userData !== "string") {
    throw new Error(
      `the ${EXPRESS_STACK} stack plans ${instances.length} instances with user data`,
    );
  }
  const env = deployEnvOf(userData);
  const scriptsDir = installFrom(userData, dir, ["backup.sh", "restore.sh", "bootstrap.sh"]);
  // bootstrap.sh: timer openemr-backup "<calendar>" <command>
  const bootstrap = fs.readFileSync(path.join(scriptsDir, "bootstrap.sh"), "utf8");
  const timer = /^\s*timer openemr-backup "([^"]+)" (\S+)$/m.exec(bootstrap);
  if (!timer) throw new Error("the installed openemr-bootstrap sets up no openemr-backup timer");
  return {
    env,
    timer: {
      calendar: timer[1].replace("${BACKUP_HOUR}", env.BACKUP_HOUR ?? ""),
      command: timer[2],
    },
    list: onInstance(plan.outputs.listBackupsCommand, "listBackupsCommand"),
    restore: onInstance(plan.outputs.restoreCommand, "restoreCommand"),
    scriptsDir,
    preset: plan.preset,
  };
}

/** A local dump of stack E, and E as it was then. */
export interface ExpressDump {
  n: number;
  day: string;
  /** database-<stamp>.sql.gz */
  name: string;
  bytes: number;
  database: DatabaseState;
  files: FileState;
  appView: string;
}

export interface ExpressRecord {
  plan?: ExpressPlan;
  dumps: ExpressDump[];
  /** the rollback over stack E, then stack F */
  restores: { who: string; run?: ScriptRun; tables: number; rows: number }[];
  tables: number;
  rows: number;
  /** none: plain express's dump holds no file */
  files: number;
  mismatches: string[];
}

export interface ExpressRequest {
  host: FakeHost;
  /** the planned host's scripts are written here */
  dir: string;
  log: (line: string) => void;
  /** where backup.sh and restore.sh are (default: the plan's, plan.scriptsDir) */
  scriptsDir?: string;
  /** after each of stack E's backups, with the dump's path: tests corrupt it here */
  afterBackup?: (dump: string, n: number) => void;
}

const size = (bytes: number): string =>
  bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.ceil(bytes / 1e3)} kB`;

const weekday = (day: string): string =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString("en-US", { weekday: "short", timeZone: "UTC" });

/** The dev stack planned, then stack E's dumps restored over E and into F. */
export async function drillExpress(request: ExpressRequest): Promise<ExpressRecord> {
  const started = Date.now();
  let plan: ExpressPlan;
  try {
    plan = await planExpress(request.dir);
  } catch (err) {
    const failure = `express: failed: ${err instanceof Error ? err.message : String(err)}`;
    request.log(`  mismatch: ${failure}`);
    return { dumps: [], restores: [], tables: 0, rows: 0, files: 0, mismatches: [failure] };
  }
  const scripts = request.scriptsDir
    ? `backup.sh and restore.sh from ${request.scriptsDir}`
    : `${INSTALLED_AS["backup.sh"]} and ${INSTALLED_AS["restore.sh"]} as its instance installs them (from the SSM parameters its user data names)`;
  request.log(
    `express: the ${EXPRESS_STACK} stack planned (preset ${plan.preset}): ${scripts}, BACKUP_MODE ${plan.env.BACKUP_MODE}; plain express backs up a database dump only, its sites/documents tree stays on the instance's volume, kept by DLM's EBS snapshots, which the drill does not restore (${seconds(started)})`,
  );
  return new ExpressDrill(request, plan).run();
}

class ExpressDrill {
  readonly record: ExpressRecord = {
    dumps: [],
    restores: [],
    tables: 0,
    rows: 0,
    files: 0,
    mismatches: [],
  };
  private readonly scripts: string;
  private readonly dataDir: string;
  private readonly hour: string;
  private reported = 0;
  private who = "stack-e (express)";

  constructor(
    private readonly r: ExpressRequest,
    private readonly plan: ExpressPlan,
  ) {
    this.scripts = r.scriptsDir ?? plan.scriptsDir;
    this.dataDir = plan.env.DATA_DIR ?? "";
    this.hour = (plan.env.BACKUP_HOUR ?? "").padStart(2, "0");
    this.record.plan = plan;
  }

  private step(line: string): void {
    this.r.log(`${this.who}: ${line}`);
    for (const m of this.record.mismatches.slice(this.reported)) this.r.log(`  mismatch: ${m}`);
    this.reported = this.record.mismatches.length;
  }

  private expect(ok: boolean, what: string): void {
    if (!ok) this.record.mismatches.push(`${this.who}: ${what}`);
  }

  /** A path of the planned host (under its DATA_DIR) on the drill's instance. */
  private local(file: string): string {
    return path.join(this.r.host.dataDir, path.relative(this.dataDir, file));
  }

  private script(installed: string): string {
    const entry = Object.entries(INSTALLED_AS).find(([, target]) => target === installed);
    const name = entry?.[0] ?? path.basename(installed);
    return path.join(this.scripts, name);
  }

  async run(): Promise<ExpressRecord> {
    const { host } = this.r;
    const { plan } = this;
    const started = Date.now();
    const e = { ...stackSettings("stack-e", "local"), localBackupDays: plan.env.LOCAL_BACKUP_DAYS };
    const checks = [
      [plan.env.BACKUP_MODE === "local", `BACKUP_MODE ${plan.env.BACKUP_MODE}, want local`],
      [this.dataDir.startsWith("/"), `DATA_DIR ${this.dataDir}`],
      [/^\d+$/.test(this.hour), `BACKUP_HOUR ${plan.env.BACKUP_HOUR}`],
      [plan.timer.command === INSTALLED_AS["backup.sh"], `the timer runs ${plan.timer.command}`],
      [
        plan.list.join(" ") === "openemr-restore --list",
        `listBackupsCommand ${plan.list.join(" ")}`,
      ],
      [
        plan.restore[0] === path.basename(INSTALLED_AS["restore.sh"]) &&
          plan.restore.includes(`${this.dataDir}/backups/<dump>`),
        `restoreCommand ${plan.restore.join(" ")}`,
      ],
    ] as const;
    for (const [ok, what] of checks) {
      if (ok) continue;
      this.fail(new Error(`the ${EXPRESS_STACK} stack's host: ${what}`));
      return this.done();
    }
    const server = await MariaDbServer.start();
    let dumpBytes: Buffer | undefined;
    try {
      host.wipe();
      host.configure(e);
      host.attach(server);
      stackAServer(server, e);
      const clinic = new Clinic(server, host);
      clinic.seed(EXPRESS_DAYS[0], e.userPassword);
      const seeded = databaseState(server);
      this.step(
        `MariaDB on a private socket, deploy.env as the ${EXPRESS_STACK} stack's (BACKUP_MODE ${plan.env.BACKUP_MODE}, LOCAL_BACKUP_DAYS ${plan.env.LOCAL_BACKUP_DAYS}); seeded ${seeded.tables.size} tables, ${rowCount(seeded)} rows, ${fileCount(host.files())} files (${seconds(started)})`,
      );
      for (const [i, day] of EXPRESS_DAYS.entries()) {
        const before = this.record.dumps[i - 1];
        if (before) clinic.change(i + 1, day);
        const dump = this.backUp(server, e, i + 1, day);
        this.record.dumps.push(dump);
        const what = before ? `${changes(before, dump)}; ` : "";
        this.step(
          `dump ${dump.n}, ${weekday(day)} ${day}: ${what}${plan.timer.command} (the timer's command, ${plan.timer.calendar}) → ${this.dataDir}/backups/${dump.name} (${size(dump.bytes)}; the database only, no files)`,
        );
      }
      this.list(this.record.dumps.map((d) => d.name));
      const first = this.record.dumps[EXPRESS_POINT - 1];
      dumpBytes = fs.readFileSync(path.join(host.dataDir, "backups", first.name));
      // the rollback the restoreCommand output is for: on the stack's own live instance
      this.who = `stack-e (dump ${first.n} over dump ${this.record.dumps.length})`;
      this.restore(server, e, e, first, "live");
    } catch (err) {
      this.fail(err);
    } finally {
      await server.stop();
    }
    if (!dumpBytes) return this.done();
    const f = { ...stackSettings("stack-f", "local"), localBackupDays: plan.env.LOCAL_BACKUP_DAYS };
    const first = this.record.dumps[EXPRESS_POINT - 1];
    this.who = `stack-f (express dump ${first.n})`;
    const t = Date.now();
    const target = await MariaDbServer.start();
    try {
      host.wipe();
      host.configure(f);
      host.attach(target);
      emptyServer(target, f);
      // the dump as the operator brings it to the new instance
      fs.mkdirSync(path.join(host.dataDir, "backups"));
      fs.writeFileSync(path.join(host.dataDir, "backups", first.name), dumpBytes);
      this.step(
        `a new server (nothing in it), new passwords, the dump copied into its ${this.dataDir}/backups (${seconds(t)})`,
      );
      this.list([first.name]);
      if (this.restore(target, e, f, first, "new")) this.backUpAfter(f, first.name);
    } catch (err) {
      this.fail(err);
    } finally {
      await target.stop();
    }
    return this.done();
  }

  private done(): ExpressRecord {
    const r = this.record;
    r.tables = r.restores.reduce((n, x) => n + x.tables, 0);
    r.rows = r.restores.reduce((n, x) => n + x.rows, 0);
    return r;
  }

  private fail(err: unknown): void {
    this.record.mismatches.push(
      `${this.who}: failed: ${err instanceof Error ? err.message : String(err)}`,
    );
    this.step("stopped");
  }

  /** The timer's command on `day`, at the timer's hour; the dump it left checked and E recorded. */
  private backUp(server: MariaDbServer, e: StackSettings, n: number, day: string): ExpressDump {
    const { host } = this.r;
    host.now = `${day}T${this.hour}:00:00Z`;
    host.clearCalls();
    const run = host.run(this.script(this.plan.timer.command));
    const failed = `openemr-backup on ${day}`;
    if (run.status !== 0) {
      throw new Error(
        `${failed} exited ${run.status}: ${host.log("openemr-backup.log").slice(-2000)}`,
      );
    }
    const metric = host.metric("BackupSucceeded").join(",");
    if (metric !== "1") throw new Error(`${failed} reported BackupSucceeded ${metric}`);
    const uploads = host.calls("aws").filter((c) => !c.startsWith("cloudwatch put-metric-data"));
    if (uploads.length > 0) throw new Error(`${failed} called aws ${uploads.join("; ")}`);
    const name = `database-${day.replace(/-/g, "")}T${this.hour}0000Z.sql.gz`;
    const dir = path.join(host.dataDir, "backups");
    const want = [...this.record.dumps.map((d) => d.name), name].join(", ");
    const found = fs.readdirSync(dir).sort().join(", ");
    if (found !== want) throw new Error(`${failed}: ${dir} holds ${found}, want ${want}`);
    this.r.afterBackup?.(path.join(dir, name), n);
    const database = databaseState(server);
    const view = appView(server, { user: "openemr", password: e.userPassword }, [
      ...database.tables.keys(),
    ]);
    if (!view.ok) throw new Error(`openemr on stack-e cannot read its data: ${view.output}`);
    return {
      n,
      day,
      name,
      bytes: fs.statSync(path.join(dir, name)).size,
      database,
      files: host.files(),
      appView: view.output,
    };
  }

  /** The listBackupsCommand: the dumps in DATA_DIR/backups, oldest first. */
  private list(want: string[]): void {
    const { host } = this.r;
    const { plan } = this;
    const [, ...args] = plan.list;
    const run = host.run(this.script(INSTALLED_AS["restore.sh"]), args);
    const listed = run.stdout.split("\n").filter(Boolean);
    this.expect(run.status === 0, `${plan.list.join(" ")} exited ${run.status}: ${run.stderr}`);
    this.expect(
      listed.join(", ") === want.join(", "),
      `${plan.list.join(" ")} shows ${listed.join(", ") || "nothing"}, want ${want.join(", ")}`,
    );
    this.step(`${plan.list.join(" ")} (listBackupsCommand): ${listed.join(", ") || "nothing"}`);
  }

  /**
   * The restoreCommand with the dump's name into `stack`'s server; its database compared with
   * stack E's at the dump, the files with what the instance held before (the dump holds none).
   */
  private restore(
    server: MariaDbServer,
    e: StackSettings,
    stack: StackSettings,
    want: ExpressDump,
    kind: "live" | "new",
  ): boolean {
    const { host } = this.r;
    const { plan } = this;
    const accountsBefore = accounts(server);
    const filesBefore = host.files();
    host.clearCalls();
    const words = plan.restore.map((w) => w.replace("<dump>", want.name));
    const args = words.slice(1).map((w) => (w.startsWith(this.dataDir) ? this.local(w) : w));
    const t = Date.now();
    const run = host.run(this.script(INSTALLED_AS["restore.sh"]), args);
    const record = { who: this.who, run, tables: 0, rows: 0 };
    this.record.restores.push(record);
    const applied = run.stdout.split("\n").filter((l) => l.startsWith("applying "));
    this.expect(run.status === 0, `${words.join(" ")} exited ${run.status}: ${run.stderr.trim()}`);
    this.expect(applied.length === 0, `${words.join(" ")} ${applied.join("; ")}`);
    const outcome = run.status === 0 ? "loaded the dump" : `exited ${run.status}`;
    this.step(`${words.join(" ")} (restoreCommand): ${outcome} (${seconds(t)})`);
    if (run.status !== 0) return false;

    server.mustSql("FLUSH PRIVILEGES");
    const database = databaseState(server);
    const files = host.files();
    const found = [
      ...compareDatabases(want.database, database),
      // the restore rewrites sqlconf.php in place with this stack's password: stack E's own on
      // the rollback, so not a byte changes there
      ...compareFiles(filesBefore, files),
    ];
    this.record.mismatches.push(...found.map((m) => `${this.who}: ${m}`));
    record.tables = database.tables.size;
    record.rows = rowCount(database);
    const held = kind === "live" ? `dump ${this.record.dumps.length}'s` : "none, as before";
    this.step(
      `compared with stack-e at dump ${want.n}: ${record.tables} tables, ${record.rows} rows, ${database.objects.size} views/triggers/routines/events; files not in the dump, left as they were (${fileCount(files)}, ${held}); mismatches ${found.length}`,
    );

    const before = this.record.mismatches.length;
    const view = appView(server, { user: "openemr", password: stack.userPassword }, [
      ...want.database.tables.keys(),
    ]);
    this.expect(
      view.ok && view.output === want.appView,
      view.ok
        ? `openemr with ${stack.stack}'s password reads otherwise than stack-e at dump ${want.n}`
        : `openemr with ${stack.stack}'s password reads nothing: ${view.output}`,
    );
    this.expect(
      canLogIn(server, { user: "root", password: stack.rootPassword }),
      `root refuses ${stack.stack}'s password`,
    );
    if (stack !== e) {
      this.expect(
        !canLogIn(server, { user: "root", password: e.rootPassword }),
        "root takes stack-e's password",
      );
      this.expect(
        !canLogIn(server, { user: "openemr", password: e.userPassword }),
        "openemr takes stack-e's password",
      );
    }
    const names = (text: string): string =>
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split("\t").slice(0, 2).join("@"))
        .sort()
        .join(", ");
    const after = names(accounts(server));
    const wantAccounts = names(kind === "live" ? accountsBefore : `${accountsBefore}openemr\t%\n`);
    this.expect(after === wantAccounts, `accounts ${after}, want ${wantAccounts}`);
    const databases = server.mustSql("SHOW DATABASES").split("\n");
    // a dump of the openemr database alone: the other database on stack E stays, none comes along
    this.expect(
      databases.includes("other_app") === (kind === "live"),
      kind === "live" ? "stack-e's other_app database is gone" : "stack-e's other_app came along",
    );
    const systemctl = host.calls("systemctl").join(", ");
    this.expect(
      systemctl === "stop openemr-app, start openemr-app",
      `systemctl calls ${systemctl || "none"}, want stop then start openemr-app`,
    );
    const whose =
      kind === "live"
        ? "with stack-e's own passwords"
        : "with the new password; stack-e's passwords refused";
    this.step(
      `openemr reads as at dump ${want.n} ${whose}; OpenEMR stopped and started; mismatches ${this.record.mismatches.length - before}`,
    );
    return true;
  }

  /** Stack F's first backup after the restore: its own dump beside the restored one. */
  private backUpAfter(f: StackSettings, restored: string): void {
    const { host } = this.r;
    const { plan } = this;
    host.now = `${EXPRESS_DAY_AFTER}T${this.hour}:00:00Z`;
    host.clearCalls();
    const run = host.run(this.script(plan.timer.command));
    const name = `database-${EXPRESS_DAY_AFTER.replace(/-/g, "")}T${this.hour}0000Z.sql.gz`;
    const found = fs.readdirSync(path.join(host.dataDir, "backups")).sort().join(", ");
    const want = [restored, name].sort().join(", ");
    const metric = host.metric("BackupSucceeded").join(",");
    this.expect(
      run.status === 0 && metric === "1" && found === want,
      `${plan.timer.command} after the restore: exit ${run.status}, BackupSucceeded ${metric}, ${found}: ${host.log("openemr-backup.log").slice(-500)}`,
    );
    this.step(
      `${plan.timer.command} after the restore: ${this.dataDir}/backups/${name} beside the restored dump (${f.stack}'s server)`,
    );
  }
}

function changes(before: ExpressDump, dump: ExpressDump): string {
  const rows = databaseChanges(before.database, dump.database);
  const files = fileChanges(before.files, dump.files);
  return `${rows.inserted} rows inserted, ${rows.updated} updated, ${rows.deleted} deleted; ${files.added} files added, ${files.changed} changed, ${files.removed} removed`;
}
