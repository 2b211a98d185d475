// The commands that generate a document from the plans (monitoring-docs, compliance-docs): print
// it, or write it into the repository with --write; run as a script, their result is the exit
// status and a failure exits 1 with one line.
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

/** Prints `doc`, or with `write` puts it at `file` (a path in the repository) and says so. */
export function printOrWrite(doc: string, write: boolean, file: string): number {
  if (!write) {
    process.stdout.write(doc);
    return 0;
  }
  fs.writeFileSync(path.join(ROOT, file), doc);
  console.log(`updated ${file}`);
  return 0;
}

/** Runs `main` on the command line's arguments and sets the exit status from its result. */
export function runDocCommand(tool: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(`${tool} failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}
