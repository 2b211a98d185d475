// Shared building blocks of the policy pack: type tokens, unknown-value handling, config helpers and
// the wrappers every policy is built with (type filtering, exemptions).
//
// Policies receive resource props wrapped in @pulumi/policy's unknownCheckingProxy: reading a value
// that is unknown during `pulumi preview` throws UnknownValueError, which the engine turns into an
// advisory "can't run policy during preview". The proxy only traps property reads, so presence is
// tested with property descriptors (isSet), never by reading the value: a "must be set" check stays
// mandatory even when the value is unknown.

import type {
  EnforcementLevel,
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidation,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { Unwrap } from "@pulumi/pulumi";
import { exemptingReport } from "./registry";

/** The subset of @pulumi/policy/proxy this pack uses (its typings are stripped from the package). */
interface ProxyModule {
  UnknownValueError: new (...args: never[]) => Error;
  unknownBooleanValue: string;
  unknownNumberValue: string;
  unknownStringValue: string;
  unknownArrayValue: string;
  unknownAssetValue: string;
  unknownArchiveValue: string;
  unknownObjectValue: string;
}

// The same module instance the policy server uses, so instanceof checks agree with the engine's.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- proxy.d.ts is empty in 1.21.0
const proxyModule = require("@pulumi/policy/proxy") as ProxyModule;

const SENTINELS: ReadonlySet<string> = new Set([
  proxyModule.unknownBooleanValue,
  proxyModule.unknownNumberValue,
  proxyModule.unknownStringValue,
  proxyModule.unknownArrayValue,
  proxyModule.unknownAssetValue,
  proxyModule.unknownArchiveValue,
  proxyModule.unknownObjectValue,
]);

/** Type tokens of @pulumi/aws 7.x (and awsx) that the pack inspects. */
export const T = {
  backupPlan: "aws:backup/plan:Plan",
  backupSelection: "aws:backup/selection:Selection",
  backupVault: "aws:backup/vault:Vault",
  backupVaultPolicy: "aws:backup/vaultPolicy:VaultPolicy",
  bucket: "aws:s3/bucket:Bucket",
  bucketV2: "aws:s3/bucketV2:BucketV2",
  bucketLifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  bucketLifecycleV2: "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
  bucketLogging: "aws:s3/bucketLogging:BucketLogging",
  bucketLoggingV2: "aws:s3/bucketLoggingV2:BucketLoggingV2",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  bucketPublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketSse:
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  bucketSseV2:
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  bucketVersioning: "aws:s3/bucketVersioning:BucketVersioning",
  bucketVersioningV2: "aws:s3/bucketVersioningV2:BucketVersioningV2",
  cloudtrail: "aws:cloudtrail/trail:Trail",
  ebsVolume: "aws:ebs/volume:Volume",
  ec2Instance: "aws:ec2/instance:Instance",
  eip: "aws:ec2/eip:Eip",
  eipAssociation: "aws:ec2/eipAssociation:EipAssociation",
  ecsTaskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  efsFileSystem: "aws:efs/fileSystem:FileSystem",
  elasticacheCluster: "aws:elasticache/cluster:Cluster",
  elasticacheReplicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
  elasticacheServerless: "aws:elasticache/serverlessCache:ServerlessCache",
  flowLog: "aws:ec2/flowLog:FlowLog",
  iamRole: "aws:iam/role:Role",
  iamRolePolicy: "aws:iam/rolePolicy:RolePolicy",
  kmsKey: "aws:kms/key:Key",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  albListener: "aws:alb/listener:Listener",
  albLoadBalancer: "aws:alb/loadBalancer:LoadBalancer",
  lbListener: "aws:lb/listener:Listener",
  lbLoadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  rdsCluster: "aws:rds/cluster:Cluster",
  rdsClusterInstance: "aws:rds/clusterInstance:ClusterInstance",
  rdsClusterParameterGroup: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
  rdsInstance: "aws:rds/instance:Instance",
  rdsParameterGroup: "aws:rds/parameterGroup:ParameterGroup",
  secret: "aws:secretsmanager/secret:Secret",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  securityGroupDefault: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  securityGroupIngressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  snsTopic: "aws:sns/topic:Topic",
  subnet: "aws:ec2/subnet:Subnet",
  vpc: "aws:ec2/vpc:Vpc",
  webAcl: "aws:wafv2/webAcl:WebAcl",
  webAclAssociation: "aws:wafv2/webAclAssociation:WebAclAssociation",
  webAclLogging: "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
} as const;

export const BUCKET_TYPES: readonly string[] = [T.bucket, T.bucketV2];
export const LISTENER_TYPES: readonly string[] = [T.lbListener, T.albListener];
export const LOAD_BALANCER_TYPES: readonly string[] = [T.lbLoadBalancer, T.albLoadBalancer];
export const SSE_TYPES: readonly string[] = [T.bucketSse, T.bucketSseV2];
export const VERSIONING_TYPES: readonly string[] = [T.bucketVersioning, T.bucketVersioningV2];
export const LIFECYCLE_TYPES: readonly string[] = [T.bucketLifecycle, T.bucketLifecycleV2];

/** Props of a resource as the policy sees them: the unwrapped inputs of its Args type. */
export type PropsOf<TArgs> = Unwrap<NonNullable<TArgs>>;

// ------------------------------------------------------------------------------------------------
// Unknown values
// ------------------------------------------------------------------------------------------------

export function isUnknownValueError(e: unknown): e is Error {
  return e instanceof proxyModule.UnknownValueError;
}

/** true for the engine's unknown-value sentinels. */
export function isUnknown(value: unknown): boolean {
  return typeof value === "string" && SENTINELS.has(value);
}

/** The raw value of obj[key] without going through the unknown-checking proxy (never throws). */
export function rawValue(obj: unknown, key: string | number): unknown {
  if (obj === null || typeof obj !== "object") {
    return undefined;
  }
  const desc = Object.getOwnPropertyDescriptor(obj, key);
  return desc && "value" in desc ? (desc.value as unknown) : undefined;
}

/**
 * Presence check: obj[key] is given (an unknown value counts as given). Never throws, so a mandatory
 * "must be set" check keeps its level during preview.
 */
export function isSet(obj: unknown, key: string | number): boolean {
  const value = rawValue(obj, key);
  return value !== undefined && value !== null && value !== "";
}

/** obj[key] when it is known; undefined when absent or unknown. Never throws. */
export function peek(obj: unknown, key: string | number): unknown {
  const value = rawValue(obj, key);
  return isUnknown(value) ? undefined : value;
}

/** A known string at obj[key], else undefined. Never throws. */
export function peekString(obj: unknown, key: string): string | undefined {
  const value = peek(obj, key);
  return typeof value === "string" ? value : undefined;
}

/** A known string at obj[key] for messages, else "?". Never throws. */
export function label(obj: unknown, key: string): string {
  return peekString(obj, key) ?? "?";
}

/** Evaluates its argument for the side effect of reading it (an unknown value throws). */
export function touch(_value: unknown): void {}

/**
 * Runs every check even when one reads an unknown value; rethrows the first UnknownValueError at
 * the end, so violations found by the other checks are still reported (as they would be by the
 * engine) and the unknown still yields the preview advisory.
 */
export function checkAll(checks: ReadonlyArray<() => void>): void {
  let deferred: Error | undefined;
  for (const check of checks) {
    try {
      check();
    } catch (e) {
      if (!isUnknownValueError(e)) {
        throw e;
      }
      deferred ??= e;
    }
  }
  if (deferred) {
    throw deferred;
  }
}

/** checkAll over a list of items. */
export function forEachChecked<TItem>(items: Iterable<TItem>, check: (item: TItem) => void): void {
  checkAll([...items].map((item) => () => check(item)));
}

/** Reads an array-valued prop as a plain array of (proxied) elements; absent means empty. */
export function arrayOf<TItem>(value: readonly TItem[] | undefined | null): TItem[] {
  if (value === undefined || value === null) {
    return [];
  }
  const out: TItem[] = [];
  for (let i = 0; i < value.length; i++) {
    out.push(value[i]);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Relations between resources (stack policies)
// ------------------------------------------------------------------------------------------------

/**
 * true when `from`'s input `prop` came from `to` (through propertyDependencies). A dependency on a
 * remote component (awsx) also counts for its children, whose URNs the program never sees.
 */
export function dependsVia(from: PolicyResource, prop: string, to: PolicyResource): boolean {
  const deps = from.propertyDependencies[prop] ?? [];
  return deps.some((d) => d.urn === to.urn || (to.parent !== undefined && d.urn === to.parent.urn));
}

/** Resources of `types` attached to `bucket` through their `bucket` input (or the same literal name). */
export function attachedToBucket(
  resources: PolicyResource[],
  types: readonly string[],
  bucket: PolicyResource,
): PolicyResource[] {
  const bucketName = peekString(bucket.props, "bucket");
  return ofTypes(resources, types).filter(
    (r) =>
      dependsVia(r, "bucket", bucket) ||
      (bucketName !== undefined && peekString(r.props, "bucket") === bucketName),
  );
}

/** Resources of the given types. */
export function ofTypes(resources: PolicyResource[], types: readonly string[]): PolicyResource[] {
  return resources.filter((r) => types.includes(r.type));
}

/** The typed props of a stack resource. */
export function propsOf<TArgs>(r: PolicyResource): PropsOf<TArgs> {
  return r.props as PropsOf<TArgs>;
}

/** `Kind "name"`, the way every message names its resource. */
export function named(kind: string, name: string): string {
  return `${kind} "${name}"`;
}

// ------------------------------------------------------------------------------------------------
// Config
// ------------------------------------------------------------------------------------------------

export type JsonSchema = PolicyConfigSchema["properties"][string];

/**
 * The policy's config: the engine applies the schema defaults before the policy runs; the same
 * defaults are applied here too so a pack driven without Configure still has its thresholds.
 */
export function configOf<TConfig extends object>(
  args: Pick<ResourceValidationArgs, "getConfig"> | Pick<StackValidationArgs, "getConfig">,
  defaults: TConfig,
): TConfig {
  return { ...defaults, ...args.getConfig<Partial<TConfig>>() };
}

// ------------------------------------------------------------------------------------------------
// Policy constructors
// ------------------------------------------------------------------------------------------------

export interface PolicyMeta {
  name: string;
  description: string;
  /** Omit to inherit the pack's level (mandatory). */
  enforcementLevel?: EnforcementLevel;
  severity?: Severity;
  remediationSteps?: string;
  tags?: string[];
  configSchema?: PolicyConfigSchema;
}

export type TypedValidation<TArgs> = (
  props: PropsOf<TArgs>,
  args: ResourceValidationArgs,
  report: ReportViolation,
) => void;

const applicability = new WeakMap<ResourceValidation, readonly string[]>();

/**
 * The type tokens a validation applies to, when it declares them (it calls notApplicable() for
 * every other type). Lets an offline runner skip those calls; the engine makes them and gets the
 * same verdict.
 */
export function typesOf(validation: ResourceValidation): readonly string[] | undefined {
  return applicability.get(validation);
}

/** A resource validation that applies to the given type tokens and is "not applicable" elsewhere. */
export function forTypes<TArgs>(
  types: readonly string[],
  validate: TypedValidation<TArgs>,
): ResourceValidation {
  const validation: ResourceValidation = (args, report) => {
    if (!types.includes(args.type)) {
      args.notApplicable(`Policy only applies to resources of type ${types.join(", ")}`);
    }
    validate(args.props as PropsOf<TArgs>, args, report);
  };
  applicability.set(validation, types);
  return validation;
}

/** A resource policy; violations of exempted resources are routed to the exemption report. */
export function resourcePolicy(
  meta: PolicyMeta & { validations: ResourceValidation[] },
): ResourceValidationPolicy {
  const { validations, ...rest } = meta;
  return {
    ...rest,
    validateResource: validations.map((validate) => {
      const wrapped: ResourceValidation = (args, report) =>
        validate(
          args,
          exemptingReport(meta.name, report, () => ({ urn: args.urn, name: args.name })),
        );
      const types = typesOf(validate);
      if (types) {
        applicability.set(wrapped, types);
      }
      return wrapped;
    }),
  };
}

/** A stack policy; violations of exempted resources are routed to the exemption report. */
export function stackPolicy(
  meta: PolicyMeta & { validateStack: StackValidation },
): StackValidationPolicy {
  const { validateStack, ...rest } = meta;
  return {
    ...rest,
    validateStack: (args, report) =>
      validateStack(
        args,
        exemptingReport(meta.name, report, (urn) => {
          const r = urn === undefined ? undefined : args.resources.find((x) => x.urn === urn);
          return r ? { urn: r.urn, name: r.name } : undefined;
        }),
      ),
  };
}
