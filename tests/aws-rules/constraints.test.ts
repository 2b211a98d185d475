// constraints.json is what generate.py makes from botocore, its rows are well formed, and the
// patterns translated from botocore's Java syntax behave in JavaScript as AWS documents them.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import {
  AUTONAMES,
  CONSTRAINTS,
  checkAwsRules,
  parseConstraints,
} from "../../tools/aws-rules/check";
import type { PlanValue } from "../../tools/plan/types";
import { ROOT } from "../helpers/plan";

const DIR = path.join(ROOT, "tools/aws-rules");
const TABLE = path.join(DIR, "constraints.json");

function botocoreVersion(python: string): string | undefined {
  try {
    return execFileSync(python, ["-c", "import botocore; print(botocore.__version__)"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

function violationsOf(type: string, props: Record<string, PlanValue>): string[] {
  const resource = {
    urn: `urn:pulumi:dev::openemr-aws::${type}::r`,
    type,
    name: "r",
    custom: true,
    parent: null,
    props,
    opts: { protect: false, retainOnDelete: false, dependsOn: [], ignoreChanges: [] },
    propertyDependencies: {},
  };
  const plan = { project: "p", stack: "dev", preset: "express", region: "us-east-1", outputs: {} };
  return checkAwsRules({ ...plan, resources: [resource] }).map((v) => v.rule);
}

describe("AWS name rules: constraints.json", () => {
  it("is what generate.py writes with the botocore version it records", function () {
    this.timeout(30_000);
    const version = CONSTRAINTS.botocore.version;
    const python = ["python3", "/usr/bin/python3"].find((p) => botocoreVersion(p) === version);
    // the machine image ships botocore 1.43.11 (pip, Python 3.11); Debian's python3-botocore
    // (1.29) is too old to know ElastiCache Serverless
    expect(python, `botocore ${version} is needed to regenerate the table`).to.be.a("string");
    const out = execFileSync(python!, [path.join(DIR, "generate.py"), "--stdout"], {
      encoding: "utf8",
    });
    expect(JSON.parse(out)).to.deep.equal(JSON.parse(fs.readFileSync(TABLE, "utf8")));
  });

  it("records the botocore version and the command that made it", () => {
    const raw = JSON.parse(fs.readFileSync(TABLE, "utf8")) as unknown;
    const table = parseConstraints(raw);
    expect(table.botocore.version).to.match(/^\d+\.\d+\.\d+$/);
    expect(table.generator).to.contain("python3 tools/aws-rules/generate.py");
    expect(table.rules.length).to.be.greaterThan(50);
  });

  it("names a Pulumi type, an API member and a source for every rule", () => {
    for (const rule of CONSTRAINTS.rules) {
      const what = `${rule.type} ${rule.property}`;
      expect(rule.type, what).to.match(/^aws:[a-z0-9]+\/[a-zA-Z0-9]+:[A-Z][A-Za-z0-9]+$/);
      expect(rule.api.model, what).to.match(/^[a-z0-9-]+\/\d{4}-\d{2}-\d{2}$/);
      if (rule.source === "documented") {
        expect(rule.url, what).to.match(/^https:\/\/docs\.aws\.amazon\.com\//);
        expect(rule.pattern, what).to.equal(undefined);
      } else {
        expect(rule.source, what).to.equal(`botocore ${CONSTRAINTS.botocore.version}`);
        expect(rule.url, what).to.equal(undefined);
        expect(rule.jsPattern === undefined, what).to.equal(rule.pattern === undefined);
      }
    }
    const documented = CONSTRAINTS.rules.filter((r) => r.source === "documented");
    expect(documented.length).to.be.greaterThan(10);
  });

  it("gives patterns that compile in JavaScript and match whole values", () => {
    for (const rule of CONSTRAINTS.rules) {
      if (rule.jsPattern === undefined) continue;
      expect(rule.jsPattern, rule.type).to.match(/^\^.*\$$/);
      expect(() => new RegExp(rule.jsPattern!, "u"), rule.jsPattern).not.to.throw();
      for (const n of rule.mustNotMatch ?? []) {
        expect(() => new RegExp(n.pattern, `${n.flags ?? ""}u`), n.pattern).not.to.throw();
      }
    }
    // botocore's pattern is unanchored; AWS matches it against the whole value
    expect(violationsOf("aws:iam/role:Role", { name: "ok-role" })).to.deep.equal([]);
    expect(violationsOf("aws:iam/role:Role", { name: "ok role" })).to.have.length(1);
  });

  describe("botocore patterns translated from Java", () => {
    const cases: [string, string, string[], string[]][] = [
      // \_ is a Java escape JavaScript's u flag refuses
      [
        "aws:backup/vault:Vault",
        "name",
        ["openemr-prod_vault", "ab"],
        ["a", "a.b", "a".repeat(51)],
      ],
      ["aws:iam/role:Role", "path", ["/", "/service-role/"], ["service-role/", "/a", ""]],
      // \p{Print}: printable ASCII
      ["aws:appautoscaling/policy:Policy", "name", ["cpu target ~1"], ["tab\there", "é"]],
      ["aws:appautoscaling/target:Target", "resourceId", ["service/c/s", "emoji 🙂"], ["\u0001"]],
      [
        "aws:acm/certificate:Certificate",
        "domainName",
        ["emr.example.org", "*.example.org"],
        ["example", "-a.example.org"],
      ],
      [
        "aws:cloudwatch/logGroup:LogGroup",
        "name",
        ["/openemr/dev/system", "aws-waf-logs-x"],
        ["/openemr dev"],
      ],
      [
        "aws:wafv2/webAcl:WebAcl",
        "description",
        ["openemr-prod-waf: rate limit, managed rules"],
        ["rules!", " leading space"],
      ],
    ];
    for (const [type, prop, good, bad] of cases) {
      it(`${type} ${prop}`, () => {
        for (const value of good) {
          expect(violationsOf(type, { [prop]: value }), JSON.stringify(value)).to.deep.equal([]);
        }
        for (const value of bad) {
          expect(violationsOf(type, { [prop]: value }), JSON.stringify(value)).not.to.deep.equal(
            [],
          );
        }
      });
    }
  });

  it("has a rule for every property the provider autonames", () => {
    const constrained = new Set(
      CONSTRAINTS.rules
        .filter((r) => r.min !== undefined || r.max !== undefined || r.jsPattern !== undefined)
        .map((r) => `${r.type} ${r.property}`),
    );
    const names = [...AUTONAMES.resources, ...AUTONAMES.prefixed].map(
      (a) => `${a.type} ${a.property}`,
    );
    // botocore gives ServerlessCacheName no limits and the API reference documents none
    const unlimited = ["aws:elasticache/serverlessCache:ServerlessCache name"];
    expect(names.filter((n) => !constrained.has(n))).to.deep.equal(unlimited);
    expect(AUTONAMES.source.commit).to.match(/^[0-9a-f]{40}$/);
    expect(AUTONAMES.suffixForChecks).to.match(/^[a-z0-9]{7}$/);
  });
});
