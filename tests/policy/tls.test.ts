import { expect } from "chai";
import { COMPUTED } from "../../tools/plan/types";
import {
  check,
  expectPass,
  expectViolation,
  hardenedBucket,
  planOf,
  previewAdvisoriesOf,
  ref,
  single,
  TLS_POLICY,
  type FixtureValue,
} from "./fixtures";

const LISTENER = "aws:lb/listener:Listener";
const REDIRECT = [
  { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
];
const FORWARD = [{ type: "forward", targetGroupArn: COMPUTED }];

function https(extra: Record<string, FixtureValue> = {}): Record<string, FixtureValue> {
  return {
    port: 443,
    protocol: "HTTPS",
    certificateArn: COMPUTED,
    sslPolicy: TLS_POLICY,
    defaultActions: FORWARD,
    ...extra,
  };
}

describe("lb-listener-tls", () => {
  const policy = "lb-listener-tls";
  it("passes an HTTPS listener with a certificate and a TLS 1.2+ policy", () =>
    expectPass(single(LISTENER, "https", https()), policy));
  it("passes a TLS (NLB) listener and the alb/listener token", async () => {
    await expectPass(single(LISTENER, "tls", https({ protocol: "TLS", port: 3306 })), policy);
    await expectPass(single("aws:alb/listener:Listener", "https", https()), policy);
  });
  it("accepts newer AWS policies by prefix", async () => {
    for (const sslPolicy of [
      "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
      "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
      "ELBSecurityPolicy-FS-1-2-Res-2020-10",
      "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    ]) {
      await expectPass(single(LISTENER, "https", https({ sslPolicy })), policy);
    }
  });
  it("passes an HTTP listener whose only action redirects to HTTPS", () =>
    expectPass(
      single(LISTENER, "http", { port: 80, protocol: "HTTP", defaultActions: REDIRECT }),
      policy,
    ));
  it("catches an HTTPS listener without a certificate", () =>
    expectViolation(single(LISTENER, "https", https({ certificateArn: null })), policy, {
      resource: "https",
      says: ["no certificate", "certificateArn"],
    }));
  it("catches an HTTPS listener without sslPolicy (AWS would apply TLS 1.0)", () =>
    expectViolation(single(LISTENER, "https", https({ sslPolicy: null })), policy, {
      resource: "https",
      says: ["ELBSecurityPolicy-2016-08", "sslPolicy"],
    }));
  it("catches policies that allow TLS 1.0 or 1.1", async () => {
    for (const sslPolicy of [
      "ELBSecurityPolicy-2016-08",
      "ELBSecurityPolicy-TLS13-1-1-2021-06",
      "ELBSecurityPolicy-FS-1-1-2019-08",
    ]) {
      await expectViolation(single(LISTENER, "https", https({ sslPolicy })), policy, {
        resource: "https",
        says: [sslPolicy, '"ELBSecurityPolicy-TLS13-1-2-"'],
      });
    }
  });
  it("honours configured prefixes", async () => {
    const config = { [policy]: { allowedSslPolicyPrefixes: ["ELBSecurityPolicy-TLS13-1-3-"] } };
    await expectViolation(single(LISTENER, "https", https()), policy, {
      resource: "https",
      config,
      says: [TLS_POLICY],
    });
    await expectPass(
      single(LISTENER, "https", https({ sslPolicy: "ELBSecurityPolicy-TLS13-1-3-2021-06" })),
      policy,
      config,
    );
  });
  it("catches an HTTP listener that forwards", () =>
    expectViolation(
      single(LISTENER, "http", { port: 80, protocol: "HTTP", defaultActions: FORWARD }),
      policy,
      {
        resource: "http",
        says: ["plain HTTP", 'protocol: "HTTPS"'],
      },
    ));
  it("treats a listener without protocol as HTTP (the ALB default)", () =>
    expectViolation(single(LISTENER, "http", { port: 80, defaultActions: FORWARD }), policy, {
      resource: "http",
      says: ["plain HTTP"],
    }));
  it("catches a redirect that keeps HTTP", () =>
    expectViolation(
      single(LISTENER, "http", {
        protocol: "HTTP",
        defaultActions: [{ type: "redirect", redirect: { port: "8080", statusCode: "HTTP_301" } }],
      }),
      policy,
      { resource: "http", says: ["plain HTTP"] },
    ));
  it("catches an HTTP listener with a redirect and another action", () =>
    expectViolation(
      single(LISTENER, "http", { protocol: "HTTP", defaultActions: [...REDIRECT, ...FORWARD] }),
      policy,
      {
        resource: "http",
        says: ["exactly one default action"],
      },
    ));
  it("catches TCP listeners unless pass-through is allowed", async () => {
    const plan = single(LISTENER, "tcp", { port: 443, protocol: "TCP", defaultActions: FORWARD });
    await expectViolation(plan, policy, { resource: "tcp", says: ["TCP", "allowTcpPassthrough"] });
    await expectPass(plan, policy, { [policy]: { allowTcpPassthrough: true } });
  });
});

describe("lb-http-listener-rules-redirect", () => {
  const policy = "lb-http-listener-rules-redirect";
  const RULE = "aws:lb/listenerRule:ListenerRule";
  function plan(listenerProps: Record<string, FixtureValue>, actions: FixtureValue) {
    return planOf((b) => {
      const l = b.add(LISTENER, "listener", listenerProps);
      b.add(RULE, "rule", { listenerArn: ref(l), priority: 10, actions, conditions: [] });
    });
  }
  it("passes forwarding rules on an HTTPS listener and redirecting rules on an HTTP listener", async () => {
    await expectPass(plan(https(), FORWARD), policy);
    await expectPass(plan({ protocol: "HTTP", defaultActions: REDIRECT }, REDIRECT), policy);
  });
  it("catches a forwarding rule on an HTTP listener", () =>
    expectViolation(plan({ protocol: "HTTP", defaultActions: REDIRECT }, FORWARD), policy, {
      resource: "rule",
      says: ['HTTP listener "listener"', "HTTPS listener"],
    }));
});

describe("rds-require-secure-transport", () => {
  const policy = "rds-require-secure-transport";
  const PG = "aws:rds/parameterGroup:ParameterGroup";
  const CPG = "aws:rds/clusterParameterGroup:ClusterParameterGroup";
  function mysql(params: FixtureValue, engine = "mysql", family = "mysql8.0") {
    return planOf((b) => {
      const pg = b.add(PG, "params", { family, parameters: params });
      b.add("aws:rds/instance:Instance", "db", {
        engine,
        parameterGroupName: ref(pg, "params-123"),
      });
    });
  }
  it("passes require_secure_transport ON or 1", async () => {
    await expectPass(mysql([{ name: "require_secure_transport", value: "ON" }]), policy);
    await expectPass(
      mysql([{ name: "require_secure_transport", value: "1" }], "mariadb", "mariadb10.11"),
      policy,
    );
  });
  it("passes rds.force_ssl=1 for PostgreSQL", () =>
    expectPass(mysql([{ name: "rds.force_ssl", value: "1" }], "postgres", "postgres16"), policy));
  it("passes an Aurora cluster whose cluster parameter group requires TLS", () =>
    expectPass(
      planOf((b) => {
        const cpg = b.add(CPG, "cparams", {
          family: "aurora-mysql8.0",
          parameters: [{ name: "require_secure_transport", value: "ON" }],
        });
        b.add("aws:rds/cluster:Cluster", "db", {
          engine: "aurora-mysql",
          dbClusterParameterGroupName: ref(cpg),
        });
      }),
      policy,
    ));
  it("matches a parameter group given by its literal name", () =>
    expectPass(
      planOf((b) => {
        b.add(PG, "params", {
          name: "openemr-tls",
          family: "mysql8.0",
          parameters: [{ name: "require_secure_transport", value: "ON" }],
        });
        b.add("aws:rds/instance:Instance", "db", {
          engine: "mysql",
          parameterGroupName: "openemr-tls",
        });
      }),
      policy,
    ));
  it("catches a database on the default parameter group", () =>
    expectViolation(single("aws:rds/instance:Instance", "db", { engine: "mysql" }), policy, {
      resource: "db",
      says: ["default parameter group", "require_secure_transport = ON"],
    }));
  it("catches require_secure_transport OFF", () =>
    expectViolation(mysql([{ name: "require_secure_transport", value: "OFF" }]), policy, {
      resource: "db",
      says: ['"params"', "require_secure_transport = OFF", "require_secure_transport = ON"],
    }));
  it("catches a parameter group without the parameter", () =>
    expectViolation(mysql([{ name: "max_connections", value: "200" }]), policy, {
      resource: "db",
      says: ["(unset)"],
    }));
  it("asks PostgreSQL for rds.force_ssl, not require_secure_transport", () =>
    expectViolation(
      mysql([{ name: "require_secure_transport", value: "ON" }], "postgres", "postgres16"),
      policy,
      {
        resource: "db",
        says: ["rds.force_ssl = 1"],
      },
    ));
  it("catches a parameter group the stack does not manage", () =>
    expectViolation(
      single("aws:rds/instance:Instance", "db", {
        engine: "mysql",
        parameterGroupName: "shared-params",
      }),
      policy,
      {
        resource: "db",
        says: ['"shared-params"', "cannot be verified"],
      },
    ));
  it("catches an Aurora cluster without a cluster parameter group", () =>
    expectViolation(single("aws:rds/cluster:Cluster", "db", { engine: "aurora-mysql" }), policy, {
      resource: "db",
      says: ["ClusterParameterGroup", "require_secure_transport"],
    }));
  it("leaves Oracle (TLS through option groups) alone", () =>
    expectPass(single("aws:rds/instance:Instance", "db", { engine: "oracle-se2" }), policy));
});

describe("elasticache-transit-encryption", () => {
  const policy = "elasticache-transit-encryption";
  const RG = "aws:elasticache/replicationGroup:ReplicationGroup";
  it("passes a replication group with TLS required", () =>
    expectPass(
      single(RG, "cache", { transitEncryptionEnabled: true, transitEncryptionMode: "required" }),
      policy,
    ));
  it("catches a replication group without TLS", () =>
    expectViolation(single(RG, "cache", {}), policy, {
      resource: "cache",
      says: ["transitEncryptionEnabled: true"],
    }));
  it('catches the "preferred" mode, which still accepts plaintext', () =>
    expectViolation(
      single(RG, "cache", { transitEncryptionEnabled: true, transitEncryptionMode: "preferred" }),
      policy,
      {
        resource: "cache",
        says: ['"preferred"', 'transitEncryptionMode: "required"'],
      },
    ));
  it("catches a standalone cache cluster without TLS, and leaves group members to the group", async () => {
    await expectViolation(
      single("aws:elasticache/cluster:Cluster", "memcached", { engine: "memcached" }),
      policy,
      {
        resource: "memcached",
        says: ["transitEncryptionEnabled: true"],
      },
    );
    await expectPass(
      single("aws:elasticache/cluster:Cluster", "member", { replicationGroupId: "cache" }),
      policy,
    );
  });
});

describe("ecs-efs-transit-encryption", () => {
  const policy = "ecs-efs-transit-encryption";
  const TASK = "aws:ecs/taskDefinition:TaskDefinition";
  function task(efs: Record<string, FixtureValue>) {
    return single(TASK, "task", {
      family: "openemr",
      containerDefinitions: "[]",
      volumes: [
        { name: "scratch" },
        { name: "sites", efsVolumeConfiguration: { fileSystemId: COMPUTED, ...efs } },
      ],
    });
  }
  it("passes EFS volumes mounted with TLS (and ignores other volumes)", () =>
    expectPass(task({ transitEncryption: "ENABLED" }), policy));
  it("catches an EFS volume with transit encryption disabled or omitted", async () => {
    const broken: Array<Record<string, FixtureValue>> = [{ transitEncryption: "DISABLED" }, {}];
    for (const efs of broken) {
      await expectViolation(task(efs), policy, {
        resource: "task",
        says: ['"sites"', 'transitEncryption: "ENABLED"'],
      });
    }
  });
});

describe("s3-bucket-tls-only", () => {
  const policy = "s3-bucket-tls-only";
  const deny = {
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: ["arn:aws:s3:::docs", "arn:aws:s3:::docs/*"],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
  function withPolicy(policyValue: FixtureValue) {
    return planOf((b) => {
      const bucket = b.add("aws:s3/bucket:Bucket", "docs", {});
      b.add("aws:s3/bucketPolicy:BucketPolicy", "docs-policy", {
        bucket: ref(bucket),
        policy: policyValue,
      });
    });
  }
  it("passes the hardened bucket's TLS-only policy", () =>
    expectPass(
      planOf((b) => hardenedBucket(b, "docs")),
      policy,
    ));
  it('accepts a policy document object and Principal {AWS: "*"}', () =>
    expectPass(
      withPolicy({
        Version: "2012-10-17",
        Statement: [{ ...deny, Principal: { AWS: "*" }, Action: ["s3:*"] }],
      }),
      policy,
    ));
  it("catches a bucket without a bucket policy", () =>
    expectViolation(
      planOf((b) => b.add("aws:s3/bucket:Bucket", "docs", {})),
      policy,
      {
        resource: "docs",
        says: ["no bucket policy", '"aws:SecureTransport": "false"'],
      },
    ));
  it("catches policies whose deny statement is missing or incomplete", async () => {
    const broken = [
      [],
      [{ ...deny, Effect: "Allow" }],
      [{ ...deny, Condition: { Bool: { "aws:SecureTransport": "true" } } }],
      [{ ...deny, Resource: ["arn:aws:s3:::docs/*"] }],
      [{ ...deny, Action: "s3:GetObject" }],
      [{ ...deny, Principal: { AWS: "arn:aws:iam::123456789012:root" } }],
    ];
    for (const statements of broken) {
      await expectViolation(withPolicy(JSON.stringify({ Statement: statements })), policy, {
        resource: "docs",
        says: ["does not deny requests without TLS"],
      });
    }
  });
  it("reads a policy document unknown during preview as the engine does: a preview advisory", async () => {
    const block = await check(withPolicy(COMPUTED));
    expect(previewAdvisoriesOf(block, policy)).to.have.length(1);
    expect(
      block.violations.filter((v) => v.policy === policy && v.level === "mandatory"),
    ).to.deep.equal([]);
  });
});
