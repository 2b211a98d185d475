// openemr-aws: read and validate the stack config, build the preset's tier, export its outputs.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig, type OpenEmrConfig } from "./config";
import type { TierCommonArgs, TierOutputs } from "./components/tiers/types";
import { ExpressPlusTier, ExpressTier } from "./components/tiers/express-tier";
import { FargateTier } from "./components/tiers/fargate-tier";
import { StandardTier } from "./components/tiers/standard-tier";

/** The AWS provider's region: names, ARNs and the load balancer's log delivery depend on it. */
function loadRegion(): string {
  const region = aws.config.region;
  if (!region) {
    throw new pulumi.RunError(
      "Invalid stack configuration (1 problem):\n  - aws:region: is required; set it with `pulumi config set aws:region us-east-1`",
    );
  }
  return region;
}

function loadConfig(): OpenEmrConfig {
  try {
    return parseConfig(pulumi.runtime.allConfig(), { stack: pulumi.getStack() });
  } catch (err) {
    // RunError makes the CLI print the message alone, without a stack trace.
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

const config = loadConfig();
const stack = pulumi.getStack();
const name = `openemr-${stack}`;
// the common settings pass down as they are; the preset and its settings pick the tier
const { preset, settings, iamPermissionsBoundary, ...commonConfig } = config;
// the stack's own path in CloudWatch Logs and SSM Parameter Store
const pathPrefix = `/openemr/${stack}`;
const common: TierCommonArgs = {
  ...commonConfig,
  stack,
  region: loadRegion(),
  logGroupPrefix: pathPrefix,
  parameterPrefix: pathPrefix,
};

// One permissions boundary on every IAM role the program creates, wherever it is created: the
// deploy role of docs/ci.md may create roles only with it (a role it creates is never an
// administrator). Registered before the first resource.
const boundary = config.iamPermissionsBoundary;
if (boundary) {
  pulumi.runtime.registerStackTransformation((r) =>
    r.type === "aws:iam/role:Role"
      ? { props: { ...r.props, permissionsBoundary: boundary }, opts: r.opts }
      : undefined,
  );
}

function build(): TierOutputs {
  switch (config.preset) {
    case "express":
      return new ExpressTier(name, { ...common, ...config.settings }).outputs;
    case "express-plus":
      return new ExpressPlusTier(name, { ...common, ...config.settings }).outputs;
    case "standard":
      return new StandardTier(name, { ...common, ...config.settings }).outputs;
    case "fargate":
      return new FargateTier(name, { ...common, ...config.settings }).outputs;
  }
}

// Stack outputs: the preset and what its tier provides, leaving out what a tier has not got (an
// undefined export would make the engine warn on every run).
const outputs: Record<string, unknown> = { preset: config.preset, ...build() };
export = Object.fromEntries(Object.entries(outputs).filter(([, value]) => value !== undefined));
