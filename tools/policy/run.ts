// Runs the CrossGuard policy pack over a plan file offline, giving the policies the same arguments
// the Pulumi engine gives them (@pulumi/policy 1.21 server.ts, Pulumi CLI ReconcilePolicyPackConfig):
//  - config: each policy's configSchema defaults, then the pack config ("all", then per policy),
//    validated against the schema; enforcement level = per-policy > "all" > policy's > pack's;
//  - resource policies ("Analyze", once per resource, in plan order): type, props (inputs, wrapped in
//    the SDK's unknown-checking proxy with "<computed>" as the engine's unknown sentinel), urn, name,
//    opts, provider, stackTags, isType/asType, getConfig, notApplicable;
//  - stack policies ("AnalyzeStack", once): every resource with parent, dependencies and
//    propertyDependencies resolved to resource objects.
// A policy that reads an unknown value yields an advisory "can't run policy ... during preview", as
// in `pulumi preview`. Plan props are inputs: stack policies see inputs here and outputs in the engine
// (the names agree).
// Validations that declare their types (the pack's forTypes) are not called for other types: the
// engine calls them and they answer notApplicable(), which yields the same verdict.

import Ajv, { type ValidateFunction } from "ajv";
import * as fs from "fs";
import * as path from "path";
import type {
  EnforcementLevel,
  PolicyProviderResource,
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { Resource } from "@pulumi/pulumi";
import packJson from "../../policy/package.json";
import { typesOf } from "../../policy/policies/common";
import {
  packEnforcementLevel,
  packName,
  policies as packPolicies,
  resetExemptionState,
} from "../../policy/policies";
import { urnName } from "../plan/plan-index";
import {
  COMPUTED,
  type PlanFile,
  type PlanResource,
  type PlanValue,
  type PolicyBlock,
  type PolicyViolation,
} from "../plan/types";

interface ProxyModule {
  unknownCheckingProxy<T extends object>(value: T): T;
  UnknownValueError: new (...args: never[]) => Error;
  unknownStringValue: string;
}

// The SDK's own proxy (typings stripped from @pulumi/policy 1.21.0).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- proxy.d.ts is empty
const proxyModule = require("@pulumi/policy/proxy") as ProxyModule;

type Policy = ResourceValidationPolicy | StackValidationPolicy;

/** A pack to run: the real one (runPolicyPack) or a test double (runPack). */
export interface PackUnderTest {
  name: string;
  version: string;
  enforcementLevel: EnforcementLevel;
  policies: readonly Policy[];
}

/** The openemr-aws-hipaa pack. */
export const PACK: PackUnderTest = {
  name: packName,
  version: packJson.version,
  enforcementLevel: packEnforcementLevel,
  policies: packPolicies,
};

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** A pack config the Pulumi CLI would refuse (exit 2 in the CLI). */
export class PolicyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyConfigError";
  }
}

/**
 * Thrown by args.notApplicable() and caught by the runner, as in the engine. Not an Error subclass:
 * it is thrown for most (resource, policy) pairs, and capturing a stack trace each time would make a
 * run several times slower.
 */
class NotApplicableSignal {
  constructor(readonly reason: string | undefined) {}
}

function throwNotApplicable(reason?: string): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- a control-flow signal, see above
  throw new NotApplicableSignal(reason);
}

export interface ResolvedPolicyConfig {
  enforcementLevel: EnforcementLevel;
  properties: Record<string, unknown>;
}

function isLevel(value: unknown): value is EnforcementLevel {
  return typeof value === "string" && (LEVELS as readonly string[]).includes(value);
}

function isResourcePolicy(p: Policy): p is ResourceValidationPolicy {
  return "validateResource" in p && p.validateResource !== undefined;
}

function isStackPolicy(p: Policy): p is StackValidationPolicy {
  return "validateStack" in p && typeof p.validateStack === "function";
}

/** Splits one config entry (string or object) into its level and properties, as the CLI does. */
function parseEntry(
  key: string,
  value: unknown,
): { level?: EnforcementLevel; props: Record<string, unknown> } {
  if (typeof value === "string") {
    if (!isLevel(value)) {
      throw new PolicyConfigError(
        `parsing enforcement level for "${key}": "${value}" is not a valid enforcement level`,
      );
    }
    return { level: value, props: {} };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new PolicyConfigError(
      `parsing "${key}": ${JSON.stringify(value)} is not a valid value; must be a string or object`,
    );
  }
  const { enforcementLevel, ...props } = value as Record<string, unknown>;
  if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
    throw new PolicyConfigError(
      `parsing enforcement level for "${key}": ${JSON.stringify(enforcementLevel)} is not a valid enforcement level`,
    );
  }
  return { level: enforcementLevel, props };
}

// verbose: an error carries its schema, so a refused "not" can say why (the schema's description)
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validators = new Map<Policy, ValidateFunction | undefined>();

/** The policy's config validator (the engine validates with gojsonschema, draft-07 keywords). */
function schemaValidator(p: Policy): ValidateFunction | undefined {
  if (!validators.has(p)) {
    validators.set(
      p,
      p.configSchema
        ? ajv.compile({
            type: "object",
            properties: p.configSchema.properties,
            ...(p.configSchema.required ? { required: p.configSchema.required } : {}),
          })
        : undefined,
    );
  }
  return validators.get(p);
}

/**
 * Each policy's effective config: schema defaults, then packConfig ("all", then per policy), then
 * validated against the policy's configSchema. Unknown policy names are refused (a typo would
 * otherwise silently leave a policy at its default).
 */
export function resolvePackConfig(
  packConfig: Record<string, unknown> = {},
  pack: PackUnderTest = PACK,
): Map<string, ResolvedPolicyConfig> {
  const names = new Set(pack.policies.map((p) => p.name));
  const entries = Object.entries(packConfig).map(([key, value]) => ({
    key,
    ...parseEntry(key, value),
  }));
  const unknownNames = entries
    .filter((e) => e.key !== "all" && !names.has(e.key))
    .map((e) => e.key);
  if (unknownNames.length > 0) {
    throw new PolicyConfigError(
      `unknown polic${unknownNames.length === 1 ? "y" : "ies"} in the pack config: ${unknownNames.join(", ")}`,
    );
  }
  const all = entries.find((e) => e.key === "all");
  const errors: string[] = [];
  const result = new Map<string, ResolvedPolicyConfig>();
  for (const p of pack.policies) {
    const defaults: Record<string, unknown> = {};
    for (const [k, schema] of Object.entries(p.configSchema?.properties ?? {})) {
      if (typeof schema === "object" && schema.default !== undefined) {
        defaults[k] = structuredClone(schema.default);
      }
    }
    const given = entries.find((e) => e.key === p.name);
    const properties = { ...defaults, ...(given?.props ?? {}) };
    const enforcementLevel =
      given?.level ?? all?.level ?? p.enforcementLevel ?? pack.enforcementLevel;
    const validate = schemaValidator(p);
    if (validate) {
      if (!validate(properties)) {
        for (const e of validate.errors ?? []) {
          const why = e.parentSchema as { description?: unknown } | undefined;
          const message =
            e.keyword === "not" && typeof why?.description === "string"
              ? `${JSON.stringify(e.data)} is not allowed: ${why.description}`
              : (e.message ?? "is invalid");
          errors.push(`${p.name}: ${e.instancePath || "(root)"} ${message}`);
        }
      }
    }
    result.set(p.name, { enforcementLevel, properties });
  }
  if (errors.length > 0) {
    throw new PolicyConfigError(`policy pack configuration is invalid:\n  ${errors.join("\n  ")}`);
  }
  return result;
}

/** Plan values as the engine delivers them: "<computed>" becomes the unknown sentinel. */
export function toEngineValue(value: PlanValue): unknown {
  if (value === COMPUTED) {
    return proxyModule.unknownStringValue;
  }
  if (Array.isArray(value)) {
    return value.map(toEngineValue);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toEngineValue(v)]));
  }
  return value;
}

/** Converts each resource's props once per run; every policy gets its own proxy over them. */
function engineValues(): (r: PlanResource) => Record<string, unknown> {
  const converted = new Map<PlanResource, Record<string, unknown>>();
  return (r) => {
    let value = converted.get(r);
    if (value === undefined) {
      value = toEngineValue(r.props) as Record<string, unknown>;
      converted.set(r, value);
    }
    return proxyModule.unknownCheckingProxy(value);
  };
}

function optionsOf(r: PlanResource): PolicyResourceOptions {
  const opts: PolicyResourceOptions = {
    protect: r.opts.protect,
    ignoreChanges: [...r.opts.ignoreChanges],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
  };
  if (r.parent) {
    opts.parent = r.parent;
  }
  return opts;
}

type ResourceClass = {
  new (...rest: never[]): Resource;
  __pulumiType?: string;
  isInstance?: (o: unknown) => boolean;
};

/** The engine's isTypeOf: the class's __pulumiType, else its isInstance. */
function isTypeOf(type: string, resourceClass: ResourceClass): boolean {
  if (typeof resourceClass.__pulumiType === "string") {
    return resourceClass.__pulumiType === type;
  }
  return (
    typeof resourceClass.isInstance === "function" &&
    resourceClass.isInstance({ __pulumiType: type }) === true
  );
}

function freezeMap(map: Map<string, string>): ReadonlyMap<string, string> {
  return Object.freeze({
    entries: map.entries.bind(map),
    forEach: map.forEach.bind(map),
    get: map.get.bind(map),
    has: map.has.bind(map),
    keys: map.keys.bind(map),
    size: map.size,
    values: map.values.bind(map),
    [Symbol.iterator]: map[Symbol.iterator].bind(map),
  });
}

/**
 * The provider the engine passes with each custom resource: the plan's explicit provider resource of
 * the package, else the package's default provider.
 */
function providerLookup(
  plan: PlanFile,
  engineProps: (r: PlanResource) => Record<string, unknown>,
): (r: PlanResource) => PolicyProviderResource | undefined {
  const byPackage = new Map<string, PlanResource | undefined>();
  return (r) => {
    if (!r.custom || r.type.startsWith("pulumi:providers:")) {
      return undefined;
    }
    const pkg = r.type.split(":")[0];
    const providerType = `pulumi:providers:${pkg}`;
    if (!byPackage.has(pkg)) {
      byPackage.set(
        pkg,
        plan.resources.find((p) => p.type === providerType),
      );
    }
    const explicit = byPackage.get(pkg);
    if (explicit) {
      return {
        type: explicit.type,
        urn: explicit.urn,
        name: explicit.name,
        props: engineProps(explicit),
      };
    }
    return {
      type: providerType,
      urn: `urn:pulumi:${plan.stack}::${plan.project}::${providerType}::default`,
      name: "default",
      props: proxyModule.unknownCheckingProxy(pkg === "aws" ? { region: plan.region } : {}),
    };
  };
}

/** The resource name a violation is about ("" for stack-level violations). */
export function violationResourceName(v: PolicyViolation): string {
  return v.urn === "" ? "" : urnName(v.urn);
}

/** Resource-policy arguments, as the engine builds them per validation (methods on the prototype). */
class ResourceArgs implements ResourceValidationArgs {
  provider?: PolicyProviderResource;
  constructor(
    readonly type: string,
    readonly props: Record<string, unknown>,
    readonly urn: string,
    readonly name: string,
    readonly opts: PolicyResourceOptions,
    readonly stackTags: ReadonlyMap<string, string>,
    private readonly config: Record<string, unknown>,
    provider: PolicyProviderResource | undefined,
  ) {
    if (provider) {
      this.provider = provider;
    }
  }
  isType(cls: ResourceClass): boolean {
    return isTypeOf(this.type, cls);
  }
  asType = ((cls: ResourceClass) =>
    isTypeOf(this.type, cls) ? this.props : undefined) as ResourceValidationArgs["asType"];
  getConfig<T extends object>(): T {
    return structuredClone(this.config) as T;
  }
  notApplicable(reason?: string): never {
    return throwNotApplicable(reason);
  }
}

/** A stack-policy resource; parent and dependencies are filled in once all exist. */
class StackResource implements PolicyResource {
  provider?: PolicyProviderResource;
  parent?: PolicyResource;
  dependencies: PolicyResource[] = [];
  propertyDependencies: Record<string, PolicyResource[]> = {};
  constructor(
    readonly type: string,
    readonly props: Record<string, unknown>,
    readonly urn: string,
    readonly name: string,
    readonly opts: PolicyResourceOptions,
    provider: PolicyProviderResource | undefined,
  ) {
    if (provider) {
      this.provider = provider;
    }
  }
  isType(cls: ResourceClass): boolean {
    return isTypeOf(this.type, cls);
  }
  asType = ((cls: ResourceClass) =>
    isTypeOf(this.type, cls) ? this.props : undefined) as PolicyResource["asType"];
}

/** The repository's root: pack config files are named relative to it. */
const ROOT = path.resolve(__dirname, "../..");

/**
 * The pack config file the workflows pass for a stack (.github/workflows/pr.yml and deploy.yml: the
 * first of policy/config.<stack>.json and policy/config.json that exists), relative to the
 * repository; undefined when there is none (each policy's schema defaults apply).
 */
export function stackConfigFile(stack: string, root: string = ROOT): string | undefined {
  return [`policy/config.${stack}.json`, "policy/config.json"].find((f) =>
    fs.existsSync(path.join(root, f)),
  );
}

/** A pack config file's contents; PolicyConfigError when it is not a JSON object. */
export function readPackConfig(file: string, root: string = ROOT): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(path.resolve(root, file), "utf8")) as unknown;
  } catch (e) {
    throw new PolicyConfigError(
      `cannot read the policy pack config ${file}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new PolicyConfigError(`the policy pack config ${file} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** The verdict, and the config it was reached with. */
export interface StackPolicyBlock extends PolicyBlock {
  /**
   * The pack config file the verdict used (relative to the repository), "<given>" for a config the
   * caller passed, or null for none (each policy's schema defaults).
   */
  config: string | null;
}

/**
 * Runs every policy of the pack over the plan. `passed` is false iff a mandatory violation exists.
 * Without `packConfig`, the pack gets the config file the workflows pass for the plan's stack
 * (stackConfigFile), so the offline verdict is CI's.
 */
export async function runPolicyPack(
  plan: PlanFile,
  packConfig?: Record<string, unknown>,
  configName?: string,
): Promise<StackPolicyBlock> {
  if (packConfig !== undefined) {
    return { ...(await runPack(PACK, plan, packConfig)), config: configName ?? "<given>" };
  }
  const file = stackConfigFile(plan.stack);
  const config = file === undefined ? undefined : readPackConfig(file);
  return { ...(await runPack(PACK, plan, config)), config: file ?? null };
}

/** Runs the policies of `pack` over the plan, as the engine would. */
export async function runPack(
  pack: PackUnderTest,
  plan: PlanFile,
  packConfig?: Record<string, unknown>,
): Promise<PolicyBlock> {
  const config = resolvePackConfig(packConfig, pack);
  const violations: PolicyViolation[] = [];
  const stackTags = freezeMap(new Map([["pulumi:project", plan.project]]));
  const engineProps = engineValues();
  const providerFor = providerLookup(plan, engineProps);
  resetExemptionState();

  const levelOf = (p: Policy): EnforcementLevel | undefined => {
    const level =
      config.get(p.name)?.enforcementLevel ?? p.enforcementLevel ?? pack.enforcementLevel;
    if (level === "disabled") {
      return undefined;
    }
    return level === "remediate" ? "mandatory" : level; // no remediations: reported as mandatory
  };
  const propertiesOf = (p: Policy): Record<string, unknown> => config.get(p.name)?.properties ?? {};
  const reporter = (
    p: Policy,
    level: EnforcementLevel,
    defaultUrn: string | undefined,
  ): ReportViolation => {
    const mandatory = level === "mandatory";
    return (message: string, urn?: string) => {
      violations.push({
        policy: p.name,
        level: mandatory ? "mandatory" : "advisory",
        urn: defaultUrn ?? urn ?? "",
        message,
      });
    };
  };
  const handle = (p: Policy, e: unknown, urn: string): void => {
    if (e instanceof NotApplicableSignal) {
      return;
    }
    const from = `policy '${p.name}' from policy pack '${pack.name}@v${pack.version}'`;
    if (e instanceof proxyModule.UnknownValueError) {
      violations.push({
        policy: p.name,
        level: "advisory",
        urn,
        message: `can't run ${from} during preview: ${e.message}`,
      });
      return;
    }
    const detail = e instanceof Error ? e.message : String(e);
    throw new Error(
      `Error validating ${urn === "" ? "stack" : `resource ${urn}`} with ${from}: ${detail}`,
    );
  };

  // Analyze: resource policies, once per resource.
  const resourcePolicies = pack.policies.flatMap((p) => {
    const level = levelOf(p);
    if (level === undefined || !isResourcePolicy(p) || p.validateResource === undefined) {
      return [];
    }
    const validations = Array.isArray(p.validateResource)
      ? p.validateResource
      : [p.validateResource];
    return [
      { p, level, validations: validations.map((v) => ({ validate: v, types: typesOf(v) })) },
    ];
  });
  for (const r of plan.resources) {
    const opts = optionsOf(r);
    const provider = providerFor(r);
    for (const { p, level, validations } of resourcePolicies) {
      const report = reporter(p, level, r.urn);
      for (const { validate, types } of validations) {
        if (types !== undefined && !types.includes(r.type)) {
          continue; // it would call notApplicable(): same verdict, without the throw
        }
        const args = new ResourceArgs(
          r.type,
          engineProps(r),
          r.urn,
          r.name,
          opts,
          stackTags,
          propertiesOf(p),
          provider,
        );
        try {
          const result = validate(args, report);
          if (result !== undefined) {
            await result;
          }
        } catch (e) {
          handle(p, e, r.urn);
        }
      }
    }
  }

  // AnalyzeStack: stack policies, once.
  for (const p of pack.policies) {
    const level = levelOf(p);
    if (level === undefined || !isStackPolicy(p)) {
      continue;
    }
    const byUrn = new Map<string, StackResource>();
    const resources = plan.resources.map((r) => {
      const resource = new StackResource(
        r.type,
        engineProps(r),
        r.urn,
        r.name,
        optionsOf(r),
        providerFor(r),
      );
      byUrn.set(r.urn, resource);
      return resource;
    });
    const resolve = (urns: Iterable<string>): PolicyResource[] => {
      const out: PolicyResource[] = [];
      for (const u of urns) {
        const found = byUrn.get(u);
        if (found) out.push(found);
      }
      return out;
    };
    plan.resources.forEach((r, i) => {
      const resource = resources[i];
      const parent = r.parent ? byUrn.get(r.parent) : undefined;
      if (parent) {
        resource.parent = parent;
      }
      resource.dependencies = resolve(
        new Set([...r.opts.dependsOn, ...Object.values(r.propertyDependencies).flat()]),
      );
      for (const [prop, urns] of Object.entries(r.propertyDependencies)) {
        resource.propertyDependencies[prop] = resolve(urns);
      }
    });
    const properties = propertiesOf(p);
    const args: StackValidationArgs = {
      resources,
      stackTags,
      getConfig: <T extends object>(): T => structuredClone(properties) as T,
      notApplicable: throwNotApplicable,
    };
    try {
      const result = p.validateStack(args, reporter(p, level, undefined));
      if (result !== undefined) {
        await result;
      }
    } catch (e) {
      handle(p, e, "");
    }
  }

  return { pack: pack.name, passed: !violations.some((v) => v.level === "mandatory"), violations };
}
