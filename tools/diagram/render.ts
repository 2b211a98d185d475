// A plan's architecture diagram as a Mermaid flowchart (the text inside a ```mermaid fence, which
// GitHub renders): zones as boxes (Internet; the VPC with its public, private and isolated subnets;
// AWS's regional services), in each the program's components as boxes and their resources as
// nodes; solid arrows for the paths the security-group rules open (client to server, port, TLS),
// dotted arrows for what each KMS key encrypts and what a WAF web ACL filters. `%%` comments say
// which rules and which inputs are behind each arrow.
import { urnName } from "../plan/plan-index";
import type { PlanFile } from "../plan/types";
import { buildDiagramModel } from "./graph";
import { IdRegistry, quoted } from "./mermaid-text";
import type {
  DiagramComponent,
  DiagramModel,
  DiagramNode,
  NetworkEdge,
  NodeRole,
  ZoneId,
} from "./model";
import { tlsText } from "./tls";

const INDENT = "  ";

/** Mermaid shapes: [open, close] around the quoted label. */
const SHAPES: Record<NodeRole, [string, string]> = {
  outside: ["([", "])"],
  edge: ["[", "]"],
  network: ["[", "]"],
  compute: ["[", "]"],
  data: ["[(", ")]"],
  secret: ["[/", "/]"],
  key: ["{{", "}}"],
  audit: ["[", "]"],
  minor: ["[", "]"],
};

const CLASS_STYLES: Record<NodeRole, string> = {
  outside: "fill:#fde8e8,stroke:#c53030",
  edge: "fill:#e6fffa,stroke:#2c7a7b",
  network: "fill:#edf2f7,stroke:#4a5568",
  compute: "fill:#ebf8ff,stroke:#2b6cb0",
  data: "fill:#faf5ff,stroke:#6b46c1",
  secret: "fill:#fffaf0,stroke:#c05621",
  key: "fill:#fefcbf,stroke:#b7791f",
  audit: "fill:#f0fff4,stroke:#2f855a",
  minor: "fill:#f7fafc,stroke:#a0aec0,color:#4a5568,font-size:12px",
};

/** An arrow whose link is not shown to be TLS is drawn red. */
const NOT_TLS_STYLE = "stroke:#c53030,color:#c53030";

/** Comment text on one line (a comment ends at the line's end; "%%{" would start a directive). */
function comment(text: string): string {
  return `%% ${text.replace(/\s+/g, " ").replace(/[{}]/g, "")}`;
}

function nodeLine(n: DiagramNode): string {
  const [open, close] = SHAPES[n.role];
  return `${n.id}${open}${quoted(n.lines)}${close}`;
}

class Printer {
  readonly lines: string[] = [];
  /** Statements under "flowchart" are indented one level. */
  private depth = 1;

  line(text: string): void {
    this.lines.push(INDENT.repeat(this.depth) + text);
  }

  box(id: string, label: string, body: () => void): void {
    this.line(`subgraph ${id}[${quoted([label])}]`);
    this.depth++;
    body();
    this.depth--;
    this.line("end");
  }
}

/**
 * The components of a zone as nested boxes. The tier's own resources get a box of their own beside
 * its components' (nesting everything in the tier would only add a level to every zone).
 */
function printComponents(p: Printer, model: DiagramModel, zone: ZoneId, ids: IdRegistry): void {
  const nodes = model.nodes.filter((n) => n.zone === zone);
  const byUrn = new Map(model.components.map((c) => [c.urn, c]));
  const root = model.components.find((c) => c.parent === undefined);
  const boxParent = (c: DiagramComponent): string | undefined =>
    c.parent === root?.urn ? undefined : c.parent;
  const present = new Set<string>();
  for (const n of nodes) {
    let c = n.component ? byUrn.get(n.component) : undefined;
    while (c) {
      present.add(c.urn);
      const up = boxParent(c);
      c = up ? byUrn.get(up) : undefined;
    }
  }
  for (const n of nodes.filter((x) => x.component === undefined)) p.line(nodeLine(n));
  const print = (c: DiagramComponent): void => {
    p.box(ids.take("c", `${zone} ${c.name}`), c.label, () => {
      for (const n of nodes.filter((x) => x.component === c.urn)) p.line(nodeLine(n));
      if (c.urn === root?.urn) return;
      for (const child of model.components) {
        if (child.parent === c.urn && present.has(child.urn)) print(child);
      }
    });
  };
  for (const c of model.components) {
    if (!present.has(c.urn)) continue;
    if (c.urn === root?.urn || boxParent(c) === undefined) print(c);
  }
}

function portText(e: NetworkEdge): string {
  if (e.fromPort === e.toPort) return String(e.fromPort);
  return e.fromPort === 0 && e.toPort === 65535 ? "all ports" : `${e.fromPort}-${e.toPort}`;
}

function edgeLabel(e: NetworkEdge): string {
  const missing = e.missingSide ? ` · no ${e.missingSide} rule` : "";
  return `${e.service} ${portText(e)} · ${tlsText(e.tls)}${missing}`;
}

/** The model printed as Mermaid flowchart text. */
export function renderModel(model: DiagramModel): string {
  const p = new Printer();
  const ids = new IdRegistry();
  const name = new Map(model.nodes.map((n) => [n.id, n.cidr ?? n.lines[1] ?? n.lines[0]]));
  p.lines.push("flowchart LR");
  p.line(comment(model.title));
  p.line(
    comment(
      "generated from the plan by tools/diagram; solid arrows: paths security-group rules open, client to server; dotted: encrypted with a KMS key, requests filtered by a WAF web ACL; red: TLS not shown",
    ),
  );
  const zones = new Map(model.zones.map((z) => [z.id, z]));
  const zoneBox = (id: ZoneId) => {
    const z = zones.get(id);
    if (z) p.box(`z_${id}`, z.label, () => printComponents(p, model, id, ids));
  };
  zoneBox("internet");
  if (["public", "private", "isolated", "vpc"].some((z) => zones.has(z as ZoneId))) {
    p.box("z_vpc", model.vpcLabel, () => {
      zoneBox("public");
      zoneBox("private");
      zoneBox("isolated");
      if (zones.has("vpc")) printComponents(p, model, "vpc", ids);
    });
  }
  zoneBox("outbound");
  zoneBox("aws");

  let link = 0;
  const red: number[] = [];
  for (const e of model.edges) {
    const rules = e.rules.map((r) => `${r.name} (${r.direction})`).join(", ");
    p.line(
      comment(
        `${name.get(e.from)} -> ${name.get(e.to)} ${e.protocol}/${portText(e)}: ${rules}; TLS: ${e.tls.evidence}`,
      ),
    );
    p.line(`${e.from} -->|${quoted([edgeLabel(e)])}| ${e.to}`);
    if (e.tls.status === "plain" || e.tls.status === "unknown") red.push(link);
    link++;
  }
  for (const e of model.encryptions) {
    p.line(
      comment(
        `${name.get(e.from)} encrypts ${e.uses.map((u) => `${urnName(u.urn)}.${u.prop}`).join(", ")}`,
      ),
    );
    // drawn from what is encrypted to its key: the layout puts arrows' heads to the right, and the
    // keys belong right of the data, not left of the network
    p.line(`${e.to} -.->|${quoted([e.label])}| ${e.from}`);
    link++;
  }
  for (const e of model.firewalls) {
    p.line(
      comment(
        `${name.get(e.from)} filters ${name.get(e.to)}: ${e.associations.map(urnName).join(", ")}`,
      ),
    );
    p.line(`${e.to} -.->|${quoted(["requests filtered by"])}| ${e.from}`);
    link++;
  }
  const roles = (Object.keys(CLASS_STYLES) as NodeRole[]).filter((r) =>
    model.nodes.some((n) => n.role === r),
  );
  for (const role of roles) p.line(`classDef ${role} ${CLASS_STYLES[role]}`);
  for (const role of roles) {
    p.line(
      `class ${model.nodes
        .filter((n) => n.role === role)
        .map((n) => n.id)
        .join(",")} ${role}`,
    );
  }
  if (red.length > 0) p.line(`linkStyle ${red.join(",")} ${NOT_TLS_STYLE}`);
  return p.lines.join("\n") + "\n";
}

/** The plan's architecture diagram: a Mermaid flowchart, without the Markdown fence. */
export function renderDiagram(plan: PlanFile): string {
  return renderModel(buildDiagramModel(plan));
}
