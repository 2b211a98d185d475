// npm run restore-drill [-- --point <n>] [--keep]: the express-plus and plain express backup and
// restore scripts run for real against private MariaDB servers (tools/restore-drill/drill.ts); the
// arguments and exit codes in RESTORE_DRILL_CLI, also the usage text.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { argsOrExitCode, defineCli, usageFailure } from "../runtime/cli-args";
import { DAYS } from "./backups";
import {
  DEFAULT_POINT,
  type DrillResult,
  IMPORT_POINT,
  LATEST_POINT,
  parsePoint,
  runDrill,
  summary,
} from "./drill";

export const RESTORE_DRILL_CLI = defineCli({
  tool: "restore-drill",
  summary: `Runs components/compute/scripts/backup.sh and restore.sh, the files the user data installs, against
private MariaDB servers (Debian packages mariadb-server and mariadb-client), with docker, aws,
systemctl and date stood in for. Stack A's synthetic practice is backed up ${DAYS.length} times (${DAYS[0]} to
${DAYS[DAYS.length - 1]}, two ISO weeks: a full archive, then incrementals, with rows and files changed in
between); point <n> is restored into stack B, a new server with nothing in it, and point
${LATEST_POINT}, the latest, into stack C, a new stack as its installer leaves it, each with its own
passwords; every table, row, routine and file is compared with stack A's at that point. Plain
express (the dev stack's host as planned): two local dumps by its backup timer's command, the first
restored with its restoreCommand (openemr-restore --local <dump> --force) over the live stack and
into a new empty server; its tables compared (the dump holds no files: DLM's EBS snapshots keep
them, and the drill restores no snapshot).`,
  flags: {
    point: {
      value: "n",
      help: `the point restored into stack B: 1 to ${LATEST_POINT - 1} (default ${DEFAULT_POINT})`,
    },
    keep: { help: "keep the temporary directory (printed) for inspection" },
  },
  notes: `One line per step; then the elapsed time, and last:
imported into a standard host: N tables, M rows, K files; mismatches Y
restore drill: restored N tables, M rows, K files; mismatches X
(the import: point ${IMPORT_POINT}, the newest set of its week, by openemr-import into stack D, a
standard host with DB_HOST and a new server; the restores' N, M and K summed over all four, plain
express's two with no files; X counts every mismatch, the import's too.)
Exit status: 0 when nothing differs, 1 on a difference or failure, 2 on a bad argument.`,
});

async function main(argv: string[]): Promise<number> {
  const parsed = argsOrExitCode(RESTORE_DRILL_CLI, argv);
  if (typeof parsed === "number") return parsed;
  const { keep } = parsed.flags;
  const point = parsed.flags.point === undefined ? DEFAULT_POINT : parsePoint(parsed.flags.point);
  if (typeof point === "string") {
    process.stderr.write(usageFailure(RESTORE_DRILL_CLI, point));
    return 2;
  }
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-drill-"));
  let result: DrillResult = { tables: 0, rows: 0, files: 0, mismatches: [] };
  try {
    result = await runDrill({ dir, point, log: (line) => console.log(line) });
  } catch (err) {
    // counted as a mismatch, so that the last line still tells
    const failure = `drill failed: ${err instanceof Error ? err.message : String(err)}`;
    console.log(`  mismatch: ${failure}`);
    result.mismatches.push(failure);
  } finally {
    if (keep) console.error(`restore-drill: kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`elapsed ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(summary(result));
  return result.mismatches.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
