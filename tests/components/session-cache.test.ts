// SessionCache on its own: ElastiCache Serverless (Valkey) under the customer-managed key, users
// that authenticate with passwords (the built-in default user switched off), reachable only from the
// client security group, usage capped, no snapshots, names within ElastiCache's 40 characters.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import { PHP_SESSION_KEY_PREFIX, SessionCache } from "../../components/cache/session-cache";
import { SECRET } from "../../tools/plan/types";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const CACHE = "aws:elasticache/serverlessCache:ServerlessCache";
const USER = "aws:elasticache/user:User";
const USER_GROUP = "aws:elasticache/userGroup:UserGroup";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const PASSWORD = "random:index/randomPassword:RandomPassword";

const SUBNETS = ["subnet-iso0", "subnet-iso1"];
const APP_PASSWORD = "a-password-of-sixteen-or-more";

function buildCache(
  name: string,
  limits: { maxDataStorageGb?: number; maxEcpuPerSecond?: number },
) {
  return () => {
    const key = new aws.kms.Key("data-key", { description: "test" });
    const clients = new aws.ec2.SecurityGroup("tasks-sg", { vpcId: "vpc-1" });
    const cache = new SessionCache(name, {
      vpcId: "vpc-1",
      subnetIds: SUBNETS,
      clientSecurityGroupId: clients.id,
      kmsKeyArn: key.arn,
      username: "openemr",
      password: APP_PASSWORD,
      ...limits,
    });
    return {
      keyArn: key.arn,
      clientsId: clients.id,
      host: cache.host,
      sgId: cache.securityGroup.id,
    };
  };
}

describe("SessionCache", () => {
  describe("default usage limits", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(buildCache("sessions", {}));
    });

    it("creates the cache, its two users and their group, a security group with one path in, and the default user's password", () => {
      const component = p.named("sessions", "openemr:cache:SessionCache");
      const children = p.resources.filter((r) => r.parent === component.urn);
      expect(inventory(children)).to.have.members([
        `${SG}::sessions-sg`,
        `${INGRESS}::sessions-clients-in`,
        `${EGRESS}::sessions-clients-out`,
        `${PASSWORD}::sessions-default-user-password`,
        `${USER}::sessions-default-user`,
        `${USER}::sessions-app-user`,
        `${USER_GROUP}::sessions-users`,
        `${CACHE}::sessions-valkey`,
      ]);
    });

    it("runs Valkey 8 serverless under the customer-managed key, in the given subnets, behind its own group", () => {
      const cache = p.named("sessions-valkey", CACHE);
      expect(cache.props).to.deep.include({
        name: "sessions",
        description: "sessions: OpenEMR PHP sessions",
        engine: "valkey",
        majorEngineVersion: "8",
        kmsKeyId: p.outputs.keyArn,
        subnetIds: SUBNETS,
        securityGroupIds: [p.outputs.sgId],
        userGroupId: "sessions-users",
        tags: { Name: "sessions" },
      });
      expect(p.dependenciesOf(cache, "kmsKeyId").map((r) => r.name)).to.deep.equal(["data-key"]);
      expect(p.dependenciesOf(cache, "userGroupId").map((r) => r.name)).to.deep.equal([
        "sessions-users",
      ]);
    });

    it("keeps no snapshots", () => {
      expect(p.named("sessions-valkey", CACHE).props.snapshotRetentionLimit).to.equal(0);
    });

    it("caps usage at 5 GB and 100,000 ECPU per second by default", () => {
      expect(p.named("sessions-valkey", CACHE).props.cacheUsageLimits).to.deep.equal({
        dataStorage: { maximum: 5, unit: "GB" },
        ecpuPerSeconds: [{ maximum: 100_000 }],
      });
    });

    it("switches the default user off, with no commands, behind a generated password", () => {
      const user = p.named("sessions-default-user", USER);
      expect(user.props).to.deep.equal({
        userId: "sessions-default",
        userName: "default",
        engine: "valkey",
        accessString: "off -@all",
        authenticationMode: { type: "password", passwords: [SECRET] },
      });
      expect(p.dependenciesOf(user, "authenticationMode").map((r) => r.name)).to.deep.equal([
        "sessions-default-user-password",
      ]);
      // 16 to 128 characters, none of the ones ElastiCache refuses
      expect(p.named("sessions-default-user-password", PASSWORD).props).to.deep.equal({
        length: 40,
        special: false,
        minUpper: 2,
        minLower: 2,
        minNumeric: 2,
      });
    });

    it("lets the application user in with its password only, kept secret, limited to PHP sessions", () => {
      expect(p.named("sessions-app-user", USER).props).to.deep.equal({
        userId: "sessions-app",
        userName: "openemr",
        engine: "valkey",
        accessString: "on ~PHPREDIS_SESSION:* -@all +auth +ping +get +setex +del +expire +exists",
        authenticationMode: { type: "password", passwords: [SECRET] },
      });
    });

    it("grants the application user no key outside the session prefix and no command category", () => {
      const rules = (p.named("sessions-app-user", USER).props.accessString as string).split(" ");
      expect(rules[0]).to.equal("on");
      // one key pattern, the phpredis session prefix; no ~*, allkeys or %R~/%W~ patterns
      expect(rules.filter((r) => /^(~|%|allkeys)/.test(r))).to.deep.equal([
        `~${PHP_SESSION_KEY_PREFIX}*`,
      ]);
      // everything revoked first, then single commands only: no +@category, no |subcommand
      expect(rules[2]).to.equal("-@all");
      const granted = rules.slice(3);
      for (const r of granted) expect(r, r).to.match(/^\+[a-z]+$/);
      // none of what an attacker holding the app's password would want
      for (const c of [
        "keys",
        "scan",
        "flushall",
        "flushdb",
        "config",
        "eval",
        "evalsha",
        "script",
        "acl",
        "client",
        "monitor",
        "debug",
        "select",
        "set",
        "function",
      ]) {
        expect(granted, c).to.not.include(`+${c}`);
      }
      expect(rules.filter((r) => r.startsWith("&") || r === "allchannels")).to.deep.equal([]);
    });

    it("never writes the application password into the plan", () => {
      expect(JSON.stringify(p.plan)).to.not.contain(APP_PASSWORD);
    });

    it("groups exactly the default and the application user", () => {
      const group = p.named("sessions-users", USER_GROUP);
      expect(group.props).to.deep.equal({
        userGroupId: "sessions-users",
        engine: "valkey",
        userIds: ["sessions-default", "sessions-app"],
      });
    });

    it("admits only the client security group, on 6379, and only towards the cache", () => {
      const group = p.named("sessions-sg", SG);
      expect(group.props).to.deep.equal({
        vpcId: "vpc-1",
        description: "sessions: Valkey from the OpenEMR tasks only",
        tags: { Name: "sessions-sg" },
      });
      const rule = {
        ipProtocol: "tcp",
        fromPort: 6379,
        toPort: 6379,
        description: "OpenEMR to Valkey sessions (TLS)",
      };
      expect(p.named("sessions-clients-in", INGRESS).props).to.deep.equal({
        ...rule,
        securityGroupId: p.outputs.sgId,
        referencedSecurityGroupId: p.outputs.clientsId,
      });
      expect(p.named("sessions-clients-out", EGRESS).props).to.deep.equal({
        ...rule,
        securityGroupId: p.outputs.clientsId,
        referencedSecurityGroupId: p.outputs.sgId,
      });
    });

    it("exposes the endpoint's host name without a port", () => {
      expect(p.outputs.host)
        .to.be.a("string")
        .and.match(/\.serverless\./);
      expect(p.outputs.host).to.not.contain(":");
    });
  });

  describe("a long name and explicit usage limits", () => {
    const name = "openemr-clinic-north-eastern-region-prod-sessions";
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(buildCache(name, { maxDataStorageGb: 1, maxEcpuPerSecond: 5000 }));
    });

    it("fits the cache, user and user-group ids in 40 characters, each distinct and hashed", () => {
      const ids = [
        p.named(`${name}-valkey`, CACHE).props.name,
        p.named(`${name}-default-user`, USER).props.userId,
        p.named(`${name}-app-user`, USER).props.userId,
        p.named(`${name}-users`, USER_GROUP).props.userGroupId,
      ] as string[];
      for (const id of ids) {
        expect(id, id).to.have.length.at.most(40);
        expect(id, id).to.match(/^openemr-clinic-north-eastern-reg-[0-9a-f]{7}$/);
      }
      expect(new Set(ids).size).to.equal(4);
    });

    it("uses the fitted ids where they are referenced: user group members, cache user group, Name tag", () => {
      const cache = p.named(`${name}-valkey`, CACHE);
      const group = p.named(`${name}-users`, USER_GROUP);
      expect(group.props.userIds).to.deep.equal([
        p.named(`${name}-default-user`, USER).props.userId,
        p.named(`${name}-app-user`, USER).props.userId,
      ]);
      expect(cache.props.userGroupId).to.equal(group.props.userGroupId);
      expect(cache.props.tags).to.deep.equal({ Name: cache.props.name });
    });

    it("caps usage at the limits given", () => {
      expect(p.named(`${name}-valkey`, CACHE).props.cacheUsageLimits).to.deep.equal({
        dataStorage: { maximum: 1, unit: "GB" },
        ecpuPerSeconds: [{ maximum: 5000 }],
      });
    });
  });
});
