// The host scripts as an instance gets them: taken out of the express user data (renderUserData)
// and decoded as cloud-init's write_files does, so that the drill runs the installed text (comments
// stripped by compactScript), not only its source.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { parse } from "yaml";
import { renderUserData } from "../../components/compute/user-data";

/** Where the user data installs each script the drill runs. */
export const INSTALLED_AS = {
  "backup.sh": "/usr/local/sbin/openemr-backup",
  "restore.sh": "/usr/local/sbin/openemr-restore",
  "bootstrap.sh": "/usr/local/sbin/openemr-bootstrap",
} as const;

export type HostScript = keyof typeof INSTALLED_AS;

interface WriteFile {
  path: string;
  permissions: string;
  content: string;
  encoding?: string;
}

/** A write_files entry's content as cloud-init decodes it. */
export function decoded(file: { content: string; encoding?: string }): Buffer {
  switch (file.encoding ?? "text/plain") {
    case "gz+b64":
    case "gzip+base64":
      return zlib.gunzipSync(Buffer.from(file.content, "base64"));
    case "b64":
    case "base64":
      return Buffer.from(file.content, "base64");
    case "text/plain":
      return Buffer.from(file.content, "utf8");
    default:
      throw new Error(`write_files encoding ${file.encoding} not handled here`);
  }
}

/**
 * Writes the scripts into `dir` as the user data installs them, under their source names (so that
 * FakeHost.run("backup.sh") finds them there), with the installed permissions; returns `dir`.
 */
export function installScripts(dir: string, scripts: readonly HostScript[]): string {
  return installFrom(
    renderUserData({ STACK: "drill", REGION: "us-east-1" }, scripts),
    dir,
    scripts,
  );
}

/** As installScripts, from a given user data document (a planned instance's, say). */
export function installFrom(userData: string, dir: string, scripts: readonly HostScript[]): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const script of scripts) {
    const file = writeFile(userData, INSTALLED_AS[script]);
    const target = path.join(dir, script);
    fs.writeFileSync(target, decoded(file));
    fs.chmodSync(target, parseInt(file.permissions, 8));
  }
  return dir;
}

/** The write_files entry of a user data document for `target`. */
function writeFile(userData: string, target: string): WriteFile {
  const doc = parse(userData) as { write_files: WriteFile[] };
  const file = doc.write_files.find((f) => f.path === target);
  if (!file) throw new Error(`the user data does not install ${target}`);
  return file;
}

/** The deploy.env a user data document writes (KEY='value' lines, as user-data.ts renders them). */
export function deployEnvOf(userData: string): Record<string, string> {
  const text = decoded(writeFile(userData, "/etc/openemr/deploy.env")).toString("utf8");
  return Object.fromEntries(
    [...text.matchAll(/^([A-Z][A-Z0-9_]*)='([^'\n]*)'$/gm)].map(([, k, v]) => [k, v]),
  );
}
