// The README's generated comparison lives between two markers; only that part is ever rewritten.
import * as fs from "fs";

export const START = "<!-- compare:start -->";
export const END = "<!-- compare:end -->";

/** The text between the markers (trimmed), or undefined when the markers are missing. */
export function extractSection(readme: string): string | undefined {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) return undefined;
  return readme.slice(start + START.length, end).trim();
}

/** `readme` with the section between the markers replaced by `section`. */
export function replaceSection(readme: string, section: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) {
    throw new Error(`README has no ${START} … ${END} markers to write the comparison between`);
  }
  return `${readme.slice(0, start + START.length)}\n${section.trim()}\n${readme.slice(end)}`;
}

/** A README that holds only the markers, for a repository that has none yet. */
export function minimalReadme(section: string): string {
  return `# openemr-aws\n\n${START}\n${section.trim()}\n${END}\n`;
}

/** Writes the section into the README at `path`, creating a minimal README when there is none. */
export function writeReadmeSection(
  path: string,
  section: string,
): "updated" | "created" | "unchanged" {
  if (!fs.existsSync(path)) {
    fs.writeFileSync(path, minimalReadme(section));
    return "created";
  }
  const before = fs.readFileSync(path, "utf8");
  const after = replaceSection(before, section);
  if (after === before) return "unchanged";
  fs.writeFileSync(path, after);
  return "updated";
}
