import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { PASSWORD_SPECIALS } from "../../components/secrets/generated-password";

/**
 * What openemr.sh does with the database passwords on the first boot: joins them into one
 * space-separated string and runs the installer through `sh -c` with that string unquoted (the
 * OpenEMR 8 image; older ones word-split it without `sh -c`). Returns the rootpass the installer sees.
 */
function passwordAsTheInstallerSeesIt(password: string): string | undefined {
  const script = [
    'CONFIGURATION="server=db.example rootpass=${MYSQL_ROOT_PASS} loginhost=%"',
    "sh -c \"printf '%s\\n' ${CONFIGURATION}\"",
  ].join("\n");
  const run = spawnSync("/bin/sh", ["-c", script], {
    env: { PATH: process.env.PATH, MYSQL_ROOT_PASS: password },
    encoding: "utf8",
  });
  const line = run.stdout.split("\n").find((l) => l.startsWith("rootpass="));
  return line?.slice("rootpass=".length);
}

describe("generated passwords", () => {
  const sample = `Ab9${PASSWORD_SPECIALS}xY7${PASSWORD_SPECIALS}`;

  it("reach OpenEMR's installer unchanged, every allowed special character included", () => {
    expect(passwordAsTheInstallerSeesIt(sample)).to.equal(sample);
  });

  it("exclude the characters that the installer's shell would split, expand or cut short", () => {
    // the same harness loses passwords that an RDS-managed generator may produce
    for (const bad of ["a$HOMEb", "a;b", "a&b", "a b", "a'b", 'a"b', "a`b", "a(b", "a|b"]) {
      expect(passwordAsTheInstallerSeesIt(bad), bad).to.not.equal(bad);
    }
    expect(PASSWORD_SPECIALS).to.not.match(/[*?[\]=$`"'\\\s#&%/@:;|<>(){}]/);
    expect(PASSWORD_SPECIALS.length).to.be.at.least(4);
  });
});
