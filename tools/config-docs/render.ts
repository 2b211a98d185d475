// Renders the configuration reference from the settings schemas (presets/common.ts and one schema
// per preset): the README's tables and the keys Pulumi.yaml documents under template.config. The
// schemas are the only place a setting is written down; these renderings are checked by a test.
import { stringify } from "yaml";
import { PRESET_SETTINGS_SCHEMAS } from "../../config";
import { commonSettingDocs, settingDocs, type SettingDoc } from "../../presets/common";
import { defaultInstanceType } from "../../presets/express";

export const README_START = "<!-- config-reference:start (npm run config-docs -- --write) -->";
export const README_END = "<!-- config-reference:end -->";

/** How stack config reaches the program, and how `npm run plan -- --set` mirrors the CLI. */
const CONFIG_RULES = [
  "Each preset's settings live under one object key (`openemr:<preset>`), merged over these",
  "defaults in code, so a stack sets only what differs:",
  "`pulumi config set --path 'openemr:express.instanceType' t4g.micro`.",
  "",
  "Keys the program would not use are refused, in `pulumi up` and in the offline plan alike:",
  "`openemr-aws:<key>` (what `pulumi config set <key>` writes without a namespace), `aws:` keys the",
  "AWS provider does not have, an `aws:region` that is not a commercial or GovCloud region, and",
  "settings the preset ignores (a certificate on the express tiers, `acmeEmail` without `domain`",
  "and `hostedZoneId`, `auditTrail` on plain express, `wafMode` on standard without a load balancer).",
  "",
  "`npm run plan -- --set` applies overrides over the stack file in the two forms of",
  "`pulumi config set` (a key without a namespace is `openemr:`):",
  "",
  "- `--set openemr:standard.multiAz=false`, `--set 'openemr:allowedCidrs[1]=198.51.100.0/24'`: the",
  "  `--path` form (dotted keys, `[i]` list positions, `[n]` at a list's length appends) sets one",
  "  member and keeps the rest of the file's object. As with `--path`, `true` and `false` become",
  "  booleans and whole numbers numbers; anything else stays a string, so a fraction (Aurora's",
  "  `0.5` ACU) goes into the stack file (`pulumi config set --path --type float`).",
  "- `--set openemr:standard='{\"multiAz\":false}'`: without a path, the whole value, as",
  "  `pulumi config set` without `--path` sets it. It replaces the file's object; the plan prints a",
  "  note naming the keys that are no longer set.",
  "- A `--set` wins over the file, encrypted (`secure:`) values included. The offline plan cannot",
  "  decrypt those: it names each one the program reads (any `openemr:` value, `aws:region`) and",
  "  asks for `--set <key>=<value>`; provider secrets such as `aws:secretKey` are not needed.",
];

function shown(doc: SettingDoc): string {
  if (doc.required) return "(required)";
  if (doc.key === "instanceType" && doc.default === undefined) {
    return `\`${defaultInstanceType("arm64")}\` (\`${defaultInstanceType("x86_64")}\` on x86_64)`;
  }
  if (doc.default === undefined) return "—";
  return `\`${typeof doc.default === "string" ? doc.default : JSON.stringify(doc.default)}\``;
}

function row(doc: SettingDoc): string {
  return `| \`${doc.key}\` | ${shown(doc)} | ${doc.description.replace(/\|/g, "\\|")} |`;
}

/** The README section between the markers (markers excluded). */
export function renderReadmeReference(): string {
  const lines = [
    "| key | default | meaning |",
    "|---|---|---|",
    ...commonSettingDocs().map(row),
    "",
    ...CONFIG_RULES,
  ];
  for (const [preset, schema] of Object.entries(PRESET_SETTINGS_SCHEMAS)) {
    lines.push(
      "",
      `#### \`openemr:${preset}\``,
      "",
      "| key | default | meaning |",
      "|---|---|---|",
      ...settingDocs(schema).map(row),
    );
  }
  return lines.join("\n");
}

/** Replaces the generated section of the README; throws when the markers are missing. */
export function withReadmeReference(readme: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md: markers ${README_START} … missing`);
  return `${readme.slice(0, start + README_START.length)}\n${renderReadmeReference()}\n${readme.slice(end)}`;
}

/** Pulumi.yaml's template.config: aws:region and every simple openemr key, default as the CLI wants. */
export function renderTemplateConfig(): Record<string, { description: string; default: unknown }> {
  const config: Record<string, { description: string; default: unknown }> = {
    "aws:region": { description: "AWS region to deploy into.", default: "us-east-1" },
  };
  for (const doc of commonSettingDocs()) {
    const fallback = doc.required ? "express" : doc.default;
    config[`openemr:${doc.key}`] = {
      description: doc.description,
      default:
        fallback === undefined ? "" : Array.isArray(fallback) ? JSON.stringify(fallback) : fallback,
    };
  }
  return config;
}

/** Replaces everything after `template:`'s `config:` line of Pulumi.yaml. */
export function withTemplateConfig(projectYaml: string): string {
  const marker = "\ntemplate:\n";
  const at = projectYaml.indexOf(marker);
  const configAt = projectYaml.indexOf("\n  config:\n", at);
  if (at < 0 || configAt < 0) throw new Error("Pulumi.yaml: template.config not found");
  const body = stringify(renderTemplateConfig(), { lineWidth: 0 })
    .trimEnd()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
  return `${projectYaml.slice(0, configAt)}\n  config:\n${body}\n`;
}
