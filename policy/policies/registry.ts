// Per-resource exemptions, shared by every policy of the pack.
//
// The engine gives each policy only its own config, and a violation's level is fixed by the policy
// that reports it. So exemptions work through module state, which the engine allows because all
// policies of a pack run in one process:
//  - the first policy of the pack ("policy-exemptions") loads its config (the exemption list) into
//    this registry before any other policy runs, for every resource and for the stack;
//  - every other policy reports through exemptingReport(), which diverts a violation of an exempted
//    resource into this registry instead of reporting it (and drops a violation that an accepted
//    HIPAA deviation covers: compliance/deviations.json, see deviations.ts);
//  - the last policy of the pack ("exempted-violations", advisory) reports what was diverted, each
//    with its justification, and clears the registry.

import type { ReportViolation } from "@pulumi/policy";
import { RULE_ENFORCED_BY, findDeviation } from "./deviations";

export interface Exemption {
  /** Name of the policy the resource is exempted from. */
  policy: string;
  /** The resource's name, or a suffix of its URN that contains "::" (e.g. "aws:s3/bucket:Bucket::logs"). */
  resource: string;
  /** Why the exemption is acceptable; required and non-empty. */
  justification: string;
}

export interface ExemptedViolation {
  policy: string;
  /** How the report labels it: "exempted from <policy>", or "relaxed by the pack config of <policy>". */
  label: string;
  urn: string;
  name: string;
  message: string;
  justification: string;
}

const state = {
  exemptions: [] as Exemption[],
  exempted: new Map<string, ExemptedViolation>(),
};

/** true for an entry with a non-blank policy, resource and justification. */
export function isValidExemption(e: unknown): e is Exemption {
  if (e === null || typeof e !== "object") {
    return false;
  }
  const { policy, resource, justification } = e as Record<string, unknown>;
  return [policy, resource, justification].every((v) => typeof v === "string" && v.trim() !== "");
}

/**
 * Replaces the exemptions in force with the valid entries of `list`. An exemption from a policy
 * that enforces a HIPAA Security rule never applies (its config schema refuses it; this holds
 * where the schema is not checked): compliance/deviations.json is the one list of those.
 */
export function loadExemptions(list: unknown): void {
  state.exemptions = Array.isArray(list)
    ? list.filter(isValidExemption).filter((e) => RULE_ENFORCED_BY[e.policy] === undefined)
    : [];
}

/** true when the exemption names this resource (by name, URN, or a URN suffix containing "::"). */
export function exemptionMatches(e: Exemption, urn: string, name: string): boolean {
  return (
    e.resource === name ||
    e.resource === urn ||
    (e.resource.includes("::") && urn.endsWith(e.resource))
  );
}

export function findExemption(policy: string, urn: string, name: string): Exemption | undefined {
  return state.exemptions.find((e) => e.policy === policy && exemptionMatches(e, urn, name));
}

/** The config's exemption of this resource from the policy, as the exempted report labels it. */
function divertedBy(
  policy: string,
  urn: string,
  name: string,
): { label: string; justification: string } | undefined {
  const exemption = findExemption(policy, urn, name);
  return exemption
    ? { label: `exempted from ${policy}`, justification: exemption.justification.trim() }
    : undefined;
}

/**
 * Wraps a policy's reportViolation: a violation on an exempted resource is recorded for the
 * "exempted-violations" policy instead of being reported under the policy's own level.
 */
export function exemptingReport(
  policy: string,
  report: ReportViolation,
  resolve: (urn?: string) => { urn: string; name: string } | undefined,
): ReportViolation {
  return (message: string, urn?: string) => {
    const target = resolve(urn);
    // An accepted HIPAA deviation is not reported: npm run plan lists the deviations that apply
    // to the stack, and docs/compliance.md every one, with its reason (one list, the file's).
    if (target && findDeviation(policy, target.urn, target.name)) return;
    const diverted = target ? divertedBy(policy, target.urn, target.name) : undefined;
    if (!target || !diverted) {
      report(message, urn);
      return;
    }
    const key = `${policy}\u0000${target.urn}\u0000${message}`;
    state.exempted.set(key, { policy, urn: target.urn, name: target.name, message, ...diverted });
  };
}

/**
 * Records a check that the config turned off, with the config's justification: reported like an
 * exempted violation (advisory), so a relaxed control stays visible with its reason.
 */
export function recordRelaxed(
  policy: string,
  target: { urn: string; name: string },
  message: string,
  justification: string,
): void {
  state.exempted.set(`${policy}\u0000${target.urn}\u0000${message}`, {
    policy,
    label: `relaxed by the pack config of ${policy}`,
    urn: target.urn,
    name: target.name,
    message,
    justification: justification.trim(),
  });
}

/** The violations diverted since the last call, and clears them. */
export function takeExempted(): ExemptedViolation[] {
  const out = [...state.exempted.values()];
  state.exempted.clear();
  return out;
}

/** Forget everything (a new run of the pack over a new stack). */
export function resetExemptionState(): void {
  state.exemptions = [];
  state.exempted.clear();
}
