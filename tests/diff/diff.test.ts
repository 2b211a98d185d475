import { expect } from "chai";
import { diffPlans, losesData } from "../../tools/diff/diff";
import { formatMarkdown, formatText } from "../../tools/diff/format";
import type { PlanFile } from "../../tools/plan/types";
import {
  keyChangePair,
  keyRenameCascadePair,
  presetSwitchPair,
  removeProtectedDatabasePair,
  renamePair,
  sizeChangePair,
} from "./scenarios";

const diffOf = (p: { base: PlanFile; head: PlanFile }) => diffPlans(p.base, p.head);

describe("diffPlans on the test pairs", () => {
  it("a volume renamed without an alias is a replacement that loses data, with the alias that keeps it", () => {
    const d = diffOf(renamePair());
    expect(d.replaced.map((r) => [r.reason, r.before.name, r.after.name])).to.deep.equal([
      ["urn-changed", "openemr-docker", "openemr-data"],
    ]);
    expect(d.added).to.deep.equal([]);
    expect(d.removed).to.deep.equal([]);
    expect(formatText(d)).to.equal(
      [
        "Plan diff: stack dev, preset express",
        "region: us-east-1",
        "",
        "!! DATA LOSS: 1 stateful resource would be destroyed or replaced",
        '!!   replaced aws:ebs/volume:Volume "openemr-docker": loses volume contents',
        "!!       protected: `pulumi up` refuses to delete the old one until protect is turned off",
        '!!       to keep it, give the new resource the option `aliases: ["urn:pulumi:dev::openemr-aws::openemr:tier:Express$aws:ebs/volume:Volume::openemr-docker"]`',
        "",
        "Resources: 0 to add, 0 to remove, 0 to change, 1 to replace, 2 unchanged",
        "  ± aws:ebs/volume:Volume  openemr-docker → openemr-data  URN changed (renamed or re-parented without an alias)",
        "",
        "Policy: not evaluated → not evaluated",
        "Cost: not estimated → not estimated",
        "",
      ].join("\n"),
    );
  });

  it("switching express to express-plus replaces every child whose URN changes and shows policy and cost before and after", () => {
    const d = diffOf(presetSwitchPair());
    expect(d.preset).to.deep.equal({ base: "express", head: "express-plus" });
    expect(formatMarkdown(d)).to.contain(
      "> - the preset changes (express → express-plus): the new tier starts empty; to move the data, see docs/migrate.md: export a backup set, start the new tier with openemr:restoreFrom.",
    );
    expect(d.dataLoss.map((w) => [w.change, w.type, w.name, losesData(w)])).to.deep.equal([
      ["replaced", "aws:cloudwatch/logGroup:LogGroup", "openemr-app", true],
      ["replaced", "aws:ec2/instance:Instance", "openemr-web", true],
    ]);
    expect(d.cost.delta).to.equal(16.86);
    expect(formatText(d)).to.equal(
      [
        "Plan diff: stack dev, preset express → express-plus",
        "region: us-east-1",
        "",
        "!! DATA LOSS: 2 stateful resources would be destroyed or replaced",
        '!!   replaced aws:cloudwatch/logGroup:LogGroup "openemr-app": loses log events (audit trail)',
        "!!       not protected: `pulumi up` deletes the old one",
        '!!       to keep it, give the new resource the option `aliases: ["urn:pulumi:dev::openemr-aws::openemr:tier:Express$aws:cloudwatch/logGroup:LogGroup::openemr-app"]`',
        '!!   replaced aws:ec2/instance:Instance "openemr-web": loses the root volume\'s contents',
        "!!       not protected: `pulumi up` deletes the old one",
        '!!       to keep it, give the new resource the option `aliases: ["urn:pulumi:dev::openemr-aws::openemr:tier:Express$aws:ec2/instance:Instance::openemr-web"]`',
        "!!   the preset changes (express → express-plus): the new tier starts empty; to move the data, see docs/migrate.md: export a backup set, start the new tier with openemr:restoreFrom",
        "",
        "Resources: 3 to add, 1 to remove, 0 to change, 2 to replace, 0 unchanged",
        "  + aws:backup/vault:Vault  openemr-backup",
        "  + aws:kms/key:Key  openemr-key",
        "  + openemr:tier:ExpressPlus  openemr",
        "  - openemr:tier:Express  openemr",
        "  ± aws:cloudwatch/logGroup:LogGroup  openemr-app  URN changed (renamed or re-parented without an alias); also kmsKeyId",
        "  ± aws:ec2/instance:Instance  openemr-web  URN changed (renamed or re-parented without an alias); also instanceType",
        "",
        "Policy (openemr-aws-policy): passed (0 mandatory, 1 advisory) → passed (0 mandatory, 0 advisory)",
        "  fixed advisory log-group-cmk on openemr-app: log group openemr-app has no customer-managed KMS key",
        "Cost: $17.28/month → $34.14/month (+$16.86, +97.6%)",
        "  openemr-web  EC2 t4g.medium  $0.00 → $24.53 (+$24.53)",
        "  openemr-web  EC2 t4g.small  $12.26 → $0.00 (-$12.26)",
        "  openemr-backup  Backup storage  $0.00 → $3.59 (+$3.59)",
        "  openemr-key  KMS key  $0.00 → $1.00 (+$1.00)",
        "",
      ].join("\n"),
    );
  });

  it("a bigger instance, root volume and data volume are in-place changes with no data loss", () => {
    const d = diffOf(sizeChangePair());
    expect(d.replaced).to.deep.equal([]);
    expect(d.dataLoss).to.deep.equal([]);
    expect(d.changed.map((c) => [c.name, c.inputs])).to.deep.equal([
      ["openemr-data", [{ name: "size", certainty: "changed" }]],
      [
        "openemr-web",
        [
          { name: "instanceType", certainty: "changed" },
          { name: "rootBlockDevice", certainty: "changed" },
        ],
      ],
    ]);
    expect(formatText(d)).to.equal(
      [
        "Plan diff: stack dev, preset standard",
        "region: us-east-1",
        "",
        "Resources: 0 to add, 0 to remove, 2 to change, 0 to replace, 1 unchanged",
        "  ~ aws:ebs/volume:Volume  openemr-data  size",
        "  ~ aws:ec2/instance:Instance  openemr-web  instanceType, rootBlockDevice",
        "",
        "Policy: not evaluated → not evaluated",
        "Cost: $28.53/month → $57.06/month (+$28.53, +100.0%)",
        "  openemr-web  EC2  $24.53 → $49.06 (+$24.53)",
        "  openemr-data  EBS gp3  $4.00 → $8.00 (+$4.00)",
        "",
      ].join("\n"),
    );
  });

  it("moving a volume to another KMS key forces its replacement", () => {
    const d = diffOf(keyChangePair());
    expect(d.replaced.map((r) => [r.reason, r.triggers, r.certain])).to.deep.equal([
      ["replace-on-change", [{ name: "kmsKeyId", certainty: "changed" }], true],
    ]);
    expect(formatText(d)).to.equal(
      [
        "Plan diff: stack dev, preset express-plus",
        "region: us-east-1",
        "",
        "!! DATA LOSS: 1 stateful resource would be destroyed or replaced",
        '!!   replaced aws:ebs/volume:Volume "openemr-data": loses volume contents',
        "!!       not protected: `pulumi up` deletes the old one",
        "",
        "Resources: 0 to add, 0 to remove, 0 to change, 1 to replace, 1 unchanged",
        "  ± aws:ebs/volume:Volume  openemr-data  forced by kmsKeyId",
        "",
        "Policy: not evaluated → not evaluated",
        "Cost: not estimated → not estimated",
        "",
      ].join("\n"),
    );
  });

  it("a volume whose kmsKeyId is wired from a renamed key is replaced with it: the new key has a new ARN", () => {
    const d = diffOf(keyRenameCascadePair());
    expect(d.replaced.map((r) => [r.reason, r.after.name, r.certain])).to.deep.equal([
      ["replace-on-change", "openemr-data", true],
      ["urn-changed", "openemr-data-key", true],
    ]);
    expect(d.replaced[0]?.triggers).to.deep.equal([
      {
        name: "kmsKeyId",
        certainty: "changed",
        from: { name: "openemr-data-key", change: "replaced" },
      },
    ]);
    expect(formatText(d)).to.equal(
      [
        "Plan diff: stack dev, preset express-plus",
        "region: us-east-1",
        "",
        "!! DATA LOSS: 2 stateful resources would be destroyed or replaced",
        '!!   replaced aws:ebs/volume:Volume "openemr-data": loses volume contents',
        "!!       not protected: `pulumi up` deletes the old one",
        '!!   replaced aws:kms/key:Key "openemr-ebs": loses the key: everything encrypted with it becomes unreadable',
        "!!       not protected: `pulumi up` deletes the old one",
        "!!       deletion is scheduled 30 days out and can be cancelled until then",
        "!!       encrypted with it: openemr-data",
        '!!       to keep it, give the new resource the option `aliases: ["urn:pulumi:dev::openemr-aws::openemr:tier:ExpressPlus$aws:kms/key:Key::openemr-ebs"]`',
        "",
        "Resources: 0 to add, 0 to remove, 0 to change, 2 to replace, 1 unchanged",
        "  ± aws:ebs/volume:Volume  openemr-data  replaced because kmsKeyId comes from openemr-data-key, which is replaced",
        "  ± aws:kms/key:Key  openemr-ebs → openemr-data-key  URN changed (renamed or re-parented without an alias)",
        "",
        "Policy: not evaluated → not evaluated",
        "Cost: not estimated → not estimated",
        "",
      ].join("\n"),
    );
  });

  it("removing a protected database warns that pulumi up refuses; a retained log group keeps its data", () => {
    const d = diffOf(removeProtectedDatabasePair());
    expect(
      d.dataLoss.map((w) => [w.name, w.protect, w.retainOnDelete, losesData(w)]),
    ).to.deep.equal([
      ["openemr-db", true, false, true],
      ["openemr-db-audit", false, true, false],
    ]);
    expect(formatMarkdown(d)).to.equal(
      [
        "### Stack `dev` · preset `standard`",
        "",
        "region: us-east-1",
        "",
        "> [!CAUTION]",
        "> **DATA LOSS: 1 stateful resource would be destroyed or replaced**",
        "> - **removed** `aws:rds/instance:Instance` `openemr-db`: loses database contents (mysql) — protected: `pulumi up` refuses to delete it until protect is turned off; AWS deletion protection is on: the delete fails until it is turned off; a final snapshot is taken (openemr-db-final): the data can be restored from it; its automated backups are deleted with it (deleteAutomatedBackups).",
        "> - **removed** `aws:cloudwatch/logGroup:LogGroup` `openemr-db-audit`: keeps log events (audit trail) in AWS — retainOnDelete: it stays in AWS, dropped from the stack (orphaned).",
        "",
        "**Resources:** 0 to add, 2 to remove, 0 to change, 0 to replace, 1 unchanged",
        "",
        "| | Type | Name | Detail |",
        "|---|---|---|---|",
        "| - remove | `aws:cloudwatch/logGroup:LogGroup` | `openemr-db-audit` | |",
        "| - remove | `aws:rds/instance:Instance` | `openemr-db` | protected |",
        "",
        "**Policy**: not evaluated → not evaluated",
        "",
        "**Cost:** not estimated → not estimated",
        "",
      ].join("\n"),
    );
  });
});
