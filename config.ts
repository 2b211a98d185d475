// Stack configuration: read once, validated up front into one typed object. Components never read
// config; they receive what they need from here. parseConfig is given the whole config map
// (`pulumi.runtime.allConfig()`), so besides the `openemr` namespace it refuses what the program
// would otherwise ignore: keys in the project's namespace, unknown `aws:` keys, a region that is
// not one, and settings the selected preset has no use for. Every problem is reported at once.
import { z } from "zod";
import { stackNameProblem } from "./components/naming/aws-names";
import { supportsPerformanceInsights } from "./components/database/mysql-versions";
import { parseCidr } from "./components/network/cidr";
import { AWS_REGIONS, awsSettingProblem } from "./presets/aws";
import { closest } from "./presets/closest";
import {
  CLOUDWATCH_RETENTION_DAYS,
  DEFAULT_MONTHLY_BUDGET_USD,
  NAMESPACE,
  OPENEMR_PRODUCTION_VERSION,
  PRESETS,
  PROJECT,
  type CommonSettings,
  type PresetName,
  commonSettingDocs,
  commonSettingsSchema,
} from "./presets/common";
import { expressSettingsSchema, resolveExpress, type ExpressSettings } from "./presets/express";
import {
  expressPlusSettingsSchema,
  resolveExpressPlus,
  type ExpressPlusSettings,
} from "./presets/express-plus";
import { checkFargate, fargateSettingsSchema, type FargateSettings } from "./presets/fargate";
import { firewallFields } from "./presets/fields";
import { allowedCidrProblems } from "./presets/ingress";
import { resolveStandard, standardSettingsSchema, type StandardSettings } from "./presets/standard";

export { CLOUDWATCH_RETENTION_DAYS, NAMESPACE, OPENEMR_PRODUCTION_VERSION, PRESETS, PROJECT };
export type { PresetName };

/** Each preset's settings object (`openemr:<preset>`) and its schema. */
export const PRESET_SETTINGS_SCHEMAS = {
  express: expressSettingsSchema,
  "express-plus": expressPlusSettingsSchema,
  standard: standardSettingsSchema,
  fargate: fargateSettingsSchema,
} as const satisfies Record<PresetName, z.ZodObject>;

const GRAVITON_FAMILY = /^(a1|[a-z]+\d+g[a-z]*)$/;

/** true when the EC2 instance type runs on Graviton (arm64). */
export function isGravitonInstanceType(instanceType: string): boolean {
  return GRAVITON_FAMILY.test(instanceType.split(".")[0]);
}

/** The validated common settings (every key of presets/common.ts) and what derives from them. */
export type CommonConfig = Omit<CommonSettings, "preset" | "monthlyBudgetUsd" | "auditTrail"> & {
  /** openemr:monthlyBudgetUsd, or the preset's default (DEFAULT_MONTHLY_BUDGET_USD). */
  monthlyBudgetUsd: number;
  /** openemr:auditTrail, "create" when unset; "none" on plain express, which has no trail. */
  auditTrail: "create" | "existing" | "none";
  /** The image reference the tiers run: tag, plus digest when one is pinned. */
  openemrImage: string;
};

type PresetConfig =
  | { preset: "express"; settings: ExpressSettings }
  | { preset: "express-plus"; settings: ExpressPlusSettings }
  | { preset: "standard"; settings: StandardSettings }
  | { preset: "fargate"; settings: FargateSettings };

export type OpenEmrConfig = CommonConfig & PresetConfig;

/** Thrown for invalid stack config; `pulumi` prints a RunError's message without a stack trace. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** Every key the `openemr` namespace takes: the common settings, then the preset objects. */
const OPENEMR_KEYS: readonly string[] = [...Object.keys(commonSettingsSchema.shape), ...PRESETS];

/** Keys whose stack-config value is the string itself, not JSON text. */
const STRING_KEYS = new Set(
  commonSettingDocs()
    .filter((d) => d.isString)
    .map((d) => d.key),
);

// ---- messages ----

const EXPECTED: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  boolean: "a boolean (true or false)",
  string: "a string",
  object: "an object",
  record: "an object",
  array: "a list",
};

function describeValue(value: unknown): string {
  if (typeof value === "string") return `the string ${show(value)}`;
  if (typeof value === "number") return `the number ${value}`;
  if (Array.isArray(value)) return `the list ${show(value)}`;
  if (value !== null && typeof value === "object") return `the object ${show(value)}`;
  return show(value);
}

/** How to write a number or boolean that arrived as a string (quoted in YAML, or `--path` text). */
function unquoteHint(expected: string, input: unknown): string {
  if (typeof input !== "string") return "";
  const text = input.trim();
  const isNumber = (expected === "number" || expected === "int") && text !== "" && !isNaN(+text);
  const isBoolean = expected === "boolean" && (text === "true" || text === "false");
  if (!isNumber && !isBoolean) return "";
  const fraction = isNumber && !/^[+-]?\d+$/.test(text);
  return `; write it without quotes in Pulumi.<stack>.yaml${fraction ? " (pulumi config set --path stores a fraction as a string unless given --type float)" : ""}`;
}

function typeProblem(key: string, issue: z.core.$ZodIssueInvalidType): string {
  const expected = EXPECTED[issue.expected] ?? issue.expected;
  if (issue.input === undefined) return `${key}: is required; expected ${expected}`;
  const rule = issue.message.startsWith("Invalid input") ? "" : ` (${issue.message})`;
  return `${key}: expected ${expected}, got ${describeValue(issue.input)}${rule}${unquoteHint(issue.expected, issue.input)}`;
}

function unknownKeyProblem(object: string, key: string, allowed: readonly string[]): string {
  const near = closest(key, allowed);
  return `${object}: unknown key ${show(key)}${near ? ` (did you mean ${show(near)}?)` : ""}; allowed keys: ${allowed.join(", ")}`;
}

/** The issues of one setting, `prefix` naming it; `allowedKeys` are an object setting's keys. */
function describeIssues(
  prefix: string,
  issues: readonly z.core.$ZodIssue[],
  allowedKeys: readonly string[] = [],
): string[] {
  return issues.flatMap((issue) => {
    // object keys join with dots, array positions in brackets: openemr:egressAllowedDomains[0]
    const key = issue.path.reduce<string>(
      (at, part) => (typeof part === "number" ? `${at}[${part}]` : `${at}.${String(part)}`),
      prefix,
    );
    const got = "input" in issue && issue.input !== undefined ? `got ${show(issue.input)}; ` : "";
    switch (issue.code) {
      case "invalid_value":
        return [`${key}: ${got}allowed: ${issue.values.map((v) => String(v)).join(", ")}`];
      case "unrecognized_keys":
        return issue.keys.map((k) => unknownKeyProblem(key, k, allowedKeys));
      case "invalid_type":
        return [typeProblem(key, issue)];
      default:
        return [`${key}: ${got}${issue.message}`];
    }
  });
}

// ---- namespaces ----

function projectNamespaceProblem(name: string): string {
  const where = `${PROJECT}:${name}: is in the project's namespace, where \`pulumi config set ${name} …\` (a key without a namespace) puts it; the program reads only ${NAMESPACE}:<key>`;
  if (OPENEMR_KEYS.includes(name)) {
    return `${where}, so this value would be ignored. Move it: pulumi config set ${NAMESPACE}:${name} <value> (with --secret if it is one), then pulumi config rm ${name}`;
  }
  const near = closest(name, OPENEMR_KEYS);
  return `${where} and has no setting ${show(name)}${near ? ` (did you mean ${NAMESPACE}:${near}?)` : ""}. Remove it: pulumi config rm ${name}`;
}

/** A key whose namespace is a misspelling of one the program or its provider reads. */
function namespaceTypoProblem(namespace: string, name: string): string | undefined {
  const near = closest(namespace, [NAMESPACE, "aws", PROJECT]);
  if (!near) return undefined;
  const meant = near === PROJECT ? NAMESPACE : near;
  return `${namespace}:${name}: unknown namespace ${show(namespace)} (did you mean ${meant}:${name}?); the program reads ${NAMESPACE}:<key> and the AWS provider aws:<key>, so this value would be ignored`;
}

/** Decodes a setting's stack-config text: the string itself, or JSON for every other type. */
function decodeSetting(key: string, text: string): { value: unknown } | { problem: string } {
  if (STRING_KEYS.has(key)) return { value: text };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    // text that starts like an object or a list was meant as one: say why it is not
    if (/^\s*[[{]/.test(text)) {
      return {
        problem: `${NAMESPACE}:${key}: not valid JSON (${(err as Error).message}): ${text}`,
      };
    }
    return { value: text };
  }
}

interface RawSettings {
  /** The `openemr` settings, decoded. */
  input: Record<string, unknown>;
  /** aws:region when it is set and valid. */
  region?: string;
}

/** Sorts the config map by namespace, recording the problems of each key it cannot accept. */
function readNamespaces(
  raw: Record<string, string>,
  problems: string[],
  bad: Set<string>,
): RawSettings {
  const out: RawSettings = { input: {} };
  for (const [fullKey, text] of Object.entries(raw)) {
    const colon = fullKey.indexOf(":");
    const namespace = colon < 0 ? "" : fullKey.slice(0, colon);
    const name = fullKey.slice(colon + 1);
    if (namespace === NAMESPACE) {
      // an empty value means unset (`pulumi new` writes template defaults of "")
      if (text === "") continue;
      if (!OPENEMR_KEYS.includes(name)) {
        const near = closest(name, OPENEMR_KEYS);
        problems.push(
          `${fullKey}: unknown key${near ? ` (did you mean ${NAMESPACE}:${near}?)` : ""}; allowed keys: ${OPENEMR_KEYS.join(", ")}`,
        );
        continue;
      }
      const decoded = decodeSetting(name, text);
      if ("problem" in decoded) {
        problems.push(decoded.problem);
        bad.add(name);
      } else {
        out.input[name] = decoded.value;
      }
    } else if (namespace === "aws") {
      const problem = awsSettingProblem(name, text);
      if (problem) problems.push(problem);
      else if (name === "region") out.region = text;
    } else if (namespace === PROJECT) {
      problems.push(projectNamespaceProblem(name));
    } else {
      const problem = namespaceTypoProblem(namespace, name);
      if (problem) problems.push(problem);
    }
  }
  return out;
}

// ---- settings ----

/**
 * The common settings that parsed, each by its own schema so that one bad value does not hide the
 * others; a refused key goes into `bad` and the checks that read it are skipped.
 */
class CommonValues {
  private readonly values: Record<string, unknown> = {};

  constructor(
    input: Record<string, unknown>,
    private readonly bad: Set<string>,
    problems: string[],
  ) {
    for (const [key, schema] of Object.entries(commonSettingsSchema.shape)) {
      if (bad.has(key)) continue;
      const parsed = (schema as z.ZodType).safeParse(input[key], { reportInput: true });
      if (parsed.success) {
        this.values[key] = parsed.data;
        continue;
      }
      bad.add(key);
      if (key === "preset" && input[key] === undefined) {
        problems.push(`${NAMESPACE}:preset: is required; allowed: ${PRESETS.join(", ")}`);
      } else {
        problems.push(...describeIssues(`${NAMESPACE}:${key}`, parsed.error.issues));
      }
    }
  }

  /** Runs `check` with the named settings when every one of them parsed. */
  when<K extends keyof CommonSettings>(keys: K[], check: (s: Pick<CommonSettings, K>) => void) {
    if (keys.every((k) => !this.bad.has(k))) check(this.values as Pick<CommonSettings, K>);
  }

  /** One setting, when it parsed. */
  get<K extends keyof CommonSettings>(key: K): CommonSettings[K] | undefined {
    return this.bad.has(key) ? undefined : (this.values[key] as CommonSettings[K]);
  }

  /** All of them, once every setting parsed. */
  all(): CommonSettings | undefined {
    const keys = Object.keys(commonSettingsSchema.shape);
    return keys.some((k) => this.bad.has(k)) ? undefined : (this.values as CommonSettings);
  }
}

const isExpressTier = (preset: PresetName) => preset === "express" || preset === "express-plus";

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A preset's object parsed by its schema (unset: the defaults); undefined when it is refused. */
function parsePresetObject<S extends z.ZodObject>(
  preset: PresetName,
  schema: S,
  input: unknown,
  problems: string[],
): z.output<S> | undefined {
  const parsed = schema.safeParse(input ?? {}, { reportInput: true });
  if (parsed.success) return parsed.data;
  problems.push(
    ...describeIssues(`${NAMESPACE}:${preset}`, parsed.error.issues, Object.keys(schema.shape)),
  );
  return undefined;
}

/** Validates the preset's object and its cross-field rules; undefined when it is refused. */
function presetSettings(
  preset: PresetName,
  input: unknown,
  architecture: "arm64" | "x86_64" | undefined,
  problems: string[],
): PresetConfig | undefined {
  const key = `${NAMESPACE}:${preset}`;
  const parse = <S extends z.ZodObject>(schema: S) =>
    parsePresetObject(preset, schema, input, problems);
  // with openemr:architecture refused, the defaults follow arm64 and the pairing is not checked
  const arch = architecture ?? "arm64";
  const checkInstanceArch = (instanceType: string) => {
    if (!architecture || isGravitonInstanceType(instanceType) === (architecture === "arm64"))
      return;
    problems.push(
      `${key}.instanceType: got ${show(instanceType)}; ${NAMESPACE}:architecture is ${architecture}, allowed: ${architecture === "arm64" ? "Graviton types such as t4g.micro, t4g.small, m7g.large" : "x86_64 types such as t3.small, t3a.small, m7i.large"}`,
    );
  };
  switch (preset) {
    case "express": {
      const parsed = parse(expressSettingsSchema);
      if (!parsed) return undefined;
      const settings = resolveExpress(parsed, arch);
      checkInstanceArch(settings.instanceType);
      return { preset, settings };
    }
    case "express-plus": {
      const parsed = parse(expressPlusSettingsSchema);
      if (!parsed) return undefined;
      const settings = resolveExpressPlus(parsed, arch);
      checkInstanceArch(settings.instanceType);
      return { preset, settings };
    }
    case "standard": {
      const parsed = parse(standardSettingsSchema);
      if (!parsed) return undefined;
      const settings = resolveStandard(parsed, arch);
      checkInstanceArch(settings.instanceType);
      if (settings.performanceInsights && !supportsPerformanceInsights(settings.dbInstanceClass)) {
        problems.push(
          `${key}.performanceInsights: got true with dbInstanceClass ${show(settings.dbInstanceClass)}; RDS for MySQL offers Performance Insights only from db.t3.medium / db.t4g.medium up (not on t2/t3/t4g micro or small). Allowed: false, or a larger dbInstanceClass such as db.t4g.medium`,
        );
      }
      if (settings.dbMaxAllocatedStorageGb < settings.dbAllocatedStorageGb) {
        problems.push(
          `${key}.dbMaxAllocatedStorageGb: got ${settings.dbMaxAllocatedStorageGb}; must be at least dbAllocatedStorageGb (${settings.dbAllocatedStorageGb})`,
        );
      }
      return { preset, settings };
    }
    case "fargate": {
      const settings = parse(fargateSettingsSchema);
      if (!settings) return undefined;
      problems.push(...checkFargate(settings).map((p) => `${key}.${p}`));
      return { preset, settings };
    }
  }
}

/** What a check of the settings against the selected preset reads, and where it reports. */
interface Fit {
  preset: PresetName;
  expressTier: boolean;
  common: CommonValues;
  /** The preset's object as given (before its schema's defaults). */
  presetInput: unknown;
  /** The common settings as given: which ones the stack sets (before the schemas' defaults). */
  given: (key: string) => boolean;
  /** aws:region, when it is set and valid. */
  region: string | undefined;
  problems: string[];
}

const ns = NAMESPACE;

/** A load balancer takes an ACM certificate of its own region; the express tiers have none. */
function certificateFit({ preset, expressTier, common, region, problems }: Fit): void {
  common.when(["certificateArn"], ({ certificateArn }) => {
    if (!certificateArn) return;
    if (expressTier) {
      problems.push(
        `${ns}:certificateArn: preset ${preset} has no load balancer: OpenEMR serves TLS on the instance (its self-signed certificate, or Let's Encrypt with ${ns}:domain and ${ns}:hostedZoneId). Remove it, or use preset standard or fargate`,
      );
      return;
    }
    const certificateRegion = certificateArn.split(":")[3];
    if (region && certificateRegion !== region) {
      problems.push(
        `${ns}:certificateArn: got a certificate in ${certificateRegion}, but aws:region is ${region}; a load balancer only takes an ACM certificate from its own region. Request or import the certificate in ${region}`,
      );
    }
  });
}

/** A domain needs a certificate: Let's Encrypt through its zone (express tiers), or ACM. */
function domainFit({ preset, expressTier, common, problems }: Fit): void {
  common.when(
    ["domain", "hostedZoneId", "certificateArn"],
    ({ domain, hostedZoneId, certificateArn }) => {
      if (!domain || hostedZoneId) return;
      if (expressTier) {
        problems.push(
          `${ns}:domain: got ${show(domain)} without ${ns}:hostedZoneId; preset ${preset} serves it with a Let's Encrypt certificate that the instance validates through Route 53, so set ${ns}:hostedZoneId (${ns}:certificateArn is only for the load balancers of presets standard and fargate)`,
        );
      } else if (!certificateArn) {
        problems.push(
          `${ns}:domain: got ${show(domain)} without ${ns}:hostedZoneId; preset ${preset}'s load balancer needs a certificate for it: set ${ns}:hostedZoneId (a certificate is requested and validated there), or ${ns}:certificateArn (a certificate you have in ACM)`,
        );
      }
    },
  );
}

/** The Let's Encrypt contact is only used where Let's Encrypt is: an express host with a domain. */
function acmeEmailFit({ preset, expressTier, common, problems }: Fit): void {
  common.when(["acmeEmail", "domain", "hostedZoneId"], ({ acmeEmail, domain, hostedZoneId }) => {
    if (!acmeEmail) return;
    if (!expressTier) {
      problems.push(
        `${ns}:acmeEmail: preset ${preset} takes its certificate from ACM (${ns}:certificateArn, or ${ns}:domain with ${ns}:hostedZoneId); only the express tiers use Let's Encrypt. Remove it`,
      );
    } else if (!(domain && hostedZoneId)) {
      problems.push(
        `${ns}:acmeEmail: got ${show(acmeEmail)}; preset ${preset} uses it only for the Let's Encrypt certificate of ${ns}:domain (with ${ns}:hostedZoneId); without both the instance serves its self-signed certificate and the address is never used. Set ${ns}:domain and ${ns}:hostedZoneId, or remove it`,
      );
    }
  });
}

/** Plain express creates no trail, so neither choice of openemr:auditTrail means anything there. */
function auditTrailFit({ preset, common, problems }: Fit): void {
  common.when(["auditTrail"], ({ auditTrail }) => {
    if (preset === "express" && auditTrail !== undefined) {
      problems.push(
        `${ns}:auditTrail: got ${show(auditTrail)}; preset express creates no CloudTrail trail (express-plus, standard and fargate do), so the setting would do nothing. Remove it, or use preset express-plus for a trail`,
      );
    }
  });
}

/** Fargate always has a load balancer, standard only with a certificate; the web ACL guards it. */
function loadBalancerFit({ preset, common, presetInput, problems }: Fit): void {
  common.when(
    ["certificateArn", "domain", "hostedZoneId"],
    ({ certificateArn, domain, hostedZoneId }) => {
      const loadBalanced = Boolean(certificateArn || (domain && hostedZoneId));
      if (preset === "fargate" && !loadBalanced) {
        problems.push(
          `${ns}:certificateArn: is required by preset fargate (its load balancer only serves HTTPS); set ${ns}:certificateArn, or ${ns}:domain together with ${ns}:hostedZoneId for an automatically validated certificate`,
        );
      }
      if (preset === "standard" && !loadBalanced && isObject(presetInput)) {
        for (const field of Object.keys(firewallFields).filter((f) => f in presetInput)) {
          problems.push(
            `${ns}:standard.${field}: preset standard has a web firewall only in front of its load balancer, which it builds with ${ns}:certificateArn (or ${ns}:domain with ${ns}:hostedZoneId); without one the setting does nothing. Set a certificate, or remove it`,
          );
        }
      }
    },
  );
}

/** Fargate's three tiers of subnets in two zones need a /20 or more (a /21 or /22 fits the rest). */
function vpcFit({ preset, common, problems }: Fit): void {
  common.when(["vpcCidr"], ({ vpcCidr }) => {
    const vpc = parseCidr(vpcCidr);
    if (preset === "fargate" && vpc && vpc.prefix > 20 && vpc.prefix <= 22) {
      problems.push(
        `${ns}:vpcCidr: got ${show(vpcCidr)}; preset fargate needs room for public, private and isolated subnets in two AZs: allowed /16 to /20`,
      );
    }
  });
}

/** Patch Manager patches the EC2 tiers' hosts; fargate's tasks run AWS-patched infrastructure. */
function patchingFit({ preset, given, problems }: Fit): void {
  if (preset !== "fargate") return;
  for (const key of ["maintenanceWindow", "patchApprovalDelayDays"].filter(given)) {
    problems.push(
      `${ns}:${key}: preset fargate has no host to patch (Fargate patches the infrastructure its tasks run on; a new OpenEMR image rolls out through the service's deployment), so the setting would do nothing. Remove it`,
    );
  }
}

/** The copy region is a real region other than the stack's; plain express has no backup to copy. */
function backupCopyRegionFit({ preset, common, region, problems }: Fit): void {
  common.when(["backupCopyRegion"], ({ backupCopyRegion }) => {
    if (backupCopyRegion === "") return;
    if (preset === "express") {
      problems.push(
        `${ns}:backupCopyRegion: got ${show(backupCopyRegion)}; preset express keeps its backups on the instance and its snapshots, with nothing off the instance to copy. Remove it, or use preset express-plus (its backup bucket is replicated)`,
      );
    } else if (!(AWS_REGIONS as readonly string[]).includes(backupCopyRegion)) {
      const near = closest(backupCopyRegion, AWS_REGIONS);
      problems.push(
        `${ns}:backupCopyRegion: got ${show(backupCopyRegion)}; not an AWS region${near ? ` (did you mean ${near}?)` : ""}. Allowed: empty (no copy) or one of ${AWS_REGIONS.filter((r) => r !== region).join(", ")}`,
      );
    } else if (backupCopyRegion === region) {
      problems.push(
        `${ns}:backupCopyRegion: got ${show(backupCopyRegion)}, which is aws:region; a copy in the stack's own region does not survive losing it. Set another region, or empty for no copy`,
      );
    }
  });
}

/** The set's key is only read with a set to read. */
function restoreKeyFit({ common, problems }: Fit): void {
  common.when(["restoreFrom", "restoreKmsKeyArn"], ({ restoreFrom, restoreKmsKeyArn }) => {
    if (restoreKmsKeyArn && !restoreFrom) {
      problems.push(
        `${ns}:restoreKmsKeyArn: got ${show(restoreKmsKeyArn)} without ${ns}:restoreFrom; the key only decrypts the backup set a new stack imports. Set ${ns}:restoreFrom to the set's s3:// URL, or remove it`,
      );
    }
  });
}

/** Settings the preset would silently ignore, or that cannot work with it, are refused. */
const PRESET_FIT_CHECKS: readonly ((fit: Fit) => void)[] = [
  certificateFit,
  domainFit,
  acmeEmailFit,
  auditTrailFit,
  loadBalancerFit,
  vpcFit,
  patchingFit,
  backupCopyRegionFit,
  restoreKeyFit,
];

/**
 * Validates the stack config map (as `pulumi.runtime.allConfig()` returns it: every namespace,
 * values as strings) and returns the typed config, or throws ConfigError listing every problem.
 */
export function parseConfig(
  raw: Record<string, string>,
  context: { stack?: string } = {},
): OpenEmrConfig {
  const problems: string[] = [];
  const stackProblem = context.stack === undefined ? undefined : stackNameProblem(context.stack);
  if (stackProblem) problems.push(stackProblem);
  const bad = new Set<string>();
  const { input, region } = readNamespaces(raw, problems, bad);
  const common = new CommonValues(input, bad, problems);

  common.when(["allowedCidrs", "allowWorldIngress"], ({ allowedCidrs, allowWorldIngress }) =>
    problems.push(...allowedCidrProblems(allowedCidrs, allowWorldIngress)),
  );
  common.when(["vpcCidr"], ({ vpcCidr }) => {
    const vpc = parseCidr(vpcCidr);
    if (!vpc || vpc.version !== 4 || vpc.hostBitsSet || vpc.prefix < 16 || vpc.prefix > 22) {
      problems.push(
        `${NAMESPACE}:vpcCidr: got ${show(vpcCidr)}; allowed: an IPv4 network block from /16 to /22 such as 10.20.0.0/16`,
      );
    }
  });
  common.when(["domain", "hostedZoneId"], ({ domain, hostedZoneId }) => {
    if (hostedZoneId && !domain) {
      problems.push(
        `${NAMESPACE}:hostedZoneId: is set but ${NAMESPACE}:domain is not; set both to get an automatically validated certificate`,
      );
    }
  });

  let presetConfig: PresetConfig | undefined;
  common.when(["preset"], ({ preset }) => {
    const fit: Fit = {
      preset,
      expressTier: isExpressTier(preset),
      common,
      presetInput: input[preset],
      given: (key) => input[key] !== undefined,
      region,
      problems,
    };
    PRESET_FIT_CHECKS.forEach((check) => check(fit));
    // Settings of another preset are almost always a copy-paste mistake: refuse them.
    for (const other of PRESETS) {
      if (other !== preset && input[other] !== undefined) {
        problems.push(
          `${NAMESPACE}:${other}: settings for preset "${other}" but ${NAMESPACE}:preset is "${preset}"; remove them or change the preset`,
        );
      }
    }
    if (!bad.has(preset)) {
      presetConfig = presetSettings(preset, input[preset], common.get("architecture"), problems);
    }
  });

  // without a preset the objects given are still checked, each by its own schema
  if (bad.has("preset")) {
    for (const preset of PRESETS) {
      if (input[preset] !== undefined && !bad.has(preset)) {
        parsePresetObject(preset, PRESET_SETTINGS_SCHEMAS[preset], input[preset], problems);
      }
    }
  }

  const all = common.all();
  if (problems.length > 0 || !all || !presetConfig) throw new ConfigError(problems);
  const { preset, monthlyBudgetUsd, auditTrail, ...rest } = all;
  const commonConfig: CommonConfig = {
    ...rest,
    openemrImage: `openemr/openemr:${rest.openemrVersion}${rest.openemrImageDigest ? `@${rest.openemrImageDigest}` : ""}`,
    monthlyBudgetUsd: monthlyBudgetUsd ?? DEFAULT_MONTHLY_BUDGET_USD[preset],
    auditTrail: preset === "express" ? "none" : (auditTrail ?? "create"),
  };
  return { ...commonConfig, ...presetConfig };
}
