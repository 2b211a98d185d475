// tools/compliance/evaluate.ts: each rule judged from the plan as an outside tool would, on the
// program's own plans and small edits of them.
import { expect } from "chai";
import { evaluateRule, findingsOf, PlanView, type Finding } from "../../tools/compliance/evaluate";
import { hipaaRule } from "../../tools/compliance/hipaa-rules";
import { T } from "../../tools/plan/tokens";
import type { PlanFile } from "../../tools/plan/types";
import {
  addResource,
  appendTo,
  copyResource,
  dropResource,
  mutate,
  setProp,
  unsetProp,
} from "../helpers/mutate";
import { ofType } from "../helpers/resources";
import { planStack } from "../helpers/plan";
import { compliancePlan } from "./plans";

function findings(plan: PlanFile, rule: string): Finding[] {
  const r = hipaaRule(rule);
  if (!r) throw new Error(`no rule ${rule}`);
  return evaluateRule(r, new PlanView(plan)).findings;
}

const names = (fs: Finding[]) => fs.map((f) => f.name).sort();

describe("HIPAA Security rules evaluated on the plans", () => {
  it("iam-no-inline-policy-check: one finding per aws:iam/rolePolicy of every preset", async () => {
    for (const label of ["express", "express-plus", "standard", "fargate"]) {
      const { plan } = await compliancePlan(label);
      const inline = ofType(plan, T.iamRolePolicy)
        .map((r) => r.name)
        .sort();
      expect(inline.length, label).to.be.greaterThan(0);
      expect(names(findings(plan, "iam-no-inline-policy-check")), label).to.deep.equal(inline);
    }
  });

  it("cloudwatch-log-group-encrypted: every express log group (no key), none with the express-plus key", async () => {
    const express = (await compliancePlan("express")).plan;
    expect(names(findings(express, "cloudwatch-log-group-encrypted"))).to.deep.equal(
      ofType(express, T.logGroup)
        .map((g) => g.name)
        .sort(),
    );
    const plus = (await compliancePlan("express-plus")).plan;
    expect(findings(plus, "cloudwatch-log-group-encrypted")).to.deep.equal([]);
  });

  it("ec2-instance-no-public-ip: the Elastic IP, associatePublicIpAddress and a public subnet", async () => {
    const express = (await compliancePlan("express")).plan;
    expect(findings(express, "ec2-instance-no-public-ip").map((f) => f.why)).to.deep.equal([
      "has the Elastic IP openemr-dev-web-ip-association",
    ]);
    const web = [T.ec2Instance, "-web"] as const;
    const private_ = mutate(
      express,
      dropResource([T.eipAssociation, "-web-ip-association"]),
      setProp(web, "associatePublicIpAddress", false),
    );
    expect(findings(private_, "ec2-instance-no-public-ip")).to.deep.equal([]);
    const staging = (await compliancePlan("standard, load balancer, Multi-AZ")).plan;
    expect(findings(staging, "ec2-instance-no-public-ip").map((f) => f.why)).to.deep.equal([
      "associatePublicIpAddress: true",
    ]);
    // the plan's own subnet, made to hand out addresses (the instance depends on it already)
    expect(findings(private_, "subnet-auto-assign-public-ip-disabled")).to.deep.equal([]);
    const inPublicSubnet = mutate(
      private_,
      unsetProp(web, "associatePublicIpAddress"),
      setProp([T.subnet, "-net-vpc-public-1"], "mapPublicIpOnLaunch", true),
    );
    expect(findings(inPublicSubnet, "ec2-instance-no-public-ip").map((f) => f.why)).to.deep.equal([
      "its subnet openemr-dev-net-vpc-public-1 assigns public addresses (mapPublicIpOnLaunch)",
    ]);
    expect(names(findings(inPublicSubnet, "subnet-auto-assign-public-ip-disabled"))).to.deep.equal([
      "openemr-dev-net-vpc-public-1",
    ]);
  });

  it("s3-bucket-logging-enabled and secretsmanager-rotation-enabled-check follow the resources that meet them", async () => {
    const standard = (await compliancePlan("standard")).plan;
    expect(names(findings(standard, "s3-bucket-logging-enabled"))).to.deep.equal([
      "openemr-dev-audit-logs",
    ]);
    const logged = mutate(
      standard,
      addResource({
        type: T.bucketLogging,
        name: "openemr-dev-audit-logs-logging",
        props: { targetBucket: "logs", targetPrefix: "audit/" },
        deps: { bucket: [[T.bucket, "-audit-logs"]] },
      }),
    );
    expect(findings(logged, "s3-bucket-logging-enabled")).to.deep.equal([]);
    expect(names(findings(standard, "secretsmanager-rotation-enabled-check"))).to.deep.equal([
      "openemr-dev-db-master-secret",
    ]);
    const rotated = mutate(
      standard,
      addResource({
        type: "aws:secretsmanager/secretRotation:SecretRotation",
        name: "openemr-dev-db-master-rotation",
        props: { rotationRules: { automaticallyAfterDays: 30 } },
        deps: { secretId: [[T.secret, "-db-master-secret"]] },
      }),
    );
    expect(findings(rotated, "secretsmanager-rotation-enabled-check")).to.deep.equal([]);
  });

  it("the database rules: single-AZ, no Enhanced Monitoring, no general log; staging is Multi-AZ", async () => {
    const standard = (await compliancePlan("standard")).plan;
    for (const rule of [
      "rds-multi-az-support",
      "rds-enhanced-monitoring-enabled",
      "rds-logging-enabled",
    ]) {
      expect(names(findings(standard, rule)), rule).to.deep.equal(["openemr-dev-db"]);
    }
    expect(findings(standard, "rds-logging-enabled")[0].why).to.equal(
      "does not export the general log",
    );
    const staging = (await compliancePlan("standard, load balancer, Multi-AZ")).plan;
    expect(findings(staging, "rds-multi-az-support")).to.deep.equal([]);
    const monitored = mutate(standard, setProp([T.rdsInstance, "-db"], "monitoringInterval", 60));
    expect(findings(monitored, "rds-enhanced-monitoring-enabled")).to.deep.equal([]);
  });

  it("ebs-in-backup-plan: express-plus's data volume (DLM only) and every instance's root volume; standard's data volume is in the AWS Backup selection", async () => {
    const plus = (await compliancePlan("express-plus")).plan;
    expect(names(findings(plus, "ebs-in-backup-plan")).sort()).to.deep.equal([
      "openemr-dev-web",
      "openemr-dev-web-data",
    ]);
    const standard = (await compliancePlan("standard")).plan;
    expect(findings(standard, "ebs-in-backup-plan").map((f) => [f.name, f.why])).to.deep.equal([
      ["openemr-dev-web", "its root volume: no AWS Backup selection names it or the instance"],
    ]);
  });

  it("vpc-default-security-group-closed and vpc-flow-logs-enabled: met, and a VPC without them is found", async () => {
    const fargate = (await compliancePlan("fargate")).plan;
    expect(findings(fargate, "vpc-default-security-group-closed")).to.deep.equal([]);
    expect(findings(fargate, "vpc-flow-logs-enabled")).to.deep.equal([]);
    const open = mutate(
      fargate,
      appendTo([T.securityGroupDefault, "-default-sg"], "ingress", { protocol: "-1" }),
    );
    expect(findings(open, "vpc-default-security-group-closed")[0].why).to.match(/keeps rules$/);
    const plainVpc = mutate(fargate, copyResource([T.vpc, "-net-vpc"], "openemr-dev-net-vpc2"));
    expect(names(findings(plainVpc, "vpc-flow-logs-enabled"))).to.deep.equal([
      "openemr-dev-net-vpc2",
    ]);
    expect(names(findings(plainVpc, "vpc-default-security-group-closed"))).to.deep.equal([
      "openemr-dev-net-vpc2",
    ]);
  });

  it("no-unrestricted-route-to-igw and internet-gateway-authorized-vpc-only: the public subnets' routes and the gateway", async () => {
    const fargate = (await compliancePlan("fargate")).plan;
    expect(names(findings(fargate, "no-unrestricted-route-to-igw")).sort()).to.deep.equal([
      "openemr-dev-net-vpc-public-1",
      "openemr-dev-net-vpc-public-2",
    ]);
    // the private subnets' default routes go to the NAT gateway: not an internet-gateway route
    expect(ofType(fargate, T.route).filter((r) => r.name.includes("-private-"))).to.have.length(2);
    expect(names(findings(fargate, "internet-gateway-authorized-vpc-only"))).to.deep.equal([
      "openemr-dev-net-vpc",
    ]);
    const narrowed = mutate(
      fargate,
      setProp([T.route, "-net-vpc-public-1"], "destinationCidrBlock", "198.51.100.0/24"),
      setProp([T.route, "-net-vpc-public-2"], "destinationCidrBlock", "198.51.100.0/24"),
    );
    expect(findings(narrowed, "no-unrestricted-route-to-igw")).to.deep.equal([]);
  });

  it("security groups: a world-open SSH or MySQL port is found by the three ingress rules", async () => {
    const express = (await compliancePlan("express")).plan;
    for (const rule of [
      "restricted-ssh",
      "restricted-common-ports",
      "vpc-sg-open-only-to-authorized-ports",
    ]) {
      expect(findings(express, rule), rule).to.deep.equal([]);
    }
    const ssh = mutate(
      express,
      appendTo([T.securityGroup, "-web-sg"], "ingress", {
        protocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrBlocks: ["0.0.0.0/0"],
      }),
    );
    expect(findings(ssh, "restricted-ssh").map((f) => f.why)).to.deep.equal([
      "admits 0.0.0.0/0 and ::/0 on port 22",
    ]);
    expect(findings(ssh, "restricted-common-ports")).to.deep.equal([]);
    expect(findings(ssh, "vpc-sg-open-only-to-authorized-ports")).to.have.length(1);
  });

  it("vpc-sg-open-only-to-authorized-ports: the pack authorizes no port, so a world-open front door is a finding", async () => {
    // fargate's load balancer open to the world (openemr:allowWorldIngress), as a clinic may set it
    const open = await planStack("prod", {
      "openemr:allowedCidrs": JSON.stringify(["0.0.0.0/0"]),
      "openemr:allowWorldIngress": "true",
    });
    const found = findings(open, "vpc-sg-open-only-to-authorized-ports");
    expect(found.length).to.be.greaterThan(0);
    expect(found.map((f) => f.why)).to.include("admits 0.0.0.0/0 and ::/0 on port 443");
    expect(
      findings((await compliancePlan("fargate")).plan, "vpc-sg-open-only-to-authorized-ports"),
    ).to.deep.equal([]);
  });

  it("cloudwatch-alarm-action-check: an alarm needs an alarm and an INSUFFICIENT_DATA action, as the pack's parameters say", async () => {
    const express = (await compliancePlan("express")).plan;
    const alarm: [string, string] = [T.metricAlarm, "-backup-failed"];
    expect(
      findings(express, "cloudwatch-alarm-action-check").find((f) =>
        f.name.endsWith("-backup-failed"),
      )?.why,
    ).to.equal("no insufficientDataActions");
    const both = mutate(
      express,
      setProp(alarm, "insufficientDataActions", ["arn:aws:sns:us-east-1:123456789012:t"]),
    );
    expect(
      findings(both, "cloudwatch-alarm-action-check").filter((f) =>
        f.name.endsWith("-backup-failed"),
      ),
    ).to.deep.equal([]);
    const none = mutate(both, setProp(alarm, "alarmActions", []), setProp(alarm, "okActions", []));
    expect(
      findings(none, "cloudwatch-alarm-action-check").find((f) => f.name.endsWith("-backup-failed"))
        ?.why,
    ).to.equal("no alarmActions");
    const disabled = mutate(both, setProp(alarm, "actionsEnabled", false));
    expect(
      findings(disabled, "cloudwatch-alarm-action-check").find((f) =>
        f.name.endsWith("-backup-failed"),
      )?.why,
    ).to.equal("actionsEnabled: false");
  });

  it("finds nothing on a resource type it does not evaluate, and evaluates nothing on an empty plan", async () => {
    const express = (await compliancePlan("express")).plan;
    expect(findingsOf({ ...express, resources: [] })).to.deep.equal([]);
  });
});
