// Where `npm run compare` (and the README staleness test) gets its plans: one function,
// planPreset(preset, overrides), behind the PlanSource interface.
//
// WIRING (lead): `planSource` below is still the fixture stub. Once every preset plans, replace
// `fixtureSource` in the `planSource` line with programSource(<stack>, <sets every preset needs>),
// e.g. programSource("dev", { "openemr:certificateArn": "arn:aws:acm:...:certificate/..." }).
// Nothing else here or in the tests changes.
import type { PlanFile } from "../plan/types";
import { FIXTURES } from "../../tests/cost/fixtures";
import { planStack } from "../../tests/helpers/plan";

export const PRESETS = ["express", "express-plus", "standard", "fargate"] as const;
export type Preset = (typeof PRESETS)[number];

export interface PlanSource {
  /** One sentence saying where the plans come from; printed under the comparison table. */
  readonly description: string;
  /** true while the plans are hand-built fixtures rather than the program's own plans. */
  readonly isStub: boolean;
  /** The plan of `preset` at its defaults, with `--set`-style overrides ("openemr:key" -> value). */
  planPreset(preset: Preset, overrides?: Record<string, string>): Promise<PlanFile>;
}

/** STUB: hand-built fixture plans (tests/cost/fixtures.ts) standing in for the program. */
export const fixtureSource: PlanSource = {
  description:
    "hand-built fixture plans (tests/cost/fixtures.ts) shaped like the presets' defaults, standing in until the plan engine is wired into tools/compare/source.ts",
  isStub: true,
  planPreset(preset: Preset, overrides?: Record<string, string>): Promise<PlanFile> {
    if (overrides && Object.keys(overrides).length > 0) {
      return Promise.reject(new Error("the fixture plan source cannot apply config overrides"));
    }
    return Promise.resolve(FIXTURES[preset]());
  },
};

/**
 * The real program, planned by `npm run plan` in a child process per preset: the stack file
 * `Pulumi.<stack>.yaml` with `openemr:preset` set to the preset and `sets` applied (config that
 * every preset must accept, such as a placeholder certificate ARN), then the caller's overrides.
 */
export function programSource(
  stack: string,
  sets: (preset: Preset) => Record<string, string> = () => ({}),
): PlanSource {
  return {
    description: `the program's own plans (\`npm run plan -- --stack ${stack}\` with each preset at its defaults)`,
    isStub: false,
    planPreset: (preset, overrides = {}) =>
      planStack(stack, { ...sets(preset), "openemr:preset": preset, ...overrides }),
  };
}

/** A placeholder certificate: fargate's load balancer requires one, the other presets need none. */
const PLACEHOLDER_CERTIFICATE =
  "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000";

/** The plan source compare and its tests use: the real program, each preset at its defaults. */
export const planSource: PlanSource = programSource("dev", (preset) => ({
  "openemr:protectData": "true",
  ...(preset === "fargate" ? { "openemr:certificateArn": PLACEHOLDER_CERTIFICATE } : {}),
}));
