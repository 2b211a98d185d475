// The preset comparison: one Markdown table, presets as columns, plus the reference-equivalent
// Fargate configuration priced by the same estimator. Every column reads its plan: resources, the
// cost block and the policy verdicts tools/pipeline recorded in it.
import { renderDiagram } from "../diagram/render";
import { PRICE_BASIS, enrichPlan } from "../pipeline/plan-stack";
import { money, topLines } from "../plan/blocks";
import { PlanIndex } from "../plan/plan-index";
import type { CostBlock, PlanFile } from "../plan/types";
import {
  adminCell,
  auditCell,
  availabilityCell,
  backupsCell,
  encryptionCell,
  scaleCell,
  tlsCell,
} from "./derive";
import { FACTS, REFERENCE_FACTS, type PresetFacts } from "./facts";
import { REFERENCE, referenceEquivalent } from "./reference";
import { PRESETS, type PlanSource } from "./source";

/** A plan's cost block, with the list of what it could not price (empty when complete). */
export type ColumnCost = CostBlock & { unpriced: string[] };

export interface Column {
  key: string;
  facts: PresetFacts;
  plan: PlanFile;
  cost: ColumnCost;
}

function costOf(key: string, plan: PlanFile): ColumnCost {
  if (!plan.cost) throw new Error(`compare: the ${key} plan carries no cost block`);
  return { ...plan.cost, unpriced: plan.cost.unpriced ?? [] };
}

export interface Comparison {
  columns: Column[];
  source: PlanSource;
}

/**
 * Plans every preset, then the reference-equivalent (judged and priced afresh, as a plan of its
 * own: its resources differ from the fargate plan it is made from).
 */
export async function buildComparison(source: PlanSource): Promise<Comparison> {
  const columns: Column[] = [];
  for (const preset of PRESETS) {
    const plan = await source.planPreset(preset);
    columns.push({ key: preset, facts: FACTS[preset], plan, cost: costOf(preset, plan) });
  }
  const fargate = columns.find((c) => c.key === "fargate");
  if (!fargate) throw new Error("compare: no fargate plan to derive the reference-equivalent from");
  const ref = await enrichPlan(referenceEquivalent(fargate.plan));
  const key = "reference-equivalent";
  columns.push({ key, facts: REFERENCE_FACTS, plan: ref, cost: costOf(key, ref) });
  return { columns, source };
}

/** Every unpriced item of every column, prefixed with the column. */
export function unpricedItems(c: Comparison): string[] {
  return c.columns.flatMap((col) => col.cost.unpriced.map((u) => `${col.key}: ${u}`));
}

/** "ALB" from "ALB (730 h × $0.0225)". */
function shortItem(item: string): string {
  const cut = item.indexOf(" (");
  return cut > 0 ? item.slice(0, cut) : item;
}

function costCell(col: Column, c: Comparison): string {
  const top = topLines(col.cost, 3)
    .map((l) => `${shortItem(l.item)} ${money(l.monthlyUsd)}`)
    .join("; ");
  const parts = [`**${money(col.cost.monthlyUsd)}**/month + usage`, `largest: ${top}`];
  const ref = c.columns.find((x) => x.key === "reference-equivalent");
  if (col.key === "fargate" && ref) {
    parts.push(
      `${(col.cost.monthlyUsd / ref.cost.monthlyUsd).toFixed(2)}× the reference-equivalent`,
    );
  }
  if (col.key === "reference-equivalent") {
    parts.push(`the reference README says ${money(REFERENCE.publishedMonthlyUsd)}²`);
  }
  return parts.join("<br>");
}

const ROWS: { name: string; cell: (col: Column, plan: PlanIndex, c: Comparison) => string }[] = [
  { name: "Monthly base cost", cell: (col, _p, c) => costCell(col, c) },
  { name: "Encrypted at rest, with which key", cell: (_c, p) => encryptionCell(p) },
  { name: "TLS termination", cell: (col, p) => tlsCell(p, col.facts) },
  { name: "Audit trail", cell: (_c, p) => auditCell(p) },
  { name: "Backups (where, how often, restore)", cell: (col, p) => backupsCell(p, col.facts) },
  { name: "Availability", cell: (col, p) => availabilityCell(p, col.facts) },
  { name: "Scale ceiling (as configured)", cell: (col, p) => scaleCell(p, col.facts) },
  { name: "Admin access", cell: (col, p) => adminCell(p, col.facts) },
  { name: "Who it is for", cell: (col) => col.facts.whoFor },
];

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

/** The comparison as Markdown: one table and its notes. Deterministic for the same plans. */
export function renderComparison(c: Comparison): string {
  const header = `| | ${c.columns.map((col) => escapeCell(col.facts.title)).join(" | ")} |`;
  const rule = `|---|${c.columns.map(() => "---").join("|")}|`;
  const rows = ROWS.map((row) => {
    const cells = c.columns.map((col) => escapeCell(row.cell(col, new PlanIndex(col.plan), c)));
    return `| **${row.name}** | ${cells.join(" | ")} |`;
  });
  const notes = [
    `Monthly base cost is what each stack costs at rest, priced from its plan by \`tools/cost\` at ${PRICE_BASIS}. ` +
      "Traffic- and data-driven charges (NAT and load-balancer traffic, requests, log ingestion, S3/EFS/Aurora storage, snapshot increments) come on top; each plan's cost block lists them with their unit prices.",
    `¹ Our fargate plan resized like the reference OpenEMR-on-Fargate deployment: ${REFERENCE.availabilityZones} AZs with one NAT gateway each, an Aurora Serverless v2 writer and reader at ${REFERENCE.auroraMinAcu} ACU minimum, ${REFERENCE.tasks} ARM tasks of ${Number(REFERENCE.taskCpu) / 1024} vCPU / ${Number(REFERENCE.taskMemory) / 1024} GiB; everything else as our program plans it.`,
    `² The reference README's ${money(REFERENCE.publishedMonthlyUsd)}/month counts Fargate for one task ($0.079/h) although its service keeps two running, and leaves out Aurora capacity, public IPv4 addresses and WAF rules.`,
    `Plans: ${c.source.description}.`,
  ];
  const diagrams = c.columns
    .filter((col) => col.key !== "reference-equivalent")
    .map(
      (col) =>
        `<details><summary>${col.facts.title}: architecture</summary>\n\n\`\`\`mermaid\n${renderDiagram(col.plan).trimEnd()}\n\`\`\`\n\n</details>\n`,
    );
  return (
    [
      header,
      rule,
      ...rows,
      "",
      ...notes.map((n) => `${n}\n`),
      "Each preset's architecture, drawn from the same plans: its components, network zones, every path a security-group rule opens (port, and TLS as the plan shows it) and what each key encrypts (`npm run plan -- --stack <name> --diagram` draws any stack).\n",
      ...diagrams,
    ]
      .join("\n")
      .trimEnd() + "\n"
  );
}
