import { expect } from "chai";
import { PolicyConfigError } from "../../tools/policy/run";
import { findExemption, loadExemptions } from "../../policy/policies/registry";
import { mutate, setProp, type Target } from "../helpers/mutate";
import { check, named, standard, violationsOf } from "./verdict";

// The examples use cloudwatch-log-group-retention, a mandatory policy that enforces no HIPAA
// Security rule on its own: a policy that does (RULE_ENFORCED_BY) is exempted only by
// compliance/deviations.json, and its config exemptions are refused (the last test).
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const POLICY = "cloudwatch-log-group-retention";
const DATA: Target = [LOG_GROUP, "openemr-staging-system"];
const SCRATCH: Target = [LOG_GROUP, "openemr-staging-containers"];

/** The standard plan with two of its log groups keeping logs 30 days. */
async function twoVolumes() {
  return mutate(
    await standard(),
    setProp(DATA, "retentionInDays", 30),
    setProp(SCRATCH, "retentionInDays", 30),
  );
}

/** The standard plan with only the containers log group keeping logs 30 days. */
async function oneVolume() {
  return mutate(await standard(), setProp(SCRATCH, "retentionInDays", 30));
}

function exempt(...exemptions: Array<Record<string, string>>): Record<string, unknown> {
  return { "policy-exemptions": { exemptions } };
}

const justification =
  "Container logs hold no patient data (masked by the data protection policy); ticket 42.";
const scratch = "openemr-staging-containers";

describe("per-resource exemptions", () => {
  it("turn one resource's mandatory violation into an advisory labelled as exempted, with its justification", async () => {
    const plan = await twoVolumes();
    const block = await check(plan, exempt({ policy: POLICY, resource: scratch, justification }));
    const own = violationsOf(block, POLICY);
    expect(own.map((v) => v.urn)).to.deep.equal([named(plan, "openemr-staging-system").urn]);
    expect(own[0].level).to.equal("mandatory");
    const exempted = violationsOf(block, "exempted-violations");
    expect(exempted).to.have.length(1);
    expect(exempted[0]).to.include({ level: "advisory", urn: named(plan, scratch).urn });
    expect(exempted[0].message).to.match(
      /^\[exempted from cloudwatch-log-group-retention\] Log group "openemr-staging-containers" keeps logs 30 days/,
    );
    expect(exempted[0].message).to.include(`Justification: ${justification}`);
  });

  it("pass the stack when every mandatory violation is exempted", async () => {
    const plan = await oneVolume();
    expect((await check(plan)).passed).to.equal(false);
    const block = await check(plan, exempt({ policy: POLICY, resource: scratch, justification }));
    expect(block.passed).to.equal(true);
  });

  it("match a URN suffix that contains '::', but not a bare partial name", async () => {
    const plan = await twoVolumes();
    const bySuffix = await check(
      plan,
      exempt({
        policy: POLICY,
        resource: "aws:cloudwatch/logGroup:LogGroup::openemr-staging-system",
        justification,
      }),
    );
    expect(violationsOf(bySuffix, POLICY).map((v) => v.urn)).to.deep.equal([
      named(plan, scratch).urn,
    ]);
    const partial = await check(
      plan,
      exempt({ policy: POLICY, resource: "system", justification }),
    );
    expect(violationsOf(partial, POLICY)).to.have.length(2);
  });

  it("apply only to the named policy", async () => {
    const block = await check(
      await oneVolume(),
      exempt({ policy: "lb-hardening", resource: scratch, justification }),
    );
    expect(violationsOf(block, POLICY)).to.have.length(1);
    expect(violationsOf(block, "exempted-violations")).to.deep.equal([]);
  });

  it("work for stack policies", async () => {
    const plan = mutate(
      await standard(),
      setProp(
        [
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          "openemr-staging-audit-logs-encryption",
        ],
        "rules.0.applyServerSideEncryptionByDefault",
        { sseAlgorithm: "AES256" },
      ),
    );
    expect(violationsOf(await check(plan), "s3-bucket-encryption")).to.have.length(1);
    const block = await check(
      plan,
      exempt({
        policy: "s3-bucket-encryption",
        resource: "openemr-staging-audit-logs",
        justification: "AWS Marketplace export bucket requires SSE-S3.",
      }),
    );
    expect(violationsOf(block, "s3-bucket-encryption")).to.deep.equal([]);
    const exempted = violationsOf(block, "exempted-violations");
    expect(exempted.map((v) => v.urn)).to.deep.equal([
      named(plan, "openemr-staging-audit-logs").urn,
    ]);
    expect(exempted[0].message).to.include("[exempted from s3-bucket-encryption]");
  });

  it("require a non-blank justification, as the CLI's schema check would", async () => {
    for (const j of ["", "   "]) {
      let error: unknown;
      try {
        await check(
          await twoVolumes(),
          exempt({ policy: POLICY, resource: scratch, justification: j }),
        );
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(PolicyConfigError);
      expect((error as Error).message).to.include("policy-exemptions");
    }
  });

  it("report exemptions that name an unknown policy or match no resource", async () => {
    const block = await check(
      await twoVolumes(),
      exempt(
        { policy: "ebs-encrypted", resource: scratch, justification },
        { policy: POLICY, resource: "gone", justification },
      ),
    );
    const notes = violationsOf(block, "policy-exemptions");
    expect(notes.map((v) => v.level)).to.deep.equal(["advisory", "advisory"]);
    expect(notes[0].message).to.include('names policy "ebs-encrypted"');
    expect(notes[1].message).to.include('"gone" matches no resource');
    expect(violationsOf(block, POLICY)).to.have.length(2);
  });

  it("do not leak from one run into the next", async () => {
    await check(await twoVolumes(), exempt({ policy: POLICY, resource: scratch, justification }));
    const block = await check(await twoVolumes());
    expect(violationsOf(block, POLICY)).to.have.length(2);
    expect(violationsOf(block, "exempted-violations")).to.deep.equal([]);
  });

  it("stop applying when policy-exemptions is disabled", async () => {
    const block = await check(await twoVolumes(), {
      ...exempt({ policy: POLICY, resource: scratch, justification }),
      "policy-exemptions": {
        enforcementLevel: "disabled",
        exemptions: [{ policy: POLICY, resource: scratch, justification }],
      },
    });
    expect(violationsOf(block, POLICY)).to.have.length(2);
  });

  it("refuse an exemption from a policy that enforces a HIPAA Security rule (one list: compliance/deviations.json)", async () => {
    let error: unknown;
    try {
      await check(
        await oneVolume(),
        exempt({ policy: "ebs-in-backup-plan", resource: "openemr-staging-web", justification }),
      );
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(PolicyConfigError);
    const message = (error as Error).message;
    expect(message).to.include(
      'policy-exemptions: /exemptions/0/policy "ebs-in-backup-plan" is not allowed: Name of the policy. Not one that enforces a HIPAA Security rule',
    );
    expect(message).to.include("compliance/deviations.json instead");
    // and where the schema is not checked, the exemption does not apply
    loadExemptions([
      { policy: "ebs-in-backup-plan", resource: "openemr-staging-web", justification },
    ]);
    expect(findExemption("ebs-in-backup-plan", "urn:x", "openemr-staging-web")).to.equal(undefined);
    loadExemptions([]);
  });
});
