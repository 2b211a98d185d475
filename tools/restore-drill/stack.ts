// The stacks of the drill: their generated passwords, their database servers as a new stack leaves
// them (empty, or with OpenEMR's installer run), OpenEMR's sqlconf.php, and what their credentials
// can do.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { FakeHost, StackSettings } from "./host";
import type { Credentials, MariaDbServer } from "./server";
import { quoted } from "./sql";

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

/** A new stack's server before OpenEMR's installer ran: root with the stack's password, no more. */
export function emptyServer(server: MariaDbServer, s: StackSettings): void {
  server.mustSql(`ALTER USER root@localhost IDENTIFIED BY ${quoted(s.rootPassword)};`);
}

/** The server as OpenEMR's installer leaves it: the openemr database and user, with its password. */
export function installedServer(server: MariaDbServer, s: StackSettings): void {
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

/** Stack A's server: installed, and a database that is not OpenEMR's (a restore leaves it out). */
export function stackAServer(server: MariaDbServer, s: StackSettings): void {
  installedServer(server, s);
  server.mustSql(`
    CREATE DATABASE other_app;
    CREATE TABLE other_app.settings (id INT PRIMARY KEY, v VARCHAR(20));
    INSERT INTO other_app.settings VALUES (1, 'stack A');
  `);
}

/** A new stack as its installer leaves it: its own (small) OpenEMR database and site. */
export function installStack(server: MariaDbServer, host: FakeHost, s: StackSettings): void {
  installedServer(server, s);
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
    INSERT INTO users_secure VALUES (1, 'admin', '$2y$10$newstackadminhash');
    INSERT INTO installer_only VALUES (1), (2);
  `);
  const sites = host.volume("openemr-sites");
  fs.mkdirSync(path.join(sites, "default/documents/logs_and_misc"), { recursive: true });
  fs.writeFileSync(path.join(sites, "default/sqlconf.php"), sqlconf(s.userPassword));
  fs.writeFileSync(path.join(sites, "default/config.php"), "<?php\n// new stack\n");
  fs.writeFileSync(path.join(sites, "default/documents/logs_and_misc/installer.log"), "new only\n");
  fs.mkdirSync(path.join(host.volume("openemr-ssl"), "certs"), { recursive: true });
  fs.writeFileSync(
    path.join(host.volume("openemr-ssl"), "certs/webserver.cert.pem"),
    "self-signed\n",
  );
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

/** The old stack's sqlconf.php as it must be after a restore into a new one: only $pass changed. */
export function expectedSqlconf(old: string, newPassword: string): string {
  const [before, after] = old.split(/^\$pass\t= .*$/m);
  return `${before}$pass\t= ${quoted(newPassword)};${after}`;
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

/**
 * What OpenEMR's database user sees: every table's row count, the view, the procedure and the
 * function (run with their definer, openemr@'%', which must exist). Run on the old stack at a
 * backup and on the new one after the restore, each with its own password: the outputs must match.
 */
export function appView(
  server: MariaDbServer,
  creds: Credentials,
  tables: readonly string[],
): { ok: boolean; output: string } {
  const counts = tables.map((t) => `SELECT '${t}', COUNT(*) FROM openemr.\`${t}\`;`).join("\n");
  const r = server.sql(
    `${counts}
     SELECT 'patient_names', COUNT(*) FROM openemr.patient_names;
     CALL openemr.patient_count(@n);
     SELECT 'patient_count()', @n;
     SELECT 'patient_age()', SUM(COALESCE(openemr.patient_age(pid, '2026-01-01'), -1)) FROM openemr.patient_data;`,
    creds,
  );
  // the client's error is its last line
  const error = r.stderr.trim().split("\n").pop() ?? "";
  return r.status === 0 ? { ok: true, output: r.stdout } : { ok: false, output: error };
}
