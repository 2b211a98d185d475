// The whole program against AWS's name rules: every example stack and every preset, under its own
// stack name and under longer ones (stack names flow into nearly every AWS name). Fails while the
// program sets, or lets the provider generate, a name AWS would refuse; the message lists them.
import { expect } from "chai";
import {
  AwsRuleError,
  CONSTRAINTS,
  type AwsRuleViolation,
  formatViolations,
} from "../../tools/aws-rules/check";
import { planStack as planStackAs } from "../../tools/pipeline/plan-stack";
import type { PlanFile } from "../../tools/plan/types";
import { EXPRESS_PLUS, ROOT, planStack } from "../helpers/plan";

/** 20 characters. */
const LONG = "lakeside-clinic-prod";
/** 40 characters: the longest stack name the config accepts. */
const LONGEST = "northwest-regional-medical-center-prod-1";

interface Case {
  preset: string;
  /** The stack file (Pulumi.<file>.yaml). */
  file: string;
  sets: Record<string, string>;
  names: string[];
}

// 18 plans: the example stacks, each preset, the names a clinic would pick, and the copies in a
// second region under the longest stack name.
const CASES: Case[] = [
  { preset: "express", file: "dev", sets: {}, names: ["dev", "clinic-north-prod", LONGEST] },
  { preset: "express-plus", file: "dev", sets: EXPRESS_PLUS, names: ["dev", LONG, LONGEST] },
  {
    preset: "standard",
    file: "staging",
    sets: {},
    names: ["staging", "production", "clinic-north-prod", LONGEST],
  },
  {
    preset: "fargate",
    file: "prod",
    sets: {},
    names: ["prod", "production", "clinic-north-prod", LONG, LONGEST],
  },
  {
    preset: "fargate, certificate requested for a domain",
    file: "dev",
    sets: {
      "openemr:preset": "fargate",
      "openemr:domain": "emr.example.org",
      "openemr:hostedZoneId": "Z0123456789ABC",
    },
    names: ["dev"],
  },
  // the copies in a second region: the copy vault, key, bucket and replication role
  {
    preset: "express-plus, backups copied to a second region",
    file: "dev",
    sets: { ...EXPRESS_PLUS, "openemr:backupCopyRegion": "us-west-2" },
    names: [LONGEST],
  },
  {
    preset: "standard, backups copied to a second region",
    file: "staging",
    sets: { "openemr:backupCopyRegion": "us-west-2" },
    names: [LONGEST],
  },
  {
    preset: "fargate, backups copied to a second region",
    file: "prod",
    sets: { "openemr:backupCopyRegion": "us-west-2" },
    names: [LONGEST],
  },
];

interface Outcome {
  plan?: PlanFile;
  violations: AwsRuleViolation[];
  error?: Error;
}

async function outcome(c: Case, name: string): Promise<Outcome> {
  try {
    const plan =
      name === c.file
        ? await planStack(c.file, c.sets)
        : (
            await planStackAs(
              c.file,
              Object.entries(c.sets).map(([k, v]) => `${k}=${v}`),
              ROOT,
              name,
            )
          ).plan;
    return { plan, violations: [] };
  } catch (err) {
    if (err instanceof AwsRuleError) return { plan: err.plan, violations: err.violations };
    return { violations: [], error: err instanceof Error ? err : new Error(String(err)) };
  }
}

// Top-level properties that look like names but refer to another resource (whose own name is
// checked there), or are not names: an engine, a device, a certificate authority.
const NOT_NAMES = new Set([
  "aws:cloudtrail/trail:Trail s3BucketName",
  "aws:ec2/volumeAttachment:VolumeAttachment deviceName",
  "aws:rds/cluster:Cluster dbClusterParameterGroupName",
  "aws:rds/cluster:Cluster dbSubnetGroupName",
  "aws:rds/clusterInstance:ClusterInstance caCertIdentifier",
  "aws:rds/clusterInstance:ClusterInstance clusterIdentifier",
  "aws:rds/clusterInstance:ClusterInstance dbSubnetGroupName",
  "aws:rds/instance:Instance caCertIdentifier",
  "aws:rds/instance:Instance dbSubnetGroupName",
  "aws:rds/instance:Instance optionGroupName",
  "aws:rds/instance:Instance parameterGroupName",
  "aws:rds/optionGroup:OptionGroup engineName",
  "aws:rds/parameterGroup:ParameterGroup family",
  "aws:rds/clusterParameterGroup:ClusterParameterGroup family",
  "aws:elasticache/serverlessCache:ServerlessCache userGroupId",
  // the vault's own name, checked on the vault
  "aws:backup/vaultLockConfiguration:VaultLockConfiguration backupVaultName",
  "aws:backup/vaultPolicy:VaultPolicy backupVaultName",
  // the log group's own name, checked on the log group
  "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy logGroupName",
  "aws:cloudwatch/logMetricFilter:LogMetricFilter logGroupName",
]);
const NAME_LIKE =
  /^(name|identifier|description|family|userId|userGroupId)$|(Name|Identifier|Description)$/;

describe("AWS name rules: the whole program", function () {
  this.timeout(15 * 60_000);
  const outcomes = new Map<string, Outcome>();
  const key = (c: Case, name: string) => `${c.preset} as ${name}`;

  before(async function () {
    for (const c of CASES) {
      for (const name of c.names) outcomes.set(key(c, name), await outcome(c, name));
    }
  });

  for (const c of CASES) {
    for (const name of c.names) {
      it(`${c.preset} (Pulumi.${c.file}.yaml) as stack ${name}: nothing AWS would refuse`, () => {
        const o = outcomes.get(key(c, name))!;
        if (o.error) throw o.error;
        expect(o.violations.length, `\n${formatViolations(o.violations)}`).to.equal(0);
      });
    }
  }

  it("has a rule for every name, identifier and description the program sets", () => {
    const ruled = new Set(
      CONSTRAINTS.rules.map((r) => `${r.type} ${r.property.split(/[.[@]/)[0]}`),
    );
    const missing = new Set<string>();
    let planned = 0;
    for (const o of outcomes.values()) {
      if (!o.plan) continue;
      planned++;
      for (const r of o.plan.resources.filter((x) => x.custom && x.type.startsWith("aws:"))) {
        for (const [prop, value] of Object.entries(r.props)) {
          const id = `${r.type} ${prop}`;
          if (
            NAME_LIKE.test(prop) &&
            typeof value === "string" &&
            !ruled.has(id) &&
            !NOT_NAMES.has(id)
          ) {
            missing.add(id);
          }
        }
      }
    }
    expect(planned, "no plan to inspect").to.be.greaterThan(0);
    expect([...missing].sort()).to.deep.equal([]);
  });
});
