// Runs the real program (index.ts) in-process against Pulumi's mock engine and records every
// resource registration the way the engine would see it.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import {
  specialArchiveSig,
  specialAssetSig,
  specialResourceSig,
  specialSecretSig,
  specialSigKey,
  unknownValue,
} from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import type { RegisterResourceRequest } from "@pulumi/pulumi/proto/resource_pb";
import type { RegisterResourceOutputsRequest } from "@pulumi/pulumi/proto/resource_pb";
import { createMocks } from "./mocks";
import { COMPUTED, SECRET, type PlanFile, type PlanResource, type PlanValue } from "./types";

// Internal runtime functions the mock engine itself uses; their typings are stripped as @internal.
interface RuntimeStore {
  supportsSecrets: boolean;
  supportsResourceReferences: boolean;
  supportsOutputValues: boolean;
  supportsDeletedWith: boolean;
  supportsAliasSpecs: boolean;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeState = require("@pulumi/pulumi/runtime/state") as { getStore(): RuntimeStore };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeSettings = require("@pulumi/pulumi/runtime/settings") as {
  waitForRPCs(): Promise<void>;
};

const ASSET_SIGS: ReadonlySet<unknown> = new Set([specialAssetSig, specialArchiveSig]);

/** Turns the wire form of a property value into its plan form: secrets and unknowns masked. */
export function toPlanValue(value: unknown): PlanValue {
  if (value === unknownValue) return COMPUTED;
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(toPlanValue);
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const sig = obj[specialSigKey];
    if (sig === specialSecretSig) return SECRET;
    if (sig === specialResourceSig) return typeof obj.urn === "string" ? obj.urn : COMPUTED;
    if (ASSET_SIGS.has(sig)) return "<asset>";
    const out: Record<string, PlanValue> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = toPlanValue(v);
    return out;
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "string")
    return value;
  return typeof value === "bigint" ? value.toString() : COMPUTED;
}

/**
 * The URN the engine gives a resource: the qualified type is the parent's whole qualified type
 * chain, then `$` and the resource's type (pulumi/pulumi sdk/go/common/resource/urn.go, NewURN).
 */
export function urnOf(
  parent: string,
  type: string,
  name: string,
  stack: string = settings.getStack(),
  project: string = settings.getProject(),
): string {
  const parentType = parent ? parent.split("::")[2] : "";
  // children of the stack itself are not qualified by it (resource.RootStackType)
  const qualified =
    parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

class RecordingMonitor extends MockMonitor {
  readonly records: PlanResource[] = [];
  /** URN -> the URNs its aliases name (declared, and inherited from its parent's aliases). */
  private readonly aliasesOf = new Map<string, string[]>();

  constructor(mocks: pulumi.runtime.Mocks) {
    super(mocks);
    // MockMonitor names a child `<parent's last type>$<type>`; the engine uses the parent's whole
    // type chain. Its newUrn is private in the typings, so it is replaced on the instance: the URNs
    // the program sees (parents, dependencies) are then the ones the real engine would give.
    (this as unknown as { newUrn: (parent: string, type: string, name: string) => string }).newUrn =
      (parent, type, name) => urnOf(parent, type, name);
  }

  /** The URNs a resource's aliases stand for, as the engine resolves them. */
  private aliasUrns(req: RegisterResourceRequest, parent: string): string[] {
    const out = new Set<string>();
    for (const alias of req.getAliasesList()) {
      const spec = alias.getSpec();
      if (!spec) {
        if (alias.getUrn()) out.add(alias.getUrn());
        continue;
      }
      const oldParent = spec.getNoparent() ? "" : spec.getParenturn() || parent;
      out.add(
        urnOf(
          oldParent,
          spec.getType() || req.getType(),
          spec.getName() || req.getName(),
          spec.getStack() || settings.getStack(),
          spec.getProject() || settings.getProject(),
        ),
      );
    }
    // a child of an aliased parent is known under that parent's old URNs too
    for (const parentAlias of this.aliasesOf.get(parent) ?? []) {
      out.add(urnOf(parentAlias, req.getType(), req.getName()));
    }
    return [...out];
  }

  stackOutputs: Record<string, PlanValue> = {};

  override async registerResource(
    req: RegisterResourceRequest,
    callback: (err: unknown, response: unknown) => void,
  ): Promise<void> {
    const type = req.getType();
    const parent = req.getParent();
    const urn = urnOf(parent, type, req.getName());
    const propertyDependencies: Record<string, string[]> = {};
    const implied = new Set<string>();
    req.getPropertydependenciesMap().forEach((deps, prop) => {
      const urns = deps.getUrnsList();
      if (urns.length > 0) propertyDependencies[prop] = [...urns];
      urns.forEach((u) => implied.add(u));
    });
    const aliases = this.aliasUrns(req, parent);
    if (aliases.length > 0) this.aliasesOf.set(urn, aliases);
    if (type !== "pulumi:pulumi:Stack") {
      this.records.push({
        urn,
        type,
        name: req.getName(),
        custom: req.getCustom(),
        ...(req.getRemote() ? { remote: true } : {}),
        parent: parent || null,
        props: toPlanValue(req.getObject()?.toJavaScript() ?? {}) as Record<string, PlanValue>,
        opts: {
          protect: req.getProtect() ?? false,
          retainOnDelete: req.getRetainondelete() ?? false,
          dependsOn: req.getDependenciesList().filter((d) => !implied.has(d)),
          ignoreChanges: req.getIgnorechangesList(),
          ...(aliases.length > 0 ? { aliases } : {}),
        },
        propertyDependencies,
      });
    }
    return super.registerResource(req, callback);
  }

  override registerResourceOutputs(
    req: RegisterResourceOutputsRequest,
    callback: (err: unknown, response: unknown) => void,
  ): void {
    if (req.getUrn().includes("::pulumi:pulumi:Stack::")) {
      this.stackOutputs = toPlanValue(req.getOutputs()?.toJavaScript() ?? {}) as Record<
        string,
        PlanValue
      >;
    }
    super.registerResourceOutputs(req, callback);
  }
}

export interface RunProgramOptions {
  project: string;
  stack: string;
  region: string;
  preset: string;
  /** Full config map, keys such as "openemr:preset" and "aws:region", values as strings. */
  config: Record<string, string>;
  /** Path of the program module; defaults to the repository's index.ts. */
  programPath?: string;
}

export interface ProgramRun {
  plan: PlanFile;
  /** Secret values the mocks generated; they must never appear in the plan or its summary. */
  secretsProduced: string[];
}

// The Pulumi runtime is process-global: programs run one after another, never interleaved.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs the program against the mock engine. Several runs in one process are fine: each resets the
 * runtime's options and loads the program module afresh (measured: plans identical to one run per
 * process); they are queued so that two never overlap.
 */
export function runProgram(opts: RunProgramOptions): Promise<ProgramRun> {
  const run = queue.then(() => runOnce(opts));
  queue = run.catch(() => undefined);
  return run;
}

async function runOnce(opts: RunProgramOptions): Promise<ProgramRun> {
  const secretsProduced: string[] = [];
  pulumi.runtime.setAllConfig(opts.config);
  const monitor = new RecordingMonitor(createMocks({ region: opts.region, secretsProduced }));
  settings.setMockOptions(monitor, opts.project, opts.stack, false);
  const store = runtimeState.getStore();
  store.supportsSecrets = true;
  store.supportsResourceReferences = true;
  store.supportsOutputValues = false;
  store.supportsDeletedWith = true;
  store.supportsAliasSpecs = true;

  const programPath = require.resolve(
    opts.programPath ?? path.resolve(__dirname, "../../index.ts"),
  );
  // load the program afresh: a cached module would not register its resources again
  delete require.cache[programPath];
  // An error thrown inside an apply (e.g. user data over EC2's limit) rejects a promise nobody
  // awaits, sometimes after the registrations have settled, sometimes leaving a dependent waiting
  // forever; the real engine fails the update with it, so the plan fails too.
  let failure: { reason: unknown } | undefined;
  let failNow: ((reason: unknown) => void) | undefined;
  const failed = new Promise<never>((_, reject) => (failNow = reject));
  failed.catch(() => undefined);
  const onRejection = (reason: unknown) => {
    failure ??= { reason };
    failNow?.(reason);
  };
  process.on("unhandledRejection", onRejection);
  try {
    await Promise.race([
      (async () => {
        await pulumi.runtime.runInPulumiStack(() => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const program = require(programPath) as Record<string, unknown>;
          return Promise.resolve({ ...program });
        });
        await runtimeSettings.waitForRPCs();
        // let rejections of the last registrations surface
        await new Promise((resolve) => setTimeout(resolve, 20));
      })(),
      failed,
    ]);
  } catch (err) {
    failure ??= { reason: err };
  } finally {
    // a failed program leaves registrations that reject a moment later: let them surface here,
    // not in the next plan of this process
    if (failure) await new Promise((resolve) => setTimeout(resolve, 200));
    process.off("unhandledRejection", onRejection);
  }
  if (failure) throw failure.reason;

  return {
    plan: {
      project: opts.project,
      stack: opts.stack,
      preset: opts.preset,
      region: opts.region,
      resources: monitor.records,
      outputs: monitor.stackOutputs,
    },
    secretsProduced,
  };
}
