// npm run policy -- --plan <file> [--config <file or inline JSON>]: the arguments and exit codes
// are in POLICY_CLI (also the usage text).

import { readFileSync } from "node:fs";
import { byLevel } from "../plan/blocks";
import { coercePlan } from "../plan/read";
import type { PlanFile, PolicyBlock } from "../plan/types";
import { argsOrExitCode, defineCli, usageText } from "../runtime/cli-args";
import { PolicyConfigError, runPolicyPack, violationResourceName } from "./run";

export const POLICY_CLI = defineCli({
  tool: "policy",
  summary: "Runs the policy pack over a plan file and prints its violations.",
  flags: {
    plan: {
      value: "plan.json",
      required: true,
      help: "a plan file, as npm run plan -- --json writes it",
    },
    config: {
      value: "file | '{...}'",
      help: `the pack's configuration: a JSON file (policy/config.prod.json) or inline JSON such as
'{"all":"advisory"}'`,
    },
  },
  notes: `Exit codes: 0 no mandatory violation; 1 a mandatory violation; 2 bad arguments or
unreadable input.`,
});

const USAGE = usageText(POLICY_CLI).trimEnd();

class UsageError extends Error {}

interface Writer {
  write(text: string): unknown;
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(
      `cannot read ${what} "${path}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`${what} "${path}" is not valid JSON: ${(e as Error).message}`);
  }
}

function asPlan(value: unknown, path: string): PlanFile {
  const plan = coercePlan(value);
  if (!plan) {
    throw new UsageError(`"${path}" is not a plan file (see docs/architecture.md, "Plan file")`);
  }
  return plan;
}

function readConfig(value: string): Record<string, unknown> {
  const inline = /^\s*[[{]/.test(value);
  const parsed = inline ? parseInline(value) : readJson(value, "policy config");
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new UsageError("the policy config must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

function parseInline(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch (e) {
    throw new UsageError(`--config is not valid JSON: ${(e as Error).message}`);
  }
}

export function formatBlock(
  block: PolicyBlock & { config?: string | null },
  plan: PlanFile,
): string {
  const lines: string[] = [];
  const { mandatory, advisory } = byLevel(block.violations);
  const config =
    block.config === undefined
      ? ""
      : `, config ${block.config ?? "none (each policy's schema defaults)"}`;
  lines.push(
    `Policy pack ${block.pack} on stack ${plan.stack} (${plan.preset}), ${plan.resources.length} resources${config}`,
  );
  for (const v of [...mandatory, ...advisory]) {
    const resource = violationResourceName(v) || "(stack)";
    lines.push(`  ${v.level.padEnd(9)} ${v.policy}  ${resource}`);
    lines.push(`            ${v.message}`);
  }
  lines.push(
    `${mandatory.length} mandatory, ${advisory.length} advisory violation(s): ${block.passed ? "passed" : "FAILED"}`,
  );
  return lines.join("\n") + "\n";
}

export async function main(
  argv: string[],
  out: Writer = process.stdout,
  err: Writer = process.stderr,
): Promise<number> {
  const parsed = argsOrExitCode(POLICY_CLI, argv, out, err);
  if (typeof parsed === "number") return parsed;
  try {
    const args = parsed.flags;
    const plan = asPlan(readJson(args.plan, "plan file"), args.plan);
    // Without --config, the config the workflows pass for the plan's stack (runPolicyPack).
    const config = args.config === undefined ? undefined : readConfig(args.config);
    const inline = args.config !== undefined && /^\s*[[{]/.test(args.config);
    const block = await runPolicyPack(plan, config, inline ? "inline JSON" : args.config);
    out.write(formatBlock(block, plan));
    return block.passed ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError || e instanceof PolicyConfigError) {
      err.write(`error: ${e.message}\n${e instanceof UsageError ? `${USAGE}\n` : ""}`);
      return 2;
    }
    err.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
