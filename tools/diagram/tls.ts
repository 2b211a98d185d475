// Whether a connection on a port is TLS, from what the plan shows about its server (and, for a
// load balancer's targets, its client): listeners, target groups, database parameters, the cache
// engine, the file system's policy and the task definitions that mount it. Nothing shown: "TLS?".
import type { PlanIndex } from "../plan/plan-index";
import { T } from "../plan/tokens";
import type { PlanResource, PlanValue } from "../plan/types";
import { get, isObject, list, num, parseJson, str } from "../plan/values";
import type { Tls } from "./model";

export const LOAD_BALANCERS: readonly string[] = [T.lbLoadBalancer, T.albLoadBalancer];
const LISTENERS: readonly string[] = [T.lbListener, T.albListener];
const TLS_PROTOCOLS: readonly string[] = ["HTTPS", "TLS"];
const CACHES: readonly string[] = [
  T.elasticacheServerless,
  T.elasticacheReplicationGroup,
  T.elasticacheCluster,
];

const tls = (evidence: string, required = false): Tls => ({ status: "tls", required, evidence });
const plain = (evidence: string): Tls => ({ status: "plain", required: false, evidence });
const unknown = (evidence: string): Tls => ({ status: "unknown", required: false, evidence });

/** A load balancer's listeners. */
export function listenersOf(index: PlanIndex, lb: PlanResource): PlanResource[] {
  return index
    .referrers(lb, undefined, "loadBalancerArn")
    .filter((l) => LISTENERS.includes(l.type));
}

function redirectsToHttps(listener: PlanResource): boolean {
  const actions = list(listener.props.defaultActions) ?? [];
  return (
    actions.length > 0 &&
    actions.every(
      (a) => str(get(a, "type")) === "redirect" && str(get(a, "redirect", "protocol")) === "HTTPS",
    )
  );
}

function listenerTls(index: PlanIndex, lb: PlanResource, port: number): Tls {
  const listener = listenersOf(index, lb).find((l) => num(l.props.port) === port);
  if (!listener) return unknown(`no listener of ${lb.name} on port ${port}`);
  const protocol = str(listener.props.protocol) ?? "?";
  if (TLS_PROTOCOLS.includes(protocol)) {
    const policy = str(listener.props.sslPolicy);
    return tls(
      `listener ${listener.name}: protocol ${protocol}${policy ? `, ${policy}` : ""}`,
      true,
    );
  }
  if (redirectsToHttps(listener)) {
    return {
      status: "redirect",
      required: true,
      evidence: `listener ${listener.name}: ${protocol}, redirect to HTTPS`,
    };
  }
  return protocol === "HTTP"
    ? plain(`listener ${listener.name}: protocol HTTP`)
    : unknown(`listener ${listener.name}: protocol ${protocol}`);
}

/** The target groups a load balancer's listeners forward to, that send traffic to `target`. */
function targetGroupsTo(
  index: PlanIndex,
  lb: PlanResource,
  target: readonly PlanResource[],
): PlanResource[] {
  const groups = listenersOf(index, lb).flatMap((l) =>
    index.refs(l, "defaultActions", T.lbTargetGroup),
  );
  return groups.filter((tg) => {
    const viaService = index.referrers(tg, T.ecsService, "loadBalancers");
    const viaAttachment = index
      .referrers(tg, T.lbTargetGroupAttachment, "targetGroupArn")
      .flatMap((a) => index.refs(a, "targetId"));
    return [...viaService, ...viaAttachment].some((r) => target.includes(r));
  });
}

function targetGroupTls(
  index: PlanIndex,
  lb: PlanResource,
  server: readonly PlanResource[],
  port: number,
): Tls | undefined {
  const tg = targetGroupsTo(index, lb, server).find((g) => num(g.props.port) === port);
  if (!tg) return undefined;
  const protocol = str(tg.props.protocol) ?? "?";
  if (TLS_PROTOCOLS.includes(protocol)) return tls(`target group ${tg.name}: protocol ${protocol}`);
  return protocol === "HTTP" ? plain(`target group ${tg.name}: protocol HTTP`) : undefined;
}

const SECURE_TRANSPORT_ON: readonly string[] = ["1", "ON", "on", "true", "TRUE"];

function databaseTls(index: PlanIndex, db: PlanResource): Tls {
  const groups = [
    ...index.refs(db, "parameterGroupName", T.rdsParameterGroup),
    ...index.refs(db, "dbClusterParameterGroupName", T.rdsClusterParameterGroup),
  ];
  for (const group of groups) {
    const p = (list(group.props.parameters) ?? []).find(
      (x) => str(get(x, "name")) === "require_secure_transport",
    );
    const value = str(get(p, "value"));
    if (value !== undefined && SECURE_TRANSPORT_ON.includes(value)) {
      return tls(`parameter group ${group.name}: require_secure_transport=${value}`, true);
    }
  }
  return unknown(`${db.name}: no parameter group with require_secure_transport on`);
}

function cacheTls(cache: PlanResource): Tls {
  if (cache.type === T.elasticacheServerless) {
    return tls(`${cache.name}: ElastiCache Serverless accepts TLS connections only`, true);
  }
  const enabled = cache.props.transitEncryptionEnabled;
  if (enabled === true) {
    const mode = str(cache.props.transitEncryptionMode) ?? "required";
    return mode === "required"
      ? tls(`${cache.name}: transitEncryptionEnabled, mode required`, true)
      : unknown(`${cache.name}: transitEncryptionMode ${mode} (clients may connect without TLS)`);
  }
  return enabled === false
    ? plain(`${cache.name}: transitEncryptionEnabled false`)
    : unknown(`${cache.name}: transitEncryptionEnabled not set`);
}

/** A policy statement that denies every request made without TLS. */
function deniesInsecureTransport(statement: PlanValue): boolean {
  return (
    str(get(statement, "Effect")) === "Deny" &&
    str(get(statement, "Condition", "Bool", "aws:SecureTransport")) === "false"
  );
}

function fileSystemTls(index: PlanIndex, fs: PlanResource): Tls {
  for (const policy of index.referrers(fs, T.efsFileSystemPolicy, "fileSystemId")) {
    const statements = list(get(parseJson(policy.props.policy), "Statement")) ?? [];
    if (statements.some(deniesInsecureTransport)) {
      return tls(`file system policy ${policy.name} denies aws:SecureTransport=false`, true);
    }
  }
  const mounts = index.referrers(fs, T.ecsTaskDefinition, "volumes").flatMap((td) =>
    (list(td.props.volumes) ?? [])
      .map((v) => get(v, "efsVolumeConfiguration"))
      .filter(isObject)
      .map((cfg) => ({ td, transit: str(cfg.transitEncryption) })),
  );
  if (mounts.length > 0 && mounts.every((m) => m.transit === "ENABLED")) {
    return tls(`task definition ${mounts[0].td.name}: EFS volumes with transitEncryption ENABLED`);
  }
  return unknown(
    `${fs.name}: no policy requiring TLS, no task definition mounting it with transit encryption`,
  );
}

/** What a port alone tells: 443 is HTTPS, 80 is HTTP. */
function portTls(port: number): Tls {
  if (port === 443) return tls("port 443 (HTTPS)");
  if (port === 80) return plain("port 80 (HTTP)");
  return unknown(`nothing in the plan shows TLS on port ${port}`);
}

/**
 * TLS on a connection from `client` to `server` (each the resources of a node, main one first) on
 * `port`. `client` is empty for a connection from an outside network.
 */
export function tlsOf(
  index: PlanIndex,
  client: readonly PlanResource[],
  server: readonly PlanResource[],
  port: number,
): Tls {
  const main = server[0];
  if (main && LOAD_BALANCERS.includes(main.type)) return listenerTls(index, main, port);
  const clientLb = client.find((r) => LOAD_BALANCERS.includes(r.type));
  if (clientLb) {
    const viaTargetGroup = targetGroupTls(index, clientLb, server, port);
    if (viaTargetGroup) return viaTargetGroup;
  }
  if (main && (main.type === T.rdsInstance || main.type === T.rdsCluster))
    return databaseTls(index, main);
  if (main && CACHES.includes(main.type)) return cacheTls(main);
  if (main && main.type === T.efsFileSystem) return fileSystemTls(index, main);
  return portTls(port);
}

/** The short text an edge's label carries. */
export function tlsText(t: Tls): string {
  switch (t.status) {
    case "tls":
      return t.required ? "TLS required" : "TLS";
    case "redirect":
      return "redirect to HTTPS";
    case "plain":
      return "no TLS";
    case "unknown":
      return "TLS?";
  }
}
