// A structural check of Mermaid flowchart text, for the statements tools/diagram/render.ts writes:
// one statement per line, subgraph/end balanced, ids valid and declared once, every arrow and class
// between declared nodes, labels quoted with no character Mermaid would misread. It is not Mermaid's
// parser (which needs a browser); it refuses anything outside this subset.
import { MERMAID_ID, RESERVED_WORDS } from "./mermaid-text";

export interface ParsedFlowchart {
  problems: string[];
  nodes: Map<string, string>;
  subgraphs: Map<string, string>;
  edges: { from: string; to: string; arrow: string; label: string }[];
}

const ID = "([A-Za-z0-9_]+)";
const LABEL = '"([^"]*)"';
const HEADER = /^flowchart (LR|RL|TB|TD|BT)$/;
const SUBGRAPH = new RegExp(`^subgraph ${ID}\\[${LABEL}\\]$`);
const SHAPES: [string, string][] = [
  ["([", "])"],
  ["[(", ")]"],
  ["[/", "/]"],
  ["{{", "}}"],
  ["[", "]"],
];
const esc = (s: string) => s.replace(/[[\](){}/]/g, (c) => `\\${c}`);
const NODES = SHAPES.map(([open, close]) => new RegExp(`^${ID}${esc(open)}${LABEL}${esc(close)}$`));
const EDGE = new RegExp(`^${ID} (-->|-\\.->|==>)\\|${LABEL}\\| ${ID}$`);
const STYLE = "[A-Za-z0-9#:,.%-]+";
const CLASS_DEF = new RegExp(`^classDef ${ID} ${STYLE}$`);
const CLASS = new RegExp(`^class ([A-Za-z0-9_,]+) ${ID}$`);
const LINK_STYLE = new RegExp(`^linkStyle ([0-9,]+) ${STYLE}$`);

/** What is wrong with a label: raw characters that end it early or read as markup. */
function labelProblems(label: string): string[] {
  const bare = label.replace(/<br\/>/g, "").replace(/#(?:[a-z]+|\d+);/g, "");
  const bad = [...new Set(bare.match(/[<>#|`"]/g) ?? [])];
  return bad.length > 0 ? [`label "${label}" carries ${bad.join(" ")} unescaped`] : [];
}

function idProblems(id: string): string[] {
  if (!MERMAID_ID.test(id))
    return [`id ${id} is not a letter followed by letters, digits, underscores`];
  if (RESERVED_WORDS.has(id)) return [`id ${id} is a reserved word`];
  return [];
}

/** Parses the subset of flowchart syntax the diagram uses and lists every problem found. */
export function parseFlowchart(text: string): ParsedFlowchart {
  const problems: string[] = [];
  const nodes = new Map<string, string>();
  const subgraphs = new Map<string, string>();
  const edges: ParsedFlowchart["edges"] = [];
  const classDefs = new Set<string>();
  const classUses: { ids: string[]; cls: string; line: number }[] = [];
  const linkStyles: { indices: number[]; line: number }[] = [];
  const open: string[] = [];
  const lines = text.replace(/\n$/, "").split("\n");
  const declare = (id: string, label: string, into: Map<string, string>, n: number) => {
    problems.push(...idProblems(id).map((p) => `line ${n}: ${p}`));
    problems.push(...labelProblems(label).map((p) => `line ${n}: ${p}`));
    if (nodes.has(id) || subgraphs.has(id)) problems.push(`line ${n}: ${id} declared twice`);
    into.set(id, label);
  };
  lines.forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trim();
    if (i === 0) {
      if (!HEADER.test(raw)) problems.push(`line 1: "${raw}" is not a flowchart header`);
      return;
    }
    if (line === "") return;
    if (line.startsWith("%%")) {
      if (line.startsWith("%%{")) problems.push(`line ${n}: a directive, not a comment`);
      return;
    }
    let m: RegExpExecArray | null;
    if ((m = SUBGRAPH.exec(line))) {
      declare(m[1], m[2], subgraphs, n);
      open.push(m[1]);
    } else if (line === "end") {
      if (open.pop() === undefined) problems.push(`line ${n}: end without subgraph`);
    } else if ((m = EDGE.exec(line))) {
      problems.push(...labelProblems(m[3]).map((p) => `line ${n}: ${p}`));
      edges.push({ from: m[1], arrow: m[2], label: m[3], to: m[4] });
      for (const id of [m[1], m[4]]) {
        if (!nodes.has(id)) problems.push(`line ${n}: arrow to or from undeclared node ${id}`);
      }
    } else if ((m = CLASS_DEF.exec(line))) {
      classDefs.add(m[1]);
    } else if ((m = CLASS.exec(line))) {
      classUses.push({ ids: m[1].split(","), cls: m[2], line: n });
    } else if ((m = LINK_STYLE.exec(line))) {
      linkStyles.push({ indices: m[1].split(",").map(Number), line: n });
    } else {
      const node = NODES.map((re) => re.exec(line)).find((x) => x !== null);
      if (node) declare(node[1], node[2], nodes, n);
      else problems.push(`line ${n}: not one statement this check knows: ${line}`);
    }
  });
  if (open.length > 0) problems.push(`subgraph ${open.join(", ")} not closed`);
  for (const use of classUses) {
    if (!classDefs.has(use.cls)) problems.push(`line ${use.line}: class ${use.cls} not defined`);
    for (const id of use.ids) {
      if (!nodes.has(id)) problems.push(`line ${use.line}: class of undeclared node ${id}`);
    }
  }
  for (const ls of linkStyles) {
    for (const i of ls.indices) {
      if (i >= edges.length) problems.push(`line ${ls.line}: linkStyle ${i} past the last arrow`);
    }
  }
  return { problems, nodes, subgraphs, edges };
}
