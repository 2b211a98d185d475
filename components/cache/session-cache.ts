import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { NAME_LIMITS, fitName } from "../naming/aws-names";
import * as random from "@pulumi/random";
import { serverSecurityGroup } from "../network/security-rules";

export const VALKEY_PORT = 6379;
export const VALKEY_MAJOR = "8";

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
        accessString: "on ~* +@all",
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
