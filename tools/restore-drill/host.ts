// A stand-in for the express instance, in a temporary directory: deploy.env and the secrets (the
// scripts read them from OPENEMR_ETC), the data directory, one directory per Docker volume, a local
// directory for S3, fake docker, systemctl and aws commands first on PATH that record their calls,
// and a fake date that gives the drill's day. `docker exec openemr-db sh -c ...` runs the command on this machine against the
// private MariaDB server attached, with MARIADB_ROOT_PASSWORD from db.env as the container would
// have it. A new instance is the same directory wiped: every instance mounts its volumes at the same
// paths (Docker's /var/lib/docker/volumes/<name>/_data), which the archives record.
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { MariaDbServer } from "./server";

export const ROOT = path.resolve(__dirname, "../..");
export const SCRIPTS_DIR = path.join(ROOT, "components/compute/scripts");
/** The volumes the backup archives (bootstrap.sh also creates openemr-logs and openemr-db). */
export const VOLUMES = ["openemr-sites", "openemr-ssl", "openemr-letsencrypt"] as const;

export interface StackSettings {
  stack: string;
  mode: "s3" | "local";
  bucket: string;
  rootPassword: string;
  userPassword: string;
  adminPassword: string;
  domain?: string;
  /** a standard host: the database at DB_HOST (RDS), its master user in app.env, the RDS CA in etc */
  dbHost?: string;
  /** the master user's name with dbHost (RDS's default: admin) */
  rootUser?: string;
  /** deploy.env RESTORE_FROM (openemr:restoreFrom) */
  restoreFrom?: string;
  /** deploy.env OPENEMR_VERSION (default 8.0.0) */
  openemrVersion?: string;
  /** deploy.env LOCAL_BACKUP_DAYS (default 7, the express tier's) */
  localBackupDays?: string;
}

export interface ScriptRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Single-quoted for sh. */
function sh(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The fake commands, shell scripts beside this file. */
const FAKE_DIR = path.join(__dirname, "fake");

export class FakeHost {
  readonly etc: string;
  readonly logDir: string;
  readonly dataDir: string;
  readonly bin: string;
  /** Where run() finds the scripts: components/compute/scripts unless a drill swaps them. */
  scriptsDir = SCRIPTS_DIR;
  /** The clock the scripts see (fake date's FAKE_NOW, anything `date -d` reads); unset: the real one. */
  now?: string;
  private settings?: StackSettings;

  constructor(
    readonly dir: string,
    server?: MariaDbServer,
  ) {
    this.etc = path.join(dir, "etc");
    this.logDir = path.join(dir, "log");
    this.dataDir = path.join(dir, "data");
    this.bin = path.join(dir, "bin");
    fs.mkdirSync(dir, { recursive: true });
    this.writeCommands();
    if (server) this.attach(server);
    this.wipe();
  }

  private writeCommands(): void {
    fs.mkdirSync(this.bin, { recursive: true });
    for (const name of ["docker", "systemctl", "aws", "date"]) {
      fs.copyFileSync(path.join(FAKE_DIR, `${name}.sh`), path.join(this.bin, name));
      fs.chmodSync(path.join(this.bin, name), 0o755);
    }
  }

  /** The database server the openemr-db container runs from now on (a new instance's, say). */
  attach(server: MariaDbServer): void {
    // what `mariadb` and `mariadb-dump` are inside the database container
    const dbBin = path.join(this.dir, "db-bin");
    fs.mkdirSync(dbBin, { recursive: true });
    for (const [name, real] of [
      ["mariadb", server.bin.client],
      ["mariadb-dump", server.bin.dump],
    ]) {
      fs.writeFileSync(
        path.join(dbBin, name),
        `#!/bin/sh\nexec ${sh(real)} --no-defaults --socket=${sh(server.socket)} "$@"\n`,
        { mode: 0o755 },
      );
    }
    // the OpenEMR image's client (`docker run ... sh <script>`): the host, port and TLS options it
    // is given recorded in calls/mariadb, then the attached server's socket
    const imageBin = path.join(this.dir, "image-bin");
    fs.mkdirSync(imageBin, { recursive: true });
    fs.writeFileSync(
      path.join(imageBin, "mariadb"),
      [
        "#!/bin/bash",
        "set -euo pipefail",
        "# the client takes its default host from MYSQL_HOST (app.env): the socket instead",
        "unset MYSQL_HOST",
        "args=() seen=()",
        "while [ $# -gt 0 ]; do",
        "  case $1 in",
        '    -h | -P) seen+=("$1$2"); shift 2 ;;',
        '    -h* | -P* | --host=* | --port=* | --ssl-verify-server-cert) seen+=("$1"); shift ;;',
        '    --ssl-ca=*) [ -s "${1#--ssl-ca=}" ] || { echo "fake mariadb: no CA ${1#--ssl-ca=}" >&2; exit 1; }; seen+=("$1"); shift ;;',
        '    *) args+=("$1"); shift ;;',
        "  esac",
        "done",
        `printf '%s\\n' "\${seen[*]}" >>"\${FAKE_HOST}/calls/mariadb"`,
        `exec ${sh(server.bin.client)} --no-defaults --socket=${sh(server.socket)} "\${args[@]}"`,
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
  }

  /** A fresh instance: empty data directory, volumes, logs and call records. S3 is kept. */
  wipe(): void {
    for (const sub of ["data", "log", "calls", "state", "volumes"]) {
      fs.rmSync(path.join(this.dir, sub), { recursive: true, force: true });
      fs.mkdirSync(path.join(this.dir, sub), { recursive: true });
    }
    for (const volume of VOLUMES) fs.mkdirSync(this.volume(volume), { recursive: true });
    fs.mkdirSync(path.join(this.dir, "s3"), { recursive: true });
  }

  volume(name: string): string {
    return path.join(this.dir, "volumes", name);
  }

  bucketDir(bucket: string): string {
    return path.join(this.dir, "s3", bucket);
  }

  /** Writes deploy.env and the secrets as bootstrap.sh would, and creates the stack's bucket. */
  configure(s: StackSettings): void {
    this.settings = s;
    fs.mkdirSync(path.join(this.etc, "secrets"), { recursive: true });
    const env: Record<string, string> = {
      STACK: s.stack,
      REGION: "us-east-1",
      DATA_DIR: this.dataDir,
      DATA_DEVICE: "",
      BACKUP_MODE: s.mode,
      BACKUP_BUCKET: s.mode === "s3" ? s.bucket : "",
      KMS_KEY_ARN: s.mode === "s3" ? `arn:aws:kms:us-east-1:111122223333:key/${s.stack}` : "",
      LOCAL_BACKUP_DAYS: s.localBackupDays ?? "7",
      DOMAIN: s.domain ?? "",
      ACME_EMAIL: "",
      CERTBOT_IMAGE: "certbot/dns-route53:v3.0.1",
      OPENEMR_IMAGE: `openemr/openemr:${s.openemrVersion ?? "8.0.0"}`,
      OPENEMR_VERSION: s.openemrVersion ?? "8.0.0",
      RESTORE_FROM: s.restoreFrom ?? "",
      ...(s.dbHost === undefined ? {} : { DB_HOST: s.dbHost }),
    };
    fs.writeFileSync(
      path.join(this.etc, "deploy.env"),
      Object.entries(env)
        .map(([k, v]) => `${k}='${v}'\n`)
        .join(""),
    );
    fs.writeFileSync(
      path.join(this.etc, "secrets/db.env"),
      `MARIADB_ROOT_PASSWORD=${s.rootPassword}\n`,
      { mode: 0o600 },
    );
    const root =
      s.dbHost === undefined
        ? `MYSQL_HOST=openemr-db\nMYSQL_ROOT_PASS=${s.rootPassword}\n`
        : `MYSQL_HOST=${s.dbHost}\nMYSQL_ROOT_USER=${s.rootUser ?? "admin"}\nMYSQL_ROOT_PASS=${s.rootPassword}\n`;
    fs.writeFileSync(
      path.join(this.etc, "secrets/app.env"),
      `${root}MYSQL_USER=openemr\nMYSQL_PASS=${s.userPassword}\nOE_USER=admin\nOE_PASS=${s.adminPassword}\n`,
      { mode: 0o600 },
    );
    if (s.dbHost !== undefined) {
      fs.writeFileSync(path.join(this.etc, "rds-ca.pem"), "-----BEGIN CERTIFICATE-----\nRDS\n");
    }
    if (s.mode === "s3") fs.mkdirSync(this.bucketDir(s.bucket), { recursive: true });
  }

  get stack(): StackSettings {
    if (!this.settings) throw new Error("host not configured");
    return this.settings;
  }

  /** Runs a script (by default one of components/compute/scripts) as the timer or an operator would. */
  run(script: string, args: string[] = [], extraEnv: Record<string, string> = {}): ScriptRun {
    const file = path.isAbsolute(script) ? script : path.join(this.scriptsDir, script);
    const r = spawnSync("bash", [file, ...args], {
      encoding: "utf8",
      timeout: 60000,
      env: {
        PATH: `${this.bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
        HOME: process.env.HOME ?? this.dir,
        LANG: "C.UTF-8",
        TMPDIR: path.join(this.dir, "state"),
        OPENEMR_ETC: this.etc,
        OPENEMR_LOG_DIR: this.logDir,
        FAKE_HOST: this.dir,
        ...(this.now === undefined ? {} : { FAKE_NOW: this.now }),
        ...extraEnv,
      },
    });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** The recorded calls of a fake command, one per line. */
  calls(command: "docker" | "systemctl" | "aws" | "mariadb" | "images"): string[] {
    const file = path.join(this.dir, "calls", command);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
  }

  clearCalls(): void {
    fs.rmSync(path.join(this.dir, "calls"), { recursive: true, force: true });
    fs.mkdirSync(path.join(this.dir, "calls"));
  }

  /** Values reported for a CloudWatch metric, in order. */
  metric(name: string): number[] {
    const file = path.join(this.dir, "calls", "metrics");
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, "utf8")
      .split("\n")
      .map((line) => line.split(" "))
      .filter(([metric]) => metric === name)
      .map(([, value]) => Number(value));
  }

  log(name: string): string {
    const file = path.join(this.logDir, name);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  }

  /** Whether OpenEMR's Apache runs in the fake openemr-app container (`pidof httpd`). */
  setApacheRunning(running: boolean): void {
    const flag = path.join(this.dir, "state/httpd-running");
    if (running) fs.writeFileSync(flag, "");
    else fs.rmSync(flag, { force: true });
  }

  /** The exit status of the next `docker run` (certbot). */
  setRunStatus(status: number): void {
    fs.writeFileSync(path.join(this.dir, "state/run-status"), String(status));
  }

  /** Every file, directory and symlink of the archived volumes: volume/path → kind, mode and sha256. */
  files(): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (base: string, rel: string): void => {
      for (const entry of fs.readdirSync(path.join(base, rel), { withFileTypes: true })) {
        const relPath = path.join(rel, entry.name);
        const full = path.join(base, relPath);
        const key = `${path.basename(base)}/${relPath}`;
        const st = fs.lstatSync(full);
        const mode = (st.mode & 0o7777).toString(8);
        if (entry.isSymbolicLink()) out.set(key, `link ${fs.readlinkSync(full)}`);
        else if (entry.isDirectory()) {
          out.set(key, `dir ${mode}`);
          walk(base, relPath);
        } else {
          const hash = crypto.createHash("sha256").update(fs.readFileSync(full)).digest("hex");
          out.set(key, `file ${mode} ${hash}`);
        }
      }
    };
    for (const volume of VOLUMES) walk(this.volume(volume), "");
    return out;
  }
}
