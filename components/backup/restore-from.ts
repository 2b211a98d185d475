// openemr:restoreFrom and openemr:restoreKmsKeyArn: where a new stack reads the backup set it starts
// from (docs/migrate.md), the checks config.ts runs on them, and the read grant of the role that
// imports it (issue #17, SPEC-17 "Where a set is read from"). Pure: no Pulumi runtime.
import type * as aws from "@pulumi/aws";

/** A parsed `s3://<bucket>[/<prefix>]`; `prefix` is "" or ends in "/". */
export interface RestoreSource {
  bucket: string;
  prefix: string;
  /** The URL as the importer takes it: `s3://<bucket>/<prefix>`. */
  url: string;
}

/** S3 object keys are at most 1,024 bytes of UTF-8 (Amazon S3 User Guide, "Naming objects"). */
export const S3_KEY_MAX_BYTES = 1024;

const URL_PATTERN = /^s3:\/\/([^/]*)(\/.*)?$/;
const EXAMPLE = "s3://<bucket>/<prefix>, such as s3://clinic-backups/openemr/2026-W47/";

// General purpose bucket naming rules:
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/** Why `bucket` is not a name S3 gives a general purpose bucket; undefined when it is one. */
export function bucketNameProblem(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) {
    return `the bucket name ${JSON.stringify(bucket)} has ${bucket.length} characters; S3 bucket names have 3 to 63`;
  }
  if (!/^[a-z0-9.-]+$/.test(bucket)) {
    return `the bucket name ${JSON.stringify(bucket)} may contain only lower-case letters, digits, dots and hyphens`;
  }
  if (!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket)) {
    return `the bucket name ${JSON.stringify(bucket)} must begin and end with a letter or digit`;
  }
  if (bucket.includes("..")) {
    return `the bucket name ${JSON.stringify(bucket)} has two adjacent dots`;
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) {
    return `the bucket name ${JSON.stringify(bucket)} is formatted as an IP address, which S3 refuses`;
  }
  const prefix = RESERVED_PREFIXES.find((p) => bucket.startsWith(p));
  if (prefix) {
    return `the bucket name ${JSON.stringify(bucket)} starts with ${prefix}, a prefix S3 reserves`;
  }
  const suffix = RESERVED_SUFFIXES.find((s) => bucket.endsWith(s));
  if (suffix) {
    return `the bucket name ${JSON.stringify(bucket)} ends with ${suffix}, a suffix S3 reserves (access point and directory-bucket names)`;
  }
  return undefined;
}

/** Why `url` cannot be openemr:restoreFrom; undefined when it can. */
export function restoreFromProblem(url: string): string | undefined {
  const m = URL_PATTERN.exec(url);
  if (!m) return `not an S3 URL; allowed: ${EXAMPLE}`;
  const bucket = m[1] ?? "";
  const path = m[2] ?? "";
  const bucketProblem = bucketNameProblem(bucket);
  if (bucketProblem) {
    return `${bucketProblem} (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html); allowed: ${EXAMPLE}`;
  }
  if (path.includes("//")) {
    return `the prefix has an empty path segment (//); allowed: ${EXAMPLE}`;
  }
  if (/[*?]/.test(path)) {
    return `the prefix has a wildcard (* or ?): the grant would reach beyond one set; name the set's folder, e.g. ${EXAMPLE}`;
  }
  // the grant's Resource and the deploy.env line take the prefix as it is: no quotes, no controls
  if (
    [...path].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || `'"\\`.includes(c))
  ) {
    return `the prefix has a quote, a backslash or a control character; allowed: ${EXAMPLE}`;
  }
  const prefix = normalisedPrefix(path);
  const bytes = Buffer.byteLength(prefix, "utf8");
  if (bytes > S3_KEY_MAX_BYTES) {
    return `the prefix is ${bytes} bytes; an S3 key (and so a prefix) has at most ${S3_KEY_MAX_BYTES}`;
  }
  return undefined;
}

/** The key prefix without its leading "/", ending in "/" when not empty. */
function normalisedPrefix(path: string): string {
  const p = path.replace(/^\//, "");
  return p === "" || p.endsWith("/") ? p : `${p}/`;
}

/** The bucket and normalised prefix of a valid openemr:restoreFrom (restoreFromProblem first). */
export function parseRestoreFrom(url: string): RestoreSource {
  const problem = restoreFromProblem(url);
  if (problem) throw new Error(`openemr:restoreFrom: ${problem}`);
  const m = URL_PATTERN.exec(url)!;
  const bucket = m[1] ?? "";
  const prefix = normalisedPrefix(m[2] ?? "");
  return { bucket, prefix, url: `s3://${bucket}/${prefix}` };
}

const KMS_KEY_ARN =
  /^arn:aws(-[a-z]+)*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Why `arn` cannot be openemr:restoreKmsKeyArn; undefined when it can. */
export function restoreKmsKeyArnProblem(arn: string): string | undefined {
  if (/^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(arn) || arn.startsWith("alias/")) {
    return "an alias, not a key ARN; IAM cannot scope kms:Decrypt to an alias reliably (a policy's Resource matches the key, and an alias can be moved to another key), so give the key's ARN: arn:aws:kms:<region>:<account>:key/<key id> (aws kms describe-key --key-id <alias> --query KeyMetadata.Arn)";
  }
  if (!KMS_KEY_ARN.test(arn)) {
    return "must be a KMS key ARN: arn:<partition>:kms:<region>:<12-digit account>:key/<key id>, such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  }
  return undefined;
}

/** The partition of a region's ARNs (the program's regions: presets/aws.ts). */
export function partitionOf(region: string): string {
  return region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

/**
 * The importer's read grant, exactly SPEC-17's: list the set's prefix only (the `s3:prefix`
 * condition), read the objects below it, and decrypt with the set's key only through S3.
 */
export function restoreReadStatements(
  source: RestoreSource,
  partition: string,
  kmsKeyArn?: string,
): aws.iam.PolicyStatement[] {
  const bucketArn = `arn:${partition}:s3:::${source.bucket}`;
  const statements: aws.iam.PolicyStatement[] = [
    {
      Sid: "RestoreListSet",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": [source.prefix, `${source.prefix}*`] } },
    },
    {
      Sid: "RestoreReadSet",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: `${bucketArn}/${source.prefix}*`,
    },
  ];
  if (kmsKeyArn) {
    statements.push({
      Sid: "RestoreDecryptSet",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: kmsKeyArn,
      Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
    });
  }
  return statements;
}

/** The log line prefix import-apply.sh and import.sh report with (SPEC-17). */
export const IMPORT_SUCCEEDED_LINE = "openemr-import: SUCCEEDED";
export const IMPORT_FAILED_LINE = "openemr-import: FAILED";
/** The metric the import reports: `OpenEMR/ImportSucceeded` 1 or 0. */
export const IMPORT_METRIC = "ImportSucceeded";
