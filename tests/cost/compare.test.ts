import { expect } from "chai";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policies } from "../../policy/policies";
import { estimateCost } from "../../tools/cost/estimate";
import { PRICES, money, roundCents } from "../../tools/cost/prices";
import {
  KEY_POLICIES,
  adminCell,
  auditCell,
  availabilityCell,
  describeCron,
  encryptionCell,
  tlsCell,
} from "../../tools/compare/derive";
import { FACTS } from "../../tools/compare/facts";
import {
  END,
  START,
  extractSection,
  minimalReadme,
  replaceSection,
  writeReadmeSection,
} from "../../tools/compare/readme";
import { REFERENCE, referenceEquivalent } from "../../tools/compare/reference";
import { PRESETS, planSource } from "../../tools/compare/source";
import { buildComparison, renderComparison, type Comparison } from "../../tools/compare/table";
import { enrichPlan } from "../../tools/pipeline/plan-stack";
import { PlanIndex } from "../../tools/plan/plan-index";
import { T } from "../../tools/plan/tokens";
import type { PlanFile, PlanValue } from "../../tools/plan/types";
import {
  appendTo,
  dropBlock,
  dropDependency,
  mutate,
  removeFrom,
  resource,
  setDependency,
  setProp,
  stringAt,
  unsetProp,
  type Target,
} from "../helpers/mutate";
import { TS_REGISTER, planStack } from "../helpers/plan";

const ROOT = path.resolve(__dirname, "../..");
const H = 730;
const cents = (amount: number): number => Math.round(amount * 100);
const line = (amount: number): number => cents(roundCents(amount));

// The plans the program records for the example stacks (tests/helpers/plan.ts, cached per stack and
// shared with the other suites; read-only: variants are made with tests/helpers/mutate.ts).
/** Express: the dev stack. */
const express = (): Promise<PlanFile> => planStack("dev");
/** Standard: the staging stack (web server behind an HTTPS load balancer, Multi-AZ RDS MySQL). */
const standard = (): Promise<PlanFile> => planStack("staging");
/** Fargate: the prod stack. */
const fargate = (): Promise<PlanFile> => planStack("prod");

// The resources of those plans the rows are read from.
const EXPRESS_WEB_SG: Target = [T.securityGroup, "openemr-dev-web-sg"];
const EXPRESS_CONTAINER_LOGS: Target = [T.logGroup, "openemr-dev-containers"];
const STANDARD_DB: Target = [T.rdsInstance, "openemr-staging-db"];
const STANDARD_DB_PARAMS: Target = [T.rdsParameterGroup, "openemr-staging-db-params"];
const STANDARD_KEY: Target = [T.kmsKey, "openemr-staging-key-key"];
const STANDARD_DATA_VOLUME: Target = [T.ebsVolume, "openemr-staging-web-data"];
const FARGATE_CLUSTER: Target = [T.rdsCluster, "openemr-prod-db-cluster"];
const FARGATE_HTTP_LISTENER: Target = [T.lbListener, "openemr-prod-lb-http"];
const FARGATE_SERVICE: Target = [T.ecsService, "openemr-prod-app-service"];

function cellsOf(markdown: string, row: string): string[] {
  const found = markdown.split("\n").find((l) => l.startsWith(`| **${row}** |`));
  if (!found) throw new Error(`no row ${row}`);
  return found
    .split(" | ")
    .slice(1)
    .map((c) => c.replace(/ \|$/, ""));
}

describe("preset comparison", () => {
  let comparison: Comparison;
  let markdown: string;

  before(async function () {
    this.timeout(600_000);
    comparison = await buildComparison(planSource);
    markdown = renderComparison(comparison);
  });

  describe("table", () => {
    it("has one column per preset, then the reference-equivalent, and every row the issue asks for", () => {
      const lines = markdown.split("\n");
      expect(lines[0]).to.equal(
        "| | Express | Express Plus | Standard | Fargate | Fargate, reference-equivalent¹ |",
      );
      expect(lines[1]).to.equal("|---|---|---|---|---|---|");
      const rows = lines
        .filter((l) => l.startsWith("| **"))
        .map((l) => /^\| \*\*(.+?)\*\*/.exec(l)?.[1]);
      expect(rows).to.deep.equal([
        "Monthly base cost",
        "Encrypted at rest, with which key",
        "TLS termination",
        "Audit trail",
        "Backups (where, how often, restore)",
        "Availability",
        "Scale ceiling (as configured)",
        "Admin access",
        "Who it is for",
      ]);
      expect(lines.filter((l) => l.startsWith("|---"))).to.have.length(1);
      for (const row of rows) expect(cellsOf(markdown, row ?? "")).to.have.length(5);
    });

    it("shows each plan's own estimate in the cost row", () => {
      const costs = cellsOf(markdown, "Monthly base cost");
      comparison.columns.forEach((col, i) => {
        expect(costs[i]).to.contain(
          `**${money(estimateCost(col.plan).monthlyUsd)}**/month + usage`,
        );
      });
    });

    it("says where the plans come from and what the prices are based on", () => {
      expect(markdown).to.contain(`Plans: ${planSource.description}.`);
      expect(markdown).to.contain(PRICES.basis);
    });

    it("is the same text every time for the same plans", async function () {
      this.timeout(600_000);
      expect(renderComparison(await buildComparison(planSource))).to.equal(markdown);
    });

    it("prices nothing it cannot price", () => {
      for (const col of comparison.columns) expect(col.cost.unpriced, col.key).to.deep.equal([]);
    });
  });

  describe("targets at the presets' defaults", () => {
    const total = (key: string): number => {
      const col = comparison.columns.find((c) => c.key === key);
      if (!col) throw new Error(`no column ${key}`);
      return col.cost.monthlyUsd;
    };

    it("express costs at most $21 a month", () => {
      expect(total("express")).to.be.at.most(21);
    });

    it("express-plus costs at most $4 more than express", () => {
      expect(total("express-plus") - total("express")).to.be.at.most(4);
    });

    it("standard (single-AZ) costs at most $52 a month", () => {
      expect(total("standard")).to.be.at.most(52);
    });

    it("fargate costs at most $195 a month and at most 0.6× the reference-equivalent", () => {
      expect(total("fargate")).to.be.at.most(195);
      expect(total("fargate")).to.be.at.most(0.6 * total("reference-equivalent"));
    });
  });

  describe("reference-equivalent", () => {
    it("differs from our fargate default by exactly: a NAT per AZ, an Aurora reader, 2 vCPU / 4 GiB tasks", async () => {
      const ours = await fargate();
      const ref = referenceEquivalent(ours);
      const arm = PRICES.fargate.arm;
      const acu = PRICES.aurora.acuHour.usd;
      const expected =
        line(2 * H * PRICES.nat.hour.usd) -
        line(H * PRICES.nat.hour.usd) +
        line(2 * H * PRICES.publicIpv4Hour.usd) -
        line(H * PRICES.publicIpv4Hour.usd) +
        line(0.5 * H * acu) +
        line(2 * H * (2 * arm.vcpuHour.usd + 4 * arm.gbHour.usd)) -
        line(2 * H * (1 * arm.vcpuHour.usd + 2 * arm.gbHour.usd));
      expect(cents(estimateCost(ref).monthlyUsd) - cents(estimateCost(ours).monthlyUsd)).to.equal(
        expected,
      );
      expect(REFERENCE.publishedMonthlyUsd).to.equal(152.72);
    });

    it("keeps the reference's 0.5 ACU minimum even when ours is lower, and leaves our plan untouched", async () => {
      const ours = mutate(
        await fargate(),
        setProp(FARGATE_CLUSTER, "serverlessv2ScalingConfiguration.minCapacity", 0),
      );
      const aurora = (plan: PlanFile): number[] =>
        estimateCost(plan)
          .lines.filter((l) => l.item.startsWith("Aurora"))
          .map((l) => l.monthlyUsd);
      expect(aurora(ours)).to.deep.equal([0]);
      const before = JSON.stringify(ours);
      const ref = referenceEquivalent(ours);
      expect(JSON.stringify(ours)).to.equal(before);
      expect(aurora(ref)).to.deep.equal([43.8, 43.8]);
    });

    it("refuses a plan that has nothing to resize", async () => {
      const plan = await express();
      expect(() => referenceEquivalent(plan)).to.throw(
        "reference-equivalent: the express plan has no aws:ec2/natGateway:NatGateway to resize",
      );
    });
  });

  describe("rows follow the plans' inputs", () => {
    const idx = (plan: PlanFile): PlanIndex => new PlanIndex(plan);

    /** A variant as tools/pipeline would record it: judged by the pack and priced afresh. */
    const judged = async (plan: PlanFile): Promise<PlanIndex> =>
      new PlanIndex(await enrichPlan(plan));

    it("names the customer-managed key by its alias and shows AWS-managed and missing encryption", async () => {
      expect(encryptionCell(idx(await standard()))).to.equal(
        "**Customer-managed key `alias/openemr-staging-key`**, rotated yearly: EBS root, EBS data, RDS, logs ×10, S3, secrets, SSM SecureString ×6, CloudTrail, backup vault<br>SSE-S3 (S3-managed keys): S3",
      );
      expect(encryptionCell(idx(await express()))).to.equal(
        "AWS-managed key `aws/ebs`: EBS root<br>AWS-managed key `aws/ssm`: SSM SecureString ×10<br>CloudWatch Logs service key: logs ×6",
      );
      const plain = mutate(await standard(), setProp(STANDARD_DATA_VOLUME, "encrypted", false));
      expect(encryptionCell(await judged(plain))).to.contain("**Not encrypted**: EBS data");
    });

    it("takes encryption and the key choice from the policy pack's verdicts", async () => {
      const unjudged = mutate(await standard(), dropBlock("policy"));
      expect(() => encryptionCell(idx(unjudged))).to.throw("carries no policy verdicts");
      // the pack judges the master password's key apart from the storage's: an RDS-managed master
      // password without a key of its own falls back to AWS's, the storage keeps the stack's key
      const managed = setProp(STANDARD_DB, "manageMasterUserPassword", true);
      const secretKey = mutate(await standard(), managed);
      const cell = encryptionCell(await judged(secretKey));
      expect(cell).to.contain("AWS-managed key `aws/secretsmanager`: DB master secret");
      expect(cell).to.match(/rotated yearly: EBS root, EBS data, RDS, logs ×10/);
      const keyed = mutate(
        await standard(),
        managed,
        setProp(
          STANDARD_DB,
          "masterUserSecretKmsKeyId",
          stringAt(resource(await standard(), STANDARD_DB), "kmsKeyId"),
        ),
        setDependency(STANDARD_DB, "masterUserSecretKmsKeyId", STANDARD_KEY),
      );
      const withKey = encryptionCell(await judged(keyed));
      expect(withKey).to.match(
        /rotated yearly: EBS root, EBS data, RDS, DB master secret, logs ×10/,
      );
      expect(withKey).to.not.contain("aws/secretsmanager");
      // a customer-managed key from outside the plan is one for the pack, and so for the row
      const arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-4333-8444-555555555555";
      const external = mutate(
        await standard(),
        setProp(STANDARD_DATA_VOLUME, "kmsKeyId", arn),
        dropDependency(STANDARD_DATA_VOLUME, "kmsKeyId"),
      );
      expect(encryptionCell(await judged(external))).to.contain(
        `**Customer-managed key \`${arn}\`**: EBS data`,
      );
    });

    it("reads the verdicts of policies the pack has", () => {
      const names = policies.map((p) => p.name);
      for (const name of Object.values(KEY_POLICIES)) expect(names).to.include(name);
    });

    it("shows where TLS ends and flags a listener that serves plain HTTP", async () => {
      expect(tlsCell(idx(await fargate()), FACTS.fargate)).to.contain(
        "ALB: HTTP 80 only redirects to HTTPS, HTTPS 443 (ELBSecurityPolicy-TLS13-1-2-Res-2021-06); ALB → OpenEMR over HTTPS",
      );
      const plain = mutate(
        await fargate(),
        setProp(FARGATE_HTTP_LISTENER, "defaultActions", [
          { type: "forward", targetGroupArn: "arn:tg" },
        ]),
      );
      expect(tlsCell(idx(plain), FACTS.fargate)).to.contain("**HTTP 80 serves plain HTTP**");
      expect(tlsCell(idx(await standard()), FACTS.standard)).to.contain(
        "database: TLS required (require_secure_transport)",
      );
      const isRequireTls = (p: PlanValue): boolean =>
        typeof p === "object" &&
        p !== null &&
        !Array.isArray(p) &&
        p["name"] === "require_secure_transport";
      const noTls = mutate(
        await standard(),
        removeFrom(STANDARD_DB_PARAMS, "parameters", isRequireTls),
      );
      expect(tlsCell(idx(noTls), FACTS.standard)).to.contain("**database: TLS not required**");
    });

    it("reads Multi-AZ, readers and NAT gateways into availability", async () => {
      expect(availabilityCell(idx(await standard()), FACTS.standard)).to.contain(
        "database: RDS Multi-AZ (standby in a second AZ)",
      );
      const single = mutate(await standard(), setProp(STANDARD_DB, "multiAz", false));
      expect(availabilityCell(idx(single), FACTS.standard)).to.contain("database: RDS Single-AZ");
      const ours = availabilityCell(idx(await fargate()), FACTS.fargate);
      expect(ours).to.contain("database: Aurora writer only (storage across 3 AZs)");
      expect(ours).to.contain("egress: 1 NAT gateway (one AZ)");
      const ref = availabilityCell(idx(referenceEquivalent(await fargate())), FACTS.fargate);
      expect(ref).to.contain("database: Aurora writer + 1 reader (failover)");
      expect(ref).to.contain("egress: 2 NAT gateways (one per AZ)");
    });

    it("reports the audit trail, or its absence", async () => {
      const expressAudit = auditCell(idx(await express()));
      expect(expressAudit).to.contain("no CloudTrail trail created");
      expect(expressAudit).to.contain("6 log groups, kept 2192 days");
      expect(expressAudit).to.not.contain("never expire");
      expect(auditCell(idx(await standard()))).to.contain(
        "CloudTrail (multi-region, log-file validation, KMS-encrypted) → S3 + CloudWatch Logs",
      );
      const noRetention = mutate(
        await express(),
        unsetProp(EXPRESS_CONTAINER_LOGS, "retentionInDays"),
      );
      expect(auditCell(idx(noRetention))).to.contain(
        "6 log groups, kept 2192 days, **some never expire**",
      );
    });

    it("flags an open SSH port and reads ECS Exec", async () => {
      const admin = adminCell(idx(await express()), FACTS.express);
      expect(admin).to.contain("SSM Session Manager (no inbound port), every session logged");
      expect(admin).to.contain("no SSH (no key pair, port 22 closed)");
      const open = mutate(
        await express(),
        appendTo(EXPRESS_WEB_SG, "ingress", {
          protocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrBlocks: ["203.0.113.0/24"],
        }),
      );
      expect(adminCell(idx(open), FACTS.express)).to.contain("**SSH port 22 open**");
      expect(adminCell(idx(await fargate()), FACTS.fargate)).to.contain(
        "no shell into tasks (ECS Exec off)",
      );
      const exec = mutate(await fargate(), setProp(FARGATE_SERVICE, "enableExecuteCommand", true));
      expect(adminCell(idx(exec), FACTS.fargate)).to.contain("ECS Exec on");
    });

    it("describes AWS Backup schedules", () => {
      expect(describeCron("cron(0 5 ? * * *)")).to.equal("daily 05:00 UTC");
      expect(describeCron("cron(0 5 ? * SAT *)")).to.equal("weekly Sat 05:00 UTC");
      expect(describeCron("cron(30 4 1 * ? *)")).to.equal("monthly (day 1) 04:30 UTC");
      expect(describeCron("rate(1 day)")).to.equal("rate(1 day)");
    });
  });

  describe("README", () => {
    it("rewrites only the text between the markers", () => {
      const before = `# title\n\nintro\n\n${START}\nold table\n${END}\n\n## after\n`;
      const after = replaceSection(before, "| new |\n");
      expect(after).to.equal(`# title\n\nintro\n\n${START}\n| new |\n${END}\n\n## after\n`);
      expect(extractSection(after)).to.equal("| new |");
      expect(() => replaceSection("# no markers\n", "x")).to.throw("markers");
    });

    it("creates a minimal README holding only the markers when there is none, then updates it", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "compare-"));
      const file = path.join(dir, "README.md");
      expect(writeReadmeSection(file, "one\n")).to.equal("created");
      expect(fs.readFileSync(file, "utf8")).to.equal(minimalReadme("one"));
      expect(writeReadmeSection(file, "one\n")).to.equal("unchanged");
      expect(writeReadmeSection(file, "two\n")).to.equal("updated");
      expect(extractSection(fs.readFileSync(file, "utf8"))).to.equal("two");
    });

    it("holds the comparison exactly as npm run compare renders it now (not stale)", () => {
      const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
      const section = extractSection(readme);
      expect(section, "README.md has no compare markers").to.not.equal(undefined);
      expect(
        section,
        "README comparison is stale: run `npm run compare -- --write-readme`",
      ).to.equal(markdown.trim());
    });
  });

  describe("npm run compare", () => {
    const run = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(
          process.execPath,
          ["-r", TS_REGISTER, path.join(ROOT, "tools/compare/cli.ts"), ...args],
          { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
          (err, stdout, stderr) => {
            const code = err ? ((err as { code?: number }).code ?? 1) : 0;
            resolve({ code: typeof code === "number" ? code : 1, stdout, stderr });
          },
        );
      });

    it("prints the table and writes it into the README it is pointed at", async function () {
      this.timeout(600_000);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "compare-cli-"));
      const readme = path.join(dir, "README.md");
      const result = await run(["--write-readme", "--readme", readme]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.equal(markdown);
      expect(extractSection(fs.readFileSync(readme, "utf8"))).to.equal(markdown.trim());
    });

    it("exits 2 on an unknown argument", async function () {
      this.timeout(60_000);
      const result = await run(["--bogus"]);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.contain("unknown argument --bogus");
    });
  });

  it("plans every preset through the one plan source", () => {
    expect(comparison.columns.map((c) => c.key)).to.deep.equal([
      ...PRESETS,
      "reference-equivalent",
    ]);
  });
});
