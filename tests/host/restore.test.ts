// backup.sh and restore.sh run for real against a private MariaDB server, with fake docker,
// systemctl and aws (tools/restore-drill). A missing mariadb-server fails here, on purpose.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { Clinic } from "../../tools/restore-drill/clinic";
import { FakeHost, SCRIPTS_DIR, type StackSettings } from "../../tools/restore-drill/host";
import { installScripts } from "../../tools/restore-drill/installed";
import { mariadbBinaries, MariaDbServer } from "../../tools/restore-drill/server";
import {
  accounts,
  appView,
  canLogIn,
  installStack,
  sqlconf,
  stackAServer,
  stackSettings,
} from "../../tools/restore-drill/stack";
import {
  compareDatabases,
  type DatabaseState,
  databaseState,
} from "../../tools/restore-drill/state";

const SQLCONF = "default/sqlconf.php";

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
    installed = path.join(installScripts(dir, ["restore.sh"]), "restore.sh");
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
    expect(files.map((f) => path.basename(f)).sort()).to.deep.equal([
      "aws.sh",
      "date.sh",
      "docker.sh",
      "systemctl.sh",
    ]);
    const r = spawnSync("shellcheck", ["--severity=style", ...files], { encoding: "utf8" });
    expect(r.error, "shellcheck must be installed (Debian package shellcheck)").to.equal(undefined);
    expect(r.stdout).to.equal("");
  });

  it("shows the scripts the drill's clock (a date they name themselves stays theirs), or the real one", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-date-"));
    try {
      const host = new FakeHost(dir);
      const probe = path.join(dir, "probe.sh");
      fs.writeFileSync(probe, "date -u +%G-W%V; date -u +%Y%m%dT%H%M%SZ; date -d @0 -u +%F\n");
      host.now = "2026-03-09T05:00:00Z";
      expect(host.run(probe).stdout).to.equal("2026-W11\n20260309T050000Z\n1970-01-01\n");
      host.now = undefined;
      const [week] = host.run(probe).stdout.split("\n");
      expect(week).to.equal(
        spawnSync("date", ["-u", "+%G-W%V"], { encoding: "utf8" }).stdout.trim(),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
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

  /** Stack A on the host, its practice seeded (the drill's, day one). */
  function stackA(mode: "s3" | "local"): StackSettings {
    const a = stackSettings("stack-a", mode);
    host.wipe();
    host.configure(a);
    stackAServer(server, a);
    new Clinic(server, host).seed("2026-03-02", a.userPassword);
    return a;
  }

  /** A new stack B on the host: fresh instance, its installer's database and site. */
  function newStackB(mode: "s3" | "local", userPassword?: string): StackSettings {
    const b = stackSettings("stack-b", mode);
    if (userPassword) b.userPassword = userPassword;
    host.wipe();
    host.configure(b);
    installStack(server, host, b);
    return b;
  }

  const readSqlconf = (): string =>
    fs.readFileSync(path.join(host.volume("openemr-sites"), SQLCONF), "utf8");
  /** The pre-restore copies restore.sh left in DATA_DIR/backups. */
  const preRestoreCopies = (): string[] => {
    const backups = path.join(host.dataDir, "backups");
    if (!fs.existsSync(backups)) return [];
    return fs
      .readdirSync(backups)
      .filter((f) => /^pre-restore-\d{8}T\d{6}Z(-\d+)?\.sql\.gz$/.test(f))
      .map((f) => path.join(backups, f));
  };

  describe("express-plus: what the drill does not reach", () => {
    let a: StackSettings;

    before(() => {
      a = stackA("s3");
      host.now = "2026-03-02T05:00:00Z";
      const r = host.run("backup.sh");
      expect(r.status, host.log("openemr-backup.log")).to.equal(0);
    });

    after(() => {
      host.now = undefined;
    });

    it("refuses a configured site without --force, touching nothing", () => {
      newStackB("s3");
      const before = databaseState(server);
      const r = host.run("restore.sh", ["2026-W10", "20260302T050000Z", "--from-bucket", a.bucket]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.equal(
        "a configured OpenEMR site is here: restore into a new stack, or pass --force\n",
      );
      expect(databaseState(server)).to.deep.equal(before);
      expect(host.calls("systemctl")).to.deep.equal([]);
      expect(host.calls("aws")).to.deep.equal([]);
    });

    it("fails clearly for a week that has no sets, before touching anything", () => {
      newStackB("s3");
      const r = host.run("restore.sh", [
        "1999-W01",
        "19990101T000000Z",
        "--from-bucket",
        a.bucket,
        "--force",
      ]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.contain("cannot list s3://stack-a-backups/openemr/1999-W01/");
      expect(host.calls("systemctl")).to.deep.equal([]);
    });

    it("fails clearly for a stamp the week does not have, before touching anything", () => {
      newStackB("s3");
      const r = host.run("restore.sh", [
        "2026-W10",
        "20260302T040000Z",
        "--from-bucket",
        a.bucket,
        "--force",
      ]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.equal("no backup set 2026-W10/20260302T040000Z\n");
      expect(host.calls("systemctl")).to.deep.equal([]);
    });

    // the set as S3 would hand it back damaged: cut short, or whole gzip around something not tar
    const damaged = {
      "a truncated archive": (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length / 2)),
      "a whole gzip that is no tar": () => zlib.gzipSync(Buffer.alloc(4096, "not a tar ")),
    };
    for (const [what, damage] of Object.entries(damaged)) {
      it(`refuses ${what} before changing anything: database, files, OpenEMR`, () => {
        const bucket = "stack-damaged-backups";
        fs.rmSync(host.bucketDir(bucket), { recursive: true, force: true });
        fs.cpSync(host.bucketDir(a.bucket), host.bucketDir(bucket), { recursive: true });
        const archive = path.join(
          host.bucketDir(bucket),
          "openemr/2026-W10/20260302T050000Z/files-full.tar.gz",
        );
        fs.writeFileSync(archive, damage(fs.readFileSync(archive)));
        newStackB("s3");
        const before = databaseState(server);
        const filesBefore = host.files();
        const r = host.run("restore.sh", [
          "2026-W10",
          "20260302T050000Z",
          "--from-bucket",
          bucket,
          "--force",
        ]);
        expect(r.status).to.equal(1);
        expect(r.stderr).to.match(
          /\/20260302T050000Z\/files-full\.tar\.gz: corrupt archive; nothing changed\n$/,
        );
        expect(r.stdout).to.equal("");
        expect(databaseState(server)).to.deep.equal(before);
        expect(host.files()).to.deep.equal(filesBefore);
        expect(host.calls("systemctl")).to.deep.equal([]);
        expect(host.calls("docker").filter((c) => c.startsWith("exec"))).to.deep.equal([]);
        expect(fs.existsSync(path.join(host.dataDir, "backups"))).to.equal(false);
      });
    }

    it("applies no archive when the set's dump fails to load, and reloads the database it found", () => {
      const bucket = "stack-damaged-backups";
      fs.rmSync(host.bucketDir(bucket), { recursive: true, force: true });
      fs.cpSync(host.bucketDir(a.bucket), host.bucketDir(bucket), { recursive: true });
      const dump = path.join(
        host.bucketDir(bucket),
        "openemr/2026-W10/20260302T050000Z/database.sql.gz",
      );
      const text = zlib.gunzipSync(fs.readFileSync(dump)).toString("latin1");
      const cut = text.replace(/^INSERT INTO `patient_data` [^\n]*/m, (i) =>
        i.slice(0, i.length / 2),
      );
      expect(cut).not.to.equal(text);
      fs.writeFileSync(dump, zlib.gzipSync(Buffer.from(cut, "latin1")));
      newStackB("s3");
      const before = databaseState(server);
      const filesBefore = host.files();
      const r = host.run("restore.sh", [
        "2026-W10",
        "20260302T050000Z",
        "--from-bucket",
        bucket,
        "--force",
      ]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.contain("the previous state is back (pre-restore copy: ");
      expect(r.stdout).not.to.contain("applying ");
      expect(databaseState(server)).to.deep.equal(before);
      expect(host.files()).to.deep.equal(filesBefore);
      expect(host.calls("systemctl")).to.deep.equal(["stop openemr-app", "start openemr-app"]);
      expect(preRestoreCopies()).to.have.length(1);
    });

    it("lists the stack's own bucket without --from-bucket", () => {
      const b = newStackB("s3");
      host.now = "2026-03-03T05:00:00Z";
      expect(host.run("backup.sh").status, host.log("openemr-backup.log")).to.equal(0);
      const r = host.run("restore.sh", ["--list"]);
      expect(r.status).to.equal(0);
      expect(r.stdout).to.equal(
        "openemr/2026-W10/20260303T050000Z/database.sql.gz\nopenemr/2026-W10/20260303T050000Z/files-full.tar.gz\nopenemr/2026-W10/20260303T050000Z/manifest.json\n",
      );
      expect(host.calls("aws").filter((c) => c.startsWith("s3 ls"))).to.deep.equal([
        `s3 ls --region us-east-1 --recursive s3://${b.bucket}/openemr/`,
      ]);
    });
  });

  describe("express: local dumps", () => {
    let a: StackSettings;
    let databaseA: DatabaseState;
    let viewA: string;
    let newDump: string;
    let oldDump: string;
    /** the new stack of the --local tests */
    let b: StackSettings;

    before(() => {
      a = stackA("local");
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
      expect(databaseA.tables.get("patient_data")?.rows).to.equal(3200);
      const view = appView(server, { user: "openemr", password: a.userPassword }, [
        ...databaseA.tables.keys(),
      ]);
      expect(view.ok, view.output).to.equal(true);
      viewA = view.output;
    });

    function expectRestoredWithCredentialsOf(stack: StackSettings): void {
      server.mustSql("FLUSH PRIVILEGES");
      expect(compareDatabases(databaseA, databaseState(server))).to.deep.equal([]);
      const view = appView(server, { user: "openemr", password: stack.userPassword }, [
        ...databaseA.tables.keys(),
      ]);
      expect(view.output).to.equal(viewA);
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
      // B's installer database, as it was before the restore, kept beside the dumps
      const copies = preRestoreCopies();
      expect(copies).to.have.length(1);
      expect(r.stdout).to.contain(`pre-restore copy of the database: ${copies[0]}\n`);
      const copied = zlib.gunzipSync(fs.readFileSync(copies[0])).toString("latin1");
      expect(copied).to.contain("CREATE TABLE `installer_only`");
      expect(copied).to.match(/^INSERT INTO `installer_only` VALUES\s*\(1\),\s*\(2\);$/m);
      expect(copied).not.to.contain("INSERT INTO `patient_data`");
      const after = host.run("backup.sh");
      expect(after.status, host.log("openemr-backup.log")).to.equal(0);
      expect(host.metric("BackupSucceeded")).to.deep.equal([1]);
      expect(fs.readdirSync(path.join(host.dataDir, "backups"))).to.have.length(3);
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
  describe("express: a restore that fails leaves the live stack as it was", () => {
    let a: StackSettings;
    /** the live stack's own backup, a day's work behind it */
    let text: string;
    let live: DatabaseState;
    let liveView: string;

    before(() => {
      a = stackA("local");
      expect(host.run("backup.sh").status, host.log("openemr-backup.log")).to.equal(0);
      const [name] = fs.readdirSync(path.join(host.dataDir, "backups"));
      // latin1: one character per byte, so that the BLOBs pass through unchanged
      text = zlib
        .gunzipSync(fs.readFileSync(path.join(host.dataDir, "backups", name)))
        .toString("latin1");
      fs.rmSync(path.join(host.dataDir, "backups"), { recursive: true });
      // work after the backup: what a rollback to the dump instead of the copy would lose
      server.mustSql("UPDATE openemr.patient_data SET notes = 'after the backup' WHERE id = 1");
      live = databaseState(server);
      expect(live.tables.get("patient_data")?.rows).to.equal(3200);
      liveView = appView(server, { user: "openemr", password: a.userPassword }, [
        ...live.tables.keys(),
      ]).output;
    });

    beforeEach(() => {
      host.clearCalls();
      fs.rmSync(path.join(host.dataDir, "backups"), { recursive: true, force: true });
    });

    /** A dump file made of `sql`, gzipped. */
    function dumpOf(name: string, sql: string): string {
      const file = path.join(dir, name);
      fs.writeFileSync(file, zlib.gzipSync(Buffer.from(sql, "latin1")));
      return file;
    }

    function expectLiveAsBefore(): void {
      server.mustSql("FLUSH PRIVILEGES");
      const now = databaseState(server);
      expect(compareDatabases(live, now)).to.deep.equal([]);
      for (const [name, table] of live.tables) {
        expect(now.tables.get(name)?.checksum, name).to.equal(table.checksum);
        expect(now.tables.get(name)?.rows, name).to.equal(table.rows);
      }
      const view = appView(server, { user: "openemr", password: a.userPassword }, [
        ...live.tables.keys(),
      ]);
      expect(view.output).to.equal(liveView);
    }

    it("refuses a truncated gzip dump before changing anything", () => {
      const whole = zlib.gzipSync(Buffer.from(text, "latin1"));
      const file = path.join(dir, "truncated.sql.gz");
      fs.writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
      const r = host.run("restore.sh", ["--local", file, "--force"]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.contain(`${file}: not a whole gzip file; nothing changed\n`);
      expect(r.stdout).to.equal("");
      expectLiveAsBefore();
      expect(host.calls("systemctl")).to.deep.equal([]);
      expect(host.calls("docker").filter((c) => c.startsWith("exec"))).to.deep.equal([]);
      expect(preRestoreCopies()).to.deep.equal([]);
    });

    // both fail after the earlier tables are loaded (patient_data sorts late)
    const failing = {
      "an INSERT cut in half": (sql: string) =>
        sql.replace(/^INSERT INTO `patient_data` [^\n]*/m, (insert) =>
          insert.slice(0, insert.length / 2),
        ),
      "a statement on a missing table": (sql: string) =>
        sql.replace(/^INSERT INTO `patient_data` /m, "INSERT INTO `no_such_table` VALUES (1);\n$&"),
    };
    for (const [what, corrupt] of Object.entries(failing)) {
      it(`reloads the live database from its pre-restore copy when a dump with ${what} fails`, () => {
        const bad = corrupt(text);
        expect(bad).not.to.equal(text);
        const r = host.run("restore.sh", ["--local", dumpOf("failing.sql.gz", bad), "--force"]);
        expect(r.status).to.equal(1);
        const copies = preRestoreCopies();
        expect(copies).to.have.length(1);
        expect(r.stdout).to.equal(`pre-restore copy of the database: ${copies[0]}\n`);
        expect(r.stderr).to.match(/^ERROR \d+ \(\w+\) at line \d+/m);
        expect(r.stderr).to.contain(
          `the previous state is back (pre-restore copy: ${copies[0]}); OpenEMR started again\n`,
        );
        expectLiveAsBefore();
        expect(host.calls("systemctl")).to.deep.equal(["stop openemr-app", "start openemr-app"]);
        // the sites tree (sqlconf.php) is not touched by a load that failed
        expect(readSqlconf()).to.equal(sqlconf(a.userPassword));
      });
    }

    it("stops before changing anything when the pre-restore copy cannot be written", () => {
      // where the copy goes, a file: mkdir fails as a full or read-only disk would fail the copy
      fs.writeFileSync(path.join(host.dataDir, "backups"), "");
      const r = host.run("restore.sh", ["--local", dumpOf("good.sql.gz", text), "--force"]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.match(
        /cannot write the pre-restore copy \S+\/backups\/pre-restore-\d{8}T\d{6}Z\.sql\.gz; nothing changed\n$/,
      );
      expectLiveAsBefore();
      expect(host.calls("systemctl")).to.deep.equal(["stop openemr-app", "start openemr-app"]);
      expect(host.calls("docker").filter((c) => c.includes("mariadb -uroot")).length).to.equal(1);
    });

    it("restores a good dump with --force over the live stack, keeping the pre-restore copy", () => {
      const r = host.run("restore.sh", ["--local", dumpOf("good.sql.gz", text), "--force"]);
      expect(r.status, r.stderr).to.equal(0);
      const copies = preRestoreCopies();
      expect(copies).to.have.length(1);
      // the backup's state now: the work after it undone, and kept in the copy
      const now = databaseState(server);
      expect(compareDatabases(live, now)).to.deep.equal([
        `table patient_data: 1 row differs (id 1); CHECKSUM TABLE ${now.tables.get("patient_data")?.checksum}, want ${live.tables.get("patient_data")?.checksum}`,
      ]);
      expect(zlib.gunzipSync(fs.readFileSync(copies[0])).toString("latin1")).to.contain(
        "after the backup",
      );
      expect(host.calls("systemctl")).to.deep.equal(["stop openemr-app", "start openemr-app"]);
      // and the copy is a dump restore.sh takes back
      const back = host.run("restore.sh", ["--local", copies[0], "--force"]);
      expect(back.status, back.stderr).to.equal(0);
      expectLiveAsBefore();
    });

    // last: the live stack's database goes
    it("drops the partial database of a failed load when there was none before", () => {
      server.mustSql("DROP DATABASE openemr");
      const bad = failing["an INSERT cut in half"](text);
      const r = host.run("restore.sh", ["--local", dumpOf("failing.sql.gz", bad), "--force"]);
      expect(r.status).to.equal(1);
      expect(r.stdout).to.equal("");
      expect(r.stderr).to.contain(
        "the previous state is back (pre-restore copy: none, there was no database); OpenEMR started again\n",
      );
      expect(server.mustSql("SHOW DATABASES LIKE 'openemr'")).to.equal("");
      expect(preRestoreCopies()).to.deep.equal([]);
      expect(host.calls("systemctl")).to.deep.equal(["stop openemr-app", "start openemr-app"]);
    });
  });
});
