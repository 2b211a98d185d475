// openemr-export run for real against a private MariaDB server (tools/restore-drill), the local
// client through a PATH shim that adds --socket, and a fake docker and aws that record their calls.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import { addVersionTable, Clinic } from "../../tools/restore-drill/clinic";
import { FakeHost, ROOT, SCRIPTS_DIR } from "../../tools/restore-drill/host";
import { MariaDbServer } from "../../tools/restore-drill/server";
import { quoted } from "../../tools/restore-drill/sql";
import { password } from "../../tools/restore-drill/stack";
import { compareDatabases, databaseState } from "../../tools/restore-drill/state";

const SCRIPT = path.join(SCRIPTS_DIR, "export.sh");
const schema = JSON.parse(
  fs.readFileSync(path.join(ROOT, "components/backup/backup-set.schema.json"), "utf8"),
) as object;
const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);

interface Manifest {
  source: { tool: string; stack: string };
  openemr: { version: string; dockerVersion: number | null };
  database: { name: string; server: string };
  trees: Record<string, string>;
  files: { key: string; role: string; sha256: string; bytes: number }[];
}

function usageText(): string {
  const m = /cat <<'EOF'\n([\s\S]*?)\nEOF\n/.exec(fs.readFileSync(SCRIPT, "utf8"));
  if (!m) throw new Error("export.sh has no usage heredoc");
  return `${m[1]}\n`;
}

const sha256 = (file: string): string =>
  crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

/** path → kind, mode and sha256 or link target */
function tree(base: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(base, rel), { withFileTypes: true })) {
      const relPath = path.join(rel, entry.name);
      const full = path.join(base, relPath);
      const mode = (fs.lstatSync(full).mode & 0o7777).toString(8);
      if (entry.isSymbolicLink()) out.set(relPath, `link ${fs.readlinkSync(full)}`);
      else if (entry.isDirectory()) {
        out.set(relPath, `dir ${mode}`);
        walk(relPath);
      } else out.set(relPath, `file ${mode} ${sha256(full)}`);
    }
  };
  walk("");
  return out;
}

const FAKE_AWS = `#!/bin/bash
set -euo pipefail
printf '%s\\n' "$*" >>"\${FAKE_DIR}/calls"
[ "$1 $2" = "s3 cp" ] || exit 252
src=\${*: -2:1} dst=\${*: -1}
mkdir -p "$(dirname "\${FAKE_DIR}/s3/\${dst#s3://}")"
cp "\${src}" "\${FAKE_DIR}/s3/\${dst#s3://}"
`;
const FAKE_DOCKER = `#!/bin/bash
set -euo pipefail
printf '%s\\n' "$*" >>"\${FAKE_DIR}/calls"
case $1 in
  exec)
    shift
    [ "$1" != -i ] || shift
    [ "$1" = "\${FAKE_CONTAINER}" ] || { echo "Error: No such container: $1" >&2; exit 1; }
    shift
    set -a
    # shellcheck source=/dev/null
    . "\${FAKE_DIR}/container.env"
    set +a
    PATH="\${FAKE_DIR}/db-bin:\${PATH}" exec "$@"
    ;;
  cp)
    src=\${2#"\${FAKE_CONTAINER}":}
    [ -e "\${FAKE_DIR}/container\${src}" ] || { echo "Error: Could not find the file \${src}" >&2; exit 1; }
    cp -a "\${FAKE_DIR}/container\${src}" "$3"
    ;;
  *) exit 125 ;;
esac
`;

describe("host scripts: openemr-export", function () {
  this.timeout(180000);
  let dir: string;
  let server: MariaDbServer;
  let host: FakeHost;
  let sites: string;
  const rootPassword = password();

  const run = (args: string[], extra: Record<string, string> = {}) => {
    const r = spawnSync("bash", [SCRIPT, ...args], {
      encoding: "utf8",
      timeout: 120000,
      env: {
        PATH: `${dir}/db-bin:${dir}/bin:/usr/bin:/bin`,
        HOME: dir,
        LANG: "C.UTF-8",
        TMPDIR: path.join(dir, "tmp"),
        FAKE_DIR: dir,
        FAKE_CONTAINER: "openemr",
        ...extra,
      },
    });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const calls = (): string => {
    const file = path.join(dir, "calls");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "export-"));
    server = await MariaDbServer.start();
    host = new FakeHost(path.join(dir, "host"));
    server.mustSql(
      `ALTER USER root@localhost IDENTIFIED BY ${quoted(rootPassword)}; CREATE DATABASE openemr; CREATE USER openemr@'%'; GRANT ALL ON openemr.* TO openemr@'%';`,
    );
    new Clinic(server, host).seed("2026-03-02", "app-password");
    addVersionTable(server, "7.0.2");
    sites = host.volume("openemr-sites");
    for (const d of ["bin", "db-bin", "tmp", "s3/bucket", "container/etc"]) {
      fs.mkdirSync(path.join(dir, d), { recursive: true });
    }
    fs.writeFileSync(path.join(dir, "bin/aws"), FAKE_AWS, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "bin/docker"), FAKE_DOCKER, { mode: 0o755 });
    for (const [name, real] of [
      ["mariadb", server.bin.client],
      ["mariadb-dump", server.bin.dump],
    ]) {
      fs.writeFileSync(
        path.join(dir, "db-bin", name),
        `#!/bin/sh\nprintf '%s\\n' "$*" >>"$FAKE_DIR/calls"\ncase $1 in --defaults-extra-file=*) stat -c 'mode %a' "\${1#*=}" >>"$FAKE_DIR/calls";; esac\nexec '${real}' "$@" --socket='${server.socket}'\n`,
        { mode: 0o755 },
      );
    }
    fs.writeFileSync(path.join(dir, "root.pw"), `${rootPassword}\n`);
    fs.writeFileSync(path.join(dir, "container.env"), `MARIADB_ROOT_PASSWORD='${rootPassword}'\n`);
    const app = path.join(dir, "container/var/www/localhost/htdocs/openemr");
    fs.mkdirSync(app, { recursive: true });
    fs.cpSync(sites, path.join(app, "sites"), { recursive: true, verbatimSymlinks: true });
    fs.writeFileSync(path.join(app, "sites/default/docker-version"), "6\n");
    fs.cpSync(host.volume("openemr-ssl"), path.join(dir, "container/etc/ssl"), {
      recursive: true,
      verbatimSymlinks: true,
    });
  });

  after(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => fs.rmSync(path.join(dir, "calls"), { force: true }));

  it("prints its usage for -h and --help (exit 0)", () => {
    for (const flag of ["-h", "--help"]) {
      const r = run([flag]);
      expect(r.status).to.equal(0);
      expect(r.stdout).to.equal(usageText());
    }
  });

  for (const args of [
    [],
    ["--bogus"],
    ["--to"],
    ["--to", "http://bucket/x"],
    ["--to", "s3://bucket/x", "--out", "/tmp/x"],
    ["--out", "/tmp/x", "extra"],
  ]) {
    it(`exits 2 with its usage on stderr for: openemr-export ${args.join(" ")}`, () => {
      const r = run(args);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.contain(usageText());
      expect(r.stdout).to.equal("");
    });
  }

  it("exits 1 with one line when sqlconf.php is missing or the database does not answer", () => {
    const empty = path.join(dir, "empty-sites/default");
    fs.mkdirSync(empty, { recursive: true });
    const base = [
      "--out",
      path.join(dir, "out-bad"),
      "--db-password-file",
      path.join(dir, "root.pw"),
    ];
    let r = run([...base, "--sites", path.dirname(empty)]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/^openemr-export: .*default\/sqlconf\.php is missing\n$/);
    fs.writeFileSync(path.join(dir, "wrong.pw"), "wrong\n");
    r = run([
      "--out",
      path.join(dir, "out-bad"),
      "--sites",
      sites,
      "--db-password-file",
      path.join(dir, "wrong.pw"),
    ]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(
      /^openemr-export: cannot connect to the database: .*Access denied.*\n$/,
    );
    expect(fs.existsSync(path.join(dir, "out-bad"))).to.equal(false);
  });

  it("--dry-run measures and names the destination, writing and uploading nothing", () => {
    const r = run([
      "--to",
      "s3://bucket/clinic",
      "--sites",
      sites,
      "--db-password-file",
      path.join(dir, "root.pw"),
      "--dry-run",
    ]);
    expect(r.status, r.stderr).to.equal(0);
    const bytes = server.mustSql(
      "SELECT SUM(data_length) FROM information_schema.tables WHERE table_schema = 'openemr'",
    );
    expect(r.stdout).to.contain(`OpenEMR 7.0.2 (docker-version 6)`);
    expect(r.stdout).to.contain(`dump: about ${bytes.trim()} bytes`);
    const files = [...tree(sites).values()].filter((v) => v.startsWith("file")).length;
    expect(r.stdout).to.contain(`bytes, ${files} files`);
    expect(r.stdout).to.match(/destination: s3:\/\/bucket\/clinic\/\d{8}T\d{6}Z\/ \(SSE-S3/);
    expect(calls()).to.not.contain("s3 cp");
    expect(fs.readdirSync(path.join(dir, "s3/bucket"))).to.deep.equal([]);
    expect(fs.readdirSync(path.join(dir, "tmp"))).to.deep.equal([]);
  });

  it("--out writes a set whose manifest validates, whose dump reloads and whose archive is the sites tree", async () => {
    const out = path.join(dir, "out");
    const r = run([
      "--out",
      out,
      "--sites",
      sites,
      "--db-user",
      "root",
      "--db-password-file",
      path.join(dir, "root.pw"),
    ]);
    expect(r.status, r.stderr).to.equal(0);
    const [stamp] = fs.readdirSync(out);
    expect(r.stdout).to.equal(`${out}/${stamp}/\n`);
    const set = path.join(out, stamp);
    const manifest = JSON.parse(
      fs.readFileSync(path.join(set, "manifest.json"), "utf8"),
    ) as Manifest;
    expect(validate(manifest), JSON.stringify(validate.errors)).to.equal(true);
    expect(manifest.source).to.deep.equal({ tool: "openemr-export", stack: os.hostname() });
    expect(manifest.openemr).to.deep.equal({ version: "7.0.2", dockerVersion: 6 });
    expect(manifest.database).to.deep.equal({
      name: "openemr",
      server: server.mustSql("SELECT VERSION()").trim(),
    });
    expect(manifest.trees).to.deep.equal({ sites: "sites" });
    expect(manifest.files.map((f) => f.key)).to.deep.equal([
      "files-full.tar.gz",
      "database.sql.gz",
    ]);
    for (const f of manifest.files) {
      expect(sha256(path.join(set, f.key))).to.equal(f.sha256);
      expect(fs.statSync(path.join(set, f.key)).size).to.equal(f.bytes);
    }
    expect(calls()).to.contain("mode 600");
    expect(calls()).to.not.contain(rootPassword);

    const members = spawnSync("tar", ["-tzf", path.join(set, "files-full.tar.gz")], {
      encoding: "utf8",
    });
    const names = members.stdout.split("\n").filter(Boolean);
    expect(names.filter((n) => !/^sites(\/|$)/.test(n))).to.deep.equal([]);
    const extracted = path.join(dir, "extracted");
    fs.mkdirSync(extracted);
    expect(
      spawnSync("tar", ["-xzf", path.join(set, "files-full.tar.gz"), "-C", extracted]).status,
    ).to.equal(0);
    expect(tree(path.join(extracted, "sites"))).to.deep.equal(tree(sites));

    const second = await MariaDbServer.start();
    try {
      second.mustSql("CREATE USER openemr@'%'; GRANT ALL ON openemr.* TO openemr@'%';");
      const load = spawnSync(
        "sh",
        [
          "-c",
          `gzip -dc '${set}/database.sql.gz' | '${second.bin.client}' --no-defaults --socket='${second.socket}' -uroot`,
        ],
        { encoding: "utf8" },
      );
      expect(load.status, load.stderr).to.equal(0);
      expect(compareDatabases(databaseState(server), databaseState(second))).to.deep.equal([]);
      expect(second.mustSql("SELECT User FROM mysql.user WHERE User = 'harness'").trim()).to.equal(
        "harness",
      );
    } finally {
      await second.stop();
    }
  });

  it("--docker --to uploads under <prefix>/<stamp>/ with SSE-KMS, the manifest last, no password in any argument", () => {
    const kms = "arn:aws:kms:us-east-1:111122223333:key/abc";
    const r = run([
      "--docker",
      "openemr",
      "--to",
      "s3://bucket/old-server/",
      "--kms-key-id",
      kms,
      "--region",
      "us-east-1",
    ]);
    expect(r.status, r.stderr).to.equal(0);
    const m = /^s3:\/\/bucket\/old-server\/(\d{8}T\d{6}Z)\/\n$/.exec(r.stdout);
    expect(m, r.stdout).to.not.equal(null);
    const stamp = m?.[1] ?? "";
    const uploads = calls()
      .split("\n")
      .filter((l) => l.startsWith("s3 cp"));
    expect(uploads.map((l) => l.split(" ").pop())).to.deep.equal(
      ["files-full.tar.gz", "database.sql.gz", "manifest.json"].map(
        (n) => `s3://bucket/old-server/${stamp}/${n}`,
      ),
    );
    for (const l of uploads)
      expect(l).to.contain(
        `--region us-east-1 --only-show-errors --sse aws:kms --sse-kms-key-id ${kms}`,
      );
    expect(calls()).to.not.contain(rootPassword);
    const set = path.join(dir, "s3/bucket/old-server", stamp);
    const manifest = JSON.parse(
      fs.readFileSync(path.join(set, "manifest.json"), "utf8"),
    ) as Manifest;
    expect(validate(manifest), JSON.stringify(validate.errors)).to.equal(true);
    expect(manifest.openemr).to.deep.equal({ version: "7.0.2", dockerVersion: 6 });
    expect(manifest.trees).to.deep.equal({ sites: "sites", ssl: "ssl" });
    const names = spawnSync("tar", ["-tzf", path.join(set, "files-full.tar.gz")], {
      encoding: "utf8",
    }).stdout;
    expect(names).to.match(/^ssl\/certs\/webserver\.cert\.pem$/m);
    expect(names).to.match(/^sites\/default\/docker-version$/m);
  });

  it("--docker with a password file reads it through stdin; SSE-S3 without a key", () => {
    fs.writeFileSync(path.join(dir, "container.env"), "");
    try {
      let r = run(["--docker", "openemr", "--to", "s3://bucket/p2"]);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.match(/^openemr-export: cannot connect to the database: no password/);
      r = run([
        "--docker",
        "openemr",
        "--to",
        "s3://bucket/p2",
        "--db-password-file",
        path.join(dir, "root.pw"),
      ]);
      expect(r.status, r.stderr).to.equal(0);
      const uploads = calls()
        .split("\n")
        .filter((l) => l.startsWith("s3 cp"));
      expect(uploads).to.have.length(3);
      for (const l of uploads) expect(l).to.contain("--sse AES256");
      expect(calls()).to.contain("exec -i openemr sh -c");
      expect(calls()).to.not.contain(rootPassword);
    } finally {
      fs.writeFileSync(
        path.join(dir, "container.env"),
        `MARIADB_ROOT_PASSWORD='${rootPassword}'\n`,
      );
    }
  });
});

describe("backup-set.schema.json", () => {
  const good = {
    format: "openemr-backup-set",
    formatVersion: 1,
    createdAt: "2026-11-23T02:00:00Z",
    source: { tool: "openemr-backup", stack: "prod" },
    openemr: { version: "7.0.4", dockerVersion: 6 },
    database: { name: "openemr", server: "11.4.5-MariaDB" },
    trees: { sites: "var/lib/openemr/docker/volumes/openemr-sites/_data" },
    files: [
      {
        key: "../20261122T020000Z/files-full.tar.gz",
        role: "files",
        sha256: "a".repeat(64),
        bytes: 10,
      },
      { key: "files-incremental.tar.gz", role: "files", sha256: "b".repeat(64), bytes: 10 },
      { key: "database.sql.gz", role: "database", sha256: "c".repeat(64), bytes: 10 },
    ],
  };
  const withFile = (key: string, sha = "d".repeat(64)) => ({
    ...good,
    files: [...good.files, { key, role: "files", sha256: sha, bytes: 1 }],
  });

  it("accepts an express-plus chain manifest", () => {
    expect(validate(good), JSON.stringify(validate.errors)).to.equal(true);
  });

  const bad: [string, object][] = [
    ...Object.keys(good).map((k): [string, object] => [
      `no ${k}`,
      Object.fromEntries(Object.entries(good).filter(([key]) => key !== k)),
    ]),
    ["formatVersion 2", { ...good, formatVersion: 2 }],
    ["a short sha256", withFile("x.tar.gz", "abc")],
    ["an upper-case sha256", withFile("x.tar.gz", "A".repeat(64))],
    ["an absolute key", withFile("/etc/passwd")],
    ["a ../../ escape", withFile("../../other/files.tar.gz")],
    ["a .. inside a key", withFile("a/../../b.tar.gz")],
    ["an unknown role", { ...good, files: [{ ...good.files[2], role: "logs" }] }],
    ["no database file", { ...good, files: good.files.slice(0, 2) }],
    ["two database files", { ...good, files: [...good.files, good.files[2]] }],
  ];
  for (const [name, manifest] of bad) {
    it(`rejects a manifest with ${name}`, () => {
      expect(validate(manifest)).to.equal(false);
    });
  }
});
