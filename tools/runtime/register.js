// Runs the repository's TypeScript in plain Node: `node -r ./tools/runtime/register.js file.ts`.
// A require hook for .ts files that strips types with esbuild (type checking is `npm run typecheck`)
// and caches the output by content hash. Chosen over tsx, whose resolver hook wraps every require,
// including the hundreds of modules @pulumi/* load: that alone added about 0.6 s to each plan.
// Source maps stay off here (Node would read the .map file of every @pulumi module: about 0.3 s per
// plan); the tests turn them on (tools/runtime/source-maps.js) for TypeScript line numbers.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const cacheDir = path.join(__dirname, "../../node_modules/.cache/openemr-aws-ts");
// esbuild's version from its package.json: loading esbuild itself is only needed on a cache miss
const esbuildVersion = require("esbuild/package.json").version;
const salt = `${esbuildVersion}:${process.version}:1`;

function transpile(filename) {
  const source = fs.readFileSync(filename, "utf8");
  const hash = crypto
    .createHash("sha256")
    .update(salt)
    .update(filename)
    .update(source)
    .digest("hex");
  const cached = path.join(cacheDir, `${hash}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    // not cached yet
  }
  const { code } = require("esbuild").transformSync(source, {
    loader: "ts",
    format: "cjs",
    target: "node20",
    sourcefile: filename,
    sourcemap: "inline",
  });
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, cached);
  } catch {
    // a read-only tree still runs, uncached
  }
  return code;
}

require.extensions[".ts"] = function loadTypeScript(module, filename) {
  module._compile(transpile(filename), filename);
};
