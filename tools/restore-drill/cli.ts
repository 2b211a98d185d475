// npm run restore-drill [-- --keep]: backs up a stack with the real backup.sh, restores it into a
// new stack with the real restore.sh against a private MariaDB server, and compares (the arguments
// and exit codes in RESTORE_DRILL_CLI, also the usage text).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { argsOrExitCode, defineCli } from "../runtime/cli-args";
import { type DrillResult, s3Drill, summary } from "./drill";
import { FakeHost } from "./host";
import { MariaDbServer } from "./server";

export const RESTORE_DRILL_CLI = defineCli({
  tool: "restore-drill",
  summary: `Backs up stack A with components/compute/scripts/backup.sh (S3 mode: full, then
incremental), restores the last set into a new stack B with restore.sh --from-bucket, against a
private MariaDB server (Debian packages mariadb-server and mariadb-client), and compares tables,
rows and files.`,
  flags: {
    keep: { help: "keep the temporary directory (printed) for inspection" },
  },
  notes: `The last line is: restore drill: restored N tables, M rows, K files; mismatches X
Exit status: 0 when nothing differs, 1 on a difference or failure, 2 on a bad argument.`,
});

async function main(argv: string[]): Promise<number> {
  const parsed = argsOrExitCode(RESTORE_DRILL_CLI, argv);
  if (typeof parsed === "number") return parsed;
  const { keep } = parsed.flags;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-drill-"));
  let server: MariaDbServer | undefined;
  let result: DrillResult = { tables: 0, rows: 0, files: 0, mismatches: [] };
  try {
    server = await MariaDbServer.start();
    result = await s3Drill(server, new FakeHost(path.join(dir, "host"), server));
  } catch (err) {
    // counted as a mismatch, so that the last line still tells
    result.mismatches.push(`drill failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await server?.stop();
    if (keep) console.error(`restore-drill: kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const m of result.mismatches) console.log(`mismatch: ${m}`);
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
