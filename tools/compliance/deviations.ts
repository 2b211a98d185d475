// compliance/deviations.json from the tools' side: read it (through the policy pack's reader, so
// both read the one file the same way), check it against its schema and the rule list, and match
// the findings of a plan to the deviations that accept them.
import Ajv from "ajv";
import * as fs from "fs";
import * as path from "path";
import {
  DEVIATIONS_FILE,
  deviationCovers,
  readDeviations,
  type Deviation,
} from "../../policy/policies/deviations";
import type { Finding } from "./evaluate";
import { hipaaRule } from "./hipaa-rules";

export { DEVIATIONS_FILE, type Deviation };

/** The schema the file is checked against. */
export const DEVIATIONS_SCHEMA_FILE = path.join(
  path.dirname(DEVIATIONS_FILE),
  "deviations.schema.json",
);

/** The deviations of the file; throws when it cannot be read or misses a required field. */
export function loadDeviations(file: string = DEVIATIONS_FILE): Deviation[] {
  const read = readDeviations(file);
  if ("error" in read) throw new Error(read.error);
  return read.deviations;
}

/**
 * The problems of a deviations document: its schema (every field required, presets and glob of the
 * allowed shape) and rules that are not rules of the HIPAA Security reference. Empty when valid.
 */
export function deviationFileProblems(document: unknown): string[] {
  const schema = JSON.parse(fs.readFileSync(DEVIATIONS_SCHEMA_FILE, "utf8")) as object;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  const problems = validate(document)
    ? []
    : (validate.errors ?? []).map(
        (e) => `${e.instancePath || "(root)"} ${e.message ?? "is invalid"}`,
      );
  const list = (document as { deviations?: unknown } | null)?.deviations;
  (Array.isArray(list) ? list : []).forEach((d: { rule?: unknown }, i) => {
    if (typeof d.rule === "string" && hipaaRule(d.rule) === undefined) {
      problems.push(
        `/deviations/${i}/rule "${d.rule}" is not a rule of AWS's HIPAA Security conformance pack ` +
          `(tools/compliance/hipaa-rules.ts)`,
      );
    }
  });
  return problems;
}

/** The deviation that accepts the finding in a stack of this preset, if any. */
export function deviationFor(
  finding: Finding,
  preset: string,
  deviations: readonly Deviation[],
): Deviation | undefined {
  return deviations.find(
    (d) => d.rule === finding.rule && deviationCovers(d, preset, finding.name),
  );
}
