// The plans the policy tests start from (recorded by the program, cached per stack) and the
// assertions on the pack's verdict. Test plans are these plans, edited with tests/helpers/mutate.ts.

import { expect } from "chai";
import cmkMandatoryConfig from "../../policy/config.cmk-mandatory.json";
import type { PlanFile, PlanResource, PolicyBlock, PolicyViolation } from "../../tools/plan/types";
import { policies } from "../../policy/policies";
import { runPolicyPack } from "../../tools/policy/run";
import { resource, type Target } from "../helpers/mutate";
import { EXPRESS_PLUS, planStack } from "../helpers/plan";

/** Express: the dev stack (AWS-managed keys: it fails the CMK policies by design). */
export const express = (): Promise<PlanFile> => planStack("dev");
/** Express Plus: the dev stack planned with EXPRESS_PLUS. */
export const expressPlus = (): Promise<PlanFile> => planStack("dev", EXPRESS_PLUS);
/** Standard: the staging stack (EC2 behind an ALB, RDS MySQL, AWS Backup). */
export const standard = (): Promise<PlanFile> => planStack("staging");
/** Fargate: the prod stack (ECS, Aurora Serverless v2, Valkey, EFS, WAF). */
export const fargate = (): Promise<PlanFile> => planStack("prod");

export const CMK_MANDATORY = cmkMandatoryConfig as Record<string, unknown>;

/**
 * Runs the real pack offline with `config`, by default none (each policy's schema defaults), not
 * the stack's config file that runPolicyPack applies when it is given no config.
 */
export function check(plan: PlanFile, config: Record<string, unknown> = {}): Promise<PolicyBlock> {
  return runPolicyPack(plan, config);
}

/**
 * Runs the real pack with every policy but `policy` disabled: the assertions below look at its
 * verdict only (the whole pack over these plans is the mutation suite's and the analyzer's job).
 * From `config`, only what applies to `policy` is kept: its own entry, and "all".
 */
function checkOnly(
  plan: PlanFile,
  policy: string,
  config: Record<string, unknown> = {},
): Promise<PolicyBlock> {
  if (!policies.some((p) => p.name === policy)) throw new Error(`the pack has no policy ${policy}`);
  const packConfig: Record<string, unknown> = {};
  for (const p of policies) {
    packConfig[p.name] = p.name === policy ? config[policy] : "disabled";
  }
  if (config[policy] === undefined) delete packConfig[policy];
  if (config["all"] !== undefined) packConfig["all"] = config["all"];
  return runPolicyPack(plan, packConfig);
}

/** The violations `policy` reported, excluding "can't run during preview" advisories. */
export function violationsOf(block: PolicyBlock, policy: string): PolicyViolation[] {
  return block.violations.filter((v) => v.policy === policy && !v.message.startsWith("can't run"));
}

/** The "can't run policy ... during preview" advisories of `policy`. */
export function previewAdvisoriesOf(block: PolicyBlock, policy: string): PolicyViolation[] {
  return block.violations.filter((v) => v.policy === policy && v.message.startsWith("can't run"));
}

/** The one cloud resource (custom, or a remote component) with this exact name (and type). */
export function named(plan: PlanFile, name: string, type?: string): PlanResource {
  const found = plan.resources.filter(
    (r) => r.name === name && (r.custom || r.remote === true) && (type ?? r.type) === r.type,
  );
  if (found.length !== 1) {
    throw new Error(`expected one cloud resource named "${name}", found ${found.length}`);
  }
  return found[0];
}

/**
 * Asserts `policy` reports nothing (not even a preview advisory) on the plan, which must hold the
 * resources the test is about (`on`), so a pass cannot come from a plan without them.
 */
export async function expectPass(
  plan: PlanFile,
  policy: string,
  on: Target | Target[],
  config?: Record<string, unknown>,
): Promise<void> {
  const subjects = (typeof on[0] === "string" ? [on] : on) as Target[];
  for (const subject of subjects) {
    resource(plan, subject);
  }
  const block = await checkOnly(plan, policy, config);
  const mine = block.violations.filter((v) => v.policy === policy);
  expect(mine, `${policy} reported: ${JSON.stringify(mine, null, 2)}`).to.deep.equal([]);
}

export interface ExpectedViolation {
  /** Exact name of the resource the violation is about. */
  resource: string;
  /** Its type, where another resource has the same name (a VPC and its internet gateway). */
  type?: string;
  /** Snippets the message must contain (the fix). The resource's quoted name is always required. */
  says: string[];
  level?: "mandatory" | "advisory";
  config?: Record<string, unknown>;
  /** How many violations of the policy (default 1). */
  count?: number;
}

/** Asserts `policy` reports exactly `count` violations, all on `resource`, naming it and the fix. */
export async function expectViolation(
  plan: PlanFile,
  policy: string,
  e: ExpectedViolation,
): Promise<PolicyViolation[]> {
  const block = await checkOnly(plan, policy, e.config);
  const mine = violationsOf(block, policy);
  const urn = named(plan, e.resource, e.type).urn;
  expect(mine, JSON.stringify(block.violations, null, 2)).to.have.length(e.count ?? 1);
  for (const v of mine) {
    expect(v.urn).to.equal(urn);
    expect(v.level).to.equal(e.level ?? "mandatory");
    expect(v.message).to.include(`"${e.resource}"`);
  }
  const text = mine.map((v) => v.message).join("\n");
  for (const snippet of e.says) {
    expect(text).to.include(snippet);
  }
  return mine;
}
