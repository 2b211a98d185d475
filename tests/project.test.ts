import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { parseConfig } from "../config";
import { commonSettingDocs } from "../presets/common";
import { ROOT } from "./helpers/plan";

const schema = JSON.parse(
  fs.readFileSync(path.join(ROOT, "tests/fixtures/pulumi-project.schema.json"), "utf8"),
) as object;
const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
  name: string;
  runtime: { name: string };
  config?: Record<string, unknown>;
  template: { config: Record<string, { description: string; default: unknown }> };
};

describe("Pulumi.yaml", () => {
  it("is valid against the Pulumi CLI's project schema", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const ok = validate(project);
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).to.deep.equal([]);
    expect(ok).to.equal(true);
  });

  it("names the project openemr-aws on the nodejs runtime", () => {
    expect(project.name).to.equal("openemr-aws");
    expect(project.runtime.name).to.equal("nodejs");
  });

  it("declares no typed config outside the project namespace, which the CLI refuses to load", () => {
    // pulumi/pulumi sdk/go/common/workspace/project.go: a typed key must be un-namespaced or
    // `<project>:<key>`; our keys live in `openemr:`, so they are documented under template.config.
    for (const key of Object.keys(project.config ?? {})) {
      expect(!key.includes(":") || key.startsWith(`${project.name}:`), key).to.equal(true);
    }
  });

  it("documents every simple openemr key with a description and a default the validator accepts", () => {
    const documented = Object.entries(project.template.config).filter(([k]) =>
      k.startsWith("openemr:"),
    );
    const keys = documented.map(([k]) => k.slice("openemr:".length)).sort();
    expect(keys).to.deep.equal(
      commonSettingDocs()
        .map((d) => d.key)
        .sort(),
    );
    const raw: Record<string, string> = {};
    for (const [k, v] of documented) {
      expect(v.description, k).to.be.a("string").and.not.equal("");
      raw[k] = typeof v.default === "string" ? v.default : JSON.stringify(v.default);
    }
    const config = parseConfig(raw);
    expect(config.logRetentionDays).to.equal(2192);
    expect(config.protectData).to.equal(true);
  });

  it("has a valid stack file per environment, each validated by the program's config schema", () => {
    const stacks = fs.readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
    expect(stacks).to.include.members(["Pulumi.dev.yaml", "Pulumi.staging.yaml"]);
    for (const file of stacks) {
      const doc = parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as {
        config: Record<string, unknown>;
      };
      const raw = Object.fromEntries(
        Object.entries(doc.config).map(([k, v]) => [
          k,
          typeof v === "string" ? v : JSON.stringify(v),
        ]),
      );
      expect(() => parseConfig(raw), file).to.not.throw();
    }
    const dev = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    expect(dev.config["openemr:preset"]).to.equal("express");
    expect(dev.config["openemr:architecture"]).to.equal("arm64");
  });
});

describe("supported Node.js lines", () => {
  const engines = (
    JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      engines: { node: string };
    }
  ).engines.node;
  const workflow = parse(fs.readFileSync(path.join(ROOT, ".github/workflows/pr.yml"), "utf8")) as {
    jobs: { check: { strategy: { matrix: { node: (number | string)[] } } } };
  };
  // ">=20.19.0 <25" as the two bounds it is written with
  const [, lower, upper] = /^>=(\d+\.\d+\.\d+) <(\d+)$/.exec(engines) ?? [];
  const admits = (version: string) => {
    const [major, minor] = version.split(".").map(Number);
    const [lowMajor, lowMinor] = lower.split(".").map(Number);
    return (major > lowMajor || (major === lowMajor && minor >= lowMinor)) && major < Number(upper);
  };

  it("admits 20.19+, 22 and 24 (the LTS lines), nothing older or newer", () => {
    expect(engines).to.match(/^>=\d+\.\d+\.\d+ <\d+$/);
    for (const v of ["20.19.0", "22.0.0", "24.11.0"]) expect(admits(v), v).to.equal(true);
    for (const v of ["20.18.3", "18.20.0", "25.0.0"]) expect(admits(v), v).to.equal(false);
  });

  it("tests every admitted line in the pull-request workflow", () => {
    // the floor written exactly (a bare major means its newest release), then each admitted line
    expect(workflow.jobs.check.strategy.matrix.node).to.deep.equal([lower, 20, 22, 24]);
    for (const node of workflow.jobs.check.strategy.matrix.node) {
      const version = typeof node === "string" ? node : `${node}.${node === 20 ? 19 : 0}.0`;
      expect(admits(version), String(node)).to.equal(true);
    }
  });
});
