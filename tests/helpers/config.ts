// The problems parseConfig reports for a raw config (what the engine hands the program), for
// assertions on every message at once.
import { ConfigError, parseConfig } from "../../config";

/** Every problem the config has; none when it parses. */
export function problemsOf(raw: Record<string, string>, stack?: string): string[] {
  try {
    parseConfig(raw, stack === undefined ? undefined : { stack });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
