// openemr-forget-superuser run for real (bash, fake docker and systemctl): the database superuser
// leaves OpenEMR's env file only once OpenEMR is installed and serving, and the container is then
// restarted without it; nothing else in the file changes.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FakeHost, type StackSettings } from "../../tools/restore-drill/host";

const STACK: StackSettings = {
  stack: "forget",
  mode: "local",
  bucket: "",
  rootPassword: "Root-Pass.1x",
  userPassword: "User-Pass.2y",
  adminPassword: "Admin-Pass.3z",
};
const QUICK = { OPENEMR_INSTALL_WAIT_SECONDS: "1", OPENEMR_POLL_SECONDS: "0.2" };

describe("host scripts: openemr-forget-superuser", () => {
  let dir: string;
  let host: FakeHost;
  const appEnv = () => fs.readFileSync(path.join(host.etc, "secrets/app.env"), "utf8");
  const sqlconf = (config: 0 | 1) => {
    const file = path.join(host.volume("openemr-sites"), "default/sqlconf.php");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `<?php\n$host = 'openemr-db';\n$config = ${config}; /////////////\n`);
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "forget-superuser-"));
    host = new FakeHost(dir);
    host.configure(STACK);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("keeps the superuser while OpenEMR is not installed, and says so", () => {
    sqlconf(0);
    host.setApacheRunning(true);
    const before = appEnv();
    const r = host.run("forget-superuser.sh", [], QUICK);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.match(/not installed after 1 s; the superuser stays/);
    expect(appEnv()).to.equal(before);
    expect(host.calls("systemctl")).to.deep.equal([]);
  });

  it("waits for Apache: an installed site whose openemr.sh is still applying settings keeps it", () => {
    sqlconf(1);
    host.setApacheRunning(false);
    const r = host.run("forget-superuser.sh", [], QUICK);
    expect(r.status).to.equal(1);
    expect(appEnv()).to.contain(`MYSQL_ROOT_PASS=${STACK.rootPassword}`);
    expect(host.calls("systemctl")).to.deep.equal([]);
  });

  it("removes only the superuser and admin password lines once installed, then restarts OpenEMR without them", () => {
    sqlconf(1);
    host.setApacheRunning(true);
    const r = host.run("forget-superuser.sh", [], QUICK);
    expect(r.status, r.stderr).to.equal(0);
    expect(appEnv()).to.equal(
      `MYSQL_HOST=openemr-db\nMYSQL_USER=openemr\nMYSQL_PASS=${STACK.userPassword}\nOE_USER=admin\n`,
    );
    expect(appEnv()).not.to.contain(STACK.rootPassword);
    // the admin password too: only the installer uses it
    expect(appEnv()).not.to.contain(STACK.adminPassword);
    expect(host.calls("systemctl")).to.deep.equal(["restart openemr-app.service"]);
    // the MariaDB container keeps its own root password (backups and restores run there)
    expect(fs.readFileSync(path.join(host.etc, "secrets/db.env"), "utf8")).to.contain(
      STACK.rootPassword,
    );
  });

  it("removes an RDS master user's name and password the same way", () => {
    fs.writeFileSync(
      path.join(host.etc, "secrets/app.env"),
      "MYSQL_HOST=db.example.internal\nMYSQL_ROOT_USER=openemr_master\nMYSQL_ROOT_PASS=Master.9q\nMYSQL_USER=openemr\nMYSQL_PASS=u\n",
    );
    sqlconf(1);
    host.setApacheRunning(true);
    expect(host.run("forget-superuser.sh", [], QUICK).status).to.equal(0);
    expect(appEnv()).to.equal("MYSQL_HOST=db.example.internal\nMYSQL_USER=openemr\nMYSQL_PASS=u\n");
  });

  it("does nothing on later boots: no restart when the file holds no superuser", () => {
    sqlconf(1);
    host.setApacheRunning(true);
    expect(host.run("forget-superuser.sh", [], QUICK).status).to.equal(0);
    host.clearCalls();
    const r = host.run("forget-superuser.sh", [], QUICK);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/no superuser credentials/);
    expect(host.calls("systemctl")).to.deep.equal([]);
  });
});
