// A small evaluator of resource-policy statements (key policies, bucket policies) for the tests:
// Allow/Deny, Principal (account root or service), Action and Resource wildcards, and the condition
// operators the program's policies use. An unknown operator fails the test rather than passing it.

export interface PolicyRequest {
  /** A principal of an account (allowed by that account's IAM policies), or a service principal. */
  principal: { account: string } | { service: string };
  action: string;
  resource?: string;
  /** Condition keys present in the request. */
  context?: Record<string, string>;
}

interface Statement {
  Effect: string;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: unknown;
}

const list = (v: unknown): string[] =>
  v === undefined
    ? []
    : (Array.isArray(v) ? (v as unknown[]) : [v]).map((x) =>
        typeof x === "string" ? x : JSON.stringify(x),
      );

function glob(pattern: string, value: string, ignoreCase = false): boolean {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  const regex = escaped.replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, ignoreCase ? "i" : "").test(value);
}

function principalMatches(principal: unknown, request: PolicyRequest): boolean {
  if (principal === "*") return true;
  if (typeof principal !== "object" || principal === null) return false;
  const p = principal as { AWS?: unknown; Service?: unknown };
  if ("account" in request.principal) {
    const account = request.principal.account;
    return list(p.AWS).some(
      (a) => a === account || /^arn:[^:]+:iam::(\d{12}):root$/.exec(a)?.[1] === account,
    );
  }
  const service = request.principal.service;
  return list(p.Service).includes(service);
}

function conditionsHold(condition: unknown, context: Record<string, string>): boolean {
  if (condition === undefined) return true;
  return Object.entries(condition as Record<string, Record<string, unknown>>).every(
    ([operator, keys]) =>
      Object.entries(keys).every(([key, expected]) => {
        const values = list(expected);
        const actual = context[key];
        switch (operator) {
          case "StringEquals":
          case "Bool":
            return actual !== undefined && values.includes(actual);
          case "StringLike":
          case "ArnLike":
            return actual !== undefined && values.some((v) => glob(v, actual));
          case "Null":
            return values.every((v) => (v === "true") === (actual === undefined));
          default:
            throw new Error(`the evaluator does not know the condition operator ${operator}`);
        }
      }),
  );
}

function statementMatches(s: Statement, request: PolicyRequest): boolean {
  return (
    principalMatches(s.Principal, request) &&
    list(s.Action).some((a) => glob(a, request.action, true)) &&
    list(s.Resource ?? "*").some((r) => glob(r, request.resource ?? "*")) &&
    conditionsHold(s.Condition, request.context ?? {})
  );
}

/** True when some statement allows the request and none denies it. */
export function allows(statements: readonly Statement[], request: PolicyRequest): boolean {
  const matching = statements.filter((s) => statementMatches(s, request));
  return matching.some((s) => s.Effect === "Allow") && !matching.some((s) => s.Effect === "Deny");
}
