// openemr:restoreFrom and openemr:restoreKmsKeyArn: refused up front (exit 2, the key named) when
// S3 could not hold the set there or IAM could not scope the grant to it; the grant itself.
import { expect } from "chai";
import {
  parseRestoreFrom,
  restoreReadStatements,
  restoreFromProblem,
} from "../../components/backup/restore-from";
import { parseConfig } from "../../config";
import { problemsOf } from "../helpers/config";
import { runPlanCli } from "../helpers/plan";

const STACK = { "aws:region": "us-east-1", "openemr:preset": "express" };
const KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ALLOWED = "allowed: s3://<bucket>/<prefix>, such as s3://clinic-backups/openemr/2026-W47/";
const RULES = "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)";

const restoreProblems = (url: string) =>
  problemsOf({ ...STACK, "openemr:restoreFrom": url }).filter((p) =>
    p.startsWith("openemr:restoreFrom"),
  );

describe("openemr:restoreFrom", () => {
  it("is unset by default and accepted as s3://bucket, s3://bucket/ and s3://bucket/prefix", () => {
    expect(parseConfig(STACK).restoreFrom).to.equal(undefined);
    for (const url of [
      "s3://clinic-backups",
      "s3://clinic-backups/",
      "s3://clinic.backups-2/openemr/2026-W47",
      "s3://abc/openemr/2026-W47/20261123T020000Z/",
    ]) {
      expect(problemsOf({ ...STACK, "openemr:restoreFrom": url }), url).to.deep.equal([]);
    }
  });

  const bucketCases: [string, string, string][] = [
    [
      "too short",
      "s3://ab/x",
      'the bucket name "ab" has 2 characters; S3 bucket names have 3 to 63',
    ],
    [
      "too long",
      `s3://${"a".repeat(64)}/x`,
      `the bucket name "${"a".repeat(64)}" has 64 characters; S3 bucket names have 3 to 63`,
    ],
    [
      "upper case",
      "s3://Clinic/x",
      'the bucket name "Clinic" may contain only lower-case letters, digits, dots and hyphens',
    ],
    [
      "an underscore",
      "s3://clinic_backups/x",
      'the bucket name "clinic_backups" may contain only lower-case letters, digits, dots and hyphens',
    ],
    [
      "a leading hyphen",
      "s3://-clinic/x",
      'the bucket name "-clinic" must begin and end with a letter or digit',
    ],
    [
      "a trailing dot",
      "s3://clinic./x",
      'the bucket name "clinic." must begin and end with a letter or digit',
    ],
    ["two adjacent dots", "s3://clinic..b/x", 'the bucket name "clinic..b" has two adjacent dots'],
    [
      "an IP address",
      "s3://192.168.5.4/x",
      'the bucket name "192.168.5.4" is formatted as an IP address, which S3 refuses',
    ],
    [
      "the xn-- prefix",
      "s3://xn--clinic/x",
      'the bucket name "xn--clinic" starts with xn--, a prefix S3 reserves',
    ],
    [
      "the sthree- prefix",
      "s3://sthree-clinic/x",
      'the bucket name "sthree-clinic" starts with sthree-, a prefix S3 reserves',
    ],
    [
      "the -s3alias suffix",
      "s3://clinic-s3alias/x",
      'the bucket name "clinic-s3alias" ends with -s3alias, a suffix S3 reserves (access point and directory-bucket names)',
    ],
    [
      "the --ol-s3 suffix",
      "s3://clinic--ol-s3/x",
      'the bucket name "clinic--ol-s3" ends with --ol-s3, a suffix S3 reserves (access point and directory-bucket names)',
    ],
  ];
  for (const [what, url, says] of bucketCases) {
    it(`refuses a bucket name with ${what}, citing S3's rules`, () => {
      expect(restoreProblems(url)).to.deep.equal([
        `openemr:restoreFrom: got ${JSON.stringify(url)}; ${says} ${RULES}; ${ALLOWED}`,
      ]);
    });
  }

  const urlCases: [string, string, string][] = [
    ["an https URL", "https://clinic.s3.amazonaws.com/x", `not an S3 URL; ${ALLOWED}`],
    ["a bare bucket name", "clinic-backups", `not an S3 URL; ${ALLOWED}`],
    ["an s3a URL", "s3a://clinic-backups/x", `not an S3 URL; ${ALLOWED}`],
    [
      "an empty path segment",
      "s3://clinic-backups/openemr//2026-W47",
      `the prefix has an empty path segment (//); ${ALLOWED}`,
    ],
    [
      "a * wildcard",
      "s3://clinic-backups/openemr/*",
      "the prefix has a wildcard (* or ?): the grant would reach beyond one set; name the set's folder, e.g. s3://<bucket>/<prefix>, such as s3://clinic-backups/openemr/2026-W47/",
    ],
    [
      "a ? wildcard",
      "s3://clinic-backups/openemr/2026-W4?",
      "the prefix has a wildcard (* or ?): the grant would reach beyond one set; name the set's folder, e.g. s3://<bucket>/<prefix>, such as s3://clinic-backups/openemr/2026-W47/",
    ],
    [
      "a quote",
      "s3://clinic-backups/o'emr/",
      `the prefix has a quote, a backslash or a control character; ${ALLOWED}`,
    ],
    [
      "a prefix over 1024 bytes",
      `s3://clinic-backups/${"é".repeat(512)}`,
      "the prefix is 1025 bytes; an S3 key (and so a prefix) has at most 1024",
    ],
  ];
  for (const [what, url, says] of urlCases) {
    it(`refuses ${what}`, () => {
      expect(restoreProblems(url)).to.deep.equal([
        `openemr:restoreFrom: got ${JSON.stringify(url)}; ${says}`,
      ]);
    });
  }

  it("takes a prefix of exactly 1024 bytes", () => {
    expect(restoreFromProblem(`s3://clinic-backups/${"a".repeat(1023)}`)).to.equal(undefined);
  });

  it("normalises the prefix to end in / and grants exactly SPEC-17's list, read and decrypt", () => {
    const source = parseRestoreFrom("s3://clinic-backups/openemr/2026-W47");
    expect(source).to.deep.equal({
      bucket: "clinic-backups",
      prefix: "openemr/2026-W47/",
      url: "s3://clinic-backups/openemr/2026-W47/",
    });
    expect(restoreReadStatements(source, "aws", KEY)).to.deep.equal([
      {
        Sid: "RestoreListSet",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: "arn:aws:s3:::clinic-backups",
        Condition: { StringLike: { "s3:prefix": ["openemr/2026-W47/", "openemr/2026-W47/*"] } },
      },
      {
        Sid: "RestoreReadSet",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::clinic-backups/openemr/2026-W47/*",
      },
      {
        Sid: "RestoreDecryptSet",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: KEY,
        Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
      },
    ]);
    const whole = parseRestoreFrom("s3://clinic-backups");
    expect(whole.url).to.equal("s3://clinic-backups/");
    expect(restoreReadStatements(whole, "aws").map((s) => [s.Sid, s.Resource])).to.deep.equal([
      ["RestoreListSet", "arn:aws:s3:::clinic-backups"],
      ["RestoreReadSet", "arn:aws:s3:::clinic-backups/*"],
    ]);
  });

  it("makes the plan exit 2 naming the key", async () => {
    const run = await runPlanCli(["--stack", "dev", "--set", "restoreFrom=s3://Bad_Bucket/x"]);
    expect(run.code, run.stderr).to.equal(2);
    expect(run.stderr).to.contain(
      'openemr:restoreFrom: got "s3://Bad_Bucket/x"; the bucket name "Bad_Bucket" may contain only lower-case letters, digits, dots and hyphens',
    );
    expect(run.plan).to.equal(undefined);
  });
});

describe("openemr:restoreKmsKeyArn", () => {
  const withSet = { ...STACK, "openemr:restoreFrom": "s3://clinic-backups/openemr/" };

  it("takes a key ARN (also a multi-Region key) with restoreFrom", () => {
    expect(problemsOf({ ...withSet, "openemr:restoreKmsKeyArn": KEY })).to.deep.equal([]);
    const mrk = "arn:aws:kms:us-west-2:123456789012:key/mrk-0123456789abcdef0123456789abcdef";
    expect(problemsOf({ ...withSet, "openemr:restoreKmsKeyArn": mrk })).to.deep.equal([]);
  });

  it("refuses an alias, saying why and how to find the key's ARN", () => {
    const alias = "arn:aws:kms:us-east-1:123456789012:alias/openemr-prod";
    expect(problemsOf({ ...withSet, "openemr:restoreKmsKeyArn": alias })).to.deep.equal([
      `openemr:restoreKmsKeyArn: got "${alias}"; an alias, not a key ARN; IAM cannot scope kms:Decrypt to an alias reliably (a policy's Resource matches the key, and an alias can be moved to another key), so give the key's ARN: arn:aws:kms:<region>:<account>:key/<key id> (aws kms describe-key --key-id <alias> --query KeyMetadata.Arn)`,
    ]);
    expect(problemsOf({ ...withSet, "openemr:restoreKmsKeyArn": "alias/x" })[0]).to.contain(
      "an alias, not a key ARN",
    );
  });

  it("refuses what is not a KMS key ARN", () => {
    expect(
      problemsOf({ ...withSet, "openemr:restoreKmsKeyArn": "arn:aws:s3:::clinic-backups" }),
    ).to.deep.equal([
      'openemr:restoreKmsKeyArn: got "arn:aws:s3:::clinic-backups"; must be a KMS key ARN: arn:<partition>:kms:<region>:<12-digit account>:key/<key id>, such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ]);
  });

  it("refuses a key without restoreFrom", () => {
    expect(problemsOf({ ...STACK, "openemr:restoreKmsKeyArn": KEY })).to.deep.equal([
      `openemr:restoreKmsKeyArn: got "${KEY}" without openemr:restoreFrom; the key only decrypts the backup set a new stack imports. Set openemr:restoreFrom to the set's s3:// URL, or remove it`,
    ]);
  });

  it("makes the plan exit 2 naming the key", async () => {
    const run = await runPlanCli(["--stack", "dev", "--set", `restoreKmsKeyArn=${KEY}`]);
    expect(run.code, run.stderr).to.equal(2);
    expect(run.stderr).to.contain("openemr:restoreKmsKeyArn: got");
    expect(run.stderr).to.contain("without openemr:restoreFrom");
  });
});
