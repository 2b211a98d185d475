// docs/compliance.md is a rendering of the compliance plans and compliance/deviations.json
// (tools/compliance/render.ts): current, following the file, and formatted as prettier formats it.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as prettier from "prettier";
import { loadDeviations } from "../../tools/compliance/deviations";
import { REGENERATE, SAFEGUARD_POLICIES, renderComplianceDoc } from "../../tools/compliance/render";
import { policies } from "../../policy/policies";
import { ROOT } from "../helpers/plan";
import { compliancePlans } from "./plans";

const DOC_PATH = path.join(ROOT, "docs/compliance.md");

/** The cells of the safeguard table's row for `section`: express, express-plus, standard, fargate. */
function safeguardCells(doc: string, section: string): Record<string, string> {
  const line = doc.split("\n").find((l) => l.startsWith(`| ${section} `));
  expect(line, section).to.be.a("string");
  const [, express, expressPlus, standard, fargate] = line!
    .split(/(?<!\\)\|/)
    .slice(1)
    .map((c) => c.trim());
  return { express, "express-plus": expressPlus, standard, fargate };
}

function row(doc: string, rule: string): string {
  const rows = doc.split("\n").filter((l) => l.startsWith(`| \`${rule}\` `));
  expect(rows.length, rule).to.be.greaterThan(0);
  return rows[0];
}

describe("docs/compliance.md", () => {
  it(`is the rendering of the current plans and deviations (run ${REGENERATE})`, async () => {
    const committed = fs.existsSync(DOC_PATH) ? fs.readFileSync(DOC_PATH, "utf8") : "";
    const rendered = renderComplianceDoc(await compliancePlans(), loadDeviations());
    expect(committed, `docs/compliance.md is stale: run ${REGENERATE}`).to.equal(rendered);
  });

  it("says per preset whether each rule is met or deviated, and every deviation's reason", async () => {
    const doc = renderComplianceDoc(await compliancePlans(), loadDeviations());
    expect(row(doc, "cloudwatch-log-group-encrypted")).to.match(
      /^\| `cloudwatch-log-group-encrypted` +\| deviation \(6 of 6\) +\| met \(8\) /,
    );
    expect(row(doc, "alb-waf-enabled")).to.match(
      /\| – +\| – +\| met \(1\) +\| met \(1\) +\| `alb-waf-enabled` +\|$/,
    );
    for (const d of loadDeviations()) expect(doc).to.contain(d.reason.replace(/([|<])/g, "\\$1"));
    for (const heading of [
      "## What the infrastructure cannot do for a clinic",
      "## Safeguards and the controls that implement them",
    ]) {
      expect(doc).to.contain(heading);
    }
    expect(doc).to.contain("164.312(e)(1) Transmission security");
  });

  it("claims Object-Locked nightly backups only for express-plus, whose backup bucket has them", async () => {
    const doc = renderComplianceDoc(await compliancePlans(), loadDeviations());
    for (const [section, claim] of [
      ["164.308(a)(7)", "nightly database and document dumps to an Object-Locked bucket"],
      ["164.312(c)(1)", "nightly backups under S3 Object Lock"],
    ]) {
      const cells = safeguardCells(doc, section);
      expect(cells["express-plus"], section).to.contain(claim);
      for (const preset of ["express", "standard", "fargate"]) {
        expect(cells[preset], `${section} ${preset}`).to.not.contain(claim);
      }
    }
    // the trail bucket's lock is a fact of its own, where the stack has a trail
    expect(safeguardCells(doc, "164.312(c)(1)").fargate).to.contain(
      "trail files under S3 Object Lock",
    );
  });

  it("lists under each safeguard policies of the pack, and some for every safeguard", () => {
    const names = policies.map((p) => p.name);
    for (const list of SAFEGUARD_POLICIES) {
      expect(list.length).to.be.greaterThan(0);
      for (const p of list) expect(names, p).to.include(p);
    }
  });

  it("follows the deviation file: without an entry the rule shows NOT MET", async () => {
    const plans = await compliancePlans();
    const without = loadDeviations().filter((d) => d.rule !== "rds-multi-az-support");
    expect(row(renderComplianceDoc(plans, without), "rds-multi-az-support")).to.contain(
      "**NOT MET** (1 of 2)",
    );
  });

  it("is formatted as prettier formats it, with the repository's config", async () => {
    const doc = renderComplianceDoc(await compliancePlans(), loadDeviations());
    const options = (await prettier.resolveConfig(DOC_PATH)) ?? {};
    expect(await prettier.format(doc, { ...options, filepath: DOC_PATH })).to.equal(doc);
  });
});
