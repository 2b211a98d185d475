// Encryption in transit: load-balancer listeners, RDS parameter groups, ElastiCache, EFS mounts,
// S3 bucket policies.

import type { ClusterArgs as CacheClusterArgs } from "@pulumi/aws/elasticache/cluster";
import type { ReplicationGroupArgs } from "@pulumi/aws/elasticache/replicationGroup";
import type { TaskDefinitionArgs } from "@pulumi/aws/ecs/taskDefinition";
import type { ListenerArgs } from "@pulumi/aws/lb/listener";
import type { ListenerRuleArgs } from "@pulumi/aws/lb/listenerRule";
import type { ParameterGroupArgs } from "@pulumi/aws/rds/parameterGroup";
import type { BucketPolicyArgs } from "@pulumi/aws/s3/bucketPolicy";
import type { PolicyResource, ReportViolation } from "@pulumi/policy";
import {
  BUCKET_TYPES,
  LISTENER_TYPES,
  T,
  arrayOf,
  checkAll,
  configOf,
  forEachChecked,
  forTypes,
  isSet,
  named,
  ofTypes,
  peekString,
  propsOf,
  resourcePolicy,
  type PropsOf,
  stackPolicy,
  label,
  attachedToBucket,
} from "./common";

// ------------------------------------------------------------------------------------------------
// Load-balancer listeners
// ------------------------------------------------------------------------------------------------

export interface ListenerTlsConfig {
  allowedSslPolicyPrefixes: string[];
  allowTcpPassthrough: boolean;
}

export const LISTENER_TLS_DEFAULTS: ListenerTlsConfig = {
  allowedSslPolicyPrefixes: [
    "ELBSecurityPolicy-TLS13-1-2-",
    "ELBSecurityPolicy-TLS13-1-3-",
    "ELBSecurityPolicy-TLS-1-2-",
    "ELBSecurityPolicy-FS-1-2-",
  ],
  allowTcpPassthrough: false,
};

type ListenerProps = PropsOf<ListenerArgs>;

/** true when the listener's only default action redirects to HTTPS. Reads values (may throw unknown). */
export function isHttpsRedirectOnly(props: ListenerProps): boolean {
  const actions = arrayOf(props.defaultActions);
  return (
    actions.length === 1 &&
    actions[0].type === "redirect" &&
    actions[0].redirect?.protocol === "HTTPS"
  );
}

/** The listener's protocol; ALB listeners default to HTTP when it is omitted. */
export function listenerProtocol(props: ListenerProps): string {
  return isSet(props, "protocol") ? String(props.protocol).toUpperCase() : "HTTP";
}

export const lbListenerTls = resourcePolicy({
  name: "lb-listener-tls",
  description:
    "Load-balancer listeners are HTTPS/TLS with a certificate and an explicit TLS 1.2+ security " +
    "policy (matched by prefix so new AWS policies pass), or HTTP listeners whose only action " +
    "redirects to HTTPS.",
  severity: "critical",
  configSchema: {
    properties: {
      allowedSslPolicyPrefixes: {
        type: "array",
        items: { type: "string", minLength: 1 },
        minItems: 1,
        default: LISTENER_TLS_DEFAULTS.allowedSslPolicyPrefixes,
        description: "Prefixes of the ELB security policy names allowed on HTTPS/TLS listeners.",
      },
      allowTcpPassthrough: {
        type: "boolean",
        default: LISTENER_TLS_DEFAULTS.allowTcpPassthrough,
        description: "Allow TCP/UDP listeners (TLS terminated by the targets).",
      },
    },
  },
  validations: [
    forTypes<ListenerArgs>(LISTENER_TYPES, (props, args, report) => {
      const config = configOf(args, LISTENER_TLS_DEFAULTS);
      const what = named("Listener", args.name);
      const protocol = listenerProtocol(props);
      if (protocol === "HTTPS" || protocol === "TLS") {
        checkAll([
          () => {
            if (!isSet(props, "certificateArn")) {
              report(
                `${what} (${protocol}) has no certificate. Set certificateArn to an ACM certificate.`,
              );
            }
          },
          () => {
            if (!isSet(props, "sslPolicy")) {
              report(
                `${what} (${protocol}) has no sslPolicy, so AWS applies ELBSecurityPolicy-2016-08 ` +
                  `(TLS 1.0). Set sslPolicy to e.g. "ELBSecurityPolicy-TLS13-1-2-2021-06".`,
              );
              return;
            }
            const policy = String(props.sslPolicy);
            if (!config.allowedSslPolicyPrefixes.some((p) => policy.startsWith(p))) {
              report(
                `${what} uses sslPolicy "${policy}", which allows TLS older than 1.2. Use a policy ` +
                  `starting with ${config.allowedSslPolicyPrefixes.map((p) => `"${p}"`).join(", ")}.`,
              );
            }
          },
        ]);
        return;
      }
      if (protocol === "HTTP") {
        if (!isHttpsRedirectOnly(props)) {
          report(
            `${what} serves plain HTTP. Give it exactly one default action: { type: "redirect", ` +
              `redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }.`,
          );
        }
        return;
      }
      if (protocol === "GENEVE") {
        args.notApplicable("gateway load balancer listeners do not terminate client traffic");
      }
      if (!config.allowTcpPassthrough) {
        report(
          `${what} uses protocol ${protocol}, which does not encrypt in transit. Use TLS (NLB) or ` +
            `HTTPS (ALB), or set allowTcpPassthrough when the targets terminate TLS.`,
        );
      }
    }),
  ],
});

const LISTENER_RULE_TYPES: readonly string[] = [
  "aws:lb/listenerRule:ListenerRule",
  "aws:alb/listenerRule:ListenerRule",
];

export const lbHttpListenerRulesRedirect = stackPolicy({
  name: "lb-http-listener-rules-redirect",
  description:
    "Listener rules on plain-HTTP listeners only redirect to HTTPS (a forwarding rule would serve " +
    "plain HTTP behind a redirecting default action).",
  severity: "critical",
  validateStack: (args, report) => {
    const listeners = ofTypes(args.resources, LISTENER_TYPES);
    forEachChecked(ofTypes(args.resources, LISTENER_RULE_TYPES), (rule) => {
      const deps = rule.propertyDependencies["listenerArn"] ?? [];
      const listener = listeners.find((l) => deps.some((d) => d.urn === l.urn));
      if (!listener || listenerProtocol(propsOf<ListenerArgs>(listener)) !== "HTTP") {
        return;
      }
      const actions = arrayOf(propsOf<ListenerRuleArgs>(rule).actions);
      const ok =
        actions.length > 0 &&
        actions.every((a) => a.type === "redirect" && a.redirect?.protocol === "HTTPS");
      if (!ok) {
        report(
          `${named("Listener rule", rule.name)} on HTTP listener "${listener.name}" does not ` +
            `redirect to HTTPS, so it serves plain HTTP. Move it to the HTTPS listener.`,
          rule.urn,
        );
      }
    });
  },
});

// ------------------------------------------------------------------------------------------------
// RDS: TLS is a parameter-group setting
// ------------------------------------------------------------------------------------------------

type TlsParameter = { name: string; values: readonly string[] };

const MYSQL_TLS: TlsParameter = { name: "require_secure_transport", values: ["1", "ON"] };
const POSTGRES_TLS: TlsParameter = { name: "rds.force_ssl", values: ["1"] };

/** The parameter that forces TLS for an engine (or a parameter-group family), if RDS has one. */
export function tlsParameterFor(engineOrFamily: string | undefined): TlsParameter | undefined {
  const e = (engineOrFamily ?? "").toLowerCase();
  if (
    e.startsWith("mysql") ||
    e.startsWith("mariadb") ||
    e.startsWith("aurora-mysql") ||
    e === "aurora" ||
    e.startsWith("aurora5")
  ) {
    return MYSQL_TLS;
  }
  if (e.startsWith("postgres") || e.startsWith("aurora-postgresql") || e.startsWith("sqlserver")) {
    return POSTGRES_TLS;
  }
  return undefined;
}

function checkDatabaseTls(
  db: PolicyResource,
  kind: string,
  prop: "parameterGroupName" | "dbClusterParameterGroupName",
  groupType: string,
  resources: PolicyResource[],
  report: ReportViolation,
): void {
  const what = named(kind, db.name);
  const engine = peekString(db.props, "engine");
  const expected = tlsParameterFor(engine);
  if (engine !== undefined && expected === undefined) {
    return; // Oracle/Db2 configure TLS through option groups
  }
  const hint = expected ?? MYSQL_TLS;
  const fix =
    `Attach an aws.rds.${groupType.split(":").pop() ?? "ParameterGroup"} from this stack with ` +
    `${hint.name} = ${hint.values[hint.values.length - 1]}.`;
  if (!isSet(db.props, prop)) {
    report(`${what} uses the default parameter group, which does not require TLS. ${fix}`, db.urn);
    return;
  }
  const groupName = peekString(db.props, prop);
  const deps = db.propertyDependencies[prop] ?? [];
  const groups = ofTypes(resources, [groupType]).filter(
    (g) =>
      deps.some((d) => d.urn === g.urn) ||
      (groupName !== undefined && peekString(g.props, "name") === groupName),
  );
  if (groups.length === 0) {
    report(
      `${what} uses parameter group "${groupName ?? "?"}", which is not managed in this stack, so its TLS setting cannot be verified. ${fix}`,
      db.urn,
    );
    return;
  }
  forEachChecked(groups, (group) => {
    const p = propsOf<ParameterGroupArgs>(group);
    const param = expected ?? tlsParameterFor(String(p.family));
    if (param === undefined) {
      return;
    }
    const found = arrayOf(p.parameters).find((x) => x.name === param.name);
    const value = found === undefined ? undefined : String(found.value).toUpperCase();
    if (value === undefined || !param.values.includes(value)) {
      report(
        `${what} does not require TLS: parameter group "${group.name}" sets ${param.name} = ` +
          `${found === undefined ? "(unset)" : String(found.value)}. Set ${param.name} = ` +
          `${param.values[param.values.length - 1]}.`,
        db.urn,
      );
    }
  });
}

export const rdsRequireSecureTransport = stackPolicy({
  name: "rds-require-secure-transport",
  description:
    "RDS instances and Aurora clusters use a parameter group from this stack that requires TLS " +
    "(require_secure_transport for MySQL/MariaDB/Aurora MySQL, rds.force_ssl for PostgreSQL/SQL " +
    "Server); the default group does not.",
  severity: "high",
  validateStack: (args, report) => {
    checkAll([
      () =>
        forEachChecked(ofTypes(args.resources, [T.rdsInstance]), (db) =>
          checkDatabaseTls(
            db,
            "RDS instance",
            "parameterGroupName",
            T.rdsParameterGroup,
            args.resources,
            report,
          ),
        ),
      () =>
        forEachChecked(ofTypes(args.resources, [T.rdsCluster]), (db) =>
          checkDatabaseTls(
            db,
            "RDS cluster",
            "dbClusterParameterGroupName",
            T.rdsClusterParameterGroup,
            args.resources,
            report,
          ),
        ),
    ]);
  },
});

// ------------------------------------------------------------------------------------------------
// ElastiCache, ECS/EFS
// ------------------------------------------------------------------------------------------------

export const elasticacheTransitEncryption = resourcePolicy({
  name: "elasticache-transit-encryption",
  description:
    "ElastiCache replication groups and cache clusters require TLS (transitEncryptionEnabled, " +
    'and not the "preferred" mode that still accepts plaintext). Serverless caches always use TLS.',
  severity: "high",
  validations: [
    forTypes<ReplicationGroupArgs>([T.elasticacheReplicationGroup], (props, args, report) => {
      const what = named("ElastiCache replication group", args.name);
      checkAll([
        () => {
          if (props.transitEncryptionEnabled !== true) {
            report(`${what} does not encrypt in transit. Set transitEncryptionEnabled: true.`);
          }
        },
        () => {
          if (isSet(props, "transitEncryptionMode") && props.transitEncryptionMode !== "required") {
            report(
              `${what} uses transitEncryptionMode "${String(props.transitEncryptionMode)}", which ` +
                `still accepts plaintext. Set transitEncryptionMode: "required".`,
            );
          }
        },
      ]);
    }),
    forTypes<CacheClusterArgs>([T.elasticacheCluster], (props, args, report) => {
      if (isSet(props, "replicationGroupId")) {
        args.notApplicable("a member of a replication group is governed by the group");
      }
      if (props.transitEncryptionEnabled !== true) {
        report(
          `${named("ElastiCache cluster", args.name)} does not encrypt in transit. Set ` +
            `transitEncryptionEnabled: true.`,
        );
      }
    }),
  ],
});

export const ecsEfsTransitEncryption = resourcePolicy({
  name: "ecs-efs-transit-encryption",
  description: 'ECS task definitions mount EFS volumes with transitEncryption: "ENABLED".',
  severity: "high",
  validations: [
    forTypes<TaskDefinitionArgs>([T.ecsTaskDefinition], (props, args, report) => {
      forEachChecked(arrayOf(props.volumes), (volume) => {
        if (!isSet(volume, "efsVolumeConfiguration")) {
          return;
        }
        if (volume.efsVolumeConfiguration?.transitEncryption !== "ENABLED") {
          report(
            `${named("Task definition", args.name)} mounts EFS volume ` +
              `"${label(volume, "name")}" without TLS. Set ` +
              `efsVolumeConfiguration.transitEncryption: "ENABLED".`,
          );
        }
      });
    }),
  ],
});

// ------------------------------------------------------------------------------------------------
// S3: bucket policies deny requests without TLS
// ------------------------------------------------------------------------------------------------

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** true when the statement denies every S3 action to everyone when aws:SecureTransport is false. */
export function isTlsDenyStatement(statement: unknown): boolean {
  if (statement === null || typeof statement !== "object") {
    return false;
  }
  const s = statement as Record<string, unknown>;
  if (s["Effect"] !== "Deny") {
    return false;
  }
  const principal = s["Principal"];
  const everyone =
    principal === "*" ||
    (typeof principal === "object" &&
      principal !== null &&
      asList((principal as Record<string, unknown>)["AWS"]).includes("*"));
  const actions = asList(s["Action"]);
  const allActions = actions.includes("s3:*") || actions.includes("*");
  const bool = (s["Condition"] as Record<string, Record<string, unknown>> | undefined)?.["Bool"];
  const secure = bool?.["aws:SecureTransport"];
  const denyInsecure = secure === false || secure === "false";
  const resources = asList(s["Resource"]).map(String);
  const coversBucketAndObjects =
    resources.includes("*") ||
    (resources.some((r) => r.endsWith("/*")) && resources.some((r) => !r.endsWith("/*")));
  return everyone && allActions && denyInsecure && coversBucketAndObjects;
}

function parsePolicyDocument(policy: unknown): unknown {
  if (typeof policy === "string") {
    try {
      return JSON.parse(policy) as unknown;
    } catch {
      return undefined;
    }
  }
  return policy;
}

export const s3BucketTlsOnly = stackPolicy({
  name: "s3-bucket-tls-only",
  description:
    "Every S3 bucket has a bucket policy that denies all S3 actions on the bucket and its objects " +
    "when aws:SecureTransport is false.",
  severity: "high",
  validateStack: (args, report) => {
    forEachChecked(ofTypes(args.resources, BUCKET_TYPES), (bucket) => {
      const what = named("S3 bucket", bucket.name);
      const fix =
        `Add a statement { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucketArn, ` +
        `bucketArn + "/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } }.`;
      const policies = attachedToBucket(args.resources, [T.bucketPolicy], bucket);
      if (policies.length === 0) {
        report(
          `${what} has no bucket policy, so it accepts requests without TLS. Add an aws.s3.BucketPolicy. ${fix}`,
          bucket.urn,
        );
        return;
      }
      // Reading the document may throw during preview when it embeds unknown ARNs.
      const documents = policies.map((p) =>
        parsePolicyDocument(propsOf<BucketPolicyArgs>(p).policy),
      );
      const ok = documents.some((doc) =>
        asList((doc as Record<string, unknown> | undefined)?.["Statement"]).some(
          isTlsDenyStatement,
        ),
      );
      if (!ok) {
        report(`${what}'s bucket policy does not deny requests without TLS. ${fix}`, bucket.urn);
      }
    });
  },
});

export const tlsPolicies = [
  lbListenerTls,
  lbHttpListenerRulesRedirect,
  rdsRequireSecureTransport,
  elasticacheTransitEncryption,
  ecsEfsTransitEncryption,
  s3BucketTlsOnly,
];
