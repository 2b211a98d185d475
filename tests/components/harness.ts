// Plans one component, not a whole stack: `planComponent(build)` runs `build` as the program
// (tests/fixtures/component-program.ts) under the plan engine's recording mocks (tools/plan/run.ts)
// and returns the resources it registered, as `npm run plan` records them.
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import { runProgram } from "../../tools/plan/run";
import type { PlanFile, PlanResource, PlanValue } from "../../tools/plan/types";

/** Creates the resources under test; what it returns becomes the `outputs` of the plan. */
export type Builder = () => Record<string, pulumi.Input<unknown>> | void;

export interface PlanComponentOptions {
  /** Stack name (pulumi.getStack()); default "test". */
  stack?: string;
  /** Config on top of `aws:region: us-east-1` (the mocks need a region). */
  config?: Record<string, string>;
}

export interface ComponentPlan {
  plan: PlanFile;
  resources: PlanResource[];
  /** What the builder returned, resolved (secrets and unknowns masked as in a plan). */
  outputs: Record<string, PlanValue>;
  /** The one resource with exactly this logical name (and type, when given). */
  named(name: string, type?: string): PlanResource;
  ofType(type: string): PlanResource[];
  /** The resources a property's value came from. */
  dependenciesOf(r: PlanResource, prop: string): PlanResource[];
  /** The resources named in `r`'s explicit dependsOn. */
  dependsOn(r: PlanResource): PlanResource[];
}

const PROGRAM = path.join(__dirname, "../fixtures/component-program.ts");

let pending: Builder | undefined;

/** For the fixture program: the builder of the run under way (taken once). */
export function takeBuilder(): Builder {
  const build = pending;
  pending = undefined;
  if (!build) throw new Error("component-program: no builder registered; use planComponent()");
  return build;
}

// one registered builder at a time: the next is registered only once the previous run is over
let queue: Promise<unknown> = Promise.resolve();

/** Runs `build` as a Pulumi program under the mocks and returns what it registered. */
export function planComponent(
  build: Builder,
  opts: PlanComponentOptions = {},
): Promise<ComponentPlan> {
  const run = queue.then(async () => {
    pending = build;
    try {
      const { plan } = await runProgram({
        project: "openemr-aws",
        stack: opts.stack ?? "test",
        region: "us-east-1",
        preset: "component",
        config: { "aws:region": "us-east-1", ...opts.config },
        programPath: PROGRAM,
      });
      return componentPlan(plan);
    } finally {
      pending = undefined;
    }
  });
  queue = run.catch(() => undefined);
  return run;
}

function componentPlan(plan: PlanFile): ComponentPlan {
  const byUrn = (urns: string[]) => plan.resources.filter((r) => urns.includes(r.urn));
  return {
    plan,
    resources: plan.resources,
    outputs: (plan.outputs.outputs ?? {}) as Record<string, PlanValue>,
    named(name, type) {
      const found = plan.resources.filter((r) => r.name === name && (!type || r.type === type));
      if (found.length !== 1) {
        throw new Error(
          `expected one resource named ${name}${type ? ` of type ${type}` : ""}, found ${found.length}: ${plan.resources.map((r) => `${r.type}::${r.name}`).join(", ")}`,
        );
      }
      return found[0];
    },
    ofType: (type) => plan.resources.filter((r) => r.type === type),
    dependenciesOf: (r, prop) => byUrn(r.propertyDependencies[prop] ?? []),
    dependsOn: (r) => byUrn(r.opts.dependsOn),
  };
}

/** `type::name` of each resource, in registration order: what a component creates, at a glance. */
export function inventory(resources: PlanResource[]): string[] {
  return resources.map((r) => `${r.type}::${r.name}`);
}
