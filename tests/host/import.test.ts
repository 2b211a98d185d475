// openemr-import-fetch, openemr-import-apply (under dash and busybox sh) and openemr-import run for
// real: a set made by the express-plus backup.sh, a private MariaDB server, fake aws and docker.
import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Clinic } from "../../tools/restore-drill/clinic";
import { FakeHost, SCRIPTS_DIR, type StackSettings } from "../../tools/restore-drill/host";
import { MariaDbServer } from "../../tools/restore-drill/server";
import { canLogIn, stackAServer, stackSettings } from "../../tools/restore-drill/stack";
import {
  compareDatabases,
  compareFiles,
  type DatabaseState,
  databaseState,
  type FileState,
} from "../../tools/restore-drill/state";

const FETCH = path.join(SCRIPTS_DIR, "import-fetch.sh");
const APPLY = path.join(SCRIPTS_DIR, "import-apply.sh");
const CA = "openemr-sites/default/documents/certificates/mysql-ca";
interface Manifest {
  openemr: Record<string, unknown>;
  database: { server: string };
  trees: { sites: string };
  files: { key: string }[];
}

const SKIP = ["openemr-sites/default/sqlconf.php", "openemr-sites/.openemr-import.done", CA];

describe("host scripts: openemr-import against MariaDB", function () {
  this.timeout(120000);
  let dir: string;
  let server: MariaDbServer;
  let host: FakeHost;
  let a: StackSettings;
  let wantDb: DatabaseState;
  let wantFiles: FileState;
  let staging: string;
  const newPass = `n3w'pa\\ss~!`;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-host-"));
    server = await MariaDbServer.start();
    host = new FakeHost(path.join(dir, "host"), server);
    a = stackSettings("stack-a", "s3");
    host.configure(a);
    stackAServer(server, a);
    const clinic = new Clinic(server, host);
    clinic.seed("2026-03-02", a.userPassword);
    const ca = path.join(host.volume("openemr-sites"), "default/documents/certificates/mysql-ca");
    fs.mkdirSync(path.dirname(ca), { recursive: true });
    fs.writeFileSync(ca, "old stack's CA\n");
    host.now = "2026-03-02T05:00:00Z";
    expect(host.run("backup.sh").status, host.log("openemr-backup.log")).to.equal(0);
    clinic.change(2, "2026-03-03");
    host.now = "2026-03-03T05:00:00Z";
    expect(host.run("backup.sh").status, host.log("openemr-backup.log")).to.equal(0);
    wantDb = databaseState(server);
    wantFiles = host.files();
    staging = path.join(dir, "staging");
  });

  after(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const fetch = (url: string, to = staging) => host.run(FETCH, [url, to]);
  const bucket = () => host.bucketDir(a.bucket);

  /** A copy of stack A's bucket under another name, changed by `change`. */
  function badBucket(name: string, change: (root: string) => void): string {
    const root = host.bucketDir(name);
    fs.rmSync(root, { recursive: true, force: true });
    fs.cpSync(bucket(), root, { recursive: true });
    change(path.join(root, "openemr/2026-W10"));
    return name;
  }

  describe("openemr-import-fetch", () => {
    it("downloads the newest manifest under the prefix and its files, checked, with the plan in order", () => {
      const r = fetch(`s3://${a.bucket}/openemr`);
      expect(r.status, r.stderr).to.equal(0);
      expect(fs.readFileSync(path.join(staging, "source"), "utf8")).to.equal(
        `s3://${a.bucket}/openemr/2026-W10/20260303T050000Z/manifest.json\n`,
      );
      expect(fs.readFileSync(path.join(staging, "plan"), "utf8")).to.equal(
        "files files/1-files-full.tar.gz\nfiles files/2-files-incremental.tar.gz\ndatabase files/3-database.sql.gz\n",
      );
      const manifest = JSON.parse(
        fs.readFileSync(path.join(staging, "manifest.json"), "utf8"),
      ) as Manifest;
      expect(manifest.openemr).to.deep.equal({ version: "7.0.3", dockerVersion: 6 });
      expect(manifest.files.map((f) => f.key)).to.deep.equal([
        "../20260302T050000Z/files-full.tar.gz",
        "files-incremental.tar.gz",
        "database.sql.gz",
      ]);
      expect(manifest.trees.sites).to.equal(host.volume("openemr-sites").slice(1));
      expect(manifest.database.server).to.match(/MariaDB/);
    });

    const refusals: [string, (root: string) => void, RegExp][] = [
      [
        "a file whose sha256 differs",
        (root) => {
          const f = path.join(root, "20260302T050000Z/files-full.tar.gz");
          const b = fs.readFileSync(f);
          b[100] ^= 0xff;
          fs.writeFileSync(f, b);
        },
        /^openemr-import: s3:\/\/bad\/openemr\/2026-W10\/20260302T050000Z\/files-full\.tar\.gz: sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}$/,
      ],
      [
        "a file of another size",
        (root) => fs.appendFileSync(path.join(root, "20260303T050000Z/database.sql.gz"), "x"),
        /database\.sql\.gz: \d+ bytes, the manifest says \d+$/,
      ],
      [
        "a formatVersion it does not know",
        (root) => {
          const f = path.join(root, "20260303T050000Z/manifest.json");
          fs.writeFileSync(
            f,
            fs.readFileSync(f, "utf8").replace('"formatVersion": 1', '"formatVersion": 2'),
          );
        },
        /formatVersion 2 is not supported \(this importer reads 1\)$/,
      ],
      [
        "a key outside the prefix",
        (root) => {
          const f = path.join(root, "20260303T050000Z/manifest.json");
          fs.writeFileSync(
            f,
            fs
              .readFileSync(f, "utf8")
              .replace('"database.sql.gz"', '"../../../other/database.sql.gz"'),
          );
        },
        /^openemr-import: \.\.\/\.\.\/\.\.\/other\/database\.sql\.gz: outside s3:\/\/bad\/openemr\/$/,
      ],
    ];
    for (const [what, change, message] of refusals) {
      it(`refuses ${what}: exit 1, no plan`, () => {
        const name = badBucket("bad", change);
        const r = fetch(`s3://${name}/openemr/`, path.join(dir, "bad-staging"));
        expect(r.status).to.equal(1);
        expect(r.stderr.trim().split("\n").pop()).to.match(message);
        expect(fs.existsSync(path.join(dir, "bad-staging/plan"))).to.equal(false);
      });
    }

    it("refuses a set whose chain starts above the prefix (a stamp's folder alone)", () => {
      const r = fetch(`s3://${a.bucket}/openemr/2026-W10/20260303T050000Z`, path.join(dir, "s2"));
      expect(r.status).to.equal(1);
      expect(r.stderr).to.equal(
        "openemr-import: ../20260302T050000Z/files-full.tar.gz: outside s3://stack-a-backups/openemr/2026-W10/20260303T050000Z/\n",
      );
    });

    it("says so when there is no manifest under the prefix", () => {
      const r = fetch(`s3://${a.bucket}/openemr/1999-W01/`, path.join(dir, "s3"));
      expect(r.status).to.equal(1);
      expect(r.stderr).to.equal(
        "openemr-import: no manifest.json under s3://stack-a-backups/openemr/1999-W01/\n",
      );
    });

    for (const args of [[], ["s3://b/p"], ["/local/path", "x"], ["s3://", "x"]]) {
      it(`prints its usage and exits 2 for: ${args.join(" ") || "(nothing)"}`, () => {
        const r = host.run(FETCH, args);
        expect(r.status).to.equal(2);
        expect(r.stderr).to.equal(
          "Usage: openemr-import-fetch <s3://bucket/prefix> <staging dir>\n",
        );
      });
    }
  });

  describe("openemr-import-apply", () => {
    before(() => {
      expect(fetch(`s3://${a.bucket}/openemr/`).status).to.equal(0);
    });

    /** A new stack's empty server and sites tree. */
    function fresh(): void {
      server.mustSql(
        "DROP DATABASE IF EXISTS openemr; DROP DATABASE IF EXISTS other_app; DROP USER IF EXISTS openemr@'%';",
      );
      host.wipe();
      fs.writeFileSync(path.join(host.dir, "ca.pem"), "new CA\n");
    }

    function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
      return {
        PATH: `${host.dir}/image-bin:${host.bin}:${process.env.PATH ?? ""}`,
        FAKE_HOST: host.dir,
        OPENEMR_ETC: host.etc,
        SITES_DIR: host.volume("openemr-sites"),
        SSL_DIR: host.volume("openemr-ssl"),
        LETSENCRYPT_DIR: host.volume("openemr-letsencrypt"),
        OPENEMR_VERSION: "8.0.0",
        MYSQL_HOST: "db.example.internal",
        MYSQL_ROOT_PASS: a.rootPassword,
        MYSQL_USER: "openemr",
        MYSQL_PASS: newPass,
        MYSQL_CA: path.join(host.dir, "ca.pem"),
        ...extra,
      };
    }

    /** A copy of the staging directory with its manifest changed. */
    function stagingWith(change: (m: Record<string, Record<string, unknown>>) => void): string {
      const copy = path.join(dir, "staging-changed");
      fs.rmSync(copy, { recursive: true, force: true });
      fs.cpSync(staging, copy, { recursive: true });
      const file = path.join(copy, "manifest.json");
      const m = JSON.parse(fs.readFileSync(file, "utf8")) as Record<
        string,
        Record<string, unknown>
      >;
      change(m);
      fs.writeFileSync(file, JSON.stringify(m));
      return copy;
    }

    for (const shell of [["dash"], ["busybox", "sh"]]) {
      const name = shell.join(" ");
      const apply = (from: string, extra: Record<string, string> = {}) =>
        spawnSync(shell[0], [...shell.slice(1), APPLY, from], {
          encoding: "utf8",
          env: env(extra),
        });

      describe(`under ${name}`, () => {
        it("imports: every table and file as backed up, the new credentials, no old CA, a second run does nothing", () => {
          fresh();
          const r = apply(staging);
          expect(r.status, r.stderr).to.equal(0);
          expect(r.stdout.trim().split("\n").pop()).to.equal(
            `openemr-import: SUCCEEDED s3://${a.bucket}/openemr/2026-W10/20260303T050000Z/manifest.json`,
          );
          server.mustSql("FLUSH PRIVILEGES");
          const db = databaseState(server);
          expect(compareDatabases(wantDb, db)).to.deep.equal([]);
          expect(compareFiles(wantFiles, host.files(), SKIP)).to.deep.equal([]);
          expect(host.files().has(CA)).to.equal(false);
          expect(canLogIn(server, { user: "openemr", password: newPass })).to.equal(true);
          expect(canLogIn(server, { user: "openemr", password: a.userPassword })).to.equal(false);
          const conf = fs.readFileSync(
            path.join(host.volume("openemr-sites"), "default/sqlconf.php"),
            "utf8",
          );
          expect(conf).to.contain("$host\t= 'db.example.internal';");
          expect(conf).to.contain(`$pass\t= 'n3w\\'pa\\\\ss~!';`);
          expect(
            host.calls("mariadb").every((c) => c.includes("--ssl-verify-server-cert")),
          ).to.equal(true);
          const again = apply(staging);
          expect(again.status).to.equal(0);
          expect(again.stdout).to.match(/SUCCEEDED .*: already imported/);
          expect(compareDatabases(db, databaseState(server))).to.deep.equal([]);
        });

        it("refuses a set newer than the stack's OpenEMR, and one older than 5.0.1, touching nothing", () => {
          fresh();
          const newer = apply(staging, { OPENEMR_VERSION: "7.0.2" });
          expect(newer.status).to.equal(1);
          expect(newer.stderr).to.equal(
            "openemr-import: FAILED the set is from OpenEMR 7.0.3, newer than this stack's 7.0.2: deploy 7.0.3 or later\n",
          );
          const old = apply(stagingWith((m) => (m.openemr.version = "5.0.0")));
          expect(old.status).to.equal(1);
          expect(old.stderr).to.contain("older than 5.0.1");
          expect(server.mustSql("SHOW DATABASES LIKE 'openemr'")).to.equal("");
          expect(fs.readdirSync(host.volume("openemr-sites"))).to.deep.equal([]);
        });

        it("refuses a configured site and a database with tables", () => {
          fresh();
          const conf = path.join(host.volume("openemr-sites"), "default/sqlconf.php");
          fs.mkdirSync(path.dirname(conf), { recursive: true });
          fs.writeFileSync(conf, "<?php\n$config = 1; /////\n");
          const site = apply(staging);
          expect(site.status).to.equal(1);
          expect(site.stderr).to.match(
            /FAILED refuses to import over a site that already has data: .*\$config = 1/,
          );
          fresh();
          server.mustSql("CREATE DATABASE openemr; CREATE TABLE openemr.t (id INT);");
          const db = apply(staging);
          expect(db.status).to.equal(1);
          expect(db.stderr).to.equal(
            "openemr-import: FAILED refuses to import over a site that already has data: the openemr database has 1 tables\n",
          );
        });
      });

      it(`under ${name}: an older set without dockerVersion gets the image's count (6.1.0 → 3, 7.0.2 → 6)`, () => {
        for (const [version, count] of [
          ["6.1.0", "3"],
          ["7.0.2", "6"],
        ]) {
          fresh();
          const r = apply(
            stagingWith((m) => {
              m.openemr.version = version;
              m.openemr.dockerVersion = null;
            }),
          );
          expect(r.status, r.stderr).to.equal(0);
          expect(
            fs.readFileSync(
              path.join(host.volume("openemr-sites"), "default/docker-version"),
              "utf8",
            ),
          ).to.equal(count);
        }
      });
    }

    it("through DB_CLIENT (express: docker exec into openemr-db) as well", () => {
      fresh();
      const r = spawnSync("dash", [APPLY, staging], {
        encoding: "utf8",
        env: env({
          MYSQL_HOST: "openemr-db",
          MYSQL_ROOT_PASS: "",
          DB_CLIENT: `docker exec -i openemr-db sh -c 'exec mariadb -uroot -p"$MARIADB_ROOT_PASSWORD"'`,
        }),
      });
      expect(r.status, r.stderr).to.equal(0);
      expect(compareDatabases(wantDb, databaseState(server))).to.deep.equal([]);
      expect(host.calls("mariadb")).to.deep.equal([]);
    });

    it("waits while another task holds the lock, and exits 0 once that one's done marker appears", async () => {
      fresh();
      const sites = host.volume("openemr-sites");
      fs.mkdirSync(path.join(sites, ".openemr-import.lock"));
      const child = spawn("busybox", ["sh", APPLY, staging], {
        env: env({ OPENEMR_IMPORT_POLL_SECONDS: "1", OPENEMR_IMPORT_WAIT_SECONDS: "20" }),
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const code = new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? -1)));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(child.exitCode).to.equal(null);
      fs.writeFileSync(path.join(sites, ".openemr-import.done"), "abc\n");
      expect(await code).to.equal(0);
      expect(out).to.contain("already imported (manifest sha256 abc)");
      expect(server.mustSql("SHOW DATABASES LIKE 'openemr'")).to.equal("");
    });

    it("exits 2 naming a missing setting", () => {
      const r = spawnSync("dash", [APPLY, staging], {
        encoding: "utf8",
        env: env({ OPENEMR_VERSION: "" }),
      });
      expect(r.status).to.equal(2);
      expect(r.stderr).to.equal("openemr-import: OPENEMR_VERSION is not set\n");
    });
  });

  describe("openemr-import (express host)", () => {
    const scripts = {
      OPENEMR_IMPORT_FETCH: FETCH,
      OPENEMR_IMPORT_APPLY: APPLY,
    };

    function newStack(restoreFrom: string): StackSettings {
      server.mustSql("DROP DATABASE IF EXISTS openemr; DROP USER IF EXISTS openemr@'%';");
      host.wipe();
      const s = { ...stackSettings("stack-e", "s3"), restoreFrom, rootPassword: a.rootPassword };
      host.configure(s);
      return s;
    }

    it("reports ImportSucceeded 1 after an import", () => {
      const s = newStack(`s3://${a.bucket}/openemr/2026-W10/`);
      const r = host.run("import.sh", [], scripts);
      expect(r.status, host.log("openemr-import.log")).to.equal(0);
      expect(host.metric("ImportSucceeded")).to.deep.equal([1]);
      expect(canLogIn(server, { user: "openemr", password: s.userPassword })).to.equal(true);
      expect(compareDatabases(wantDb, databaseState(server))).to.deep.equal([]);
    });

    it("reports ImportSucceeded 0 when the set cannot be fetched, and exits 1", () => {
      newStack(`s3://${a.bucket}/nothing-here/`);
      const r = host.run("import.sh", [], scripts);
      expect(r.status).to.equal(1);
      expect(host.metric("ImportSucceeded")).to.deep.equal([0]);
      expect(host.log("openemr-import.log")).to.contain(
        "no manifest.json under s3://stack-a-backups/nothing-here/",
      );
    });
  });
});

describe("host scripts: the import's MariaDB-to-MySQL rewrites", () => {
  /** import-apply.sh's filter function alone, run on sample lines. */
  function filter(lines: string, uca: string): string {
    const source = fs.readFileSync(APPLY, "utf8");
    const m = /^filter\(\) \{\n[\s\S]*?\n\}\n/m.exec(source);
    if (!m) throw new Error("import-apply.sh has no filter()");
    const r = spawnSync("dash", ["-c", `${m[0]}filter "$1" openemr`, "filter", uca], {
      input: lines,
      encoding: "utf8",
    });
    expect(r.status, r.stderr).to.equal(0);
    return r.stdout;
  }

  const sample = [
    "/*M!999999\\- enable the sandbox mode */ ",
    "/*M!999999\\- enable the sandbox mode */",
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;",
    "  `name` varchar(255) COLLATE utf8mb4_uca1400_as_cs DEFAULT NULL,",
    "INSERT INTO `notes` VALUES (1,'utf8mb4_uca1400_ai_ci DEFINER=`x`@`y`');",
    "/*!50003 CREATE*/ /*!50017 DEFINER=`old`@`localhost`*/ /*!50003 TRIGGER t AFTER INSERT ON d */;",
    "",
  ].join("\n");

  it("for a server without the uca1400 collations: no sandbox line, general_ci, definers the app user's, data untouched", () => {
    expect(filter(sample, "0")).to.equal(
      [
        "/*M!999999\\- enable the sandbox mode */ ",
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;",
        "  `name` varchar(255) COLLATE utf8mb4_general_ci DEFAULT NULL,",
        "INSERT INTO `notes` VALUES (1,'utf8mb4_uca1400_ai_ci DEFINER=`x`@`y`');",
        "/*!50003 CREATE*/ /*!50017 DEFINER=`openemr`@`%`*/ /*!50003 TRIGGER t AFTER INSERT ON d */;",
        "",
      ].join("\n"),
    );
  });

  it("for a server that has them: the collations kept", () => {
    const out = filter(sample, "3");
    expect(out).to.contain("COLLATE=utf8mb4_uca1400_ai_ci;");
    expect(out).not.to.contain("enable the sandbox mode */\n");
    expect(out).to.contain("DEFINER=`openemr`@`%`");
  });
});

describe("host scripts: bootstrap.sh with openemr:restoreFrom", () => {
  const text = fs.readFileSync(path.join(SCRIPTS_DIR, "bootstrap.sh"), "utf8");
  const at = (line: string): number => {
    const i = text.indexOf(line);
    expect(i, line).to.be.above(-1);
    return i;
  };

  it("imports after the database answers and before OpenEMR first starts; a failure leaves openemr-app stopped and exits 1", () => {
    const db = at("systemctl enable --now openemr-db.service");
    const ping = at(`-e "SELECT 1"' >/dev/null 2>&1 && break`);
    const run = at("/usr/local/sbin/openemr-import || import_failed=true");
    const keep = at('[ "${service}" = openemr-app.service ] || rest+=("${service}")');
    const start = at('systemctl enable --now "${services[@]}"');
    const fail = at('openemr-app not started"\n  exit 1\nfi');
    expect([db, ping, run, keep, start, fail]).to.deep.equal(
      [db, ping, run, keep, start, fail].sort((x, y) => x - y),
    );
    expect(text).to.match(
      /if \[ -n "\$\{RESTORE_FROM:-\}" \] &&\n {2}\[ ! -f .*\/\.openemr-import\.done" \]; then/,
    );
  });
});
