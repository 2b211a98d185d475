import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../helpers/plan";

const POLICY = path.join(ROOT, "policy");

function policySources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : policySources(full);
    return e.name.endsWith(".ts") ? [full] : [];
  });
}

/** `@scope/name` or `name` of every package a file imports (type-only imports included). */
function importedPackages(file: string): string[] {
  const source = fs.readFileSync(file, "utf8");
  const statements = /^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"|\brequire\("([^"]+)"\)/gm;
  const specifiers = [...source.matchAll(statements)]
    .map((m) => m[1] ?? m[2])
    .filter((s) => !s.startsWith("."));
  return specifiers
    .filter((s) => !s.startsWith("node:") && !["fs", "path"].includes(s))
    .map((s) =>
      s
        .split("/")
        .slice(0, s.startsWith("@") ? 2 : 1)
        .join("/"),
    );
}

describe("the policy pack's package.json (what `pulumi policy publish` installs)", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(POLICY, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };

  it("lists every package the pack imports, and what ts-node needs to type-check it", () => {
    const imported = new Set(policySources(POLICY).flatMap(importedPackages));
    expect(imported.size).to.be.greaterThan(1);
    for (const name of [...imported, "typescript", "ts-node", "@types/node"]) {
      expect(pkg.dependencies, name).to.have.property(name);
    }
  });

  it("pins the same versions as the program, so one install serves both", () => {
    const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const rootVersions = { ...root.devDependencies, ...root.dependencies };
    for (const [name, version] of Object.entries(pkg.dependencies)) {
      if (name === "@pulumi/policy") continue;
      expect(rootVersions[name], name).to.be.oneOf([version, `^${version}`]);
    }
  });
});
