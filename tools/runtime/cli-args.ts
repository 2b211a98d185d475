// The argument parser of every command in package.json (`npm run <tool> -- ...`). A command
// declares its flags once, in a CliSpec; that table parses the arguments and renders the usage.
//
//   --flag value | --flag=value    a flag that takes a value
//   --flag                         a switch (`--flag=value` is an error)
//   --flag [value] | --flag=value  a flag whose value may be left out (see optionalValue)
//   --help | -h                    the usage on stdout, exit 0 (wins over any other argument)
//   --                             what follows is positional
// An unknown flag, a stray positional, a missing value, a missing required flag or a repeated flag
// that is not repeatable: "<tool>: <what is wrong>", a blank line and the usage on stderr, exit 2.

/** A flag that takes no value: given or not. */
export interface SwitchFlag {
  readonly help: string;
  readonly value?: never;
}

/** A flag with a value, named `<value>` in the usage text. */
export interface ValueFlag {
  readonly value: string;
  readonly help: string;
  /** The command refuses to run without it. */
  readonly required?: boolean;
  /** May be given more than once; the values are kept in order. */
  readonly repeatable?: boolean;
  /**
   * The value may be left out: parsed as `true` when the flag stands alone. Without `=`, the next
   * argument is taken as the value unless it starts with "-" or the command takes positional
   * arguments (then only `--flag=value` gives one).
   */
  readonly optionalValue?: boolean;
}

export type FlagSpec = SwitchFlag | ValueFlag;

/** A required positional argument, named `<name>` in the usage text. */
export interface PositionalSpec {
  readonly name: string;
  readonly help: string;
}

export interface CliSpec<
  F extends Readonly<Record<string, FlagSpec>> = Readonly<Record<string, FlagSpec>>,
  P extends readonly PositionalSpec[] = readonly PositionalSpec[],
> {
  /** The package.json script: messages start with `<tool>:`, the usage with `npm run <tool>`. */
  readonly tool: string;
  /** What the command does, printed under the usage line. */
  readonly summary: string;
  /** Flag names without the leading `--`, in the order the usage lists them. */
  readonly flags: F;
  readonly positionals?: P;
  /** Printed last (exit codes, output format). */
  readonly notes?: string;
}

/** What a flag parses to: a switch to a boolean, a value flag to its value(s). */
export type FlagValue<S extends FlagSpec> = S extends { readonly value: string }
  ? S extends { readonly optionalValue: true }
    ? string | true | undefined
    : S extends { readonly repeatable: true }
      ? string[]
      : S extends { readonly required: true }
        ? string
        : string | undefined
  : boolean;

export interface ParsedArgs<
  F extends Readonly<Record<string, FlagSpec>>,
  P extends readonly PositionalSpec[],
> {
  readonly flags: { -readonly [K in keyof F]: FlagValue<F[K]> };
  readonly positionals: { -readonly [K in keyof P]: string };
}

/** Bad arguments: the message says what is wrong, without the tool's name. */
export class UsageError extends Error {}

/** The command's spec with its literal flag table kept in the type (`as const` not needed). */
export function defineCli<
  const F extends Readonly<Record<string, FlagSpec>>,
  const P extends readonly PositionalSpec[] = readonly [],
>(spec: CliSpec<F, P>): CliSpec<F, P> {
  return spec;
}

const HELP_FLAGS = ["--help", "-h"];

function isFlagLike(arg: string): boolean {
  return arg.startsWith("-") && arg !== "-";
}

function takesValue(spec: FlagSpec): spec is ValueFlag {
  return spec.value !== undefined;
}

function flagLabel(name: string, spec: FlagSpec): string {
  if (!takesValue(spec)) return `--${name}`;
  return spec.optionalValue ? `--${name} [<${spec.value}>]` : `--${name} <${spec.value}>`;
}

type Given = Map<string, string[] | string | true>;

/** What the arguments say before the spec's counts and requirements are checked. */
interface Scan {
  readonly help: boolean;
  readonly given: Given;
  readonly positionals: string[];
  /** The first argument the spec does not allow. */
  readonly error?: string;
}

/**
 * One flag argument (`argv[i]`) into `given`. Returns how many arguments it used (2 when the value
 * was the next one) or, when the spec does not allow it, the message.
 */
function takeFlag(
  spec: CliSpec,
  argv: readonly string[],
  i: number,
  given: Given,
): number | string {
  const arg = argv[i];
  const eq = arg.indexOf("=");
  const flag = eq === -1 ? arg : arg.slice(0, eq);
  const inline = eq === -1 ? undefined : arg.slice(eq + 1);
  const name = flag.slice(2);
  const flagSpec =
    flag.startsWith("--") && Object.hasOwn(spec.flags, name) ? spec.flags[name] : undefined;
  if (flagSpec === undefined) {
    return HELP_FLAGS.includes(flag)
      ? `${flag} takes no value (got ${arg})`
      : `unknown argument ${flag}`;
  }
  if (given.has(name) && !(takesValue(flagSpec) && flagSpec.repeatable)) {
    return `${flag} given more than once`;
  }
  if (!takesValue(flagSpec)) {
    if (inline !== undefined) return `${flag} takes no value (got ${arg})`;
    given.set(name, true);
    return 1;
  }
  const next = argv[i + 1];
  // an optional value is never taken from a positional argument's place
  const nextIsValue =
    next !== undefined &&
    !isFlagLike(next) &&
    !(flagSpec.optionalValue && spec.positionals?.length);
  const value = inline ?? (nextIsValue ? next : undefined);
  const used = inline === undefined && nextIsValue ? 2 : 1;
  if (value === undefined && flagSpec.optionalValue) {
    given.set(name, true);
    return 1;
  }
  if (value === undefined || value === "") return `${flag} needs a value`;
  const earlier = given.get(name);
  given.set(
    name,
    flagSpec.repeatable ? [...(Array.isArray(earlier) ? earlier : []), value] : value,
  );
  return used;
}

function scan(spec: CliSpec, argv: readonly string[]): Scan {
  const given: Given = new Map();
  const positionals: string[] = [];
  let error: string | undefined;
  for (let i = 0; i < argv.length;) {
    const arg = argv[i];
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (HELP_FLAGS.includes(arg)) return { help: true, given, positionals };
    if (!isFlagLike(arg)) {
      positionals.push(arg);
      i++;
      continue;
    }
    const taken = takeFlag(spec, argv, i, given);
    if (typeof taken === "string") {
      error ??= taken;
      i++;
    } else i += taken;
  }
  return { help: false, given, positionals, error };
}

/**
 * Parses `argv` (the arguments after the script name) against the spec. Returns "help" when
 * --help or -h is among the flags (whatever else is wrong); throws a UsageError on anything the
 * spec does not allow.
 */
export function parseArgs<
  F extends Readonly<Record<string, FlagSpec>>,
  P extends readonly PositionalSpec[],
>(spec: CliSpec<F, P>, argv: readonly string[]): ParsedArgs<F, P> | "help" {
  const { help, given, positionals, error } = scan(spec, argv);
  if (help) return "help";
  if (error !== undefined) throw new UsageError(error);
  const expected = spec.positionals ?? [];
  if (positionals.length > expected.length) {
    throw new UsageError(`unknown argument ${positionals[expected.length]}`);
  }
  const missing = expected.slice(positionals.length).map((p) => `<${p.name}>`);
  if (missing.length > 0) {
    throw new UsageError(`missing argument${missing.length > 1 ? "s" : ""} ${missing.join(" ")}`);
  }
  const flags: Record<string, string[] | string | boolean | undefined> = {};
  for (const [name, flagSpec] of Object.entries(spec.flags)) {
    const value = given.get(name);
    if (!takesValue(flagSpec)) flags[name] = value === true;
    else if (value !== undefined) flags[name] = value;
    else if (flagSpec.required) throw new UsageError(`${flagLabel(name, flagSpec)} is required`);
    else flags[name] = flagSpec.repeatable ? [] : undefined;
  }
  return { flags, positionals } as unknown as ParsedArgs<F, P>;
}

function synopsisItem(name: string, spec: FlagSpec): string {
  const label = flagLabel(name, spec);
  if (takesValue(spec) && spec.required) return label;
  return takesValue(spec) && spec.repeatable ? `[${label} ...]` : `[${label}]`;
}

function optionHelp(name: string, spec: FlagSpec): string {
  if (!takesValue(spec)) return spec.help;
  const marks = [spec.required && "required", spec.repeatable && "repeatable"].filter(Boolean);
  return marks.length > 0 ? `${spec.help} (${marks.join("; ")})` : spec.help;
}

/** Widest line of the usage text. */
const LINE = 100;

/** `first`, then `words` broken into lines of at most LINE characters that start with `indent`. */
function wrap(first: string, words: readonly string[], indent: string): string {
  const lines = [first];
  for (const word of words) {
    const last = lines[lines.length - 1];
    const joined = last.endsWith(" ") ? last + word : `${last} ${word}`;
    if (joined.length <= LINE) lines[lines.length - 1] = joined;
    else lines.push(indent + word);
  }
  return lines.join("\n");
}

const words = (text: string): string[] => text.trim().split(/\s+/);

/** The usage text: synopsis, summary, one line per argument, notes. Ends with a newline. */
export function usageText(spec: CliSpec): string {
  const flags = Object.entries(spec.flags);
  const positionals = spec.positionals ?? [];
  const synopsis = wrap(
    `Usage: npm run ${spec.tool}`,
    [
      ...(positionals.length + flags.length > 0 ? ["--"] : []),
      ...positionals.map((p) => `<${p.name}>`),
      ...flags.map(([name, flag]) => synopsisItem(name, flag)),
    ],
    "    ",
  );
  const rows: [string, string][] = [
    ...positionals.map((p): [string, string] => [`<${p.name}>`, p.help]),
    ...flags.map(([name, flag]): [string, string] => [
      flagLabel(name, flag),
      optionHelp(name, flag),
    ]),
    ["-h, --help", "print this text and exit"],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const indent = " ".repeat(width + 4);
  const table = rows
    .map(([label, help]) => wrap(`  ${label.padEnd(width)}  `, words(help), indent))
    .join("\n");
  const parts = [synopsis, spec.summary.trim(), table];
  if (spec.notes) parts.push(spec.notes.trim());
  return `${parts.join("\n\n")}\n`;
}

/** What the command prints on stderr for bad arguments before exiting 2. */
export function usageFailure(spec: CliSpec, message: string): string {
  return `${spec.tool}: ${message}\n\n${usageText(spec)}`;
}

/** The command stops here: what to print and the exit status. */
export interface CliExit {
  readonly code: 0 | 2;
  readonly stdout: string;
  readonly stderr: string;
}

/** The parsed arguments, or the exit for --help (0, usage on stdout) and bad arguments (2). */
export function readArgs<
  F extends Readonly<Record<string, FlagSpec>>,
  P extends readonly PositionalSpec[],
>(spec: CliSpec<F, P>, argv: readonly string[]): { args: ParsedArgs<F, P> } | { exit: CliExit } {
  try {
    const args = parseArgs(spec, argv);
    if (args === "help") return { exit: { code: 0, stdout: usageText(spec), stderr: "" } };
    return { args };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return { exit: { code: 2, stdout: "", stderr: usageFailure(spec, e.message) } };
  }
}

interface Writer {
  write(text: string): unknown;
}

/**
 * readArgs for a command that writes to streams: the parsed arguments, or the exit status after
 * the usage or the error has been written.
 */
export function argsOrExitCode<
  F extends Readonly<Record<string, FlagSpec>>,
  P extends readonly PositionalSpec[],
>(
  spec: CliSpec<F, P>,
  argv: readonly string[],
  out: Writer = process.stdout,
  err: Writer = process.stderr,
): ParsedArgs<F, P> | 0 | 2 {
  const read = readArgs(spec, argv);
  if ("args" in read) return read.args;
  if (read.exit.stdout) out.write(read.exit.stdout);
  if (read.exit.stderr) err.write(read.exit.stderr);
  return read.exit.code;
}
