import { expect } from "chai";
import { cloudTrailBucketStatements, trailArn } from "../../components/audit/audit-trail";
import type { PlanFile } from "../../tools/plan/types";
import { planStack } from "../helpers/plan";
import { ofType, one, prop } from "../helpers/resources";
import { type PolicyRequest, allows } from "../keys/evaluate";

const ACCOUNT = "123456789012";
const OTHER = "210987654321";
const BUCKET = "arn:aws:s3:::openemr-dev-audit-logs-0123";
const TRAIL = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/openemr-dev-audit-trail`;

const cloudTrail = (
  action: string,
  resource: string,
  context: Record<string, string>,
): PolicyRequest => ({
  principal: { service: "cloudtrail.amazonaws.com" },
  action,
  resource,
  context,
});
const delivery = (overrides: Record<string, string> = {}) => ({
  "aws:SourceArn": TRAIL,
  "s3:x-amz-acl": "bucket-owner-full-control",
  ...overrides,
});
const logFile = `${BUCKET}/AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/01/01/file.json.gz`;

describe("audit trail bucket policy", () => {
  const statements = cloudTrailBucketStatements(BUCKET, ACCOUNT, TRAIL);

  it("computes the trail's ARN from its name, before the trail exists", () => {
    expect(trailArn("aws", "us-east-1", ACCOUNT, "openemr-dev-audit-trail")).to.equal(TRAIL);
    expect(trailArn("aws-us-gov", "us-gov-west-1", ACCOUNT, "t")).to.equal(
      `arn:aws-us-gov:cloudtrail:us-gov-west-1:${ACCOUNT}:trail/t`,
    );
  });

  it("lets this trail check the bucket ACL and write this account's log files, owned by the bucket owner", () => {
    expect(
      allows(statements, cloudTrail("s3:GetBucketAcl", BUCKET, { "aws:SourceArn": TRAIL })),
    ).to.equal(true);
    expect(allows(statements, cloudTrail("s3:PutObject", logFile, delivery()))).to.equal(true);
  });

  it("refuses any other trail, in this account or another", () => {
    const otherAccount = `arn:aws:cloudtrail:us-east-1:${OTHER}:trail/openemr-dev-audit-trail`;
    const otherTrail = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/someone-elses-trail`;
    for (const sourceArn of [otherAccount, otherTrail]) {
      expect(
        allows(
          statements,
          cloudTrail("s3:PutObject", logFile, delivery({ "aws:SourceArn": sourceArn })),
        ),
        sourceArn,
      ).to.equal(false);
      expect(
        allows(statements, cloudTrail("s3:GetBucketAcl", BUCKET, { "aws:SourceArn": sourceArn })),
        sourceArn,
      ).to.equal(false);
    }
    const noSource: Record<string, string> = delivery();
    delete noSource["aws:SourceArn"];
    expect(
      allows(statements, cloudTrail("s3:PutObject", logFile, noSource)),
      "no aws:SourceArn",
    ).to.equal(false);
  });

  it("refuses writes outside AWSLogs/<this account>/ and writes that would not be the bucket owner's", () => {
    const foreignPrefix = `${BUCKET}/AWSLogs/${OTHER}/CloudTrail/file.json.gz`;
    expect(allows(statements, cloudTrail("s3:PutObject", foreignPrefix, delivery()))).to.equal(
      false,
    );
    expect(
      allows(statements, cloudTrail("s3:PutObject", `${BUCKET}/other/file`, delivery())),
    ).to.equal(false);
    expect(
      allows(
        statements,
        cloudTrail("s3:PutObject", logFile, delivery({ "s3:x-amz-acl": "private" })),
      ),
    ).to.equal(false);
    expect(
      allows(statements, {
        principal: { account: ACCOUNT },
        action: "s3:PutObject",
        resource: logFile,
        context: delivery(),
      }),
      "only the CloudTrail service principal",
    ).to.equal(false);
  });

  for (const [stack, description] of [
    ["staging", "standard"],
    ["prod", "fargate"],
  ] as const) {
    describe(`in the ${stack} plan (${description})`, function () {
      let plan: PlanFile;
      before(async () => {
        plan = await planStack(stack);
      });

      it("scopes the bucket policy to the trail the stack creates, and creates the policy first", () => {
        const trail = one(plan, "aws:cloudtrail/trail:Trail");
        const arn = trailArn("aws", plan.region, ACCOUNT, prop<string>(trail, "name"));
        const policies = ofType(plan, "aws:s3/bucketPolicy:BucketPolicy").filter((p) =>
          prop<string>(p, "policy").includes("cloudtrail.amazonaws.com"),
        );
        expect(policies).to.have.length(1);
        const doc = JSON.parse(prop<string>(policies[0], "policy")) as {
          Statement: {
            Sid: string;
            Principal?: unknown;
            Resource: string | string[];
            Condition?: Record<string, Record<string, string>>;
          }[];
        };
        const forCloudTrail = doc.Statement.filter(
          (s) =>
            JSON.stringify(s.Principal) === JSON.stringify({ Service: "cloudtrail.amazonaws.com" }),
        );
        expect(forCloudTrail.map((s) => s.Sid)).to.deep.equal([
          "CloudTrailChecksBucketAcl",
          "CloudTrailWritesThisAccountsLogs",
        ]);
        for (const s of forCloudTrail) {
          expect(s.Condition?.StringEquals["aws:SourceArn"], s.Sid).to.equal(arn);
        }
        expect(forCloudTrail[1].Resource).to.match(new RegExp(`/AWSLogs/${ACCOUNT}/\\*$`));
        expect(trail.opts.dependsOn).to.include(policies[0].urn);
      });

      it("locks every trail file for the log retention (COMPLIANCE: the stack protects its data), and keeps versions as long", () => {
        const group = one(plan, "aws:cloudwatch/logGroup:LogGroup", "-audit-events");
        const days = prop<number>(group, "retentionInDays");
        const lock = one(
          plan,
          "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
          "-audit-logs-object-lock",
        );
        expect(prop(lock, "rule")).to.deep.equal({
          defaultRetention: { mode: "COMPLIANCE", days },
        });
        const lifecycle = one(
          plan,
          "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
          "-audit-logs-lifecycle",
        );
        const rules = JSON.stringify(prop(lifecycle, "rules"));
        expect(rules).to.contain(`"noncurrentDays":${days + 1}`);
      });
    });
  }
});
