// What `npm test` needs besides node_modules (README, "Prerequisites"): each program is here, or
// this test says what to install; the README and .ci/run name every one of them.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { findBinary } from "../tools/restore-drill/server";
import { ROOT } from "./helpers/plan";

interface Prerequisite {
  /** The program the tests run. */
  program: string;
  /** The Debian package that has it. */
  debian: string;
  /** Which tests run it. */
  usedBy: string;
}

const PROGRAMS: readonly Prerequisite[] = [
  { program: "shellcheck", debian: "shellcheck", usedBy: "the shell scripts' lint" },
  { program: "mariadbd", debian: "mariadb-server", usedBy: "tests/host and the restore drill" },
  {
    program: "mariadb-install-db",
    debian: "mariadb-server",
    usedBy: "tests/host and the restore drill",
  },
  { program: "mariadb", debian: "mariadb-client", usedBy: "tests/host and the restore drill" },
  { program: "mariadb-dump", debian: "mariadb-client", usedBy: "tests/host and the restore drill" },
  { program: "openssl", debian: "openssl", usedBy: "tests/host/certificate" },
  { program: "bash", debian: "bash", usedBy: "the host and CI scripts" },
  { program: "tar", debian: "tar", usedBy: "the backup and restore scripts" },
  { program: "gzip", debian: "gzip", usedBy: "the backup and restore scripts" },
  { program: "dash", debian: "dash", usedBy: "tests/host/import (POSIX sh)" },
  {
    program: "busybox",
    debian: "busybox",
    usedBy: "tests/host/import (the OpenEMR image's shell)",
  },
];

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const pkg = JSON.parse(read("package.json")) as { engines: { node: string } };
const constraints = JSON.parse(read("tools/aws-rules/constraints.json")) as {
  botocore: { version: string };
};

/** The README's "Prerequisites" list. */
function readmePrerequisites(): string {
  const readme = read("README.md");
  const start = readme.indexOf("Prerequisites:");
  expect(start, 'README.md has no "Prerequisites:" list').to.be.greaterThan(-1);
  const end = readme.indexOf("\n\n", readme.indexOf("\n- ", start));
  return readme.slice(start, end).replace(/\s+/g, " ");
}

function botocoreVersion(): string | undefined {
  const r = spawnSync("python3", ["-c", "import botocore; print(botocore.__version__)"], {
    encoding: "utf8",
  });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

describe("npm test's prerequisites", () => {
  for (const { program, debian, usedBy } of PROGRAMS) {
    it(`${program} is installed (${usedBy})`, () => {
      expect(
        findBinary(program),
        `${program} not found: install the Debian package ${debian} (README, Prerequisites), or run bash .ci/run`,
      ).to.be.a("string");
    });
  }

  it(`python3 has the botocore release tools/aws-rules/constraints.json records`, () => {
    const wanted = constraints.botocore.version;
    expect(
      botocoreVersion(),
      `python3 needs botocore ${wanted}: pip install botocore==${wanted} in a virtual environment on PATH, or run bash .ci/run`,
    ).to.equal(wanted);
  });

  it("the README lists them all, with the Node.js range of package.json's engines", () => {
    const list = readmePrerequisites();
    expect(list).to.contain(`Node.js \`${pkg.engines.node}\``);
    for (const { program, debian } of PROGRAMS) {
      expect(list, program).to.contain(`\`${program.startsWith("mariadb") ? debian : program}\``);
    }
    expect(list).to.contain("`botocore`");
    expect(list).to.contain("tools/aws-rules/constraints.json");
    expect(list).to.contain("bash .ci/run");
  });

  it(".ci/run installs each Debian package the tests need and checks botocore's release", () => {
    const ciRun = read(".ci/run");
    const installed = new Set(
      [...ciRun.matchAll(/packages\+=\(([a-z0-9-]+)\)/g)].map(([, name]) => name),
    );
    const needed = PROGRAMS.map((p) => p.debian).filter(
      (d) => !["bash", "tar", "gzip"].includes(d),
    );
    expect([...installed].sort()).to.include.members([...new Set(needed)]);
    // botocore comes from no Debian package at the release constraints.json records: .ci/run
    // names it among what the machine lacks instead of downloading it
    expect(ciRun).to.contain('[ "$(botocore_of python3)" = "$botocore" ]');
  });
});
