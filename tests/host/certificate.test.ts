// certificate.sh run for real with fake docker and aws (tools/restore-drill/host.ts): certbot on the
// host network, Apache reloaded only when it already runs.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FakeHost, type StackSettings } from "../../tools/restore-drill/host";

const DOMAIN = "emr.example.org";

describe("host scripts: certificate.sh", () => {
  let dir: string;
  let host: FakeHost;
  let fullchain: Buffer;
  let privkey: Buffer;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "certificate-"));
    // what certbot leaves in the letsencrypt volume: a real certificate, 30 days
    const made = spawnSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "30",
        "-subj",
        `/CN=${DOMAIN}`,
        "-keyout",
        path.join(dir, "privkey.pem"),
        "-out",
        path.join(dir, "fullchain.pem"),
      ],
      { encoding: "utf8" },
    );
    if (made.error || made.status !== 0) {
      throw new Error(
        `openssl (which certificate.sh needs) failed: ${made.error?.message ?? made.stderr}`,
      );
    }
    fullchain = fs.readFileSync(path.join(dir, "fullchain.pem"));
    privkey = fs.readFileSync(path.join(dir, "privkey.pem"));
    host = new FakeHost(path.join(dir, "host"));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  beforeEach(() => {
    host.wipe();
    const settings: StackSettings = {
      stack: "stack-c",
      mode: "s3",
      bucket: "stack-c-backups",
      rootPassword: "r",
      userPassword: "u",
      adminPassword: "a",
      domain: DOMAIN,
    };
    host.configure(settings);
    const live = path.join(host.volume("openemr-letsencrypt"), "live", DOMAIN);
    fs.mkdirSync(live, { recursive: true });
    fs.writeFileSync(path.join(live, "fullchain.pem"), fullchain);
    fs.writeFileSync(path.join(live, "privkey.pem"), privkey);
    // the image's self-signed certificate
    for (const [sub, file] of [
      ["certs", "webserver.cert.pem"],
      ["private", "webserver.key.pem"],
    ]) {
      fs.mkdirSync(path.join(host.volume("openemr-ssl"), sub), { recursive: true });
      fs.writeFileSync(path.join(host.volume("openemr-ssl"), sub, file), "self-signed\n");
    }
  });

  const ssl = (rel: string): string => path.join(host.volume("openemr-ssl"), rel);
  const appExecs = (): string[] =>
    host.calls("docker").filter((c) => c.startsWith("exec openemr-app"));

  it("runs certbot, alone, on the host network (instance credentials through IMDSv2, hop limit 1)", () => {
    host.setApacheRunning(true);
    const r = host.run("certificate.sh");
    expect(r.status, host.log("openemr-certificate.log")).to.equal(0);
    const runs = host.calls("docker").filter((c) => c.startsWith("run "));
    expect(runs).to.deep.equal([
      `run --rm --network host -v openemr-letsencrypt:/etc/letsencrypt certbot/dns-route53:v3.0.1 certonly --dns-route53 --non-interactive --agree-tos --keep-until-expiring --register-unsafely-without-email -d ${DOMAIN}`,
    ]);
  });

  it("installs the certificate for Apache and reports the days left", () => {
    host.setApacheRunning(true);
    expect(host.run("certificate.sh").status).to.equal(0);
    expect(fs.readFileSync(ssl("certs/letsencrypt.cert.pem"))).to.deep.equal(fullchain);
    expect(fs.readFileSync(ssl("private/letsencrypt.key.pem"))).to.deep.equal(privkey);
    expect(fs.statSync(ssl("private/letsencrypt.key.pem")).mode & 0o777).to.equal(0o600);
    expect(fs.readlinkSync(ssl("certs/webserver.cert.pem"))).to.equal("letsencrypt.cert.pem");
    expect(fs.readlinkSync(ssl("private/webserver.key.pem"))).to.equal("letsencrypt.key.pem");
    const [days] = host.metric("CertificateDaysLeft");
    expect(days).to.be.within(29, 30);
  });

  it("reloads Apache when it runs", () => {
    host.setApacheRunning(true);
    expect(host.run("certificate.sh").status).to.equal(0);
    expect(appExecs()).to.deep.equal([
      "exec openemr-app pidof httpd",
      "exec openemr-app httpd -k graceful",
    ]);
  });

  it("does not start Apache while OpenEMR's installer runs: leaves the certificate for its start", () => {
    host.setApacheRunning(false);
    const r = host.run("certificate.sh");
    expect(r.status, host.log("openemr-certificate.log")).to.equal(0);
    expect(appExecs()).to.deep.equal(["exec openemr-app pidof httpd"]);
    expect(fs.readlinkSync(ssl("certs/webserver.cert.pem"))).to.equal("letsencrypt.cert.pem");
    expect(host.metric("CertificateDaysLeft")).to.have.length(1);
  });

  it("leaves the current certificate alone when certbot fails", () => {
    host.setApacheRunning(true);
    host.setRunStatus(1);
    const r = host.run("certificate.sh");
    expect(r.status).to.not.equal(0);
    expect(appExecs()).to.deep.equal([]);
    expect(fs.readFileSync(ssl("certs/webserver.cert.pem"), "utf8")).to.equal("self-signed\n");
    expect(host.metric("CertificateDaysLeft")).to.deep.equal([]);
  });
});
