import * as fs from "fs";
import * as path from "path";
import { gzipSync } from "zlib";
import { stringify } from "yaml";

/** Non-secret settings the boot scripts read from /etc/openemr/deploy.env. */
export type DeployEnv = Record<string, string | number>;

const SCRIPTS: Record<string, string> = {
  "/usr/local/sbin/openemr-bootstrap": "bootstrap.sh",
  "/usr/local/sbin/openemr-backup": "backup.sh",
  "/usr/local/sbin/openemr-restore": "restore.sh",
  "/usr/local/sbin/openemr-certificate": "certificate.sh",
  "/usr/local/sbin/openemr-forget-superuser": "forget-superuser.sh",
  "/usr/local/sbin/openemr-health": "health.sh",
  "/usr/local/sbin/openemr-install-scripts": "install-scripts.sh",
  "/usr/local/sbin/openemr-export": "export.sh",
  "/usr/local/sbin/openemr-import-fetch": "import-fetch.sh",
  "/usr/local/sbin/openemr-import-apply": "import-apply.sh",
  "/usr/local/sbin/openemr-import": "import.sh",
};

/**
 * What the user data holds: what the first boot runs before openemr-install-scripts (bootstrap.sh
 * runs it right after Docker, before it uses any other script) and install-scripts.sh itself.
 * Cloud-init writes user data on the first boot only, and a change to it stops and starts the
 * instance; every other script comes from the stack's SSM parameters (scriptParameterChunks), which
 * the host-scripts association (maintenance/host-scripts.ts) installs again whenever one changes.
 */
export const BOOT_SCRIPTS: readonly string[] = ["bootstrap.sh", "install-scripts.sh"];

/** The importer of openemr:restoreFrom (SPEC-17), on a host that starts from a set. */
export const IMPORT_SCRIPTS: readonly string[] = [
  "import-fetch.sh",
  "import-apply.sh",
  "import.sh",
];
/** Installed from SSM parameters, never from the user data: every script but BOOT_SCRIPTS. */
export const PARAMETER_SCRIPTS: readonly string[] = Object.values(SCRIPTS).filter(
  (f) => !BOOT_SCRIPTS.includes(f),
);

/** The helper scripts a host installs unless it says otherwise (openemrHost's `scripts`). */
export const DEFAULT_SCRIPTS: readonly string[] = ["backup.sh", "restore.sh", "certificate.sh"];

/**
 * What every host installs besides the ones it asks for: every host installs OpenEMR, so every host
 * takes the superuser away from it afterwards, reports whether OpenEMR answers, and can export.
 */
const ALWAYS_INSTALLED = ["forget-superuser.sh", "health.sh", "export.sh"];

/**
 * Pure: the parameter scripts a host installs, in SCRIPTS order: the helpers it asks for, the ones
 * every host has, and the importer with openemr:restoreFrom.
 */
export function hostParameterScripts(helpers: readonly string[], restore: boolean): string[] {
  const unknown = helpers.filter(
    (f) => !PARAMETER_SCRIPTS.includes(f) || IMPORT_SCRIPTS.includes(f),
  );
  if (unknown.length > 0) throw new Error(`host scripts: unknown scripts ${unknown.join(", ")}`);
  const wanted = new Set([...helpers, ...ALWAYS_INSTALLED, ...(restore ? IMPORT_SCRIPTS : [])]);
  return PARAMETER_SCRIPTS.filter((f) => wanted.has(f));
}

/** SSM PutParameter, standard tier: a value of at most 4 KB. */
export const STANDARD_PARAMETER_LIMIT = 4096;

/** Where the host installs a script (the SCRIPTS target). */
export function scriptTarget(file: string): string {
  const target = Object.entries(SCRIPTS).find(([, f]) => f === file)?.[0];
  if (!target) throw new Error(`unknown script ${file}`);
  return target;
}

/** A script as install-scripts.sh reads it back: gzip, base64, in standard-tier-sized pieces. */
export function scriptParameterChunks(file: string): string[] {
  const encoded = gzipSync(compactScript(readScript(file)), { level: 9 }).toString("base64");
  const chunks: string[] = [];
  for (let i = 0; i < encoded.length; i += STANDARD_PARAMETER_LIMIT) {
    chunks.push(encoded.slice(i, i + STANDARD_PARAMETER_LIMIT));
  }
  return chunks;
}

/** EC2 refuses user data over 16 KiB. */
export const USER_DATA_LIMIT = 16 * 1024;

export function readScript(file: string): string {
  return fs.readFileSync(path.join(__dirname, "scripts", file), "utf8");
}

/** Drops full-line comments (not the shebang): the scripts stay documented, the user data small. */
export function compactScript(text: string): string {
  return text
    .split("\n")
    .filter((line, i) => i === 0 || !/^\s*#/.test(line))
    .join("\n");
}

function envLine(key: string, value: string | number): string {
  const text = String(value);
  if (!/^[A-Z][A-Z0-9_]*$/.test(key)) throw new Error(`deploy.env: bad key ${key}`);
  if (/['\n]/.test(text)) throw new Error(`deploy.env: ${key} contains a quote or newline`);
  return `${key}='${text}'`;
}

/** A generated file the host needs besides the scripts (e.g. the container's start script). */
export interface HostFile {
  path: string;
  content: string;
  permissions: "0644" | "0755";
}

/** Where the host keeps OpenEMR's container start script (mounted read-only into the container). */
export const CONTAINER_START_SCRIPT = "/etc/openemr/container-start.sh";

/**
 * Renders the cloud-init user data: the deploy settings, the BOOT_SCRIPTS as files, and a single run
 * of the bootstrap. Secrets are never part of it: the bootstrap reads them from SSM at boot.
 */
export function renderUserData(env: DeployEnv, extraFiles: readonly HostFile[] = []): string {
  const files = [
    {
      path: "/etc/openemr/deploy.env",
      permissions: "0644",
      content:
        Object.entries(env)
          .map(([k, v]) => envLine(k, v))
          .join("\n") + "\n",
    },
    ...Object.entries(SCRIPTS)
      .filter(([, file]) => BOOT_SCRIPTS.includes(file))
      .map(([target, file]) => ({
        path: target,
        permissions: "0755",
        // cloud-init decodes gz+b64 itself (write_files `encoding`)
        encoding: "gz+b64",
        content: gzipSync(compactScript(readScript(file)), { level: 9 }).toString("base64"),
      })),
    ...extraFiles,
  ];
  const doc = `#cloud-config\n${stringify(
    { write_files: files, runcmd: [["/usr/local/sbin/openemr-bootstrap"]] },
    { lineWidth: 0 },
  )}`;
  if (Buffer.byteLength(doc) > USER_DATA_LIMIT) {
    throw new Error(`user data is ${Buffer.byteLength(doc)} bytes; EC2 allows ${USER_DATA_LIMIT}`);
  }
  return doc;
}
