// Typed access to the GitHub workflows for the CI tests: parsed with `yaml`, narrowed by hand.

import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";

export const ROOT = resolve(__dirname, "../..");
export const WORKFLOW_DIR = join(ROOT, ".github", "workflows");

export type Mapping = Record<string, unknown>;

export interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with: Mapping;
  env: Mapping;
}

export interface Job {
  id: string;
  raw: Mapping;
  /** undefined when the job does not declare permissions. */
  permissions: Mapping | string | undefined;
  environment: unknown;
  concurrency: Mapping | undefined;
  needs: string[];
  env: Mapping;
  steps: Step[];
  /** strategy.matrix.stack, when the job has such a matrix. */
  matrixStacks: string[] | undefined;
}

export interface Workflow {
  file: string;
  text: string;
  raw: Mapping;
  jobs: Job[];
}

export function isMapping(v: unknown): v is Mapping {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function mapping(v: unknown): Mapping {
  return isMapping(v) ? v : {};
}

function strings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
}

function optionalString(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function toStep(v: unknown): Step {
  const s = mapping(v);
  return {
    name: optionalString(s.name),
    id: optionalString(s.id),
    uses: optionalString(s.uses),
    run: optionalString(s.run),
    with: mapping(s.with),
    env: mapping(s.env),
  };
}

function toJob(id: string, v: unknown): Job {
  const j = mapping(v);
  const perms = j.permissions;
  const matrix = mapping(mapping(j.strategy).matrix);
  return {
    id,
    raw: j,
    permissions: isMapping(perms) || typeof perms === "string" ? perms : undefined,
    environment: j.environment,
    concurrency: isMapping(j.concurrency) ? j.concurrency : undefined,
    needs: strings(j.needs),
    env: mapping(j.env),
    steps: Array.isArray(j.steps) ? j.steps.map(toStep) : [],
    matrixStacks: "stack" in matrix ? strings(matrix.stack) : undefined,
  };
}

export function workflowFiles(): string[] {
  return readdirSync(WORKFLOW_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
}

export function loadWorkflow(file: string): Workflow {
  const text = readFileSync(join(WORKFLOW_DIR, file), "utf8");
  const raw = mapping(parse(text));
  return {
    file,
    text,
    raw,
    jobs: Object.entries(mapping(raw.jobs)).map(([id, j]) => toJob(id, j)),
  };
}

/** Stack names from the Pulumi.<stack>.yaml files at the repository root. */
export function stackFiles(): string[] {
  return readdirSync(ROOT)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

export function usesAction(step: Step, action: string): boolean {
  return step.uses?.split("@")[0] === action;
}

export function job(w: Workflow, id: string): Job {
  const j = w.jobs.find((x) => x.id === id);
  if (!j) throw new Error(`${w.file} has no job ${id}`);
  return j;
}

export function stepNamed(j: Job, idOrName: string): Step {
  const s = j.steps.find((x) => x.id === idOrName || x.name === idOrName);
  if (!s) throw new Error(`job ${j.id} has no step ${idOrName}`);
  return s;
}

/** A `uses:` line of a workflow as written, with its trailing comment. */
export interface UsesLine {
  file: string;
  line: number;
  action: string;
  ref: string;
  comment: string | undefined;
}

export function usesLines(w: Workflow): UsesLine[] {
  const found: UsesLine[] = [];
  w.text.split("\n").forEach((text, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*([^\s#]+)\s*(?:#\s*(.*?))?\s*$/.exec(text);
    if (!m) return;
    const [action = "", ref = ""] = (m[1] ?? "").split("@");
    found.push({ file: w.file, line: i + 1, action, ref, comment: m[2] });
  });
  return found;
}

// ---------------------------------------------------------------------------------------------
// The IAM policies of ci/iam/, and a small evaluator of IAM's rules for them: enough of the policy
// language to run the policies against requests (Action/NotAction, Resource/NotResource with
// wildcards, policy variables, the string, ARN and Null condition operators with IfExists and the
// ForAllValues/ForAnyValue set operators). Explicit deny wins; otherwise a request needs an allow
// from the identity policies and, when the role has one, from its permissions boundary.

export const IAM_DIR = join(ROOT, "ci", "iam");

type Values = string | string[];

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  Action?: Values;
  NotAction?: Values;
  Resource?: Values;
  NotResource?: Values;
  Condition?: Record<string, Record<string, Values | boolean>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export function iamFiles(): string[] {
  return readdirSync(IAM_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort();
}

export function isPolicyDocument(v: unknown): v is PolicyDocument {
  return (
    isMapping(v) &&
    v.Version === "2012-10-17" &&
    Array.isArray(v.Statement) &&
    v.Statement.every((s) => isMapping(s) && (s.Effect === "Allow" || s.Effect === "Deny"))
  );
}

export function loadPolicy(file: string): PolicyDocument {
  const doc: unknown = JSON.parse(readFileSync(join(IAM_DIR, file), "utf8"));
  if (!isPolicyDocument(doc)) throw new Error(`ci/iam/${file} is not an IAM policy document`);
  return doc;
}

/** One request as IAM sees it: the action, the resource ARN, and the request context. */
export interface IamRequest {
  action: string;
  /** The resource ARN; "*" for actions without resource-level permissions. */
  resource?: string;
  context?: Record<string, string | string[]>;
}

export type Decision = "allow" | "deny" | "implicit-deny";

class Unresolved extends Error {}

function list(v: Values | boolean | undefined): string[] {
  if (v === undefined) return [];
  if (typeof v === "boolean") return [String(v)];
  return typeof v === "string" ? [v] : v;
}

function lookup(ctx: IamRequest["context"], key: string): string | string[] | undefined {
  const k = Object.keys(ctx ?? {}).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : ctx?.[k];
}

/** `${key}` replaced from the request context; an unresolvable variable voids the statement. */
function substitute(pattern: string, ctx: IamRequest["context"]): string {
  return pattern.replace(/\$\{([^}]+)\}/g, (_, key: string) => {
    const value = lookup(ctx, key);
    if (typeof value !== "string") throw new Unresolved(key);
    return value;
  });
}

/** IAM's wildcards: `*` any run of characters (none included), `?` one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/-]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, ignoreCase ? "is" : "s").test(value);
}

const NEGATED = new Set(["StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike"]);

function singleValue(op: string, expected: string[], value: string): boolean {
  switch (op) {
    case "StringEquals":
    case "StringNotEquals":
    case "ArnEquals":
    case "ArnNotEquals":
      return expected.includes(value) !== NEGATED.has(op);
    case "StringLike":
    case "StringNotLike":
    case "ArnLike":
    case "ArnNotLike":
      return expected.some((e) => wildcardMatch(e, value)) !== NEGATED.has(op);
    case "Bool":
      return expected.some((e) => e.toLowerCase() === value.toLowerCase());
    default:
      throw new Error(`condition operator ${op} is not modelled`);
  }
}

function conditionHolds(
  operator: string,
  key: string,
  raw: Values | boolean,
  ctx: IamRequest["context"],
): boolean {
  const m = /^(ForAllValues:|ForAnyValue:)?([A-Za-z]+?)(IfExists)?$/.exec(operator);
  if (!m) throw new Error(`bad condition operator ${operator}`);
  const [, set, op = "", ifExists] = m;
  const value = lookup(ctx, key);
  const absent = value === undefined || (Array.isArray(value) && value.length === 0);
  if (op === "Null") return list(raw).some((e) => (e.toLowerCase() === "true") === absent);
  if (absent) {
    if (ifExists || set === "ForAllValues:") return true;
    if (set === "ForAnyValue:") return false;
    return NEGATED.has(op);
  }
  const expected = list(raw).map((e) => substitute(e, ctx));
  const values = typeof value === "string" ? [value] : (value ?? []);
  if (set === "ForAllValues:") return values.every((v) => singleValue(op, expected, v));
  if (set === "ForAnyValue:") return values.some((v) => singleValue(op, expected, v));
  if (values.length !== 1) throw new Error(`${key} has several values: use a set operator`);
  return singleValue(op, expected, values[0] ?? "");
}

/** Whether the statement applies to the request (its effect aside). */
export function statementApplies(s: PolicyStatement, req: IamRequest): boolean {
  try {
    const actionHit = (patterns: string[]) =>
      patterns.some((p) => wildcardMatch(p, req.action, true));
    if (s.Action !== undefined && !actionHit(list(s.Action))) return false;
    if (s.NotAction !== undefined && actionHit(list(s.NotAction))) return false;
    const resource = req.resource ?? "*";
    if (s.Resource !== undefined) {
      const hit = list(s.Resource).some((p) => wildcardMatch(substitute(p, req.context), resource));
      if (!hit) return false;
    }
    if (s.NotResource !== undefined) {
      // IAM resolves policy variables in Resource and in conditions only.
      const patterns = list(s.NotResource);
      if (patterns.some((p) => p.includes("${"))) throw new Error("variable in NotResource");
      if (patterns.some((p) => wildcardMatch(p, resource))) return false;
    }
    for (const [operator, keys] of Object.entries(s.Condition ?? {})) {
      for (const [key, raw] of Object.entries(keys)) {
        if (!conditionHolds(operator, key, raw, req.context)) return false;
      }
    }
    return true;
  } catch (e) {
    if (e instanceof Unresolved) return false;
    throw e;
  }
}

export function decide(policies: PolicyDocument[], req: IamRequest): Decision {
  const applying = policies.flatMap((p) => p.Statement).filter((s) => statementApplies(s, req));
  if (applying.some((s) => s.Effect === "Deny")) return "deny";
  return applying.some((s) => s.Effect === "Allow") ? "allow" : "implicit-deny";
}

/** A role's answer: identity policies, capped by its permissions boundary when it has one. */
export function roleAllows(
  identity: PolicyDocument[],
  boundary: PolicyDocument | undefined,
  req: IamRequest,
): boolean {
  if (decide(identity, req) !== "allow") return false;
  return boundary === undefined || decide([boundary], req) === "allow";
}
