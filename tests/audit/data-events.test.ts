// AuditTrail's optional S3 data events: with no bucket the trail keeps its basic selector (all
// management events); with buckets it records all management events and the write-only object
// events of those buckets through advanced event selectors, and refuses its own bucket.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { AuditTrail, trailEventSelectors } from "../../components/audit/audit-trail";
import { type ComponentPlan, planComponent } from "../components/harness";

const TRAIL = "aws:cloudtrail/trail:Trail";
const BACKUPS = "arn:aws:s3:::openemr-test-backups-0123";

/** An AuditTrail beside a backups bucket; `dataEvents` picks the ARNs it records data events on. */
function build(name: string, dataEvents?: (backups: aws.s3.Bucket) => pulumi.Input<string>[]) {
  return () => {
    const key = new aws.kms.Key("audit-key", { description: "test" });
    const backups = new aws.s3.Bucket("backups", { bucket: "openemr-test-backups-0123" });
    const trail = new AuditTrail(name, {
      region: "us-east-1",
      kmsKeyArn: key.arn,
      retentionDays: 365,
      logGroupPrefix: "/openemr/test",
      protect: false,
      ...(dataEvents ? { dataEventBucketArns: dataEvents(backups) } : {}),
    });
    return { backupsArn: backups.arn, trailBucketArn: trail.bucket.arn };
  };
}

describe("AuditTrail data events", () => {
  describe("without data-event buckets", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(build("audit"));
    });

    it("keeps the basic selector: all management events, read and write, no data events", () => {
      const trail = p.named("audit-trail", TRAIL);
      expect(trail.props.eventSelectors).to.deep.equal([
        { readWriteType: "All", includeManagementEvents: true },
      ]);
      expect(trail.props).to.not.have.property("advancedEventSelectors");
    });
  });

  describe("with the backup bucket", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(build("audit", (backups) => [backups.arn]));
    });

    it("records all management events and the backup bucket's object writes and deletions, not reads", () => {
      const trail = p.named("audit-trail", TRAIL);
      expect(p.outputs.backupsArn).to.equal(BACKUPS);
      expect(trail.props).to.not.have.property("eventSelectors");
      expect(trail.props.advancedEventSelectors).to.deep.equal([
        {
          name: "All management events",
          fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }],
        },
        {
          name: "Object writes and deletions in the backup buckets",
          fieldSelectors: [
            { field: "eventCategory", equals: ["Data"] },
            { field: "resources.type", equals: ["AWS::S3::Object"] },
            { field: "readOnly", equals: ["false"] },
            { field: "resources.ARN", startsWiths: [`${BACKUPS}/`] },
          ],
        },
      ]);
      expect(p.dependenciesOf(trail, "advancedEventSelectors").map((r) => r.name)).to.include(
        "backups",
      );
    });

    it("keeps the rest of the trail as it was", () => {
      const trail = p.named("audit-trail", TRAIL);
      expect(trail.props).to.deep.include({
        name: "audit-trail",
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
        enableLogging: true,
      });
    });
  });

  describe("the selectors (pure)", () => {
    it("follow CloudTrail's field rules: Equals on eventCategory, resources.type and readOnly; the bucket ARN with its trailing slash", () => {
      const [management, data] = trailEventSelectors([BACKUPS, "arn:aws-us-gov:s3:::other"]);
      expect(management.fieldSelectors).to.deep.equal([
        { field: "eventCategory", equals: ["Management"] },
      ]);
      for (const f of data.fieldSelectors) {
        if (["eventCategory", "resources.type", "readOnly"].includes(f.field)) {
          expect(Object.keys(f).sort(), f.field).to.deep.equal(["equals", "field"]);
        }
      }
      expect(data.fieldSelectors.at(-1)).to.deep.equal({
        field: "resources.ARN",
        startsWiths: [`${BACKUPS}/`, "arn:aws-us-gov:s3:::other/"],
      });
      for (const s of [management, data]) expect(s.name.length).to.be.at.most(1000);
    });

    it("only the management selector when no bucket is given", () => {
      expect(trailEventSelectors([])).to.have.length(1);
    });

    it("refuses what is not a bucket ARN (an object ARN, a bucket name)", () => {
      expect(() => trailEventSelectors([`${BACKUPS}/backups/openemr/`])).to.throw(
        /is not an S3 bucket ARN/,
      );
      expect(() => trailEventSelectors(["openemr-test-backups-0123"])).to.throw(
        /is not an S3 bucket ARN/,
      );
    });
  });

  it("refuses data events on the trail's own bucket (each delivery would be a new event)", async () => {
    // learn the own bucket's ARN from a first run, then ask for it
    const first = await planComponent(build("audit"));
    const ownArn = first.outputs.trailBucketArn as string;
    expect(ownArn).to.match(/^arn:aws:s3:::/);
    let error: unknown;
    await planComponent(build("audit", () => [ownArn])).catch((err: unknown) => (error = err));
    expect(String(error)).to.contain(
      "audit: the trail cannot record data events on its own bucket",
    );
  });
});
