// openemr-health run for real (bash, a fake curl and aws): it reports OpenEMRAnswers 1 only for an
// HTTP 200 from OpenEMR's login page, 0 for anything else (an error page, no answer at all); and the
// CloudWatch agent configuration the bootstrap writes is valid JSON that reports the memory and disk
// metrics the alarms watch, in the one namespace the host may publish to.
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readScript } from "../../components/compute/user-data";
import { FakeHost, type StackSettings } from "../../tools/restore-drill/host";

const STACK: StackSettings = {
  stack: "health",
  mode: "local",
  bucket: "",
  rootPassword: "r",
  userPassword: "u",
  adminPassword: "a",
};

describe("host scripts: openemr-health", () => {
  let dir: string;
  let host: FakeHost;
  const curl = (behaviour: string) =>
    fs.writeFileSync(path.join(host.bin, "curl"), `#!/bin/bash\n${behaviour}\n`, { mode: 0o755 });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "openemr-health-"));
    host = new FakeHost(dir);
    host.configure(STACK);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reports 1 when OpenEMR's login page answers 200", () => {
    curl('printf 200; echo "$@" > "$FAKE_HOST/calls/curl-args"');
    const r = host.run("health.sh");
    expect(r.status, r.stderr).to.equal(0);
    expect(host.metric("OpenEMRAnswers")).to.deep.equal([1]);
    const args = fs.readFileSync(path.join(dir, "calls/curl-args"), "utf8");
    expect(args).to.contain("https://localhost/interface/login/login.php");
    expect(args).to.contain("--max-time 20");
    expect(host.calls("aws")[0]).to.contain("--dimensions Stack=health");
  });

  for (const [what, behaviour] of [
    ["an error page (HTTP 502)", "printf 502"],
    ["no answer at all (curl fails, no status)", "printf 000; exit 7"],
  ]) {
    it(`reports 0 for ${what}, and logs it`, () => {
      curl(behaviour);
      const r = host.run("health.sh");
      expect(r.status, r.stderr).to.equal(0);
      expect(host.metric("OpenEMRAnswers")).to.deep.equal([0]);
      expect(host.log("openemr-health.log")).to.match(/OpenEMR did not answer .* HTTP \d{3}/);
    });
  }
});

describe("host scripts: the CloudWatch agent's configuration", () => {
  /** The bootstrap's heredoc, rendered with a stack's settings. */
  function agentConfig(dataDir: string): {
    metrics: {
      namespace: string;
      append_dimensions: Record<string, string>;
      metrics_collected: {
        mem: { measurement: string[] };
        disk: { measurement: string[]; resources: string[]; drop_device: boolean };
      };
    };
  } {
    const m =
      /cat >\/opt\/aws\/amazon-cloudwatch-agent\/etc\/openemr\.json <<JSON\n([\s\S]*?)\nJSON\n/.exec(
        readScript("bootstrap.sh"),
      );
    if (!m) throw new Error("bootstrap.sh writes no agent configuration");
    // the heredoc is POSIX: rendered by /bin/sh as bash would (no rc files read)
    const out = execFileSync("/bin/sh", ["-euc", `cat <<JSON\n${m[1]}\nJSON`], {
      encoding: "utf8",
      env: { DATA_DIR: dataDir, LOG_GROUP_SYSTEM: "/openemr/test/system", PATH: "/usr/bin:/bin" },
    });
    return JSON.parse(out) as ReturnType<typeof agentConfig>;
  }

  it("is valid JSON that reports memory and per-mount disk use into the OpenEMR namespace", () => {
    const config = agentConfig("/var/lib/openemr");
    expect(config.metrics.namespace).to.equal("OpenEMR");
    // the agent fills it in; bash must leave it as written
    expect(config.metrics.append_dimensions).to.deep.equal({ InstanceId: "${aws:InstanceId}" });
    expect(config.metrics.metrics_collected.mem.measurement).to.deep.equal(["mem_used_percent"]);
    expect(config.metrics.metrics_collected.disk).to.include({ drop_device: true });
    expect(config.metrics.metrics_collected.disk.resources).to.deep.equal([
      "/",
      "/var/lib/openemr",
    ]);
  });
});
