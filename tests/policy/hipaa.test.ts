// The HIPAA Security policies (policy/policies/hipaa.ts): each passes the program's plans (what an
// accepted deviation covers is not reported), catches the violation it is about on a resource no
// deviation covers, and agrees with tools/compliance/evaluate.ts on which resources break its rule.
import { expect } from "chai";
import {
  RULE_ENFORCED_BY,
  RULES_SUPPORTED_BY,
  deviationCovers,
  findDeviation,
  presetOfUrn,
} from "../../policy/policies/deviations";
import { hipaaPolicies } from "../../policy/policies/hipaa";
import { policies } from "../../policy/policies";
import { findingsOf } from "../../tools/compliance/evaluate";
import { hipaaRule } from "../../tools/compliance/hipaa-rules";
import { T } from "../../tools/plan/tokens";
import type { PlanFile } from "../../tools/plan/types";
import {
  copyResource,
  dropResource,
  mutate,
  resource,
  setProp,
  unsetProp,
} from "../helpers/mutate";
import { compliancePlans } from "../compliance/plans";
import { expectViolation, express, fargate, standard, violationsOf, check } from "./verdict";

/** The plan's resources moved under a component no preset builds: no deviation covers them. */
function loose(plan: PlanFile): PlanFile {
  const moved: PlanFile = {
    ...plan,
    resources: plan.resources.map((r) => ({
      ...r,
      urn: r.urn.replace(/openemr:tiers:\w+/, "openemr:test:Loose"),
    })),
  };
  const rename = new Map(plan.resources.map((o, j) => [o.urn, moved.resources[j].urn]));
  moved.resources.forEach((r, i) => {
    r.parent = r.parent === null ? null : (rename.get(r.parent) ?? r.parent);
    r.propertyDependencies = Object.fromEntries(
      Object.entries(plan.resources[i].propertyDependencies).map(([k, urns]) => [
        k,
        urns.map((u) => rename.get(u) ?? u),
      ]),
    );
  });
  return moved;
}

/** The pack with every policy but `policy` disabled. */
function only(policy: string): Record<string, unknown> {
  return Object.fromEntries(
    policies.map((p) => [p.name, p.name === policy ? "mandatory" : "disabled"]),
  );
}

describe("HIPAA Security policies", () => {
  it("map each enforced rule and each partly checked rule to a policy of the pack and a rule of the reference", () => {
    const names = policies.map((p) => p.name);
    for (const [policy, rule] of Object.entries(RULE_ENFORCED_BY)) {
      expect(names, policy).to.include(policy);
      expect(hipaaRule(rule), rule).to.not.equal(undefined);
    }
    for (const [policy, rules] of Object.entries(RULES_SUPPORTED_BY)) {
      expect(names, policy).to.include(policy);
      for (const rule of rules) expect(hipaaRule(rule), rule).to.not.equal(undefined);
    }
    for (const p of hipaaPolicies) expect(RULE_ENFORCED_BY[p.name], p.name).to.be.a("string");
  });

  it("read the preset from the tier component at the start of a resource's URN", async () => {
    for (const { preset, plan } of await compliancePlans()) {
      for (const r of plan.resources.filter((x) => x.custom))
        expect(presetOfUrn(r.urn), r.urn).to.equal(preset);
    }
    expect(presetOfUrn("urn:pulumi:dev::openemr-aws::aws:s3/bucket:Bucket::loose")).to.equal(
      undefined,
    );
  });

  it("report on every plan exactly the resources the evaluator finds and no deviation covers", async () => {
    for (const { label, plan } of await compliancePlans()) {
      const block = await check(plan, { all: "mandatory" });
      for (const p of hipaaPolicies) {
        const rule = RULE_ENFORCED_BY[p.name];
        const expected = findingsOf(plan)
          .filter((f) => f.rule === rule && findDeviation(p.name, f.urn, f.name) === undefined)
          .map((f) => f.urn)
          .sort();
        const got = [...new Set(violationsOf(block, p.name).map((v) => v.urn))].sort();
        expect(got, `${label}: ${p.name}`).to.deep.equal(expected);
      }
    }
  });

  it("agree with the evaluator when no deviation applies (a resource outside every tier)", async () => {
    for (const { label, plan } of await compliancePlans()) {
      // the same resources under a component no preset builds: no deviation covers them
      const moved = loose(plan);
      const block = await check(moved, { all: "mandatory" });
      for (const p of hipaaPolicies) {
        const expected = [
          ...new Set(
            findingsOf(moved)
              .filter((f) => f.rule === RULE_ENFORCED_BY[p.name])
              .map((f) => f.urn),
          ),
        ].sort();
        const got = [...new Set(violationsOf(block, p.name).map((v) => v.urn))].sort();
        expect(got, `${label}: ${p.name}`).to.deep.equal(expected);
      }
    }
  });

  it("ec2-instance-no-public-ip: mandatory on an instance no deviation covers, with the fix and the file", async () => {
    const plan = mutate(
      await standard(),
      copyResource([T.ec2Instance, "-web"], "openemr-staging-admin"),
    );
    await expectViolation(plan, "ec2-instance-no-public-ip", {
      level: "mandatory",
      resource: "openemr-staging-admin",
      says: [
        'EC2 instance "openemr-staging-admin" sets associatePublicIpAddress: true.',
        "Or record a deviation of ec2-instance-no-public-ip in compliance/deviations.json",
      ],
    });
  });

  it("s3-bucket-logging-enabled and ebs-in-backup-plan: mandatory on a new bucket or volume", async () => {
    // a new bucket of the stack's own prefix: the deviations name the buckets they are about
    const plan = mutate(
      await fargate(),
      copyResource([T.bucket, "-audit-logs"], "openemr-prod-new"),
    );
    const block = await check(plan, only("s3-bucket-logging-enabled"));
    expect(
      violationsOf(block, "s3-bucket-logging-enabled").map((v) => [v.level, v.message]),
    ).to.deep.equal([
      [
        "mandatory",
        'Bucket "openemr-prod-new" has no server access logging. Add an aws.s3.BucketLogging with bucket from it and a log bucket as target. Or record a deviation of s3-bucket-logging-enabled in compliance/deviations.json (reason and compensating control).',
      ],
    ]);
    const volume = mutate(
      await standard(),
      copyResource([T.ebsVolume, "-web-data"], "openemr-staging-web-scratch"),
    );
    const vBlock = await check(volume, only("ebs-in-backup-plan"));
    expect(violationsOf(vBlock, "ebs-in-backup-plan").map((v) => v.urn)).to.deep.equal([
      resource(volume, [T.ebsVolume, "-web-scratch"]).urn,
    ]);
  });

  it("iam-no-inline-policy-check: flags a new inline policy, as a RolePolicy or in Role.inlinePolicies", async () => {
    const base = await fargate();
    const plan = mutate(
      base,
      copyResource([T.iamRolePolicy, "-app-task-policy"], "openemr-prod-new-policy"),
      setProp([T.iamRole, "-app-task-role"], "inlinePolicies", [
        { name: "extra", policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) },
      ]),
    );
    const block = await check(plan, only("iam-no-inline-policy-check"));
    expect(
      violationsOf(block, "iam-no-inline-policy-check").map((v) => v.message.split(".")[0]),
    ).to.have.members([
      'Role policy "openemr-prod-new-policy" is an inline policy',
      'Role "openemr-prod-app-task-role" declares inlinePolicies',
    ]);
    const names = findingsOf(plan)
      .filter((f) => f.rule === "iam-no-inline-policy-check")
      .map((f) => f.name);
    expect(names).to.include.members(["openemr-prod-new-policy", "openemr-prod-app-task-role"]);
  });

  it("ec2-instance-no-public-ip: flags an instance whose subnet assigns public addresses", async () => {
    const base = await standard();
    const web = resource(base, [T.ec2Instance, "-web"]);
    const subnet = base.resources.find((r) => r.urn === web.propertyDependencies["subnetId"][0])!;
    const plan = mutate(
      base,
      copyResource([T.ec2Instance, "-web"], "openemr-staging-admin"),
      unsetProp([T.ec2Instance, "-admin"], "associatePublicIpAddress"),
      setProp([T.subnet, subnet.name], "mapPublicIpOnLaunch", true),
    );
    const block = await check(plan, only("ec2-instance-no-public-ip"));
    expect(violationsOf(block, "ec2-instance-no-public-ip").map((v) => v.message)).to.deep.equal([
      `EC2 instance "openemr-staging-admin" is in subnet "${subnet.name}", which assigns public addresses (mapPublicIpOnLaunch). Put it in a private subnet (behind the load balancer, with NAT or VPC endpoints for its outbound traffic). Or record a deviation of ec2-instance-no-public-ip in compliance/deviations.json (reason and compensating control).`,
    ]);
  });

  it("vpc-default-security-group-closed: flags a VPC whose default group is not adopted", async () => {
    const plan = mutate(await fargate(), dropResource([T.securityGroupDefault, "-default-sg"]));
    const block = await check(plan, only("vpc-default-security-group-closed"));
    expect(
      violationsOf(block, "vpc-default-security-group-closed").map((v) => v.message),
    ).to.deep.equal([
      `VPC "openemr-prod-net-vpc"'s default security group keeps AWS's rules (all traffic between its members, all egress). Adopt it with an aws.ec2.DefaultSecurityGroup without ingress or egress. Or record a deviation of vpc-default-security-group-closed in compliance/deviations.json (reason and compensating control).`,
    ]);
    expect(
      findingsOf(plan).filter((f) => f.rule === "vpc-default-security-group-closed"),
    ).to.have.length(1);
  });

  it("rds-cluster-multi-az-enabled: instances in more than one zone, as the AWS rule reads the cluster's multiAZ", async () => {
    const base = loose(await fargate());
    const reader = mutate(
      base,
      copyResource([T.rdsClusterInstance, "-db-writer"], "openemr-prod-db-reader"),
    );
    const pinned = mutate(
      reader,
      setProp([T.rdsClusterInstance, "-db-writer"], "availabilityZone", "us-east-1a"),
      setProp([T.rdsClusterInstance, "-db-reader"], "availabilityZone", "us-east-1a"),
    );
    const rule = (p: PlanFile) =>
      findingsOf(p)
        .filter((f) => f.rule === "rds-cluster-multi-az-enabled")
        .map((f) => f.why);
    const policy = async (p: PlanFile) =>
      violationsOf(
        await check(p, only("rds-cluster-multi-az-enabled")),
        "rds-cluster-multi-az-enabled",
      ).map((v) => v.message.split(".")[0]);
    expect(rule(base)).to.deep.equal(["1 instance(s): no instance in a second zone"]);
    expect(await policy(base)).to.deep.equal([
      'RDS cluster "openemr-prod-db-cluster" has 1 instance(s)',
    ]);
    expect(rule(reader)).to.deep.equal([]);
    expect(await policy(reader)).to.deep.equal([]);
    expect(rule(pinned)).to.deep.equal(["its 2 instances are all in us-east-1a"]);
    expect(await policy(pinned)).to.deep.equal([
      'RDS cluster "openemr-prod-db-cluster"\'s 2 instances are all in us-east-1a',
    ]);
  });

  it("ebs-in-backup-plan: an instance's root volume counts, as AWS Config records it as a volume", async () => {
    const plan = loose(await standard());
    const block = await check(plan, only("ebs-in-backup-plan"));
    expect(violationsOf(block, "ebs-in-backup-plan").map((v) => v.message)).to.deep.equal([
      "EC2 instance \"openemr-staging-web\"'s root volume is in no AWS Backup plan. Name the instance in an aws.backup.Selection's resources. Or record a deviation of ebs-in-backup-plan in compliance/deviations.json (reason and compensating control).",
    ]);
    expect(
      findingsOf(plan)
        .filter((f) => f.rule === "ebs-in-backup-plan")
        .map((f) => f.name),
    ).to.deep.equal(["openemr-staging-web"]);
  });

  it("vpc-default-security-group-closed and alb-waf-enabled pass the plans and catch their violation", async () => {
    const base = await fargate();
    expect(
      violationsOf(
        await check(base, only("vpc-default-security-group-closed")),
        "vpc-default-security-group-closed",
      ),
    ).to.deep.equal([]);
    const open = mutate(
      base,
      setProp([T.securityGroupDefault, "-default-sg"], "egress", [{ protocol: "-1" }]),
    );
    const block = await check(open, only("vpc-default-security-group-closed"));
    expect(
      violationsOf(block, "vpc-default-security-group-closed").map((v) => v.message),
    ).to.deep.equal([
      `VPC "openemr-prod-net-vpc"'s default security group "openemr-prod-net-default-sg" has 1 rule(s). Remove them: nothing should use the default group. Or record a deviation of vpc-default-security-group-closed in compliance/deviations.json (reason and compensating control).`,
    ]);
    const noWaf = mutate(base, (p) => {
      p.resources = p.resources.filter((r) => r.type !== T.webAclAssociation);
    });
    const waf = await check(noWaf, only("alb-waf-enabled"));
    expect(violationsOf(waf, "alb-waf-enabled").map((v) => v.level)).to.deep.equal(["mandatory"]);
  });

  it("advisory by default: monitoring depth, availability, rotation, inline policies, public subnets", async () => {
    const levels = Object.fromEntries(
      hipaaPolicies.map((p) => [p.name, p.enforcementLevel ?? "mandatory"]),
    );
    expect(levels).to.deep.equal({
      "ec2-instance-no-public-ip": "mandatory",
      "subnet-auto-assign-public-ip-disabled": "advisory",
      "vpc-default-security-group-closed": "mandatory",
      "alb-waf-enabled": "mandatory",
      "iam-no-inline-policy-check": "advisory",
      "s3-bucket-logging-enabled": "mandatory",
      "ec2-instance-detailed-monitoring-enabled": "advisory",
      "rds-enhanced-monitoring-enabled": "advisory",
      "ebs-in-backup-plan": "mandatory",
      "ec2-resources-protected-by-backup-plan": "advisory",
      "backup-recovery-point-manual-deletion-disabled": "mandatory",
      "rds-multi-az-support": "advisory",
      "rds-cluster-multi-az-enabled": "advisory",
      "secretsmanager-rotation-enabled": "advisory",
    });
    const plan = mutate(
      await express(),
      setProp([T.subnet, "-net-vpc-public-1"], "mapPublicIpOnLaunch", true),
    );
    const block = await check(plan);
    expect(
      violationsOf(block, "subnet-auto-assign-public-ip-disabled").map((v) => v.level),
    ).to.deep.equal(["advisory"]);
  });

  it("a deviation covers only the presets it names and the names its glob matches", () => {
    const d = {
      rule: "x",
      presets: ["express"],
      resources: "openemr-*-web",
      reason: "r",
      compensatingControl: "c",
    };
    expect(deviationCovers(d, "express", "openemr-dev-web")).to.equal(true);
    expect(deviationCovers(d, "standard", "openemr-dev-web")).to.equal(false);
    expect(deviationCovers(d, "express", "openemr-dev-web-data")).to.equal(false);
    const expressWeb =
      "urn:pulumi:dev::openemr-aws::openemr:tiers:Express$openemr:compute:WebInstance$aws:ec2/instance:Instance::openemr-dev-web";
    expect(
      findDeviation("ec2-instance-no-public-ip", expressWeb, "openemr-dev-web")?.presets,
    ).to.deep.equal(["express", "express-plus"]);
    expect(findDeviation("ec2-imdsv2-required", expressWeb, "openemr-dev-web")).to.equal(undefined);
    const fargateWeb = expressWeb.replace("openemr:tiers:Express", "openemr:tiers:Fargate");
    expect(findDeviation("ec2-instance-no-public-ip", fargateWeb, "openemr-dev-web")).to.equal(
      undefined,
    );
  });
});
