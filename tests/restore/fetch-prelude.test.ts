// restore-fetch's prelude, run with bash on a temporary sites folder: one task of those the service
// starts at once fetches, the others wait for its import, a dead task's lock is taken over.
import { spawnSync } from "child_process";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fetchPrelude } from "../../components/service/restore-containers";
import { SITES_DIR } from "../../components/service/openemr-container";

describe("restore-fetch: one task fetches, the others wait", () => {
  let sites: string;
  beforeEach(() => {
    sites = fs.mkdtempSync(path.join(os.tmpdir(), "fetch-prelude-"));
  });
  afterEach(() => fs.rmSync(sites, { recursive: true, force: true }));

  const run = (before = "", env: Record<string, string> = {}) =>
    spawnSync(
      "bash",
      ["-c", `${before}\n${fetchPrelude().split(SITES_DIR).join(sites)}echo FETCHING`],
      {
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      },
    );
  const lock = () => path.join(sites, ".openemr-import.fetching");
  const done = () => path.join(sites, ".openemr-import.done");

  it("fetches nothing once the set is imported", () => {
    fs.writeFileSync(done(), "x");
    const r = run();
    expect(r.status).to.equal(0);
    expect(r.stdout).to.contain("already imported, nothing to fetch");
    expect(r.stdout).to.not.contain("FETCHING");
    expect(fs.existsSync(lock())).to.equal(false);
  });

  it("the first task takes the lock and fetches", () => {
    const r = run();
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.equal("FETCHING\n");
    expect(fs.statSync(lock()).isDirectory()).to.equal(true);
  });

  it("another task waits for the import, then fetches nothing", () => {
    fs.mkdirSync(lock());
    const r = run(`(sleep 1; touch ${done()}) &`, { OPENEMR_IMPORT_POLL_SECONDS: "1" });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.contain("another task is fetching the set; waiting");
    expect(r.stdout).to.contain("imported by another task, nothing to fetch");
    expect(r.stdout).to.not.contain("FETCHING");
  });

  it("fails when the other task's import never finishes, and takes over a lock older than the wait", () => {
    fs.mkdirSync(lock());
    const waiting = run("", { OPENEMR_IMPORT_POLL_SECONDS: "1", OPENEMR_IMPORT_WAIT_SECONDS: "2" });
    expect(waiting.status).to.equal(1);
    expect(waiting.stderr).to.contain(
      "openemr-import: FAILED the other task's import did not finish within 2 s",
    );
    const old = new Date(Date.now() - 4 * 3600 * 1000);
    fs.utimesSync(lock(), old, old);
    const stale = run();
    expect(stale.status, stale.stderr).to.equal(0);
    expect(stale.stdout).to.contain("taking over a fetch lock older than 10800 s");
    expect(stale.stdout).to.contain("FETCHING");
  });
});
