// Documents link only to files this repository has (a reader of the repository has nothing else),
// and a link to a heading (`#anchor`, `file.md#anchor`) names a heading that file has.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./helpers/plan";

const IGNORED_DIRS = ["node_modules", ".git", ".plans"];

function markdownFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return IGNORED_DIRS.includes(e.name) ? [] : markdownFiles(full);
    return e.name.endsWith(".md") ? [full] : [];
  });
}

/**
 * The repository's files, relative to ROOT: what git tracks plus new files it does not ignore
 * (an ignored or local-only file is not there for a reader); without git, the files on disk.
 */
function repositoryFiles(): Set<string> {
  const git = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (git.status === 0) return new Set(git.stdout.split("\0").filter(Boolean));
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
      const rel = path.posix.join(dir, e.name);
      if (e.isDirectory()) return IGNORED_DIRS.includes(e.name) ? [] : walk(rel);
      return [rel];
    });
  return new Set(walk(""));
}

/** Fenced code blocks, also indented ones in list items (a link or heading there is not one). */
const FENCED = /^ *(```|~~~)[^\n]*\n[\s\S]*?^ *\1[^\n]*$/gm;

/** The text without fenced code blocks and code spans. */
function withoutCode(markdown: string): string {
  return markdown.replace(FENCED, "").replace(/`[^`\n]*`/g, "");
}

/** A heading's anchor as GitHub makes it: text lower-cased, punctuation dropped, spaces to "-". */
function headingSlug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[`*]/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** A document's anchors: its headings' (a repeated one gets -1, -2, ...) and explicit ids. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(FENCED, "");
  for (const [, heading] of text.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const slug = headingSlug(heading);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const [, id] of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id);
  return anchors;
}

/** The link targets of a document: inline `[text](target)` and reference `[label]: target`. */
function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  return [
    ...[...text.matchAll(/\]\(<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g)].map(([, t]) => t),
    ...[...text.matchAll(/^ {0,3}\[[^\]]+\]:\s+<?([^\s>]+)>?/gm)].map(([, t]) => t),
  ];
}

/** What is wrong with one relative link of `doc` (a path relative to ROOT), or undefined. */
function brokenLink(
  doc: string,
  target: string,
  files: ReadonlySet<string>,
  dirs: ReadonlySet<string>,
): string | undefined {
  const [file, anchor] = target.split("#", 2);
  const rel = file
    ? path.posix.normalize(
        file.startsWith("/") ? file.slice(1) : path.posix.join(path.posix.dirname(doc), file),
      )
    : doc;
  const clean = decodeURIComponent(rel).replace(/\/$/, "");
  if (!files.has(clean) && !dirs.has(clean)) return "no such file in the repository";
  if (anchor === undefined || !clean.endsWith(".md")) return undefined;
  const anchors = anchorsOf(fs.readFileSync(path.join(ROOT, clean), "utf8"));
  return anchors.has(decodeURIComponent(anchor)) ? undefined : `${clean} has no heading #${anchor}`;
}

describe("documents", () => {
  const docs = markdownFiles(ROOT).map((d) => path.relative(ROOT, d).split(path.sep).join("/"));
  const files = repositoryFiles();
  const dirs = new Set(
    [...files].flatMap((f) => {
      const parts = f.split("/").slice(0, -1);
      return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    }),
  );

  it("are found: the README and every docs/*.md", () => {
    const inDocs = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md"));
    expect(inDocs.length).to.be.greaterThan(0);
    expect(docs).to.include.members(["README.md", ...inDocs.map((f) => `docs/${f}`)]);
  });

  it("link only to files of the repository, and to headings those files have", () => {
    const broken: string[] = [];
    for (const doc of docs) {
      for (const target of linkTargets(fs.readFileSync(path.join(ROOT, doc), "utf8"))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const problem = brokenLink(doc, target, files, dirs);
        if (problem) broken.push(`${doc} -> ${target}: ${problem}`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it("name no file outside the repository (the project's shared notes are not part of it)", () => {
    for (const doc of docs) {
      expect(fs.readFileSync(path.join(ROOT, doc), "utf8"), doc).to.not.match(
        /\.\.\/shared\/|shared\/reference|DESIGN\.md/,
      );
    }
  });
});

describe("documents: the link check itself", () => {
  it("makes GitHub's anchors: code and punctuation dropped, spaces to hyphens, repeats numbered", () => {
    expect(headingSlug("`openemr:fargate`")).to.equal("openemrfargate");
    expect(headingSlug("Standard, with a load balancer")).to.equal("standard-with-a-load-balancer");
    expect(headingSlug("The plan comment (`npm run diff`)")).to.equal(
      "the-plan-comment-npm-run-diff",
    );
    expect(headingSlug("[Link](x.md) and **bold**")).to.equal("link-and-bold");
    expect([
      ...anchorsOf('# A\n\n## A\n\n```\n# not a heading\n```\n<a id="x"></a>\n'),
    ]).to.deep.equal(["a", "a-1", "x"]);
  });

  it("finds links outside code only, inline and by reference", () => {
    expect(
      linkTargets('[a](x.md) `[b](y.md)`\n```\n[c](z.md)\n```\n[d]: w.md\n[e](<v.md> "title")\n'),
    ).to.deep.equal(["x.md", "v.md", "w.md"]);
  });

  it("refuses a missing file, an ignored file and a missing heading", () => {
    const files = new Set(["README.md", "docs/a.md"]);
    const dirs = new Set(["docs"]);
    expect(brokenLink("docs/a.md", "../README.md", files, dirs)).to.equal(undefined);
    expect(brokenLink("docs/a.md", "b.md", files, dirs)).to.equal("no such file in the repository");
    expect(brokenLink("README.md", "docs/", files, dirs)).to.equal(undefined);
    expect(brokenLink("README.md", ".plans/x.json", files, dirs)).to.equal(
      "no such file in the repository",
    );
    expect(
      brokenLink("README.md", "#try-it-offline-no-aws-account-no-pulumi-cli", files, dirs),
    ).to.equal(undefined);
    expect(brokenLink("README.md", "#no-such-heading", files, dirs)).to.equal(
      "README.md has no heading #no-such-heading",
    );
  });
});

describe("README commands", () => {
  it("write plan files only under .plans/, which git, eslint and prettier ignore", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const written = [...readme.matchAll(/--json[ =](\S+)/g)].map(([, file]) => file);
    expect(written.length, "the README shows --json").to.be.greaterThan(0);
    for (const file of written) expect(file, file).to.match(/^\.plans\//);
    for (const file of written) {
      const ignored = spawnSync("git", ["check-ignore", "-q", file], { cwd: ROOT });
      expect(ignored.status, `git check-ignore ${file}`).to.equal(0);
    }
    expect(fs.readFileSync(path.join(ROOT, ".prettierignore"), "utf8")).to.match(/^\.plans\/?$/m);
    expect(fs.readFileSync(path.join(ROOT, "eslint.config.mjs"), "utf8")).to.contain('".plans/"');
  });
});
