// Mermaid's lexical rules as the diagram uses them: ids it accepts and labels it cannot misread.

/** An id Mermaid accepts everywhere: a letter, then letters, digits and underscores. */
export const MERMAID_ID = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Words Mermaid's flowchart grammar reserves; an id must not be one of them. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  "end",
  "graph",
  "flowchart",
  "subgraph",
  "direction",
  "style",
  "linkStyle",
  "class",
  "classDef",
  "click",
  "call",
  "href",
  "default",
]);

/** Letters, digits and single underscores from any text ("openemr-prod-lb" -> "openemr_prod_lb"). */
export function slug(text: string): string {
  const s = text
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toLowerCase();
  return s === "" ? "x" : s;
}

/**
 * Hands out unique ids: `take("n", "lb-alb")` gives `n_lb_alb`, then `n_lb_alb_2` for the next
 * text with the same slug. The prefix keeps ids clear of reserved words and of Mermaid's arrow
 * heads (an id starting with "o" or "x" right after "--" reads as a circle or cross edge).
 */
export class IdRegistry {
  private readonly used = new Set<string>();

  take(prefix: string, text: string): string {
    const base = `${prefix}_${slug(text)}`;
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}_${n}`;
    this.used.add(id);
    return id;
  }
}

// Mermaid reads "#name;" as an entity; these are the characters a quoted label must not carry raw:
// the quote ends the label, "#" starts an entity, "|" ends an edge label, "<" and ">" are HTML,
// "`" starts a Markdown string.
const ENTITIES: Record<string, string> = {
  '"': "#quot;",
  "#": "#35;",
  "|": "#124;",
  "<": "#lt;",
  ">": "#gt;",
  "`": "#96;",
};

/** One label line with Mermaid's special characters written as entities, on one line. */
export function escapeLabel(text: string): string {
  return text.replace(/\s+/g, " ").replace(/["#|<>`]/g, (c) => ENTITIES[c] ?? c);
}

/** A quoted label of one or more lines. */
export function quoted(lines: readonly string[]): string {
  return `"${lines.map(escapeLabel).join("<br/>")}"`;
}
