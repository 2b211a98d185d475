import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../tools/policy/cli";
import { mutate, setProp } from "../helpers/mutate";
import { TS_REGISTER } from "../helpers/plan";
import { expressPlus, standard } from "./verdict";

class Capture {
  text = "";
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new Capture();
  const err = new Capture();
  const code = await main(argv, out, err);
  return { code, out: out.text, err: err.text };
}

describe("npm run policy", () => {
  let dir: string;
  let good: string;
  let bad: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "openemr-policy-"));
    good = join(dir, "good.json");
    bad = join(dir, "bad.json");
    writeFileSync(good, JSON.stringify(await expressPlus()));
    const unencrypted = mutate(
      await standard(),
      setProp(["aws:ebs/volume:Volume", "openemr-staging-web-data"], "encrypted", false),
    );
    writeFileSync(bad, JSON.stringify(unencrypted));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("exits 0 on a compliant plan", async () => {
    const r = await run(["--plan", good]);
    expect(r.code).to.equal(0);
    expect(r.out).to.include("Policy pack openemr-aws-hipaa on stack dev (express-plus)");
    expect(r.out).to.include("0 mandatory, 0 advisory violation(s): passed");
  });

  it("exits 1 on a mandatory violation and prints policy, level, resource and message", async () => {
    const r = await run([`--plan=${bad}`]);
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/mandatory +ebs-volume-encrypted +openemr-staging-web-data/);
    expect(r.out).to.include(
      'EBS volume "openemr-staging-web-data" is not encrypted at rest. Set encrypted: true',
    );
    expect(r.out).to.include("1 mandatory, 0 advisory violation(s): FAILED");
  });

  it("applies a config file or inline JSON", async () => {
    const cfg = join(dir, "cfg.json");
    writeFileSync(cfg, JSON.stringify({ "ebs-volume-encrypted": "advisory" }));
    const fromFile = await run(["--plan", bad, "--config", cfg]);
    expect(fromFile.code).to.equal(0);
    expect(fromFile.out).to.match(/advisory +ebs-volume-encrypted +openemr-staging-web-data/);
    const inline = await run(["--plan", bad, "--config", '{"ebs-volume-encrypted":"disabled"}']);
    expect(inline.code).to.equal(0);
    expect(inline.out).not.to.include("ebs-volume-encrypted");
  });

  const usage: Array<[string, string[], string]> = [
    ["no --plan", [], "policy: --plan <plan.json> is required"],
    [
      "an unknown argument",
      ["--plan", "x.json", "--stack", "dev"],
      "policy: unknown argument --stack",
    ],
    ["a flag without value", ["--plan"], "policy: --plan needs a value"],
    [
      "an unreadable file",
      ["--plan", "/nonexistent/plan.json"],
      'error: cannot read plan file "/nonexistent/plan.json": ENOENT',
    ],
  ];
  for (const [what, argv, message] of usage) {
    it(`exits 2 on ${what}, without a stack trace`, async () => {
      const r = await run(argv);
      expect(r.code).to.equal(2);
      expect(r.err).to.include(message);
      expect(r.err).to.include("Usage: npm run policy");
      expect(r.err).not.to.match(/\n\s+at /);
    });
  }

  it("exits 2 on invalid JSON, a file that is not a plan, and an invalid config", async () => {
    const notJson = join(dir, "not.json");
    writeFileSync(notJson, "{ nope");
    const notPlan = join(dir, "notplan.json");
    writeFileSync(notPlan, JSON.stringify({ resources: [{ urn: 1 }] }));
    const cases: Array<[string[], string]> = [
      [["--plan", notJson], "is not valid JSON"],
      [["--plan", notPlan], "is not a plan file"],
      [["--plan", good, "--config", '{"all": "loud"}'], '"loud" is not a valid enforcement level'],
      [["--plan", good, "--config", "[1]"], "must be a JSON object"],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(" ")).to.equal(2);
      expect(r.err).to.include(message);
      expect(r.err).not.to.match(/\n\s+at /);
    }
  });

  it("works as a command: exit status 1 and the report on stdout", function () {
    this.timeout(30000);
    const r = spawnSync(
      process.execPath,
      ["-r", TS_REGISTER, "tools/policy/cli.ts", "--plan", bad],
      { encoding: "utf8" },
    );
    expect(r.status, r.stderr).to.equal(1);
    expect(r.stdout).to.include("ebs-volume-encrypted");
  });
});
