// The structural check of flowchart text refuses what Mermaid would refuse or misread, so that the
// presets' diagrams passing it means something; and the label and id helpers keep text inside it.
import { expect } from "chai";
import { IdRegistry, escapeLabel, quoted, slug } from "../../tools/diagram/mermaid-text";
import { parseFlowchart } from "../../tools/diagram/syntax";

const VALID = [
  "flowchart LR",
  "  %% a comment",
  '  subgraph z_a["Zone A"]',
  '    n_a["A<br/>#quot;quoted#quot;"]',
  '    n_b[("B")]',
  "  end",
  '  n_c{{"C"}}',
  '  n_a -->|"HTTPS 443 · TLS"| n_b',
  '  n_b -.->|"encrypted with"| n_c',
  "  classDef key fill:#fefcbf,stroke:#b7791f",
  "  class n_c key",
  "  linkStyle 1 stroke:#c53030",
].join("\n");

function problemsWith(...lines: string[]): string[] {
  return parseFlowchart(["flowchart LR", '  n_a["A"]', '  n_b["B"]', ...lines].join("\n")).problems;
}

describe("flowchart structure check", function () {
  it("accepts the statements the diagram writes", function () {
    const parsed = parseFlowchart(VALID);
    expect(parsed.problems).to.deep.equal([]);
    expect([...parsed.nodes.keys()]).to.deep.equal(["n_a", "n_b", "n_c"]);
    expect([...parsed.subgraphs.keys()]).to.deep.equal(["z_a"]);
    expect(parsed.edges.map((e) => `${e.from}${e.arrow}${e.to}`)).to.deep.equal([
      "n_a-->n_b",
      "n_b-.->n_c",
    ]);
  });

  it("refuses text that is not a flowchart", function () {
    expect(parseFlowchart('graph TD\n  n_a["A"]').problems).to.deep.equal([
      'line 1: "graph TD" is not a flowchart header',
    ]);
  });

  it("refuses unbalanced boxes", function () {
    expect(problemsWith('  subgraph z_x["X"]')).to.deep.equal(["subgraph z_x not closed"]);
    expect(problemsWith("  end")).to.deep.equal(["line 4: end without subgraph"]);
  });

  it("refuses two statements on a line, and statements it does not know", function () {
    expect(problemsWith('  n_a -->|"x"| n_b; n_b -->|"y"| n_a')).to.have.length(1);
    expect(problemsWith("  n_a --> n_b")[0]).to.match(/^line 4: not one statement/);
    expect(problemsWith('  %%{init: {"theme": "dark"}}%%')).to.deep.equal([
      "line 4: a directive, not a comment",
    ]);
  });

  it("refuses ids Mermaid misreads, ids declared twice and arrows to undeclared nodes", function () {
    expect(problemsWith('  end_x["E"]', '  end["E"]')).to.deep.equal([
      "line 5: id end is a reserved word",
    ]);
    expect(problemsWith('  9lives["N"]')).to.deep.equal([
      "line 4: id 9lives is not a letter followed by letters, digits, underscores",
    ]);
    expect(problemsWith('  n_a["again"]')).to.deep.equal(["line 4: n_a declared twice"]);
    expect(problemsWith('  n_a -->|"x"| n_zz')).to.deep.equal([
      "line 4: arrow to or from undeclared node n_zz",
    ]);
  });

  it("refuses raw quotes, pipes and markup in labels", function () {
    expect(problemsWith('  n_q["say "hi""]')[0]).to.match(/not one statement/);
    expect(problemsWith('  n_p["a|b"]')).to.deep.equal(['line 4: label "a|b" carries | unescaped']);
    expect(problemsWith('  n_h["<b>x</b>"]')).to.deep.equal([
      'line 4: label "<b>x</b>" carries < > unescaped',
    ]);
  });

  it("refuses classes and link styles that name nothing", function () {
    expect(problemsWith("  class n_a nope")).to.deep.equal(["line 4: class nope not defined"]);
    expect(problemsWith("  classDef k fill:#fff", "  class n_zz k")).to.deep.equal([
      "line 5: class of undeclared node n_zz",
    ]);
    expect(problemsWith("  linkStyle 0 stroke:#000")).to.deep.equal([
      "line 4: linkStyle 0 past the last arrow",
    ]);
  });
});

describe("flowchart text helpers", function () {
  it("escapes every character that would end or reinterpret a quoted label", function () {
    expect(escapeLabel('a "b" | <c> #d `e`\nnext')).to.equal(
      "a #quot;b#quot; #124; #lt;c#gt; #35;d #96;e#96; next",
    );
    expect(quoted(["one", "two <2>"])).to.equal('"one<br/>two #lt;2#gt;"');
  });

  it("makes ids from any name, unique in the order they are asked for", function () {
    expect(slug("openemr-prod-lb-alb")).to.equal("openemr_prod_lb_alb");
    expect(slug("198.51.100.0/24")).to.equal("198_51_100_0_24");
    expect(slug("---")).to.equal("x");
    const ids = new IdRegistry();
    expect([ids.take("n", "a-b"), ids.take("n", "a_b"), ids.take("n", "A.B")]).to.deep.equal([
      "n_a_b",
      "n_a_b_2",
      "n_a_b_3",
    ]);
  });
});
