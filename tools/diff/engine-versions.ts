// Database engine versions as RDS names them: majors, parameter group families, and order.

/** Engines whose major is the first two numbers (MySQL 8.0, 8.4; MariaDB 10.11, 11.4). */
const TWO_PART_MAJOR = new Set(["mysql", "mariadb", "aurora-mysql"]);

/** The numbers of a version ("8.0.mysql_aurora.3.05.2" -> [8, 0, 3, 5, 2]). */
function numbers(version: string): number[] {
  return (version.match(/\d+/g) ?? []).map(Number);
}

/** The major of an engine version ("8.0.35" -> "8.0"; PostgreSQL "16.3" -> "16"), or undefined. */
export function majorOf(engine: string, version: string): string | undefined {
  const n = numbers(version);
  if (n.length === 0) return undefined;
  if (TWO_PART_MAJOR.has(engine)) return n.length >= 2 ? `${n[0]}.${n[1]}` : undefined;
  // PostgreSQL counts majors by the first number from 10 on (9.6 was a major)
  if ((n[0] ?? 0) >= 10) return String(n[0]);
  return n.length >= 2 ? `${n[0]}.${n[1]}` : undefined;
}

/** The parameter group family of an engine version ("mysql", "8.4" -> "mysql8.4"). */
export function familyOf(engine: string, version: string): string | undefined {
  const major = majorOf(engine, version);
  return major === undefined ? undefined : `${engine}${major}`;
}

/**
 * Orders two versions on the numbers both name: "8.0" and "8.0.35" are equal (the provider takes a
 * major-only engineVersion as matching any of its minors). Negative when `a` is older.
 */
export function compareVersions(a: string, b: string): number {
  const x = numbers(a);
  const y = numbers(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
