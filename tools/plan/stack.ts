// Reads a stack's config the way the Pulumi CLI does: Pulumi.<stack>.yaml, then --set overrides in
// the two forms of `pulumi config set` (a whole value, or one member with --path), then the string
// map the program gets. `pulumi up` decrypts secure values before the program sees them; the
// offline plan cannot, so it names each one the program reads and no --set replaced.
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { NAMESPACE, PROJECT } from "../../config";

export { PROJECT };
export const DEFAULT_REGION = "us-east-1";

export class StackFileError extends Error {}

/** A value encrypted by the stack's secrets provider (`secure:` in the file). */
export class Encrypted {
  constructor(readonly ciphertext: string) {}
}

export type ConfigValue =
  string | number | boolean | null | Encrypted | ConfigValue[] | { [key: string]: ConfigValue };

/** A stack's config as the CLI holds it: `namespace:name` keys, values as the file types them. */
export interface StackConfig {
  /** The stack file's name, for messages. */
  file: string;
  values: Record<string, ConfigValue>;
  /** What the overrides did that a reader could miss (a whole object replaced). */
  notes: string[];
}

function isMap(value: ConfigValue | undefined): value is { [key: string]: ConfigValue } {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !(value instanceof Encrypted)
  );
}

/** A YAML value as the CLI reads it: a map holding only a string `secure` is a secure value. */
function fromYaml(value: unknown): ConfigValue {
  if (Array.isArray(value)) return value.map(fromYaml);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0][0] === "secure" && typeof entries[0][1] === "string") {
      return new Encrypted(entries[0][1]);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, fromYaml(v)]));
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return value;
  }
  // toJS gives nothing else but null (a bigint only with its intAsBigInt option)
  return typeof value === "bigint" ? value.toString() : null;
}

/**
 * `namespace:name`, or the old `namespace:config:name`, as the CLI parses a key (config.ParseKey);
 * undefined when the key has no namespace.
 */
function parseKey(key: string): string | undefined {
  const parts = key.split(":");
  if (parts.length === 2 && parts[0] !== "") return key;
  if (parts.length === 3 && parts[1] === "config" && parts[0] !== "") {
    return `${parts[0]}:${parts[2]}`;
  }
  return undefined;
}

/** The YAML of a stack file; a syntax error names the file, its line and column. */
function parseStackYaml(file: string, text: string): unknown {
  const doc = parseDocument(text);
  const [error] = doc.errors;
  if (!error) return doc.toJS();
  const [at] = error.linePos ?? [{ line: 0, col: 0 }];
  const [message, ...context] = error.message.split("\n");
  throw new StackFileError(
    `${file}, line ${at.line}, column ${at.col}: ${message.replace(/ at line \d+, column \d+:$/, "")}\n${context.join("\n").trimEnd()}`,
  );
}

export function readStackConfig(stack: string, root: string): StackConfig {
  if (/[\\/]/.test(stack)) throw new StackFileError(`--stack ${stack}: a stack name, not a path`);
  const file = `Pulumi.${stack}.yaml`;
  const full = path.join(root, file);
  if (!fs.existsSync(full)) {
    const known = fs
      .readdirSync(root)
      .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
      .map((f) => f.slice("Pulumi.".length, -".yaml".length));
    throw new StackFileError(`no stack file ${file}; stacks here: ${known.join(", ") || "none"}`);
  }
  const data = parseStackYaml(file, fs.readFileSync(full, "utf8"));
  const config: unknown = isObjectLike(data) ? data.config : undefined;
  if (data !== null && (!isObjectLike(data) || (config != null && !isObjectLike(config)))) {
    throw new StackFileError(`${file}: expected a mapping with a config: mapping of settings`);
  }
  const values: Record<string, ConfigValue> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(config ?? {})) {
    const parsed = parseKey(key);
    if (parsed) {
      values[parsed] = fromYaml(value);
    } else {
      problems.push(
        `${file}: config key ${JSON.stringify(key)} is not <namespace>:<name>; this program's keys are ${NAMESPACE}:<name> (e.g. ${NAMESPACE}:${key.split(":").pop()})`,
      );
    }
  }
  if (problems.length > 0) throw new StackFileError(problems.join("\n"));
  return { file, values, notes: [] };
}

function isObjectLike(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// ---- --set ----

type Segment = string | number;

/**
 * A property path as `pulumi config set --path` reads one (resource.ParsePropertyPath): names
 * joined by dots, `[0]` list positions, `["a.b"]` for a name with dots or brackets in it.
 */
export function parsePropertyPath(text: string): Segment[] {
  const segments: Segment[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at character ${i + 1} of ${JSON.stringify(text)}`);
  };
  while (i < text.length) {
    if (text[i] === "[") {
      const close = text.indexOf("]", i);
      if (text[i + 1] === '"') {
        let name = "";
        let j = i + 2;
        for (; j < text.length && text[j] !== '"'; j++) {
          if (text[j] === "\\" && j + 1 < text.length) j++;
          name += text[j];
        }
        if (text[j + 1] !== "]") fail('expected "] after a quoted name');
        segments.push(name);
        i = j + 2;
      } else {
        const index = close < 0 ? "" : text.slice(i + 1, close);
        if (!/^\d+$/.test(index)) fail("expected a list position such as [0]");
        segments.push(Number(index));
        i = close + 1;
      }
    } else {
      if (segments.length > 0) {
        if (text[i] !== ".") fail('expected "." or "["');
        i++;
        if (text[i] === "[") continue;
      }
      let end = i;
      while (end < text.length && text[end] !== "." && text[end] !== "[") end++;
      if (end === i) fail("expected a name");
      segments.push(text.slice(i, end));
      i = end;
    }
  }
  if (segments.length === 0) fail("expected a name");
  return segments;
}

/**
 * A `--path` value as the CLI stores it: "true"/"false" become booleans, whole numbers without a
 * leading zero numbers, everything else stays a string (config/object.go, coerce).
 */
function coerce(text: string): ConfigValue {
  if (text === "true") return true;
  if (text === "false") return false;
  if (/^[+-]?\d+$/.test(text) && !(text.length > 1 && text[0] === "0")) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
  }
  return text;
}

const describe = (at: string, segment: Segment) =>
  typeof segment === "number" ? `${at}[${segment}]` : `${at}.${segment}`;

/** `container` with `value` set at `segments` (config/object.go, Set); `at` names the container. */
function setMember(
  container: ConfigValue | undefined,
  segments: Segment[],
  value: ConfigValue,
  at: string,
): ConfigValue {
  if (segments.length === 0) return value;
  const [head, ...rest] = segments;
  const here = describe(at, head);
  if (container === undefined || container === null) {
    container = typeof head === "number" ? new Array<ConfigValue>(head + 1).fill(null) : {};
  }
  if (Array.isArray(container)) {
    if (typeof head !== "number") throw new Error(`${at} is a list: name a position, ${at}[0]`);
    if (head > container.length) {
      throw new Error(
        `${here}: out of range, the list has ${container.length} item(s); [${container.length}] appends`,
      );
    }
    const list = [...container];
    list[head] = setMember(list[head], rest, value, here);
    return list;
  }
  if (isMap(container)) {
    if (typeof head === "number") throw new Error(`${at} is an object: name a key, not [${head}]`);
    return { ...container, [head]: setMember(container[head], rest, value, here) };
  }
  const kind = container instanceof Encrypted ? "an encrypted value" : JSON.stringify(container);
  throw new Error(`${at} is ${kind}, not ${typeof head === "number" ? "a list" : "an object"}`);
}

/** The keys of `before` a JSON object `after` leaves out. */
function droppedKeys(before: ConfigValue | undefined, after: string): string[] {
  if (!isMap(before)) return [];
  try {
    const parsed: unknown = JSON.parse(after);
    return isObjectLike(parsed) ? Object.keys(before).filter((k) => !(k in parsed)) : [];
  } catch {
    return [];
  }
}

/**
 * Applies `--set` overrides, each as `pulumi config set` would: `key=value` sets the whole value (a
 * string, as the CLI stores it without --path), `key.path=value` or `key[0]=value` one member of
 * the object or list (as with --path). A key without a namespace belongs to `openemr`.
 */
export function applyOverrides(config: StackConfig, sets: string[]): StackConfig {
  const values = { ...config.values };
  const notes = [...config.notes];
  for (const set of sets) {
    const eq = set.indexOf("=");
    if (eq <= 0) throw new StackFileError(`--set ${set}: expected key=value`);
    const key = set.slice(0, eq);
    const value = set.slice(eq + 1);
    const colon = key.indexOf(":");
    const namespace = colon < 0 ? NAMESPACE : key.slice(0, colon);
    const name = key.slice(colon + 1);
    if (namespace === "" || name.includes(":")) {
      throw new StackFileError(`--set ${set}: expected <namespace>:<name>=value`);
    }
    let segments: Segment[];
    try {
      segments = /[.[]/.test(name) ? parsePropertyPath(name) : [name];
    } catch (err) {
      throw new StackFileError(`--set ${set}: not a key path: ${(err as Error).message}`);
    }
    const [first, ...rest] = segments;
    if (typeof first !== "string") {
      throw new StackFileError(`--set ${set}: a key path starts with a setting's name`);
    }
    const full = `${namespace}:${first}`;
    if (rest.length === 0) {
      const dropped = droppedKeys(values[full], value);
      if (dropped.length > 0) {
        const which = dropped.length === 1 ? `${dropped[0]} is` : `${dropped.join(", ")} are`;
        notes.push(
          `--set ${full}=… replaces the whole object ${config.file} sets (as \`pulumi config set\` without --path does), so ${which} no longer set and ${dropped.length === 1 ? "takes its default" : "take their defaults"}; to change one key, --set ${full}.<key>=<value>`,
        );
      }
      values[full] = value;
      continue;
    }
    // the CLI replaces a top-level value that is not an object or list (compat), deeper ones not
    const current = values[full];
    const root = isMap(current) || Array.isArray(current) ? current : undefined;
    try {
      values[full] = setMember(root, rest, coerce(value), full);
    } catch (err) {
      throw new StackFileError(`--set ${set}: ${(err as Error).message}`);
    }
  }
  return { ...config, values, notes };
}

// ---- what the program gets ----

/** A secure value the program reads, which the offline plan cannot decrypt. */
export interface EncryptedSetting {
  /** The top-level key holding it, e.g. openemr:fargate. */
  key: string;
  /** Its own path, e.g. openemr:fargate.someKey. */
  path: string;
  /** What to tell the user. */
  problem: string;
}

/** Keys whose values the program reads; any other secure value reaches only the AWS provider. */
const readByProgram = (key: string) => key.startsWith(`${NAMESPACE}:`) || key === "aws:region";

/** Stands in for a secure value the program does not read (provider credentials, for one). */
const UNREAD_SECRET = "[secret]";

function pathText(at: string, segment: Segment): string {
  if (typeof segment === "number") return `${at}[${segment}]`;
  return /^[A-Za-z0-9_$-]+$/.test(segment)
    ? `${at}.${segment}`
    : `${at}[${JSON.stringify(segment)}]`;
}

/**
 * The config map the program gets from `pulumi up`: strings, with numbers, booleans, objects and
 * lists as JSON text. Secure values the program reads are listed in `encrypted` (and stand in as
 * placeholders in `values`, so the rest of the config can still be checked).
 */
export function programConfig(config: StackConfig): {
  values: Record<string, string>;
  encrypted: EncryptedSetting[];
} {
  const values: Record<string, string> = {};
  const encrypted: EncryptedSetting[] = [];
  for (const [key, value] of Object.entries(config.values)) {
    const plain = (v: ConfigValue, at: string): unknown => {
      if (v instanceof Encrypted) {
        if (readByProgram(key)) {
          encrypted.push({
            key,
            path: at,
            problem: `${at}: is encrypted (secure) in ${config.file}, and the offline plan cannot decrypt it (pulumi up gets it decrypted from the Pulumi CLI); give its plain value with --set ${at}=<value>`,
          });
        }
        return UNREAD_SECRET;
      }
      if (Array.isArray(v)) return v.map((item, i) => plain(item, pathText(at, i)));
      if (isMap(v)) {
        return Object.fromEntries(
          Object.entries(v).map(([k, m]) => [k, plain(m, pathText(at, k))]),
        );
      }
      return v;
    };
    const decrypted = plain(value, key);
    values[key] = typeof decrypted === "string" ? decrypted : JSON.stringify(decrypted);
  }
  return { values, encrypted };
}
