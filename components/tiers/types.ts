import type * as pulumi from "@pulumi/pulumi";

/** What every tier is given besides its own sizing settings (validated config, never read here). */
export interface TierCommonArgs {
  /** The stack's name (validated: lower-case letters, digits, single hyphens). */
  stack: string;
  /** The deployment region (`aws:region`). */
  region: string;
  /** CIDR blocks allowed to reach the front door; empty means nobody. */
  allowedCidrs: string[];
  architecture: "arm64" | "x86_64";
  vpcCidr: string;
  logRetentionDays: number;
  /** Deletion protection and Pulumi `protect` on every stateful resource. */
  protectData: boolean;
  /** openemr/openemr:<version>[@sha256:...] */
  openemrImage: string;
  openemrVersion: string;
  domain?: string;
  hostedZoneId?: string;
  certificateArn?: string;
  acmeEmail?: string;
  alarmEmail?: string;
  auditTrail: "create" | "existing";
  /** DNS Firewall: lookups outside the allow list are logged ("alert") or refused ("block"). */
  egressMode: "alert" | "block";
  /** The clinic's own integrations, added to the DNS Firewall allow list. */
  egressAllowedDomains: string[];
  /** Prefix for log group names, e.g. /openemr/dev. */
  logGroupPrefix: string;
  /** Prefix for SSM parameter names, e.g. /openemr/dev (the hosts may read only below it). */
  parameterPrefix: string;
}

/** Stack outputs every tier provides (undefined where a tier has no such thing). */
export interface TierOutputs {
  url: pulumi.Output<string>;
  adminUser: string;
  /** Where the generated admin password is kept (SSM parameter name or Secrets Manager ARN). */
  adminPasswordLocation: pulumi.Output<string>;
  /** The exact AWS CLI command that prints the admin password. */
  adminPasswordCommand: pulumi.Output<string>;
  instanceId?: pulumi.Output<string>;
  /** How an administrator gets a shell (SSM Session Manager or ECS Exec), never SSH. */
  adminShellCommand?: pulumi.Output<string>;
  databaseEndpoint?: pulumi.Output<string>;
  backupLocation?: pulumi.Output<string>;
  logGroups: pulumi.Output<string>[];
}
