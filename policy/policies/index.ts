// The pack's policies, in evaluation order. Tests and the offline runner import this module; only
// policy/index.ts constructs the PolicyPack (which starts a gRPC server).

import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { backupPolicies } from "./backup";
import { encryptionPolicies } from "./encryption";
import { hipaaPolicies } from "./hipaa";
import {
  EXEMPTED_POLICY,
  EXEMPTIONS_POLICY,
  exemptedViolationsPolicy,
  exemptionsPolicy,
} from "./exemptions";
import { CMK_POLICY_NAMES, keyPolicies } from "./keys";
import { loggingPolicies } from "./logging";
import { monitoringPolicies } from "./monitoring";
import { networkPolicies } from "./network";
import { secretPolicies } from "./secrets";
import { tlsPolicies } from "./tls";

export const packName = "openemr-aws-hipaa";
export const packEnforcementLevel: EnforcementLevel = "mandatory";
export const packDescription =
  "HIPAA-minded guardrails for openemr-aws: encryption at rest, TLS in transit, log retention and " +
  "audit, backups, network exposure.";

const checks = [
  ...encryptionPolicies,
  ...keyPolicies,
  ...tlsPolicies,
  ...networkPolicies,
  ...loggingPolicies,
  ...backupPolicies,
  ...secretPolicies,
  ...monitoringPolicies,
  ...hipaaPolicies,
];

/**
 * Every policy of the pack. "policy-exemptions" comes first (it loads the exemptions the others
 * consult) and "exempted-violations" last (it reports what they diverted).
 */
export const policies: Policies = [
  exemptionsPolicy(() => policies.map((p) => p.name)),
  ...checks,
  exemptedViolationsPolicy,
];

export { CMK_POLICY_NAMES, EXEMPTED_POLICY, EXEMPTIONS_POLICY };
export { resetExemptionState } from "./registry";
