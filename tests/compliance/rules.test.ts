// The rule list: AWS's conformance pack and cdk-nag's HIPAA.Security, one entry per Config rule, and
// every rule that evaluates resources has a check.
import { expect } from "chai";
import { CHECKED_RULES, RESOURCE_RULES } from "../../tools/compliance/evaluate";
import { HIPAA_RULES, LOCAL_T, hipaaRule, ruleTypes } from "../../tools/compliance/hipaa-rules";
import { T } from "../../tools/plan/tokens";
import { compliancePlans } from "./plans";

/** The Pulumi modules of the AWS services the service-scoped rules name. */
const SERVICE_MODULES: Readonly<Record<string, readonly string[]>> = {
  "API Gateway": ["aws:apigateway/", "aws:apigatewayv2/"],
  "Classic Load Balancer": ["aws:elb/loadBalancer", "aws:elb/listenerPolicy"],
  CodeBuild: ["aws:codebuild/"],
  DMS: ["aws:dms/"],
  DynamoDB: ["aws:dynamodb/"],
  "EC2 Auto Scaling": ["aws:autoscaling/", "aws:ec2/launchConfiguration"],
  "Elastic Beanstalk": ["aws:elasticbeanstalk/"],
  EMR: ["aws:emr/"],
  Kinesis: ["aws:kinesis/"],
  Lambda: ["aws:lambda/"],
  OpenSearch: ["aws:opensearch/", "aws:elasticsearch/"],
  Redshift: ["aws:redshift/"],
  SageMaker: ["aws:sagemaker/"],
  "Site-to-Site VPN": ["aws:ec2/vpnConnection"],
};

describe("HIPAA Security rule list", () => {
  it("has every rule of the conformance pack (130) and of cdk-nag's HIPAA.Security (90), once each, sorted", () => {
    const ids = HIPAA_RULES.map((r) => r.id);
    expect(new Set(ids).size).to.equal(ids.length);
    expect([...ids].sort()).to.deep.equal(ids);
    expect(HIPAA_RULES.filter((r) => r.sources.includes("config-pack"))).to.have.length(130);
    expect(HIPAA_RULES.filter((r) => r.sources.includes("cdk-nag"))).to.have.length(90);
    expect(hipaaRule("cloudwatch-log-group-encrypted")?.sources).to.deep.equal(["cdk-nag"]);
    expect(hipaaRule("rds-cluster-multi-az-enabled")?.sources).to.deep.equal(["config-pack"]);
    expect(hipaaRule("no-such-rule")).to.equal(undefined);
  });

  it("gives every rule 45 CFR controls and a finding, and cdk-nag's ID where cdk-nag checks it", () => {
    for (const r of HIPAA_RULES) {
      expect(r.controls.length, r.id).to.be.greaterThan(0);
      for (const c of r.controls) expect(c, r.id).to.match(/^164\.3(08|10|12|14)\([a-e]\)/);
      expect(r.finding, r.id).to.match(/^[A-Z].*\.$/);
      expect(r.cdkNag !== undefined, r.id).to.equal(r.sources.includes("cdk-nag"));
    }
  });

  it("has a check for exactly the rules that evaluate resources, on type tokens the tools know", () => {
    expect([...CHECKED_RULES].sort()).to.deep.equal(RESOURCE_RULES.map((r) => r.id));
    const known = new Set<string>([...Object.values(T), ...Object.values(LOCAL_T)]);
    for (const r of RESOURCE_RULES) {
      expect(ruleTypes(r).length, r.id).to.be.greaterThan(0);
      for (const t of ruleTypes(r)) expect(known.has(t), `${r.id}: ${t}`).to.equal(true);
    }
  });

  it("names the service of every rule no preset uses, and no plan creates a resource of one", async () => {
    const services = HIPAA_RULES.flatMap((r) =>
      r.scope.kind === "service" ? [r.scope.service] : [],
    );
    expect([...new Set(services)].sort()).to.deep.equal(Object.keys(SERVICE_MODULES).sort());
    for (const { label, plan } of await compliancePlans()) {
      for (const r of plan.resources) {
        for (const [service, modules] of Object.entries(SERVICE_MODULES)) {
          expect(
            modules.some((m) => r.type.startsWith(m)),
            `${label}: ${r.type} is a ${service} resource: give its rules a scope and a check`,
          ).to.equal(false);
        }
      }
    }
  });
});
