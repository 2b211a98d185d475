import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { diffPlans } from "../../tools/diff/diff";
import { formatMarkdown } from "../../tools/diff/format";
import { USAGE, run } from "../../tools/diff/cli";
import type { PlanFile } from "../../tools/plan/types";
import { TS_REGISTER } from "../helpers/plan";
import { removeProtectedDatabasePair, sizeChangePair } from "./scenarios";

const ROOT = resolve(__dirname, "../..");

/** A reader over in-memory files, as `run` takes it. */
function files(content: Record<string, string>) {
  return (path: string): string => {
    const c = content[path];
    if (c === undefined) throw Object.assign(new Error("no such file"), { code: "ENOENT" });
    return c;
  };
}

const json = (p: PlanFile): string => JSON.stringify(p);

describe("npm run diff", () => {
  it("exits 0 without a data-losing change and 1 with one", () => {
    const size = sizeChangePair();
    const ok = run(
      ["b.json", "h.json"],
      files({ "b.json": json(size.base), "h.json": json(size.head) }),
    );
    expect(ok.code).to.equal(0);
    expect(ok.stdout.split("\n")[0]).to.equal("Plan diff: stack dev, preset standard");
    const db = removeProtectedDatabasePair();
    const loss = run(
      ["b.json", "h.json", "--markdown"],
      files({ "b.json": json(db.base), "h.json": json(db.head) }),
    );
    expect(loss).to.deep.equal({
      code: 1,
      stdout: formatMarkdown(diffPlans(db.base, db.head)),
      stderr: "",
    });
  });

  it("exits 0 when the only stateful resource leaving is kept by retainOnDelete", () => {
    const db = removeProtectedDatabasePair();
    const base = {
      ...db.base,
      resources: db.base.resources.filter((r) => r.name !== "openemr-db"),
    };
    const r = run(["b", "h"], files({ b: json(base), h: json(db.head) }));
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain(
      "!! Stateful resources leave the stack (kept in AWS by retainOnDelete)",
    );
  });

  it("exits 2 with the usage on bad arguments", () => {
    expect(run([])).to.deep.equal({
      code: 2,
      stdout: "",
      stderr: `diff: missing arguments <base-plan.json> <head-plan.json>\n\n${USAGE}`,
    });
    expect(run(["a", "b", "--json"])).to.deep.equal({
      code: 2,
      stdout: "",
      stderr: `diff: unknown argument --json\n\n${USAGE}`,
    });
    expect(run(["a", "b", "c"]).code).to.equal(2);
    expect(run(["--help"])).to.deep.equal({ code: 0, stdout: USAGE, stderr: "" });
  });

  it("exits 2 naming the file and the field of a plan file it cannot use", () => {
    const good = json(sizeChangePair().base);
    const broken = JSON.parse(good) as { resources: { opts: { protect: unknown } }[] };
    const first = broken.resources[0];
    if (first) first.opts.protect = "yes";
    const cases: [Record<string, string>, string][] = [
      [{ b: good }, "error: h: cannot read (ENOENT)\n"],
      [{ b: good, h: "{" }, "error: h: not valid JSON"],
      [{ b: good, h: "[]" }, "error: h: the plan must be an object\n"],
      [
        { b: good, h: JSON.stringify(broken) },
        "error: h: resources[0].opts.protect must be true or false\n",
      ],
      [
        {
          b: good,
          h: JSON.stringify({
            ...JSON.parse(good),
            policy: {
              pack: "p",
              passed: true,
              violations: [{ policy: "x", level: "high", urn: "u", message: "m" }],
            },
          }),
        },
        'error: h: policy.violations[0].level must be "mandatory" or "advisory"\n',
      ],
    ];
    for (const [content, message] of cases) {
      const r = run(["b", "h"], files(content));
      expect(r.code, message).to.equal(2);
      expect(r.stdout).to.equal("");
      expect(r.stderr.startsWith(message), r.stderr).to.equal(true);
    }
  });

  it("runs as a command with the documented exit code", function () {
    this.timeout(20000);
    const dir = mkdtempSync(join(tmpdir(), "openemr-diff-"));
    try {
      const db = removeProtectedDatabasePair();
      writeFileSync(join(dir, "base.json"), json(db.base));
      writeFileSync(join(dir, "head.json"), json(db.head));
      const r = spawnSync(
        process.execPath,
        [
          "--require",
          TS_REGISTER,
          "tools/diff/cli.ts",
          join(dir, "base.json"),
          join(dir, "head.json"),
        ],
        { cwd: ROOT, encoding: "utf8" },
      );
      expect(r.stderr).to.equal("");
      expect(r.status).to.equal(1);
      expect(r.stdout).to.contain(
        "!! DATA LOSS: 1 stateful resource would be destroyed or replaced",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
