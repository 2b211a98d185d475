// Documents link only to files this repository has (a reader of the repository has nothing else).
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./helpers/plan";

function markdownFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory())
      return ["node_modules", ".git", ".plans"].includes(e.name) ? [] : markdownFiles(full);
    return e.name.endsWith(".md") ? [full] : [];
  });
}

describe("documents", () => {
  const docs = markdownFiles(ROOT);

  it("are found", () => {
    expect(docs.map((d) => path.relative(ROOT, d))).to.include.members([
      "README.md",
      "docs/architecture.md",
    ]);
  });

  it("link only to files of the repository", () => {
    const broken: string[] = [];
    for (const doc of docs) {
      const text = fs.readFileSync(doc, "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target) || target.startsWith("#")) continue;
        const file = target.split("#")[0];
        if (!fs.existsSync(path.resolve(path.dirname(doc), file))) {
          broken.push(`${path.relative(ROOT, doc)} -> ${target}`);
        }
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it("name no file outside the repository (the project's shared notes are not part of it)", () => {
    for (const doc of docs) {
      expect(fs.readFileSync(doc, "utf8"), path.relative(ROOT, doc)).to.not.match(
        /\.\.\/shared\/|shared\/reference|DESIGN\.md/,
      );
    }
  });
});
