// Which resource an ID or ARN in a plan's inputs names. A property's dependencies say which
// resources its value came from, not which list entry came from which: an inline rule's
// `securityGroups: [id, id]` depends on both groups. The mock engine makes IDs from logical names
// (`<name>-<8 hex>`, or AWS-shaped network IDs such as `subnet-pub0-<hash>`: tools/plan/mocks.ts)
// and ARNs end with the name, so the name decides.
import { networkId } from "../plan/mocks";
import type { PlanResource } from "../plan/types";
import { str } from "../plan/values";

function names(r: PlanResource, value: string): boolean {
  const own = [r.name, str(r.props.name)].filter((n): n is string => n !== undefined);
  if (value === networkId(r.type, r.name)) return true;
  return own.some(
    (n) =>
      value === n ||
      value.endsWith(`/${n}`) ||
      (value.startsWith(`${n}-`) && /^[0-9a-f]{8}$/.test(value.slice(n.length + 1))),
  );
}

/**
 * The one candidate `value` denotes: the only candidate, or the one whose name the value carries;
 * undefined when none or several do.
 */
export function resolveReference(
  value: string,
  candidates: readonly PlanResource[],
): PlanResource | undefined {
  if (candidates.length === 1) return candidates[0];
  const matching = candidates.filter((c) => names(c, value));
  return matching.length === 1 ? matching[0] : undefined;
}
