// The configuration reference is written once, in the settings schemas; the README's tables and
// Pulumi.yaml's documented keys are renderings of them and must not go stale.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseConfig } from "../../config";
import { commonSettingDocs } from "../../presets/common";
import {
  README_END,
  README_START,
  renderReadmeReference,
  renderTemplateConfig,
  withReadmeReference,
  withTemplateConfig,
} from "../../tools/config-docs/render";
import { ROOT } from "../helpers/plan";

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

describe("configuration reference", () => {
  it("README.md holds the reference as the schemas render it (npm run config-docs -- --write)", () => {
    const readme = read("README.md");
    expect(readme).to.contain(README_START).and.contain(README_END);
    expect(withReadmeReference(readme)).to.equal(readme);
  });

  it("Pulumi.yaml documents the keys as the schemas render them", () => {
    const project = read("Pulumi.yaml");
    expect(withTemplateConfig(project)).to.equal(project);
    const documented = (parse(project) as { template: { config: Record<string, unknown> } })
      .template.config;
    expect(documented).to.deep.equal(renderTemplateConfig());
  });

  it("has a row, a description and a default (or none) for every common setting", () => {
    const reference = renderReadmeReference();
    for (const doc of commonSettingDocs()) {
      expect(doc.description, doc.key).to.not.equal("");
      expect(reference, doc.key).to.contain(`| \`${doc.key}\` |`);
    }
  });

  it("documents defaults the validator itself applies", () => {
    const raw: Record<string, string> = {};
    for (const [key, { default: value }] of Object.entries(renderTemplateConfig())) {
      raw[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    const config = parseConfig(raw);
    for (const doc of commonSettingDocs().filter((d) => d.default !== undefined)) {
      expect(config[doc.key as keyof typeof config], doc.key).to.deep.equal(doc.default);
    }
  });

  it("renders a new setting everywhere from its schema entry alone", () => {
    // what adding a common setting costs: its schema entry (and the component that uses it)
    const keys = commonSettingDocs().map((d) => d.key);
    expect(Object.keys(renderTemplateConfig())).to.deep.equal([
      "aws:region",
      ...keys.map((k) => `openemr:${k}`),
    ]);
  });
});
