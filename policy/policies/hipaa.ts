// Policies for the rules of AWS's HIPAA Security conformance pack that the other modules do not
// already enforce, each named after its AWS Config rule. A resource that an accepted deviation of the
// rule covers (compliance/deviations.json, by preset and name) gets an advisory naming the deviation
// instead of the violation (registry.ts). Mandatory: exposure, audit records and backups; advisory:
// monitoring depth, availability and credential hygiene, where the presets trade cost or start-up
// behaviour for the control.

import type { PolicyResource, ReportViolation } from "@pulumi/policy";
import {
  BUCKET_TYPES,
  T,
  arrayOf,
  attachedToBucket,
  dependsVia,
  forEachChecked,
  forTypes,
  named,
  ofTypes,
  peek,
  peekString,
  resourcePolicy,
  stackPolicy,
} from "./common";

/** Type tokens only these policies read (tools/plan/tokens.ts does not list them). */
const SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation";

/** The sentence every message ends with: how to fix it, or where to record the decision. */
function orDeviation(rule: string): string {
  return ` Or record a deviation of ${rule} in compliance/deviations.json (reason and compensating control).`;
}

/** Resources of `types` that take `prop` from `target`. */
function wiredTo(
  resources: PolicyResource[],
  types: readonly string[],
  prop: string,
  target: PolicyResource,
): PolicyResource[] {
  return ofTypes(resources, types).filter((r) => dependsVia(r, prop, target));
}

function inBackupSelection(resources: PolicyResource[], r: PolicyResource): boolean {
  return wiredTo(resources, [T.backupSelection], "resources", r).length > 0;
}

function isAurora(props: Record<string, unknown>): boolean {
  return (peekString(props, "engine") ?? "").startsWith("aurora");
}

/** The strings of a policy document's "Action" of every statement with the given effect. */
function actionsOf(document: unknown, effect: string): string[] {
  const doc = typeof document === "string" ? (JSON.parse(document) as unknown) : document;
  const raw = (doc as { Statement?: unknown } | null)?.Statement;
  const statements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return statements
    .filter((s: { Effect?: unknown }) => s.Effect === effect)
    .flatMap((s: { Action?: unknown }): unknown[] =>
      typeof s.Action === "string"
        ? [s.Action]
        : Array.isArray(s.Action)
          ? (s.Action as unknown[])
          : [],
    )
    .filter((a): a is string => typeof a === "string");
}

// ------------------------------------------------------------------------------------------------
// Access control and exposure (164.312(a)(1), (e)(1))
// ------------------------------------------------------------------------------------------------

export const ec2InstanceNoPublicIp = stackPolicy({
  name: "ec2-instance-no-public-ip",
  description:
    "EC2 instances have no public address: no associatePublicIpAddress, no Elastic IP, no subnet " +
    "that assigns one (HIPAA Security: ec2-instance-no-public-ip).",
  severity: "high",
  validateStack: (args, report) => {
    forEachChecked(ofTypes(args.resources, [T.ec2Instance]), (instance) => {
      const what = named("EC2 instance", instance.name);
      const fix =
        " Put it in a private subnet (behind the load balancer, with NAT or VPC endpoints for its " +
        "outbound traffic)." +
        orDeviation("ec2-instance-no-public-ip");
      const eips = [
        ...wiredTo(args.resources, [T.eip], "instance", instance),
        ...wiredTo(args.resources, [T.eipAssociation], "instanceId", instance),
      ];
      if (eips.length > 0) {
        report(`${what} is reachable at the Elastic IP ${eips[0].name}.${fix}`, instance.urn);
        return;
      }
      const props = instance.props;
      if (peek(props, "associatePublicIpAddress") === true) {
        report(`${what} sets associatePublicIpAddress: true.${fix}`, instance.urn);
        return;
      }
      const subnet = ofTypes(args.resources, [T.subnet]).find((s) =>
        dependsVia(instance, "subnetId", s),
      );
      if (
        subnet &&
        peek(subnet.props, "mapPublicIpOnLaunch") === true &&
        peek(props, "associatePublicIpAddress") !== false
      ) {
        report(
          `${what} is in subnet "${subnet.name}", which assigns public addresses ` +
            `(mapPublicIpOnLaunch).${fix}`,
          instance.urn,
        );
      }
    });
  },
});

export const subnetAutoAssignPublicIpDisabled = resourcePolicy({
  name: "subnet-auto-assign-public-ip-disabled",
  description:
    "Subnets do not give every instance launched in them a public address (HIPAA Security: " +
    "subnet-auto-assign-public-ip-disabled).",
  enforcementLevel: "advisory",
  severity: "medium",
  validations: [
    forTypes<{ mapPublicIpOnLaunch?: boolean }>([T.subnet], (props, args, report) => {
      if (props.mapPublicIpOnLaunch === true) {
        report(
          `${named("Subnet", args.name)} sets mapPublicIpOnLaunch: true. Give addresses only to ` +
            `what needs one (a load balancer, a NAT gateway).` +
            orDeviation("subnet-auto-assign-public-ip-disabled"),
        );
      }
    }),
  ],
});

export const vpcDefaultSecurityGroupClosed = stackPolicy({
  name: "vpc-default-security-group-closed",
  description:
    "Every VPC's default security group is adopted (aws.ec2.DefaultSecurityGroup) and has no " +
    "rules (HIPAA Security: vpc-default-security-group-closed).",
  severity: "medium",
  validateStack: (args, report) => {
    const groups = ofTypes(args.resources, [T.securityGroupDefault]);
    forEachChecked(ofTypes(args.resources, [T.vpc]), (vpc) => {
      const what = named("VPC", vpc.name);
      const mine = groups.filter((g) => dependsVia(g, "vpcId", vpc));
      if (mine.length === 0) {
        report(
          `${what}'s default security group keeps AWS's rules (all traffic between its members, ` +
            `all egress). Adopt it with an aws.ec2.DefaultSecurityGroup without ingress or egress.` +
            orDeviation("vpc-default-security-group-closed"),
          vpc.urn,
        );
        return;
      }
      for (const g of mine) {
        const rules = [
          ...arrayOf(g.props["ingress"] as unknown[]),
          ...arrayOf(g.props["egress"] as unknown[]),
        ];
        if (rules.length > 0) {
          report(
            `${what}'s default security group "${g.name}" has ${rules.length} rule(s). Remove ` +
              `them: nothing should use the default group.` +
              orDeviation("vpc-default-security-group-closed"),
            vpc.urn,
          );
        }
      }
    });
  },
});

export const albWafEnabled = stackPolicy({
  name: "alb-waf-enabled",
  description:
    "Every application load balancer has an AWS WAF web ACL (aws.wafv2.WebAclAssociation) " +
    "(HIPAA Security: alb-waf-enabled).",
  severity: "high",
  validateStack: (args, report) => {
    const lbs = ofTypes(args.resources, [T.lbLoadBalancer, T.albLoadBalancer]).filter(
      (lb) => (peekString(lb.props, "loadBalancerType") ?? "application") === "application",
    );
    forEachChecked(lbs, (lb) => {
      if (wiredTo(args.resources, [T.webAclAssociation], "resourceArn", lb).length === 0) {
        report(
          `${named("Load balancer", lb.name)} has no web ACL. Associate an aws.wafv2.WebAcl ` +
            `(aws.wafv2.WebAclAssociation with resourceArn from it).` +
            orDeviation("alb-waf-enabled"),
          lb.urn,
        );
      }
    });
  },
});

export const iamNoInlinePolicy = resourcePolicy({
  name: "iam-no-inline-policy-check",
  description:
    "Roles carry managed policies, not inline ones (HIPAA Security: iam-no-inline-policy-check).",
  enforcementLevel: "advisory",
  severity: "low",
  validations: [
    forTypes<{ inlinePolicies?: unknown[] }>(
      [T.iamRolePolicy, T.iamRole],
      (props, args, report) => {
        const fix =
          " Write it as an aws.iam.Policy attached with aws.iam.RolePolicyAttachment." +
          orDeviation("iam-no-inline-policy-check");
        if (args.type === T.iamRolePolicy) {
          report(`${named("Role policy", args.name)} is an inline policy.${fix}`);
        } else if (arrayOf(props.inlinePolicies).length > 0) {
          report(`${named("Role", args.name)} declares inlinePolicies.${fix}`);
        }
      },
    ),
  ],
});

// ------------------------------------------------------------------------------------------------
// Audit controls (164.312(b))
// ------------------------------------------------------------------------------------------------

export const s3BucketLoggingEnabled = stackPolicy({
  name: "s3-bucket-logging-enabled",
  description:
    "Every bucket has server access logging (aws.s3.BucketLogging) (HIPAA Security: " +
    "s3-bucket-logging-enabled).",
  severity: "medium",
  validateStack: (args, report) => {
    forEachChecked(ofTypes(args.resources, BUCKET_TYPES), (bucket) => {
      const logging = attachedToBucket(
        args.resources,
        [T.bucketLogging, T.bucketLoggingV2],
        bucket,
      );
      if (logging.length === 0 && !("logging" in bucket.props)) {
        report(
          `${named("Bucket", bucket.name)} has no server access logging. Add an ` +
            `aws.s3.BucketLogging with bucket from it and a log bucket as target.` +
            orDeviation("s3-bucket-logging-enabled"),
          bucket.urn,
        );
      }
    });
  },
});

export const ec2DetailedMonitoring = resourcePolicy({
  name: "ec2-instance-detailed-monitoring-enabled",
  description:
    "EC2 instances have detailed (1-minute) monitoring (HIPAA Security: " +
    "ec2-instance-detailed-monitoring-enabled).",
  enforcementLevel: "advisory",
  severity: "low",
  validations: [
    forTypes<{ monitoring?: boolean }>([T.ec2Instance], (props, args, report) => {
      if (props.monitoring !== true) {
        report(
          `${named("EC2 instance", args.name)} has basic (5-minute) monitoring only. Set ` +
            `monitoring: true (the presets' detailedMonitoring setting).` +
            orDeviation("ec2-instance-detailed-monitoring-enabled"),
        );
      }
    }),
  ],
});

export const rdsEnhancedMonitoring = resourcePolicy({
  name: "rds-enhanced-monitoring-enabled",
  description:
    "RDS instances and Aurora cluster instances have Enhanced Monitoring (monitoringInterval > 0) " +
    "(HIPAA Security: rds-enhanced-monitoring-enabled).",
  enforcementLevel: "advisory",
  severity: "low",
  validations: [
    forTypes<{ monitoringInterval?: number }>(
      [T.rdsInstance, T.rdsClusterInstance],
      (props, args, report) => {
        const interval = props.monitoringInterval;
        if (typeof interval !== "number" || interval <= 0) {
          report(
            `${named("Database instance", args.name)} has no Enhanced Monitoring. Set ` +
              `monitoringInterval (e.g. 60) and a monitoringRoleArn.` +
              orDeviation("rds-enhanced-monitoring-enabled"),
          );
        }
      },
    ),
  ],
});

// ------------------------------------------------------------------------------------------------
// Contingency plan (164.308(a)(7)): backups and availability
// ------------------------------------------------------------------------------------------------

export const ebsInBackupPlan = stackPolicy({
  name: "ebs-in-backup-plan",
  description:
    "Every EBS volume, and every instance's root volume, is in an AWS Backup selection (HIPAA " +
    "Security: ebs-in-backup-plan; AWS Config records a root volume as a volume of its own).",
  severity: "high",
  validateStack: (args, report) => {
    forEachChecked(ofTypes(args.resources, [T.ebsVolume]), (volume) => {
      if (!inBackupSelection(args.resources, volume)) {
        report(
          `${named("EBS volume", volume.name)} is in no AWS Backup plan. Name it in an ` +
            `aws.backup.Selection's resources.` +
            orDeviation("ebs-in-backup-plan"),
          volume.urn,
        );
      }
    });
    // The root volume has no resource of its own: a selection naming the instance backs it up.
    forEachChecked(ofTypes(args.resources, [T.ec2Instance]), (instance) => {
      if (!inBackupSelection(args.resources, instance)) {
        report(
          `${named("EC2 instance", instance.name)}'s root volume is in no AWS Backup plan. Name ` +
            `the instance in an aws.backup.Selection's resources.` +
            orDeviation("ebs-in-backup-plan"),
          instance.urn,
        );
      }
    });
  },
});

export const ec2InBackupPlan = stackPolicy({
  name: "ec2-resources-protected-by-backup-plan",
  description:
    "Every EC2 instance is in an AWS Backup selection (HIPAA Security: " +
    "ec2-resources-protected-by-backup-plan).",
  enforcementLevel: "advisory",
  severity: "medium",
  validateStack: (args, report) => {
    forEachChecked(ofTypes(args.resources, [T.ec2Instance]), (instance) => {
      if (!inBackupSelection(args.resources, instance)) {
        report(
          `${named("EC2 instance", instance.name)} is in no AWS Backup plan. Name it in an ` +
            `aws.backup.Selection's resources.` +
            orDeviation("ec2-resources-protected-by-backup-plan"),
          instance.urn,
        );
      }
    });
  },
});

const VAULT_DENIES = [
  "backup:DeleteRecoveryPoint",
  "backup:UpdateRecoveryPointLifecycle",
  "backup:PutBackupVaultAccessPolicy",
];

export const backupVaultDeletionDisabled = stackPolicy({
  name: "backup-recovery-point-manual-deletion-disabled",
  description:
    "Every backup vault has an access policy denying " +
    `${VAULT_DENIES.join(", ")} (HIPAA Security: backup-recovery-point-manual-deletion-disabled).`,
  severity: "high",
  validateStack: (args, report) => {
    forEachChecked(ofTypes(args.resources, [T.backupVault]), (vault) => {
      const denied = wiredTo(
        args.resources,
        [T.backupVaultPolicy],
        "backupVaultName",
        vault,
      ).flatMap((p) => actionsOf(p.props["policy"], "Deny"));
      const missing = VAULT_DENIES.filter(
        (a) => !denied.includes(a) && !denied.includes("backup:*"),
      );
      if (missing.length > 0) {
        report(
          `${named("Backup vault", vault.name)}'s access policy does not deny ` +
            `${missing.join(", ")}. Add them to a Deny statement of its aws.backup.VaultPolicy.` +
            orDeviation("backup-recovery-point-manual-deletion-disabled"),
          vault.urn,
        );
      }
    });
  },
});

export const rdsMultiAzSupport = resourcePolicy({
  name: "rds-multi-az-support",
  description:
    "RDS instances (not Aurora, not read replicas) have a Multi-AZ standby (HIPAA Security: " +
    "rds-multi-az-support).",
  enforcementLevel: "advisory",
  severity: "medium",
  validations: [
    forTypes<{ multiAz?: boolean; replicateSourceDb?: string; engine?: string }>(
      [T.rdsInstance],
      (props, args, report) => {
        if (isAurora(props) || peek(props, "replicateSourceDb") !== undefined) {
          args.notApplicable(
            "Aurora instances and read replicas take their availability elsewhere",
          );
        }
        if (props.multiAz !== true) {
          report(
            `${named("RDS instance", args.name)} has no standby in a second availability zone. ` +
              `Set multiAz: true (openemr:standard.multiAz).` +
              orDeviation("rds-multi-az-support"),
          );
        }
      },
    ),
  ],
});

export const rdsClusterMultiAz = stackPolicy({
  name: "rds-cluster-multi-az-enabled",
  description:
    "Aurora clusters have DB instances in more than one availability zone: at least two, not all " +
    "pinned to one zone (HIPAA Security: rds-cluster-multi-az-enabled, NON_COMPLIANT when the " +
    "cluster's multiAZ property is false).",
  enforcementLevel: "advisory",
  severity: "medium",
  validateStack: (args, report) => {
    forEachChecked(ofTypes(args.resources, [T.rdsCluster]), (cluster) => {
      const members = wiredTo(args.resources, [T.rdsClusterInstance], "clusterIdentifier", cluster);
      const what = named("RDS cluster", cluster.name);
      // A member without availabilityZone is placed by RDS: it counts as a zone of its own.
      const zones = new Set(members.map((m) => peekString(m.props, "availabilityZone") ?? m.urn));
      if (members.length < 2) {
        report(
          `${what} has ${members.length} instance(s). Add a reader (an aws.rds.ClusterInstance) ` +
            `in another availability zone so a failover does not wait for a new instance.` +
            orDeviation("rds-cluster-multi-az-enabled"),
          cluster.urn,
        );
      } else if (zones.size < 2) {
        report(
          `${what}'s ${members.length} instances are all in ${[...zones][0]}. Put a reader in ` +
            `another availability zone (or leave its availabilityZone to RDS).` +
            orDeviation("rds-cluster-multi-az-enabled"),
          cluster.urn,
        );
      }
    });
  },
});

// ------------------------------------------------------------------------------------------------
// Person or entity authentication (164.308(a)(4)(ii)(B)): credential rotation
// ------------------------------------------------------------------------------------------------

export const secretsRotation = stackPolicy({
  name: "secretsmanager-rotation-enabled",
  description:
    "Secrets Manager secrets rotate automatically (aws.secretsmanager.SecretRotation) (HIPAA " +
    "Security: secretsmanager-rotation-enabled-check).",
  enforcementLevel: "advisory",
  severity: "low",
  validateStack: (args, report: ReportViolation) => {
    forEachChecked(ofTypes(args.resources, [T.secret]), (secret) => {
      if (wiredTo(args.resources, [SECRET_ROTATION], "secretId", secret).length === 0) {
        report(
          `${named("Secret", secret.name)} has no automatic rotation. Add an ` +
            `aws.secretsmanager.SecretRotation with secretId from it.` +
            orDeviation("secretsmanager-rotation-enabled-check"),
          secret.urn,
        );
      }
    });
  },
});

export const hipaaPolicies = [
  ec2InstanceNoPublicIp,
  subnetAutoAssignPublicIpDisabled,
  vpcDefaultSecurityGroupClosed,
  albWafEnabled,
  iamNoInlinePolicy,
  s3BucketLoggingEnabled,
  ec2DetailedMonitoring,
  rdsEnhancedMonitoring,
  ebsInBackupPlan,
  ec2InBackupPlan,
  backupVaultDeletionDisabled,
  rdsMultiAzSupport,
  rdsClusterMultiAz,
  secretsRotation,
];
