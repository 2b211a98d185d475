// parseConfig sees the whole config map (index.ts passes pulumi.runtime.allConfig()): keys the
// program would not read are refused, in `pulumi up` and in the offline plan alike.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { Region } from "@pulumi/aws/types/enums";
import { PROJECT } from "../../config";
import { AWS_PROVIDER_KEYS, AWS_REGIONS } from "../../presets/aws";
import { ROOT } from "../helpers/plan";
import { problemsOf } from "../helpers/config";

const base = { "openemr:preset": "express", "aws:region": "us-east-1" };

describe("config namespaces", () => {
  it("names the project after Pulumi.yaml, whose namespace a plain `pulumi config set` writes", () => {
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
      name: string;
    };
    expect(PROJECT).to.equal(project.name);
  });

  it("refuses a setting in the project's namespace and says where it belongs", () => {
    expect(problemsOf({ ...base, "openemr-aws:alarmEmail": "it@clinic.example" })).to.deep.equal([
      "openemr-aws:alarmEmail: is in the project's namespace, where `pulumi config set alarmEmail …` (a key without a namespace) puts it; the program reads only openemr:<key>, so this value would be ignored. Move it: pulumi config set openemr:alarmEmail <value> (with --secret if it is one), then pulumi config rm alarmEmail",
    ]);
  });

  it("refuses a key of the project's namespace that is no setting, suggesting the nearest", () => {
    expect(problemsOf({ ...base, "openemr-aws:alarmEmial": "x" })[0]).to.equal(
      'openemr-aws:alarmEmial: is in the project\'s namespace, where `pulumi config set alarmEmial …` (a key without a namespace) puts it; the program reads only openemr:<key> and has no setting "alarmEmial" (did you mean openemr:alarmEmail?). Remove it: pulumi config rm alarmEmial',
    );
  });

  it("refuses an aws: key the provider does not have and suggests the closest", () => {
    expect(problemsOf({ ...base, "aws:regoin": "us-east-1" })).to.deep.equal([
      "aws:regoin: not a setting of the AWS provider (@pulumi/aws), which refuses it; did you mean aws:region?",
    ]);
    expect(problemsOf({ ...base, "aws:skipCredentialValidation": "true" })[0]).to.match(
      /did you mean aws:skipCredentialsValidation\?$/,
    );
  });

  it("lists the provider's keys when no known key is near the unknown one", () => {
    const [problem] = problemsOf({ ...base, "aws:account_id": "123456789012" });
    expect(problem).to.match(/^aws:account_id: not a setting of the AWS provider/);
    expect(problem).to.contain("its settings: accessKey, allowedAccountIds,");
  });

  it("takes the provider's keys from @pulumi/aws's config/vars.d.ts", () => {
    const declared = fs
      .readFileSync(path.join(ROOT, "node_modules/@pulumi/aws/config/vars.d.ts"), "utf8")
      .matchAll(/^export declare const (\w+):/gm);
    expect(AWS_PROVIDER_KEYS).to.deep.equal([...declared].map((m) => m[1]));
    expect(AWS_PROVIDER_KEYS).to.include.members(["region", "profile", "defaultTags"]);
  });

  it("accepts the provider's own keys", () => {
    expect(
      problemsOf({
        ...base,
        "aws:profile": "clinic",
        "aws:defaultTags": '{"tags":{"owner":"it"}}',
        "aws:skipRequestingAccountId": "false",
      }),
    ).to.deep.equal([]);
  });

  it("refuses a key whose namespace is a misspelling of openemr or aws", () => {
    expect(problemsOf({ ...base, "opnemr:alarmEmail": "it@clinic.example" })).to.deep.equal([
      'opnemr:alarmEmail: unknown namespace "opnemr" (did you mean openemr:alarmEmail?); the program reads openemr:<key> and the AWS provider aws:<key>, so this value would be ignored',
    ]);
    expect(problemsOf({ ...base, "asw:profile": "clinic" })[0]).to.match(
      /^asw:profile: unknown namespace "asw" \(did you mean aws:profile\?\)/,
    );
    expect(problemsOf({ ...base, "openemr_aws:preset": "x" })[0]).to.match(
      /did you mean openemr:preset\?/,
    );
  });

  it("leaves namespaces that are no misspelling alone (the engine's, other tools')", () => {
    expect(problemsOf({ ...base, "pulumi:tags": '{"team":"it"}', "esc:env": "x" })).to.deep.equal(
      [],
    );
  });

  describe("aws:region", () => {
    it("refuses a region that does not exist, listing the real ones", () => {
      const [problem] = problemsOf({ ...base, "aws:region": "mars-1" });
      expect(problem).to.match(
        /^aws:region: got "mars-1"; not an AWS region\. Allowed \(commercial and GovCloud regions\): us-east-1, us-east-2,/,
      );
      expect(problem).to.contain("us-gov-west-1");
    });

    it("refuses an empty region and says how to set one", () => {
      expect(problemsOf({ ...base, "aws:region": "" })[0]).to.match(
        /^aws:region: is empty; set the region to deploy into \(pulumi config set aws:region us-east-1\)\. Allowed/,
      );
    });

    it("suggests the region a typo meant", () => {
      expect(problemsOf({ ...base, "aws:region": "eu-west1" })[0]).to.match(
        /^aws:region: got "eu-west1"; not an AWS region \(did you mean eu-west-1\?\)/,
      );
    });

    it("accepts every commercial and GovCloud region, and only regions @pulumi/aws knows", () => {
      const known: string[] = Object.values(Region);
      for (const region of AWS_REGIONS) {
        expect(known, region).to.include(region);
        expect(problemsOf({ ...base, "aws:region": region }), region).to.deep.equal([]);
      }
      expect(AWS_REGIONS).to.include.members(["us-east-1", "eu-central-1", "us-gov-west-1"]);
      expect(AWS_REGIONS).to.not.include("cn-north-1");
    });
  });

  it("reports these with the openemr settings' problems, all at once", () => {
    expect(
      problemsOf({
        "openemr:preset": "express",
        "openemr:protectData": "maybe",
        "openemr-aws:preset": "fargate",
        "aws:regoin": "us-east-1",
      }),
    ).to.have.length(3);
  });
});
