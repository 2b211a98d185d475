// One stack's offline plan, start to finish: the stack file and overrides, config validation, the
// program against the mock engine, the policy verdict, the cost and the leak check. `npm run plan`,
// `npm run compare` and the tests all come through here.
import * as path from "path";
import { parseConfig } from "../../config";
import { AwsRuleError, checkAwsRules } from "../aws-rules/check";
import { enrichPlan } from "./enrich";
import { runProgram } from "./run";
import { DEFAULT_REGION, PROJECT, applyOverrides, readStackConfig } from "./stack";
import { renderSummary } from "./summary";
import type { PlanFile } from "./types";

export const ROOT = path.resolve(__dirname, "../..");

/** The plan would have carried a generated secret in clear text; nothing may be written. */
export class SecretLeakError extends Error {}

export interface StackPlan {
  plan: PlanFile;
  /** The readable summary `npm run plan` prints. */
  summary: string;
  /** The plan file's text. */
  json: string;
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
  const config = applyOverrides(readStackConfig(stack, root), sets);
  const preset = parseConfig(config, { stack: stackName }).preset;
  const region = config["aws:region"] ?? DEFAULT_REGION;
  const run = await runProgram({ project: PROJECT, stack: stackName, region, preset, config });
  const plan = await enrichPlan(run.plan);
  const json = JSON.stringify(plan, null, 2);
  const summary = renderSummary(plan);
  const leaked = run.secretsProduced.filter((s) => json.includes(s) || summary.includes(s));
  if (leaked.length > 0) {
    throw new SecretLeakError(
      `BUG: ${leaked.length} generated secret(s) would appear in clear text; nothing written`,
    );
  }
  const violations = checkAwsRules(plan);
  if (violations.length > 0) throw new AwsRuleError(stackName, violations, plan);
  return { plan, summary, json };
}
