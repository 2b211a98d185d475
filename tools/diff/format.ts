// Text and Markdown renderings of a PlanDiff (terminal and pull-request comment).

import { urnName } from "../plan/plan-index";
import type { PolicyViolation } from "../plan/types";
import {
  type CostDiff,
  type DataLossWarning,
  type Finding,
  type InputChange,
  type OptionChange,
  type PlanDiff,
  type PolicyDiff,
  type PolicySummary,
  type ReplacedResource,
  losesData,
} from "./diff";
import { sourcePhrase, sourceVerb, type ChangeSource } from "./values";

/** Rows of the resource table above this many are folded away in Markdown. */
export const MARKDOWN_FOLD_ROWS = 25;
/** Cost lines listed at most. */
export const COST_LINES_SHOWN = 10;

// ---------------------------------------------------------------------------------------------
// Shared wording

const orNone = (s: string): string => (s === "" ? "none" : s);

function money(n: number): string {
  return `$${n.toFixed(2)}`;
}

function signedMoney(n: number): string {
  return `${n < 0 ? "-" : "+"}${money(Math.abs(n))}`;
}

/**
 * What is known of an input's new value, after its name: " (may change)", or for a value that
 * comes from a replaced or new resource " (known after deploy: X is replaced)".
 */
function inputNote(i: InputChange): string {
  if (i.from) {
    return ` (${i.certainty === "changed" ? "known after deploy" : "may change"}: ${sourcePhrase(i.from)})`;
  }
  return i.certainty === "may-change" ? " (may change)" : "";
}

function inputList(inputs: InputChange[]): string {
  return inputs.map((i) => `${i.name}${inputNote(i)}`).join(", ");
}

function optionList(options: OptionChange[]): string {
  return options
    .map((o) => {
      const show = (v: boolean | string[]): string =>
        Array.isArray(v) ? `[${v.join(", ")}]` : String(v);
      return `${o.name} ${show(o.before)} → ${show(o.after)}`;
    })
    .join(", ");
}

function changeDetail(inputs: InputChange[], options: OptionChange[]): string {
  const parts: string[] = [];
  if (inputs.length > 0) parts.push(inputList(inputs));
  if (options.length > 0) parts.push(`options: ${optionList(options)}`);
  return parts.join("; ");
}

/** Changed inputs of a replaced resource that are not among its triggers. */
function otherInputs(r: ReplacedResource): InputChange[] {
  return r.inputs.filter((i) => !r.triggers.some((t) => t.name === i.name));
}

/** How names and prose are written: plain for the terminal, code and escaped text for Markdown. */
interface Words {
  name: (s: string) => string;
  text: (s: string) => string;
}

const PLAIN: Words = { name: (s) => s, text: (s) => s };

/** "subnetId comes from openemr-dev-net-vpc, which is replaced". */
function comesFrom(input: string, from: ChangeSource, w: Words): string {
  return `${w.name(input)}${w.text(" comes from ")}${w.name(from.name)}${w.text(`, which ${sourceVerb(from)}`)}`;
}

/**
 * Why a resource is replaced, in words: the inputs that force it, and for a propagated replacement
 * the replaced or new resource each input comes from.
 */
function replaceReasons(r: ReplacedResource, w: Words): string[] {
  if (r.reason === "urn-changed") {
    const parts = [w.text("URN changed (renamed or re-parented without an alias)")];
    if (r.triggers.length > 0) {
      const names = r.triggers.map((t) => w.name(t.name)).join(", ");
      parts.push(`${names}${w.text(" would force it even with one")}`);
    }
    return parts;
  }
  const parts: string[] = [];
  const literal = r.triggers.filter((t) => !t.from);
  if (literal.length > 0) {
    const certain = literal.some((t) => t.certainty === "changed");
    const list = literal
      .map((t) => `${w.name(t.name)}${t.certainty === "may-change" ? w.text(" (may change)") : ""}`)
      .join(", ");
    parts.push(`${w.text(certain ? "forced by " : "possible: depends on ")}${list}`);
  }
  const wired = (certainty: InputChange["certainty"]) =>
    r.triggers.flatMap((t) =>
      t.from && t.certainty === certainty ? [comesFrom(t.name, t.from, w)] : [],
    );
  if (r.after.remote) {
    parts.push(
      w.text(
        "a remote component: the resources it creates are not in the plan, and its IDs are new",
      ),
    );
  }
  const sure = wired("changed");
  if (sure.length > 0) parts.push(`${w.text("replaced because ")}${sure.join(", and ")}`);
  const maybe = wired("may-change");
  if (maybe.length > 0) {
    parts.push(
      `${w.text("possibly replaced: ")}${maybe.join(", and ")}${w.text(" (the new value may equal the old)")}`,
    );
  }
  return parts;
}

function replaceDetail(r: ReplacedResource): string {
  const also = otherInputs(r);
  const tail = also.length > 0 ? [`also ${inputList(also)}`] : [];
  return [...replaceReasons(r, PLAIN), ...tail].join("; ");
}

function replaceName(r: ReplacedResource): string {
  return r.before.name === r.after.name ? r.after.name : `${r.before.name} → ${r.after.name}`;
}

/** The lines under one data-loss warning, in words. */
function lossLines(w: DataLossWarning): string[] {
  const it = w.change === "removed" ? "it" : "the old one";
  const lines: string[] = [];
  if (w.protect) {
    lines.push(`protected: \`pulumi up\` refuses to delete ${it} until protect is turned off`);
  } else if (!w.retainOnDelete) {
    lines.push(`not protected: \`pulumi up\` deletes ${it}`);
  }
  if (w.retainOnDelete) {
    lines.push(
      w.change === "removed"
        ? "retainOnDelete: it stays in AWS, dropped from the stack (orphaned)"
        : "retainOnDelete: the old one stays in AWS, orphaned; the replacement starts without its data",
    );
  }
  lines.push(...w.notes);
  if (w.alias) {
    lines.push(`to keep it, give the new resource the option \`aliases: ["${w.alias}"]\``);
  }
  return lines;
}

function lossVerb(w: DataLossWarning): { what: string; loses: string } {
  const what = w.change === "removed" ? "removed" : w.certain ? "replaced" : "may be replaced";
  const loses = !losesData(w)
    ? `keeps ${w.loses} in AWS`
    : w.certain
      ? `loses ${w.loses}`
      : `may lose ${w.loses}`;
  return { what, loses };
}

function lossHeadline(w: DataLossWarning): string {
  const { what, loses } = lossVerb(w);
  return `${what} ${w.type} "${w.name}": ${loses}`;
}

/**
 * A preset switch builds a new tier: what the old one held is not carried over by `pulumi up`,
 * only by a backup set imported into the new tier (docs/migrate.md).
 */
export function presetSwitchLine(d: PlanDiff): string | undefined {
  if (d.preset.base === d.preset.head || !d.dataLoss.some(losesData)) return undefined;
  return `the preset changes (${orNone(d.preset.base)} → ${orNone(d.preset.head)}): the new tier starts empty; to move the data, see docs/migrate.md: export a backup set, start the new tier with openemr:restoreFrom`;
}

function lossCountLine(d: PlanDiff): string {
  const n = d.dataLoss.filter(losesData).length;
  const noun = n === 1 ? "stateful resource" : "stateful resources";
  return `DATA LOSS: ${n} ${noun} would be destroyed or replaced`;
}

function errorsOf(d: PlanDiff): Finding[] {
  return d.findings.filter((f) => f.level === "error");
}

function warningsOf(d: PlanDiff): Finding[] {
  return d.findings.filter((f) => f.level === "warning");
}

function errorCountLine(n: number): string {
  return n === 1
    ? "CANNOT APPLY: 1 change would fail or break its resource"
    : `CANNOT APPLY: ${n} changes would fail or break their resources`;
}

function policyState(p: PolicySummary | undefined): string {
  if (!p) return "not evaluated";
  return `${p.passed ? "passed" : "FAILED"} (${p.mandatory} mandatory, ${p.advisory} advisory)`;
}

function packName(p: PolicyDiff): string {
  return p.head?.pack ?? p.base?.pack ?? "";
}

function costState(n: number | undefined): string {
  return n === undefined ? "not estimated" : `${money(n)}/month`;
}

function costDelta(c: CostDiff): string {
  if (c.delta === undefined || c.base === undefined) return "";
  const pct =
    c.base === 0
      ? ""
      : `, ${c.delta < 0 ? "-" : "+"}${Math.abs((c.delta / c.base) * 100).toFixed(1)}%`;
  return ` (${signedMoney(c.delta)}${pct})`;
}

function countsLine(d: PlanDiff): string {
  return [
    `${d.added.length} to add`,
    `${d.removed.length} to remove`,
    `${d.changed.length} to change`,
    `${d.replaced.length} to replace`,
    `${d.unchanged} unchanged`,
  ].join(", ");
}

function hasResourceChanges(d: PlanDiff): boolean {
  return d.added.length + d.removed.length + d.changed.length + d.replaced.length > 0;
}

function title(d: PlanDiff): string {
  const stack = d.stack.base === d.stack.head ? d.stack.head : `${d.stack.base} → ${d.stack.head}`;
  const preset =
    d.preset.base === d.preset.head
      ? orNone(d.preset.head)
      : `${orNone(d.preset.base)} → ${orNone(d.preset.head)}`;
  return `stack ${stack}, preset ${preset}`;
}

function contextLines(d: PlanDiff): string[] {
  const out: string[] = [];
  if (d.project.base !== d.project.head) {
    out.push(`project: ${orNone(d.project.base)} → ${orNone(d.project.head)}`);
  }
  out.push(
    d.region.base === d.region.head
      ? `region: ${orNone(d.region.head)}`
      : `region: ${orNone(d.region.base)} → ${orNone(d.region.head)}`,
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text

function violationText(prefix: string, v: PolicyViolation): string {
  return `  ${prefix} ${v.level} ${v.policy} on ${urnName(v.urn)}: ${v.message}`;
}

export function formatText(d: PlanDiff): string {
  const out: string[] = [`Plan diff: ${title(d)}`, ...contextLines(d), ""];

  if (d.dataLoss.length > 0) {
    if (d.dataLoss.some(losesData)) out.push(`!! ${lossCountLine(d)}`);
    else out.push("!! Stateful resources leave the stack (kept in AWS by retainOnDelete)");
    for (const w of d.dataLoss) {
      out.push(`!!   ${lossHeadline(w)}`);
      for (const l of lossLines(w)) out.push(`!!       ${l}`);
    }
    const migrate = presetSwitchLine(d);
    if (migrate) out.push(`!!   ${migrate}`);
    out.push("");
  }

  const errors = errorsOf(d);
  if (errors.length > 0) {
    out.push(`!! ${errorCountLine(errors.length)}`);
    for (const f of errors) out.push(`!!   ${f.type} "${f.name}": ${f.message}`);
    out.push("");
  }
  const warnings = warningsOf(d);
  if (warnings.length > 0) {
    out.push("Warnings:");
    for (const f of warnings) out.push(`  ! ${f.type} "${f.name}": ${f.message}`);
    out.push("");
  }

  out.push(`Resources: ${countsLine(d)}`);
  for (const r of d.added) out.push(`  + ${r.type}  ${r.name}`);
  for (const r of d.removed) {
    out.push(`  - ${r.type}  ${r.name}${r.opts.protect ? "  [protected]" : ""}`);
  }
  for (const r of d.replaced)
    out.push(`  ± ${r.after.type}  ${replaceName(r)}  ${replaceDetail(r)}`);
  for (const r of d.changed)
    out.push(`  ~ ${r.type}  ${r.name}  ${changeDetail(r.inputs, r.options)}`);
  out.push("");

  const p = d.policy;
  const pack = packName(p);
  out.push(`Policy${pack ? ` (${pack})` : ""}: ${policyState(p.base)} → ${policyState(p.head)}`);
  for (const v of p.introduced) out.push(violationText("new  ", v));
  for (const v of p.resolved) out.push(violationText("fixed", v));

  const c = d.cost;
  out.push(`Cost: ${costState(c.base)} → ${costState(c.head)}${costDelta(c)}`);
  if (c.asOf) out.push(`  price table ${c.asOf.base} → ${c.asOf.head}`);
  for (const l of c.lines.slice(0, COST_LINES_SHOWN)) {
    out.push(
      `  ${l.name}  ${l.item}  ${money(l.before)} → ${money(l.after)} (${signedMoney(l.delta)})`,
    );
  }
  if (c.lines.length > COST_LINES_SHOWN) {
    out.push(`  … ${c.lines.length - COST_LINES_SHOWN} more cost lines changed`);
  }
  return `${out.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------
// Markdown

/** Inline code: no backticks inside; in a table cell, pipes escaped (GitHub reads `\|` there). */
function code(s: string, cell = false): string {
  const body = s.replace(/`/g, "'");
  return `\`${cell ? body.replace(/\|/g, "\\|") : body}\``;
}

/** Free text: no HTML; in a table cell, no column breaks. */
function text(s: string, cell = false): string {
  const body = s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return cell ? body.replace(/\|/g, "\\|") : body;
}

/** Input names for a table cell. */
function mdInputs(inputs: InputChange[]): string {
  return inputs.map((i) => `${code(i.name, true)}${text(inputNote(i), true)}`).join(", ");
}

function mdChange(inputs: InputChange[], options: OptionChange[]): string {
  const parts: string[] = [];
  if (inputs.length > 0) parts.push(mdInputs(inputs));
  if (options.length > 0) parts.push(`options: ${text(optionList(options), true)}`);
  return parts.join("; ");
}

function mdReplace(r: ReplacedResource): string {
  const also = otherInputs(r);
  const tail = also.length > 0 ? [`also ${mdInputs(also)}`] : [];
  const words: Words = { name: (n) => code(n, true), text: (t) => text(t, true) };
  return [...replaceReasons(r, words), ...tail].join("; ");
}

function mdViolation(prefix: string, v: PolicyViolation): string {
  return `- ${prefix} ${v.level} ${code(v.policy)} on ${code(urnName(v.urn))}: ${text(v.message)}`;
}

export function formatMarkdown(d: PlanDiff): string {
  const stack =
    d.stack.base === d.stack.head
      ? code(d.stack.head)
      : `${code(d.stack.base)} → ${code(d.stack.head)}`;
  const preset =
    d.preset.base === d.preset.head
      ? code(orNone(d.preset.head))
      : `${code(orNone(d.preset.base))} → ${code(orNone(d.preset.head))}`;
  const out: string[] = [
    `### Stack ${stack} · preset ${preset}`,
    "",
    text(contextLines(d).join(" · ")),
    "",
  ];

  if (d.dataLoss.length > 0) {
    const losing = d.dataLoss.some(losesData);
    out.push(losing ? "> [!CAUTION]" : "> [!WARNING]");
    out.push(
      losing
        ? `> **${text(lossCountLine(d))}**`
        : "> **Stateful resources leave the stack (kept in AWS by retainOnDelete)**",
    );
    for (const w of d.dataLoss) {
      const { what, loses } = lossVerb(w);
      const details = lossLines(w).map((l) => text(l));
      const sentence = details.join("; ");
      out.push(`> - **${what}** ${code(w.type)} ${code(w.name)}: ${text(loses)} — ${sentence}.`);
    }
    const migrate = presetSwitchLine(d);
    if (migrate) out.push(`> - ${text(migrate)}.`);
    out.push("");
  }

  const errors = errorsOf(d);
  if (errors.length > 0) {
    out.push("> [!CAUTION]", `> **${text(errorCountLine(errors.length))}**`);
    for (const f of errors) out.push(`> - ${code(f.type)} ${code(f.name)}: ${text(f.message)}.`);
    out.push("");
  }
  const warnings = warningsOf(d);
  if (warnings.length > 0) {
    out.push("> [!WARNING]", "> **Warnings**");
    for (const f of warnings) out.push(`> - ${code(f.type)} ${code(f.name)}: ${text(f.message)}.`);
    out.push("");
  }

  out.push(`**Resources:** ${countsLine(d)}`);
  if (hasResourceChanges(d)) {
    const rows: string[] = ["| | Type | Name | Detail |", "|---|---|---|---|"];
    for (const r of d.added)
      rows.push(`| + add | ${code(r.type, true)} | ${code(r.name, true)} | |`);
    for (const r of d.removed) {
      rows.push(
        `| - remove | ${code(r.type, true)} | ${code(r.name, true)} | ${r.opts.protect ? "protected " : ""}|`,
      );
    }
    for (const r of d.replaced) {
      rows.push(
        `| ± replace | ${code(r.after.type, true)} | ${code(replaceName(r), true)} | ${mdReplace(r)} |`,
      );
    }
    for (const r of d.changed) {
      rows.push(
        `| ~ change | ${code(r.type, true)} | ${code(r.name, true)} | ${mdChange(r.inputs, r.options)} |`,
      );
    }
    const n = rows.length - 2;
    out.push("");
    if (n > MARKDOWN_FOLD_ROWS) {
      out.push(`<details><summary>${n} resource changes</summary>`, "", ...rows, "", "</details>");
    } else {
      out.push(...rows);
    }
  }
  out.push("");

  const p = d.policy;
  const pack = packName(p);
  out.push(
    `**Policy**${pack ? ` (${code(pack)})` : ""}: ${policyState(p.base)} → ${policyState(p.head)}`,
  );
  for (const v of p.introduced) out.push(mdViolation("new", v));
  for (const v of p.resolved) out.push(mdViolation("fixed", v));
  out.push("");

  const c = d.cost;
  out.push(`**Cost:** ${costState(c.base)} → ${costState(c.head)}${costDelta(c)}`);
  if (c.asOf) out.push("", `Price table ${text(c.asOf.base)} → ${text(c.asOf.head)}.`);
  if (c.lines.length > 0) {
    out.push("", "| Resource | Item | Before | After | Change |", "|---|---|---:|---:|---:|");
    for (const l of c.lines.slice(0, COST_LINES_SHOWN)) {
      out.push(
        `| ${code(l.name, true)} | ${text(l.item, true)} | ${money(l.before)} | ${money(l.after)} | ${signedMoney(l.delta)} |`,
      );
    }
    if (c.lines.length > COST_LINES_SHOWN) {
      out.push("", `… ${c.lines.length - COST_LINES_SHOWN} more cost lines changed.`);
    }
  }
  return `${out.join("\n")}\n`;
}
