import { expect } from "chai";
import { ConfigError, parseConfig, isGravitonInstanceType } from "../config";

function problemsOf(raw: Record<string, string>): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const base = { "openemr:preset": "express", "openemr:allowedCidrs": '["203.0.113.0/24"]' };

describe("config validation", () => {
  it("applies the defaults a new clinic gets", () => {
    const c = parseConfig({ "openemr:preset": "express" });
    expect(c.preset).to.equal("express");
    expect(c.allowedCidrs).to.deep.equal([]);
    expect(c.architecture).to.equal("arm64");
    expect(c.logRetentionDays).to.equal(2192);
    expect(c.protectData).to.equal(true);
    expect(c.openemrImage).to.equal("openemr/openemr:8.0.0");
    if (c.preset !== "express") throw new Error("preset");
    expect(c.settings).to.deep.equal({
      instanceType: "t4g.small",
      rootVolumeGb: 20,
      snapshotRetentionDays: 14,
      swapGb: 2,
      detailedMonitoring: false,
    });
  });

  it("lets t4g.micro be selected and merges preset overrides with defaults", () => {
    const c = parseConfig({ ...base, "openemr:express": '{"instanceType":"t4g.micro"}' });
    if (c.preset !== "express") throw new Error("preset");
    expect(c.settings.instanceType).to.equal("t4g.micro");
    expect(c.settings.rootVolumeGb).to.equal(20);
  });

  it("refuses an unknown preset, naming the key, the value and what is allowed", () => {
    expect(problemsOf({ "openemr:preset": "expresss" })).to.deep.equal([
      'openemr:preset: got "expresss"; allowed: express, express-plus, standard, fargate',
    ]);
  });

  it("requires a preset", () => {
    expect(problemsOf({})).to.deep.equal([
      "openemr:preset: is required; allowed: express, express-plus, standard, fargate",
    ]);
  });

  it("refuses unknown keys in the openemr namespace", () => {
    const problems = problemsOf({ ...base, "openemr:instanceSize": "large" });
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(
      /^openemr:instanceSize: unknown key; allowed keys: preset, allowedCidrs/,
    );
  });

  it("refuses unknown keys inside a preset's settings", () => {
    expect(problemsOf({ ...base, "openemr:express": '{"instanceTyp":"t4g.small"}' })).to.deep.equal(
      [
        'openemr:express: unknown key "instanceTyp" (did you mean "instanceType"?); allowed keys: instanceType, rootVolumeGb, snapshotRetentionDays, swapGb, detailedMonitoring',
      ],
    );
  });

  it("takes an IAM policy ARN as the permissions boundary, and refuses anything else", () => {
    const arn = "arn:aws:iam::123456789012:policy/boundaries/openemr-workload-boundary";
    expect(
      parseConfig({ ...base, "openemr:iamPermissionsBoundary": arn }).iamPermissionsBoundary,
    ).to.equal(arn);
    for (const bad of [
      "openemr-workload-boundary",
      "arn:aws:iam::123456789012:role/x",
      "arn:aws:iam::1234:policy/x",
    ]) {
      expect(problemsOf({ ...base, "openemr:iamPermissionsBoundary": bad })).to.deep.equal([
        `openemr:iamPermissionsBoundary: got "${bad}"; must be an IAM policy ARN such as arn:aws:iam::123456789012:policy/openemr-workload-boundary`,
      ]);
    }
  });

  it("refuses malformed CIDR blocks", () => {
    expect(problemsOf({ ...base, "openemr:allowedCidrs": '["10.0.0.300/24"]' })).to.deep.equal([
      'openemr:allowedCidrs[0]: got "10.0.0.300/24"; expected an IPv4 or IPv6 CIDR block such as 203.0.113.0/24',
    ]);
  });

  it("refuses CIDR blocks with host bits set and names the network address", () => {
    expect(problemsOf({ ...base, "openemr:allowedCidrs": '["203.0.113.7/24"]' })).to.deep.equal([
      'openemr:allowedCidrs[0]: got "203.0.113.7/24"; host bits are set, use the network address 203.0.113.0/24',
    ]);
  });

  it("refuses world-open ingress without allowWorldIngress", () => {
    for (const cidr of ["0.0.0.0/0", "::/0", "0.0.0.0/1", "2000::/3"]) {
      const problems = problemsOf({ ...base, "openemr:allowedCidrs": JSON.stringify([cidr]) });
      expect(problems).to.have.length(1);
      expect(problems[0]).to.contain(
        `got "${cidr}"; a block this broad opens OpenEMR to the internet`,
      );
      expect(problems[0]).to.contain("openemr:allowWorldIngress");
    }
  });

  it("accepts world-open ingress only with the explicit opt-in", () => {
    const c = parseConfig({
      ...base,
      "openemr:allowedCidrs": '["0.0.0.0/0","::/0"]',
      "openemr:allowWorldIngress": "true",
    });
    expect(c.allowedCidrs).to.deep.equal(["0.0.0.0/0", "::/0"]);
  });

  it("accepts IPv6 blocks", () => {
    const c = parseConfig({
      ...base,
      "openemr:allowedCidrs": '["2001:db8::/32","198.51.100.0/24"]',
    });
    expect(c.allowedCidrs).to.have.length(2);
  });

  it("refuses a retention CloudWatch Logs does not accept", () => {
    const problems = problemsOf({ ...base, "openemr:logRetentionDays": "2000" });
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(
      /^openemr:logRetentionDays: got 2000; must be a value CloudWatch Logs accepts: 1, 3, 5/,
    );
  });

  it("refuses an x86 instance type on arm64 and an arm type on x86_64", () => {
    expect(problemsOf({ ...base, "openemr:express": '{"instanceType":"t3.small"}' })[0]).to.equal(
      'openemr:express.instanceType: got "t3.small"; openemr:architecture is arm64, allowed: Graviton types such as t4g.micro, t4g.small, m7g.large',
    );
    expect(
      problemsOf({
        ...base,
        "openemr:architecture": "x86_64",
        "openemr:express": '{"instanceType":"t4g.small"}',
      })[0],
    ).to.contain("openemr:architecture is x86_64");
  });

  it("picks an x86 default instance type on x86_64", () => {
    const c = parseConfig({ ...base, "openemr:architecture": "x86_64" });
    if (c.preset !== "express") throw new Error("preset");
    expect(c.settings.instanceType).to.equal("t3.small");
  });

  it("refuses negative and absurd sizes", () => {
    expect(problemsOf({ ...base, "openemr:express": '{"rootVolumeGb":-5}' })).to.deep.equal([
      "openemr:express.rootVolumeGb: got -5; must be at least 20 GiB",
    ]);
    expect(problemsOf({ ...base, "openemr:express": '{"rootVolumeGb":100000}' })).to.deep.equal([
      "openemr:express.rootVolumeGb: got 100000; must be at most 1024 GiB",
    ]);
    expect(problemsOf({ ...base, "openemr:express": '{"rootVolumeGb":"big"}' })).to.deep.equal([
      'openemr:express.rootVolumeGb: expected a number, got the string "big" (must be a whole number of GiB)',
    ]);
  });

  it("refuses moving image tags", () => {
    expect(problemsOf({ ...base, "openemr:openemrVersion": "latest" })[0]).to.match(
      /^openemr:openemrVersion: got "latest"; must be a released OpenEMR image version/,
    );
  });

  it("pins the image by digest when one is given", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    const c = parseConfig({ ...base, "openemr:openemrImageDigest": digest });
    expect(c.openemrImage).to.equal(`openemr/openemr:8.0.0@${digest}`);
  });

  it("refuses settings for a preset other than the selected one", () => {
    expect(problemsOf({ ...base, "openemr:fargate": '{"minTasks":2}' })).to.deep.equal([
      'openemr:fargate: settings for preset "fargate" but openemr:preset is "express"; remove them or change the preset',
    ]);
  });

  it("requires a certificate when the preset terminates TLS at a load balancer", () => {
    const problems = problemsOf({ "openemr:preset": "fargate" });
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^openemr:certificateArn: is required by preset fargate/);
  });

  it("refuses a domain without a way to validate its certificate", () => {
    expect(problemsOf({ ...base, "openemr:domain": "emr.example.org" })[0]).to.match(
      /^openemr:domain: got "emr.example.org" without openemr:hostedZoneId/,
    );
  });

  it("checks Fargate task sizes and ranges across fields", () => {
    const arn =
      "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000";
    const problems = problemsOf({
      "openemr:preset": "fargate",
      "openemr:certificateArn": arn,
      "openemr:fargate": '{"cpu":1024,"memory":512,"minTasks":5,"maxTasks":2,"auroraMinAcu":0.25}',
    });
    expect(problems).to.include(
      "openemr:fargate.auroraMinAcu: got 0.25; must be a multiple of 0.5 ACU",
    );
  });

  it("reports every problem at once", () => {
    const problems = problemsOf({
      "openemr:preset": "express",
      "openemr:allowedCidrs": '["0.0.0.0/0","bogus"]',
      "openemr:express": '{"instanceType":"t3.small"}',
    });
    expect(problems).to.have.length(3);
  });

  it("treats empty values as unset", () => {
    expect(parseConfig({ ...base, "openemr:domain": "" }).domain).to.equal(undefined);
  });

  it("recognises Graviton instance families", () => {
    for (const t of ["t4g.micro", "m7g.large", "c7gn.xlarge", "r8g.medium", "m6gd.large"]) {
      expect(isGravitonInstanceType(t), t).to.equal(true);
    }
    for (const t of ["t3.small", "t3a.small", "m7i-flex.large", "g5.xlarge", "c6i.large"]) {
      expect(isGravitonInstanceType(t), t).to.equal(false);
    }
  });
});
