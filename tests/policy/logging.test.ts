import { expect } from "chai";
import { COMPUTED } from "../../tools/plan/types";
import {
  check,
  expectPass,
  expectViolation,
  find,
  hardenedBucket,
  planOf,
  previewAdvisoriesOf,
  ref,
  single,
  standardPlan,
  fargatePlan,
  violationsOf,
  type FixtureValue,
  type PlanBuilder,
} from "./fixtures";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

describe("cloudwatch-log-group-retention", () => {
  const policy = "cloudwatch-log-group-retention";
  it("passes six years by default", () =>
    expectPass(single(LOG_GROUP, "app", { retentionInDays: 2192 }), policy));
  it("catches a log group without retentionInDays", () =>
    expectViolation(single(LOG_GROUP, "app", {}), policy, {
      resource: "app",
      says: ["no retentionInDays", "at least 2192"],
    }));
  it("catches a retention below the minimum", () =>
    expectViolation(single(LOG_GROUP, "app", { retentionInDays: 30 }), policy, {
      resource: "app",
      says: ["30 days", "at least 2192"],
    }));
  it("catches never-expire (0) unless allowNeverExpire", async () => {
    const plan = single(LOG_GROUP, "app", { retentionInDays: 0 });
    await expectViolation(plan, policy, { resource: "app", says: ["forever (0)"] });
    await expectPass(plan, policy, { [policy]: { allowNeverExpire: true } });
  });
  it("honours minRetentionDays", async () => {
    const config = { [policy]: { minRetentionDays: 365 } };
    await expectPass(single(LOG_GROUP, "app", { retentionInDays: 400 }), policy, config);
    await expectViolation(single(LOG_GROUP, "app", { retentionInDays: 180 }), policy, {
      resource: "app",
      config,
      says: ["at least 365"],
    });
  });
  it("catches the DELIVERY class, which keeps logs two days", () =>
    expectViolation(
      single(LOG_GROUP, "app", { retentionInDays: 2192, logGroupClass: "DELIVERY" }),
      policy,
      {
        resource: "app",
        says: ["DELIVERY", "STANDARD"],
      },
    ));
});

describe("cloudtrail-configuration", () => {
  const policy = "cloudtrail-configuration";
  const TRAIL = "aws:cloudtrail/trail:Trail";
  const good = {
    isMultiRegionTrail: true,
    enableLogFileValidation: true,
    includeGlobalServiceEvents: true,
    cloudWatchLogsGroupArn: COMPUTED,
    cloudWatchLogsRoleArn: COMPUTED,
  };
  it("passes a multi-region, validated trail delivering to CloudWatch Logs", () =>
    expectPass(single(TRAIL, "trail", good), policy));
  const broken: Array<[string, Record<string, FixtureValue>, string]> = [
    ["single-region", { isMultiRegionTrail: false }, "isMultiRegionTrail: true"],
    ["unvalidated", { enableLogFileValidation: false }, "enableLogFileValidation: true"],
    ["without global events", { includeGlobalServiceEvents: false }, "includeGlobalServiceEvents"],
    ["stopped", { enableLogging: false }, "enableLogging: false"],
    ["without CloudWatch delivery", { cloudWatchLogsGroupArn: null }, "cloudWatchLogsGroupArn"],
  ];
  for (const [what, change, says] of broken) {
    it(`catches a ${what} trail`, () =>
      expectViolation(single(TRAIL, "trail", { ...good, ...change }), policy, {
        resource: "trail",
        says: [says],
      }));
  }
});

describe("vpc-flow-logs", () => {
  const policy = "vpc-flow-logs";
  function vpcWithLog(vpcType: string, remote: boolean, trafficType?: string) {
    return planOf((b) => {
      const vpc = b.add(vpcType, "vpc", { cidrBlock: "10.0.0.0/16" }, { custom: !remote, remote });
      if (trafficType) {
        b.add("aws:ec2/flowLog:FlowLog", "flow", { vpcId: ref(vpc), trafficType });
      }
    });
  }
  it("passes an awsx VPC and an aws.ec2.Vpc with an ALL-traffic flow log", async () => {
    await expectPass(vpcWithLog("awsx:ec2:Vpc", true, "ALL"), policy);
    await expectPass(vpcWithLog("aws:ec2/vpc:Vpc", false, "ALL"), policy);
  });
  it("passes the child VPC of an awsx VPC (as a real preview sees it) through its parent", () =>
    expectPass(
      planOf((b) => {
        const awsx = b.add("awsx:ec2:Vpc", "vpc", {}, { custom: false, remote: true });
        b.add("aws:ec2/vpc:Vpc", "vpc", { cidrBlock: "10.0.0.0/16" }, { parent: awsx });
        b.add("aws:ec2/flowLog:FlowLog", "flow", { vpcId: ref(awsx), trafficType: "ALL" });
      }),
      policy,
    ));
  it("catches a VPC without a flow log", async () => {
    for (const [type, remote] of [
      ["awsx:ec2:Vpc", true],
      ["aws:ec2/vpc:Vpc", false],
    ] as const) {
      await expectViolation(vpcWithLog(type, remote), policy, {
        resource: "vpc",
        says: ["no flow log", 'trafficType "ALL"'],
      });
    }
  });
  it("catches a flow log of rejected traffic only, unless configured", async () => {
    const plan = vpcWithLog("awsx:ec2:Vpc", true, "REJECT");
    await expectViolation(plan, policy, { resource: "vpc", says: ['trafficType: "ALL"'] });
    await expectPass(plan, policy, { [policy]: { requireAllTraffic: false } });
  });
});

describe("lb-access-logs", () => {
  const policy = "lb-access-logs";
  const LB = "aws:lb/loadBalancer:LoadBalancer";
  it("passes a load balancer writing access logs", () =>
    expectPass(single(LB, "alb", { accessLogs: { bucket: COMPUTED, enabled: true } }), policy));
  it("catches a load balancer without access logs, or with them disabled", async () => {
    await expectViolation(single(LB, "alb", {}), policy, {
      resource: "alb",
      says: ["writes no access logs", "enabled: true"],
    });
    await expectViolation(
      single("aws:alb/loadBalancer:LoadBalancer", "alb", { accessLogs: { bucket: "logs" } }),
      policy,
      {
        resource: "alb",
        says: ["disabled", "enabled: true"],
      },
    );
  });
  it("does not apply to gateway load balancers", () =>
    expectPass(single(LB, "gwlb", { loadBalancerType: "gateway" }), policy));
});

describe("lb-hardening (advisory)", () => {
  const policy = "lb-hardening";
  const LB = "aws:lb/loadBalancer:LoadBalancer";
  it("passes a hardened ALB and ignores NLBs", async () => {
    await expectPass(
      single(LB, "alb", {
        dropInvalidHeaderFields: true,
        enableDeletionProtection: true,
        desyncMitigationMode: "strictest",
      }),
      policy,
    );
    await expectPass(single(LB, "nlb", { loadBalancerType: "network" }), policy);
  });
  it("advises on invalid headers, desync monitor mode and deletion protection", () =>
    expectViolation(single(LB, "alb", { desyncMitigationMode: "monitor" }), policy, {
      resource: "alb",
      level: "advisory",
      count: 3,
      says: ["dropInvalidHeaderFields: true", '"defensive"', "enableDeletionProtection: true"],
    }));
  it("can drop the deletion-protection requirement", () =>
    expectPass(single(LB, "alb", { dropInvalidHeaderFields: true }), policy, {
      [policy]: { requireDeletionProtection: false },
    }));
});

describe("rds-log-exports", () => {
  const policy = "rds-log-exports";
  it("passes MySQL exporting audit, error and slowquery, and PostgreSQL exporting postgresql", async () => {
    await expectPass(
      single("aws:rds/instance:Instance", "db", {
        engine: "mysql",
        enabledCloudwatchLogsExports: ["audit", "error", "slowquery", "general"],
      }),
      policy,
    );
    await expectPass(
      single("aws:rds/cluster:Cluster", "db", {
        engine: "aurora-postgresql",
        enabledCloudwatchLogsExports: ["postgresql"],
      }),
      policy,
    );
  });
  it("catches missing exports, naming them", async () => {
    await expectViolation(
      single("aws:rds/instance:Instance", "db", {
        engine: "mariadb",
        enabledCloudwatchLogsExports: ["error"],
      }),
      policy,
      {
        resource: "db",
        says: ["audit, slowquery", "enabledCloudwatchLogsExports"],
      },
    );
    await expectViolation(
      single("aws:rds/cluster:Cluster", "db", { engine: "aurora-mysql" }),
      policy,
      {
        resource: "db",
        says: ["RDS cluster", "audit, error, slowquery"],
      },
    );
  });
  it("honours the configured set", () =>
    expectViolation(
      single("aws:rds/instance:Instance", "db", {
        engine: "mysql",
        enabledCloudwatchLogsExports: ["audit", "error", "slowquery"],
      }),
      policy,
      {
        resource: "db",
        config: { [policy]: { mysql: ["audit", "error", "general", "slowquery"] } },
        says: ["general"],
      },
    ));
  it("does not apply to engines without a known set", () =>
    expectPass(single("aws:rds/instance:Instance", "db", { engine: "oracle-se2" }), policy));
});

describe("rds-log-groups-precreated", () => {
  const policy = "rds-log-groups-precreated";
  function db(
    b: PlanBuilder,
    opts: { id?: string; logs?: string[]; dependsOn?: boolean; groupName?: FixtureValue },
  ) {
    const logs = opts.logs ?? ["audit", "error"];
    const groups = logs.map((log) =>
      b.add(LOG_GROUP, `db-${log}`, {
        name: opts.groupName ?? `/aws/rds/instance/${opts.id ?? "db-1"}/${log}`,
        retentionInDays: 2192,
      }),
    );
    b.add(
      "aws:rds/instance:Instance",
      "db",
      {
        engine: "mysql",
        enabledCloudwatchLogsExports: logs,
        ...(opts.id ? { identifier: opts.id } : {}),
      },
      { dependsOn: opts.dependsOn === false ? [] : groups },
    );
  }
  it("passes the standard and fargate fixtures (instance and cluster)", async () => {
    await expectPass(standardPlan(), policy);
    await expectPass(fargatePlan(), policy);
  });
  it("passes a database whose exported logs go to pre-created groups it depends on", () =>
    expectPass(
      planOf((b) => db(b, { id: "db-1" })),
      policy,
    ));
  it("expects the lower-case identifier RDS uses in log group names", () =>
    expectPass(
      planOf((b) => {
        const group = b.add(LOG_GROUP, "g", {
          name: "/aws/rds/instance/clinic-db/audit",
          retentionInDays: 2192,
        });
        b.add(
          "aws:rds/instance:Instance",
          "db",
          { engine: "mysql", identifier: "Clinic-DB", enabledCloudwatchLogsExports: ["audit"] },
          { dependsOn: [group] },
        );
      }),
      policy,
    ));
  it("catches a database without identifier", () =>
    expectViolation(
      planOf((b) => db(b, {})),
      policy,
      { resource: "db", says: ["no identifier", "Set identifier"] },
    ));
  it("catches an exported log without its log group, naming the group", () =>
    expectViolation(
      planOf((b) => {
        db(b, { id: "db-1" });
        b.resources.splice(
          b.resources.findIndex((r) => r.name === "db-error"),
          1,
        );
      }),
      policy,
      { resource: "db", says: ['"/aws/rds/instance/db-1/error"', "aws.cloudwatch.LogGroup"] },
    ));
  it("catches a database that does not depend on its log groups", () =>
    expectViolation(
      planOf((b) => db(b, { id: "db-1", dependsOn: false })),
      policy,
      {
        resource: "db",
        count: 2,
        says: ["does not depend on log group", "dependsOn"],
      },
    ));
  it("turns a log group whose name is unknown during preview into a preview advisory", async () => {
    const plan = planOf((b) => db(b, { id: "db-1", groupName: COMPUTED, logs: ["audit"] }));
    const block = await check(plan);
    expect(violationsOf(block, policy)).to.deep.equal([]);
    expect(previewAdvisoriesOf(block, policy)).to.have.length(1);
  });
  it("checks Aurora clusters under /aws/rds/cluster/", async () => {
    const plan = fargatePlan();
    plan.resources = plan.resources.filter((r) => r.name !== "openemr-db-general");
    await expectViolation(plan, policy, {
      resource: "openemr-db",
      says: ['"/aws/rds/cluster/openemr-prod-db/general"'],
    });
    expect(find(plan, "openemr-db").type).to.equal("aws:rds/cluster:Cluster");
  });
});

describe("wafv2-web-acl-logging", () => {
  const policy = "wafv2-web-acl-logging";
  it("passes the fargate fixture's logged web ACL", () => expectPass(fargatePlan(), policy));
  it("catches a web ACL without logging", () =>
    expectViolation(single("aws:wafv2/webAcl:WebAcl", "waf", { scope: "REGIONAL" }), policy, {
      resource: "waf",
      says: ["WebAclLoggingConfiguration", "aws-waf-logs-"],
    }));
});

describe("s3-log-bucket-retention", () => {
  const policy = "s3-log-bucket-retention";
  it("passes log buckets that keep objects long enough, and ignores short lifecycles on other buckets", () =>
    expectPass(
      planOf((b) => {
        hardenedBucket(b, "alb-logs", { sseS3: true, purpose: "lb-access-logs", expireDays: 2192 });
        hardenedBucket(b, "backups", { purpose: "backups", expireDays: 30 });
      }),
      policy,
    ));
  it("catches a tagged log bucket that expires logs early", () =>
    expectViolation(
      planOf((b) =>
        hardenedBucket(b, "alb-logs", { sseS3: true, purpose: "lb-access-logs", expireDays: 90 }),
      ),
      policy,
      {
        resource: "alb-logs",
        says: ["openemr:purpose=lb-access-logs", "after 90 days", "at least 2192"],
      },
    ));
  it("recognises log buckets by what writes to them", async () => {
    const writers: Array<[string, string, string]> = [
      ["aws:lb/loadBalancer:LoadBalancer", "accessLogs", "load-balancer access logs"],
      ["aws:cloudtrail/trail:Trail", "s3BucketName", "CloudTrail logs"],
      ["aws:ec2/flowLog:FlowLog", "logDestination", "VPC flow logs"],
      ["aws:s3/bucketLogging:BucketLogging", "targetBucket", "S3 access logs"],
    ];
    for (const [type, prop, reason] of writers) {
      const plan = planOf((b) => {
        const { bucket } = hardenedBucket(b, "logs", { purpose: "misc", expireDays: 30 });
        b.add(type, "writer", {
          [prop]: prop === "accessLogs" ? { bucket: ref(bucket), enabled: true } : ref(bucket),
        });
      });
      await expectViolation(plan, policy, { resource: "logs", says: [reason, "after 30 days"] });
    }
  });
  it("catches a fixed expiration date and honours minRetentionDays", async () => {
    const plan = planOf((b) => {
      const hb = hardenedBucket(b, "trail-logs", { purpose: "audit-logs" });
      hb.lifecycle.props["rules"] = [
        { id: "expire", status: "Enabled", expiration: { date: "2030-01-01T00:00:00Z" } },
      ];
    });
    await expectViolation(plan, policy, {
      resource: "trail-logs",
      says: ["fixed date", '"expire"'],
    });
    const short = planOf((b) =>
      hardenedBucket(b, "trail-logs", { purpose: "audit-logs", expireDays: 400 }),
    );
    await expectPass(short, policy, { [policy]: { minRetentionDays: 365 } });
  });
  it("ignores disabled rules", () =>
    expectPass(
      planOf((b) => {
        const hb = hardenedBucket(b, "trail-logs", { purpose: "audit-logs" });
        hb.lifecycle.props["rules"] = [{ id: "off", status: "Disabled", expiration: { days: 1 } }];
      }),
      policy,
    ));
});
