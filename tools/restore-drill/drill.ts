// The restore drill: stack A's data (database and site files), the backups the real backup.sh
// makes of it, a new stack B as its installer leaves it, the real restore.sh, and a comparison of
// what B ends up with against what A had. Shared by `npm run restore-drill` and tests/host.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { FakeHost, type StackSettings } from "./host";
import type { Credentials, MariaDbServer } from "./server";

/** As the stacks generate them: letters, digits and PASSWORD_SPECIALS (generated-password.ts). */
export function password(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~^!";
  const bytes = crypto.randomBytes(22);
  // a leading ~ would be expanded by a shell that sources the env file
  return `~!${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("")}`;
}

export function stackSettings(stack: string, mode: "s3" | "local"): StackSettings {
  return {
    stack,
    mode,
    bucket: `${stack}-backups`,
    rootPassword: password(),
    userPassword: password(),
    adminPassword: password(),
  };
}

/** A literal any byte string survives in: hex, as utf8mb4 text or as binary. */
function hexText(text: string): string {
  return `_utf8mb4 X'${Buffer.from(text, "utf8").toString("hex")}'`;
}
function hexBytes(bytes: Buffer): string {
  return `X'${bytes.toString("hex")}'`;
}

/** A single-quoted SQL (and PHP) string literal. */
export function quoted(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** The database server in the state an installed stack has: root and openemr with its passwords. */
function resetAccounts(server: MariaDbServer, s: StackSettings): void {
  server.mustSql(`
    ALTER USER root@localhost IDENTIFIED BY ${quoted(s.rootPassword)};
    DROP DATABASE IF EXISTS openemr;
    DROP DATABASE IF EXISTS other_app;
    DROP USER IF EXISTS openemr@'%';
    CREATE DATABASE openemr;
    CREATE USER openemr@'%' IDENTIFIED BY ${quoted(s.userPassword)};
    GRANT ALL PRIVILEGES ON openemr.* TO openemr@'%';
  `);
}

const PATIENTS = 150;

/** Stack A: an OpenEMR-like schema with rows, a BLOB column, utf8mb4 text, a view, a trigger, a
 * procedure and an event, owned by the openemr user as the installer leaves them. */
export function seedDatabaseA(server: MariaDbServer, s: StackSettings): void {
  resetAccounts(server, s);
  const rows: string[] = [];
  for (let i = 1; i <= PATIENTS; i++) {
    const photo = Buffer.concat([
      Buffer.from([0, 39, 92, 10, 13, 26, 255]),
      crypto.randomBytes(200 + i),
    ]);
    const notes = `Zoë 🩺 naïve 患者 #${i}: it's a "quote", a back\\slash,\ta tab and\na newline`;
    rows.push(
      `(${i}, 'P${1000 + i}', ${hexText(i % 7 === 0 ? "Łukasz" : `Fname${i}`)}, ${hexText(`Ünïcødé-${i} 😀`)}, '19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}', ${hexText(notes)}, ${hexBytes(photo)}, '2026-01-0${1 + (i % 9)} 10:00:00.${String(i).padStart(6, "0")}')`,
    );
  }
  server.mustSql(`
    USE openemr;
    CREATE TABLE patient_data (
      id INT PRIMARY KEY AUTO_INCREMENT, pubpid VARCHAR(255), fname VARCHAR(255), lname VARCHAR(255),
      DOB DATE, notes TEXT, photo MEDIUMBLOB, updated DATETIME(6)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    CREATE TABLE documents (
      id INT PRIMARY KEY AUTO_INCREMENT, foreign_id INT, url VARCHAR(255), mimetype VARCHAR(255),
      size INT, hash VARCHAR(128)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    CREATE TABLE globals (
      gl_name VARCHAR(63) NOT NULL, gl_index INT NOT NULL DEFAULT 0, gl_value VARCHAR(255),
      PRIMARY KEY (gl_name, gl_index)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    CREATE TABLE users_secure (id BIGINT PRIMARY KEY, username VARCHAR(255), password VARCHAR(255))
      ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    CREATE TABLE log (id BIGINT PRIMARY KEY AUTO_INCREMENT, event VARCHAR(255), comments LONGTEXT,
      date DATETIME) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    INSERT INTO patient_data VALUES ${rows.join(",\n")};
    INSERT INTO documents (foreign_id, url, mimetype, size, hash) VALUES
      (1, 'file:///var/www/localhost/htdocs/openemr/sites/default/documents/1/scan-0001.pdf', 'application/pdf', 65536, 'x'),
      (2, 'file:///var/www/localhost/htdocs/openemr/sites/default/documents/2/Zoë résumé.txt', 'text/plain', 40, 'y');
    INSERT INTO globals VALUES ('language_default', 0, 'English (Standard)'), ('gbl_time_zone', 0, 'America/New_York');
    INSERT INTO users_secure VALUES (1, 'admin', '$2y$10$stackAadminhashxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
    CREATE DEFINER=openemr@'%' VIEW patient_names AS
      SELECT id, CONCAT(fname, ' ', lname) AS name FROM patient_data;
    CREATE DEFINER=openemr@'%' TRIGGER documents_log AFTER INSERT ON documents FOR EACH ROW
      INSERT INTO log (event, comments, date) VALUES ('document', NEW.url, '2026-01-01 00:00:00');
    CREATE DEFINER=openemr@'%' PROCEDURE patient_count(OUT n INT) SELECT COUNT(*) INTO n FROM patient_data;
    CREATE DEFINER=openemr@'%' EVENT purge_log ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00'
      DISABLE DO DELETE FROM log WHERE date < '2000-01-01';
    -- not OpenEMR's: a restore must leave it out
    CREATE DATABASE other_app;
    CREATE TABLE other_app.settings (id INT PRIMARY KEY, v VARCHAR(20));
    INSERT INTO other_app.settings VALUES (1, 'stack A');
  `);
}

/** A change between the full and the incremental backup. */
export function changeDatabaseA(server: MariaDbServer): void {
  server.mustSql(`
    USE openemr;
    INSERT INTO documents (foreign_id, url, mimetype, size, hash) VALUES
      (3, 'file:///var/www/localhost/htdocs/openemr/sites/default/documents/3/new-upload.pdf', 'application/pdf', 4096, 'z');
    UPDATE patient_data SET notes = ${hexText("changed after the full backup ✓")} WHERE id = 5;
  `);
}

/** A new stack's database as its installer leaves it: its own passwords, its own (empty) site. */
export function installDatabaseB(server: MariaDbServer, s: StackSettings): void {
  resetAccounts(server, s);
  server.mustSql(`
    USE openemr;
    CREATE TABLE globals (gl_name VARCHAR(63) NOT NULL, gl_index INT NOT NULL DEFAULT 0,
      gl_value VARCHAR(255), PRIMARY KEY (gl_name, gl_index)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    CREATE TABLE users_secure (id BIGINT PRIMARY KEY, username VARCHAR(255), password VARCHAR(255))
      ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    CREATE TABLE patient_data (id INT PRIMARY KEY AUTO_INCREMENT, fname VARCHAR(255))
      ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    CREATE TABLE installer_only (id INT PRIMARY KEY) ENGINE=InnoDB;
    INSERT INTO globals VALUES ('language_default', 0, 'English (Standard)');
    INSERT INTO users_secure VALUES (1, 'admin', '$2y$10$stackBadminhash');
    INSERT INTO installer_only VALUES (1), (2);
  `);
}

export interface TableState {
  rows: number;
  checksum: string;
  /** sha256 of every row, sorted */
  content: string;
  definition: string;
}

export interface DatabaseState {
  tables: Map<string, TableState>;
  /** views, triggers, routines and events: name → definition hash */
  objects: Map<string, string>;
}

const sha256 = (text: string): string => crypto.createHash("sha256").update(text).digest("hex");

/** The openemr database, table by table: row count, CHECKSUM TABLE, every row and the DDL. */
export function databaseState(server: MariaDbServer): DatabaseState {
  // a handful of client runs, each row led by its table's or object's name
  const lines = (q: string): string[][] =>
    server
      .mustSql(q)
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("\t"));
  const names = lines(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'openemr' AND table_type = 'BASE TABLE' ORDER BY 1",
  ).map(([name]) => name);
  const tables = new Map<string, TableState>();
  if (names.length > 0) {
    const q = (name: string): string => `openemr.\`${name}\``;
    const counts = new Map(
      lines(names.map((n) => `SELECT '${n}', COUNT(*) FROM ${q(n)}`).join(" UNION ALL ")).map(
        ([n, c]) => [n, c],
      ),
    );
    const sums = new Map(
      lines(`CHECKSUM TABLE ${names.map(q).join(", ")} EXTENDED`).map(([n, c]) => [
        n.replace(/^openemr\./, ""),
        c,
      ]),
    );
    // batch mode escapes the DDL's newlines: one line per table
    const ddl = new Map(
      lines(names.map((n) => `SHOW CREATE TABLE ${q(n)};`).join("\n")).map(([n, d]) => [n, d]),
    );
    // bytes as latin1 (one character per byte), so that the BLOBs compare exactly
    const rows = new Map<string, string[]>(names.map((n) => [n, []]));
    const all = server.rawSql(names.map((n) => `SELECT '${n}', t.* FROM ${q(n)} t;`).join("\n"));
    for (const line of all.toString("latin1").split("\n").filter(Boolean)) {
      rows.get(line.slice(0, line.indexOf("\t")))?.push(line);
    }
    for (const name of names) {
      const content = (rows.get(name) ?? []).sort().join("\n");
      tables.set(name, {
        rows: Number(counts.get(name)),
        checksum: sums.get(name) ?? "",
        content: crypto.createHash("sha256").update(content, "latin1").digest("hex"),
        definition: sha256((ddl.get(name) ?? "").replace(/ AUTO_INCREMENT=\d+/, "")),
      });
    }
  }
  const objects = new Map<string, string>();
  for (const [kind, name, ...definition] of lines(`
    SELECT 'view', table_name, view_definition, definer, security_type
      FROM information_schema.views WHERE table_schema = 'openemr';
    SELECT 'trigger', trigger_name, event_object_table, action_timing, event_manipulation, action_statement, definer
      FROM information_schema.triggers WHERE trigger_schema = 'openemr';
    SELECT 'routine', routine_name, routine_type, routine_definition, definer
      FROM information_schema.routines WHERE routine_schema = 'openemr';
    SELECT 'event', event_name, event_definition, definer, status
      FROM information_schema.events WHERE event_schema = 'openemr';
  `)) {
    objects.set(`${kind} ${name}`, sha256(definition.join("\t")));
  }
  return { tables, objects };
}

/** Differences between two database states, one line each. */
export function compareDatabases(expected: DatabaseState, actual: DatabaseState): string[] {
  const out: string[] = [];
  for (const [name, want] of expected.tables) {
    const got = actual.tables.get(name);
    if (!got) out.push(`table ${name}: missing`);
    else {
      for (const key of ["rows", "checksum", "content", "definition"] as const) {
        if (want[key] !== got[key])
          out.push(`table ${name}: ${key} ${String(got[key])}, want ${String(want[key])}`);
      }
    }
  }
  for (const name of actual.tables.keys()) {
    if (!expected.tables.has(name)) out.push(`table ${name}: not in the backup`);
  }
  for (const [name, want] of expected.objects) {
    const got = actual.objects.get(name);
    if (got !== want) out.push(`${name}: ${got ? "differs" : "missing"}`);
  }
  for (const name of actual.objects.keys()) {
    if (!expected.objects.has(name)) out.push(`${name}: not in the backup`);
  }
  return out;
}

/** sqlconf.php as OpenEMR's installer writes it. */
export function sqlconf(pass: string): string {
  return [
    "<?php",
    "//  OpenEMR",
    "//  MySQL Config",
    "",
    "global $disable_utf8_flag;",
    "$disable_utf8_flag = false;",
    "",
    "$host\t= 'openemr-db';",
    "$port\t= '3306';",
    "$login\t= 'openemr';",
    `$pass\t= ${quoted(pass)};`,
    "$dbase\t= 'openemr';",
    "$db_encoding\t= 'utf8mb4';",
    "",
    "$sqlconf = array();",
    "global $sqlconf;",
    '$sqlconf["host"]= $host;',
    '$sqlconf["port"] = $port;',
    '$sqlconf["login"] = $login;',
    '$sqlconf["pass"] = $pass;',
    '$sqlconf["dbase"] = $dbase;',
    '$sqlconf["db_encoding"] = $db_encoding;',
    "",
    "//////////////////////////",
    "//////////////////////////",
    "//////////////////////////",
    "//////DO NOT TOUCH THIS///",
    "$config = 1; /////////////",
    "//////DO NOT TOUCH THIS///",
    "//////////////////////////",
    "//////////////////////////",
    "//////////////////////////",
    "?>",
    "",
  ].join("\n");
}

/** A's site files: documents, images, TLS material and Let's Encrypt's live/archive links. */
export function seedFilesA(host: FakeHost, s: StackSettings): void {
  const put = (volume: string, rel: string, content: string | Buffer, mode = 0o644): void => {
    const file = path.join(host.volume(volume), rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode });
    fs.chmodSync(file, mode);
  };
  put("openemr-sites", "default/sqlconf.php", sqlconf(s.userPassword));
  put("openemr-sites", "default/config.php", "<?php\n$GLOBALS['oer_config'] = array();\n");
  put("openemr-sites", "default/documents/1/scan-0001.pdf", crypto.randomBytes(65536));
  put("openemr-sites", "default/documents/1/scratch.tmp", "deleted before the incremental\n");
  put(
    "openemr-sites",
    "default/documents/2/Zoë résumé.txt",
    "Zoë's résumé, utf-8 name with a space\n",
  );
  put("openemr-sites", "default/images/logo.png", crypto.randomBytes(4096));
  fs.mkdirSync(
    path.join(host.volume("openemr-sites"), "default/documents/onsite_portal_documents"),
    {
      recursive: true,
    },
  );
  put("openemr-ssl", "certs/letsencrypt.cert.pem", "-----BEGIN CERTIFICATE-----\nA\n");
  put("openemr-ssl", "private/letsencrypt.key.pem", "-----BEGIN PRIVATE KEY-----\nA\n", 0o600);
  fs.symlinkSync(
    "letsencrypt.cert.pem",
    path.join(host.volume("openemr-ssl"), "certs/webserver.cert.pem"),
  );
  fs.symlinkSync(
    "letsencrypt.key.pem",
    path.join(host.volume("openemr-ssl"), "private/webserver.key.pem"),
  );
  put("openemr-letsencrypt", "archive/emr.example.org/fullchain1.pem", "chain A\n");
  fs.mkdirSync(path.join(host.volume("openemr-letsencrypt"), "live/emr.example.org"), {
    recursive: true,
  });
  fs.symlinkSync(
    "../../archive/emr.example.org/fullchain1.pem",
    path.join(host.volume("openemr-letsencrypt"), "live/emr.example.org/fullchain.pem"),
  );
}

/** A change between the full and the incremental backup: a new upload, a deleted file. */
export function changeFilesA(host: FakeHost): void {
  const sites = host.volume("openemr-sites");
  fs.mkdirSync(path.join(sites, "default/documents/3"), { recursive: true });
  fs.writeFileSync(
    path.join(sites, "default/documents/3/new-upload.pdf"),
    crypto.randomBytes(4096),
  );
  fs.rmSync(path.join(sites, "default/documents/1/scratch.tmp"));
}

/** B's site as its installer leaves it: its own sqlconf.php, certificate and a file A never had. */
export function installFilesB(host: FakeHost, s: StackSettings): void {
  const sites = host.volume("openemr-sites");
  fs.mkdirSync(path.join(sites, "default/documents/logs_and_misc"), { recursive: true });
  fs.writeFileSync(path.join(sites, "default/sqlconf.php"), sqlconf(s.userPassword));
  fs.writeFileSync(path.join(sites, "default/config.php"), "<?php\n// stack B\n");
  fs.writeFileSync(path.join(sites, "default/documents/logs_and_misc/installer.log"), "B only\n");
  fs.mkdirSync(path.join(host.volume("openemr-ssl"), "certs"), { recursive: true });
  fs.writeFileSync(
    path.join(host.volume("openemr-ssl"), "certs/webserver.cert.pem"),
    "self-signed B\n",
  );
}

/** A's sqlconf.php as it must be after a restore into B: only $pass changed. */
export function expectedSqlconf(fromA: string, passB: string): string {
  const [before, after] = fromA.split(/^\$pass\t= .*$/m);
  return `${before}$pass\t= ${quoted(passB)};${after}`;
}

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

/** Can these credentials read the restored data? */
export function canRead(server: MariaDbServer, creds: Credentials): Check {
  const r = server.sql(
    "SELECT COUNT(*) FROM openemr.patient_data; SELECT COUNT(*) FROM openemr.patient_names;",
    creds,
  );
  const want = `${PATIENTS}\n${PATIENTS}\n`;
  return {
    name: `${creds.user} reads the restored tables`,
    ok: r.status === 0 && r.stdout === want,
    detail: r.status === 0 ? `read ${JSON.stringify(r.stdout)}` : r.stderr.trim(),
  };
}

/** Can these credentials log in at all? */
export function canLogIn(server: MariaDbServer, creds: Credentials): boolean {
  return server.sql("SELECT 1", creds).status === 0;
}

/** The server's accounts (user, host, plugin, password hash), for "unchanged" comparisons. */
export function accounts(server: MariaDbServer): string {
  return server.mustSql(
    "SELECT user, host, JSON_VALUE(priv, '$.plugin'), JSON_VALUE(priv, '$.authentication_string') FROM mysql.global_priv ORDER BY 1, 2",
  );
}

export interface DrillResult {
  tables: number;
  rows: number;
  files: number;
  mismatches: string[];
}

export function summary(r: DrillResult): string {
  return `restore drill: restored ${r.tables} tables, ${r.rows} rows, ${r.files} files; mismatches ${r.mismatches.length}`;
}

/** What the s3 drill saw, for tests that look closer than the summary. */
export interface S3Drill extends DrillResult {
  a: StackSettings;
  b: StackSettings;
  /** A at its last backup */
  databaseA: DatabaseState;
  filesA: Map<string, string>;
  sqlconfA: string;
  week: string;
  stamps: string[];
  runs: Record<
    "full" | "incremental" | "list" | "restore" | "after",
    { status: number; stdout: string; stderr: string }
  >;
  beforeRestoreCalls: string[];
}

const waitForNextSecond = (): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, 1010 - (Date.now() % 1000)));

/**
 * express-plus, end to end: stack A backs up (full, then incremental after a change) to its bucket;
 * new stack B, installed with its own passwords, restores A's last set with --from-bucket; B's
 * data must equal A's, B's credentials must work and B's next backup must succeed.
 */
export async function s3Drill(server: MariaDbServer, host: FakeHost): Promise<S3Drill> {
  const mismatches: string[] = [];
  const expect = (ok: boolean, what: string): void => {
    if (!ok) mismatches.push(what);
  };
  const a = stackSettings("stack-a", "s3");
  host.wipe();
  host.configure(a);
  seedDatabaseA(server, a);
  seedFilesA(host, a);
  const full = host.run("backup.sh");
  expect(
    full.status === 0,
    `backup (full) exited ${full.status}: ${host.log("openemr-backup.log")}`,
  );
  await waitForNextSecond();
  changeDatabaseA(server);
  changeFilesA(host);
  const incremental = host.run("backup.sh");
  expect(
    incremental.status === 0,
    `backup (incremental) exited ${incremental.status}: ${host.log("openemr-backup.log")}`,
  );
  expect(
    host.metric("BackupSucceeded").join(",") === "1,1",
    `stack A BackupSucceeded ${host.metric("BackupSucceeded").join(",")}, want 1,1`,
  );
  const dbA = databaseState(server);
  const filesA = host.files();
  const sqlconfA = fs.readFileSync(
    path.join(host.volume("openemr-sites"), "default/sqlconf.php"),
    "utf8",
  );

  // the new stack: a fresh instance, its own passwords, buckets and installed site
  const b = stackSettings("stack-b", "s3");
  host.wipe();
  host.configure(b);
  installDatabaseB(server, b);
  installFilesB(host, b);
  const list = host.run("restore.sh", ["--list", "--from-bucket", a.bucket]);
  const keys = list.stdout.split("\n").filter(Boolean);
  const sets = [...new Set(keys.map((k) => k.split("/").slice(1, 3).join("/")))].sort();
  expect(list.status === 0 && sets.length >= 2, `--list found ${sets.length} sets: ${list.stderr}`);
  const [week, stamp] = (sets[sets.length - 1] ?? "/").split("/");
  const stamps = sets.map((set) => set.split("/")[1]);
  const beforeRestoreCalls = host.calls("systemctl");
  const restore = host.run("restore.sh", [week, stamp, "--from-bucket", a.bucket, "--force"]);
  expect(restore.status === 0, `restore exited ${restore.status}: ${restore.stderr}`);
  // a restart of the database container would load whatever the dump put into the grant tables
  server.mustSql("FLUSH PRIVILEGES");

  const dbB = databaseState(server);
  mismatches.push(...compareDatabases(dbA, dbB));
  const filesB = host.files();
  const confKey = "openemr-sites/default/sqlconf.php";
  for (const [key, want] of filesA) {
    if (key === confKey) continue;
    const got = filesB.get(key);
    if (got !== want) mismatches.push(`file ${key}: ${got ?? "missing"}, want ${want}`);
  }
  for (const key of filesB.keys()) {
    if (!filesA.has(key)) mismatches.push(`file ${key}: not in the backup`);
  }
  const sqlconfB = fs.readFileSync(
    path.join(host.volume("openemr-sites"), "default/sqlconf.php"),
    "utf8",
  );
  expect(
    sqlconfB === expectedSqlconf(sqlconfA, b.userPassword),
    "sqlconf.php does not carry B's password",
  );
  expect(
    host.calls("systemctl").slice(beforeRestoreCalls.length).join(",") ===
      "stop openemr-app,start openemr-app",
    `systemctl calls ${host.calls("systemctl").join(",")}`,
  );
  for (const check of [canRead(server, { user: "openemr", password: b.userPassword })]) {
    expect(check.ok, `${check.name}: ${check.detail ?? ""}`);
  }
  expect(
    canLogIn(server, { user: "root", password: b.rootPassword }),
    "root with B's password fails",
  );
  expect(
    !canLogIn(server, { user: "root", password: a.rootPassword }),
    "root still takes A's password",
  );
  expect(
    !canLogIn(server, { user: "openemr", password: a.userPassword }),
    "openemr still takes A's password",
  );
  const after = host.run("backup.sh");
  const metric = host.metric("BackupSucceeded");
  expect(
    after.status === 0 && metric[metric.length - 1] === 1,
    `backup after the restore: ${host.log("openemr-backup.log")}`,
  );

  const rows = [...dbB.tables.values()].reduce((n, t) => n + t.rows, 0);
  const files = [...filesB.values()].filter((v) => v.startsWith("file ")).length;
  return {
    tables: dbB.tables.size,
    rows,
    files,
    mismatches,
    a,
    b,
    databaseA: dbA,
    filesA,
    sqlconfA,
    week,
    stamps,
    runs: { full, incremental, list, restore, after },
    beforeRestoreCalls,
  };
}
