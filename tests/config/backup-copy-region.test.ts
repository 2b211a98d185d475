// openemr:backupCopyRegion: empty is off; otherwise a real AWS region other than aws:region, and
// only on a preset that has backups off the instance to copy. The plan CLI exits 2 naming the key.
import { expect } from "chai";
import { ConfigError, parseConfig } from "../../config";
import { AWS_REGIONS } from "../../presets/aws";
import { runPlanCli } from "../helpers/plan";

const STACK = { "aws:region": "us-east-1" };

function problemsOf(raw: Record<string, string>): string[] {
  try {
    parseConfig({ ...STACK, ...raw });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const OTHER_REGIONS = AWS_REGIONS.filter((r) => r !== "us-east-1").join(", ");

describe("openemr:backupCopyRegion", () => {
  it("is off by default (empty) and accepted as another region on express-plus and standard", () => {
    expect(parseConfig({ ...STACK, "openemr:preset": "standard" }).backupCopyRegion).to.equal("");
    for (const preset of ["express-plus", "standard"]) {
      const raw = { "openemr:preset": preset, "openemr:backupCopyRegion": "us-west-2" };
      expect(problemsOf(raw), preset).to.deep.equal([]);
      expect(parseConfig({ ...STACK, ...raw }).backupCopyRegion).to.equal("us-west-2");
    }
  });

  it("refuses the stack's own region", () => {
    expect(
      problemsOf({ "openemr:preset": "standard", "openemr:backupCopyRegion": "us-east-1" }),
    ).to.deep.equal([
      `openemr:backupCopyRegion: got "us-east-1", which is aws:region; a copy in the stack's own region does not survive losing it. Set another region, or empty for no copy`,
    ]);
  });

  it("refuses a name that is not an AWS region, suggesting the closest", () => {
    expect(
      problemsOf({ "openemr:preset": "standard", "openemr:backupCopyRegion": "us-west-3" }),
    ).to.deep.equal([
      `openemr:backupCopyRegion: got "us-west-3"; not an AWS region (did you mean us-west-1?). Allowed: empty (no copy) or one of ${OTHER_REGIONS}`,
    ]);
  });

  it("refuses plain express, which has nothing off the instance to copy", () => {
    expect(
      problemsOf({ "openemr:preset": "express", "openemr:backupCopyRegion": "us-west-2" }),
    ).to.deep.equal([
      `openemr:backupCopyRegion: got "us-west-2"; preset express keeps its backups on the instance and its snapshots, with nothing off the instance to copy. Remove it, or use preset express-plus (its backup bucket is replicated)`,
    ]);
  });

  for (const [what, stack, value, says] of [
    ["the same region", "staging", "us-east-1", 'got "us-east-1", which is aws:region'],
    ["not a region", "prod", "mars-north-1", 'got "mars-north-1"; not an AWS region'],
    ["plain express", "dev", "us-west-2", 'got "us-west-2"; preset express keeps its backups'],
  ] as const) {
    it(`makes the plan exit 2 naming the key: ${what}`, async () => {
      const run = await runPlanCli(["--stack", stack, "--set", `backupCopyRegion=${value}`]);
      expect(run.code, run.stderr).to.equal(2);
      expect(run.stderr).to.contain(`openemr:backupCopyRegion: ${says}`);
      expect(run.plan).to.equal(undefined);
    });
  }
});
