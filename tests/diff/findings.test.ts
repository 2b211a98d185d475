// Changes that cannot work as planned (errors, exit 1) or that do not do what they look like
// (warnings): ignoreChanges holding an input back, user data, RDS versions and groups, subnet groups.
import { expect } from "chai";
import { run } from "../../tools/diff/cli";
import { diffPlans, needsAttention, type PlanDiff } from "../../tools/diff/diff";
import { formatMarkdown, formatText } from "../../tools/diff/format";
import { architectureOf } from "../../tools/diff/instance-types";
import type { PlanFile, PlanResource } from "../../tools/plan/types";
import { plan, resource } from "./plans";
import {
  EXPRESS_HOST_ENV,
  architecturePair,
  hostUserData,
  mysqlPlan,
  type MysqlSpec,
} from "./scenarios";

const findingsOf = (d: PlanDiff) => d.findings.map((f) => [f.level, f.name, f.message]);

function exitCode(base: PlanFile, head: PlanFile): number {
  const files: Record<string, string> = { b: JSON.stringify(base), h: JSON.stringify(head) };
  return run(["b", "h"], (p) => files[p] ?? "").code;
}

const ARM_TO_X86 =
  "instanceType t4g.small → t3.small moves it from arm64 to x86_64 while ami is in ignoreChanges: the instance keeps its arm64 AMI; an x86_64 instance type cannot boot it: replace the instance (with ami out of ignoreChanges for that update; the data on its root volume is lost) or keep the architecture";

describe("diffPlans findings", () => {
  describe("an input held back by ignoreChanges", () => {
    it("an architecture change under an ignored AMI is an error and exits 1 without data loss", () => {
      const { base, head } = architecturePair("t4g.small", "t3.small");
      const d = diffPlans(base, head);
      expect(d.dataLoss).to.deep.equal([]);
      expect(d.changed.map((c) => c.inputs.map((i) => i.name))).to.deep.equal([["instanceType"]]);
      expect(findingsOf(d)).to.deep.equal([["error", "openemr-dev-web", ARM_TO_X86]]);
      expect(needsAttention(d)).to.equal(true);
      expect(exitCode(base, head)).to.equal(1);
      expect(formatText(d).split("\n").slice(0, 6)).to.deep.equal([
        "Plan diff: stack dev, preset express",
        "region: us-east-1",
        "",
        "!! CANNOT APPLY: 1 change would fail or break its resource",
        `!!   aws:ec2/instance:Instance "openemr-dev-web": ${ARM_TO_X86}`,
        "",
      ]);
      expect(formatMarkdown(d)).to.contain(
        [
          "> [!CAUTION]",
          "> **CANNOT APPLY: 1 change would fail or break its resource**",
          `> - \`aws:ec2/instance:Instance\` \`openemr-dev-web\`: ${ARM_TO_X86}.`,
        ].join("\n"),
      );
    });

    it("names the direction, and stays quiet within one architecture", () => {
      const back = diffPlans(
        architecturePair("m7i.large", "m7g.large").base,
        architecturePair("m7i.large", "m7g.large").head,
      );
      expect(back.findings.map((f) => f.message.split(":")[0])).to.deep.equal([
        "instanceType m7i.large → m7g.large moves it from x86_64 to arm64 while ami is in ignoreChanges",
      ]);
      const same = architecturePair("t4g.small", "t4g.medium");
      expect(diffPlans(same.base, same.head).findings).to.deep.equal([]);
      expect(exitCode(same.base, same.head)).to.equal(0);
    });

    it("without ami in ignoreChanges the AMI follows the architecture: a replacement, no finding", () => {
      const { base, head } = architecturePair("t4g.small", "t3.small");
      const free = (p: PlanFile): PlanFile => ({
        ...p,
        resources: p.resources.map((r) => ({ ...r, opts: { ...r.opts, ignoreChanges: [] } })),
      });
      const d = diffPlans(free(base), free(head));
      expect(d.findings).to.deep.equal([]);
      expect(d.replaced.map((r) => r.triggers.map((t) => t.name))).to.deep.equal([["ami"]]);
    });

    it("reads the architecture from the instance family", () => {
      const cases: [string, string | undefined][] = [
        ["t4g.small", "arm64"],
        ["m7gd.large", "arm64"],
        ["c7gn.xlarge", "arm64"],
        ["r8g.medium", "arm64"],
        ["x2gd.large", "arm64"],
        ["im4gn.large", "arm64"],
        ["is4gen.medium", "arm64"],
        ["a1.large", "arm64"],
        ["t3.small", "x86_64"],
        ["m7i.large", "x86_64"],
        ["c7a.large", "x86_64"],
        ["g5.xlarge", "x86_64"],
        ["g4dn.xlarge", "x86_64"],
        ["mac2.metal", undefined],
        ["u-6tb1.metal", undefined],
        ["", undefined],
      ];
      expect(cases.map(([t]) => [t, architectureOf(t)])).to.deep.equal(cases);
    });
  });

  describe("user data", () => {
    const host = (userData: string, opts: { ignore?: boolean; replaceOnChange?: boolean } = {}) =>
      resource({
        type: "aws:ec2/instance:Instance",
        name: "web",
        ignoreChanges: opts.ignore ? ["userData"] : [],
        props: {
          ami: "ami-1",
          instanceType: "t4g.small",
          userData,
          userDataReplaceOnChange: opts.replaceOnChange ?? false,
        },
      });
    const older = hostUserData(EXPRESS_HOST_ENV);
    const newer = hostUserData({ ...EXPRESS_HOST_ENV, SWAP_GB: "4" });

    it("an update in place never reaches the running host: a warning, exit 0", () => {
      const base = plan([host(older)]);
      const head = plan([host(newer)]);
      const d = diffPlans(base, head);
      expect(findingsOf(d)).to.deep.equal([
        [
          "warning",
          "web",
          "userData changes with userDataReplaceOnChange false: the instance is stopped and started to take it, and cloud-init runs user data on an instance's first boot only: the running host never sees the new user data (apply the change on the host, or replace the instance)",
        ],
      ]);
      expect(exitCode(base, head)).to.equal(0);
      expect(formatText(d)).to.contain(
        'Warnings:\n  ! aws:ec2/instance:Instance "web": userData changes with userDataReplaceOnChange false',
      );
    });

    it("an ignored change is hidden from the diff but not from the warnings", () => {
      const d = diffPlans(
        plan([host(older, { ignore: true })]),
        plan([host(newer, { ignore: true })]),
      );
      expect(d.changed).to.deep.equal([]);
      expect(findingsOf(d)).to.deep.equal([
        [
          "warning",
          "web",
          "userData changes but is in ignoreChanges: the running host never sees the new user data",
        ],
      ]);
    });

    it("with userDataReplaceOnChange the change replaces the instance, and the new one boots with it", () => {
      const d = diffPlans(
        plan([host(older, { replaceOnChange: true })]),
        plan([host(newer, { replaceOnChange: true })]),
      );
      expect(d.replaced.map((r) => r.triggers)).to.deep.equal([
        [{ name: "userData", certainty: "changed" }],
      ]);
      expect(d.findings).to.deep.equal([]);
    });
  });

  describe("MySQL versions and groups", () => {
    const pair = (before: MysqlSpec, after: MysqlSpec) => {
      const base = mysqlPlan(before);
      const head = mysqlPlan(after);
      return { base, head, d: diffPlans(base, head) };
    };

    it("a major downgrade is refused; the renamed groups are replaced and the database is updated", () => {
      const { base, head, d } = pair(
        { engineVersion: "8.4", groupMajor: "8.4" },
        { engineVersion: "8.0", groupMajor: "8.0" },
      );
      expect(d.replaced.map((r) => [r.after.name, r.triggers.map((t) => t.name)])).to.deep.equal([
        ["openemr-db-options", ["majorEngineVersion", "name"]],
        ["openemr-db-params", ["family", "name"]],
      ]);
      expect(d.changed.map((c) => [c.name, c.inputs.map((i) => i.name)])).to.deep.equal([
        ["openemr-db", ["engineVersion", "optionGroupName", "parameterGroupName"]],
      ]);
      expect(d.dataLoss).to.deep.equal([]);
      expect(findingsOf(d)).to.deep.equal([
        [
          "error",
          "openemr-db",
          "engineVersion 8.4 → 8.0 is a major downgrade: RDS cannot downgrade a database in place and refuses the change; restore a snapshot into a new mysql 8.0 database instead",
        ],
        [
          "warning",
          "openemr-db",
          "optionGroupName changes (openemr-db-mysql8-4-audit → openemr-db-mysql8-0-audit) with applyImmediately false: RDS moves the database to the new option group in its next maintenance window, and deleting the old group fails while the database still uses it",
        ],
        [
          "warning",
          "openemr-db",
          "parameterGroupName changes (openemr-db-mysql8-4 → openemr-db-mysql8-0): the database takes the new group at once, but its static parameters apply only after a reboot (pending-reboot until then)",
        ],
      ]);
      expect(exitCode(base, head)).to.equal(1);
      expect(formatText(d)).to.contain(
        "  ± aws:rds/parameterGroup:ParameterGroup  openemr-db-params  forced by family, name",
      );
    });

    it("a major upgrade needs allowMajorVersionUpgrade; with it, it is a warning", () => {
      const refused = pair(
        { engineVersion: "8.0", groupMajor: "8.0" },
        { engineVersion: "8.4", groupMajor: "8.4" },
      ).d;
      expect(
        refused.findings.filter((f) => f.level === "error").map((f) => f.message),
      ).to.deep.equal([
        "engineVersion 8.0 → 8.4 is a major upgrade: RDS refuses it unless allowMajorVersionUpgrade is true",
      ]);
      const allowed = pair(
        {
          engineVersion: "8.0",
          groupMajor: "8.0",
          allowMajorVersionUpgrade: true,
          applyImmediately: true,
        },
        {
          engineVersion: "8.4",
          groupMajor: "8.4",
          allowMajorVersionUpgrade: true,
          applyImmediately: true,
        },
      ).d;
      expect(findingsOf(allowed)).to.deep.equal([
        [
          "warning",
          "openemr-db",
          "engineVersion 8.0 → 8.4 is a major upgrade in place: the database is unavailable while it upgrades, and it cannot be undone (RDS refuses downgrades): take a snapshot first",
        ],
        [
          "warning",
          "openemr-db",
          "parameterGroupName changes (openemr-db-mysql8-0 → openemr-db-mysql8-4): the database takes the new group at once, but its static parameters apply only after a reboot (pending-reboot until then)",
        ],
      ]);
    });

    it("groups left on the old major do not fit an upgraded database", () => {
      const { d } = pair(
        { engineVersion: "8.0", groupMajor: "8.0", allowMajorVersionUpgrade: true },
        { engineVersion: "8.4", groupMajor: "8.0", allowMajorVersionUpgrade: true },
      );
      expect(d.findings.filter((f) => f.level === "error").map((f) => f.message)).to.deep.equal([
        "optionGroupName names openemr-db-options (for mysql 8.0) but the database runs mysql 8.4: RDS refuses an option group of another major",
        "parameterGroupName names openemr-db-params (family mysql8.0) but the database runs mysql 8.4: RDS refuses a parameter group of another family (mysql8.4)",
      ]);
    });

    it("minor versions: a major-only version matches its minors, a minor downgrade is refused", () => {
      const same = pair(
        { engineVersion: "8.4.3", groupMajor: "8.4" },
        { engineVersion: "8.4", groupMajor: "8.4" },
      );
      expect(same.d.findings).to.deep.equal([]);
      const up = pair(
        { engineVersion: "8.0.35", groupMajor: "8.0" },
        { engineVersion: "8.0.36", groupMajor: "8.0" },
      );
      expect(up.d.findings).to.deep.equal([]);
      const down = pair(
        { engineVersion: "8.0.36", groupMajor: "8.0" },
        { engineVersion: "8.0.35", groupMajor: "8.0" },
      );
      expect(findingsOf(down.d)).to.deep.equal([
        [
          "error",
          "openemr-db",
          "engineVersion 8.0.36 → 8.0.35 is a downgrade: RDS refuses to downgrade a database in place",
        ],
      ]);
    });

    it("a group replaced under its own name cannot be deleted while the database uses it", () => {
      const { d } = pair(
        { engineVersion: "8.4", groupMajor: "8.4" },
        {
          engineVersion: "8.4",
          groupMajor: "8.4",
          parameterGroupDescription: "openemr-db: TLS 1.3",
        },
      );
      expect(d.replaced.map((r) => [r.after.name, r.triggers.map((t) => t.name)])).to.deep.equal([
        ["openemr-db-params", ["description"]],
      ]);
      expect(d.changed.map((c) => [c.name, c.inputs])).to.deep.equal([
        [
          "openemr-db",
          [
            {
              name: "parameterGroupName",
              certainty: "may-change",
              from: { name: "openemr-db-params", change: "replaced" },
            },
          ],
        ],
      ]);
      expect(
        d.findings.filter((f) => f.level === "error").map((f) => [f.name, f.message]),
      ).to.deep.equal([
        [
          "openemr-db-params",
          "replaced under the same name openemr-db-mysql8-4: an explicitly named resource is deleted before its replacement is created, and RDS refuses to delete a group that openemr-db still uses; give the new group another name (the family in the name lets both exist)",
        ],
      ]);
    });

    it("an Aurora cluster whose engineVersion is ignored keeps its version: a group of the next family does not fit", () => {
      const cluster = (family: string, engineVersion: string) => {
        const params = resource({
          type: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
          name: "db-params",
          props: { name: `db-${family.replace(/\./g, "-")}`, family },
        });
        const db = resource({
          type: "aws:rds/cluster:Cluster",
          name: "db-cluster",
          ignoreChanges: ["engineVersion"],
          props: {
            clusterIdentifier: "db",
            engine: "aurora-mysql",
            engineVersion,
            dbClusterParameterGroupName: `db-${family.replace(/\./g, "-")}`,
          },
          deps: { dbClusterParameterGroupName: [params] },
        });
        return plan([params, db]);
      };
      const d = diffPlans(cluster("aurora-mysql8.0", "8.0"), cluster("aurora-mysql8.4", "8.4"));
      expect(d.changed.map((c) => [c.name, c.inputs.map((i) => i.name)])).to.deep.equal([
        ["db-cluster", ["dbClusterParameterGroupName"]],
      ]);
      expect(findingsOf(d)).to.deep.equal([
        [
          "error",
          "db-cluster",
          "dbClusterParameterGroupName names db-params (family aurora-mysql8.4) but the database runs aurora-mysql 8.0 (its engineVersion change is in ignoreChanges): RDS refuses a parameter group of another family (aurora-mysql8.0)",
        ],
      ]);
    });
  });

  it("a DB subnet group asked to move to subnets of a new VPC is an error", () => {
    const network = (cidr: string): PlanResource[] => {
      const vpc = resource({ type: "aws:ec2/vpc:Vpc", name: "vpc", props: { cidrBlock: cidr } });
      const subnet = resource({
        type: "aws:ec2/subnet:Subnet",
        name: "isolated-1",
        props: { vpcId: "vpc-1", cidrBlock: cidr.replace("0.0/16", "9.0/24") },
        deps: { vpcId: [vpc] },
      });
      const group = resource({
        type: "aws:rds/subnetGroup:SubnetGroup",
        name: "db-subnets",
        props: { name: "db-subnets", subnetIds: ["subnet-1"] },
        deps: { subnetIds: [subnet] },
      });
      return [vpc, subnet, group];
    };
    const d = diffPlans(plan(network("10.20.0.0/16")), plan(network("10.42.0.0/16")));
    expect(d.changed.map((c) => [c.name, c.inputs])).to.deep.equal([
      [
        "db-subnets",
        [
          {
            name: "subnetIds",
            certainty: "changed",
            from: { name: "isolated-1", change: "replaced" },
          },
        ],
      ],
    ]);
    expect(findingsOf(d)).to.deep.equal([
      [
        "error",
        "db-subnets",
        "subnetIds move to subnets in a new VPC (from isolated-1): RDS does not move a DB subnet group to another VPC in place; move the database to a new subnet group in the new VPC, or restore it there from a snapshot",
      ],
    ]);
  });
});
