// One stack's offline plan, start to finish: the stack file and overrides, config validation, the
// program against the mock engine (tools/plan), the policy verdict (tools/policy), the cost
// (tools/cost) and the leak check. `npm run plan`, `npm run compare` and the tests all come through
// here; it is the one place that composes the plan model with the tools that judge and price it.
import * as path from "path";
import { ConfigError, parseConfig, type OpenEmrConfig } from "../../config";
import { AwsRuleError, checkAwsRules } from "../aws-rules/check";
import { estimateCost } from "../cost/estimate";
import { PRICES } from "../cost/prices";
import { runProgram } from "../plan/run";
import {
  DEFAULT_REGION,
  PROJECT,
  applyOverrides,
  programConfig,
  readStackConfig,
  type EncryptedSetting,
} from "../plan/stack";
import { renderSummary } from "../plan/summary";
import type { PlanFile } from "../plan/types";
import { runPolicyPack } from "../policy/run";

export const ROOT = path.resolve(__dirname, "../..");

/** What the prices in every cost block are based on, for reports that quote them. */
export const PRICE_BASIS: string = PRICES.basis;

/** The plan with the policy verdict and the cost estimate added (replacing any it carried). */
export async function enrichPlan(plan: PlanFile): Promise<PlanFile> {
  const policy = await runPolicyPack(plan);
  const cost = estimateCost(plan);
  return { ...plan, policy, cost };
}

/** The plan would have carried a generated secret in clear text; nothing may be written. */
export class SecretLeakError extends Error {}

export interface StackPlan {
  plan: PlanFile;
  /** What the --set overrides did that could be missed (a stack file's object replaced whole). */
  notes: string[];
  /** The readable summary `npm run plan` prints, the notes first. */
  summary: string;
  /** The plan file's text. */
  json: string;
}

/** A problem names this key (the key itself, or a member of it). */
function concerns(problem: string, key: string): boolean {
  return problem.startsWith(key) && /^[:.[ ]/.test(problem.slice(key.length));
}

/**
 * The config checked as `pulumi up` would check it. Secure values the plan cannot decrypt are
 * reported with every problem of the rest; problems of the keys that hold them are left out, since
 * they are about the placeholder, not the value.
 */
function validate(
  values: Record<string, string>,
  encrypted: EncryptedSetting[],
  stack: string,
): OpenEmrConfig {
  if (encrypted.length === 0) return parseConfig(values, { stack });
  const problems = encrypted.map((e) => e.problem);
  try {
    parseConfig(values, { stack });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems.filter((p) => !encrypted.some((e) => concerns(p, e.key))));
  }
  throw new ConfigError(problems);
}

/**
 * Plans `Pulumi.<stack>.yaml` with `key=value` overrides, as the stack `stackName` (default: the
 * file's). Throws StackFileError (stack file or override), ConfigError (invalid config),
 * SecretLeakError or AwsRuleError (a name AWS would refuse); plans run one at a time.
 */
export async function planStack(
  stack: string,
  sets: string[] = [],
  root: string = ROOT,
  stackName: string = stack,
): Promise<StackPlan> {
  const stackConfig = applyOverrides(readStackConfig(stack, root), sets);
  const { values: config, encrypted } = programConfig(stackConfig);
  const preset = validate(config, encrypted, stackName).preset;
  const region = config["aws:region"] ?? DEFAULT_REGION;
  const run = await runProgram({ project: PROJECT, stack: stackName, region, preset, config });
  const plan = await enrichPlan(run.plan);
  const json = JSON.stringify(plan, null, 2);
  const { notes } = stackConfig;
  const summary = [...notes.map((n) => `note: ${n}`), renderSummary(plan)].join("\n");
  const leaked = run.secretsProduced.filter((s) => json.includes(s) || summary.includes(s));
  if (leaked.length > 0) {
    throw new SecretLeakError(
      `BUG: ${leaked.length} generated secret(s) would appear in clear text; nothing written`,
    );
  }
  const violations = checkAwsRules(plan);
  if (violations.length > 0) throw new AwsRuleError(stackName, violations, plan);
  return { plan, notes, summary, json };
}
