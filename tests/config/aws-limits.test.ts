// Settings and stack names AWS (or OpenEMR) would refuse at `pulumi up` are refused up front,
// naming the key, the value and what is allowed. Each rule cites its source where it is encoded.
import { expect } from "chai";
import { OPENEMR_PRODUCTION_VERSION, parseConfig } from "../../config";
import { FARGATE_TASK_SIZES } from "../../presets/fargate";
import { STACK_NAME_MAX, fitName, stackNameProblem } from "../../components/naming/aws-names";
import { problemsOf } from "../helpers/config";

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000";
const standard = { "openemr:preset": "standard" };
const fargate = { "openemr:preset": "fargate", "openemr:certificateArn": CERT };

describe("config refuses what AWS would refuse", () => {
  describe("stack names", () => {
    for (const bad of ["Prod", "clinic_north", "clinic.north", "a--b", "prod-", "-prod", "1prod"]) {
      it(`refuses the stack name ${bad}, naming it and what is allowed`, () => {
        const problems = problemsOf({ "openemr:preset": "express" }, bad);
        expect(problems).to.have.length(1);
        expect(problems[0]).to.include(JSON.stringify(bad));
        expect(problems[0]).to.include("lower-case letters, digits and single hyphens");
      });
    }

    it(`refuses a stack name longer than ${STACK_NAME_MAX} characters`, () => {
      expect(stackNameProblem("a".repeat(STACK_NAME_MAX))).to.equal(undefined);
      expect(stackNameProblem("a".repeat(STACK_NAME_MAX + 1))).to.match(/1 to 40/);
    });

    for (const good of ["dev", "production", "clinic-north-prod", "c1-2"]) {
      it(`accepts the stack name ${good}`, () => {
        expect(problemsOf({ "openemr:preset": "express" }, good)).to.deep.equal([]);
      });
    }
  });

  describe("fitName", () => {
    it("keeps a name that fits and shortens one that does not, deterministically", () => {
      expect(fitName("openemr-dev-lb", 32)).to.equal("openemr-dev-lb");
      const long = "openemr-clinic-north-production-lb";
      const fitted = fitName(long, 32);
      expect(fitted).to.have.length.at.most(32);
      expect(fitted).to.equal(fitName(long, 32));
      expect(fitted).to.match(/^openemr-clinic-north-pro-[0-9a-f]{7}$/);
      expect(fitName("openemr-clinic-north-production-tg", 32)).to.not.equal(fitted);
    });

    it("never leaves a double or trailing hyphen where the cut falls on one", () => {
      const fitted = fitName("openemr-abcdefghijklmnopqrstu-vwxyz-lb", 32);
      expect(fitted).to.not.match(/--|-$/);
      expect(fitted).to.have.length.at.most(32);
    });
  });

  describe("standard", () => {
    it("refuses MySQL 8.0, past the end of RDS standard support", () => {
      const problems = problemsOf({ ...standard, "openemr:standard": '{"mysqlVersion":"8.0"}' });
      expect(problems).to.have.length(1);
      expect(problems[0]).to.match(
        /^openemr:standard.mysqlVersion: got "8.0"; MySQL 8.0 reached the end of RDS standard support on 2026-07-31.*Allowed: 8.4$/,
      );
    });

    it("accepts MySQL 8.4", () => {
      expect(
        problemsOf({ ...standard, "openemr:standard": '{"mysqlVersion":"8.4"}' }),
      ).to.deep.equal([]);
    });

    for (const cls of ["db.t4g.micro", "db.t4g.small", "db.t3.micro", "db.t3.small"]) {
      it(`refuses Performance Insights on ${cls}`, () => {
        const problems = problemsOf({
          ...standard,
          "openemr:standard": JSON.stringify({ performanceInsights: true, dbInstanceClass: cls }),
        });
        expect(problems).to.have.length(1);
        expect(problems[0]).to.match(
          /^openemr:standard.performanceInsights: got true with dbInstanceClass/,
        );
        expect(problems[0]).to.include(cls);
      });
    }

    it("refuses Performance Insights at the default class and accepts it on db.t4g.medium", () => {
      expect(
        problemsOf({ ...standard, "openemr:standard": '{"performanceInsights":true}' }),
      ).to.have.length(1);
      expect(
        problemsOf({
          ...standard,
          "openemr:standard": '{"performanceInsights":true,"dbInstanceClass":"db.t4g.medium"}',
        }),
      ).to.deep.equal([]);
    });
  });

  describe("fargate", () => {
    it("refuses 1536 MiB at 256 CPU and accepts 512, 1024 and 2048", () => {
      const at = (memory: number) =>
        problemsOf({ ...fargate, "openemr:fargate": JSON.stringify({ cpu: 256, memory }) });
      expect(at(1536)).to.deep.equal([
        "openemr:fargate.memory: 1536 MiB is not valid with cpu 256 (Fargate task sizes); allowed: 512, 1024, 2048 MiB",
      ]);
      for (const ok of [512, 1024, 2048]) expect(at(ok)).to.deep.equal([]);
    });

    it("follows the ECS task size table at every CPU size", () => {
      expect(FARGATE_TASK_SIZES[512]).to.deep.equal([1024, 2048, 3072, 4096]);
      expect(FARGATE_TASK_SIZES[4096][FARGATE_TASK_SIZES[4096].length - 1]).to.equal(30720);
      expect(FARGATE_TASK_SIZES[8192]).to.include(61440).and.not.include(18432);
      const problems = problemsOf({ ...fargate, "openemr:fargate": '{"cpu":8192,"memory":18432}' });
      expect(problems[0]).to.include("allowed: 16384-61440 in steps of 4096 MiB");
    });

    it("refuses an Aurora minimum of 0 ACU (auto-pause) and a maximum below 1 or above 128", () => {
      const acu = (min: number, max: number) =>
        problemsOf({
          ...fargate,
          "openemr:fargate": JSON.stringify({ auroraMinAcu: min, auroraMaxAcu: max }),
        });
      expect(acu(0, 16)[0]).to.match(/^openemr:fargate.auroraMinAcu: 0 ACU would pause/);
      expect(acu(0.5, 0.5)).to.deep.equal([
        "openemr:fargate.auroraMaxAcu: 0.5 ACU is outside what Aurora MySQL 3 accepts on every release the major 8.0 may resolve to; allowed: 1 to 128 ACU",
      ]);
      expect(acu(0.5, 256)[0]).to.match(
        /^openemr:fargate.auroraMaxAcu: 256 ACU.*allowed: 1 to 128/,
      );
      expect(acu(0.5, 128)).to.deep.equal([]);
    });
  });

  it(`runs the production OpenEMR build ${OPENEMR_PRODUCTION_VERSION} by default, not a nightly`, () => {
    const c = parseConfig({ "openemr:preset": "express" });
    expect(c.openemrImage).to.equal("openemr/openemr:8.0.0");
  });
});

describe("config refuses settings the preset would ignore", () => {
  it("refuses a load-balancer certificate on the express tiers, which have no load balancer", () => {
    for (const preset of ["express", "express-plus"]) {
      const problems = problemsOf({ "openemr:preset": preset, "openemr:certificateArn": CERT });
      expect(problems).to.have.length(1);
      expect(problems[0]).to.match(
        new RegExp(`^openemr:certificateArn: preset ${preset} has no load balancer`),
      );
    }
    expect(
      problemsOf({ "openemr:preset": "standard", "openemr:certificateArn": CERT }),
    ).to.deep.equal([]);
  });

  it("refuses a Let's Encrypt contact where the certificate comes from ACM", () => {
    for (const sets of [standard, fargate]) {
      const problems = problemsOf({ ...sets, "openemr:acmeEmail": "it@clinic.example" });
      expect(problems).to.have.length(1);
      expect(problems[0]).to.match(
        /^openemr:acmeEmail: preset (standard|fargate) takes its certificate from ACM/,
      );
    }
    expect(
      problemsOf({
        "openemr:preset": "express",
        "openemr:acmeEmail": "it@clinic.example",
        "openemr:domain": "emr.example.org",
        "openemr:hostedZoneId": "Z0123456789ABC",
      }),
    ).to.deep.equal([]);
  });
});
