// openemr-aws: read and validate the stack config, build the preset's tier, export its outputs.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig, type OpenEmrConfig } from "./config";
import type { TierCommonArgs, TierOutputs } from "./components/tiers/types";
import { ExpressTier } from "./components/tiers/express-tier";
import { FargateTier } from "./components/tiers/fargate-tier";
import { StandardTier } from "./components/tiers/standard-tier";

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
const common: TierCommonArgs = {
  allowedCidrs: config.allowedCidrs,
  architecture: config.architecture,
  vpcCidr: config.vpcCidr,
  logRetentionDays: config.logRetentionDays,
  protectData: config.protectData,
  openemrImage: config.openemrImage,
  openemrVersion: config.openemrVersion,
  domain: config.domain,
  hostedZoneId: config.hostedZoneId,
  certificateArn: config.certificateArn,
  acmeEmail: config.acmeEmail,
  alarmEmail: config.alarmEmail,
  auditTrail: config.auditTrail,
  logGroupPrefix: `/openemr/${stack}`,
};

function build(): TierOutputs {
  switch (config.preset) {
    case "express":
      return new ExpressTier(name, { ...common, ...config.settings, plus: undefined }).outputs;
    case "express-plus":
      return new ExpressTier(name, { ...common, ...config.settings, plus: config.settings })
        .outputs;
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
