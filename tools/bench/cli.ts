// npm run bench [-- --runs N] [--with-tests]: times the offline plan against the targets (in
// BENCH_CLI, also the usage text). Printed as numbers; never asserted in a test.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { argsOrExitCode, defineCli, usageFailure } from "../runtime/cli-args";

const ROOT = path.resolve(__dirname, "../..");

interface Timing {
  seconds: number;
  maxRssMb: number;
}

/** Runs a command under /usr/bin/time when available, for wall time and peak memory. */
function timed(cmd: string, args: string[]): Timing {
  const useTime = fs.existsSync("/usr/bin/time");
  const start = process.hrtime.bigint();
  const result = useTime
    ? spawnSync("/usr/bin/time", ["-f", "%M", cmd, ...args], { cwd: ROOT, encoding: "utf8" })
    : spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  }
  const rss = useTime ? Number(/(\d+)\s*$/.exec(result.stderr.trim())?.[1] ?? 0) / 1024 : 0;
  return { seconds, maxRssMb: rss };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export const BENCH_CLI = defineCli({
  tool: "bench",
  summary: `Times the offline plan of every stack, the preset comparison and the restore drill (and
npm test with --with-tests) against their targets, and prints the numbers.`,
  flags: {
    runs: { value: "N", help: "runs per timing; the median is printed (default 3)" },
    "with-tests": { help: "also time npm test" },
  },
  notes: `Targets: the largest plan within 2 x (node loading @pulumi/aws); the presets compared
within 5 s; npm test within 45 s; the restore drill within 120 s.`,
});

function parseArgs(argv: string[]): { runs: number; withTests: boolean } | number {
  const parsed = argsOrExitCode(BENCH_CLI, argv);
  if (typeof parsed === "number") return parsed;
  const value = parsed.flags.runs ?? "3";
  const runs = Number(value);
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write(
      usageFailure(BENCH_CLI, `--runs needs a whole number of at least 1, got ${value}`),
    );
    return 2;
  }
  return { runs, withTests: parsed.flags["with-tests"] };
}

function main(argv: string[]): number {
  const args = parseArgs(argv);
  if (typeof args === "number") return args;
  const { runs } = args;
  const node = process.execPath;
  const tsx = ["-r", path.join(ROOT, "tools/runtime/register.js")];

  const load = Array.from({ length: runs }, () => timed(node, ["-e", "require('@pulumi/aws')"]));
  const loadS = median(load.map((t) => t.seconds));
  console.log(
    `node loads @pulumi/aws:          ${loadS.toFixed(2)} s (median of ${runs}), ${median(load.map((t) => t.maxRssMb)).toFixed(0)} MB`,
  );

  const stacks = fs
    .readdirSync(ROOT)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map((f) => f.slice(7, -5));
  let largest = { stack: "", seconds: 0, resources: 0 };
  for (const stack of stacks) {
    const out = path.join(ROOT, ".plans", `bench-${stack}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const t = Array.from({ length: runs }, () =>
      timed(node, [...tsx, "tools/pipeline/plan-cli.ts", "--stack", stack, "--json", out]),
    );
    const resources = (JSON.parse(fs.readFileSync(out, "utf8")) as { resources: unknown[] })
      .resources.length;
    const s = median(t.map((x) => x.seconds));
    console.log(
      `plan ${stack.padEnd(10)} ${String(resources).padStart(4)} resources: ${s.toFixed(2)} s, ${median(t.map((x) => x.maxRssMb)).toFixed(0)} MB`,
    );
    if (resources > largest.resources) largest = { stack, seconds: s, resources };
  }
  const target = 2 * loadS;
  console.log(
    `largest plan (${largest.stack}): ${largest.seconds.toFixed(2)} s; target ≤ ${target.toFixed(2)} s: ${largest.seconds <= target ? "met" : "MISSED"}`,
  );

  if (fs.existsSync(path.join(ROOT, "tools/compare/cli.ts"))) {
    const c = timed(node, [...tsx, "tools/compare/cli.ts"]);
    console.log(
      `compare (four presets): ${c.seconds.toFixed(2)} s, ${c.maxRssMb.toFixed(0)} MB; target ≤ 5 s: ${c.seconds <= 5 ? "met" : "MISSED"}`,
    );
  }
  if (fs.existsSync(path.join(ROOT, "tools/restore-drill/cli.ts"))) {
    const d = timed(node, [...tsx, "tools/restore-drill/cli.ts"]);
    console.log(
      `restore drill: ${d.seconds.toFixed(1)} s, ${d.maxRssMb.toFixed(0)} MB; target ≤ 120 s: ${d.seconds <= 120 ? "met" : "MISSED"}`,
    );
  }
  if (args.withTests) {
    const t = timed("npm", ["test", "--silent"]);
    console.log(
      `npm test: ${t.seconds.toFixed(1)} s; target ≤ 45 s: ${t.seconds <= 45 ? "met" : "MISSED"}`,
    );
  }
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
