// The plan file contract (docs/architecture.md, "Plan file"). Tools that read or write plans share these types.

/** A JSON value as it appears in a plan: unknowns are "<computed>", secrets are "<secret>". */
export type PlanValue =
  null | boolean | number | string | PlanValue[] | { [key: string]: PlanValue };

export const COMPUTED = "<computed>";
export const SECRET = "<secret>";

export interface PlanResourceOptions {
  protect: boolean;
  retainOnDelete: boolean;
  /** Explicit dependsOn URNs (dependencies not already implied by an input property). */
  dependsOn: string[];
  ignoreChanges: string[];
  /** The URNs this resource was known under (its `aliases`, resolved); absent when none. */
  aliases?: string[];
}

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  /** true for custom (cloud) resources, false for components. */
  custom: boolean;
  /** true when the resource is a remote (multi-language) component such as awsx:ec2:Vpc. */
  remote?: boolean;
  parent: string | null;
  /** Inputs as the program passed them. */
  props: Record<string, PlanValue>;
  opts: PlanResourceOptions;
  /** Input property name -> URNs of the resources that value came from. */
  propertyDependencies: Record<string, string[]>;
}

export interface PolicyViolation {
  policy: string;
  level: "mandatory" | "advisory";
  urn: string;
  message: string;
}

export interface PolicyBlock {
  pack: string;
  passed: boolean;
  violations: PolicyViolation[];
  /** The pack config file the verdict used (as CI picks it), "<given>" for an explicit one, or null. */
  config?: string | null;
}

export interface CostLine {
  urn: string;
  item: string;
  monthlyUsd: number;
}

export interface CostBlock {
  monthlyUsd: number;
  currency: "USD";
  asOf: string;
  /**
   * The region whose list prices the figures are: the plan's region when the price table has it,
   * otherwise us-east-1, and then every reader must say that the figures are not the region's.
   * Absent in plans written before the table had regions (they are us-east-1 prices).
   */
  priceRegion?: string;
  lines: CostLine[];
  /** Usage-driven charges listed with their unit price, not guessed into monthlyUsd. */
  usage?: { urn: string; item: string; unitPrice: string }[];
  /** Resource types (or items) the estimator could not price; a test fails when any is listed. */
  unpriced?: string[];
}

export interface PlanFile {
  project: string;
  stack: string;
  preset: string;
  region: string;
  resources: PlanResource[];
  outputs: Record<string, PlanValue>;
  policy?: PolicyBlock;
  cost?: CostBlock;
}
