// A private MariaDB server for the restore drill and the host tests: its own data directory, socket
// and error log under a temporary directory, no TCP port, run as the current user.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Debian puts the server in /usr/sbin, often not on a normal user's PATH. */
const EXTRA_DIRS = ["/usr/sbin", "/usr/local/sbin", "/usr/libexec", "/usr/local/mysql/bin"];

export const INSTALL_HINT =
  "install mariadb-server and mariadb-client (Debian/Ubuntu: apt-get install -y mariadb-server mariadb-client)";

/** PATH, then where distributions put the server. */
export function searchDirs(): string[] {
  return [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
}

export function findBinary(
  name: string,
  dirs: readonly string[] = searchDirs(),
): string | undefined {
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface MariaDbBinaries {
  server: string;
  installDb: string;
  client: string;
  dump: string;
}

/** The MariaDB programs, or an error that says what to install. */
export function mariadbBinaries(dirs: readonly string[] = searchDirs()): MariaDbBinaries {
  const names = {
    server: "mariadbd",
    installDb: "mariadb-install-db",
    client: "mariadb",
    dump: "mariadb-dump",
  };
  const found: Partial<MariaDbBinaries> = {};
  const missing: string[] = [];
  for (const [key, name] of Object.entries(names) as [keyof MariaDbBinaries, string][]) {
    const file = findBinary(name, dirs);
    if (file) found[key] = file;
    else missing.push(name);
  }
  if (missing.length > 0) {
    throw new Error(`${missing.join(", ")} not found: ${INSTALL_HINT}`);
  }
  return found as MariaDbBinaries;
}

export interface SqlResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface Credentials {
  user: string;
  password: string;
  database?: string;
}

// Test speed only: a small redo log, no doublewrite and no fsync.
const FAST = [
  "--innodb-log-file-size=4M",
  "--innodb-buffer-pool-size=32M",
  "--innodb-doublewrite=0",
  "--innodb-flush-method=nosync",
  "--innodb-flush-log-at-trx-commit=0",
];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A temporary directory in memory (/dev/shm) when there is room, else in os.tmpdir(). */
function scratchDir(): string {
  try {
    const st = fs.statfsSync("/dev/shm");
    if (st.bavail * st.bsize >= 512 * 1024 * 1024)
      return fs.mkdtempSync("/dev/shm/openemr-mariadb-");
  } catch {
    // no /dev/shm
  }
  return fs.mkdtempSync(path.join(os.tmpdir(), "openemr-mariadb-"));
}

export class MariaDbServer {
  readonly socket: string;
  readonly bin: MariaDbBinaries;
  private readonly admin: Credentials;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private killOnExit?: () => void;

  private constructor(
    readonly dir: string,
    bin: MariaDbBinaries,
    private readonly ownsDir: boolean,
  ) {
    this.bin = bin;
    this.socket = path.join(dir, "mysqld.sock");
    this.admin = { user: "harness", password: crypto.randomBytes(12).toString("hex") };
  }

  /**
   * Initialises a data directory under `dir` (default: a temporary directory, in memory when there
   * is room, removed by stop()) and starts the server on a socket there, waiting until it accepts
   * connections. root@localhost starts with an empty password; the harness gets its own
   * administrator, which the scenarios never touch.
   */
  static async start(dir?: string): Promise<MariaDbServer> {
    const bin = mariadbBinaries();
    const server = new MariaDbServer(dir ?? scratchDir(), bin, dir === undefined);
    try {
      await server.boot();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  private async boot(): Promise<void> {
    const { dir, bin } = this;
    const datadir = path.join(dir, "data");
    // the server's own temporary tables stay beside its data: under the shared /tmp another
    // process's clean-up once removed one mid-query (CI: "Error on delete of '/tmp/#sql-temptable…'")
    const tmpdir = path.join(dir, "tmp");
    fs.mkdirSync(tmpdir, { recursive: true });
    const user = os.userInfo().username;
    const install = spawnSync(
      bin.installDb,
      [
        "--no-defaults",
        `--datadir=${datadir}`,
        `--tmpdir=${tmpdir}`,
        `--user=${user}`,
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
        ...FAST,
      ],
      { encoding: "utf8" },
    );
    if (install.status !== 0) {
      throw new Error(
        `mariadb-install-db failed (${install.status}): ${install.stderr}${install.stdout}`,
      );
    }
    const errorLog = path.join(dir, "error.log");
    const child = spawn(
      bin.server,
      [
        "--no-defaults",
        `--datadir=${datadir}`,
        `--socket=${this.socket}`,
        `--tmpdir=${tmpdir}`,
        `--pid-file=${path.join(dir, "mysqld.pid")}`,
        `--log-error=${errorLog}`,
        `--user=${user}`,
        "--skip-networking",
        "--skip-log-bin",
        // as the openemr-db container runs it (bootstrap.sh)
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_general_ci",
        ...FAST,
      ],
      { stdio: "ignore" },
    );
    this.child = child;
    // no server left behind when the test run or the drill dies
    this.killOnExit = () => child.kill("SIGKILL");
    process.once("exit", this.killOnExit);
    let running = true;
    this.exited = new Promise((resolve) =>
      child.once("exit", () => {
        running = false;
        resolve();
      }),
    );
    const root: Credentials = { user: "root", password: "" };
    for (let i = 0; ; i++) {
      if (!running) {
        const log = fs.existsSync(errorLog) ? fs.readFileSync(errorLog, "utf8") : "";
        throw new Error(`mariadbd exited during start-up:\n${log.slice(-2000)}`);
      }
      if (this.sql("SELECT 1", root).status === 0) break;
      if (i > 300) throw new Error("mariadbd did not accept connections within 30 s");
      await sleep(100);
    }
    const { user: u, password: p } = this.admin;
    this.mustSql(
      `CREATE USER ${u}@localhost IDENTIFIED BY '${p}'; GRANT ALL ON *.* TO ${u}@localhost WITH GRANT OPTION;`,
      root,
    );
  }

  /** Runs SQL with the client (batch mode, no column names); the harness administrator by default. */
  sql(query: string, creds: Credentials = this.admin): SqlResult {
    const r = this.run(query, creds);
    return { status: r.status, stdout: r.stdout.toString("utf8"), stderr: r.stderr };
  }

  /** The output of a query as the server sent it (BLOBs are not UTF-8). */
  rawSql(query: string): Buffer {
    const r = this.run(query, this.admin);
    if (r.status !== 0)
      throw new Error(`SQL failed (${r.status}): ${r.stderr}\n${query.slice(0, 500)}`);
    return r.stdout;
  }

  private run(
    query: string,
    creds: Credentials,
  ): { status: number; stdout: Buffer; stderr: string } {
    const args = [
      "--no-defaults",
      `--socket=${this.socket}`,
      `--user=${creds.user}`,
      `--password=${creds.password}`,
      "--batch",
      "--skip-column-names",
      "--default-character-set=utf8mb4",
    ];
    if (creds.database) args.push(creds.database);
    const r = spawnSync(this.bin.client, args, { input: query, maxBuffer: 1 << 28 });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString("utf8") };
  }

  /** As sql(), throwing when the statement fails. */
  mustSql(query: string, creds: Credentials = this.admin): string {
    const r = this.sql(query, creds);
    if (r.status !== 0)
      throw new Error(`SQL failed (${r.status}): ${r.stderr}\n${query.slice(0, 500)}`);
    return r.stdout;
  }

  /** mariadb-dump with the given arguments as the harness administrator; the dump's bytes. */
  dump(args: string[]): Buffer {
    const r = spawnSync(
      this.bin.dump,
      [
        "--no-defaults",
        `--socket=${this.socket}`,
        `--user=${this.admin.user}`,
        `--password=${this.admin.password}`,
        ...args,
      ],
      { maxBuffer: 1 << 28 },
    );
    if (r.status !== 0)
      throw new Error(`mariadb-dump failed (${r.status}): ${r.stderr.toString("utf8")}`);
    return r.stdout;
  }

  async stop(): Promise<void> {
    if (this.child && this.exited) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child?.kill("SIGKILL"), 20000);
      await this.exited;
      clearTimeout(timer);
      this.child = undefined;
    }
    if (this.killOnExit) process.removeListener("exit", this.killOnExit);
    if (this.ownsDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
