// What a stack holds, in a form two stacks can be compared by: every table of the openemr database
// (row count, CHECKSUM TABLE, its definition and a hash of every row by primary key), every view,
// trigger, routine and event (SHOW CREATE), and every file, directory and link of the archived
// volumes (kind, mode, sha256 or target).
import * as crypto from "crypto";
import type { FakeHost } from "./host";
import type { MariaDbServer } from "./server";

export interface TableState {
  rows: number;
  checksum: string;
  /** SHOW CREATE TABLE */
  definition: string;
  /** the primary key's columns, comma-separated; "" for a table without one */
  key: string;
  /** primary key (the whole row's hash for a table without one) → sha256 of the row */
  rowHashes: Map<string, string>;
}

export interface DatabaseState {
  tables: Map<string, TableState>;
  /** "procedure patient_count", "trigger documents_log", ... → SHOW CREATE, less creation times */
  objects: Map<string, string>;
}

/** volume/path → "file <mode> <sha256>", "dir <mode>" or "link <target>" */
export type FileState = Map<string, string>;

/** Rows of batch output, split on tabs (batch mode escapes tabs and newlines inside values). */
function lines(server: MariaDbServer, query: string): string[][] {
  return server
    .mustSql(query)
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split("\t"));
}

/** Per kind of object: where its names are, and its SHOW CREATE keyword. */
const OBJECTS = {
  view: ["table_name FROM information_schema.views WHERE table_schema = 'openemr'", "VIEW"],
  trigger: [
    "trigger_name FROM information_schema.triggers WHERE trigger_schema = 'openemr'",
    "TRIGGER",
  ],
  procedure: [
    "routine_name FROM information_schema.routines WHERE routine_schema = 'openemr' AND routine_type = 'PROCEDURE'",
    "PROCEDURE",
  ],
  function: [
    "routine_name FROM information_schema.routines WHERE routine_schema = 'openemr' AND routine_type = 'FUNCTION'",
    "FUNCTION",
  ],
  event: ["event_name FROM information_schema.events WHERE event_schema = 'openemr'", "EVENT"],
} as const;

/** The openemr database, in a handful of client runs. */
export function databaseState(server: MariaDbServer): DatabaseState {
  const names = lines(
    server,
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'openemr' AND table_type = 'BASE TABLE' ORDER BY 1",
  ).map(([name]) => name);
  const tables = new Map<string, TableState>();
  if (names.length > 0) {
    const q = (name: string): string => `openemr.\`${name}\``;
    const counts = new Map(
      lines(
        server,
        names.map((n) => `SELECT '${n}', COUNT(*) FROM ${q(n)}`).join(" UNION ALL "),
      ).map(([n, c]) => [n, Number(c)]),
    );
    const sums = new Map(
      lines(server, `CHECKSUM TABLE ${names.map(q).join(", ")} EXTENDED`).map(([n, c]) => [
        n.replace(/^openemr\./, ""),
        c,
      ]),
    );
    const ddl = new Map(
      lines(server, names.map((n) => `SHOW CREATE TABLE ${q(n)};`).join("\n")).map(([n, d]) => [
        n,
        d,
      ]),
    );
    const keys = new Map(
      lines(
        server,
        "SELECT table_name, GROUP_CONCAT(CONCAT('`', column_name, '`') ORDER BY seq_in_index) FROM information_schema.statistics WHERE table_schema = 'openemr' AND index_name = 'PRIMARY' GROUP BY table_name",
      ).map(([n, cols]) => [n, cols]),
    );
    const rowHashes = new Map<string, Map<string, string>>(names.map((n) => [n, new Map()]));
    // bytes as latin1 (one character per byte): the BLOBs hash exactly as the server sent them
    const all = server.rawSql(
      names
        .map((n) => {
          const key = keys.has(n) ? `CONCAT_WS(',', ${keys.get(n)})` : "''";
          return `SELECT '${n}', ${key}, t.* FROM ${q(n)} t;`;
        })
        .join("\n"),
    );
    for (const line of all.toString("latin1").split("\n")) {
      if (!line) continue;
      const tab1 = line.indexOf("\t");
      const tab2 = line.indexOf("\t", tab1 + 1);
      const hashes = rowHashes.get(line.slice(0, tab1));
      if (!hashes) continue;
      const hash = crypto
        .createHash("sha256")
        .update(line.slice(tab2 + 1), "latin1")
        .digest("hex");
      let key = line.slice(tab1 + 1, tab2);
      if (key === "") {
        // no primary key: the row is its own key, duplicates numbered
        let n = 1;
        while (hashes.has(`${hash.slice(0, 12)}#${n}`)) n++;
        key = `${hash.slice(0, 12)}#${n}`;
      }
      hashes.set(key, hash);
    }
    for (const name of names) {
      tables.set(name, {
        rows: counts.get(name) ?? -1,
        checksum: sums.get(name) ?? "",
        definition: ddl.get(name) ?? "",
        key: (keys.get(name) ?? "").replace(/`/g, ""),
        rowHashes: rowHashes.get(name) ?? new Map<string, string>(),
      });
    }
  }
  const objects = new Map<string, string>();
  for (const [kind, [names, show]] of Object.entries(OBJECTS)) {
    const found = lines(server, `SELECT ${names} ORDER BY 1`).map(([name]) => name);
    if (found.length === 0) continue;
    const shown = lines(
      server,
      found.map((name) => `SHOW CREATE ${show} openemr.\`${name}\`;`).join("\n"),
    );
    for (const [i, name] of found.entries()) {
      // a trigger's last column is when it was created: on the new server, at the restore
      const columns = kind === "trigger" ? shown[i].slice(0, -1) : shown[i];
      objects.set(`${kind} ${name}`, columns.join("\t"));
    }
  }
  return { tables, objects };
}

export function fileState(host: FakeHost): FileState {
  return host.files();
}

export interface RowChanges {
  inserted: number;
  updated: number;
  deleted: number;
}

/** Rows by key: in `to` only, in both but different, in `from` only. */
export function rowChanges(
  from: Map<string, string>,
  to: Map<string, string>,
): RowChanges & { keys: Record<keyof RowChanges, string[]> } {
  const keys = { inserted: [] as string[], updated: [] as string[], deleted: [] as string[] };
  for (const [key, hash] of to) {
    const old = from.get(key);
    if (old === undefined) keys.inserted.push(key);
    else if (old !== hash) keys.updated.push(key);
  }
  for (const key of from.keys()) if (!to.has(key)) keys.deleted.push(key);
  return {
    inserted: keys.inserted.length,
    updated: keys.updated.length,
    deleted: keys.deleted.length,
    keys,
  };
}

/** Row changes over every table from one state to the next. */
export function databaseChanges(from: DatabaseState, to: DatabaseState): RowChanges {
  const total = { inserted: 0, updated: 0, deleted: 0 };
  for (const name of new Set([...from.tables.keys(), ...to.tables.keys()])) {
    const c = rowChanges(
      from.tables.get(name)?.rowHashes ?? new Map<string, string>(),
      to.tables.get(name)?.rowHashes ?? new Map<string, string>(),
    );
    total.inserted += c.inserted;
    total.updated += c.updated;
    total.deleted += c.deleted;
  }
  return total;
}

export interface FileChanges {
  added: number;
  changed: number;
  removed: number;
}

/** Files and links (not directories) added, changed and removed. */
export function fileChanges(from: FileState, to: FileState): FileChanges {
  const entries = (files: FileState): FileState =>
    new Map([...files].filter(([, v]) => !v.startsWith("dir ")));
  const c = rowChanges(entries(from), entries(to));
  return { added: c.inserted, changed: c.updated, removed: c.deleted };
}

/** "1 row differs (id 17)", "7 rows missing (id 1, 2, 3, 4, 5, … 2 more)" */
function rowsLine(keys: string[], column: string, singular: string, plural: string): string {
  const shown =
    keys.slice(0, 5).join(", ") + (keys.length > 5 ? `, … ${keys.length - 5} more` : "");
  const count = keys.length === 1 ? `1 row ${singular}` : `${keys.length} rows ${plural}`;
  return `${count} (${column ? `${column} ` : ""}${shown})`;
}

/** Differences between the state at a backup and a restored one: one line per table or object. */
export function compareDatabases(expected: DatabaseState, actual: DatabaseState): string[] {
  const out: string[] = [];
  for (const [name, want] of expected.tables) {
    const got = actual.tables.get(name);
    if (!got) {
      out.push(`table ${name}: missing`);
      continue;
    }
    const diffs: string[] = [];
    if (got.rows !== want.rows) diffs.push(`${got.rows} rows, want ${want.rows}`);
    const rows = rowChanges(want.rowHashes, got.rowHashes);
    const k = want.key;
    if (rows.updated > 0) diffs.push(rowsLine(rows.keys.updated, k, "differs", "differ"));
    if (rows.deleted > 0) diffs.push(rowsLine(rows.keys.deleted, k, "missing", "missing"));
    if (rows.inserted > 0)
      diffs.push(rowsLine(rows.keys.inserted, k, "not in the backup", "not in the backup"));
    if (got.checksum !== want.checksum)
      diffs.push(`CHECKSUM TABLE ${got.checksum}, want ${want.checksum}`);
    if (got.definition !== want.definition) diffs.push("SHOW CREATE TABLE differs");
    if (diffs.length > 0) out.push(`table ${name}: ${diffs.join("; ")}`);
  }
  for (const name of actual.tables.keys()) {
    if (!expected.tables.has(name)) out.push(`table ${name}: not in the backup`);
  }
  for (const [name, want] of expected.objects) {
    const got = actual.objects.get(name);
    if (got === undefined) out.push(`${name}: missing`);
    else if (got !== want) out.push(`${name}: SHOW CREATE differs`);
  }
  for (const name of actual.objects.keys()) {
    if (!expected.objects.has(name)) out.push(`${name}: not in the backup`);
  }
  return out;
}

/** Differences between the files at a backup and restored ones, `skip` left to other checks. */
export function compareFiles(
  expected: FileState,
  actual: FileState,
  skip: readonly string[] = [],
): string[] {
  const out: string[] = [];
  for (const [key, want] of expected) {
    if (skip.includes(key)) continue;
    const got = actual.get(key);
    if (got === undefined) out.push(`file ${key}: missing`);
    else if (got !== want) out.push(`file ${key}: ${got}, want ${want}`);
  }
  for (const key of actual.keys()) {
    if (!expected.has(key) && !skip.includes(key)) out.push(`file ${key}: not in the backup`);
  }
  return out;
}

/** Rows over all tables, regular files over all volumes. */
export function rowCount(db: DatabaseState): number {
  return [...db.tables.values()].reduce((n, t) => n + t.rows, 0);
}

export function fileCount(files: FileState): number {
  return [...files.values()].filter((v) => v.startsWith("file ")).length;
}
