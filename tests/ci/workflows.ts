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
