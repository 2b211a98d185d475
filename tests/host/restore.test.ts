// backup.sh and restore.sh run for real against a private MariaDB server, with fake docker,
// systemctl and aws (tools/restore-drill). A missing mariadb-server fails here, on purpose.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { parse } from "yaml";
import { renderUserData } from "../../components/compute/user-data";
import {
  accounts,
  canLogIn,
  canRead,
  compareDatabases,
  type DatabaseState,
  databaseState,
  expectedSqlconf,
  installDatabaseB,
  installFilesB,
  type S3Drill,
  s3Drill,
  seedDatabaseA,
  sqlconf,
  stackSettings,
  summary,
} from "../../tools/restore-drill/drill";
import { FakeHost, ROOT, SCRIPTS_DIR, type StackSettings } from "../../tools/restore-drill/host";
import { mariadbBinaries, MariaDbServer } from "../../tools/restore-drill/server";

const SQLCONF = "default/sqlconf.php";
const TS_REGISTER = path.join(ROOT, "tools/runtime/register.js");

function gunzip(file: string): string {
  return zlib.gunzipSync(fs.readFileSync(file)).toString("utf8");
}

/** A write_files entry's content as cloud-init decodes it. */
function decoded(file: { content: string; encoding?: string }): Buffer {
  switch (file.encoding ?? "text/plain") {
    case "gz+b64":
    case "gzip+base64":
      return zlib.gunzipSync(Buffer.from(file.content, "base64"));
    case "b64":
    case "base64":
      return Buffer.from(file.content, "base64");
    case "text/plain":
      return Buffer.from(file.content, "utf8");
    default:
      throw new Error(`write_files encoding ${file.encoding} not handled here`);
  }
}

/** The usage text as restore.sh's usage() holds it. */
function usageText(): string {
  const source = fs.readFileSync(path.join(SCRIPTS_DIR, "restore.sh"), "utf8");
  const m = /cat <<'EOF'\n([\s\S]*?)\nEOF\n/.exec(source);
  if (!m) throw new Error("restore.sh has no usage heredoc");
  return `${m[1]}\n`;
}

describe("host scripts: openemr-restore as cloud-init installs it", () => {
  let dir: string;
  let installed: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-usage-"));
    // the user data of an express stack, written out as cloud-init's write_files would
    const doc = parse(renderUserData({ STACK: "usage", REGION: "us-east-1" }, ["restore.sh"])) as {
      write_files: { path: string; permissions: string; content: string; encoding?: string }[];
    };
    const file = doc.write_files.find((f) => f.path === "/usr/local/sbin/openemr-restore");
    if (!file) throw new Error("user data does not install openemr-restore");
    installed = path.join(dir, "openemr-restore");
    fs.writeFileSync(installed, decoded(file), { mode: parseInt(file.permissions, 8) });
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is the compacted script: no comment lines", () => {
    const lines = fs.readFileSync(installed, "utf8").split("\n");
    expect(lines[0]).to.equal("#!/bin/bash");
    expect(lines.slice(1).filter((l) => /^\s*#/.test(l))).to.deep.equal([]);
    expect(fs.statSync(installed).mode & 0o777).to.equal(0o755);
  });

  for (const args of [[], ["--bogus"], ["2026-W01"], ["--local"], ["--list", "extra"]]) {
    it(`prints its usage, not code, and exits 2 for: openemr-restore ${args.join(" ")}`, () => {
      const r = spawnSync(installed, args, { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
      expect(r.status).to.equal(2);
      expect(r.stderr).to.equal(usageText());
      expect(r.stdout).to.equal("");
    });
  }

  it("prints its usage to stdout for --help", () => {
    const r = spawnSync(installed, ["--help"], {
      encoding: "utf8",
      env: { PATH: "/usr/bin:/bin" },
    });
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal(usageText());
  });

  it("says that --local on a live instance needs --force, and offers --from-bucket", () => {
    const text = usageText();
    expect(text).to.match(/--local <dump\.sql\.gz> \[--force\]/);
    expect(text).to.match(/--force: .*live instance/);
    expect(text).to.match(/--list \[--from-bucket <bucket>\]/);
    expect(text).to.match(/<week> <stamp> \[--from-bucket <bucket>\] \[--force\]/);
  });
});

describe("host scripts: the harness", () => {
  it("has fake commands that pass shellcheck", () => {
    const dir = path.join(__dirname, "../../tools/restore-drill/fake");
    const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
    expect(files).to.have.length(3);
    const r = spawnSync("shellcheck", ["--severity=style", ...files], { encoding: "utf8" });
    expect(r.error, "shellcheck must be installed (Debian package shellcheck)").to.equal(undefined);
    expect(r.stdout).to.equal("");
  });

  it("npm run restore-drill: --help prints the usage, an unknown flag exits 2", () => {
    const cli = (arg: string) =>
      spawnSync(
        process.execPath,
        ["-r", TS_REGISTER, path.join(ROOT, "tools/restore-drill/cli.ts"), arg],
        {
          encoding: "utf8",
        },
      );
    const help = cli("--help");
    expect(help.status).to.equal(0);
    expect(help.stdout).to.match(/^Usage: npm run restore-drill/);
    expect(help.stdout).to.contain(
      "restore drill: restored N tables, M rows, K files; mismatches X",
    );
    const bad = cli("--nope");
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.contain("unknown argument --nope");
  });

  it("fails with what to install when MariaDB is missing", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-mariadb-"));
    try {
      expect(() => mariadbBinaries([empty])).to.throw(/mariadbd.*install mariadb-server/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("host scripts: backup.sh and restore.sh against MariaDB", function () {
  this.timeout(60000);
  let dir: string;
  let server: MariaDbServer;
  let host: FakeHost;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-host-"));
    server = await MariaDbServer.start();
    host = new FakeHost(path.join(dir, "host"), server);
  });

  after(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A new stack B on the host: fresh instance, its installer's database and site. */
  function newStackB(mode: "s3" | "local", userPassword?: string): StackSettings {
    const b = stackSettings("stack-b", mode);
    if (userPassword) b.userPassword = userPassword;
    host.wipe();
    host.configure(b);
    installDatabaseB(server, b);
    installFilesB(host, b);
    return b;
  }

  const readSqlconf = (): string =>
    fs.readFileSync(path.join(host.volume("openemr-sites"), SQLCONF), "utf8");

  describe("express-plus: S3 sets restored into a new stack with --from-bucket", () => {
    let drill: S3Drill;
    before(async () => {
      drill = await s3Drill(server, host);
    });

    it("finds nothing amiss (the drill's own comparison)", () => {
      expect(drill.mismatches).to.deep.equal([]);
      expect(summary(drill)).to.equal(
        "restore drill: restored 5 tables, 157 rows, 9 files; mismatches 0",
      );
    });

    it("backed up a full set, then an incremental set, of the openemr database alone", () => {
      expect(drill.runs.full.status).to.equal(0);
      expect(drill.runs.incremental.status).to.equal(0);
      expect(drill.stamps).to.have.length(2);
      const [first, second] = drill.stamps.map((stamp) =>
        fs
          .readdirSync(path.join(host.bucketDir(drill.a.bucket), "openemr", drill.week, stamp))
          .sort(),
      );
      expect(first).to.deep.equal(["database.sql.gz", "files-full.tar.gz"]);
      // a new ISO week between the two runs starts a new chain
      expect(second[0]).to.equal("database.sql.gz");
      expect(second[1]).to.match(/^files-(incremental|full)\.tar\.gz$/);
      const dump = gunzip(
        path.join(
          host.bucketDir(drill.a.bucket),
          "openemr",
          drill.week,
          drill.stamps[1],
          "database.sql.gz",
        ),
      );
      // tables and routines, then the views' final structure: both times openemr alone
      expect(new Set(dump.match(/^-- Current Database: .*$/gm))).to.deep.equal(
        new Set(["-- Current Database: `openemr`"]),
      );
      expect(dump).to.contain("CREATE TABLE `patient_data`");
      expect(dump).to.match(/CREATE DEFINER=`openemr`@`%` PROCEDURE `patient_count`/);
      expect(dump).to.match(/TRIGGER documents_log AFTER INSERT/);
      expect(dump).to.match(/EVENT `purge_log`/);
      expect(dump).not.to.contain("global_priv");
    });

    it("lists A's sets with --list --from-bucket", () => {
      expect(drill.runs.list.status).to.equal(0);
      const keys = drill.runs.list.stdout.split("\n").filter(Boolean);
      expect(keys).to.have.length(4);
      for (const key of keys)
        expect(key).to.match(/^openemr\/\d{4}-W\d\d\/\d{8}T\d{6}Z\/[a-z-]+\.(sql|tar)\.gz$/);
    });

    it("restores every table, row and database object of A", () => {
      expect(drill.runs.restore.status, drill.runs.restore.stderr).to.equal(0);
      const now = databaseState(server);
      expect(compareDatabases(drill.databaseA, now)).to.deep.equal([]);
      expect(now.tables.get("patient_data")?.rows).to.equal(150);
      expect(now.tables.has("installer_only"), "B's own table is gone").to.equal(false);
      expect([...now.objects.keys()].sort()).to.deep.equal([
        "event purge_log",
        "routine patient_count",
        "trigger documents_log",
        "view patient_names",
      ]);
    });

    it("restores every file of A's last set, and only those", () => {
      const now = host.files();
      const want = new Map(drill.filesA);
      const conf = `openemr-sites/${SQLCONF}`;
      expect(now.get(conf)).to.match(/^file /);
      now.delete(conf);
      want.delete(conf);
      expect(now).to.deep.equal(want);
      expect([...now.keys()]).to.include("openemr-sites/default/documents/3/new-upload.pdf");
      expect([...now.keys()]).not.to.include("openemr-sites/default/documents/1/scratch.tmp");
      expect([...now.keys()]).not.to.include(
        "openemr-sites/default/documents/logs_and_misc/installer.log",
      );
    });

    it("keeps B's credentials: root and openemr with B's passwords, sqlconf.php with B's", () => {
      server.mustSql("FLUSH PRIVILEGES");
      const b = drill.b;
      const check = canRead(server, { user: "openemr", password: b.userPassword });
      expect(check.ok, check.detail).to.equal(true);
      expect(canLogIn(server, { user: "root", password: b.rootPassword })).to.equal(true);
      expect(canLogIn(server, { user: "root", password: drill.a.rootPassword })).to.equal(false);
      expect(canLogIn(server, { user: "openemr", password: drill.a.userPassword })).to.equal(false);
      expect(readSqlconf()).to.equal(expectedSqlconf(drill.sqlconfA, b.userPassword));
      expect(readSqlconf()).to.contain(`$pass\t= '${b.userPassword}';`);
    });

    it("stops OpenEMR for the restore and starts it again", () => {
      expect(drill.beforeRestoreCalls).to.deep.equal([]);
      expect(host.calls("systemctl")).to.deep.equal(["stop openemr-app", "start openemr-app"]);
    });

    it("lets B back up afterwards, to its own bucket with its own key", () => {
      expect(drill.runs.after.status).to.equal(0);
      expect(host.metric("BackupSucceeded")).to.deep.equal([1]);
      const uploads = host
        .calls("aws")
        .filter((c) => c.startsWith("s3 cp") && c.includes("s3://stack-b"));
      expect(uploads).to.have.length(2);
      for (const u of uploads) {
        expect(u).to.contain(
          "--sse aws:kms --sse-kms-key-id arn:aws:kms:us-east-1:111122223333:key/stack-b",
        );
      }
      const sets = fs.readdirSync(path.join(host.bucketDir(drill.b.bucket), "openemr"));
      expect(sets).to.have.length(1);
    });

    it("lists B's own bucket without --from-bucket", () => {
      const r = host.run("restore.sh", ["--list"]);
      expect(r.status).to.equal(0);
      const keys = r.stdout.split("\n").filter(Boolean);
      expect(keys).to.have.length(2);
      expect(keys.every((k) => k.endsWith(".gz"))).to.equal(true);
    });

    it("would notice a changed BLOB byte, a lost row and a changed file (the comparison can fail)", () => {
      const conf = `openemr-sites/${SQLCONF}`;
      const files = (): Map<string, string> => {
        const m = host.files();
        m.delete(conf);
        return m;
      };
      const want = new Map(drill.filesA);
      want.delete(conf);
      expect(files()).to.deep.equal(want);
      fs.appendFileSync(path.join(host.volume("openemr-sites"), "default/images/logo.png"), "x");
      expect(files()).not.to.deep.equal(want);
      server.mustSql(
        "UPDATE openemr.patient_data SET photo = CONCAT(SUBSTR(photo, 1, 7), CHAR(255 - ASCII(SUBSTR(photo, 8, 1))), SUBSTR(photo, 9)) WHERE id = 9",
      );
      server.mustSql("DELETE FROM openemr.log");
      const diff = compareDatabases(drill.databaseA, databaseState(server));
      expect(diff.some((d) => d.startsWith("table patient_data: checksum"))).to.equal(true);
      expect(diff.some((d) => d.startsWith("table patient_data: content"))).to.equal(true);
      expect(diff.some((d) => d.startsWith("table log: rows 0"))).to.equal(true);
    });

    it("fails clearly for a week that has no sets, before touching anything", () => {
      host.clearCalls();
      const r = host.run("restore.sh", [
        "1999-W01",
        "19990101T000000Z",
        "--from-bucket",
        drill.a.bucket,
        "--force",
      ]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.contain("cannot list s3://stack-a-backups/openemr/1999-W01/");
      expect(host.calls("systemctl")).to.deep.equal([]);
    });
  });

  describe("express: local dumps", () => {
    let a: StackSettings;
    let databaseA: DatabaseState;
    let newDump: string;
    let oldDump: string;
    /** the new stack of the --local tests */
    let b: StackSettings;

    before(() => {
      a = stackSettings("stack-a", "local");
      host.wipe();
      host.configure(a);
      seedDatabaseA(server, a);
      const r = host.run("backup.sh");
      expect(r.status, host.log("openemr-backup.log")).to.equal(0);
      expect(host.metric("BackupSucceeded")).to.deep.equal([1]);
      const dumps = fs.readdirSync(path.join(host.dataDir, "backups"));
      expect(dumps).to.have.length(1);
      expect(dumps[0]).to.match(/^database-\d{8}T\d{6}Z\.sql\.gz$/);
      // kept off the instance, as a snapshot would; an older stamp than any backup to come
      newDump = path.join(dir, "database-20260101T000000Z.sql.gz");
      fs.copyFileSync(path.join(host.dataDir, "backups", dumps[0]), newDump);
      // what backup.sh used to take: every database, the grant tables included
      oldDump = path.join(dir, "old-all-databases.sql.gz");
      fs.writeFileSync(
        oldDump,
        zlib.gzipSync(
          server.dump([
            "--single-transaction",
            "--quick",
            "--routines",
            "--events",
            "--triggers",
            "--all-databases",
          ]),
        ),
      );
      databaseA = databaseState(server);
      expect(databaseA.tables.get("patient_data")?.rows).to.equal(150);
    });

    function expectRestoredWithCredentialsOf(stack: StackSettings): void {
      server.mustSql("FLUSH PRIVILEGES");
      expect(compareDatabases(databaseA, databaseState(server))).to.deep.equal([]);
      const check = canRead(server, { user: "openemr", password: stack.userPassword });
      expect(check.ok, check.detail).to.equal(true);
      expect(canLogIn(server, { user: "root", password: stack.rootPassword })).to.equal(true);
      expect(canLogIn(server, { user: "root", password: a.rootPassword })).to.equal(false);
      expect(canLogIn(server, { user: "openemr", password: a.userPassword })).to.equal(false);
    }

    it("refuses a configured site without --force and touches nothing", () => {
      b = newStackB("local");
      fs.mkdirSync(path.join(host.dataDir, "backups"));
      fs.copyFileSync(newDump, path.join(host.dataDir, "backups", path.basename(newDump)));
      const before = databaseState(server);
      const r = host.run("restore.sh", [
        "--local",
        path.join(host.dataDir, "backups", path.basename(newDump)),
      ]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.contain("pass --force");
      expect(databaseState(server)).to.deep.equal(before);
      expect(before.tables.has("installer_only")).to.equal(true);
      expect(host.calls("systemctl")).to.deep.equal([]);
      expect(host.calls("docker").filter((c) => c.startsWith("exec"))).to.deep.equal([]);
    });

    it("lists the local dumps", () => {
      const r = host.run("restore.sh", ["--list"]);
      expect(r.status).to.equal(0);
      expect(r.stdout).to.equal(`${path.basename(newDump)}\n`);
    });

    it("restores --local <dump> --force with the stack's own credentials, and backs up after", () => {
      const r = host.run("restore.sh", [
        "--local",
        path.join(host.dataDir, "backups", path.basename(newDump)),
        "--force",
      ]);
      expect(r.status, r.stderr).to.equal(0);
      expectRestoredWithCredentialsOf(b);
      // B's own sqlconf.php already had B's password: unchanged
      expect(readSqlconf()).to.equal(sqlconf(b.userPassword));
      expect(host.calls("systemctl")).to.deep.equal(["stop openemr-app", "start openemr-app"]);
      const after = host.run("backup.sh");
      expect(after.status, host.log("openemr-backup.log")).to.equal(0);
      expect(host.metric("BackupSucceeded")).to.deep.equal([1]);
      expect(fs.readdirSync(path.join(host.dataDir, "backups"))).to.have.length(2);
    });

    it("restores an old --all-databases dump: only openemr, B's accounts untouched", () => {
      b = newStackB("local");
      const accountsB = accounts(server);
      const r = host.run("restore.sh", ["--local", oldDump, "--force"]);
      expect(r.status, r.stderr).to.equal(0);
      expectRestoredWithCredentialsOf(b);
      expect(accounts(server)).to.equal(accountsB);
      expect(server.mustSql("SHOW DATABASES LIKE 'other_app'")).to.equal("");
    });

    it("escapes the password for SQL and for sqlconf.php", () => {
      const nasty = `it's\\a&b|c$d"e/f~g`;
      b = newStackB("local", nasty);
      // as the old stack's site archive would have left it
      fs.writeFileSync(path.join(host.volume("openemr-sites"), SQLCONF), sqlconf(a.userPassword));
      const r = host.run("restore.sh", ["--local", newDump, "--force"]);
      expect(r.status, r.stderr).to.equal(0);
      expectRestoredWithCredentialsOf(b);
      expect(readSqlconf()).to.equal(sqlconf(nasty));
      expect(readSqlconf()).to.contain(`$pass\t= 'it\\'s\\\\a&b|c$d"e/f~g';`);
    });

    it("rewrites an old stack's sqlconf.php, keeping its owner, mode and other lines", () => {
      b = newStackB("local");
      const conf = path.join(host.volume("openemr-sites"), SQLCONF);
      fs.writeFileSync(conf, sqlconf(a.userPassword));
      fs.chmodSync(conf, 0o640);
      const inode = fs.statSync(conf).ino;
      const r = host.run("restore.sh", ["--local", newDump, "--force"]);
      expect(r.status, r.stderr).to.equal(0);
      expect(readSqlconf()).to.equal(sqlconf(b.userPassword));
      expect(fs.statSync(conf).mode & 0o777).to.equal(0o640);
      expect(fs.statSync(conf).ino).to.equal(inode);
    });

    it("refuses a dump without the openemr database, before touching anything", () => {
      newStackB("local");
      const before = databaseState(server);
      server.mustSql("CREATE DATABASE other_app; CREATE TABLE other_app.t (id INT PRIMARY KEY);");
      const other = path.join(dir, "other.sql.gz");
      fs.writeFileSync(other, zlib.gzipSync(server.dump(["--databases", "other_app"])));
      server.mustSql("DROP DATABASE other_app");
      const r = host.run("restore.sh", ["--local", other, "--force"]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.contain("no openemr database");
      expect(databaseState(server)).to.deep.equal(before);
      expect(host.calls("systemctl")).to.deep.equal([]);
    });

    it("reports a failed backup (BackupSucceeded 0)", () => {
      newStackB("local");
      fs.writeFileSync(path.join(host.etc, "secrets/db.env"), "MARIADB_ROOT_PASSWORD=wrong\n");
      const r = host.run("backup.sh");
      expect(r.status).to.not.equal(0);
      expect(host.metric("BackupSucceeded")).to.deep.equal([0]);
      expect(host.log("openemr-backup.log")).to.match(/Access denied[\s\S]*backup FAILED/);
    });
  });
});
