// SQL literals the drill writes: every value as hex, so that any byte string (a BLOB, utf8mb4 text
// with emoji, combining marks, quotes, backslashes, tabs or newlines) arrives unaltered.

export type SqlValue = number | string | Buffer | null;

export function literal(value: SqlValue): string {
  if (value === null) return "NULL";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`SQL literal: ${value} is not a number`);
    return String(value);
  }
  if (Buffer.isBuffer(value)) return value.length === 0 ? "''" : `X'${value.toString("hex")}'`;
  return value === "" ? "''" : `_utf8mb4 X'${Buffer.from(value, "utf8").toString("hex")}'`;
}

/** INSERT statements of at most `chunk` rows each. */
export function inserts(
  table: string,
  columns: readonly string[],
  rows: readonly SqlValue[][],
  chunk = 400,
): string {
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += chunk) {
    const values = rows
      .slice(i, i + chunk)
      .map((row) => `(${row.map(literal).join(", ")})`)
      .join(",\n");
    out.push(`INSERT INTO ${table} (${columns.join(", ")}) VALUES\n${values};`);
  }
  return out.join("\n");
}

/** A single-quoted SQL (and PHP) string literal. */
export function quoted(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
