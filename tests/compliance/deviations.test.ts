// compliance/deviations.json: valid against its schema and the rule list, every entry current (it
// covers a finding of its rule on each preset it names), and every finding of every plan met or
// covered by an entry.
import { expect } from "chai";
import * as fs from "fs";
import { readDeviations } from "../../policy/policies/deviations";
import {
  DEVIATIONS_FILE,
  deviationFileProblems,
  deviationFor,
  loadDeviations,
} from "../../tools/compliance/deviations";
import { findingsOf } from "../../tools/compliance/evaluate";
import { globPattern, globsOf } from "../../policy/policies/deviations";
import { compliancePlans, optionPlans } from "./plans";

const document = () =>
  JSON.parse(fs.readFileSync(DEVIATIONS_FILE, "utf8")) as { deviations: Record<string, unknown>[] };

describe("compliance/deviations.json", () => {
  it("validates: its schema (every field required) and rules of the HIPAA Security reference", () => {
    expect(deviationFileProblems(document())).to.deep.equal([]);
  });

  it("refuses a missing field, an unknown rule, an unknown preset and a blank reason", () => {
    const doc = document();
    const first = doc.deviations[0];
    const edited = (change: Record<string, unknown>, drop?: string) => {
      const d = { ...first, ...change };
      if (drop) delete d[drop];
      return { deviations: [d] };
    };
    for (const field of ["rule", "presets", "resources", "reason", "compensatingControl"]) {
      expect(deviationFileProblems(edited({}, field)), field).to.deep.equal([
        `/deviations/0 must have required property '${field}'`,
      ]);
    }
    expect(deviationFileProblems(edited({ rule: "rds-multi-az" }))).to.deep.equal([
      '/deviations/0/rule "rds-multi-az" is not a rule of AWS\'s HIPAA Security conformance pack (tools/compliance/hipaa-rules.ts)',
    ]);
    expect(deviationFileProblems(edited({ presets: ["premium"] }))[0]).to.match(
      /^\/deviations\/0\/presets\/0 must be equal to one of the allowed values/,
    );
    expect(deviationFileProblems(edited({ reason: "   " })).join("\n")).to.contain(
      "/deviations/0/reason",
    );
    expect(deviationFileProblems(edited({ extra: 1 }))).to.deep.equal([
      "/deviations/0 must NOT have additional properties",
    ]);
    // a glob that ends in * would also cover every resource added later under that prefix
    for (const resources of ["openemr-*", ["openemr-*-web", "openemr-*-db*"], []]) {
      expect(deviationFileProblems(edited({ resources })).join("\n"), String(resources)).to.contain(
        "/deviations/0/resources",
      );
    }
    expect(deviationFileProblems(edited({ resources: ["openemr-*-web"] }))).to.deep.equal([]);
  });

  it("is read the same way by the policy pack and the tools", () => {
    const read = readDeviations();
    expect("deviations" in read && read.deviations).to.deep.equal(loadDeviations());
  });

  it("covers, with each entry, a finding of its rule on every preset it names", async () => {
    const plans = await compliancePlans();
    const options = await optionPlans();
    for (const d of loadDeviations()) {
      for (const preset of d.presets) {
        const mine = plans.filter((p) => p.preset === preset);
        const covered = mine.flatMap((p) =>
          findingsOf(p.plan).filter(
            (f) => f.rule === d.rule && globsOf(d).some((g) => globPattern(g).test(f.name)),
          ),
        );
        expect(
          covered.length,
          `${d.rule} on ${preset} (${String(d.resources)}) covers no finding any more: remove the preset or the entry`,
        ).to.be.greaterThan(0);
      }
      // and each glob covers a finding of the rule on one of the presets, with or without the
      // options: no glob broader than what the decision is about, none left over from a resource
      // that is gone
      for (const glob of globsOf(d)) {
        const covers = [...plans, ...options]
          .filter((p) => d.presets.includes(p.preset))
          .some((p) =>
            findingsOf(p.plan).some((f) => f.rule === d.rule && globPattern(glob).test(f.name)),
          );
        expect(covers, `${d.rule}: ${glob} covers no finding on ${d.presets.join(", ")}`).to.equal(
          true,
        );
      }
    }
  });

  it("leaves no finding of any preset's plans, with or without the options, neither met nor deviated", async () => {
    const unmet: string[] = [];
    for (const { label, preset, plan } of [
      ...(await compliancePlans()),
      ...(await optionPlans()),
    ]) {
      for (const f of findingsOf(plan)) {
        if (!deviationFor(f, preset, loadDeviations()))
          unmet.push(`${label}: ${f.rule} ${f.name}: ${f.why}`);
      }
    }
    expect(
      unmet,
      "meet these rules or record a deviation in compliance/deviations.json",
    ).to.deep.equal([]);
  });

  it("matches globs on whole names: * any run, ? one character", () => {
    expect(globPattern("openemr-*-web").test("openemr-dev-web")).to.equal(true);
    expect(globPattern("openemr-*-web").test("openemr-dev-web-data")).to.equal(false);
    expect(globPattern("openemr-?ev-db").test("openemr-dev-db")).to.equal(true);
    expect(globPattern("openemr-*.x").test("openemr-ab")).to.equal(false);
  });
});
