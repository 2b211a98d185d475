import { expect } from "chai";
import { COMPUTED, type PlanFile, type PlanValue } from "../../tools/plan/types";
import {
  addResource,
  dropDependency,
  dropResource,
  editJson,
  editProps,
  mutate,
  resource,
  retype,
  setProp,
  stringAt,
  unsetProp,
  valueAt,
  type PlanEdit,
  type Target,
} from "../helpers/mutate";
import {
  check,
  expectPass,
  expectViolation,
  fargate,
  previewAdvisoriesOf,
  standard,
} from "./verdict";

const LISTENER = "aws:lb/listener:Listener";
const HTTPS: Target = [LISTENER, "openemr-staging-lb-https"];
const HTTP: Target = [LISTENER, "openemr-staging-lb-http"];

/** A default action of one of the standard plan's listeners ("forward" or "redirect"). */
async function actionsOf(listener: Target): Promise<PlanValue> {
  const actions = valueAt(resource(await standard(), listener), "defaultActions");
  if (!Array.isArray(actions) || actions.length !== 1) {
    throw new Error(`${listener[1]}: expected one default action`);
  }
  return actions;
}
const FORWARD = () => actionsOf(HTTPS);
const REDIRECT = () => actionsOf(HTTP);

describe("lb-listener-tls", () => {
  const policy = "lb-listener-tls";
  const https = async (...edits: PlanEdit[]) => mutate(await standard(), ...edits);

  it("passes the standard plan's HTTPS listener, with its certificate and TLS 1.2+ policy", async () =>
    expectPass(await standard(), policy, HTTPS));
  it("passes a TLS (NLB) listener and the alb/listener token", async () => {
    await expectPass(
      await https(setProp(HTTPS, "protocol", "TLS"), setProp(HTTPS, "port", 3306)),
      policy,
      HTTPS,
    );
    await expectPass(await https(retype(HTTPS, "aws:alb/listener:Listener")), policy, [
      "aws:alb/listener:Listener",
      "openemr-staging-lb-https",
    ]);
  });
  it("accepts newer AWS policies by prefix", async () => {
    for (const sslPolicy of [
      "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
      "ELBSecurityPolicy-FS-1-2-Res-2020-10",
      "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    ]) {
      await expectPass(await https(setProp(HTTPS, "sslPolicy", sslPolicy)), policy, HTTPS);
    }
  });
  it("passes the standard plan's HTTP listener, whose only action redirects to HTTPS", async () =>
    expectPass(await standard(), policy, HTTP));
  it("catches an HTTPS listener without a certificate", async () =>
    expectViolation(await https(unsetProp(HTTPS, "certificateArn")), policy, {
      resource: "openemr-staging-lb-https",
      says: ["no certificate", "certificateArn"],
    }));
  it("catches an HTTPS listener without sslPolicy (AWS would apply TLS 1.0)", async () =>
    expectViolation(await https(unsetProp(HTTPS, "sslPolicy")), policy, {
      resource: "openemr-staging-lb-https",
      says: ["ELBSecurityPolicy-2016-08", "sslPolicy"],
    }));
  it("catches policies that allow TLS 1.0 or 1.1", async () => {
    for (const sslPolicy of [
      "ELBSecurityPolicy-2016-08",
      "ELBSecurityPolicy-TLS13-1-1-2021-06",
      "ELBSecurityPolicy-FS-1-1-2019-08",
    ]) {
      await expectViolation(await https(setProp(HTTPS, "sslPolicy", sslPolicy)), policy, {
        resource: "openemr-staging-lb-https",
        says: [sslPolicy, '"ELBSecurityPolicy-TLS13-1-2-"'],
      });
    }
  });
  it("honours configured prefixes", async () => {
    const config = { [policy]: { allowedSslPolicyPrefixes: ["ELBSecurityPolicy-TLS13-1-3-"] } };
    const planned = valueAt(resource(await standard(), HTTPS), "sslPolicy");
    expect(planned).to.equal("ELBSecurityPolicy-TLS13-1-2-Res-2021-06");
    await expectViolation(await standard(), policy, {
      resource: "openemr-staging-lb-https",
      config,
      says: ["ELBSecurityPolicy-TLS13-1-2-Res-2021-06"],
    });
    await expectPass(
      await https(setProp(HTTPS, "sslPolicy", "ELBSecurityPolicy-TLS13-1-3-2021-06")),
      policy,
      HTTPS,
      config,
    );
  });
  it("catches an HTTP listener that forwards", async () =>
    expectViolation(await https(setProp(HTTP, "defaultActions", await FORWARD())), policy, {
      resource: "openemr-staging-lb-http",
      says: ["plain HTTP", 'protocol: "HTTPS"'],
    }));
  it("treats a listener without protocol as HTTP (the ALB default)", async () =>
    expectViolation(
      await https(unsetProp(HTTP, "protocol"), setProp(HTTP, "defaultActions", await FORWARD())),
      policy,
      { resource: "openemr-staging-lb-http", says: ["plain HTTP"] },
    ));
  it("catches a redirect that keeps HTTP", async () =>
    expectViolation(
      await https(
        unsetProp(HTTP, "defaultActions.0.redirect.protocol"),
        setProp(HTTP, "defaultActions.0.redirect.port", "8080"),
      ),
      policy,
      { resource: "openemr-staging-lb-http", says: ["plain HTTP"] },
    ));
  it("catches an HTTP listener with a redirect and another action", async () => {
    const both = [...((await REDIRECT()) as PlanValue[]), ...((await FORWARD()) as PlanValue[])];
    await expectViolation(await https(setProp(HTTP, "defaultActions", both)), policy, {
      resource: "openemr-staging-lb-http",
      says: ["exactly one default action"],
    });
  });
  it("catches TCP listeners unless pass-through is allowed", async () => {
    const plan = await https(
      setProp(HTTPS, "protocol", "TCP"),
      unsetProp(HTTPS, "sslPolicy"),
      unsetProp(HTTPS, "certificateArn"),
    );
    await expectViolation(plan, policy, {
      resource: "openemr-staging-lb-https",
      says: ["TCP", "allowTcpPassthrough"],
    });
    await expectPass(plan, policy, HTTPS, { [policy]: { allowTcpPassthrough: true } });
  });
});

describe("lb-http-listener-rules-redirect", () => {
  const policy = "lb-http-listener-rules-redirect";
  const RULE = "aws:lb/listenerRule:ListenerRule";
  // The program creates no listener rules: a small hand-written rule on one of the standard plan's
  // real listeners.
  async function withRule(listener: Target, actions: PlanValue): Promise<PlanFile> {
    return mutate(
      await standard(),
      addResource({
        type: RULE,
        name: "rule",
        props: { listenerArn: COMPUTED, priority: 10, actions, conditions: [] },
        deps: { listenerArn: [listener] },
      }),
    );
  }
  it("passes forwarding rules on an HTTPS listener and redirecting rules on an HTTP listener", async () => {
    await expectPass(await withRule(HTTPS, await FORWARD()), policy, [RULE, "rule"]);
    await expectPass(await withRule(HTTP, await REDIRECT()), policy, [RULE, "rule"]);
  });
  it("catches a forwarding rule on an HTTP listener", async () =>
    expectViolation(await withRule(HTTP, await FORWARD()), policy, {
      resource: "rule",
      says: ['HTTP listener "openemr-staging-lb-http"', "HTTPS listener"],
    }));
});

describe("rds-require-secure-transport", () => {
  const policy = "rds-require-secure-transport";
  const DB: Target = ["aws:rds/instance:Instance", "openemr-staging-db"];
  const PARAMS: Target = ["aws:rds/parameterGroup:ParameterGroup", "openemr-staging-db-params"];
  const CLUSTER: Target = ["aws:rds/cluster:Cluster", "openemr-prod-db-cluster"];
  const TLS = "require_secure_transport";

  /** Replaces (or, with `undefined`, removes) the parameter group's require_secure_transport. */
  const tlsParameter = (replacement: PlanValue | undefined): PlanEdit =>
    editProps(PARAMS, (props) => {
      const params = props["parameters"];
      if (!Array.isArray(params)) throw new Error("the parameter group has no parameters");
      const i = params.findIndex(
        (p) => typeof p === "object" && p !== null && !Array.isArray(p) && p["name"] === TLS,
      );
      if (i < 0) throw new Error(`the parameter group does not set ${TLS}`);
      if (replacement === undefined) params.splice(i, 1);
      else params[i] = replacement;
    });
  const db = async (...edits: PlanEdit[]) => mutate(await standard(), ...edits);

  it("passes require_secure_transport 1 (as planned) or ON, on MySQL and MariaDB", async () => {
    await expectPass(await standard(), policy, DB);
    await expectPass(await db(tlsParameter({ name: TLS, value: "ON" })), policy, DB);
    await expectPass(
      await db(setProp(DB, "engine", "mariadb"), setProp(PARAMS, "family", "mariadb10.11")),
      policy,
      DB,
    );
  });
  it("passes rds.force_ssl=1 for PostgreSQL", async () =>
    expectPass(
      await db(
        setProp(DB, "engine", "postgres"),
        setProp(PARAMS, "family", "postgres16"),
        tlsParameter({ name: "rds.force_ssl", value: "1" }),
      ),
      policy,
      DB,
    ));
  it("passes the fargate plan's Aurora cluster, whose cluster parameter group requires TLS", async () =>
    expectPass(await fargate(), policy, CLUSTER));
  it("matches a parameter group given by its literal name", async () => {
    const plan = await standard();
    expect(valueAt(resource(plan, DB), "parameterGroupName")).to.equal(
      valueAt(resource(plan, PARAMS), "name"),
    );
    await expectPass(mutate(plan, dropDependency(DB, "parameterGroupName")), policy, DB);
  });
  it("catches a database on the default parameter group", async () =>
    expectViolation(await db(unsetProp(DB, "parameterGroupName")), policy, {
      resource: "openemr-staging-db",
      says: ["default parameter group", "require_secure_transport = ON"],
    }));
  it("catches require_secure_transport OFF", async () =>
    expectViolation(await db(tlsParameter({ name: TLS, value: "OFF" })), policy, {
      resource: "openemr-staging-db",
      says: [
        '"openemr-staging-db-params"',
        "require_secure_transport = OFF",
        "require_secure_transport = ON",
      ],
    }));
  it("catches a parameter group without the parameter", async () =>
    expectViolation(await db(tlsParameter(undefined)), policy, {
      resource: "openemr-staging-db",
      says: ["(unset)"],
    }));
  it("asks PostgreSQL for rds.force_ssl, not require_secure_transport", async () =>
    expectViolation(await db(setProp(DB, "engine", "postgres")), policy, {
      resource: "openemr-staging-db",
      says: ["rds.force_ssl = 1"],
    }));
  it("catches a parameter group the stack does not manage", async () =>
    expectViolation(
      await db(
        setProp(DB, "parameterGroupName", "shared-params"),
        dropDependency(DB, "parameterGroupName"),
      ),
      policy,
      { resource: "openemr-staging-db", says: ['"shared-params"', "cannot be verified"] },
    ));
  it("catches an Aurora cluster without a cluster parameter group", async () =>
    expectViolation(
      mutate(await fargate(), unsetProp(CLUSTER, "dbClusterParameterGroupName")),
      policy,
      {
        resource: "openemr-prod-db-cluster",
        says: ["ClusterParameterGroup", "require_secure_transport"],
      },
    ));
  it("leaves Oracle (TLS through option groups) alone", async () =>
    expectPass(
      await db(setProp(DB, "engine", "oracle-se2"), unsetProp(DB, "parameterGroupName")),
      policy,
      DB,
    ));
});

describe("elasticache-transit-encryption", () => {
  const policy = "elasticache-transit-encryption";
  const RG = "aws:elasticache/replicationGroup:ReplicationGroup";
  const CACHE_CLUSTER = "aws:elasticache/cluster:Cluster";
  // The program creates only a serverless cache (always TLS); replication groups and cache
  // clusters are small hand-written resources added to the fargate plan.
  const withCache = async (type: string, name: string, props: Record<string, PlanValue>) =>
    mutate(await fargate(), addResource({ type, name, props }));
  it("passes a replication group with TLS required", async () =>
    expectPass(
      await withCache(RG, "cache", {
        transitEncryptionEnabled: true,
        transitEncryptionMode: "required",
      }),
      policy,
      [RG, "cache"],
    ));
  it("catches a replication group without TLS", async () =>
    expectViolation(await withCache(RG, "cache", {}), policy, {
      resource: "cache",
      says: ["transitEncryptionEnabled: true"],
    }));
  it('catches the "preferred" mode, which still accepts plaintext', async () =>
    expectViolation(
      await withCache(RG, "cache", {
        transitEncryptionEnabled: true,
        transitEncryptionMode: "preferred",
      }),
      policy,
      { resource: "cache", says: ['"preferred"', 'transitEncryptionMode: "required"'] },
    ));
  it("catches a standalone cache cluster without TLS, and leaves group members to the group", async () => {
    await expectViolation(
      await withCache(CACHE_CLUSTER, "memcached", { engine: "memcached" }),
      policy,
      { resource: "memcached", says: ["transitEncryptionEnabled: true"] },
    );
    await expectPass(
      await withCache(CACHE_CLUSTER, "member", { replicationGroupId: "cache" }),
      policy,
      [CACHE_CLUSTER, "member"],
    );
  });
});

describe("ecs-efs-transit-encryption", () => {
  const policy = "ecs-efs-transit-encryption";
  const TASK: Target = ["aws:ecs/taskDefinition:TaskDefinition", "openemr-prod-app-task"];
  /** The index of the fargate task's "sites" EFS volume. */
  async function sitesVolume(): Promise<number> {
    const volumes = valueAt(resource(await fargate(), TASK), "volumes");
    const i = Array.isArray(volumes)
      ? volumes.findIndex(
          (v) => typeof v === "object" && v !== null && !Array.isArray(v) && v["name"] === "sites",
        )
      : -1;
    if (i < 0) throw new Error("the fargate task mounts no sites volume");
    return i;
  }
  it("passes the fargate plan's EFS volumes mounted with TLS (and ignores other volumes)", async () =>
    expectPass(
      mutate(
        await fargate(),
        editProps(TASK, (props) => {
          const volumes = props["volumes"];
          if (!Array.isArray(volumes)) throw new Error("the fargate task has no volumes");
          volumes.unshift({ name: "scratch" });
        }),
      ),
      policy,
      TASK,
    ));
  it("catches an EFS volume with transit encryption disabled or omitted", async () => {
    const path = `volumes.${await sitesVolume()}.efsVolumeConfiguration.transitEncryption`;
    for (const edit of [setProp(TASK, path, "DISABLED"), unsetProp(TASK, path)]) {
      await expectViolation(mutate(await fargate(), edit), policy, {
        resource: "openemr-prod-app-task",
        says: ['"sites"', 'transitEncryption: "ENABLED"'],
      });
    }
  });
});

describe("s3-bucket-tls-only", () => {
  const policy = "s3-bucket-tls-only";
  const BUCKET: Target = ["aws:s3/bucket:Bucket", "openemr-staging-audit-logs"];
  const BUCKET_POLICY: Target = [
    "aws:s3/bucketPolicy:BucketPolicy",
    "openemr-staging-audit-logs-policy",
  ];

  interface Statement {
    Sid?: string;
    Effect: string;
    Principal: PlanValue;
    Action: PlanValue;
    Resource: PlanValue;
    Condition?: PlanValue;
  }
  interface PolicyDocument {
    Version: string;
    Statement: Statement[];
  }
  const DENY = "DenyRequestsWithoutTls";

  /** The bucket policy with its TLS-only statement replaced (or, with `undefined`, removed). */
  const denyStatement = (change: (s: Statement) => Statement | undefined): PlanEdit =>
    editJson<PolicyDocument>(BUCKET_POLICY, "policy", (doc) => {
      const i = doc.Statement.findIndex((s) => s.Sid === DENY);
      if (i < 0) throw new Error(`the bucket policy has no ${DENY} statement`);
      const replaced = change(doc.Statement[i]);
      if (replaced === undefined) doc.Statement.splice(i, 1);
      else doc.Statement[i] = replaced;
    });

  it("passes the standard plan's TLS-only bucket policies", async () =>
    expectPass(await standard(), policy, BUCKET));
  it('accepts a policy document object and Principal {AWS: "*"}', async () => {
    const plan = mutate(
      await standard(),
      denyStatement((s) => ({ ...s, Principal: { AWS: "*" }, Action: ["s3:*"] })),
      editProps(BUCKET_POLICY, (props, r) => {
        props["policy"] = JSON.parse(stringAt(r, "policy")) as PlanValue;
      }),
    );
    await expectPass(plan, policy, BUCKET);
  });
  it("catches a bucket without a bucket policy", async () =>
    expectViolation(mutate(await standard(), dropResource(BUCKET_POLICY)), policy, {
      resource: "openemr-staging-audit-logs",
      says: ["no bucket policy", '"aws:SecureTransport": "false"'],
    }));
  it("catches policies whose deny statement is missing or incomplete", async () => {
    const broken: Array<(s: Statement) => Statement | undefined> = [
      () => undefined,
      (s) => ({ ...s, Effect: "Allow" }),
      (s) => ({ ...s, Condition: { Bool: { "aws:SecureTransport": "true" } } }),
      (s) => ({
        ...s,
        Resource: (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).filter(
          (r) => typeof r === "string" && r.endsWith("/*"),
        ),
      }),
      (s) => ({ ...s, Action: "s3:GetObject" }),
      (s) => ({ ...s, Principal: { AWS: "arn:aws:iam::123456789012:root" } }),
    ];
    for (const change of broken) {
      await expectViolation(mutate(await standard(), denyStatement(change)), policy, {
        resource: "openemr-staging-audit-logs",
        says: ["does not deny requests without TLS"],
      });
    }
  });
  it("reads a policy document unknown during preview as the engine does: a preview advisory", async () => {
    const block = await check(mutate(await standard(), setProp(BUCKET_POLICY, "policy", COMPUTED)));
    expect(previewAdvisoriesOf(block, policy)).to.have.length(1);
    expect(
      block.violations.filter((v) => v.policy === policy && v.level === "mandatory"),
    ).to.deep.equal([]);
  });
});
