// Builders for the plan files the diff tests compare. URNs follow Pulumi's shape:
// urn:pulumi:<stack>::<project>::<parent type chain>$<type>::<name>, where the chain leaves out the
// root stack (a child of the stack has just its own type).

import type { PlanFile, PlanResource, PlanValue } from "../../tools/plan/types";

export const PROJECT = "openemr-aws";

export interface ResourceSpec {
  type: string;
  name: string;
  /** Parent resource (its URN supplies the type chain); none means a child of the stack. */
  parent?: PlanResource;
  props?: Record<string, PlanValue>;
  protect?: boolean;
  retainOnDelete?: boolean;
  ignoreChanges?: string[];
  /** Input name -> resources the value came from. */
  deps?: Record<string, PlanResource[]>;
  custom?: boolean;
  stack?: string;
}

function typeChain(parent: PlanResource | undefined): string {
  if (!parent) return "";
  const parts = parent.urn.split("::");
  return `${parts[2] ?? ""}$`;
}

export function resource(spec: ResourceSpec): PlanResource {
  const stack = spec.stack ?? "dev";
  return {
    urn: `urn:pulumi:${stack}::${PROJECT}::${typeChain(spec.parent)}${spec.type}::${spec.name}`,
    type: spec.type,
    name: spec.name,
    custom: spec.custom ?? !spec.type.startsWith("openemr:"),
    parent: spec.parent?.urn ?? null,
    props: spec.props ?? {},
    opts: {
      protect: spec.protect ?? false,
      retainOnDelete: spec.retainOnDelete ?? false,
      dependsOn: [],
      ignoreChanges: spec.ignoreChanges ?? [],
    },
    propertyDependencies: Object.fromEntries(
      Object.entries(spec.deps ?? {}).map(([k, rs]) => [k, rs.map((r) => r.urn)]),
    ),
  };
}

export function component(type: string, name: string, stack = "dev"): PlanResource {
  return resource({ type, name, custom: false, stack });
}

export function plan(
  resources: PlanResource[],
  extra: Partial<Omit<PlanFile, "resources">> = {},
): PlanFile {
  return {
    project: PROJECT,
    stack: "dev",
    preset: "express",
    region: "us-east-1",
    outputs: {},
    ...extra,
    resources,
  };
}
