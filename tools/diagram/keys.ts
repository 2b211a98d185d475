// Where each KMS key of the plan encrypts something: the inputs that name a key for encryption
// (kmsKeyId, kmsKeyArn, kmsMasterKeyId, an SSM parameter's keyId, performanceInsightsKmsKeyId,
// and the same names inside an input: rootBlockDevice.kmsKeyId, an S3 encryption rule's
// kmsMasterKeyId, a Session Manager document's kmsKeyId), through the input's dependency on the
// key or on an alias of it. A key named elsewhere (an IAM policy's Resource, a script in userData,
// an alias's targetKeyId) is a use of the key, not encryption with it.
import type { PlanIndex } from "../plan/plan-index";
import { BUCKET_TYPES, SSE_TYPES, T } from "../plan/tokens";
import type { PlanResource, PlanValue } from "../plan/types";
import { get, isObject, list, parseJson, str } from "../plan/values";

/** Input names that hold the key something is encrypted with. */
export const ENCRYPTION_KEY_FIELD = /^(?:[A-Za-z]*kms[A-Za-z]*|keyId|keyArn)$/i;

export interface KeyUse {
  /** The key's URN. */
  key: string;
  /** The resource encrypted with it. */
  resource: string;
  /** The top-level input that names the key. */
  prop: string;
}

function namesAKey(v: PlanValue | undefined): boolean {
  const s = str(v);
  return s !== undefined && s !== "";
}

/** True when the value holds, at some depth, an encryption-key field with a value. */
function hasKeyField(v: PlanValue | undefined, depth = 0): boolean {
  if (depth > 8) return false;
  if (typeof v === "string" && /^\s*[[{]/.test(v)) return hasKeyField(parseJson(v), depth + 1);
  if (Array.isArray(v)) return v.some((item) => hasKeyField(item, depth + 1));
  if (!isObject(v)) return false;
  return Object.entries(v).some(
    ([k, item]) =>
      (ENCRYPTION_KEY_FIELD.test(k) && namesAKey(item)) || hasKeyField(item, depth + 1),
  );
}

/** The keys an input depends on, directly or through an alias. */
function keysBehind(index: PlanIndex, r: PlanResource, prop: string): PlanResource[] {
  return index.refs(r, prop).flatMap((dep) => {
    if (dep.type === T.kmsKey) return [dep];
    if (dep.type === T.kmsAlias) return index.refs(dep, "targetKeyId", T.kmsKey);
    return [];
  });
}

/** Every (key, resource, input) where the resource is encrypted with the key, in plan order. */
export function keyUses(index: PlanIndex): KeyUse[] {
  const out: KeyUse[] = [];
  for (const r of index.plan.resources) {
    if (r.type === T.kmsAlias) continue;
    for (const prop of Object.keys(r.propertyDependencies)) {
      const keys = keysBehind(index, r, prop);
      if (keys.length === 0) continue;
      if (!ENCRYPTION_KEY_FIELD.test(prop) && !hasKeyField(r.props[prop])) continue;
      for (const key of keys) {
        if (!out.some((u) => u.key === key.urn && u.resource === r.urn && u.prop === prop)) {
          out.push({ key: key.urn, resource: r.urn, prop });
        }
      }
    }
  }
  return out;
}

/**
 * For a resource the plan encrypts at rest without a key of its own: how (the AWS-managed key of
 * its service, or S3's own keys). Undefined when the plan shows no encryption at rest.
 */
export function encryptedByAws(
  r: PlanResource,
  attached: readonly PlanResource[],
): string | undefined {
  const managed = "at rest: AWS-managed key";
  switch (r.type) {
    case T.ec2Instance:
      return get(r.props.rootBlockDevice, "encrypted") === true
        ? `root volume ${managed}`
        : undefined;
    case T.ebsVolume:
    case T.efsFileSystem:
      return r.props.encrypted === true ? managed : undefined;
    case T.rdsInstance:
    case T.rdsCluster:
      return r.props.storageEncrypted === true ? managed : undefined;
    case T.ssmParameter:
      return str(r.props.type) === "SecureString" ? managed : undefined;
    case T.secret:
      return managed;
    default:
      break;
  }
  if (!BUCKET_TYPES.includes(r.type)) return undefined;
  const algorithms = attached
    .filter((a) => SSE_TYPES.includes(a.type))
    .flatMap((a) => list(a.props.rules) ?? [])
    .map((rule) => str(get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")));
  if (algorithms.includes("AES256")) return "at rest: SSE-S3";
  return algorithms.includes("aws:kms") ? managed : undefined;
}
