import { expect } from "chai";
import { PolicyConfigError } from "../../tools/policy/run";
import { copyResource, mutate, setProp, type Target } from "../helpers/mutate";
import { check, named, standard, violationsOf } from "./verdict";

const VOLUME = "aws:ebs/volume:Volume";
const DATA: Target = [VOLUME, "openemr-staging-web-data"];
const SCRATCH: Target = [VOLUME, "openemr-staging-web-scratch"];

/** The standard plan with its data volume, and a copy of it ("scratch"), both unencrypted. */
async function twoVolumes() {
  return mutate(
    await standard(),
    copyResource(DATA, "openemr-staging-web-scratch"),
    setProp(DATA, "encrypted", false),
    setProp(SCRATCH, "encrypted", false),
  );
}

/** The standard plan with only the scratch copy of the data volume unencrypted. */
async function oneVolume() {
  return mutate(
    await standard(),
    copyResource(DATA, "openemr-staging-web-scratch"),
    setProp(SCRATCH, "encrypted", false),
  );
}

function exempt(...exemptions: Array<Record<string, string>>): Record<string, unknown> {
  return { "policy-exemptions": { exemptions } };
}

const justification =
  "Scratch volume holds no patient data; replaced by an encrypted volume in ticket 42.";
const scratch = "openemr-staging-web-scratch";

describe("per-resource exemptions", () => {
  it("turn one resource's mandatory violation into an advisory labelled as exempted, with its justification", async () => {
    const plan = await twoVolumes();
    const block = await check(
      plan,
      exempt({ policy: "ebs-volume-encrypted", resource: scratch, justification }),
    );
    const own = violationsOf(block, "ebs-volume-encrypted");
    expect(own.map((v) => v.urn)).to.deep.equal([named(plan, "openemr-staging-web-data").urn]);
    expect(own[0].level).to.equal("mandatory");
    const exempted = violationsOf(block, "exempted-violations");
    expect(exempted).to.have.length(1);
    expect(exempted[0]).to.include({ level: "advisory", urn: named(plan, scratch).urn });
    expect(exempted[0].message).to.match(
      /^\[exempted from ebs-volume-encrypted\] EBS volume "openemr-staging-web-scratch" is not encrypted/,
    );
    expect(exempted[0].message).to.include(`Justification: ${justification}`);
  });

  it("pass the stack when every mandatory violation is exempted", async () => {
    const plan = await oneVolume();
    expect((await check(plan)).passed).to.equal(false);
    const block = await check(
      plan,
      exempt(
        { policy: "ebs-volume-encrypted", resource: scratch, justification },
        // the scratch volume is in no AWS Backup selection either (HIPAA ebs-in-backup-plan)
        { policy: "ebs-in-backup-plan", resource: scratch, justification },
      ),
    );
    expect(block.passed).to.equal(true);
  });

  it("match a URN suffix that contains '::', but not a bare partial name", async () => {
    const plan = await twoVolumes();
    const bySuffix = await check(
      plan,
      exempt({
        policy: "ebs-volume-encrypted",
        resource: "aws:ebs/volume:Volume::openemr-staging-web-data",
        justification,
      }),
    );
    expect(violationsOf(bySuffix, "ebs-volume-encrypted").map((v) => v.urn)).to.deep.equal([
      named(plan, scratch).urn,
    ]);
    const partial = await check(
      plan,
      exempt({ policy: "ebs-volume-encrypted", resource: "web-data", justification }),
    );
    expect(violationsOf(partial, "ebs-volume-encrypted")).to.have.length(2);
  });

  it("apply only to the named policy", async () => {
    const block = await check(
      await oneVolume(),
      exempt({ policy: "efs-encrypted", resource: scratch, justification }),
    );
    expect(violationsOf(block, "ebs-volume-encrypted")).to.have.length(1);
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
          exempt({ policy: "ebs-volume-encrypted", resource: scratch, justification: j }),
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
        { policy: "ebs-volume-encrypted", resource: "gone", justification },
      ),
    );
    const notes = violationsOf(block, "policy-exemptions");
    expect(notes.map((v) => v.level)).to.deep.equal(["advisory", "advisory"]);
    expect(notes[0].message).to.include('names policy "ebs-encrypted"');
    expect(notes[1].message).to.include('"gone" matches no resource');
    expect(violationsOf(block, "ebs-volume-encrypted")).to.have.length(2);
  });

  it("do not leak from one run into the next", async () => {
    await check(
      await twoVolumes(),
      exempt({ policy: "ebs-volume-encrypted", resource: scratch, justification }),
    );
    const block = await check(await twoVolumes());
    expect(violationsOf(block, "ebs-volume-encrypted")).to.have.length(2);
    expect(violationsOf(block, "exempted-violations")).to.deep.equal([]);
  });

  it("stop applying when policy-exemptions is disabled", async () => {
    const block = await check(await twoVolumes(), {
      ...exempt({ policy: "ebs-volume-encrypted", resource: scratch, justification }),
      "policy-exemptions": {
        enforcementLevel: "disabled",
        exemptions: [{ policy: "ebs-volume-encrypted", resource: scratch, justification }],
      },
    });
    expect(violationsOf(block, "ebs-volume-encrypted")).to.have.length(2);
  });
});
