// OpenEMR's container on the EC2 hosts: the start script the host writes, and the shell lines it
// shares with the Fargate task, run for real in /bin/sh against copies of the image's files.
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { EXPRESS_PLUS, planStack } from "../helpers/plan";
import { one, prop } from "../helpers/resources";
import type { PlanFile } from "../../tools/plan/types";
import { CONTAINER_START_SCRIPT, readScript } from "../../components/compute/user-data";
import {
  STAGED_MYSQL_CA,
  apacheLogsToStdio,
  openemrHostStartScript,
  verifiedMysqlTls,
} from "../../components/service/openemr-container";

// The two log directives of the image's openemr.conf (openemr-devops docker/openemr/7.0.4/
// openemr.conf, lines 21-23), around lines that must stay as they are.
const IMAGE_CONF = [
  "DocumentRoot /var/www/localhost/htdocs/openemr",
  "# These are the overrides if a virtual host does not exist.",
  'ErrorLog "|/usr/sbin/rotatelogs -n 5 ${APACHE_LOG_DIR}/error.log 86400"',
  'CustomLog "|/usr/sbin/rotatelogs -n 5 ${APACHE_LOG_DIR}/access.log 86400" combined',
  "<Directory /var/www/localhost/htdocs/openemr>",
  "</Directory>",
  "",
].join("\n");

function sh(lines: string[]): string {
  return execFileSync("/bin/sh", ["-eu", "-c", lines.join("\n")], { encoding: "utf8" });
}

function hostFiles(plan: PlanFile): { env: Record<string, string>; files: Map<string, string> } {
  const doc = parse(prop<string>(one(plan, "aws:ec2/instance:Instance"), "userData")) as {
    write_files: { path: string; content: string }[];
  };
  const files = new Map(doc.write_files.map((f) => [f.path, f.content]));
  const env: Record<string, string> = {};
  for (const line of (files.get("/etc/openemr/deploy.env") ?? "").trim().split("\n")) {
    const [k, v] = line.split("=", 2);
    env[k] = v.replace(/^'|'$/g, "");
  }
  return { env, files };
}

describe("OpenEMR's container start on EC2 hosts", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "container-start-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("sends Apache's error and access logs to stderr and stdout instead of rotatelogs", () => {
    const conf = path.join(dir, "openemr.conf");
    fs.writeFileSync(conf, IMAGE_CONF);
    const out = sh(apacheLogsToStdio(conf));
    const result = fs.readFileSync(conf, "utf8");
    expect(result).to.not.contain("rotatelogs");
    expect(result).to.contain("\nErrorLog /proc/self/fd/2\n");
    expect(result).to.contain("\nCustomLog /proc/self/fd/1 combined\n");
    expect(result.split("\n").filter((l) => !/Log /.test(l))).to.deep.equal(
      IMAGE_CONF.split("\n").filter((l) => !/Log /.test(l)),
    );
    expect(out).to.equal("");
    // idempotent: a restarted container runs it again
    sh(apacheLogsToStdio(conf));
    expect(fs.readFileSync(conf, "utf8")).to.equal(result);
  });

  it("says so when a future image logs in a way the edit does not catch", () => {
    const conf = path.join(dir, "openemr.conf");
    fs.writeFileSync(conf, 'TransferLog "|/usr/sbin/rotatelogs -n 5 /x 86400"\n');
    expect(sh(apacheLogsToStdio(conf))).to.contain("Apache still logs through rotatelogs");
  });

  it("makes the image's mariadb calls verify TLS instead of --skip-ssl", () => {
    // utilities/devtoolsLibrary.source (8.1.0) setGlobalSettings() logs in with --skip-ssl,
    // which require_secure_transport refuses
    const lib = path.join(dir, "devtoolsLibrary.source");
    fs.writeFileSync(lib, 'mariadb --skip-ssl -u "$MYSQL_USER" -h "$MYSQL_HOST" -e "$sql"\n');
    sh(verifiedMysqlTls(STAGED_MYSQL_CA, lib));
    expect(fs.readFileSync(lib, "utf8")).to.equal(
      `mariadb --ssl-ca=${STAGED_MYSQL_CA} -u "$MYSQL_USER" -h "$MYSQL_HOST" -e "$sql"\n`,
    );
  });

  it("only touches the database TLS settings where the database requires TLS", () => {
    const withRds = openemrHostStartScript({ tlsDatabase: true });
    const local = openemrHostStartScript({ tlsDatabase: false });
    expect(withRds).to.contain("--skip-ssl|--ssl-ca=");
    expect(withRds).to.contain(`cp ${STAGED_MYSQL_CA} `);
    expect(local).to.not.contain("skip-ssl");
    for (const script of [withRds, local]) {
      expect(script.startsWith("#!/bin/sh\nset -eu\n")).to.equal(true);
      expect(script.trimEnd().endsWith("exec ./openemr.sh")).to.equal(true);
      execFileSync("/bin/sh", ["-n", "-c", script]);
    }
  });

  for (const [label, sets, tls] of [
    ["express", { "openemr:preset": "express" }, false],
    ["standard", { "openemr:preset": "standard" }, true],
  ] as const) {
    it(`${label}: the host writes the start script the container runs`, async () => {
      const plan = await planStack("dev", sets);
      const { env, files } = hostFiles(plan);
      expect(env.CONTAINER_START).to.equal(CONTAINER_START_SCRIPT);
      expect(files.get(CONTAINER_START_SCRIPT)).to.equal(
        openemrHostStartScript({ tlsDatabase: tls }),
      );
      const bootstrap = readScript("bootstrap.sh");
      expect(bootstrap).to.contain('-v "${CONTAINER_START}:/etc/openemr-aws/start.sh:ro"');
      expect(bootstrap).to.match(/"\$\{OPENEMR_IMAGE\}" \/bin\/sh \/etc\/openemr-aws\/start\.sh\n/);
    });
  }

  it("defines every setting the bootstrap reads in the deploy.env of a tier that reaches it", async () => {
    // set -u fails a boot on an unset variable only on the branch that reads it; a variable that
    // no tier writes (e.g. a removed log group) is a boot failure waiting for its branch
    const envs = await Promise.all(
      [{ "openemr:preset": "express" }, EXPRESS_PLUS, { "openemr:preset": "standard" }].map(
        async (sets) => hostFiles(await planStack("dev", sets)).env,
      ),
    );
    const bootstrap = readScript("bootstrap.sh");
    const assigned = new Set(
      [...bootstrap.matchAll(/^\s*(?:local\s+)?([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]),
    );
    const read = new Set(
      [...bootstrap.matchAll(/\$\{([A-Z][A-Z0-9_]*)(:-[^}]*)?\}/g)]
        .filter((m) => m[2] === undefined)
        .map((m) => m[1]),
    );
    expect(read.size).to.be.greaterThan(10);
    const missing = [...read].filter((v) => !assigned.has(v) && !envs.some((env) => v in env));
    expect(missing).to.deep.equal([]);
  });
});
