// What the problems say: all of them at once, type errors as type errors, JSON errors with their
// position.
import { expect } from "chai";
import { problemsOf } from "../helpers/config";

describe("config problems", () => {
  describe("all at once", () => {
    it("reports the common settings and the preset's object together", () => {
      expect(
        problemsOf({
          "openemr:preset": "standard",
          "openemr:protectData": "yes",
          "openemr:logRetentionDays": "2000",
          "openemr:standard": '{"multiAz":"no","dbAllocatedStorageGb":5}',
        }),
      ).to.deep.equal([
        "openemr:logRetentionDays: got 2000; must be a value CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
        'openemr:protectData: expected a boolean (true or false), got the string "yes"',
        "openemr:standard.dbAllocatedStorageGb: got 5; must be at least 20 GiB",
        'openemr:standard.multiAz: expected a boolean (true or false), got the string "no"',
      ]);
    });

    it("checks the preset's cross-field rules when the common settings are wrong", () => {
      const problems = problemsOf({
        "openemr:preset": "fargate",
        "openemr:alarmEmail": "nobody",
        "openemr:certificateArn":
          "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000",
        "openemr:fargate": '{"cpu":256,"memory":4096}',
      });
      expect(problems).to.have.length(2);
      expect(problems[0]).to.match(/^openemr:alarmEmail: got "nobody"; must be an e-mail address/);
      expect(problems[1]).to.match(/^openemr:fargate.memory: 4096 MiB is not valid with cpu 256/);
    });

    it("checks every preset object given when the preset itself is wrong", () => {
      expect(
        problemsOf({ "openemr:preset": "standrad", "openemr:standard": '{"multiAz":1}' }),
      ).to.deep.equal([
        'openemr:preset: got "standrad"; allowed: express, express-plus, standard, fargate',
        "openemr:standard.multiAz: expected a boolean (true or false), got the number 1",
      ]);
    });

    it("reports a bad stack name with the settings' problems", () => {
      expect(
        problemsOf({ "openemr:preset": "express", "openemr:swap": "1" }, "Prod"),
      ).to.have.length(2);
    });

    it("skips the checks that need a refused setting instead of guessing", () => {
      // architecture refused: the instance type's architecture is not judged against a default
      expect(
        problemsOf({
          "openemr:preset": "express",
          "openemr:architecture": "sparc",
          "openemr:express": '{"instanceType":"t3.small"}',
        }),
      ).to.deep.equal(['openemr:architecture: got "sparc"; allowed: arm64, x86_64']);
      // allowedCidrs unreadable: allowWorldIngress is not called unused
      expect(
        problemsOf({
          "openemr:preset": "express",
          "openemr:allowedCidrs": "[0]",
          "openemr:allowWorldIngress": "true",
        }),
      ).to.deep.equal(["openemr:allowedCidrs[0]: expected a string, got the number 0"]);
    });
  });

  describe("types", () => {
    it('says "expected a number, got the string" for a quoted number', () => {
      expect(
        problemsOf({
          "openemr:preset": "standard",
          "openemr:standard": '{"dbBackupRetentionDays":"30"}',
        }),
      ).to.deep.equal([
        'openemr:standard.dbBackupRetentionDays: expected a number, got the string "30" (must be a whole number of days); write it without quotes in Pulumi.<stack>.yaml',
      ]);
    });

    it("says how a fraction stays a number with pulumi config set --path", () => {
      expect(
        problemsOf({
          "openemr:preset": "fargate",
          "openemr:certificateArn":
            "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000",
          "openemr:fargate": '{"auroraMaxAcu":"0.5"}',
        }),
      ).to.deep.equal([
        'openemr:fargate.auroraMaxAcu: expected a number, got the string "0.5" (must be a number of Aurora capacity units); write it without quotes in Pulumi.<stack>.yaml (pulumi config set --path stores a fraction as a string unless given --type float)',
      ]);
    });

    it("names what was given instead of an object", () => {
      expect(
        problemsOf({ "openemr:preset": "express", "openemr:express": "instanceType=t4g.micro" }),
      ).to.deep.equal([
        'openemr:express: expected an object, got the string "instanceType=t4g.micro"',
      ]);
      expect(
        problemsOf({ "openemr:preset": "express", "openemr:express": '["t4g.micro"]' }),
      ).to.deep.equal(['openemr:express: expected an object, got the list ["t4g.micro"]']);
    });

    it("suggests the key a typo meant", () => {
      expect(
        problemsOf({ "openemr:preset": "express", "openemr:alarmEmial": "a@b.org" })[0],
      ).to.match(
        /^openemr:alarmEmial: unknown key \(did you mean openemr:alarmEmail\?\); allowed keys: preset, /,
      );
    });
  });

  describe("JSON", () => {
    it("shows the parse error and its position for an object setting", () => {
      const [problem, ...rest] = problemsOf({
        "openemr:preset": "standard",
        "openemr:standard": '{"multiAz":false,}',
      });
      expect(rest).to.deep.equal([]);
      expect(problem).to.match(
        /^openemr:standard: not valid JSON \(.*at position 17.*\): \{"multiAz":false,\}$/,
      );
    });

    it("shows it for a list setting, and still checks the rest", () => {
      const problems = problemsOf({
        "openemr:preset": "express",
        "openemr:allowedCidrs": '["203.0.113.0/24"',
        "openemr:vpcCidr": "10.0.0.0/8",
      });
      expect(problems).to.have.length(2);
      expect(problems[0]).to.match(/^openemr:allowedCidrs: not valid JSON \(.*position 17.*\)/);
      expect(problems[1]).to.match(/^openemr:vpcCidr: got "10.0.0.0\/8"/);
    });
  });
});
