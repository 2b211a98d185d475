// The AWS name rules on small hand-made plans: one passing and one failing case per kind of rule
// (length, pattern, forbidden pattern, nested and JSON paths) and per kind of provider autonaming.
import { expect } from "chai";
import {
  AUTONAMES,
  AwsRuleError,
  CONSTRAINTS,
  type AwsRuleViolation,
  checkAwsRules,
} from "../../tools/aws-rules/check";
import type { PlanFile, PlanResource, PlanValue } from "../../tools/plan/types";

function resource(type: string, name: string, props: Record<string, PlanValue>): PlanResource {
  return {
    urn: `urn:pulumi:dev::openemr-aws::openemr:test:Parent$${type}::${name}`,
    type,
    name,
    custom: true,
    parent: null,
    props,
    opts: { protect: false, retainOnDelete: false, dependsOn: [], ignoreChanges: [] },
    propertyDependencies: {},
  };
}

function planOf(...resources: PlanResource[]): PlanFile {
  return {
    project: "openemr-aws",
    stack: "dev",
    preset: "express",
    region: "us-east-1",
    resources,
    outputs: {},
  };
}

function check(type: string, props: Record<string, PlanValue>, name = "r"): AwsRuleViolation[] {
  return checkAwsRules(planOf(resource(type, name, props)));
}

const BOTOCORE = `botocore ${CONSTRAINTS.botocore.version}`;
const DLM = "aws:dlm/lifecyclePolicy:LifecyclePolicy";
const LB = "aws:lb/loadBalancer:LoadBalancer";
const TG = "aws:lb/targetGroup:TargetGroup";
const RDS = "aws:rds/instance:Instance";
const WAF = "aws:wafv2/webAcl:WebAcl";
const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const BUCKET = "aws:s3/bucket:Bucket";

describe("AWS name rules: checkAwsRules", () => {
  describe("patterns from botocore (DLM CreateLifecyclePolicy Description: [0-9A-Za-z _-]+)", () => {
    for (const bad of ["openemr-dev-snapshots: daily", "daily snapshots, 14 kept"]) {
      it(`refuses ${JSON.stringify(bad)}, naming the characters and the botocore source`, () => {
        const v = check(DLM, { description: bad });
        expect(v).to.have.length(1);
        expect(v[0]).to.include({
          type: DLM,
          property: "description",
          value: bad,
          source: BOTOCORE,
        });
        expect(v[0].rule).to.match(/^dlm CreateLifecyclePolicy Description: must match/);
        expect(v[0].rule).to.match(/not allowed: "[:,]"$/);
      });
    }

    it("accepts letters, digits, spaces, hyphens and underscores", () => {
      expect(
        check(DLM, { description: "openemr-dev-snapshots daily snapshots 14 kept" }),
      ).to.deep.equal([]);
    });

    it("applies a botocore maximum length (DLM: 500)", () => {
      expect(check(DLM, { description: "a".repeat(500) })).to.deep.equal([]);
      const v = check(DLM, { description: "a".repeat(501) });
      expect(v.map((x) => x.rule)).to.deep.equal([
        "dlm CreateLifecyclePolicy Description: at most 500 characters (this is 501)",
      ]);
    });
  });

  describe("documented rules (ELBv2 CreateLoadBalancer Name)", () => {
    it("refuses a 33-character name and accepts a 32-character one", () => {
      const v = check(LB, { name: "a".repeat(33) });
      expect(v).to.have.length(1);
      expect(v[0].rule).to.equal(
        "elbv2 CreateLoadBalancer Name: at most 32 characters (this is 33)",
      );
      expect(v[0].source).to.equal(
        "documented: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html",
      );
      expect(v[0].autonamed).to.equal(undefined);
      expect(check(LB, { name: "a".repeat(32) })).to.deep.equal([]);
    });

    for (const [bad, pattern, why] of [
      ["-openemr", "^-", "begins with a hyphen"],
      ["openemr-", "-$", "ends with a hyphen"],
      ["internal-openemr", "^internal-", "begins with internal-"],
    ]) {
      it(`refuses ${bad} (${why})`, () => {
        expect(check(LB, { name: bad }).map((x) => x.rule)).to.deep.equal([
          `elbv2 CreateLoadBalancer Name: must not match /${pattern}/ (${why})`,
        ]);
      });
    }

    it("refuses characters other than alphanumerics and hyphens", () => {
      const v = check(LB, { name: "openemr_prod.lb" });
      expect(v).to.have.length(1);
      expect(v[0].rule).to.contain('not allowed: "_" "."');
    });

    it("applies a documented minimum length (CloudTrail trail names: 3 to 128)", () => {
      const trail = "aws:cloudtrail/trail:Trail";
      expect(check(trail, { name: "ab" }).map((x) => x.rule)).to.deep.equal([
        "cloudtrail CreateTrail Name: at least 3 characters (this is 2)",
      ]);
      expect(check(trail, { name: "abc" })).to.deep.equal([]);
      expect(check(trail, { name: "my-_trail" }).map((x) => x.rule)).to.deep.equal([
        "cloudtrail CreateTrail Name: must not match /[._-]{2}/ (has adjacent periods, underscores or dashes)",
      ]);
    });
  });

  describe("RDS identifiers (documented, lower case as the provider requires)", () => {
    for (const [bad, expected] of [
      ["openemr--db", "must not match /--/ (two consecutive hyphens)"],
      ["openemr-db-", "must not match /-$/ (ends with a hyphen)"],
      ["OpenEMR-db", "must match /^[a-z][a-z0-9-]*$/"],
      ["1openemr", "must match /^[a-z][a-z0-9-]*$/"],
      ["a".repeat(64), "at most 63 characters (this is 64)"],
    ]) {
      it(`refuses ${bad.length > 20 ? `${bad.length} characters` : bad}`, () => {
        const v = check(RDS, { identifier: bad });
        expect(v.map((x) => x.rule)).to.deep.equal([
          `rds CreateDBInstance DBInstanceIdentifier: ${expected}`,
        ]);
        expect(v[0].source).to.match(/^documented: https:\/\/docs\.aws\.amazon\.com\/AmazonRDS\//);
      });
    }

    it("accepts a compliant identifier", () => {
      expect(check(RDS, { identifier: "openemr-staging-db" })).to.deep.equal([]);
      expect(check(RDS, { identifier: "a".repeat(63) })).to.deep.equal([]);
    });

    it("refuses a DB subnet group named default (a forbidden pattern with a flag)", () => {
      const sg = "aws:rds/subnetGroup:SubnetGroup";
      expect(check(sg, { name: "default" }).map((x) => x.rule)).to.deep.equal([
        "rds CreateDBSubnetGroup DBSubnetGroupName: must not match /^default$/ (is default)",
      ]);
      expect(check(sg, { name: "openemr-db-subnets" })).to.deep.equal([]);
    });

    it("refuses an SSM parameter under /aws or /ssm whatever the case", () => {
      const param = "aws:ssm/parameter:Parameter";
      expect(check(param, { name: "/AWS/openemr/x" })).to.have.length(1);
      expect(check(param, { name: "/Ssm/x" })).to.have.length(1);
      expect(check(param, { name: "/openemr/dev/admin-password" })).to.deep.equal([]);
    });
  });

  describe("nested and JSON properties", () => {
    it("checks every WAF rule name and metric name, naming the element", () => {
      const props = {
        name: "openemr-prod-waf-acl",
        visibilityConfig: { metricName: "openemr prod" },
        rules: [
          { name: "rate-limit-per-ip", visibilityConfig: { metricName: "openemr-prod-rate" } },
          { name: "rate limit", visibilityConfig: { metricName: "ok:metric/name.1" } },
        ],
      };
      const v = check(WAF, props);
      expect(v.map((x) => [x.property, x.value])).to.deep.equal([
        ["visibilityConfig.metricName", "openemr prod"],
        ["rules[1].name", "rate limit"],
      ]);
      expect(v.every((x) => x.source === BOTOCORE)).to.equal(true);
    });

    it("reads ECS container names out of the containerDefinitions JSON", () => {
      const bad = check(TASK, {
        family: "openemr-prod-openemr",
        containerDefinitions: JSON.stringify([{ name: "openemr" }, { name: "open emr" }]),
      });
      expect(bad.map((x) => [x.property, x.value])).to.deep.equal([
        ["containerDefinitions[1].name", "open emr"],
      ]);
      const good = check(TASK, {
        family: "openemr-prod-openemr",
        containerDefinitions: JSON.stringify([{ name: "openemr" }, { name: "log_router" }]),
      });
      expect(good).to.deep.equal([]);
    });

    it("refuses a security group description outside EC2's character set", () => {
      const sg = "aws:ec2/securityGroup:SecurityGroup";
      expect(
        check(sg, { name: "web", description: "HTTPS in; out to [AWS] (APIs) #1" }),
      ).to.deep.equal([]);
      const v = check(sg, { name: "web", description: "naïve — rule" });
      expect(v).to.have.length(1);
      expect(v[0].rule).to.contain('not allowed: "ï" "—"');
    });
  });

  describe("values the plan does not know", () => {
    for (const unknown of ["<computed>", "<secret>"]) {
      it(`skips ${unknown} (and does not autoname it)`, () => {
        expect(
          check(LB, { name: unknown }, "a-logical-name-far-longer-than-thirty-two"),
        ).to.deep.equal([]);
        expect(check(DLM, { description: unknown })).to.deep.equal([]);
        expect(check(TASK, { family: "f", containerDefinitions: unknown })).to.deep.equal([]);
      });
    }

    it("skips components (only custom resources reach AWS)", () => {
      const component = { ...resource(DLM, "x", { description: "a: b" }), custom: false };
      expect(checkAwsRules(planOf(component))).to.deep.equal([]);
    });
  });

  describe("provider autonaming (pulumi-aws provider/resources.go)", () => {
    const suffix = AUTONAMES.suffixForChecks;

    it("checks <logical name>-<7 random> for an unnamed load balancer", () => {
      const v = check(LB, {}, "openemr-clinic-north-prod-lb-alb");
      expect(v).to.have.length(1);
      expect(v[0]).to.include({
        property: "name",
        value: `openemr-clinic-north-prod-lb-alb-${suffix}`,
        rule: "elbv2 CreateLoadBalancer Name: at most 32 characters (this is 40)",
        autonamed: true,
      });
      expect(check(LB, {}, "openemr-prod-lb-alb")).to.deep.equal([]);
      expect(check(LB, { name: null }, "openemr-prod-lb-alb")).to.deep.equal([]);
    });

    it("reports the provider's own limit too (target groups: 32)", () => {
      const v = check(TG, {}, "openemr-clinic-north-prod-lb-tg");
      expect(v.map((x) => x.source)).to.deep.equal([
        `pulumi-aws provider/resources.go@${AUTONAMES.source.commit.slice(0, 7)}`,
        "documented: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html",
      ]);
      expect(v[0].rule).to.match(
        /^pulumi-aws autonaming of name: .* make 39, more than the provider's 32/,
      );
      expect(check(TG, {}, "openemr-prod-lb-tg")).to.deep.equal([]);
    });

    it("does not autoname when a conflicting prefix property is set", () => {
      expect(check(LB, { namePrefix: "oe-" }, "openemr-clinic-north-prod-lb-alb")).to.deep.equal(
        [],
      );
    });

    it("lower-cases S3 bucket autonames and checks their length", () => {
      expect(check(BUCKET, {}, "OpenEMR-Logs")).to.deep.equal([]);
      const long = check(BUCKET, {}, `openemr-${"x".repeat(49)}`);
      expect(long.map((x) => x.rule)).to.deep.equal([
        `pulumi-aws autonaming of bucket: ${JSON.stringify(`openemr-${"x".repeat(49)}-`)} and 7 random characters make 65, more than the provider's 63; the provider refuses to generate the name`,
        "s3 CreateBucket Bucket: at most 63 characters (this is 65)",
      ]);
    });

    it("checks the name Terraform makes from an S3 bucketPrefix (prefix + 26 characters)", () => {
      const ok = "openemr-prod-lb-access-logs-";
      expect(check(BUCKET, { bucketPrefix: ok }, "x")).to.deep.equal([]);
      const longPrefix = "openemr-clinic-north-prod-lb-access-logs-";
      const v = check(BUCKET, { bucketPrefix: longPrefix }, "x");
      expect(v).to.have.length(1);
      expect(v[0]).to.include({
        rule: "s3 CreateBucket Bucket: at most 63 characters (this is 67)",
        autonamed: true,
      });
      expect(v[0].value.startsWith(longPrefix)).to.equal(true);
      expect(check(BUCKET, { bucketPrefix: "OpenEMR-" }, "x")[0]?.rule).to.match(/must match/);
    });

    it("appends no separator to RDS instance identifiers and keeps the case", () => {
      expect(check(RDS, {}, "openemr-db")).to.deep.equal([]);
      const v = check(RDS, {}, "OpenEMR-db");
      expect(v.map((x) => x.value)).to.deep.equal([`OpenEMR-db${suffix}`]);
    });

    it("adds .fifo to FIFO topics and enforces the provider's 80 characters", () => {
      const topic = "aws:sns/topic:Topic";
      expect(check(topic, { fifoTopic: true }, "alarms")).to.deep.equal([]);
      const bad = check(topic, { fifoTopic: true }, "alarms.x");
      expect(bad.map((x) => x.value)).to.deep.equal([`alarms.x-${suffix}.fifo`]);
      const long = check(topic, {}, "a".repeat(73));
      expect(long.map((x) => x.source)).to.deep.equal([
        `pulumi-aws provider/resources.go@${AUTONAMES.source.commit.slice(0, 7)}`,
      ]);
      expect(check(topic, {}, "a".repeat(72))).to.deep.equal([]);
    });

    it("prefixes KMS alias autonames with alias/", () => {
      const alias = "aws:kms/alias:Alias";
      expect(check(alias, {}, "openemr-prod-logs-alias")).to.deep.equal([]);
      const v = check(alias, {}, "aws/openemr");
      expect(v.map((x) => [x.value, x.rule])).to.deep.equal([
        [
          `alias/aws/openemr-${suffix}`,
          "kms CreateAlias AliasName: must not match /^alias\\/aws\\// (uses the reserved alias/aws/ prefix)",
        ],
      ]);
    });

    it("does not invent names for properties the provider does not generate", () => {
      expect(check(TASK, {}, "a".repeat(300))).to.deep.equal([]);
      expect(check(DLM, {}, "a: b")).to.deep.equal([]);
    });
  });

  describe("AwsRuleError", () => {
    it("lists each resource, property, value, rule and source", () => {
      const v = checkAwsRules(
        planOf(
          resource(DLM, "openemr-dev-snapshots", { description: "a: b" }),
          resource(LB, "openemr-clinic-north-prod-lb-alb", {}),
        ),
      );
      const err = new AwsRuleError("clinic-north-prod", v);
      expect(err.violations).to.equal(v);
      const lines = err.message.split("\n");
      expect(lines[0]).to.equal(
        "stack clinic-north-prod: 2 value(s) AWS would refuse at `pulumi up`:",
      );
      expect(lines[1]).to.equal(
        `  - openemr-dev-snapshots (${DLM}) description = "a: b": dlm CreateLifecyclePolicy Description: must match /^(?:[0-9A-Za-z _-]+)$/; not allowed: ":" [${BOTOCORE}]`,
      );
      expect(lines[2]).to.contain(
        `openemr-clinic-north-prod-lb-alb (${LB}) name = "openemr-clinic-north-prod-lb-alb-abcdef1"`,
      );
      expect(lines[2]).to.contain("(generated by the provider: the program sets none)");
      expect(lines[2]).to.contain("[documented: https://docs.aws.amazon.com/elasticloadbalancing/");
    });
  });
});
