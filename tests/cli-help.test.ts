// Every command of package.json answers --help (usage, exit 0) and refuses an unknown flag (exit 2).
import { expect } from "chai";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./helpers/plan";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function npmRun(script: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "npm",
      ["run", "-s", script, "--", ...args],
      { cwd: ROOT, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
};
/** The project's own commands (not the test, lint and format chains). */
const COMMANDS = Object.keys(pkg.scripts).filter(
  (s) => !["test", "typecheck", "lint", "format"].includes(s),
);

describe("commands", () => {
  it("are the ones the architecture document lists", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs/architecture.md"), "utf8");
    for (const command of COMMANDS) expect(doc, command).to.contain(`npm run ${command}`);
  });

  it("each answer --help with their usage and exit 0, and exit 2 on an unknown flag", async function () {
    this.timeout(120_000);
    const runs = await Promise.all(
      COMMANDS.flatMap((c) => [npmRun(c, ["--help"]), npmRun(c, ["--no-such-flag"])]),
    );
    COMMANDS.forEach((command, i) => {
      const help = runs[2 * i];
      const bad = runs[2 * i + 1];
      expect(help.code, `${command} --help: ${help.stderr}`).to.equal(0);
      expect(help.stdout, command).to.match(/usage:/i);
      expect(bad.code, `${command} --no-such-flag`).to.equal(2);
    });
  });
});
