// A setting the selected preset would accept and then ignore is refused with why and what to do;
// one that has an effect there is accepted.
import { expect } from "chai";
import { parseConfig, type OpenEmrConfig } from "../../config";
import { problemsOf } from "../helpers/config";

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000";
const ZONE = { "openemr:domain": "emr.example.org", "openemr:hostedZoneId": "Z0123456789ABC" };
const LOAD_BALANCED: Record<string, Record<string, string>> = {
  standard: { "openemr:preset": "standard" },
  fargate: { "openemr:preset": "fargate", "openemr:certificateArn": CERT },
};

describe("config refuses what the preset would ignore", () => {
  describe("maintenanceWindow and patchApprovalDelayDays", () => {
    it("are refused on fargate, which has no host to patch, and accepted on the EC2 tiers", () => {
      const patching = {
        "openemr:maintenanceWindow": "cron(0 9 ? * SAT *)",
        "openemr:patchApprovalDelayDays": "3",
      };
      expect(problemsOf({ ...LOAD_BALANCED.fargate, ...patching })).to.deep.equal(
        ["maintenanceWindow", "patchApprovalDelayDays"].map(
          (key) =>
            `openemr:${key}: preset fargate has no host to patch (Fargate patches the infrastructure its tasks run on; a new OpenEMR image rolls out through the service's deployment), so the setting would do nothing. Remove it`,
        ),
      );
      expect(problemsOf(LOAD_BALANCED.fargate)).to.deep.equal([]);
      for (const preset of ["express", "express-plus", "standard"]) {
        expect(problemsOf({ "openemr:preset": preset, ...patching }), preset).to.deep.equal([]);
      }
    });
  });

  describe("acmeEmail", () => {
    it("is refused on the express tiers without the domain and zone it is for", () => {
      for (const preset of ["express", "express-plus"]) {
        const raw = { "openemr:preset": preset, "openemr:acmeEmail": "it@clinic.example" };
        expect(problemsOf(raw)).to.deep.equal([
          `openemr:acmeEmail: got "it@clinic.example"; preset ${preset} uses it only for the Let's Encrypt certificate of openemr:domain (with openemr:hostedZoneId); without both the instance serves its self-signed certificate and the address is never used. Set openemr:domain and openemr:hostedZoneId, or remove it`,
        ]);
        expect(problemsOf({ ...raw, ...ZONE }), preset).to.deep.equal([]);
      }
    });
  });

  describe("auditTrail", () => {
    it("is refused on plain express, which creates no trail", () => {
      for (const value of ["create", "existing"]) {
        expect(
          problemsOf({ "openemr:preset": "express", "openemr:auditTrail": value }),
        ).to.deep.equal([
          `openemr:auditTrail: got "${value}"; preset express creates no CloudTrail trail (express-plus, standard and fargate do), so the setting would do nothing. Remove it, or use preset express-plus for a trail`,
        ]);
      }
    });

    it("creates a trail by default on the other presets, and none on express", () => {
      const trail = (raw: Record<string, string>): OpenEmrConfig["auditTrail"] =>
        parseConfig(raw).auditTrail;
      expect(trail({ "openemr:preset": "express" })).to.equal("none");
      expect(trail({ "openemr:preset": "express-plus" })).to.equal("create");
      expect(trail(LOAD_BALANCED.standard)).to.equal("create");
      expect(trail(LOAD_BALANCED.fargate)).to.equal("create");
      expect(trail({ ...LOAD_BALANCED.fargate, "openemr:auditTrail": "existing" })).to.equal(
        "existing",
      );
    });
  });

  describe("domain on the express tiers", () => {
    it("needs its hosted zone even with a certificate, and both are reported at once", () => {
      const problems = problemsOf({
        "openemr:preset": "express",
        "openemr:domain": "emr.example.org",
        "openemr:certificateArn": CERT,
      });
      expect(problems).to.have.length(2);
      expect(problems[0]).to.match(/^openemr:certificateArn: preset express has no load balancer/);
      expect(problems[1]).to.equal(
        'openemr:domain: got "emr.example.org" without openemr:hostedZoneId; preset express serves it with a Let\'s Encrypt certificate that the instance validates through Route 53, so set openemr:hostedZoneId (openemr:certificateArn is only for the load balancers of presets standard and fargate)',
      );
    });

    it("is served with a certificate on the load-balanced presets", () => {
      expect(
        problemsOf({ ...LOAD_BALANCED.standard, "openemr:domain": "emr.example.org" })[0],
      ).to.equal(
        'openemr:domain: got "emr.example.org" without openemr:hostedZoneId; preset standard\'s load balancer needs a certificate for it: set openemr:hostedZoneId (a certificate is requested and validated there), or openemr:certificateArn (a certificate you have in ACM)',
      );
      expect(
        problemsOf({
          ...LOAD_BALANCED.standard,
          "openemr:domain": "emr.example.org",
          "openemr:certificateArn": CERT,
        }),
      ).to.deep.equal([]);
    });
  });

  describe("the web firewall on standard", () => {
    for (const [field, value] of [
      ["wafMode", "count"],
      ["wafRateLimit", 5000],
    ] as const) {
      it(`refuses ${field} without a load balancer and takes it with one`, () => {
        const standard = JSON.stringify({ [field]: value });
        expect(
          problemsOf({ ...LOAD_BALANCED.standard, "openemr:standard": standard }),
        ).to.deep.equal([
          `openemr:standard.${field}: preset standard has a web firewall only in front of its load balancer, which it builds with openemr:certificateArn (or openemr:domain with openemr:hostedZoneId); without one the setting does nothing. Set a certificate, or remove it`,
        ]);
        for (const withLoadBalancer of [{ "openemr:certificateArn": CERT }, ZONE]) {
          expect(
            problemsOf({
              ...LOAD_BALANCED.standard,
              ...withLoadBalancer,
              "openemr:standard": standard,
            }),
          ).to.deep.equal([]);
        }
      });
    }
  });

  it("refuses a certificate from another region than the stack's", () => {
    const elsewhere = CERT.replace("us-east-1", "eu-west-1");
    for (const raw of Object.values(LOAD_BALANCED)) {
      expect(
        problemsOf({ ...raw, "openemr:certificateArn": elsewhere, "aws:region": "us-east-1" }),
      ).to.deep.equal([
        "openemr:certificateArn: got a certificate in eu-west-1, but aws:region is us-east-1; a load balancer only takes an ACM certificate from its own region. Request or import the certificate in us-east-1",
      ]);
      expect(
        problemsOf({ ...raw, "openemr:certificateArn": elsewhere, "aws:region": "eu-west-1" }),
      ).to.deep.equal([]);
    }
  });
});
