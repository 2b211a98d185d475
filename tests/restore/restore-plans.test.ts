// Every preset planned with openemr:restoreFrom: the EC2 hosts get the importer, RESTORE_FROM and
// the narrow read grant; fargate gets the restore-fetch and restore-import containers before its
// setup container, the grant on the task role and a metric filter; all get the import-failed alarm.
// Without restoreFrom none of it exists. The pack and the compliance rules still pass.
import { expect } from "chai";
import type * as aws from "@pulumi/aws";
import { parse } from "yaml";
import { USER_DATA_LIMIT } from "../../components/compute/user-data";
import { AWS_CLI_IMAGE } from "../../components/service/restore-containers";
import { SITES_DIR } from "../../components/service/openemr-container";
import { deviationFor, loadDeviations } from "../../tools/compliance/deviations";
import { findingsOf } from "../../tools/compliance/evaluate";
import { diffPlans } from "../../tools/diff/diff";
import type { PlanFile, PlanResource } from "../../tools/plan/types";
import { type Container, CERT } from "../fargate/fargate-helpers";
import { planStack } from "../helpers/plan";
import { dependencyOf, ofType, one, prop } from "../helpers/resources";

const SET = "s3://clinic-backups/openemr/2026-W47";
const KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter";
const TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition";
const TOPIC = "aws:sns/topic:Topic";

const PRESET_SETS: Record<string, Record<string, string>> = {
  express: { "openemr:preset": "express" },
  "express-plus": { "openemr:preset": "express-plus" },
  standard: { "openemr:preset": "standard" },
  fargate: { "openemr:preset": "fargate", "openemr:certificateArn": CERT },
};
const withSet = (preset: string, extra: Record<string, string> = {}) =>
  planStack("dev", { ...PRESET_SETS[preset], "openemr:restoreFrom": SET, ...extra });
const without = (preset: string) => planStack("dev", PRESET_SETS[preset]);

const EXPECTED_GRANT: aws.iam.PolicyStatement[] = [
  {
    Sid: "RestoreListSet",
    Effect: "Allow",
    Action: "s3:ListBucket",
    Resource: "arn:aws:s3:::clinic-backups",
    Condition: { StringLike: { "s3:prefix": ["openemr/2026-W47/", "openemr/2026-W47/*"] } },
  },
  {
    Sid: "RestoreReadSet",
    Effect: "Allow",
    Action: "s3:GetObject",
    Resource: "arn:aws:s3:::clinic-backups/openemr/2026-W47/*",
  },
];
const DECRYPT: aws.iam.PolicyStatement = {
  Sid: "RestoreDecryptSet",
  Effect: "Allow",
  Action: "kms:Decrypt",
  Resource: KEY,
  Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
};

const sidOf = (s: aws.iam.PolicyStatement): string => (typeof s.Sid === "string" ? s.Sid : "");

function statementsOf(r: PlanResource): aws.iam.PolicyStatement[] {
  return (JSON.parse(prop<string>(r, "policy")) as { Statement: aws.iam.PolicyStatement[] })
    .Statement;
}
const restoreStatements = (r: PlanResource) =>
  statementsOf(r).filter((s) => sidOf(s).startsWith("Restore"));

function userData(plan: PlanFile): { env: Record<string, string>; files: string[]; raw: string } {
  const raw = prop<string>(one(plan, "aws:ec2/instance:Instance"), "userData");
  const doc = parse(raw) as { write_files: { path: string; content: string }[] };
  const envText = doc.write_files.find((f) => f.path === "/etc/openemr/deploy.env")!.content;
  const env = Object.fromEntries(
    envText
      .trim()
      .split("\n")
      .map((l) => {
        const i = l.indexOf("=");
        return [l.slice(0, i), l.slice(i + 1).replace(/^'|'$/g, "")];
      }),
  );
  return { env, files: doc.write_files.map((f) => f.path), raw };
}

function importAlarm(plan: PlanFile): PlanResource {
  return one(plan, ALARM, "-import-failed");
}

function expectAlarmToTopic(plan: PlanFile, alarm: PlanResource): void {
  const topic = one(plan, TOPIC, "-alarms");
  expect(dependencyOf(plan, alarm, "alarmActions").map((r) => r.urn)).to.deep.equal([topic.urn]);
  expect(dependencyOf(plan, alarm, "okActions").map((r) => r.urn)).to.deep.equal([topic.urn]);
  expect(alarm.props).to.include({
    statistic: "Minimum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "LessThanThreshold",
    treatMissingData: "notBreaching",
  });
  expect(prop<string>(alarm, "alarmDescription")).to.contain("docs/migrate.md#if-the-import-fails");
}

/** The grant is never broader than the set's prefix: no wildcard bucket, no s3:* action. */
function expectNarrow(statements: aws.iam.PolicyStatement[]): void {
  for (const s of statements) {
    const actions = ([] as unknown[]).concat(s.Action);
    const resources = ([] as unknown[]).concat(s.Resource);
    for (const a of actions) expect(String(a)).to.not.match(/\*/);
    for (const r of resources) {
      expect(String(r)).to.not.match(/^arn:aws:s3:::\*/);
      expect(String(r)).to.not.equal("*");
      if (String(r).startsWith("arn:aws:s3:::")) {
        expect(String(r)).to.match(/^arn:aws:s3:::clinic-backups(\/openemr\/2026-W47\/\*)?$/);
      }
    }
  }
}

/**
 * The pack passes and the compliance rules find nothing the plan without restoreFrom does not
 * (the dev stack runs unprotected: its deletion-protection findings are the same with and without).
 */
function expectPassing(plan: PlanFile, base: PlanFile, preset: string): void {
  expect(
    plan.policy?.violations.filter((v) => v.level === "mandatory"),
    "mandatory violations",
  ).to.deep.equal([]);
  expect(plan.policy?.passed).to.equal(true);
  expect(plan.policy?.violations.length).to.equal(base.policy?.violations.length);
  const findings = (p: PlanFile) =>
    findingsOf(p)
      .filter((f) => !deviationFor(f, preset as never, loadDeviations()))
      .map((f) => `${f.rule} ${f.name}: ${f.why}`)
      .sort();
  expect(findings(plan), "compliance findings neither met nor deviated").to.deep.equal(
    findings(base),
  );
}

describe("openemr:restoreFrom on the EC2 tiers", function () {
  this.timeout(300000);

  for (const preset of ["express", "express-plus", "standard"]) {
    describe(preset, () => {
      let plan: PlanFile;
      let base: PlanFile;
      before(async () => {
        plan = await withSet(preset);
        base = await without(preset);
      });

      it("writes RESTORE_FROM (normalised) and OPENEMR_VERSION into deploy.env and installs the importer", () => {
        const { env, files, raw } = userData(plan);
        expect(env.RESTORE_FROM).to.equal("s3://clinic-backups/openemr/2026-W47/");
        expect(env.OPENEMR_VERSION).to.equal("8.0.0");
        // the importer comes from SSM parameters install-scripts.sh reads, as every script but
        // the boot's does
        expect(files).to.include("/usr/local/sbin/openemr-install-scripts");
        expect(files.filter((f) => f.includes("openemr-import"))).to.deep.equal([]);
        // the importer last, after what every host has
        const targets = env.SCRIPT_PARAMETERS.split(" ").map((e) => e.split("=")[0]);
        expect(targets.slice(-4)).to.deep.equal([
          "/usr/local/sbin/openemr-export",
          "/usr/local/sbin/openemr-import-fetch",
          "/usr/local/sbin/openemr-import-apply",
          "/usr/local/sbin/openemr-import",
        ]);
        for (const entry of env.SCRIPT_PARAMETERS.split(" ")) {
          const [base, chunks] = entry.split("=")[1].split(":");
          const parts = ofType(plan, "aws:ssm/parameter:Parameter").filter(
            (r) => typeof r.props.name === "string" && r.props.name.startsWith(`${base}/`),
          );
          expect(parts, base).to.have.length(Number(chunks));
        }
        expect(Buffer.byteLength(raw)).to.be.at.most(USER_DATA_LIMIT);
      });

      it("grants the host's role exactly the set's list and read, nothing broader", () => {
        const policy = one(plan, ROLE_POLICY, "-web-access");
        expect(restoreStatements(policy)).to.deep.equal(EXPECTED_GRANT);
        expectNarrow(restoreStatements(policy));
        // the rest of the role's policy is as without restoreFrom
        const others = (r: PlanResource) =>
          statementsOf(r).filter((s) => !sidOf(s).startsWith("Restore"));
        expect(others(policy)).to.deep.equal(others(one(base, ROLE_POLICY, "-web-access")));
      });

      it("alarms on the import's reported failure to the stack's topic", () => {
        const alarm = importAlarm(plan);
        expect(alarm.props).to.include({ namespace: "OpenEMR", metricName: "ImportSucceeded" });
        expect(alarm.props.dimensions).to.deep.equal({ Stack: "dev" });
        expect(prop<string>(alarm, "alarmDescription")).to.contain("/var/log/openemr-import.log");
        expectAlarmToTopic(plan, alarm);
      });

      it("without restoreFrom: no importer, no grant, no alarm; RESTORE_FROM empty, openemr-export still there", () => {
        const { env, files } = userData(base);
        expect(env.RESTORE_FROM).to.equal("");
        expect(files.filter((f) => f.includes("openemr-import"))).to.deep.equal([]);
        const targets = env.SCRIPT_PARAMETERS.split(" ").map((e) => e.split("=")[0]);
        expect(targets).to.include("/usr/local/sbin/openemr-export");
        expect(targets.filter((t) => t.includes("openemr-import"))).to.deep.equal([]);
        expect(restoreStatements(one(base, ROLE_POLICY, "-web-access"))).to.deep.equal([]);
        expect(ofType(base, ALARM).filter((a) => a.name.endsWith("-import-failed"))).to.deep.equal(
          [],
        );
        // what restoreFrom adds besides the host's user data and policy: the alarm and the
        // importer's script parameters
        const names = (p: PlanFile) => p.resources.map((r) => r.urn).sort();
        const added = names(plan).filter((u) => !names(base).includes(u));
        expect(added.filter((u) => !/::openemr-dev-script-import/.test(u))).to.deep.equal([
          importAlarm(plan).urn,
        ]);
        expect(added.length).to.be.at.least(4);
      });

      it("passes the policy pack and the compliance rules", () => {
        expectPassing(plan, base, preset);
      });
    });
  }

  it("adds kms:Decrypt on restoreKmsKeyArn, through S3 only", async () => {
    const plan = await withSet("express-plus", { "openemr:restoreKmsKeyArn": KEY });
    expect(restoreStatements(one(plan, ROLE_POLICY, "-web-access"))).to.deep.equal([
      ...EXPECTED_GRANT,
      DECRYPT,
    ]);
  });

  it("npm run diff says an existing host never imports a restoreFrom set later", async () => {
    const d = diffPlans(await without("express"), await withSet("express"));
    const finding = d.findings.find((f) => f.type === "aws:ec2/instance:Instance");
    expect(finding?.message).to.contain("the running host never sees the new user data");
    expect(finding?.message).to.contain(
      "RESTORE_FROM (none) → s3://clinic-backups/openemr/2026-W47/: openemr:restoreFrom is imported on a new stack's first boot only, so this host imports nothing; start a new stack with it (docs/migrate.md)",
    );
    expect(d.dataLoss).to.deep.equal([]);
  });
});

describe("openemr:restoreFrom on fargate", function () {
  this.timeout(300000);
  let plan: PlanFile;
  let base: PlanFile;
  let containers: Container[];
  before(async () => {
    plan = await withSet("fargate", { "openemr:restoreKmsKeyArn": KEY });
    base = await without("fargate");
    containers = JSON.parse(
      prop<string>(one(plan, TASK_DEF), "containerDefinitions"),
    ) as Container[];
  });
  const named = (n: string) => containers.find((c) => c.name === n)!;

  it("runs restore-fetch, then restore-import, then the setup and app containers", () => {
    expect(containers.map((c) => c.name)).to.deep.equal([
      "openemr",
      "openemr-setup",
      "restore-fetch",
      "restore-import",
    ]);
    expect(named("restore-fetch").dependsOn).to.equal(undefined);
    expect(named("restore-import").dependsOn).to.deep.equal([
      { containerName: "restore-fetch", condition: "SUCCESS" },
    ]);
    expect(named("openemr-setup").dependsOn).to.deep.equal([
      { containerName: "restore-import", condition: "SUCCESS" },
    ]);
    expect(named("openemr").dependsOn).to.deep.equal([
      { containerName: "openemr-setup", condition: "SUCCESS" },
      { containerName: "restore-import", condition: "SUCCESS" },
    ]);
    expect(named("restore-fetch").essential).to.equal(false);
    expect(named("restore-import").essential).to.equal(false);
  });

  it("fetches with the pinned AWS CLI image and imports with the OpenEMR image, scripts inline, on the sites volume", () => {
    const fetch = named("restore-fetch");
    expect(fetch.image).to.equal(AWS_CLI_IMAGE);
    expect(AWS_CLI_IMAGE).to.match(/^public\.ecr\.aws\/aws-cli\/aws-cli:2\.\d+\.\d+$/);
    expect(fetch.entryPoint).to.deep.equal(["bash", "-c"]);
    expect(fetch.command.slice(1)).to.deep.equal([
      "import-fetch",
      "s3://clinic-backups/openemr/2026-W47/",
      `${SITES_DIR}/.openemr-import`,
    ]);
    expect(fetch.command[0]).to.match(
      new RegExp(`^if \\[ -f ${SITES_DIR}/\\.openemr-import\\.done \\]; then\n`),
    );
    expect(fetch.command[0]).to.contain("\n#!/bin/bash\n");
    const apply = named("restore-import");
    expect(apply.image).to.equal(named("openemr").image);
    expect(apply.entryPoint).to.deep.equal(["/bin/sh", "-c"]);
    expect(apply.command.slice(1)).to.deep.equal(["import-apply", `${SITES_DIR}/.openemr-import`]);
    expect(apply.command[0]).to.contain("#!/bin/sh\n");
    for (const c of [fetch, apply]) {
      expect(c.mountPoints.map((m) => [m.sourceVolume, m.containerPath])).to.deep.equal([
        ["sites", SITES_DIR],
      ]);
    }
    const env = Object.fromEntries(apply.environment.map((e) => [e.name, e.value]));
    expect(env).to.include({
      SITES_DIR,
      OPENEMR_VERSION: "8.0.0",
      MYSQL_PORT: "3306",
      MYSQL_CA: "/tmp/openemr-import-rds-ca.pem",
    });
    const setupEnv = Object.fromEntries(
      named("openemr-setup").environment.map((e) => [e.name, e.value]),
    );
    expect(env.MYSQL_HOST).to.equal(setupEnv.MYSQL_HOST);
  });

  it("passes the Aurora root and app secrets to restore-import as the setup container gets them", () => {
    const pick = (c: Container) =>
      c.secrets.filter((s) =>
        ["MYSQL_ROOT_USER", "MYSQL_ROOT_PASS", "MYSQL_USER", "MYSQL_PASS"].includes(s.name),
      );
    expect(named("restore-import").secrets).to.deep.equal(pick(named("openemr-setup")));
    expect(named("restore-import").secrets.map((s) => s.name)).to.deep.equal([
      "MYSQL_ROOT_USER",
      "MYSQL_ROOT_PASS",
      "MYSQL_USER",
      "MYSQL_PASS",
    ]);
    expect(named("restore-fetch").secrets).to.deep.equal([]);
  });

  it("grants the task role, not the execution role, the set's list, read and decrypt", () => {
    const task = one(plan, ROLE_POLICY, "-task-policy");
    expect(restoreStatements(task)).to.deep.equal([...EXPECTED_GRANT, DECRYPT]);
    expectNarrow(restoreStatements(task));
    const execution = one(plan, ROLE_POLICY, "-execution-policy");
    expect(prop<string>(execution, "policy")).to.equal(
      prop<string>(one(base, ROLE_POLICY, "-execution-policy"), "policy"),
    );
  });

  it("turns the import's last line into a metric and alarms on a failure", () => {
    const logGroup = one(plan, "aws:cloudwatch/logGroup:LogGroup", "-app-logs");
    const filters = ofType(plan, FILTER).filter((f) => f.name.includes("-import-"));
    expect(
      filters.map((f) => [f.name, f.props.pattern, f.props.metricTransformation]),
    ).to.deep.equal([
      [
        "openemr-dev-import-succeeded-filter",
        '"openemr-import: SUCCEEDED"',
        { name: "dev-ImportSucceeded", namespace: "OpenEMR", value: "1" },
      ],
      [
        "openemr-dev-import-failed-filter",
        '"openemr-import: FAILED"',
        { name: "dev-ImportSucceeded", namespace: "OpenEMR", value: "0" },
      ],
    ]);
    for (const f of filters) {
      expect(dependencyOf(plan, f, "logGroupName").map((r) => r.urn)).to.deep.equal([logGroup.urn]);
    }
    const alarm = importAlarm(plan);
    expect(alarm.props).to.include({ namespace: "OpenEMR", metricName: "dev-ImportSucceeded" });
    expect(alarm.props.dimensions ?? {}).to.deep.equal({});
    expectAlarmToTopic(plan, alarm);
  });

  it("keeps the task definition within ECS's 64 KiB", () => {
    const size = Buffer.byteLength(JSON.stringify(one(plan, TASK_DEF).props));
    expect(size).to.be.below(64 * 1024);
  });

  it("without restoreFrom: two containers, no grant, no filter, no alarm", () => {
    const defs = JSON.parse(
      prop<string>(one(base, TASK_DEF), "containerDefinitions"),
    ) as Container[];
    expect(defs.map((c) => c.name)).to.deep.equal(["openemr", "openemr-setup"]);
    expect(defs[0].dependsOn).to.deep.equal([
      { containerName: "openemr-setup", condition: "SUCCESS" },
    ]);
    expect(defs[1].dependsOn).to.equal(undefined);
    expect(restoreStatements(one(base, ROLE_POLICY, "-task-policy"))).to.deep.equal([]);
    expect(ofType(base, FILTER).filter((f) => f.name.includes("-import-"))).to.deep.equal([]);
    expect(ofType(base, ALARM).filter((a) => a.name.endsWith("-import-failed"))).to.deep.equal([]);
  });

  it("passes the policy pack and the compliance rules", () => {
    expectPassing(plan, base, "fargate");
  });
});
