// BackupPlan on its own: a vault under the customer-managed key, daily/weekly/monthly rules into it,
// a selection of the given resources through a role (trusted by AWS Backup for this account only)
// that can back up and restore, `protect` on the vault, a vault access policy that refuses deleting
// recovery points to all but the root, a Vault Lock window on protected stacks, and names within
// AWS Backup's 50 characters.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import {
  BackupPlan,
  DEFAULT_VAULT_LOCK_GRACE_DAYS,
  vaultAccessPolicy,
  vaultLockSettings,
} from "../../components/backup/backup-plan";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const VAULT = "aws:backup/vault:Vault";
const VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy";
const VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration";
const PLAN = "aws:backup/plan:Plan";
const SELECTION = "aws:backup/selection:Selection";
const ROLE = "aws:iam/role:Role";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";

const DB_ARN = "arn:aws:rds:us-east-1:123456789012:db:openemr-test-db";
const FS_ARN = "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1";

const ACCOUNT = "123456789012"; // the mock engine's account

function build(name: string, protect: boolean, vaultLockGraceDays?: number) {
  return () => {
    const key = new aws.kms.Key("backup-key", { description: "test" });
    const backup = new BackupPlan(name, {
      kmsKeyArn: key.arn,
      resourceArns: [DB_ARN, FS_ARN],
      dailyRetentionDays: 35,
      weeklyRetentionDays: 90,
      monthlyRetentionDays: 2190,
      protect,
      vaultLockGraceDays,
    });
    return { keyArn: key.arn, vaultName: backup.vault.name, planId: backup.plan.id };
  };
}

/** The one statement of the vault access policy every stack gets. */
const DENY_DELETING_RECOVERY_POINTS = {
  Sid: "DenyDeletingRecoveryPointsExceptRoot",
  Effect: "Deny",
  Principal: "*",
  Action: ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
  Resource: "*",
  Condition: { ArnNotEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:root` } },
};

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

    it("creates the vault with its policy and lock, the plan, the selection and the service role with its two policies, under the component", () => {
      const component = p.named("openemr-test-backup", "openemr:backup:BackupPlan");
      expect(inventory(p.resources.filter((r) => r.parent === component.urn))).to.have.members([
        `${VAULT}::openemr-test-backup-vault`,
        `${VAULT_POLICY}::openemr-test-backup-vault-policy`,
        `${VAULT_LOCK}::openemr-test-backup-vault-lock`,
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

    it("locks the vault in compliance mode after a 14-day grace period, to exactly the window of the plan's rules, and protects the lock", () => {
      const lock = p.named("openemr-test-backup-vault-lock", VAULT_LOCK);
      expect(lock.props).to.deep.equal({
        backupVaultName: "openemr-test-backup-vault",
        changeableForDays: 14,
        minRetentionDays: 35,
        maxRetentionDays: 2190,
      });
      expect(lock.opts.protect).to.equal(true);
      expect(p.dependenciesOf(lock, "backupVaultName").map((r) => r.name)).to.deep.equal([
        "openemr-test-backup-vault",
      ]);
      // the lock fails a backup job whose retention is outside [min, max]: every rule must fit
      const rules = p.named("openemr-test-backup-plan", PLAN).props.rules as {
        lifecycle: { deleteAfter: number };
      }[];
      for (const r of rules) {
        expect(r.lifecycle.deleteAfter).to.be.within(
          lock.props.minRetentionDays as number,
          lock.props.maxRetentionDays as number,
        );
      }
    });

    it("refuses deleting a recovery point or shortening its lifecycle to every principal but the account root", () => {
      const policy = p.named("openemr-test-backup-vault-policy", VAULT_POLICY);
      expect(policy.props.backupVaultName).to.equal("openemr-test-backup-vault");
      expect(JSON.parse(policy.props.policy as string)).to.deep.equal({
        Version: "2012-10-17",
        Statement: [DENY_DELETING_RECOVERY_POINTS],
      });
      // destroy deletes the policy before the vault
      expect(p.dependenciesOf(policy, "backupVaultName").map((r) => r.name)).to.deep.equal([
        "openemr-test-backup-vault",
      ]);
    });

    it("does not deny managing the vault policy itself, so the stack's deploy role keeps control of it", () => {
      const doc = JSON.parse(
        p.named("openemr-test-backup-vault-policy", VAULT_POLICY).props.policy as string,
      ) as { Statement: { Action: string[] }[] };
      const denied = doc.Statement.flatMap((s) => s.Action);
      expect(denied).to.not.include("backup:PutBackupVaultAccessPolicy");
      expect(denied).to.not.include("backup:DeleteBackupVaultAccessPolicy");
      expect(denied).to.not.include("backup:PutBackupVaultLockConfiguration");
    });

    it("lets only AWS Backup, acting for this account, assume the role, which may back up and restore", () => {
      const role = p.named("openemr-test-backup-role", ROLE);
      expect(role.props).to.not.have.property("name"); // autonamed: it fits in 64
      expect(JSON.parse(role.props.assumeRolePolicy as string)).to.deep.equal({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "backup.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
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

    it("puts no Vault Lock on a throwaway vault (a locked vault cannot be deleted while it holds recovery points)", () => {
      expect(p.ofType(VAULT_LOCK)).to.deep.equal([]);
    });

    it("still denies deleting recovery points, through a policy destroy removes before the vault", () => {
      const policy = p.named(`${name}-vault-policy`, VAULT_POLICY);
      expect(JSON.parse(policy.props.policy as string)).to.deep.equal({
        Version: "2012-10-17",
        Statement: [DENY_DELETING_RECOVERY_POINTS],
      });
      expect(policy.opts.protect).to.equal(false);
      expect(p.dependenciesOf(policy, "backupVaultName").map((r) => r.name)).to.deep.equal([
        `${name}-vault`,
      ]);
      expect(policy.props.backupVaultName).to.equal(p.outputs.vaultName);
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

  describe("a longer grace period", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(build("openemr-test-backup", true, 30));
    });

    it("keeps the lock changeable for the given days", () => {
      expect(
        p.named("openemr-test-backup-vault-lock", VAULT_LOCK).props.changeableForDays,
      ).to.equal(30);
    });
  });

  describe("vaultLockSettings", () => {
    it("spans the shortest to the longest rule, whatever their order", () => {
      expect(vaultLockSettings([90, 35, 2555])).to.deep.equal({
        changeableForDays: DEFAULT_VAULT_LOCK_GRACE_DAYS,
        minRetentionDays: 35,
        maxRetentionDays: 2555,
      });
      expect(vaultLockSettings([7, 7, 7], 3)).to.deep.equal({
        changeableForDays: 3,
        minRetentionDays: 7,
        maxRetentionDays: 7,
      });
    });

    it("refuses a grace period AWS refuses: below 3 days (the 72-hour cooling-off) or above 36,500", () => {
      expect(() => vaultLockSettings([35], 2)).to.throw(/vaultLockGraceDays .* from 3 to 36500/);
      expect(() => vaultLockSettings([35], 36501)).to.throw(/vaultLockGraceDays/);
      expect(() => vaultLockSettings([35], 3.5)).to.throw(/whole number/);
      expect(vaultLockSettings([35], 36500).changeableForDays).to.equal(36500);
    });

    it("refuses retentions the lock cannot hold: under 1 day, over 36,500, fractional, or none", () => {
      expect(() => vaultLockSettings([0, 35])).to.throw(/retention .* from 1 to 36500/);
      expect(() => vaultLockSettings([35, 36501])).to.throw(/retention/);
      expect(() => vaultLockSettings([35.5])).to.throw(/whole number/);
      expect(() => vaultLockSettings([])).to.throw(/at least one rule/);
    });

    it("fails the program on a grace period AWS would refuse", async () => {
      let error: unknown;
      try {
        await planComponent(build("openemr-test-backup", true, 1));
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.match(/vaultLockGraceDays must be a whole number of days from 3/);
    });
  });

  describe("vaultAccessPolicy", () => {
    it("names the root of the given account and partition as the only exception", () => {
      expect(vaultAccessPolicy("111122223333", "aws-us-gov").Statement).to.deep.equal([
        {
          ...DENY_DELETING_RECOVERY_POINTS,
          Condition: {
            ArnNotEquals: { "aws:PrincipalArn": "arn:aws-us-gov:iam::111122223333:root" },
          },
        },
      ]);
    });
  });
});
