// Names, identifiers and descriptions AWS would refuse at `pulumi up`, found in an offline plan.
// The limits come from constraints.json (botocore's service models plus documented rules, written by
// generate.py); names the provider would generate for unset properties come from autonames.json
// (pulumi-aws provider/resources.go) and are checked like names the program sets.
import { COMPUTED, SECRET, type PlanFile, type PlanResource, type PlanValue } from "../plan/types";
import autonamesJson from "./autonames.json";
import constraintsJson from "./constraints.json";

export interface AwsRuleViolation {
  urn: string;
  type: string;
  /** Property path, e.g. `name`, `rules[0].visibilityConfig.metricName`. */
  property: string;
  value: string;
  /** The API operation and member, and what it requires. */
  rule: string;
  /** `botocore <version>`, `documented: <url>` or `pulumi-aws <path>@<commit>`. */
  source: string;
  /** The program sets no value: `value` is the name the provider would generate. */
  autonamed?: boolean;
}

export interface NamePattern {
  pattern: string;
  flags?: string;
  reason: string;
}

/** One row of constraints.json. */
export interface ConstraintRule {
  type: string;
  /** Dot-separated path; `[]` after a segment: every element; `@json`: the string is JSON. */
  property: string;
  api: { service: string; operation: string; member: string; model: string; shape: string };
  min?: number;
  max?: number;
  /** The pattern as botocore has it (Java syntax). */
  pattern?: string;
  /** The pattern as a JavaScript regular expression (`u` flag) the whole value must match. */
  jsPattern?: string;
  mustNotMatch?: NamePattern[];
  note?: string;
  source: string;
  url?: string;
}

export interface ConstraintsTable {
  generator: string;
  botocore: { version: string };
  rules: ConstraintRule[];
}

export interface AutonameRule {
  type: string;
  property: string;
  separator: string;
  randomLength: number;
  maxLength: number;
  transform?: "lowercase";
  prefix?: string;
  postfixWhen?: { property: string; equals: PlanValue; postfix: string };
  conflictsWith: string[];
  origin: string;
}

export interface PrefixedNameRule {
  type: string;
  property: string;
  prefixProperty: string;
  suffixForChecks: string;
  origin: string;
}

export interface AutonamesTable {
  source: { repository: string; path: string; commit: string };
  suffixForChecks: string;
  resources: AutonameRule[];
  prefixed: PrefixedNameRule[];
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function field<T>(o: Json, key: string, is: (v: unknown) => v is T, what: string): T {
  const v = o[key];
  if (!is(v)) throw new Error(`aws-rules: ${what}.${key} is missing or malformed`);
  return v;
}

function optional<T>(
  o: Json,
  key: string,
  is: (v: unknown) => v is T,
  what: string,
): T | undefined {
  return o[key] === undefined ? undefined : field(o, key, is, what);
}

const isString = (v: unknown): v is string => typeof v === "string";
const isNumber = (v: unknown): v is number => typeof v === "number";
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isStrings = (v: unknown): v is string[] => isArray(v) && v.every(isString);
const isPlanValue = (v: unknown): v is PlanValue => v !== undefined;

/** Reads constraints.json (or a table of the same shape), refusing a malformed one. */
export function parseConstraints(raw: unknown): ConstraintsTable {
  if (!isObject(raw)) throw new Error("aws-rules: the constraints table is not an object");
  const botocore = field(raw, "botocore", isObject, "constraints");
  const rules = field(raw, "rules", isArray, "constraints").map((r, i): ConstraintRule => {
    const what = `constraints.rules[${i}]`;
    if (!isObject(r)) throw new Error(`aws-rules: ${what} is not an object`);
    const api = field(r, "api", isObject, what);
    const notMatch = optional(r, "mustNotMatch", isArray, what)?.map((p, j): NamePattern => {
      if (!isObject(p)) throw new Error(`aws-rules: ${what}.mustNotMatch[${j}] is not an object`);
      return {
        pattern: field(p, "pattern", isString, what),
        flags: optional(p, "flags", isString, what),
        reason: field(p, "reason", isString, what),
      };
    });
    return {
      type: field(r, "type", isString, what),
      property: field(r, "property", isString, what),
      api: {
        service: field(api, "service", isString, what),
        operation: field(api, "operation", isString, what),
        member: field(api, "member", isString, what),
        model: field(api, "model", isString, what),
        shape: field(api, "shape", isString, what),
      },
      min: optional(r, "min", isNumber, what),
      max: optional(r, "max", isNumber, what),
      pattern: optional(r, "pattern", isString, what),
      jsPattern: optional(r, "jsPattern", isString, what),
      mustNotMatch: notMatch,
      note: optional(r, "note", isString, what),
      source: field(r, "source", isString, what),
      url: optional(r, "url", isString, what),
    };
  });
  return {
    generator: field(raw, "generator", isString, "constraints"),
    botocore: { version: field(botocore, "version", isString, "constraints.botocore") },
    rules,
  };
}

/** Reads autonames.json (or a table of the same shape), filling in its defaults. */
export function parseAutonames(raw: unknown): AutonamesTable {
  if (!isObject(raw)) throw new Error("aws-rules: the autonames table is not an object");
  const source = field(raw, "source", isObject, "autonames");
  const defaults = field(raw, "default", isObject, "autonames");
  const resources = field(raw, "resources", isArray, "autonames").map((r, i): AutonameRule => {
    const what = `autonames.resources[${i}]`;
    if (!isObject(r)) throw new Error(`aws-rules: ${what} is not an object`);
    const postfix = optional(r, "postfixWhen", isObject, what);
    const transform = optional(r, "transform", isString, what);
    if (transform !== undefined && transform !== "lowercase") {
      throw new Error(`aws-rules: ${what}.transform ${transform} is not known`);
    }
    return {
      type: field(r, "type", isString, what),
      property: field(r, "property", isString, what),
      separator:
        optional(r, "separator", isString, what) ??
        field(defaults, "separator", isString, "autonames.default"),
      randomLength:
        optional(r, "randomLength", isNumber, what) ??
        field(defaults, "randomLength", isNumber, "autonames.default"),
      maxLength:
        optional(r, "maxLength", isNumber, what) ??
        field(defaults, "maxLength", isNumber, "autonames.default"),
      transform,
      prefix: optional(r, "prefix", isString, what),
      postfixWhen: postfix && {
        property: field(postfix, "property", isString, what),
        equals: field(postfix, "equals", isPlanValue, what),
        postfix: field(postfix, "postfix", isString, what),
      },
      conflictsWith: optional(r, "conflictsWith", isStrings, what) ?? [],
      origin: field(r, "origin", isString, what),
    };
  });
  const prefixed = field(raw, "prefixed", isArray, "autonames").map((r, i): PrefixedNameRule => {
    const what = `autonames.prefixed[${i}]`;
    if (!isObject(r)) throw new Error(`aws-rules: ${what} is not an object`);
    return {
      type: field(r, "type", isString, what),
      property: field(r, "property", isString, what),
      prefixProperty: field(r, "prefixProperty", isString, what),
      suffixForChecks: field(r, "suffixForChecks", isString, what),
      origin: field(r, "origin", isString, what),
    };
  });
  return {
    source: {
      repository: field(source, "repository", isString, "autonames.source"),
      path: field(source, "path", isString, "autonames.source"),
      commit: field(source, "commit", isString, "autonames.source"),
    },
    suffixForChecks: field(raw, "suffixForChecks", isString, "autonames"),
    resources,
    prefixed,
  };
}

export const CONSTRAINTS: ConstraintsTable = parseConstraints(constraintsJson);
export const AUTONAMES: AutonamesTable = parseAutonames(autonamesJson);

interface Segment {
  key: string;
  json: boolean;
  each: boolean;
}

function parsePath(path: string): Segment[] {
  return path.split(".").map((part) => {
    const each = part.endsWith("[]");
    const base = each ? part.slice(0, -2) : part;
    const json = base.endsWith("@json");
    return { key: json ? base.slice(0, -"@json".length) : base, json, each };
  });
}

interface Found {
  path: string;
  value: PlanValue;
}

/** The values at `segments` below `value`; unknown or secret values end the walk. */
function resolve(value: PlanValue, segments: Segment[], at: string): Found[] {
  if (segments.length === 0) return [{ path: at, value }];
  if (!isObject(value)) return [];
  const [seg, ...rest] = segments;
  let child: PlanValue | undefined = value[seg.key];
  if (child === undefined || child === null) return [];
  const path = at ? `${at}.${seg.key}` : seg.key;
  if (seg.json) {
    if (typeof child !== "string" || child === COMPUTED || child === SECRET) return [];
    try {
      child = JSON.parse(child) as PlanValue;
    } catch {
      return [];
    }
  }
  if (!seg.each) return resolve(child, rest, path);
  if (!Array.isArray(child)) return [];
  return child.flatMap((item, i) => resolve(item, rest, `${path}[${i}]`));
}

interface CompiledRule {
  rule: ConstraintRule;
  segments: Segment[];
  pattern?: RegExp;
  /** For a pattern that is one character class repeated: the class alone, to name bad chars. */
  charClass?: RegExp;
  notMatch: { re: RegExp; reason: string }[];
}

const CHAR_CLASS_PATTERN = /^\^(?:\(\?:)?\^?(\[(?:\\.|[^\]\\])*\])[*+]\$?(?:\))?\$$/;

function compile(rule: ConstraintRule): CompiledRule {
  const cls = rule.jsPattern ? CHAR_CLASS_PATTERN.exec(rule.jsPattern) : null;
  return {
    rule,
    segments: parsePath(rule.property),
    pattern: rule.jsPattern ? new RegExp(rule.jsPattern, "u") : undefined,
    charClass: cls ? new RegExp(`^${cls[1]}$`, "u") : undefined,
    notMatch: (rule.mustNotMatch ?? []).map((p) => ({
      re: new RegExp(p.pattern, `${p.flags ?? ""}u`),
      reason: p.reason,
    })),
  };
}

const RULES_BY_TYPE = new Map<string, CompiledRule[]>();
for (const rule of CONSTRAINTS.rules) {
  const list = RULES_BY_TYPE.get(rule.type) ?? [];
  list.push(compile(rule));
  RULES_BY_TYPE.set(rule.type, list);
}

const AUTONAME_SOURCE = `pulumi-aws ${AUTONAMES.source.path}@${AUTONAMES.source.commit.slice(0, 7)}`;

function sourceOf(rule: ConstraintRule): string {
  return rule.url ? `${rule.source}: ${rule.url}` : rule.source;
}

function isKnownString(v: PlanValue | undefined): v is string {
  return typeof v === "string" && v !== COMPUTED && v !== SECRET;
}

function isUnset(v: PlanValue | undefined): boolean {
  return v === undefined || v === null;
}

/** The logical name: the last part of the URN. */
function logicalName(resource: PlanResource): string {
  return resource.urn.split("::").pop() ?? resource.name;
}

interface Generated {
  value: string;
  /** The provider itself refuses to generate it (longer than its maxLength). */
  problem?: string;
}

/** The name the provider would give `property` of `resource`, when the program sets none. */
function generatedName(resource: PlanResource, property: string): Generated | undefined {
  if (!isUnset(resource.props[property])) return undefined;
  const prefixed = AUTONAMES.prefixed.find(
    (p) => p.type === resource.type && p.property === property,
  );
  if (prefixed) {
    const prefix = resource.props[prefixed.prefixProperty];
    if (isKnownString(prefix)) {
      return { value: prefix + prefixed.suffixForChecks };
    }
    if (!isUnset(prefix)) return undefined;
  }
  const auto = AUTONAMES.resources.find((a) => a.type === resource.type && a.property === property);
  if (!auto || auto.conflictsWith.some((c) => !isUnset(resource.props[c]))) return undefined;
  const logical = logicalName(resource);
  const base = (auto.transform === "lowercase" ? logical.toLowerCase() : logical) + auto.separator;
  const suffix = AUTONAMES.suffixForChecks.slice(0, auto.randomLength);
  let value = base + suffix;
  const when = auto.postfixWhen;
  if (when && resource.props[when.property] === when.equals) value += when.postfix;
  if (auto.prefix && !value.startsWith(auto.prefix)) value = auto.prefix + value;
  const length = [...base].length + auto.randomLength;
  const problem =
    length > auto.maxLength
      ? `pulumi-aws autonaming of ${property}: ${JSON.stringify(base)} and ${auto.randomLength} random characters make ${length}, more than the provider's ${auto.maxLength}; the provider refuses to generate the name`
      : undefined;
  return { value, problem };
}

function describeApi(rule: ConstraintRule): string {
  return `${rule.api.service} ${rule.api.operation} ${rule.api.member}`;
}

/** What `value` breaks in `c`, one message per broken limit. */
function problems(c: CompiledRule, value: string): string[] {
  const out: string[] = [];
  const length = [...value].length;
  const { rule } = c;
  if (rule.min !== undefined && length < rule.min) {
    out.push(`at least ${rule.min} characters (this is ${length})`);
  }
  if (rule.max !== undefined && length > rule.max) {
    out.push(`at most ${rule.max} characters (this is ${length})`);
  }
  if (c.pattern && !c.pattern.test(value)) {
    const cls = c.charClass;
    const bad = cls ? [...new Set([...value].filter((ch) => !cls.test(ch)))] : [];
    const detail =
      bad.length > 0 ? `; not allowed: ${bad.map((b) => JSON.stringify(b)).join(" ")}` : "";
    out.push(`must match /${rule.jsPattern}/${detail}`);
  }
  for (const n of c.notMatch) {
    if (n.re.test(value)) out.push(`must not match /${n.re.source}/ (${n.reason})`);
  }
  return out.map((p) => `${describeApi(rule)}: ${p}`);
}

function checkResource(resource: PlanResource): AwsRuleViolation[] {
  const rules = RULES_BY_TYPE.get(resource.type);
  if (!rules) return [];
  const out: AwsRuleViolation[] = [];
  const base = { urn: resource.urn, type: resource.type };
  const generated = new Map<string, Generated | undefined>();
  for (const c of rules) {
    const top = c.segments[0];
    let found = resolve(resource.props, c.segments, "");
    let autonamed = false;
    if (c.segments.length === 1 && !top.json && !top.each && found.length === 0) {
      if (!generated.has(top.key)) {
        const gen = generatedName(resource, top.key);
        generated.set(top.key, gen);
        if (gen?.problem) {
          out.push({
            ...base,
            property: top.key,
            value: gen.value,
            rule: gen.problem,
            source: AUTONAME_SOURCE,
            autonamed: true,
          });
        }
      }
      const gen = generated.get(top.key);
      if (gen) {
        found = [{ path: top.key, value: gen.value }];
        autonamed = true;
      }
    }
    for (const f of found) {
      if (!isKnownString(f.value)) continue;
      for (const rule of problems(c, f.value)) {
        out.push({
          ...base,
          property: f.path,
          value: f.value,
          rule,
          source: sourceOf(c.rule),
          ...(autonamed ? { autonamed: true } : {}),
        });
      }
    }
  }
  return out;
}

/**
 * Every name, identifier and description in `plan` that AWS's API (or the provider's autonaming)
 * would refuse. Values that are `<computed>` or `<secret>` are skipped.
 */
export function checkAwsRules(plan: PlanFile): AwsRuleViolation[] {
  return plan.resources.filter((r) => r.custom).flatMap(checkResource);
}

/** One line per violation: resource, property, value, rule and source. */
export function formatViolations(violations: AwsRuleViolation[]): string {
  return violations
    .map((v) => {
      const name = v.urn.split("::").pop() ?? v.urn;
      const how = v.autonamed ? " (generated by the provider: the program sets none)" : "";
      return `  - ${name} (${v.type}) ${v.property} = ${JSON.stringify(v.value)}${how}: ${v.rule} [${v.source}]`;
    })
    .join("\n");
}

/** The plan has names AWS would refuse; `npm run plan` exits 2 with this message. */
export class AwsRuleError extends Error {
  constructor(
    readonly stack: string,
    readonly violations: AwsRuleViolation[],
    /** The plan that broke the rules (not written anywhere). */
    readonly plan?: PlanFile,
  ) {
    super(
      `stack ${stack}: ${violations.length} value(s) AWS would refuse at \`pulumi up\`:\n${formatViolations(violations)}`,
    );
    this.name = "AwsRuleError";
  }
}
