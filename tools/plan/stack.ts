// Reads a stack's config the way the Pulumi CLI does: Pulumi.<stack>.yaml plus --set overrides.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export const PROJECT = "openemr-aws";
export const DEFAULT_REGION = "us-east-1";

export class StackFileError extends Error {}

/** Config values as the engine hands them to the program: strings, with objects as JSON text. */
function asConfigString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function readStackConfig(stack: string, root: string): Record<string, string> {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    const known = fs
      .readdirSync(root)
      .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
      .map((f) => f.slice("Pulumi.".length, -".yaml".length));
    throw new StackFileError(
      `no stack file ${path.basename(file)}; stacks here: ${known.join(", ") || "none"}`,
    );
  }
  const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    const v = value && typeof value === "object" && "value" in value ? value.value : value;
    if (value && typeof value === "object" && "secure" in value) {
      throw new StackFileError(
        `${key}: encrypted (secure) values cannot be read offline; use --set ${key}=<value>`,
      );
    }
    config[key] = asConfigString(v);
  }
  return config;
}

/** Applies `key=value` overrides; a key without a namespace belongs to `openemr`. */
export function applyOverrides(
  config: Record<string, string>,
  sets: string[],
): Record<string, string> {
  const out = { ...config };
  for (const set of sets) {
    const eq = set.indexOf("=");
    if (eq <= 0) throw new StackFileError(`--set ${set}: expected key=value`);
    const key = set.slice(0, eq);
    out[key.includes(":") ? key : `openemr:${key}`] = set.slice(eq + 1);
  }
  return out;
}
