import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { NAME_LIMITS, fitName } from "../naming/aws-names";
import * as random from "@pulumi/random";
import { serverSecurityGroup } from "../network/security-rules";

export const VALKEY_PORT = 6379;
export const VALKEY_MAJOR = "8";

/**
 * The key prefix of PHP sessions in Valkey. The OpenEMR image sets only `session.save_handler =
 * redis` and `session.save_path = "tls://host:6379?auth[user]=..&auth[pass]=..&stream[cafile]=.."`
 * (openemr-devops docker/openemr/8.0.0/openemr.sh), no `prefix` parameter, so phpredis' session
 * handler uses its default prefix (REDIS_SESSION_PREFIX in phpredis redis_session.c). OpenEMR itself
 * installs no other handler unless SESSION_STORAGE_MODE=predis-sentinel (src/Common/Http/
 * HttpSessionFactory.php), which this program never sets.
 */
export const PHP_SESSION_KEY_PREFIX = "PHPREDIS_SESSION:";

/**
 * The commands phpredis' session handler (redis_session.c, 6.x) sends with the image's settings:
 * AUTH on connect; GET to read (GETEX only with redis.session.early_refresh, off by default); SETEX
 * to write; DEL to destroy; EXPIRE to refresh an unchanged session (session.lazy_write, on by
 * default); EXISTS to validate an id (OpenEMR sets use_strict_mode). Session locking (SET NX PX,
 * GET of the lock, EVALSHA/EVAL to release it) runs only with redis.session.locking_enabled, off by
 * default and not set by the image, so none of those is granted. PING is what OpenEMR's cache health
 * check (src/Health/Check/CacheCheck.php) sends.
 */
export const PHP_SESSION_COMMANDS = ["auth", "ping", "get", "setex", "del", "expire", "exists"];

/**
 * The application user's ElastiCache access string: on; keys under the session prefix only; no
 * command but the session handler's. ElastiCache RBAC takes space-delimited ACL rules applied left
 * to right (`on`/`off`, `~<pattern>`, `-@all`, `+<command>`):
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html#Access-string
 * Pub/sub channels are denied by Valkey's default (acl-pubsub-default resetchannels).
 */
export const APP_USER_ACCESS_STRING = [
  "on",
  `~${PHP_SESSION_KEY_PREFIX}*`,
  "-@all",
  ...PHP_SESSION_COMMANDS.map((c) => `+${c}`),
].join(" ");

export interface SessionCacheArgs {
  vpcId: pulumi.Input<string>;
  /** Subnets for the cache endpoints (isolated). */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Security group of the clients (the OpenEMR tasks); the only source allowed on 6379. */
  clientSecurityGroupId: pulumi.Input<string>;
  /** Customer-managed key for data at rest. */
  kmsKeyArn: pulumi.Input<string>;
  /** The user the application authenticates as (Valkey ACL user name). */
  username: string;
  /** Its password (16 to 128 characters, no spaces, quotes, slashes or @). */
  password: pulumi.Input<string>;
  /** Upper bounds that cap the bill; sessions need far less. */
  maxDataStorageGb?: number;
  maxEcpuPerSecond?: number;
}

/**
 * ElastiCache Serverless (Valkey) for PHP sessions: always TLS in transit, encrypted at rest with
 * the customer-managed key, password authentication (the built-in default user is switched off),
 * reachable only from the client security group, usage capped. No snapshots: sessions are disposable
 * and a restored one would be stale.
 */
export class SessionCache extends pulumi.ComponentResource {
  public readonly cache: aws.elasticache.ServerlessCache;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  /** Host name only: OpenEMR appends ":6379" itself. */
  public readonly host: pulumi.Output<string>;

  constructor(name: string, args: SessionCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:cache:SessionCache", name, {}, opts);
    const child = { parent: this };
    // ElastiCache names and ids: at most 40 characters (fitted; the stack name is lower case)
    const id = (suffix: string) => fitName(`${name}${suffix}`, NAME_LIMITS.elasticache);

    this.securityGroup = serverSecurityGroup(
      name,
      {
        vpcId: args.vpcId,
        description: "Valkey from the OpenEMR tasks only",
        clientSecurityGroupId: args.clientSecurityGroupId,
        port: VALKEY_PORT,
        pathDescription: "OpenEMR to Valkey sessions (TLS)",
      },
      child,
    );

    // A user group must contain a user named "default", and ElastiCache admits into a Valkey
    // user group only users that authenticate (password or IAM; "no-password-required" is refused:
    // https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html). So the default
    // user gets a generated password nobody is told, and stays switched off with no commands.
    const defaultUserPassword = new random.RandomPassword(
      `${name}-default-user-password`,
      // ElastiCache passwords: 16 to 128 printable characters, no spaces, `"`, `/` or `@`
      { length: 40, special: false, minUpper: 2, minLower: 2, minNumeric: 2 },
      child,
    );
    const defaultUser = new aws.elasticache.User(
      `${name}-default-user`,
      {
        userId: id("-default"),
        userName: "default",
        engine: "valkey",
        accessString: "off -@all",
        authenticationMode: { type: "password", passwords: [defaultUserPassword.result] },
      },
      child,
    );
    const appUser = new aws.elasticache.User(
      `${name}-app-user`,
      {
        userId: id("-app"),
        userName: args.username,
        engine: "valkey",
        accessString: APP_USER_ACCESS_STRING,
        authenticationMode: { type: "password", passwords: [pulumi.secret(args.password)] },
      },
      child,
    );
    const userGroup = new aws.elasticache.UserGroup(
      `${name}-users`,
      {
        userGroupId: id("-users"),
        engine: "valkey",
        userIds: [defaultUser.userId, appUser.userId],
      },
      child,
    );

    this.cache = new aws.elasticache.ServerlessCache(
      `${name}-valkey`,
      {
        name: id(""),
        description: `${name}: OpenEMR PHP sessions`,
        engine: "valkey",
        majorEngineVersion: VALKEY_MAJOR,
        kmsKeyId: args.kmsKeyArn,
        subnetIds: args.subnetIds,
        securityGroupIds: [this.securityGroup.id],
        userGroupId: userGroup.userGroupId,
        snapshotRetentionLimit: 0,
        cacheUsageLimits: {
          dataStorage: { maximum: args.maxDataStorageGb ?? 5, unit: "GB" },
          ecpuPerSeconds: [{ maximum: args.maxEcpuPerSecond ?? 100_000 }],
        },
        tags: { Name: id("") },
      },
      child,
    );
    this.host = this.cache.endpoints.apply((endpoints) => {
      const address = endpoints?.[0]?.address;
      if (!address) throw new Error(`${name}: ElastiCache did not report an endpoint`);
      return address;
    });
    this.registerOutputs({ host: this.host });
  }
}
