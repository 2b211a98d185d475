// npm run restore-drill, end to end: the real backup.sh and restore.sh, private MariaDB servers, six
// backups over two ISO weeks, a middle point restored into an empty server and the latest into a
// new stack (tools/restore-drill). A missing mariadb-server fails here, on purpose.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { DAYS } from "../../tools/restore-drill/backups";
import {
  DEFAULT_POINT,
  type DrillReport,
  IMPORT_POINT,
  LATEST_POINT,
  runDrill,
  summary,
} from "../../tools/restore-drill/drill";
import { ROOT } from "../../tools/restore-drill/host";
import { DB_HOST } from "../../tools/restore-drill/imports";
import {
  compareDatabases,
  compareFiles,
  databaseChanges,
  fileChanges,
  fileCount,
  rowCount,
} from "../../tools/restore-drill/state";

const CLI = path.join(ROOT, "tools/restore-drill/cli.ts");
const TS_REGISTER = path.join(ROOT, "tools/runtime/register.js");

function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, ["-r", TS_REGISTER, CLI, ...args], {
    encoding: "utf8",
    env,
    cwd: ROOT,
  });
}

describe("restore drill: its command line", () => {
  it("prints its usage for --help: the options, the last line's form and the exit statuses", () => {
    const r = cli(["--help"]);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/^Usage: npm run restore-drill -- \[--point <n>\] \[--keep\]\n/);
    expect(r.stdout).to.match(/--point <n> +the point restored into stack B: 1 to 5 \(default 3\)/);
    expect(r.stdout).to.contain("restore drill: restored N tables, M rows, K files; mismatches X");
    expect(r.stdout).to.contain("1 on a difference or failure, 2 on a bad argument");
  });

  const bad: [string[], string][] = [
    [["--nope"], "restore-drill: unknown argument --nope"],
    [["--point"], "restore-drill: --point needs a value"],
    [
      ["--point", "x"],
      'restore-drill: --point: "x" is not a number; allowed: 1 to 5 (point 6, the latest, is always restored)',
    ],
    [
      ["--point", "0"],
      "restore-drill: --point: 0 is not a point to choose; allowed: 1 to 5 (point 6, the latest, is always restored)",
    ],
    [
      ["--point=6"],
      "restore-drill: --point: 6 is not a point to choose; allowed: 1 to 5 (point 6, the latest, is always restored)",
    ],
  ];
  for (const [args, message] of bad) {
    it(`exits 2 for ${args.join(" ")}, naming the value and what is allowed`, () => {
      const r = cli(args);
      expect(r.status).to.equal(2);
      expect(r.stderr.split("\n")[0]).to.equal(message);
      expect(r.stdout).to.equal("");
    });
  }

  it("counts a drill that cannot run as a mismatch: exit 1, the elapsed time and the summary last", () => {
    // no MariaDB client on this PATH (the server in /usr/sbin is found anyway)
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-mariadb-"));
    try {
      const r = cli([], { ...process.env, PATH: empty });
      expect(r.status).to.equal(1);
      const lines = r.stdout.trimEnd().split("\n");
      expect(lines).to.have.length(5);
      expect(lines[0]).to.match(/^scripts: /);
      expect(lines[1]).to.match(
        /^ {2}mismatch: drill failed: .*mariadb.* not found: install mariadb-server/,
      );
      expect(lines[2]).to.match(/^elapsed \d+\.\d s$/);
      expect(lines[3]).to.equal(
        "imported into a standard host: 0 tables, 0 rows, 0 files; mismatches 0",
      );
      expect(lines[4]).to.equal("restore drill: restored 0 tables, 0 rows, 0 files; mismatches 1");
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("restore drill: backups over two weeks, two restores into new stacks", function () {
  this.timeout(240000);
  let dir: string;
  let report: DrillReport;
  const lines: string[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-drill-test-"));
    report = await runDrill({ dir, log: (line) => lines.push(line) });
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const point = (n: number) => report.points[n - 1];
  const bucket = () => path.join(report.host.bucketDir(report.a.bucket), "openemr");

  it("finds no mismatch; its summary counts the tables, rows and files of every restore, express's too", () => {
    expect(report.mismatches).to.deep.equal([]);
    expect(lines.filter((l) => l.includes("mismatch:"))).to.deep.equal([]);
    const [b, c] = [point(DEFAULT_POINT), point(LATEST_POINT)];
    // plain express's dump 1, restored twice: its tables and rows, no files (it holds none)
    const e1 = report.express.dumps[0].database;
    expect(report.tables).to.equal(
      b.database.tables.size + c.database.tables.size + 2 * e1.tables.size,
    );
    expect(report.rows).to.equal(rowCount(b.database) + rowCount(c.database) + 2 * rowCount(e1));
    expect(report.files).to.equal(fileCount(b.files) + fileCount(c.files));
    // the practice is seeded: the same numbers every run
    expect(summary(report)).to.equal(
      "imported into a standard host: 10 tables, 15467 rows, 320 files; mismatches 0\nrestore drill: restored 40 tables, 60848 rows, 645 files; mismatches 0",
    );
  });

  it("backs up thousands of rows: BLOBs, utf8mb4 text, a table without a key, an empty table", () => {
    const rows = Object.fromEntries(
      [...point(1).database.tables].map(([name, t]) => [name, t.rows]),
    );
    expect(rows).to.deep.equal({
      billing: 3000,
      documents: 600,
      forms: 2400,
      globals: 50,
      // 5,000 written and one per document by the trigger
      log: 5600,
      onsite_messages: 0,
      patient_data: 3200,
      sequences: 1,
      users_secure: 3,
      version: 1,
    });
    expect(point(1).database.tables.get("sequences")?.key).to.equal("");
    expect(point(1).database.tables.get("globals")?.key).to.equal("gl_name,gl_index");
    expect([...point(1).database.objects.keys()].sort()).to.deep.equal([
      "event purge_log",
      "function patient_age",
      "procedure patient_count",
      "trigger documents_log",
      "view patient_names",
    ]);
  });

  it("backs up the openemr database alone, with its routines, triggers, events and text as written", () => {
    const p = point(DEFAULT_POINT);
    const dump = zlib.gunzipSync(
      fs.readFileSync(path.join(bucket(), p.week, p.stamp, "database.sql.gz")),
    );
    const text = dump.toString("utf8");
    expect(new Set(text.match(/^-- Current Database: .*$/gm))).to.deep.equal(
      new Set(["-- Current Database: `openemr`"]),
    );
    expect(text).to.match(/CREATE DEFINER=`openemr`@`%` PROCEDURE `patient_count`/);
    expect(text).to.match(/CREATE DEFINER=`openemr`@`%` FUNCTION `patient_age`/);
    expect(text).to.match(/TRIGGER documents_log AFTER INSERT ON documents/);
    expect(text).to.match(/EVENT `purge_log`/);
    expect(text).to.contain("🦄 Unicorn").and.to.contain("Zoe\u0301").and.to.contain("👩🏽‍⚕️");
    expect(text).not.to.contain("other_app").and.not.to.contain("global_priv");
  });

  it("starts each ISO week's chain with a full archive, then incrementals; a dump every day", () => {
    expect(report.points.map((p) => `${p.day} ${p.week} ${p.stamp} ${p.level}`)).to.deep.equal([
      "2026-03-02 2026-W10 20260302T050000Z full",
      "2026-03-03 2026-W10 20260303T050000Z incremental",
      "2026-03-04 2026-W10 20260304T050000Z incremental",
      "2026-03-05 2026-W10 20260305T050000Z incremental",
      "2026-03-09 2026-W11 20260309T050000Z full",
      "2026-03-10 2026-W11 20260310T050000Z incremental",
    ]);
    expect(report.points.map((p) => p.day)).to.deep.equal([...DAYS]);
    for (const p of report.points) {
      expect(fs.readdirSync(path.join(bucket(), p.week, p.stamp)).sort()).to.deep.equal([
        "database.sql.gz",
        `files-${p.level}.tar.gz`,
        "manifest.json",
      ]);
    }
    expect(fs.readdirSync(bucket()).sort()).to.deep.equal(["2026-W10", "2026-W11"]);
    // an incremental holds the day's changes, not the practice again
    expect(point(2).sizes["files-incremental.tar.gz"]).to.be.below(
      point(1).sizes["files-full.tar.gz"] / 10,
    );
  });

  it("changes rows and files between every two backups: inserts, updates, deletes; adds, changes, removals", () => {
    for (let n = 2; n <= LATEST_POINT; n++) {
      const rows = databaseChanges(point(n - 1).database, point(n).database);
      const files = fileChanges(point(n - 1).files, point(n).files);
      expect(rows.inserted, `point ${n}`).to.be.above(100);
      expect(rows.updated, `point ${n}`).to.be.above(50);
      expect(rows.deleted, `point ${n}`).to.be.above(100);
      expect(files.added, `point ${n}`).to.be.above(5);
      expect(files.changed, `point ${n}`).to.be.above(2);
      expect(files.removed, `point ${n}`).to.be.above(2);
    }
    // so that restoring the wrong point shows
    expect(compareDatabases(point(3).database, point(4).database)).to.have.length.above(5);
    expect(compareFiles(point(3).files, point(4).files)).to.have.length.above(5);
    expect(point(3).database.objects.get("function patient_age")).not.to.equal(
      point(4).database.objects.get("function patient_age"),
    );
  });

  it("restores point 3 into an empty server without --force: the full archive and the incrementals up to it", () => {
    const [b] = report.restores;
    expect(b.stack.stack).to.equal("stack-b");
    expect(b.install).to.equal("empty");
    expect(b.point).to.equal(3);
    expect(b.restore?.status).to.equal(0);
    expect(b.applied).to.deep.equal([
      "20260302T050000Z full",
      "20260303T050000Z incremental",
      "20260304T050000Z incremental",
    ]);
    expect(b.mismatches).to.deep.equal([]);
    expect(b.stack.rootPassword).not.to.equal(report.a.rootPassword);
    expect(b.stack.userPassword).not.to.equal(report.a.userPassword);
  });

  it("restores the latest point into an installed new stack with --force: its own week's chain only", () => {
    const [, c] = report.restores;
    expect(c.stack.stack).to.equal("stack-c");
    expect(c.install).to.equal("installed");
    expect(c.point).to.equal(6);
    expect(c.restore?.status).to.equal(0);
    expect(c.applied).to.deep.equal(["20260309T050000Z full", "20260310T050000Z incremental"]);
    expect(c.mismatches).to.deep.equal([]);
  });

  it("lets each new stack back up afterwards, into its own bucket", () => {
    for (const r of report.restores) {
      expect(r.after?.status).to.equal(0);
      const set = path.join(
        report.host.bucketDir(r.stack.bucket),
        "openemr/2026-W11/20260311T050000Z",
      );
      expect(fs.readdirSync(set).sort()).to.deep.equal([
        "database.sql.gz",
        "files-full.tar.gz",
        "manifest.json",
      ]);
    }
  });

  it("imports the newest set of week 10 (point 4) into a standard host through openemr-import: nothing lost", () => {
    const d = report.imported;
    expect(d.stack.stack).to.equal("stack-d");
    expect(d.stack.dbHost).to.equal(DB_HOST);
    expect(d.source).to.equal("s3://stack-a-backups/openemr/2026-W10/");
    expect(d.point).to.equal(IMPORT_POINT);
    expect(d.run?.status).to.equal(0);
    expect(d.mismatches).to.deep.equal([]);
    expect(d.tables).to.equal(point(IMPORT_POINT).database.tables.size);
    expect(d.rows).to.equal(rowCount(point(IMPORT_POINT).database));
    expect(d.files).to.equal(fileCount(point(IMPORT_POINT).files));
    expect(d.stack.userPassword).not.to.equal(report.a.userPassword);
    const step =
      "stack-d (point 4): openemr-import s3://stack-a-backups/openemr/2026-W10/: fetched s3://stack-a-backups/openemr/2026-W10/20260305T050000Z/manifest.json (5 files), applied in the OpenEMR image over TLS (";
    expect(lines.filter((l) => l.startsWith(step))).to.have.length(1);
  });

  it("writes a manifest per set: the week's chain before it, the dump last, each with its size and sha256", () => {
    const p = point(IMPORT_POINT);
    const manifest = JSON.parse(
      fs.readFileSync(path.join(bucket(), p.week, p.stamp, "manifest.json"), "utf8"),
    ) as { files: { key: string; role: string; bytes: number }[]; openemr: unknown };
    expect(manifest.openemr).to.deep.equal({ version: "7.0.3", dockerVersion: 6 });
    expect(manifest.files.map((f) => `${f.role} ${f.key}`)).to.deep.equal([
      "files ../20260302T050000Z/files-full.tar.gz",
      "files ../20260303T050000Z/files-incremental.tar.gz",
      "files ../20260304T050000Z/files-incremental.tar.gz",
      "files files-incremental.tar.gz",
      "database database.sql.gz",
    ]);
    expect(manifest.files[4].bytes).to.equal(p.sizes["database.sql.gz"]);
    expect(manifest.files[0].bytes).to.equal(point(1).sizes["files-full.tar.gz"]);
  });

  it("backs up plain express as the dev stack's host does: its timer's command, local dumps, no files", () => {
    const x = report.express;
    expect(x.plan?.env).to.include({
      BACKUP_MODE: "local",
      DATA_DIR: "/var/lib/openemr",
      LOCAL_BACKUP_DAYS: "7",
    });
    expect(x.plan?.timer).to.deep.equal({
      command: "/usr/local/sbin/openemr-backup",
      calendar: "*-*-* 5:00:00 UTC",
    });
    expect(x.plan?.restore.join(" ")).to.equal(
      "openemr-restore --local /var/lib/openemr/backups/<dump> --force",
    );
    expect(x.dumps.map((d) => `${d.day} ${d.name}`)).to.deep.equal([
      "2026-03-02 database-20260302T050000Z.sql.gz",
      "2026-03-03 database-20260303T050000Z.sql.gz",
    ]);
    // the second dump differs from the first, so restoring the wrong one shows
    expect(compareDatabases(x.dumps[0].database, x.dumps[1].database).length).to.be.above(5);
    expect(x.dumps[0].database.tables.size).to.equal(10);
    expect(rowCount(x.dumps[0].database)).to.equal(14855);
  });

  it("restores plain express's first dump with the restoreCommand over its live stack and into an empty new server", () => {
    const x = report.express;
    expect(x.restores.map((r) => [r.who, r.run?.status, r.tables, r.rows])).to.deep.equal([
      ["stack-e (dump 1 over dump 2)", 0, 10, 14855],
      ["stack-f (express dump 1)", 0, 10, 14855],
    ]);
    expect(x.mismatches).to.deep.equal([]);
    expect(x.files).to.equal(0);
    const f = lines.filter((l) => l.startsWith("stack-f (express dump 1): "));
    expect(f).to.have.length(6);
    expect(f).to.include(
      "stack-f (express dump 1): compared with stack-e at dump 1: 10 tables, 14855 rows, 5 views/triggers/routines/events; files not in the dump, left as they were (0, none, as before); mismatches 0",
    );
    expect(
      lines
        .filter((l) => l.startsWith("stack-e (express): dump "))
        .every((l) => l.endsWith("; the database only, no files)")),
    ).to.equal(true);
    // the dump (as copied to stack F): the openemr database alone, its routines with it
    const dump = zlib
      .gunzipSync(
        fs.readFileSync(
          path.join(report.host.dataDir, "backups", "database-20260302T050000Z.sql.gz"),
        ),
      )
      .toString("utf8");
    expect(new Set(dump.match(/^-- Current Database: .*$/gm))).to.deep.equal(
      new Set(["-- Current Database: `openemr`"]),
    );
    expect(dump).to.match(/PROCEDURE `patient_count`/);
    expect(dump).not.to.contain("global_priv");
  });

  it("prints one line per step", () => {
    expect(lines).to.have.length(2 + DAYS.length + 2 * 6 + 4 + 14);
    const [scripts, seeded, first, second] = lines;
    expect(scripts).to.equal(
      "scripts: /usr/local/sbin/openemr-backup and /usr/local/sbin/openemr-restore as a host installs them from its SSM parameters",
    );
    expect(seeded).to.match(
      /^stack-a: MariaDB \S+ on a private socket; seeded 10 tables, 14855 rows/,
    );
    expect(first).to.match(
      /^point 1, Mon 2026-03-02: backup\.sh full → 2026-W10\/20260302T050000Z \(database [\d.]+ MB, files [\d.]+ MB\)$/,
    );
    expect(second).to.match(
      /^point 2, Tue 2026-03-03: \d+ rows inserted, \d+ updated, \d+ deleted; \d+ files added, \d+ changed, \d+ removed; backup\.sh incremental → 2026-W10\/20260303T050000Z/,
    );
    expect(lines.filter((l) => l.startsWith("stack-b (point 3): "))).to.have.length(6);
    expect(lines.filter((l) => l.startsWith("stack-c (point 6): "))).to.have.length(6);
    expect(lines).to.include(
      "stack-b (point 3): compared with stack-a at point 3: 10 tables, 15263 rows, 5 views/triggers/routines/events, 317 files; mismatches 0",
    );
  });
});
