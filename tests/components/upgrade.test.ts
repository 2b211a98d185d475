// HostUpgrade on its own and in the stacks: a Command document that installs upgrade.sh and runs
// it with the stack's image, a State Manager association on the host whose only parameter is that
// image (so a version or digest change is an in-place update of the association, visible in the
// plan and the diff), the upgrade-failed alarm, and on standard the host's right to snapshot its
// own database first.
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { monitoring } from "../../components/alarms/monitoring";
import { compactScript, readScript } from "../../components/compute/user-data";
import {
  HostUpgrade,
  IMAGE_REFERENCE_PATTERN,
  UPGRADE_SCRIPT_PATH,
  UPGRADE_TIMEOUT_SECONDS,
  type UpgradeDocumentContent,
  imageChange,
  preUpgradeSnapshotStatements,
  upgradeDocumentContent,
} from "../../components/maintenance/upgrade";
import { diffPlans } from "../../tools/diff/diff";
import type { PlanFile } from "../../tools/plan/types";
import { planStack } from "../helpers/plan";
import { ofType, one, prop } from "../helpers/resources";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const DOCUMENT = "aws:ssm/document:Document";
const ASSOCIATION = "aws:ssm/association:Association";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const INSTANCE = "aws:ec2/instance:Instance";
const DIGEST = `sha256:${"ab".repeat(32)}`;

function content(p: ComponentPlan | PlanFile, name: string): UpgradeDocumentContent {
  const doc = "named" in p ? p.named(name, DOCUMENT) : one(p, DOCUMENT, "-upgrade");
  return JSON.parse(prop<string>(doc, "content")) as UpgradeDocumentContent;
}

describe("HostUpgrade", () => {
  let p: ComponentPlan;
  before(async () => {
    p = await planComponent(() => {
      const tier = new pulumi.ComponentResource("test:index:Tier", "tier");
      const instance = new aws.ec2.Instance(
        "host",
        { ami: "ami-1", instanceType: "t4g.small" },
        { parent: tier },
      );
      const upgrade = new HostUpgrade(
        "openemr-test-upgrade",
        {
          instanceId: instance.id,
          image: `openemr/openemr:8.0.0@${DIGEST}`,
          stack: "test",
          systemLogGroup: "/openemr/test/system",
          monitoring: monitoring("openemr-test", {}, { parent: tier }),
        },
        { parent: tier },
      );
      return { documentName: upgrade.document.name };
    });
  });

  it("creates the document and the association under the component, the alarm with the stack's", () => {
    const component = p.named("openemr-test-upgrade", "openemr:maintenance:HostUpgrade");
    expect(inventory(p.resources.filter((r) => r.parent === component.urn))).to.deep.equal([
      `${DOCUMENT}::openemr-test-upgrade`,
      `${ASSOCIATION}::openemr-test-upgrade-association`,
    ]);
    const alarm = p.named("openemr-test-upgrade-failed", ALARM);
    const tier = p.named("tier", "test:index:Tier");
    expect(alarm.parent).to.equal(tier.urn);
  });

  it("is a schema 2.2 Command document whose one shell step installs upgrade.sh and runs it with the image", () => {
    const doc = p.named("openemr-test-upgrade", DOCUMENT);
    expect(doc.props).to.include({
      name: "openemr-test-upgrade",
      documentType: "Command",
      documentFormat: "JSON",
    });
    const c = content(p, "openemr-test-upgrade");
    expect(c.schemaVersion).to.equal("2.2");
    expect(c.parameters.image).to.deep.include({
      type: "String",
      allowedPattern: IMAGE_REFERENCE_PATTERN,
    });
    expect(c.mainSteps).to.have.length(1);
    const [step] = c.mainSteps;
    expect(step.action).to.equal("aws:runShellScript");
    expect(step.precondition).to.deep.equal({ StringEquals: ["platformType", "Linux"] });
    expect(step.inputs.timeoutSeconds).to.equal(String(UPGRADE_TIMEOUT_SECONDS));
    const commands = step.inputs.runCommand;
    expect(commands.at(-1)).to.equal(`exec ${UPGRADE_SCRIPT_PATH} '{{ image }}'`);
    // the only parameter reference in the whole document is the image's, on the last line
    expect(JSON.stringify(c).match(/\{\{/g)).to.have.length(1);
  });

  it("writes upgrade.sh to the host byte for byte (its compact form), run by the shell as the agent runs it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upgrade-doc-"));
    try {
      const target = path.join(dir, "openemr-upgrade");
      const script = compactScript(readScript("upgrade.sh"));
      const commands = upgradeDocumentContent(script, target).mainSteps[0].inputs.runCommand;
      // everything but the final exec: what Systems Manager writes into its _script.sh
      execFileSync("/bin/sh", ["-c", commands.slice(0, -1).join("\n")], { encoding: "utf8" });
      expect(fs.readFileSync(target, "utf8")).to.equal(script.replace(/\n$/, "") + "\n");
      expect(fs.statSync(target).mode & 0o777).to.equal(0o755);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a script Systems Manager would rewrite or the heredoc would cut short", () => {
    expect(() => upgradeDocumentContent("#!/bin/bash\necho {{ x }}\n")).to.throw(
      "upgrade.sh must not contain {{",
    );
    expect(() => upgradeDocumentContent("#!/bin/bash\nOPENEMR_UPGRADE_SCRIPT\n")).to.throw(
      "must not contain a line OPENEMR_UPGRADE_SCRIPT",
    );
  });

  it("keeps upgrade.sh's own image check identical to the document's allowedPattern", () => {
    const line = /^image_pattern='(.*)'$/m.exec(readScript("upgrade.sh"));
    expect(line?.[1]).to.equal(IMAGE_REFERENCE_PATTERN);
    const pattern = new RegExp(IMAGE_REFERENCE_PATTERN);
    expect(pattern.test("openemr/openemr:8.0.0")).to.equal(true);
    expect(pattern.test(`openemr/openemr:8.0.0@${DIGEST}`)).to.equal(true);
    for (const bad of [
      "openemr/openemr:latest",
      "openemr/openemr:8.0.0'; rm -rf /",
      "nginx:1.0.0",
    ]) {
      expect(pattern.test(bad), bad).to.equal(false);
    }
  });

  it("targets the host by instance id with the image as its only parameter, running on every change and never on a schedule", () => {
    const association = p.named("openemr-test-upgrade-association", ASSOCIATION);
    const { targets, ...rest } = association.props;
    expect(rest).to.deep.equal({
      name: "openemr-test-upgrade",
      associationName: "openemr-test-upgrade",
      parameters: { image: `openemr/openemr:8.0.0@${DIGEST}` },
      applyOnlyAtCronInterval: false,
      complianceSeverity: "HIGH",
    });
    expect(targets).to.have.length(1);
    expect(targets).to.have.nested.property("[0].key", "InstanceIds");
    expect(targets)
      .to.have.nested.property("[0].values[0]")
      .that.matches(/^i-[0-9a-f]+$/);
    expect(p.dependenciesOf(association, "targets").map((r) => r.name)).to.deep.equal(["host"]);
    expect(p.dependenciesOf(association, "name").map((r) => r.type)).to.deep.equal([DOCUMENT]);
  });

  it("alarms through the topic when an upgrade reports failure, and stays quiet while none runs", () => {
    const alarm = p.named("openemr-test-upgrade-failed", ALARM);
    expect(alarm.props).to.include({
      namespace: "OpenEMR",
      metricName: "UpgradeSucceeded",
      statistic: "Minimum",
      period: 86400,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "notBreaching",
    });
    expect(alarm.props.dimensions).to.deep.equal({ Stack: "test" });
    expect(prop<string>(alarm, "alarmDescription")).to.contain("/openemr/test/system");
  });

  it("refuses an image the document would refuse, before AWS sees it", async () => {
    let error: unknown;
    try {
      await planComponent(() => {
        new HostUpgrade("openemr-test-upgrade", {
          instanceId: "i-1",
          image: "openemr/openemr:latest",
          stack: "test",
          systemLogGroup: "/openemr/test/system",
          monitoring: monitoring("openemr-test", {}, {}),
        });
      });
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.contain(
      `openemr-test-upgrade: image openemr/openemr:latest does not match ${IMAGE_REFERENCE_PATTERN}`,
    );
  });
});

describe("imageChange (what the diff should flag)", () => {
  const image = (version: string, digest = "") =>
    `openemr/openemr:${version}${digest ? `@sha256:${digest.repeat(64)}` : ""}`;

  it("orders versions numerically, part by part", () => {
    expect(imageChange(image("8.0.0"), image("8.1.0"))).to.equal("upgrade");
    expect(imageChange(image("7.0.4"), image("8.0.0"))).to.equal("upgrade");
    expect(imageChange(image("8.0.9"), image("8.0.10"))).to.equal("upgrade");
    expect(imageChange(image("8.0.10"), image("8.0.9"))).to.equal("downgrade");
    expect(imageChange(image("8.1.0"), image("7.0.4"))).to.equal("downgrade");
  });

  it("tells a digest change from no change", () => {
    expect(imageChange(image("8.0.0", "a"), image("8.0.0", "b"))).to.equal("digest");
    expect(imageChange(image("8.0.0"), image("8.0.0", "b"))).to.equal("digest");
    expect(imageChange(image("8.0.0", "a"), image("8.0.0", "a"))).to.equal("same");
  });

  it("says nothing about references the stack does not make", () => {
    expect(imageChange("openemr/openemr:latest", image("8.0.0"))).to.equal(undefined);
  });
});

describe("preUpgradeSnapshotStatements", () => {
  it("lets the host snapshot its own database only, into pre-upgrade snapshots it may tag and watch", () => {
    const db = "arn:aws:rds:us-east-1:123456789012:db:openemr-prod-db";
    const statements = preUpgradeSnapshotStatements(
      db,
      "arn:aws:rds:us-east-1:123456789012:snapshot:openemr-prod-db",
    );
    const snapshots = "arn:aws:rds:us-east-1:123456789012:snapshot:openemr-prod-db-pre-upgrade-*";
    expect(statements).to.deep.equal([
      {
        Sid: "SnapshotDatabaseBeforeUpgrade",
        Effect: "Allow",
        Action: "rds:CreateDBSnapshot",
        Resource: [db, snapshots],
      },
      {
        Sid: "TagAndWatchPreUpgradeSnapshots",
        Effect: "Allow",
        Action: ["rds:AddTagsToResource", "rds:DescribeDBSnapshots"],
        Resource: snapshots,
      },
    ]);
  });
});

describe("upgrades in the stacks' plans", function () {
  this.timeout(120_000);
  let express: PlanFile;
  let newer: PlanFile;
  let pinned: PlanFile;
  let standard: PlanFile;
  before(async () => {
    express = await planStack("dev");
    newer = await planStack("dev", { "openemr:openemrVersion": "8.1.0" });
    pinned = await planStack("dev", { "openemr:openemrImageDigest": DIGEST });
    standard = await planStack("staging");
  });

  it("gives every EC2 host the association with the stack's image", () => {
    for (const plan of [express, standard]) {
      const association = one(plan, ASSOCIATION, "-upgrade-association");
      expect(association.props.parameters).to.deep.equal({ image: "openemr/openemr:8.0.0" });
      const instanceIds = prop<{ values: string[] }[]>(association, "targets")[0].values;
      expect(instanceIds).to.deep.equal([plan.outputs.instanceId]);
    }
  });

  it("turns a version change into an in-place update of the association's image, nothing replaced", () => {
    const d = diffPlans(express, newer);
    expect(d.added).to.deep.equal([]);
    expect(d.removed).to.deep.equal([]);
    expect(d.replaced).to.deep.equal([]);
    const changes = d.changed.map((c) => [c.type, c.inputs.map((i) => i.name)]);
    expect(changes).to.have.deep.members([
      [ASSOCIATION, ["parameters"]],
      // first-boot settings only (cloud-init does not run them again); the provider stops and
      // starts the instance to change them (docs/upgrade.md)
      [INSTANCE, ["userData"]],
    ]);
    expect(one(newer, ASSOCIATION, "-upgrade-association").props.parameters).to.deep.equal({
      image: "openemr/openemr:8.1.0",
    });
  });

  it("turns a digest pin into the same kind of update", () => {
    const d = diffPlans(express, pinned);
    expect(d.changed.find((c) => c.type === ASSOCIATION)?.inputs.map((i) => i.name)).to.deep.equal([
      "parameters",
    ]);
    expect(one(pinned, ASSOCIATION, "-upgrade-association").props.parameters).to.deep.equal({
      image: `openemr/openemr:8.0.0@${DIGEST}`,
    });
    expect(imageChange("openemr/openemr:8.0.0", `openemr/openemr:8.0.0@${DIGEST}`)).to.equal(
      "digest",
    );
  });

  it("lets the standard host snapshot its database before an upgrade, and the express host nothing in RDS", () => {
    const sids = (plan: PlanFile) =>
      (
        JSON.parse(
          prop<string>(one(plan, "aws:iam/rolePolicy:RolePolicy", "-web-access"), "policy"),
        ) as { Statement: { Sid: string; Resource: string | string[] }[] }
      ).Statement;
    const snapshot = sids(standard).find((s) => s.Sid === "SnapshotDatabaseBeforeUpgrade");
    const [database, snapshots] = snapshot?.Resource as string[];
    // the database's own ARN (the mock's shape), and snapshots named after it only
    expect(database).to.match(/^arn:aws:rds:us-east-1:123456789012:.*openemr-staging-db$/);
    expect(snapshots).to.equal(
      "arn:aws:rds:us-east-1:123456789012:snapshot:openemr-staging-db-pre-upgrade-*",
    );
    expect(sids(express).some((s) => JSON.stringify(s).includes("rds:"))).to.equal(false);
    expect(ofType(standard, DOCUMENT).map((d) => d.name)).to.include("openemr-staging-upgrade");
    expect(content(standard, "").mainSteps[0].inputs.runCommand.at(-1)).to.equal(
      `exec ${UPGRADE_SCRIPT_PATH} '{{ image }}'`,
    );
  });

  it("leaves fargate without an association (its service rolls the new image out itself)", async () => {
    const prod = await planStack("prod");
    expect(ofType(prod, ASSOCIATION)).to.deep.equal([]);
  });
});
