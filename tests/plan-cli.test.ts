import { expect } from "chai";
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { T as PACK_TOKENS } from "../policy/policies/common";
import { T } from "../tools/plan/tokens";
import type { PlanFile } from "../tools/plan/types";
import { ROOT, type PlanRun, runPlanCli } from "./helpers/plan";

/**
 * A copy of the repository made of links to its files, with its own stack files instead of the
 * example ones, so `npm run plan` can be run on stack files the tests write (the CLI reads them
 * from its own directory; --preserve-symlinks keeps it there). Its path is the same on every run,
 * so the TypeScript cache (tools/runtime/register.js, keyed by file path) is reused, not grown.
 */
function repositoryWith(stacks: Record<string, string>): string {
  const id = crypto.createHash("sha256").update(ROOT).digest("hex").slice(0, 12);
  const dir = path.join(os.tmpdir(), `openemr-aws-plan-cli-${id}`);
  removeCopy(dir);
  fs.mkdirSync(dir);
  for (const entry of fs.readdirSync(ROOT)) {
    if (entry === ".git" || /^Pulumi\.[^.]+\.yaml$/.test(entry)) continue;
    fs.symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
  }
  for (const [stack, text] of Object.entries(stacks)) {
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
  }
  return dir;
}

/** Removes a copy: its links and files, never what the links point to. */
function removeCopy(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir)) fs.unlinkSync(path.join(dir, entry));
  fs.rmdirSync(dir);
}

/** `npm run plan` with `args`, run from the repository copy `dir`. */
function runPlanCliIn(dir: string, args: string[]): Promise<PlanRun> {
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "plan.json");
  const cli = path.join(dir, "tools/pipeline/plan-cli.ts");
  const register = path.join(dir, "tools/runtime/register.js");
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        "--preserve-symlinks",
        "--preserve-symlinks-main",
        "-r",
        register,
        cli,
        ...args,
        "--json",
        json,
      ],
      { cwd: dir, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        const plan = fs.existsSync(json)
          ? (JSON.parse(fs.readFileSync(json, "utf8")) as PlanFile)
          : undefined;
        fs.rmSync(path.dirname(json), { recursive: true, force: true });
        resolve({ code: typeof code === "number" ? code : 1, stdout, stderr, plan });
      },
    );
  });
}

describe("npm run plan", () => {
  it("writes the plan file of docs/architecture.md and exits 0 for the dev stack", async () => {
    const run = await runPlanCli(["--stack", "dev"]);
    expect(run.code, run.stderr).to.equal(0);
    const plan = run.plan!;
    expect(Object.keys(plan).slice(0, 6)).to.deep.equal([
      "project",
      "stack",
      "preset",
      "region",
      "resources",
      "outputs",
    ]);
    expect(plan).to.include({
      project: "openemr-aws",
      stack: "dev",
      preset: "express",
      region: "us-east-1",
    });
    const instance = plan.resources.find((r) => r.type === "aws:ec2/instance:Instance")!;
    expect(Object.keys(instance).sort()).to.deep.equal([
      "custom",
      "name",
      "opts",
      "parent",
      "propertyDependencies",
      "props",
      "type",
      "urn",
    ]);
    expect(instance.urn).to.match(
      /^urn:pulumi:dev::openemr-aws::.*aws:ec2\/instance:Instance::openemr-dev-web$/,
    );
    expect(Object.keys(instance.opts).sort()).to.deep.equal([
      "dependsOn",
      "ignoreChanges",
      "protect",
      "retainOnDelete",
    ]);
    expect(instance.propertyDependencies.iamInstanceProfile).to.have.length(1);
    expect(run.stdout).to.contain("Resources by component:");
    expect(run.stdout).to.contain("Counts by type:");
    expect(run.stdout).to.contain("url: https://");
  });

  it("records explicit dependsOn separately from property dependencies", async () => {
    const plan = (await runPlanCli(["--stack", "dev"])).plan!;
    const web = plan.resources.find((r) => r.type === "openemr:compute:WebInstance")!;
    // the three log groups the host ships to (containers, database, system), and the SSM
    // parameters holding the scripts its first boot installs
    const on = web.opts.dependsOn.map((urn) => plan.resources.find((r) => r.urn === urn)!);
    const names = (type: string) =>
      on.filter((r) => r.type === type).map((r) => r.name.replace(/^openemr-dev-/, ""));
    expect(names("aws:cloudwatch/logGroup:LogGroup").sort()).to.deep.equal([
      "containers",
      "database",
      "system",
    ]);
    const scripts = names("aws:ssm/parameter:Parameter");
    expect(scripts).to.include("script-restore-1").and.include("script-backup-1");
    expect(scripts.every((n) => n.startsWith("script-"))).to.equal(true);
    expect(on.length).to.equal(3 + scripts.length);
    expect(web.propertyDependencies.userData ?? []).to.not.include.members(web.opts.dependsOn);
  });

  it("applies --set overrides on top of the stack file", async () => {
    const run = await runPlanCli([
      "--stack",
      "dev",
      "--set",
      'openemr:express={"instanceType":"t4g.medium"}',
    ]);
    expect(run.code, run.stderr).to.equal(0);
    const instance = run.plan!.resources.find((r) => r.type === "aws:ec2/instance:Instance")!;
    expect(instance.props.instanceType).to.equal("t4g.medium");
  });

  it("exits 2 with the config problem and no stack trace on bad config", async () => {
    const run = await runPlanCli(["--stack", "dev", "--set", "preset=expresss"]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain(
      'openemr:preset: got "expresss"; allowed: express, express-plus, standard, fargate',
    );
    expect(run.stderr).to.not.match(/\n\s+at /);
    expect(run.plan).to.equal(undefined);
  });

  it("exits 2 for an unknown stack and lists the stacks there are", async () => {
    const run = await runPlanCli(["--stack", "nope"]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/no stack file Pulumi\.nope\.yaml; stacks here: .*dev/);
  });

  it("exits 2 on a malformed --set", async () => {
    const run = await runPlanCli(["--stack", "dev", "--set", "novalue"]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain("--set novalue: expected key=value");
  });

  it("plans several stacks in one test run without cross-talk", async () => {
    const [dev, staging] = await Promise.all([
      runPlanCli(["--stack", "dev"]),
      runPlanCli(["--stack", "staging"]),
    ]);
    expect(dev.plan!.preset).to.equal("express");
    expect(staging.plan!.preset).to.equal("standard");
    expect(dev.plan!.resources.some((r) => r.urn.includes("openemr-staging"))).to.equal(false);
  });
});

describe("npm run plan: --set in both forms of pulumi config set", () => {
  it("sets one member of a preset's object with the path form", async () => {
    const run = await runPlanCli([
      "--stack",
      "dev",
      "--set",
      "openemr:express.instanceType=t4g.micro",
    ]);
    expect(run.code, run.stderr).to.equal(0);
    const instance = run.plan!.resources.find((r) => r.type === "aws:ec2/instance:Instance")!;
    expect(instance.props.instanceType).to.equal("t4g.micro");
  });

  it("merges path sets into the stack file's object (docs/standard.md's example)", async () => {
    const run = await runPlanCli([
      "--stack",
      "staging",
      "--set",
      "openemr:standard.multiAz=false",
      "--set",
      "openemr:standard.dbInstanceClass=db.t4g.micro",
    ]);
    expect(run.code, run.stderr).to.equal(0);
    const db = run.plan!.resources.find((r) => r.type === "aws:rds/instance:Instance")!;
    // staging's dbBackupRetentionDays (14) stays; the preset's default is 7
    expect(db.props).to.include({
      multiAz: false,
      instanceClass: "db.t4g.micro",
      backupRetentionPeriod: 14,
    });
  });

  it("replaces the whole object with the whole-value form, and says what that drops", async () => {
    const run = await runPlanCli([
      "--stack",
      "staging",
      "--set",
      'openemr:standard={"multiAz":false}',
    ]);
    expect(run.code, run.stderr).to.equal(0);
    const db = run.plan!.resources.find((r) => r.type === "aws:rds/instance:Instance")!;
    expect(db.props).to.include({ multiAz: false, backupRetentionPeriod: 7 });
    expect(run.stdout.split("\n")[0]).to.equal(
      "note: --set openemr:standard=… replaces the whole object Pulumi.staging.yaml sets (as `pulumi config set` without --path does), so dbBackupRetentionDays is no longer set and takes its default; to change one key, --set openemr:standard.<key>=<value>",
    );
  });

  it("exits 2 on a path the stack file's value cannot take", async () => {
    const run = await runPlanCli([
      "--stack",
      "dev",
      "--set",
      "openemr:allowedCidrs[5]=192.0.2.0/24",
    ]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain(
      "plan: --set openemr:allowedCidrs[5]=192.0.2.0/24: openemr:allowedCidrs[5]: out of range, the list has 1 item(s); [1] appends",
    );
    expect(run.stderr).to.not.match(/\n\s+at /);
  });
});

describe("npm run plan: what pulumi up would refuse or ignore", () => {
  it("exits 2 listing every problem at once, without a stack trace", async () => {
    const run = await runPlanCli([
      "--stack",
      "dev",
      "--set",
      "openemr-aws:alarmEmail=it@clinic.example",
      "--set",
      "aws:regoin=us-east-1",
      "--set",
      "aws:region=mars-1",
      "--set",
      'openemr:allowedCidrs=["203.0.113.0/24","203.0.113.0/24"]',
      "--set",
      "openemr:auditTrail=create",
      "--set",
      "openemr:express.swapGb=-1",
      "--set",
      'openemr:fargate={"cpu":1024,}',
    ]);
    expect(run.code).to.equal(2);
    expect(run.plan).to.equal(undefined);
    expect(run.stderr).to.not.match(/\n\s+at /);
    const problems = run.stderr
      .split("\n")
      .filter((l) => l.startsWith("  - "))
      .map((l) => l.slice(4).split(":").slice(0, 2).join(":"));
    expect(run.stderr).to.match(/^plan: stack dev: Invalid stack configuration \(7 problems\):/);
    expect(problems).to.have.members([
      "openemr-aws:alarmEmail",
      "aws:regoin",
      "aws:region",
      "openemr:allowedCidrs[1]",
      "openemr:auditTrail",
      "openemr:express.swapGb",
      "openemr:fargate",
    ]);
    expect(run.stderr).to.contain("openemr:fargate: not valid JSON (");
    expect(run.stderr).to.contain("did you mean aws:region?");
  });
});

describe("npm run plan: stack files as pulumi config writes them", () => {
  const secure = `config:
  aws:region: us-east-1
  openemr:preset: express
  openemr:allowedCidrs:
    - 203.0.113.0/24
  openemr:alarmEmail:
    secure: v1:YWxhcm1z
  aws:secretKey:
    secure: v1:c2VjcmV0
`;
  let dir: string;
  before(() => {
    dir = repositoryWith({
      clinic: secure,
      broken:
        "config:\n  openemr:preset: express\n  openemr:allowedCidrs: [203.0.113.0/24\n  openemr:protectData: false\n",
    });
  });
  after(() => removeCopy(dir));

  it("exits 2 naming a secure value it cannot decrypt and the --set that supplies it", async () => {
    const run = await runPlanCliIn(dir, ["--stack", "clinic"]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.equal(
      "plan: stack clinic: Invalid stack configuration (1 problem):\n  - openemr:alarmEmail: is encrypted (secure) in Pulumi.clinic.yaml, and the offline plan cannot decrypt it (pulumi up gets it decrypted from the Pulumi CLI); give its plain value with --set openemr:alarmEmail=<value>\n",
    );
  });

  it("plans once --set gives the value (a provider secret is not needed)", async () => {
    const run = await runPlanCliIn(dir, [
      "--stack",
      "clinic",
      "--set",
      "openemr:alarmEmail=it@clinic.example",
    ]);
    expect(run.code, run.stderr).to.equal(0);
    const subscription = run.plan!.resources.find(
      (r) => r.type === "aws:sns/topicSubscription:TopicSubscription",
    )!;
    expect(subscription.props.endpoint).to.equal("it@clinic.example");
  });

  it("exits 2 on a YAML error, naming the file, line and column", async () => {
    const run = await runPlanCliIn(dir, ["--stack", "broken"]);
    expect(run.code).to.equal(2);
    expect(run.stderr.split("\n")[0]).to.equal(
      "plan: Pulumi.broken.yaml, line 4, column 3: Flow sequence in block collection must be sufficiently indented and end with a ]",
    );
    expect(run.stderr).to.not.match(/\n\s+at /);
  });
});

describe("plan model: type tokens", () => {
  it("the policy pack spells every type token as tools/plan/tokens.ts does", () => {
    const tools: Readonly<Record<string, string>> = T;
    for (const [key, token] of Object.entries(PACK_TOKENS)) {
      expect(tools[key], `T.${key}`).to.equal(token);
    }
  });
});
