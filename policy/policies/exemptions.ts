// The two policies that implement per-resource exemptions (see registry.ts for how they work).
//
// Config (in the pack config file given to `pulumi preview --policy-pack-config`):
//   "policy-exemptions": { "exemptions": [
//      { "policy": "lb-access-logs", "resource": "dev-alb", "justification": "..." } ] }
// A top-level "exemptions" array is not possible: the Pulumi CLI accepts only a string or an object
// per top-level key of a policy pack config file.

import type {
  PolicyResource,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { configOf, type JsonSchema } from "./common";
import { RULE_ENFORCED_BY, deviationsInForce } from "./deviations";
import {
  exemptionMatches,
  isValidExemption,
  loadExemptions,
  takeExempted,
  type Exemption,
} from "./registry";

export const EXEMPTIONS_POLICY = "policy-exemptions";
export const EXEMPTED_POLICY = "exempted-violations";

interface ExemptionsConfig {
  exemptions: unknown[];
}

const defaults: ExemptionsConfig = { exemptions: [] };

const exemptionSchema: JsonSchema = {
  type: "object",
  properties: {
    policy: {
      type: "string",
      minLength: 1,
      // One list of accepted deviations: a policy that enforces a HIPAA Security rule is exempted
      // only by an entry of compliance/deviations.json, never by a stack's pack config. (`not` is
      // draft-07, which the engine validates with; @pulumi/policy's type does not list it.)
      ...({ not: { enum: Object.keys(RULE_ENFORCED_BY).sort() } } as Record<string, unknown>),
      description:
        "Name of the policy. Not one that enforces a HIPAA Security rule (RULE_ENFORCED_BY in " +
        "policy/policies/deviations.ts: " +
        Object.keys(RULE_ENFORCED_BY).sort().join(", ") +
        "): record a deviation of its rule, with reason and compensating control, in " +
        "compliance/deviations.json instead.",
    },
    resource: {
      type: "string",
      minLength: 1,
      description: 'Resource name, or a URN suffix containing "::".',
    },
    justification: {
      type: "string",
      minLength: 1,
      pattern: "\\S",
      description:
        "Why the exemption is acceptable (required, shown with every exempted violation).",
    },
  },
  required: ["policy", "resource", "justification"],
  additionalProperties: false,
};

function describeEntry(e: unknown): string {
  return JSON.stringify(e);
}

function checkEntries(
  args: StackValidationArgs,
  report: (message: string) => void,
  policyNames: () => readonly string[],
): void {
  const { exemptions } = configOf<ExemptionsConfig>(args, defaults);
  for (const entry of exemptions) {
    if (!isValidExemption(entry)) {
      report(
        `Exemption ${describeEntry(entry)} was ignored: every exemption needs a non-empty ` +
          `"policy", "resource" and "justification".`,
      );
      continue;
    }
    const e: Exemption = entry;
    if (!policyNames().includes(e.policy)) {
      report(
        `Exemption for resource "${e.resource}" names policy "${e.policy}", which this pack does ` +
          `not have. Use one of the policy names listed in policy/README.md.`,
      );
      continue;
    }
    const matches = args.resources.some((r: PolicyResource) => exemptionMatches(e, r.urn, r.name));
    if (!matches) {
      report(
        `Exemption from "${e.policy}" for "${e.resource}" matches no resource in this stack. ` +
          `Remove it, or use the resource's name or a URN suffix containing "::".`,
      );
    }
  }
}

/**
 * "policy-exemptions": must be the first policy of the pack. Loads the exemption list for the other
 * policies, and reports (advisory) exemptions that are malformed or match nothing.
 */
export function exemptionsPolicy(
  policyNames: () => readonly string[],
): ResourceValidationPolicy & StackValidationPolicy {
  return {
    name: EXEMPTIONS_POLICY,
    description:
      "Holds per-resource exemptions (policy, resource, justification); reports exemptions that " +
      "are malformed or match no resource. Exempted violations are reported by " +
      `"${EXEMPTED_POLICY}".`,
    enforcementLevel: "advisory",
    configSchema: {
      properties: {
        exemptions: {
          type: "array",
          items: exemptionSchema,
          default: [],
          description: "Per-resource exemptions.",
        },
      },
    },
    validateResource: (args) => {
      loadExemptions(configOf<ExemptionsConfig>(args, defaults).exemptions);
    },
    validateStack: (args, report) => {
      loadExemptions(configOf<ExemptionsConfig>(args, defaults).exemptions);
      checkEntries(args, (m) => report(m), policyNames);
      const deviations = deviationsInForce();
      if ("error" in deviations) {
        report(
          `No HIPAA deviation applies: ${deviations.error}. Every policy is enforced on every ` +
            `resource.`,
        );
      }
    },
  };
}

/**
 * "exempted-violations": must be the last policy of the pack. Reports, at its own (advisory) level,
 * every violation that an exemption diverted, with the exemption's justification.
 */
export const exemptedViolationsPolicy: StackValidationPolicy = {
  name: EXEMPTED_POLICY,
  description:
    "Lists the violations that per-resource exemptions turned into advisories, with their " +
    "justification.",
  enforcementLevel: "advisory",
  validateStack: (_args, report) => {
    for (const v of takeExempted()) {
      report(`[${v.label}] ${v.message} Justification: ${v.justification}`, v.urn);
    }
  },
};
