// openemr-upgrade (components/compute/scripts/upgrade.sh) run for real by bash, on a stand-in host:
// deploy.env, the openemr-app unit exactly as bootstrap.sh writes it, and stand-ins for docker,
// systemctl, aws, curl, cloud-init and openemr-backup first on PATH that record their calls. The
// stand-in systemd "runs" the image the unit names; the stand-in curl answers 200 only for images
// marked healthy, so a test decides which images come up. What it checks: a successful upgrade
// (backup first, then the new image, deploy.env updated, metric 1), a new image that never answers
// (rolled back to the previous one, metric 0), a failed backup (no upgrade, metric 0), the same
// image (nothing done, metric 1), a downgrade (refused), and standard's RDS snapshot.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readScript } from "../../components/compute/user-data";
import { SCRIPTS_DIR } from "../../tools/restore-drill/host";

const OLD = "openemr/openemr:8.0.0";
const NEW = "openemr/openemr:8.0.1";
const DIGEST = `sha256:${"cd".repeat(32)}`;

/** The stand-in commands: shell scripts that record their arguments (or "(no arguments)") in calls/<name>. */
const STAND_INS: Record<string, string> = {
  docker: String.raw`
case "$1 $2" in
  "pull --quiet") ! grep -qxF -- "$3" "$H/state/missing-images" 2>/dev/null || { echo "manifest unknown" >&2; exit 1; } ;;
  "volume inspect") printf '[{"Name":"%s","Mountpoint":"%s"}]\n' "$3" "$H/volumes/$3" ;;
  *) echo "stand-in docker: unexpected $*" >&2; exit 125 ;;
esac`,
  // start: the image the unit's docker run line names runs; an image that upgrades the site
  // (state/upgrades: "<image> <counter>") writes its counter as openemr.sh does
  systemctl: String.raw`
unit="$OPENEMR_UNIT_DIR/openemr-app.service"
case "$*" in
  "stop openemr-app") rm -f "$H/state/running" ;;
  "start openemr-app")
    image=$(sed -n 's|^ExecStart=.* \([^ ]*\) /bin/sh /etc/openemr-aws/start.sh$|\1|p' "$unit")
    echo "$image" >"$H/state/running"
    echo "start $image" >>"$H/calls/systemctl"
    counter=$(awk -v i="$image" '$1 == i { print $2 }' "$H/state/upgrades" 2>/dev/null || true)
    if [ -n "$counter" ]; then printf %s "$counter" >"$H/volumes/openemr-sites/default/docker-version"; fi
    ;;
  daemon-reload) ;;
  *) echo "stand-in systemctl: unexpected $*" >&2; exit 1 ;;
esac`,
  curl: String.raw`
if [ -f "$H/state/running" ] && grep -qxF "$(cat "$H/state/running")" "$H/state/healthy" 2>/dev/null; then
  printf 200
else
  printf 000; exit 7
fi`,
  aws: String.raw`
case "$1 $2" in
  "cloudwatch put-metric-data")
    metric="" value=""
    while [ $# -gt 0 ]; do
      case $1 in --metric-name) metric=$2 ;; --value) value=$2 ;; esac
      shift
    done
    echo "$metric $value" >>"$H/calls/metrics" ;;
  "rds create-db-snapshot") [ ! -f "$H/state/rds-fails" ] || { echo "AccessDenied" >&2; exit 254; }; echo creating ;;
  "rds wait") ;;
  *) echo "stand-in aws: unexpected $*" >&2; exit 252 ;;
esac`,
  "cloud-init": "",
  "openemr-backup": 'exit "$(cat "$H/state/backup-status" 2>/dev/null || echo 0)"',
};

/** The openemr-app unit as bootstrap.sh writes it (its unit() function and its call), into `dir`. */
function bootstrapUnit(dir: string, image: string): void {
  const bootstrap = readScript("bootstrap.sh");
  const fn = /^unit\(\) \{[\s\S]*?\n\}\n/m.exec(bootstrap)?.[0];
  const call = /^unit openemr-app [\s\S]*?start\.sh\n/m.exec(bootstrap)?.[0];
  if (!fn || !call) throw new Error("bootstrap.sh no longer writes openemr-app with unit()");
  const r = spawnSync(
    "bash",
    ["-euc", `db_tls=()\n${fn.replace("/etc/systemd/system", dir)}${call}`],
    {
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        OPENEMR_IMAGE: image,
        CONTAINER_START: "/etc/openemr/container-start.sh",
        LOG_GROUP_CONTAINERS: "/openemr/test/containers",
      },
    },
  );
  if (r.status !== 0) throw new Error(`rendering the unit failed: ${r.stderr}`);
}

class UpgradeHost {
  readonly bin: string;
  readonly sbin: string;
  readonly units: string;
  readonly etc: string;
  readonly logs: string;

  constructor(
    readonly dir: string,
    current: string,
    database?: string,
  ) {
    this.bin = path.join(dir, "bin");
    this.sbin = path.join(dir, "sbin");
    this.units = path.join(dir, "units");
    this.etc = path.join(dir, "etc");
    this.logs = path.join(dir, "log");
    for (const sub of ["bin", "sbin", "units", "etc", "log", "calls", "state", "run"]) {
      fs.mkdirSync(path.join(dir, sub), { recursive: true });
    }
    fs.mkdirSync(path.join(dir, "volumes/openemr-sites/default"), { recursive: true });
    fs.writeFileSync(path.join(dir, "volumes/openemr-sites/default/docker-version"), "6");
    for (const [name, body] of Object.entries(STAND_INS)) {
      const file = path.join(name === "openemr-backup" ? this.sbin : this.bin, name);
      fs.writeFileSync(
        file,
        `#!/bin/bash\nset -euo pipefail\nH=\${FAKE_HOST:?}\necho "\${*:-(no arguments)}" >>"$H/calls/${name}"\n${body}\n`,
        { mode: 0o755 },
      );
    }
    const env: Record<string, string> = {
      STACK: "test",
      REGION: "us-east-1",
      OPENEMR_IMAGE: current,
      DATA_DIR: path.join(dir, "data"),
      BACKUP_MODE: database ? "aws-backup" : "local",
      ...(database ? { DB_HOST: database } : {}),
    };
    fs.writeFileSync(
      path.join(this.etc, "deploy.env"),
      Object.entries(env)
        .map(([k, v]) => `${k}='${v}'\n`)
        .join(""),
    );
    bootstrapUnit(this.units, current);
    // OpenEMR runs on the current image when the upgrade starts
    fs.writeFileSync(path.join(dir, "state/running"), `${current}\n`);
  }

  healthy(...images: string[]): this {
    fs.writeFileSync(path.join(this.dir, "state/healthy"), images.map((i) => `${i}\n`).join(""));
    return this;
  }

  state(name: string, content: string): this {
    fs.writeFileSync(path.join(this.dir, "state", name), content);
    return this;
  }

  run(...args: string[]): { status: number; stdout: string } {
    const r = spawnSync("bash", [path.join(SCRIPTS_DIR, "upgrade.sh"), ...args], {
      encoding: "utf8",
      timeout: 60_000,
      env: {
        PATH: `${this.bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
        LANG: "C.UTF-8",
        FAKE_HOST: this.dir,
        OPENEMR_ETC: this.etc,
        OPENEMR_LOG_DIR: this.logs,
        OPENEMR_UNIT_DIR: this.units,
        OPENEMR_SBIN: this.sbin,
        OPENEMR_RUN_DIR: path.join(this.dir, "run"),
        OPENEMR_UPGRADE_WAIT_SECONDS: "2",
        OPENEMR_POLL_SECONDS: "1",
      },
    });
    return { status: r.status ?? -1, stdout: r.stdout };
  }

  calls(name: string): string[] {
    const file = path.join(this.dir, "calls", name);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
  }

  metric(name: string): number[] {
    return this.calls("metrics")
      .map((line) => line.split(" "))
      .filter(([metric]) => metric === name)
      .map(([, value]) => Number(value));
  }

  /** The image the unit's docker run line names. */
  unitImage(): string {
    const unit = fs.readFileSync(path.join(this.units, "openemr-app.service"), "utf8");
    return /^ExecStart=.* (\S+) \/bin\/sh \/etc\/openemr-aws\/start\.sh$/m.exec(unit)![1];
  }

  deployImage(): string {
    const env = fs.readFileSync(path.join(this.etc, "deploy.env"), "utf8");
    return /^OPENEMR_IMAGE='(.*)'$/m.exec(env)![1];
  }

  log(): string {
    const file = path.join(this.logs, "openemr-upgrade.log");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  }
}

describe("host scripts: openemr-upgrade", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "openemr-upgrade-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("backs up, then moves OpenEMR to the new image, and records it once it answers", () => {
    const host = new UpgradeHost(dir, OLD).healthy(OLD, NEW).state("upgrades", `${NEW} 9\n`);
    const r = host.run(NEW);
    expect(r.status, host.log()).to.equal(0);
    expect(host.metric("UpgradeSucceeded")).to.deep.equal([1]);
    expect(host.unitImage()).to.equal(NEW);
    expect(host.deployImage()).to.equal(NEW);
    // the order that matters: image pulled before anything stops, backup with OpenEMR stopped,
    // the new image started only after the backup
    expect(host.calls("docker")[0]).to.equal(`pull --quiet ${NEW}`);
    expect(host.calls("systemctl")).to.deep.equal([
      "stop openemr-app",
      "daemon-reload",
      "start openemr-app",
      `start ${NEW}`,
    ]);
    expect(host.calls("openemr-backup")).to.deep.equal(["(no arguments)"]);
    expect(host.calls("cloud-init")).to.deep.equal(["status --wait"]);
    expect(host.log()).to.contain(`OpenEMR answers on ${NEW} (site upgrade counter 6 -> 9)`);
    expect(r.stdout).to.contain(`openemr-upgrade: OpenEMR answers on ${NEW}`);
    // the rest of the unit is untouched: only the image changed
    const unit = fs.readFileSync(path.join(host.units, "openemr-app.service"), "utf8");
    const before = path.join(dir, "before.service");
    bootstrapUnit(dir, OLD);
    fs.renameSync(path.join(dir, "openemr-app.service"), before);
    expect(unit).to.equal(fs.readFileSync(before, "utf8").replace(` ${OLD} `, ` ${NEW} `));
  });

  it("rolls back to the previous image when the new one does not answer, and reports 0", () => {
    const host = new UpgradeHost(dir, OLD).healthy(OLD).state("upgrades", `${NEW} 9\n`);
    const r = host.run(NEW);
    expect(r.status).to.equal(1);
    expect(host.metric("UpgradeSucceeded")).to.deep.equal([0]);
    expect(host.unitImage()).to.equal(OLD);
    expect(host.deployImage()).to.equal(OLD);
    expect(host.calls("systemctl").filter((c) => /^(start|stop) /.test(c))).to.deep.equal([
      "stop openemr-app",
      "start openemr-app",
      `start ${NEW}`,
      "stop openemr-app",
      "start openemr-app",
      `start ${OLD}`,
    ]);
    const log = host.log();
    expect(log).to.contain(`OpenEMR did not answer`);
    expect(log).to.contain(`rolling back to ${OLD}`);
    // the new image had upgraded the site: the operator is told to restore the backup
    expect(log).to.contain("the new image upgraded the site (counter 6 -> 9) before failing");
    expect(log).to.contain(`FAILED: rolled back: OpenEMR answers on ${OLD} again`);
  });

  it("says so when the previous image does not answer either", () => {
    const host = new UpgradeHost(dir, OLD).healthy();
    expect(host.run(NEW).status).to.equal(1);
    expect(host.unitImage()).to.equal(OLD);
    expect(host.metric("UpgradeSucceeded")).to.deep.equal([0]);
    expect(host.log()).to.contain(`rolled back to ${OLD}, which does not answer either`);
  });

  it("does not upgrade when the backup fails: OpenEMR starts again on the image it had", () => {
    const host = new UpgradeHost(dir, OLD).healthy(OLD, NEW).state("backup-status", "1");
    const r = host.run(NEW);
    expect(r.status).to.equal(1);
    expect(host.metric("UpgradeSucceeded")).to.deep.equal([0]);
    expect(host.unitImage()).to.equal(OLD);
    expect(host.deployImage()).to.equal(OLD);
    expect(host.calls("systemctl")).to.deep.equal([
      "stop openemr-app",
      "start openemr-app",
      `start ${OLD}`,
    ]);
    expect(host.log()).to.contain(`the backup failed; no upgrade, OpenEMR starts again on ${OLD}`);
  });

  it("does nothing for the image it already runs, and reports success", () => {
    const host = new UpgradeHost(dir, OLD).healthy(OLD);
    const r = host.run(OLD);
    expect(r.status).to.equal(0);
    expect(host.metric("UpgradeSucceeded")).to.deep.equal([1]);
    expect(host.calls("docker")).to.deep.equal([]);
    expect(host.calls("systemctl")).to.deep.equal([]);
    expect(host.calls("openemr-backup")).to.deep.equal([]);
    expect(r.stdout).to.contain(`OpenEMR already runs ${OLD}`);
  });

  it("refuses a downgrade without touching anything", () => {
    const host = new UpgradeHost(dir, NEW).healthy(OLD, NEW);
    expect(host.run(OLD).status).to.equal(1);
    expect(host.metric("UpgradeSucceeded")).to.deep.equal([0]);
    expect(host.calls("docker")).to.deep.equal([]);
    expect(host.calls("systemctl")).to.deep.equal([]);
    expect(host.unitImage()).to.equal(NEW);
    expect(host.log()).to.contain("refusing to go from 8.0.1 down to 8.0.0");
  });

  it("takes a digest change of the same version as an upgrade", () => {
    const pinned = `${OLD}@${DIGEST}`;
    const host = new UpgradeHost(dir, OLD).healthy(OLD, pinned);
    expect(host.run(pinned).status, host.log()).to.equal(0);
    expect(host.unitImage()).to.equal(pinned);
    expect(host.deployImage()).to.equal(pinned);
    expect(host.calls("openemr-backup")).to.deep.equal(["(no arguments)"]);
  });

  it("changes nothing when the new image cannot be pulled", () => {
    const host = new UpgradeHost(dir, OLD).healthy(OLD, NEW).state("missing-images", `${NEW}\n`);
    expect(host.run(NEW).status).to.equal(1);
    expect(host.metric("UpgradeSucceeded")).to.deep.equal([0]);
    expect(host.calls("systemctl")).to.deep.equal([]);
    expect(host.calls("openemr-backup")).to.deep.equal([]);
    expect(host.log()).to.contain(`cannot pull ${NEW}; OpenEMR keeps running ${OLD}`);
  });

  it("refuses anything but an openemr/openemr release, before reading the host", () => {
    const host = new UpgradeHost(dir, OLD);
    for (const args of [[], ["openemr/openemr:latest"], [NEW, "extra"], ["nginx:1.27.0"]]) {
      expect(host.run(...args).status, args.join(" ")).to.equal(2);
    }
    expect(host.calls("docker")).to.deep.equal([]);
    expect(host.calls("aws")).to.deep.equal([]);
    expect(host.log()).to.contain("usage: openemr-upgrade <image>");
  });

  it("refuses to run beside another upgrade", () => {
    const host = new UpgradeHost(dir, OLD).healthy(OLD, NEW);
    const lock = path.join(dir, "run/openemr-upgrade.lock");
    const script = path.join(SCRIPTS_DIR, "upgrade.sh");
    const r = spawnSync("bash", ["-c", `exec 8>"${lock}"; flock 8; bash "${script}" ${NEW}`], {
      encoding: "utf8",
      env: {
        PATH: `${host.bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
        FAKE_HOST: dir,
        OPENEMR_ETC: host.etc,
        OPENEMR_LOG_DIR: host.logs,
        OPENEMR_UNIT_DIR: host.units,
        OPENEMR_SBIN: host.sbin,
        OPENEMR_RUN_DIR: path.join(dir, "run"),
      },
    });
    expect(r.status).to.equal(1);
    expect(host.log()).to.contain("another openemr-upgrade is running; this one does nothing");
    expect(host.calls("docker")).to.deep.equal([]);
    // the run holding the lock reports the outcome, not this one
    expect(host.metric("UpgradeSucceeded")).to.deep.equal([]);
  });

  describe("with RDS (standard)", () => {
    const DB = "openemr-test-db.abcdefgh.us-east-1.rds.amazonaws.com";

    it("snapshots the database as <identifier>-pre-upgrade-<time> and waits for it before the new image starts", () => {
      const host = new UpgradeHost(dir, OLD, DB).healthy(OLD, NEW);
      expect(host.run(NEW).status, host.log()).to.equal(0);
      const rds = host.calls("aws").filter((c) => c.startsWith("rds "));
      expect(rds).to.have.length(2);
      const create =
        /^rds create-db-snapshot --region us-east-1 --db-instance-identifier openemr-test-db --db-snapshot-identifier (openemr-test-db-pre-upgrade-\d{8}-\d{6}) /.exec(
          rds[0],
        );
      expect(create, rds[0]).to.not.equal(null);
      expect(rds[1]).to.equal(
        `rds wait db-snapshot-available --region us-east-1 --db-snapshot-identifier ${create![1]}`,
      );
      // the snapshot identifier is one RDS accepts (letters, digits, single hyphens, up to 255)
      expect(create![1]).to.match(/^[a-z]([a-z0-9]|-(?=[a-z0-9]))*$/);
      expect(host.calls("openemr-backup")).to.deep.equal([]);
      expect(host.log()).to.contain(`backed up to RDS snapshot ${create![1]}`);
      expect(host.unitImage()).to.equal(NEW);
    });

    it("does not upgrade when the snapshot cannot be taken", () => {
      const host = new UpgradeHost(dir, OLD, DB).healthy(OLD, NEW).state("rds-fails", "");
      expect(host.run(NEW).status).to.equal(1);
      expect(host.metric("UpgradeSucceeded")).to.deep.equal([0]);
      expect(host.unitImage()).to.equal(OLD);
      expect(host.log()).to.contain("the backup failed; no upgrade");
    });
  });
});
