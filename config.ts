// Stack configuration: read once from the `openemr` namespace, validated up front into one typed
// object. Components never read config; they receive what they need from here.
import { z } from "zod";
import { isWorldOpen, parseCidr } from "./components/network/cidr";
import {
  CLOUDWATCH_RETENTION_DAYS,
  DEFAULT_MONTHLY_BUDGET_USD,
  OPENEMR_PRODUCTION_VERSION,
  PRESETS,
  type CommonSettings,
  type PresetName,
  commonSettingDocs,
  commonSettingsSchema,
} from "./presets/common";
import { stackNameProblem } from "./components/naming/aws-names";
import { supportsPerformanceInsights } from "./components/database/mysql-versions";
import { expressSettingsSchema, resolveExpress, type ExpressSettings } from "./presets/express";
import {
  expressPlusSettingsSchema,
  resolveExpressPlus,
  type ExpressPlusSettings,
} from "./presets/express-plus";
import { resolveStandard, standardSettingsSchema, type StandardSettings } from "./presets/standard";
import { checkFargate, fargateSettingsSchema, type FargateSettings } from "./presets/fargate";

export const NAMESPACE = "openemr";
export { CLOUDWATCH_RETENTION_DAYS, OPENEMR_PRODUCTION_VERSION, PRESETS, type PresetName };

const GRAVITON_FAMILY = /^(a1|[a-z]+\d+g[a-z]*)$/;

/** true when the EC2 instance type runs on Graviton (arm64). */
export function isGravitonInstanceType(instanceType: string): boolean {
  return GRAVITON_FAMILY.test(instanceType.split(".")[0]);
}

// the preset objects are validated by their preset's own schema, once the preset is known
const commonSchema = commonSettingsSchema.extend({
  express: z.unknown().optional(),
  "express-plus": z.unknown().optional(),
  standard: z.unknown().optional(),
  fargate: z.unknown().optional(),
});

/** The validated common settings (every key of presets/common.ts) and what derives from them. */
export type CommonConfig = Omit<CommonSettings, "preset" | "monthlyBudgetUsd"> & {
  /** openemr:monthlyBudgetUsd, or the preset's default (DEFAULT_MONTHLY_BUDGET_USD). */
  monthlyBudgetUsd: number;
  /** The image reference the tiers run: tag, plus digest when one is pinned. */
  openemrImage: string;
};

export type OpenEmrConfig = CommonConfig &
  (
    | { preset: "express"; settings: ExpressSettings }
    | { preset: "express-plus"; settings: ExpressPlusSettings }
    | { preset: "standard"; settings: StandardSettings }
    | { preset: "fargate"; settings: FargateSettings }
  );

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

function describeIssue(prefix: string, issue: z.core.$ZodIssue): string {
  // object keys join with dots, array positions in brackets: openemr:egressAllowedDomains[0]
  const key = issue.path.reduce<string>(
    (at, part) =>
      typeof part === "number" ? `${at}[${part}]` : at ? `${at}.${String(part)}` : String(part),
    prefix,
  );
  const got = "input" in issue && issue.input !== undefined ? `got ${show(issue.input)}; ` : "";
  switch (issue.code) {
    case "invalid_value":
      return `${key}: ${got}allowed: ${issue.values.map((v) => String(v)).join(", ")}`;
    case "unrecognized_keys":
      return `${key}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys
        .map((k) => `"${k}"`)
        .join(", ")}`;
    case "invalid_type":
      return issue.message.startsWith("Invalid input")
        ? `${key}: ${got}expected ${issue.expected}`
        : `${key}: ${got}${issue.message}`;
    default:
      return `${key}: ${got}${issue.message}`;
  }
}

/** Stack config values arrive as strings; objects, lists, numbers and booleans as JSON text. */
function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The common settings alone (the preset objects are validated by their own schemas). */
function commonSettingsOf(data: z.output<typeof commonSchema>): Omit<CommonSettings, "preset"> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(commonSettingsSchema.shape)) {
    if (key !== "preset") out[key] = data[key as keyof typeof data];
  }
  return out as Omit<CommonSettings, "preset">;
}

/** Keys whose stack-config value is the string itself, not JSON text. */
const STRING_KEYS = new Set(
  commonSettingDocs()
    .filter((d) => d.isString)
    .map((d) => d.key),
);

/**
 * Validates the raw `openemr:*` config map (as `pulumi.runtime.allConfig()` returns it) and returns
 * the typed config, or throws ConfigError listing every problem.
 */
export function parseConfig(
  raw: Record<string, string>,
  context: { stack?: string } = {},
): OpenEmrConfig {
  const problems: string[] = [];
  const stackProblem = context.stack === undefined ? undefined : stackNameProblem(context.stack);
  if (stackProblem) throw new ConfigError([stackProblem]);
  const input: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(raw)) {
    // an empty value means unset (`pulumi new` writes template defaults of "")
    if (!fullKey.startsWith(`${NAMESPACE}:`) || value === "") continue;
    const key = fullKey.slice(NAMESPACE.length + 1);
    input[key] = STRING_KEYS.has(key) ? value : decode(value);
  }

  const common = commonSchema.safeParse(input, { reportInput: true });
  if (!common.success) {
    for (const issue of common.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const k of issue.keys) {
          problems.push(
            `${NAMESPACE}:${k}: unknown key; allowed keys: ${Object.keys(commonSchema.shape).join(", ")}`,
          );
        }
      } else if (
        issue.path.length === 1 &&
        issue.path[0] === "preset" &&
        issue.input === undefined
      ) {
        problems.push(`${NAMESPACE}:preset: is required; allowed: ${PRESETS.join(", ")}`);
      } else {
        problems.push(
          describeIssue(`${NAMESPACE}:${String(issue.path[0] ?? "")}`, {
            ...issue,
            path: issue.path.slice(1),
          }),
        );
      }
    }
    throw new ConfigError(problems);
  }
  const preset = common.data.preset;
  const c = commonSettingsOf(common.data);
  const { architecture, allowWorldIngress, allowedCidrs, vpcCidr } = c;
  allowedCidrs.forEach((text, i) => {
    const key = `${NAMESPACE}:allowedCidrs[${i}]`;
    const cidr = parseCidr(text);
    if (!cidr) {
      problems.push(
        `${key}: got ${show(text)}; expected an IPv4 or IPv6 CIDR block such as 203.0.113.0/24`,
      );
    } else if (cidr.hostBitsSet) {
      problems.push(
        `${key}: got ${show(text)}; host bits are set, use the network address ${cidr.network}/${cidr.prefix}`,
      );
    } else if (isWorldOpen(cidr) && !allowWorldIngress) {
      problems.push(
        `${key}: got ${show(text)}; a block this broad opens OpenEMR to the internet. Allowed: narrower blocks (IPv4 /8 or longer, IPv6 /16 or longer), or set ${NAMESPACE}:allowWorldIngress to true to opt in explicitly`,
      );
    }
  });

  const vpc = parseCidr(vpcCidr);
  if (!vpc || vpc.version !== 4 || vpc.hostBitsSet || vpc.prefix < 16 || vpc.prefix > 22) {
    problems.push(
      `${NAMESPACE}:vpcCidr: got ${show(vpcCidr)}; allowed: an IPv4 network block from /16 to /22 such as 10.20.0.0/16`,
    );
  }

  if (c.domain && !c.hostedZoneId && !c.certificateArn) {
    problems.push(
      `${NAMESPACE}:domain: got ${show(c.domain)} without ${NAMESPACE}:hostedZoneId; a certificate for it is validated through Route 53, so set ${NAMESPACE}:hostedZoneId (or ${NAMESPACE}:certificateArn on load-balanced presets)`,
    );
  }
  if (c.hostedZoneId && !c.domain) {
    problems.push(
      `${NAMESPACE}:hostedZoneId: is set but ${NAMESPACE}:domain is not; set both to get an automatically validated certificate`,
    );
  }

  // Settings the preset would silently ignore are refused: a clinic must not believe it has them.
  const expressTier = preset === "express" || preset === "express-plus";
  if (expressTier && c.certificateArn) {
    problems.push(
      `${NAMESPACE}:certificateArn: preset ${preset} has no load balancer: OpenEMR serves TLS on the instance (its self-signed certificate, or Let's Encrypt with ${NAMESPACE}:domain and ${NAMESPACE}:hostedZoneId). Remove it, or use preset standard or fargate`,
    );
  }
  if (!expressTier && c.acmeEmail) {
    problems.push(
      `${NAMESPACE}:acmeEmail: preset ${preset} takes its certificate from ACM (${NAMESPACE}:certificateArn, or ${NAMESPACE}:domain with ${NAMESPACE}:hostedZoneId); only the express tiers use Let's Encrypt. Remove it`,
    );
  }

  // Settings of another preset are almost always a copy-paste mistake: refuse them.
  for (const other of PRESETS) {
    if (other !== preset && input[other] !== undefined) {
      problems.push(
        `${NAMESPACE}:${other}: settings for preset "${other}" but ${NAMESPACE}:preset is "${preset}"; remove them or change the preset`,
      );
    }
  }

  const settingsInput = input[preset] ?? {};
  /** Validates the preset's object once; its problems end the check (later ones would follow). */
  const parseSettings = <S extends z.ZodType>(schema: S): z.output<S> => {
    const parsed = schema.safeParse(settingsInput, { reportInput: true });
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      problems.push(describeIssue(`${NAMESPACE}:${preset}`, issue));
    }
    throw new ConfigError(problems);
  };

  const checkInstanceArch = (instanceType: string) => {
    const graviton = isGravitonInstanceType(instanceType);
    if (graviton !== (architecture === "arm64")) {
      problems.push(
        `${NAMESPACE}:${preset}.instanceType: got ${show(instanceType)}; ${NAMESPACE}:architecture is ${architecture}, allowed: ${architecture === "arm64" ? "Graviton types such as t4g.micro, t4g.small, m7g.large" : "x86_64 types such as t3.small, t3a.small, m7i.large"}`,
      );
    }
  };

  const commonConfig: CommonConfig = {
    ...c,
    openemrImage: `openemr/openemr:${c.openemrVersion}${c.openemrImageDigest ? `@${c.openemrImageDigest}` : ""}`,
    monthlyBudgetUsd: c.monthlyBudgetUsd ?? DEFAULT_MONTHLY_BUDGET_USD[preset],
  };

  let config: OpenEmrConfig;
  switch (preset) {
    case "express": {
      const settings = resolveExpress(parseSettings(expressSettingsSchema), architecture);
      checkInstanceArch(settings.instanceType);
      config = { ...commonConfig, preset: "express", settings };
      break;
    }
    case "express-plus": {
      const settings = resolveExpressPlus(parseSettings(expressPlusSettingsSchema), architecture);
      checkInstanceArch(settings.instanceType);
      config = { ...commonConfig, preset: "express-plus", settings };
      break;
    }
    case "standard": {
      const settings = resolveStandard(parseSettings(standardSettingsSchema), architecture);
      checkInstanceArch(settings.instanceType);
      if (settings.performanceInsights && !supportsPerformanceInsights(settings.dbInstanceClass)) {
        problems.push(
          `${NAMESPACE}:standard.performanceInsights: got true with dbInstanceClass ${show(settings.dbInstanceClass)}; RDS for MySQL offers Performance Insights only from db.t3.medium / db.t4g.medium up (not on t2/t3/t4g micro or small). Allowed: false, or a larger dbInstanceClass such as db.t4g.medium`,
        );
      }
      if (settings.dbMaxAllocatedStorageGb < settings.dbAllocatedStorageGb) {
        problems.push(
          `${NAMESPACE}:standard.dbMaxAllocatedStorageGb: got ${settings.dbMaxAllocatedStorageGb}; must be at least dbAllocatedStorageGb (${settings.dbAllocatedStorageGb})`,
        );
      }
      config = { ...commonConfig, preset: "standard", settings };
      break;
    }
    case "fargate": {
      const settings = parseSettings(fargateSettingsSchema);
      problems.push(...checkFargate(settings).map((p) => `${NAMESPACE}:fargate.${p}`));
      if (vpc && vpc.prefix > 20) {
        problems.push(
          `${NAMESPACE}:vpcCidr: got ${show(vpcCidr)}; preset fargate needs room for public, private and isolated subnets in two AZs: allowed /16 to /20`,
        );
      }
      if (!c.certificateArn && !(c.domain && c.hostedZoneId)) {
        problems.push(
          `${NAMESPACE}:certificateArn: is required by preset fargate (its load balancer only serves HTTPS); set ${NAMESPACE}:certificateArn, or ${NAMESPACE}:domain together with ${NAMESPACE}:hostedZoneId for an automatically validated certificate`,
        );
      }
      config = { ...commonConfig, preset: "fargate", settings };
      break;
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
