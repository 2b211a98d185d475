// The host scripts as an instance gets them, so that the drill runs the installed text (comments
// stripped by compactScript), not only its source: the boot scripts taken out of the user data
// (renderUserData) and decoded as cloud-init's write_files does; the others put back together from
// the SSM parameter values the program writes (scriptParameterChunks) as install-scripts.sh does,
// for the entry the user data's deploy.env names (SCRIPT_PARAMETERS).
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { parse } from "yaml";
import { renderUserData, scriptParameterChunks } from "../../components/compute/user-data";

/** Where the host installs each script the drill runs. */
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
 * Writes the scripts into `dir` as the host installs them, under their source names (so that
 * FakeHost.run("backup.sh") finds them there), with the installed permissions; returns `dir`.
 */
export function installScripts(dir: string, scripts: readonly HostScript[]): string {
  const entries = scripts
    .map((s) => `${INSTALLED_AS[s]}=/openemr/drill/scripts/${s}:${scriptParameterChunks(s).length}`)
    .join(" ");
  return installFrom(
    renderUserData({ STACK: "drill", REGION: "us-east-1", SCRIPT_PARAMETERS: entries }),
    dir,
    scripts,
  );
}

/** As installScripts, from a given user data document (a planned instance's, say). */
export function installFrom(userData: string, dir: string, scripts: readonly HostScript[]): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const script of scripts) {
    const target = path.join(dir, script);
    const file = findWriteFile(userData, INSTALLED_AS[script]);
    if (file) {
      fs.writeFileSync(target, decoded(file));
      fs.chmodSync(target, parseInt(file.permissions, 8));
    } else {
      fs.writeFileSync(target, fromParameters(userData, script));
      fs.chmodSync(target, 0o755);
    }
  }
  return dir;
}

/**
 * `script` as install-scripts.sh puts it together from the parameters its deploy.env entry names:
 * the parts the program writes, joined, base64-decoded and gunzipped.
 */
function fromParameters(userData: string, script: HostScript): Buffer {
  const installed = INSTALLED_AS[script];
  const entry = (deployEnvOf(userData).SCRIPT_PARAMETERS ?? "")
    .split(" ")
    .find((e) => e.startsWith(`${installed}=`));
  if (!entry)
    throw new Error(
      `the host installs ${installed} neither from its user data nor from parameters`,
    );
  const chunks = scriptParameterChunks(script);
  const count = Number(entry.slice(entry.lastIndexOf(":") + 1));
  if (count !== chunks.length) {
    throw new Error(
      `${installed}: deploy.env names ${count} parameters, the program writes ${chunks.length}`,
    );
  }
  return zlib.gunzipSync(Buffer.from(chunks.join(""), "base64"));
}

function findWriteFile(userData: string, target: string): WriteFile | undefined {
  const doc = parse(userData) as { write_files: WriteFile[] };
  return doc.write_files.find((f) => f.path === target);
}

/** The write_files entry of a user data document for `target`. */
function writeFile(userData: string, target: string): WriteFile {
  const file = findWriteFile(userData, target);
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
