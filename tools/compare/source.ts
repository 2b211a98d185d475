// Where `npm run compare` (and the README staleness test) gets its plans: one function,
// planPreset(preset, overrides), behind the PlanSource interface.
import { planStack } from "../pipeline/plan-stack";
import type { PlanFile } from "../plan/types";

export const PRESETS = ["express", "express-plus", "standard", "fargate"] as const;
export type Preset = (typeof PRESETS)[number];

export interface PlanSource {
  /** One sentence saying where the plans come from; printed under the comparison table. */
  readonly description: string;
  /** The plan of `preset` at its defaults, with `--set`-style overrides ("openemr:key" -> value). */
  planPreset(preset: Preset, overrides?: Record<string, string>): Promise<PlanFile>;
}

/**
 * The real program, planned the way `npm run plan` plans (in this process, one after another): the stack file
 * `Pulumi.<stack>.yaml` with `openemr:preset` set to the preset and `sets` applied (config that
 * every preset must accept, such as a placeholder certificate ARN), then the caller's overrides.
 */
export function programSource(
  stack: string,
  sets: (preset: Preset) => Record<string, string> = () => ({}),
): PlanSource {
  return {
    description: `the program's own plans (\`npm run plan -- --stack ${stack}\` with each preset at its defaults)`,
    planPreset: async (preset, overrides = {}) => {
      const all = { ...sets(preset), "openemr:preset": preset, ...overrides };
      const result = await planStack(
        stack,
        Object.entries(all).map(([k, v]) => `${k}=${v}`),
      );
      return result.plan;
    },
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
