// What `npm run plan` prints under the policy verdict: the deviations that apply to the stack.
import { expect } from "chai";
import {
  complianceOf,
  deviationsFor,
  renderComplianceBlock,
  renderDeviationLine,
} from "../../tools/compliance/summary";
import { loadDeviations } from "../../tools/compliance/deviations";
import { T } from "../../tools/plan/tokens";
import { mutate, setProp } from "../helpers/mutate";
import { compliancePlan } from "./plans";

describe("compliance summary of a plan", () => {
  it("lists the deviations that apply to the stack, with the stack's resources", async () => {
    const { plan } = await compliancePlan("standard");
    const applied = deviationsFor(plan);
    const multiAz = applied.find((d) => d.rule === "rds-multi-az-support");
    expect(multiAz?.resources).to.deep.equal(["openemr-dev-db"]);
    expect(renderDeviationLine(multiAz!)).to.equal(
      "rds-multi-az-support (openemr-dev-db): Standard keeps its database in one availability zone by default to stay near $50 a month.",
    );
    expect(applied.map((d) => d.rule)).to.not.include("cloudwatch-log-group-encrypted");
    expect(complianceOf(plan).unmet).to.deep.equal([]);
  });

  it("applies a deviation only to the presets it names", async () => {
    const { plan } = await compliancePlan("express-plus");
    expect(deviationsFor(plan).map((d) => d.rule)).to.not.include("cloudwatch-log-group-encrypted");
    const express = (await compliancePlan("express")).plan;
    expect(
      deviationsFor(express).find((d) => d.rule === "cloudwatch-log-group-encrypted")?.resources,
    ).to.have.length(6);
  });

  it("prints a finding no deviation covers as not met", async () => {
    const { plan } = await compliancePlan("fargate");
    const exposed = mutate(
      plan,
      setProp([T.rdsClusterInstance, "-db-writer"], "publiclyAccessible", true),
    );
    const block = renderComplianceBlock(exposed, loadDeviations());
    expect(block).to.match(
      /^HIPAA Security deviations \(compliance\/deviations\.json, docs\/compliance\.md\): \d+ accepted, 1 finding\(s\) without one\n/,
    );
    expect(block).to.contain(
      "  rds-instance-public-access-check (openemr-dev-db-writer): publiclyAccessible: true — NOT MET and no deviation in compliance/deviations.json\n",
    );
    expect(renderComplianceBlock(plan, [])).to.contain("without one");
  });

  it("prints for each stack a reason that is true of it (standard with and without a load balancer)", async () => {
    for (const label of ["standard", "standard, load balancer, Multi-AZ"]) {
      const { plan } = await compliancePlan(label);
      const line = renderDeviationLine(
        deviationsFor(plan).find((d) => d.rule === "ec2-instance-no-public-ip")!,
      );
      expect(line, label).to.match(
        /^ec2-instance-no-public-ip \(openemr-\w+-web\): Standard's instance has a public address in both of its layouts, because a private subnet would need a NAT gateway \(\$32\.85 a month plus \$0\.045 per GB\) on a tier kept near \$50\.$/,
      );
      expect(line, label).to.not.contain("Without a load balancer");
    }
  });

  it("says why deletion protection is not met on a throwaway stack (openemr:protectData false)", async () => {
    const { plan } = await compliancePlan("fargate");
    const throwaway = mutate(
      plan,
      setProp([T.rdsCluster, "-db-cluster"], "deletionProtection", false),
    );
    const block = renderComplianceBlock(throwaway, loadDeviations());
    expect(block).to.match(/, 2 finding\(s\) without one \(2 from openemr:protectData false\)\n/);
    expect(block).to.contain(
      "  rds-cluster-deletion-protection-enabled (openemr-dev-db-cluster): deletionProtection is not true — NOT MET and no deviation in compliance/deviations.json (openemr:protectData is false: a throwaway stack, not for patient data)\n",
    );
  });
});
