// BackupPlan on its own: a vault under the customer-managed key, daily/weekly/monthly rules into it,
// a selection of the given resources through a role that can back up and restore, `protect` on the
// vault, and names within AWS Backup's 50 characters.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import { BackupPlan } from "../../components/backup/backup-plan";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const VAULT = "aws:backup/vault:Vault";
const PLAN = "aws:backup/plan:Plan";
const SELECTION = "aws:backup/selection:Selection";
const ROLE = "aws:iam/role:Role";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";

const DB_ARN = "arn:aws:rds:us-east-1:123456789012:db:openemr-test-db";
const FS_ARN = "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1";

function build(name: string, protect: boolean) {
  return () => {
    const key = new aws.kms.Key("backup-key", { description: "test" });
    const backup = new BackupPlan(name, {
      kmsKeyArn: key.arn,
      resourceArns: [DB_ARN, FS_ARN],
      dailyRetentionDays: 35,
      weeklyRetentionDays: 90,
      monthlyRetentionDays: 2190,
      protect,
    });
    return { keyArn: key.arn, vaultName: backup.vault.name, planId: backup.plan.id };
  };
}

function rules(vaultName: string): Record<string, unknown>[] {
  const rule = (ruleName: string, schedule: string, deleteAfter: number) => ({
    ruleName,
    targetVaultName: vaultName,
    schedule,
    scheduleExpressionTimezone: "Etc/UTC",
    startWindow: 60,
    completionWindow: 360,
    lifecycle: { deleteAfter },
    recoveryPointTags: { "openemr:backup": ruleName },
  });
  return [
    rule("daily", "cron(0 5 * * ? *)", 35),
    rule("weekly", "cron(0 5 ? * SAT *)", 90),
    rule("monthly", "cron(0 5 1 * ? *)", 2190),
  ];
}

describe("BackupPlan", () => {
  describe("protected", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(build("openemr-test-backup", true));
    });

    it("creates the vault, the plan, the selection and the service role with its two policies, under the component", () => {
      const component = p.named("openemr-test-backup", "openemr:backup:BackupPlan");
      expect(inventory(p.resources.filter((r) => r.parent === component.urn))).to.have.members([
        `${VAULT}::openemr-test-backup-vault`,
        `${PLAN}::openemr-test-backup-plan`,
        `${SELECTION}::openemr-test-backup-selection`,
        `${ROLE}::openemr-test-backup-role`,
        `${ATTACHMENT}::openemr-test-backup-role-backup`,
        `${ATTACHMENT}::openemr-test-backup-role-restore`,
      ]);
    });

    it("encrypts the vault with the customer-managed key, protects it and refuses to empty it on destroy", () => {
      const vault = p.named("openemr-test-backup-vault", VAULT);
      expect(vault.props).to.deep.equal({
        name: "openemr-test-backup-vault",
        kmsKeyArn: p.outputs.keyArn,
        forceDestroy: false,
      });
      expect(vault.opts.protect).to.equal(true);
      expect(p.dependenciesOf(vault, "kmsKeyArn").map((r) => r.name)).to.deep.equal(["backup-key"]);
    });

    it("backs up daily, weekly (Saturday) and monthly at 05:00 UTC into the vault, each with its retention", () => {
      const plan = p.named("openemr-test-backup-plan", PLAN);
      expect(plan.props).to.deep.equal({
        name: "openemr-test-backup-plan",
        rules: rules("openemr-test-backup-vault"),
      });
      expect(p.dependenciesOf(plan, "rules").map((r) => r.name)).to.deep.equal([
        "openemr-test-backup-vault",
      ]);
    });

    it("selects exactly the given resources for the plan, through the role, once its policies are attached", () => {
      const selection = p.named("openemr-test-backup-selection", SELECTION);
      expect(selection.props).to.deep.equal({
        name: "openemr-test-backup-selection",
        planId: p.outputs.planId,
        iamRoleArn: "arn:aws:iam::123456789012:role/openemr-test-backup-role",
        resources: [DB_ARN, FS_ARN],
      });
      expect(p.dependenciesOf(selection, "iamRoleArn").map((r) => r.name)).to.deep.equal([
        "openemr-test-backup-role",
      ]);
      expect(p.dependsOn(selection).map((r) => r.name)).to.have.members([
        "openemr-test-backup-role-backup",
        "openemr-test-backup-role-restore",
      ]);
    });

    it("lets only AWS Backup assume the role, which may back up and restore", () => {
      const role = p.named("openemr-test-backup-role", ROLE);
      expect(role.props).to.not.have.property("name"); // autonamed: it fits in 64
      expect(JSON.parse(role.props.assumeRolePolicy as string)).to.deep.equal({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "backup.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      });
      expect(
        p.ofType(ATTACHMENT).map((a) => ({ role: a.props.role, policyArn: a.props.policyArn })),
      ).to.have.deep.members([
        {
          role: "openemr-test-backup-role",
          policyArn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        },
        {
          role: "openemr-test-backup-role",
          policyArn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
        },
      ]);
    });
  });

  describe("unprotected, long name", () => {
    const name = "openemr-clinic-north-eastern-region-prod-backup";
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(build(name, false));
    });

    it("leaves the vault unprotected and lets destroy delete its recovery points", () => {
      const vault = p.named(`${name}-vault`, VAULT);
      expect(vault.props.forceDestroy).to.equal(true);
      expect(vault.opts.protect).to.equal(false);
      expect(vault.props.kmsKeyArn).to.equal(p.outputs.keyArn);
    });

    it("fits the vault, plan and selection names in 50 characters, each distinct", () => {
      const names = [
        p.named(`${name}-vault`, VAULT).props.name,
        p.named(`${name}-plan`, PLAN).props.name,
        p.named(`${name}-selection`, SELECTION).props.name,
      ] as string[];
      // 53, 52 and 57 characters unfitted
      for (const n of names) {
        expect(n, n).to.have.length.at.most(50);
        expect(n, n).to.match(/^openemr-clinic-north-eastern-region-prod-b-[0-9a-f]{7}$/);
        expect(n, n).to.match(/^[a-zA-Z0-9\-_]{2,50}$/);
      }
      expect(new Set(names).size).to.equal(3);
    });

    it("points the rules at the fitted vault name", () => {
      expect(p.named(`${name}-plan`, PLAN).props.rules).to.deep.equal(
        rules(p.outputs.vaultName as string),
      );
      expect(p.outputs.vaultName).to.equal(p.named(`${name}-vault`, VAULT).props.name);
    });
  });
});
