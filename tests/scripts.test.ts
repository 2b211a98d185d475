import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./helpers/plan";

const SCRIPT_DIRS = ["components/compute/scripts"];
/** Scripts that run inside the OpenEMR image (Alpine: busybox ash, no bash). */
const POSIX_SH = ["import-apply.sh"];

describe("boot and backup scripts", () => {
  const scripts = SCRIPT_DIRS.flatMap((dir) =>
    fs
      .readdirSync(path.join(ROOT, dir))
      .filter((f) => f.endsWith(".sh"))
      .map((f) => path.join(ROOT, dir, f)),
  );

  it("are real files with a bash shebang and strict mode (POSIX sh for what runs in the OpenEMR image)", () => {
    expect(scripts.length).to.be.at.least(4);
    for (const file of scripts) {
      const text = fs.readFileSync(file, "utf8");
      if (POSIX_SH.includes(path.basename(file))) {
        // the OpenEMR image has no bash (SPEC-17: import-apply.sh runs under dash and busybox ash)
        expect(text.startsWith("#!/bin/sh\n"), file).to.equal(true);
        expect(text, file).to.match(/^set -eu$/m);
        continue;
      }
      expect(text.startsWith("#!/bin/bash\n"), file).to.equal(true);
      expect(text, file).to.contain("set -euo pipefail");
    }
  });

  it("pass shellcheck", () => {
    // .ci/run installs shellcheck (Debian package); a missing shellcheck fails here on purpose
    const out = execFileSync("shellcheck", ["--severity=style", "-x", ...scripts], {
      encoding: "utf8",
    });
    expect(out).to.equal("");
  });
});
