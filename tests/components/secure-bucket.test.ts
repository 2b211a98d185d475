// SecureBucket on its own: encryption (customer-managed key or SSE-S3), versioning, public access
// blocked, bucket-owner-enforced ownership, the TLS-only deny, the lifecycle, protect/forceDestroy,
// and S3 Object Lock enabled on the existing bucket without replacing it.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  objectLockProblem,
  SecureBucket,
  type SecureBucketArgs,
} from "../../components/storage/secure-bucket";
import { diffPlans } from "../../tools/diff/diff";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const BUCKET = "aws:s3/bucket:Bucket";
const SSE =
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration";
const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";

interface PolicyDocument {
  Version: string;
  Statement: Record<string, unknown>[];
}

function policyOf(p: ComponentPlan, name: string): PolicyDocument {
  return JSON.parse(p.named(`${name}-policy`).props.policy as string) as PolicyDocument;
}

function tlsDeny(bucketArn: string): Record<string, unknown> {
  return {
    Sid: "DenyRequestsWithoutTls",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

describe("SecureBucket", () => {
  describe("kms encryption, protected, with expiry and extra statements", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(() => {
        const key = new aws.kms.Key("tier-key", { description: "test" });
        const writer = new aws.iam.Role("writer", { assumeRolePolicy: "{}" });
        const bucket = new SecureBucket("records", {
          encryption: { kind: "kms", kmsKeyArn: key.arn },
          expireAfterDays: 365,
          noncurrentExpireAfterDays: 30,
          // an Output of another resource's value, as a service principal's statement would be
          extraStatements: (arn) =>
            pulumi.output(writer.arn).apply((principal) => [
              {
                Sid: "WriterPuts",
                Effect: "Allow",
                Principal: { AWS: principal },
                Action: "s3:PutObject",
                Resource: `${arn}/*`,
              },
            ]),
          purpose: "documents",
          protect: true,
        });
        return {
          keyArn: key.arn,
          writerArn: writer.arn,
          bucketName: bucket.bucketName,
          arn: bucket.arn,
        };
      });
    });

    it("creates exactly the bucket and its six configuration resources, all children of the component", () => {
      const component = p.named("records", "openemr:storage:SecureBucket");
      const children = p.resources.filter((r) => r.parent === component.urn);
      expect(inventory(children)).to.have.members([
        "aws:s3/bucket:Bucket::records",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::records-lifecycle",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls::records-ownership",
        "aws:s3/bucketPolicy:BucketPolicy::records-policy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::records-public-access",
        `${SSE}::records-encryption`,
        "aws:s3/bucketVersioning:BucketVersioning::records-versioning",
      ]);
      // every configuration resource configures this bucket
      for (const child of children.filter((r) => r.type !== BUCKET)) {
        expect(
          p.dependenciesOf(child, "bucket").map((r) => r.name),
          child.name,
        ).to.deep.equal(["records"]);
      }
    });

    it("names the bucket by prefix, tags its purpose, keeps forceDestroy off and protects it", () => {
      const bucket = p.named("records", BUCKET);
      expect(bucket.props).to.deep.equal({
        bucketPrefix: "records-",
        forceDestroy: false,
        tags: { "openemr:purpose": "documents" },
      });
      expect(bucket.opts.protect).to.equal(true);
      expect(p.outputs.bucketName)
        .to.be.a("string")
        .and.match(/^records-/);
      expect(p.outputs.arn).to.equal(`arn:aws:s3:::${p.outputs.bucketName as string}`);
    });

    it("encrypts with the customer-managed key (aws:kms) and an S3 Bucket Key", () => {
      const sse = p.named("records-encryption", SSE);
      expect(sse.props.rules).to.deep.equal([
        {
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: "aws:kms",
            kmsMasterKeyId: p.outputs.keyArn,
          },
          bucketKeyEnabled: true,
        },
      ]);
      expect(p.dependenciesOf(sse, "rules").map((r) => r.name)).to.deep.equal(["tier-key"]);
    });

    it("enables versioning", () => {
      expect(
        p.named("records-versioning", "aws:s3/bucketVersioning:BucketVersioning").props
          .versioningConfiguration,
      ).to.deep.equal({ status: "Enabled" });
    });

    it("blocks every kind of public access", () => {
      const { bucket: _bucket, ...block } = p.named(
        "records-public-access",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      ).props;
      expect(block).to.deep.equal({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
    });

    it("enforces bucket-owner ownership (ACLs off)", () => {
      expect(
        p.named("records-ownership", "aws:s3/bucketOwnershipControls:BucketOwnershipControls").props
          .rule,
      ).to.deep.equal({ objectOwnership: "BucketOwnerEnforced" });
    });

    it("expires current objects, superseded versions and stale multipart uploads", () => {
      expect(
        p.named(
          "records-lifecycle",
          "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        ).props.rules,
      ).to.deep.equal([
        {
          id: "retention",
          status: "Enabled",
          filter: {},
          expiration: { days: 365 },
          noncurrentVersionExpiration: { noncurrentDays: 30 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ]);
    });

    it("denies requests without TLS first, then adds the extra statements resolved from Outputs", () => {
      const arn = p.outputs.arn as string;
      expect(policyOf(p, "records")).to.deep.equal({
        Version: "2012-10-17",
        Statement: [
          tlsDeny(arn),
          {
            Sid: "WriterPuts",
            Effect: "Allow",
            Principal: { AWS: p.outputs.writerArn },
            Action: "s3:PutObject",
            Resource: `${arn}/*`,
          },
        ],
      });
    });

    it("applies the policy only after the public access block exists", () => {
      const policy = p.named("records-policy", "aws:s3/bucketPolicy:BucketPolicy");
      expect(p.dependsOn(policy).map((r) => r.name)).to.deep.equal(["records-public-access"]);
    });

    it("protects the bucket only: its configuration resources can be replaced", () => {
      const protectedChildren = p.resources
        .filter((r) => r.name.startsWith("records-") && r.opts.protect)
        .map((r) => r.name);
      expect(protectedChildren).to.deep.equal([]);
    });
  });

  describe("SSE-S3, unprotected, forceDestroy, no expiry, long name", () => {
    const name = "openemr-clinic-north-eastern-region-prod-alb-logs";
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(() => {
        const bucket = new SecureBucket(name, {
          encryption: { kind: "s3-managed" },
          noncurrentExpireAfterDays: 7,
          purpose: "load-balancer-logs",
          protect: false,
          forceDestroy: true,
        });
        return { arn: bucket.arn };
      });
    });

    it("encrypts with SSE-S3 (AES256), without a key or a Bucket Key", () => {
      expect(p.named(`${name}-encryption`, SSE).props.rules).to.deep.equal([
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ]);
    });

    it("leaves the bucket unprotected and lets destroy empty it", () => {
      const bucket = p.named(name, BUCKET);
      expect(bucket.opts.protect).to.equal(false);
      expect(bucket.props.forceDestroy).to.equal(true);
      expect(bucket.props.tags).to.deep.equal({ "openemr:purpose": "load-balancer-logs" });
    });

    it("cuts the bucket prefix to the 37 characters S3 leaves for a prefix", () => {
      expect(p.named(name, BUCKET).props.bucketPrefix).to.equal(
        "openemr-clinic-north-eastern-region-p",
      );
    });

    it("keeps current objects (no expiration) and expires superseded versions", () => {
      expect(
        p.named(
          `${name}-lifecycle`,
          "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        ).props.rules,
      ).to.deep.equal([
        {
          id: "retention",
          status: "Enabled",
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: 7 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ]);
    });

    it("still denies requests without TLS, the policy's only statement", () => {
      expect(policyOf(p, name)).to.deep.equal({
        Version: "2012-10-17",
        Statement: [tlsDeny(p.outputs.arn as string)],
      });
    });
  });

  describe("Object Lock", () => {
    const backups =
      (objectLock?: SecureBucketArgs["objectLock"], noncurrent = 30) =>
      () => {
        const key = new aws.kms.Key("tier-key", { description: "test" });
        const bucket = new SecureBucket("backups", {
          encryption: { kind: "kms", kmsKeyArn: key.arn },
          expireAfterDays: 30,
          noncurrentExpireAfterDays: noncurrent,
          purpose: "backups",
          protect: true,
          objectLock,
        });
        return { arn: bucket.arn, bucketName: bucket.bucketName };
      };
    let unlocked: ComponentPlan;
    let locked: ComponentPlan;
    before(async () => {
      unlocked = await planComponent(backups());
      locked = await planComponent(backups({ mode: "COMPLIANCE", days: 30 }));
    });

    it("enables Object Lock on the bucket with the default retention, through its own resource", () => {
      const lock = locked.named("backups-object-lock", OBJECT_LOCK);
      expect(lock.props).to.deep.equal({
        bucket: locked.outputs.bucketName,
        objectLockEnabled: "Enabled",
        rule: { defaultRetention: { mode: "COMPLIANCE", days: 30 } },
      });
      expect(locked.dependenciesOf(lock, "bucket").map((r) => r.name)).to.deep.equal(["backups"]);
      expect(lock.parent).to.equal(locked.named("backups", "openemr:storage:SecureBucket").urn);
    });

    it("turns it on only once versioning is on (S3 refuses Object Lock on an unversioned bucket)", () => {
      const lock = locked.named("backups-object-lock", OBJECT_LOCK);
      expect(locked.dependsOn(lock).map((r) => r.name)).to.deep.equal(["backups-versioning"]);
    });

    it("leaves the bucket's own objectLockEnabled unset: the bucket is the same resource, locked or not", () => {
      const bucket = locked.named("backups", BUCKET);
      expect(bucket.props).to.not.have.property("objectLockEnabled");
      expect(bucket.props).to.not.have.property("objectLockConfiguration");
      expect(bucket.props).to.deep.equal(unlocked.named("backups", BUCKET).props);
    });

    it("adds Object Lock to an existing bucket as one create: no replacement, no data loss", () => {
      const diff = diffPlans(unlocked.plan, locked.plan);
      expect(diff.replaced).to.deep.equal([]);
      expect(diff.dataLoss).to.deep.equal([]);
      expect(diff.removed).to.deep.equal([]);
      expect(diff.added.map((r) => `${r.type}::${r.name}`)).to.deep.equal([
        `${OBJECT_LOCK}::backups-object-lock`,
      ]);
      expect(diff.changed).to.deep.equal([]);
    });

    it("would replace the bucket if the lock were set on the bucket itself (why it is not)", async () => {
      const bucketWithFlag = (flag: boolean) => () => {
        new aws.s3.Bucket("raw", {
          bucketPrefix: "raw-",
          ...(flag ? { objectLockEnabled: true } : {}),
        });
      };
      const diff = diffPlans(
        (await planComponent(bucketWithFlag(false))).plan,
        (await planComponent(bucketWithFlag(true))).plan,
      );
      expect(diff.replaced.map((r) => r.after.name)).to.deep.equal(["raw"]);
      expect(diff.dataLoss.map((w) => w.name)).to.deep.equal(["raw"]);
    });

    it("keeps superseded versions as long as the lock keeps them", () => {
      expect(
        (
          locked.named("backups-lifecycle", LIFECYCLE).props.rules as {
            noncurrentVersionExpiration: { noncurrentDays: number };
          }[]
        )[0].noncurrentVersionExpiration.noncurrentDays,
      ).to.equal(30);
    });

    it("creates no Object Lock resource when none is asked for", () => {
      expect(unlocked.ofType(OBJECT_LOCK)).to.deep.equal([]);
    });

    it("refuses to keep superseded versions shorter than the lock, with the fix in the message", async () => {
      let error: unknown;
      try {
        await planComponent(backups({ mode: "GOVERNANCE", days: 30 }, 7));
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.match(
        /SecureBucket backups: noncurrentExpireAfterDays \(7\) is shorter than the Object Lock retention \(30 days\).*at least 30/,
      );
    });

    describe("objectLockProblem", () => {
      const args = (
        objectLock: SecureBucketArgs["objectLock"],
        extra: Partial<SecureBucketArgs> = {},
      ): SecureBucketArgs => ({
        encryption: { kind: "s3-managed" },
        noncurrentExpireAfterDays: 30,
        purpose: "backups",
        protect: false,
        objectLock,
        ...extra,
      });

      it("accepts no lock, and a lock no longer than the noncurrent-version expiry", () => {
        expect(objectLockProblem(args(undefined))).to.equal(undefined);
        expect(objectLockProblem(args({ mode: "GOVERNANCE", days: 30 }))).to.equal(undefined);
        expect(objectLockProblem(args({ mode: "COMPLIANCE", days: 1 }))).to.equal(undefined);
      });

      it("refuses days below 1 or fractional, and modes S3 does not know", () => {
        expect(objectLockProblem(args({ mode: "GOVERNANCE", days: 0 }))).to.match(/at least 1/);
        expect(objectLockProblem(args({ mode: "GOVERNANCE", days: 1.5 }))).to.match(/whole/);
        expect(
          objectLockProblem(args({ mode: "governance" as unknown as "GOVERNANCE", days: 7 })),
        ).to.match(/GOVERNANCE or COMPLIANCE/);
      });

      it("refuses COMPLIANCE on a bucket destroy must empty, and allows GOVERNANCE there", () => {
        expect(
          objectLockProblem(args({ mode: "COMPLIANCE", days: 7 }, { forceDestroy: true })),
        ).to.match(/COMPLIANCE with forceDestroy/);
        expect(
          objectLockProblem(args({ mode: "GOVERNANCE", days: 7 }, { forceDestroy: true })),
        ).to.equal(undefined);
      });
    });
  });
});
