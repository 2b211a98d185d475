// The compliance report's plans (tools/compliance/plans.ts), recorded once per test run.
import { planSource } from "../../tools/compare/source";
import { PRESETS, recordCompliancePlans, type CompliancePlan } from "../../tools/compliance/plans";

let recorded: Promise<CompliancePlan[]> | undefined;

/** The plans docs/compliance.md is made from. Cached: treat them as read-only. */
export function compliancePlans(): Promise<CompliancePlan[]> {
  recorded ??= recordCompliancePlans();
  return recorded;
}

/** The one compliance plan with this label. */
export async function compliancePlan(label: string): Promise<CompliancePlan> {
  const found = (await compliancePlans()).find((p) => p.label === label);
  if (!found) throw new Error(`no compliance plan labelled "${label}"`);
  return found;
}

/**
 * The options that add resources of their own (openemr:restoreFrom's import alarm, filters and
 * grants; openemr:backupCopyRegion's copy vault, key, bucket and alarm), each preset with every
 * option it takes: a deviation may name a resource only these plans have, and their findings must
 * be met or deviated too.
 */
const OPTIONS: Record<string, string> = {
  "openemr:restoreFrom": "s3://clinic-backups/openemr/2026-W47",
  "openemr:backupCopyRegion": "us-west-2",
};

let withOptions: Promise<CompliancePlan[]> | undefined;

/** Each preset's report plan with OPTIONS set (plain express takes no copy region). */
export function optionPlans(): Promise<CompliancePlan[]> {
  withOptions ??= (async () => {
    const out: CompliancePlan[] = [];
    for (const preset of PRESETS) {
      const options = { ...OPTIONS };
      if (preset === "express") delete options["openemr:backupCopyRegion"];
      const sets = Object.entries(options).map(([k, v]) => ` --set ${k}=${v}`);
      out.push({
        preset,
        label: `${preset}, ${Object.keys(options).join(" and ")}`,
        command: `npm run plan -- --stack dev --set openemr:preset=${preset}${sets.join("")}`,
        plan: await planSource.planPreset(preset, options),
      });
    }
    return out;
  })();
  return withOptions;
}
