import { expect } from "chai";
import { COMPUTED, type PlanFile } from "../../tools/plan/types";
import {
  addResource,
  dropResource,
  editResource,
  mutate,
  resource,
  retype,
  setDependency,
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
  expressPlus,
  fargate,
  named,
  previewAdvisoriesOf,
  standard,
  violationsOf,
} from "./verdict";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const BUCKET = "aws:s3/bucket:Bucket";
const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";
const DB: Target = [RDS_INSTANCE, "openemr-staging-db"];
const CLUSTER: Target = [RDS_CLUSTER, "openemr-prod-db-cluster"];

describe("cloudwatch-log-group-retention", () => {
  const policy = "cloudwatch-log-group-retention";
  const APP: Target = [LOG_GROUP, "openemr-staging-containers"];
  const app = async (...edits: PlanEdit[]) => mutate(await standard(), ...edits);
  it("passes the standard plan's log groups, kept six years", async () => {
    const plan = await standard();
    expect(valueAt(resource(plan, APP), "retentionInDays")).to.equal(2192);
    await expectPass(plan, policy, APP);
  });
  it("catches a log group without retentionInDays", async () =>
    expectViolation(await app(unsetProp(APP, "retentionInDays")), policy, {
      resource: "openemr-staging-containers",
      says: ["no retentionInDays", "at least 2192"],
    }));
  it("catches a retention below the minimum", async () =>
    expectViolation(await app(setProp(APP, "retentionInDays", 30)), policy, {
      resource: "openemr-staging-containers",
      says: ["30 days", "at least 2192"],
    }));
  it("catches never-expire (0) unless allowNeverExpire", async () => {
    const plan = await app(setProp(APP, "retentionInDays", 0));
    await expectViolation(plan, policy, {
      resource: "openemr-staging-containers",
      says: ["forever (0)"],
    });
    await expectPass(plan, policy, APP, { [policy]: { allowNeverExpire: true } });
  });
  it("honours minRetentionDays", async () => {
    const config = { [policy]: { minRetentionDays: 365 } };
    await expectPass(await app(setProp(APP, "retentionInDays", 400)), policy, APP, config);
    await expectViolation(await app(setProp(APP, "retentionInDays", 180)), policy, {
      resource: "openemr-staging-containers",
      config,
      says: ["at least 365"],
    });
  });
  it("catches the DELIVERY class, which keeps logs two days", async () =>
    expectViolation(await app(setProp(APP, "logGroupClass", "DELIVERY")), policy, {
      resource: "openemr-staging-containers",
      says: ["DELIVERY", "STANDARD"],
    }));
});

describe("cloudtrail-configuration", () => {
  const policy = "cloudtrail-configuration";
  const TRAIL: Target = ["aws:cloudtrail/trail:Trail", "openemr-staging-audit-trail"];
  it("passes the standard plan's multi-region, validated trail delivering to CloudWatch Logs", async () =>
    expectPass(await standard(), policy, TRAIL));
  const broken: Array<[string, PlanEdit, string]> = [
    ["single-region", setProp(TRAIL, "isMultiRegionTrail", false), "isMultiRegionTrail: true"],
    [
      "unvalidated",
      setProp(TRAIL, "enableLogFileValidation", false),
      "enableLogFileValidation: true",
    ],
    [
      "without global events",
      setProp(TRAIL, "includeGlobalServiceEvents", false),
      "includeGlobalServiceEvents",
    ],
    ["stopped", setProp(TRAIL, "enableLogging", false), "enableLogging: false"],
    [
      "without CloudWatch delivery",
      unsetProp(TRAIL, "cloudWatchLogsGroupArn"),
      "cloudWatchLogsGroupArn",
    ],
  ];
  for (const [what, edit, says] of broken) {
    it(`catches a ${what} trail`, async () =>
      expectViolation(mutate(await standard(), edit), policy, {
        resource: "openemr-staging-audit-trail",
        says: [says],
      }));
  }
});

describe("vpc-flow-logs", () => {
  const policy = "vpc-flow-logs";
  const VPC: Target = ["aws:ec2/vpc:Vpc", "openemr-staging-net-vpc"];
  const FLOW_LOG: Target = ["aws:ec2/flowLog:FlowLog", "openemr-staging-net-flow-log"];
  it("passes the plan's VPC with its ALL-traffic flow log", async () => {
    await expectPass(await standard(), policy, VPC);
  });
  it("catches a VPC without a flow log", async () => {
    await expectViolation(mutate(await standard(), dropResource(FLOW_LOG)), policy, {
      resource: "openemr-staging-net-vpc",
      type: VPC[0],
      says: ["no flow log", 'trafficType "ALL"'],
    });
  });
  it("catches a flow log of rejected traffic only, unless configured", async () => {
    const plan = mutate(await standard(), setProp(FLOW_LOG, "trafficType", "REJECT"));
    await expectViolation(plan, policy, {
      resource: "openemr-staging-net-vpc",
      type: VPC[0],
      says: ['trafficType: "ALL"'],
    });
    await expectPass(plan, policy, VPC, { [policy]: { requireAllTraffic: false } });
  });
});

describe("lb-access-logs", () => {
  const policy = "lb-access-logs";
  const LB: Target = ["aws:lb/loadBalancer:LoadBalancer", "openemr-staging-lb-alb"];
  it("passes the standard plan's load balancer, which writes access logs", async () =>
    expectPass(await standard(), policy, LB));
  it("catches a load balancer without access logs, or with them disabled", async () => {
    await expectViolation(mutate(await standard(), unsetProp(LB, "accessLogs")), policy, {
      resource: "openemr-staging-lb-alb",
      says: ["writes no access logs", "enabled: true"],
    });
    await expectViolation(
      mutate(
        await standard(),
        retype(LB, "aws:alb/loadBalancer:LoadBalancer"),
        unsetProp(
          ["aws:alb/loadBalancer:LoadBalancer", "openemr-staging-lb-alb"],
          "accessLogs.enabled",
        ),
      ),
      policy,
      { resource: "openemr-staging-lb-alb", says: ["disabled", "enabled: true"] },
    );
  });
  it("does not apply to gateway load balancers", async () =>
    expectPass(
      mutate(
        await standard(),
        setProp(LB, "loadBalancerType", "gateway"),
        unsetProp(LB, "accessLogs"),
      ),
      policy,
      LB,
    ));
});

describe("lb-hardening (advisory)", () => {
  const policy = "lb-hardening";
  const LB: Target = ["aws:lb/loadBalancer:LoadBalancer", "openemr-staging-lb-alb"];
  it("passes the standard plan's hardened ALB, and ignores NLBs", async () => {
    await expectPass(await standard(), policy, LB);
    await expectPass(
      mutate(await standard(), setProp(LB, "desyncMitigationMode", "strictest")),
      policy,
      LB,
    );
    await expectPass(
      mutate(
        await standard(),
        setProp(LB, "loadBalancerType", "network"),
        unsetProp(LB, "dropInvalidHeaderFields"),
        unsetProp(LB, "enableDeletionProtection"),
      ),
      policy,
      LB,
    );
  });
  it("advises on invalid headers, desync monitor mode and deletion protection", async () =>
    expectViolation(
      mutate(
        await standard(),
        unsetProp(LB, "dropInvalidHeaderFields"),
        unsetProp(LB, "enableDeletionProtection"),
        setProp(LB, "desyncMitigationMode", "monitor"),
      ),
      policy,
      {
        resource: "openemr-staging-lb-alb",
        level: "advisory",
        count: 3,
        says: ["dropInvalidHeaderFields: true", '"defensive"', "enableDeletionProtection: true"],
      },
    ));
  it("can drop the deletion-protection requirement", async () =>
    expectPass(mutate(await standard(), unsetProp(LB, "enableDeletionProtection")), policy, LB, {
      [policy]: { requireDeletionProtection: false },
    }));
});

describe("rds-log-exports", () => {
  const policy = "rds-log-exports";
  it("passes MySQL exporting audit, error and slowquery, and PostgreSQL exporting postgresql", async () => {
    await expectPass(await standard(), policy, DB);
    await expectPass(
      mutate(
        await standard(),
        setProp(DB, "enabledCloudwatchLogsExports", ["audit", "error", "slowquery", "general"]),
      ),
      policy,
      DB,
    );
    await expectPass(
      mutate(
        await fargate(),
        setProp(CLUSTER, "engine", "aurora-postgresql"),
        setProp(CLUSTER, "enabledCloudwatchLogsExports", ["postgresql"]),
      ),
      policy,
      CLUSTER,
    );
  });
  it("catches missing exports, naming them", async () => {
    await expectViolation(
      mutate(
        await standard(),
        setProp(DB, "engine", "mariadb"),
        setProp(DB, "enabledCloudwatchLogsExports", ["error"]),
      ),
      policy,
      {
        resource: "openemr-staging-db",
        says: ["audit, slowquery", "enabledCloudwatchLogsExports"],
      },
    );
    await expectViolation(
      mutate(await fargate(), unsetProp(CLUSTER, "enabledCloudwatchLogsExports")),
      policy,
      { resource: "openemr-prod-db-cluster", says: ["RDS cluster", "audit, error, slowquery"] },
    );
  });
  it("honours the configured set", async () =>
    expectViolation(await standard(), policy, {
      resource: "openemr-staging-db",
      config: { [policy]: { mysql: ["audit", "error", "general", "slowquery"] } },
      says: ["general"],
    }));
  it("does not apply to engines without a known set", async () =>
    expectPass(
      mutate(
        await standard(),
        setProp(DB, "engine", "oracle-se2"),
        unsetProp(DB, "enabledCloudwatchLogsExports"),
      ),
      policy,
      DB,
    ));
});

describe("rds-log-groups-precreated", () => {
  const policy = "rds-log-groups-precreated";
  const AUDIT_LOG: Target = [LOG_GROUP, "openemr-staging-db-audit-log"];
  it("passes the standard plan's RDS instance, whose exported logs go to groups it depends on", async () =>
    expectPass(await standard(), policy, DB));
  it("passes the fargate plan's Aurora cluster, whose exported logs go to groups it depends on", async () =>
    expectPass(await fargate(), policy, CLUSTER));
  it("expects the lower-case identifier RDS uses in log group names", async () =>
    expectPass(
      mutate(await standard(), setProp(DB, "identifier", "OpenEMR-Staging-DB")),
      policy,
      DB,
    ));
  it("catches a database without identifier", async () =>
    expectViolation(mutate(await standard(), unsetProp(DB, "identifier")), policy, {
      resource: "openemr-staging-db",
      says: ["no identifier", "Set identifier"],
    }));
  it("catches an exported log without its log group, naming the group", async () =>
    expectViolation(
      mutate(await standard(), dropResource([LOG_GROUP, "openemr-staging-db-error-log"])),
      policy,
      {
        resource: "openemr-staging-db",
        says: ['"/aws/rds/instance/openemr-staging-db/error"', "aws.cloudwatch.LogGroup"],
      },
    ));
  it("catches a database that does not depend on its log groups", async () =>
    expectViolation(
      mutate(
        await standard(),
        editResource(DB, (r) => {
          r.opts.dependsOn = [];
        }),
      ),
      policy,
      {
        resource: "openemr-staging-db",
        count: 3,
        says: ["does not depend on log group", "dependsOn"],
      },
    ));
  it("turns a log group whose name is unknown during preview into a preview advisory", async () => {
    const block = await check(mutate(await standard(), setProp(AUDIT_LOG, "name", COMPUTED)));
    expect(violationsOf(block, policy)).to.deep.equal([]);
    expect(previewAdvisoriesOf(block, policy)).to.have.length(1);
  });
  it("checks Aurora clusters under /aws/rds/cluster/", async () => {
    const plan = mutate(await fargate(), dropResource([LOG_GROUP, "openemr-prod-db-error-log"]));
    await expectViolation(plan, policy, {
      resource: "openemr-prod-db-cluster",
      says: ['"/aws/rds/cluster/openemr-prod-db/error"'],
    });
    expect(named(plan, "openemr-prod-db-cluster").type).to.equal(RDS_CLUSTER);
  });
});

describe("wafv2-web-acl-logging", () => {
  const policy = "wafv2-web-acl-logging";
  const ACL: Target = ["aws:wafv2/webAcl:WebAcl", "openemr-prod-waf-acl"];
  it("passes the fargate plan's logged web ACL", async () =>
    expectPass(await fargate(), policy, ACL));
  it("catches a web ACL without logging", async () =>
    expectViolation(
      mutate(
        await fargate(),
        dropResource([
          "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
          "openemr-prod-waf-logging",
        ]),
      ),
      policy,
      { resource: "openemr-prod-waf-acl", says: ["WebAclLoggingConfiguration", "aws-waf-logs-"] },
    ));
});

describe("s3-log-bucket-retention", () => {
  const policy = "s3-log-bucket-retention";
  const LB_LOGS: Target = [BUCKET, "openemr-staging-lb-access-logs"];
  const LB_LOGS_LIFECYCLE: Target = [LIFECYCLE, "openemr-staging-lb-access-logs-lifecycle"];
  const AUDIT_LOGS: Target = [BUCKET, "openemr-staging-audit-logs"];
  const AUDIT_LOGS_LIFECYCLE: Target = [LIFECYCLE, "openemr-staging-audit-logs-lifecycle"];
  const BACKUPS: Target = [BUCKET, "openemr-dev-backups"];
  const BACKUPS_LIFECYCLE: Target = [LIFECYCLE, "openemr-dev-backups-lifecycle"];
  const EXPIRE_DAYS = "rules.0.expiration.days";
  const FLOW_LOG: Target = ["aws:ec2/flowLog:FlowLog", "openemr-dev-net-flow-log"];

  it("passes log buckets that keep objects long enough, and ignores short lifecycles on other buckets", async () => {
    await expectPass(await standard(), policy, [LB_LOGS, AUDIT_LOGS]);
    const plan = mutate(await expressPlus(), setProp(BACKUPS_LIFECYCLE, EXPIRE_DAYS, 30));
    expect(valueAt(resource(plan, BACKUPS), "tags.openemr:purpose")).to.equal("backups");
    await expectPass(plan, policy, BACKUPS);
  });
  it("catches a tagged log bucket that expires logs early", async () =>
    expectViolation(mutate(await standard(), setProp(LB_LOGS_LIFECYCLE, EXPIRE_DAYS, 90)), policy, {
      resource: "openemr-staging-lb-access-logs",
      says: ["openemr:purpose=lb-access-logs", "after 90 days", "at least 2192"],
    }));
  it("recognises log buckets by what writes to them", async () => {
    const untagged = (bucket: Target): PlanEdit =>
      setProp(bucket, ["tags", "openemr:purpose"], "misc");
    const cases: Array<[string, () => Promise<PlanFile>, string]> = [
      [
        "openemr-staging-lb-access-logs",
        async () =>
          mutate(await standard(), untagged(LB_LOGS), setProp(LB_LOGS_LIFECYCLE, EXPIRE_DAYS, 30)),
        "load-balancer access logs",
      ],
      [
        "openemr-staging-audit-logs",
        async () =>
          mutate(
            await standard(),
            untagged(AUDIT_LOGS),
            setProp(AUDIT_LOGS_LIFECYCLE, EXPIRE_DAYS, 30),
          ),
        "CloudTrail logs",
      ],
      [
        "openemr-dev-backups",
        async () =>
          mutate(
            await expressPlus(),
            setProp(BACKUPS_LIFECYCLE, EXPIRE_DAYS, 30),
            // the flow log delivered to the bucket instead of CloudWatch Logs
            setProp(FLOW_LOG, "logDestinationType", "s3"),
            setProp(FLOW_LOG, "logDestination", COMPUTED),
            setDependency(FLOW_LOG, "logDestination", BACKUPS),
          ),
        "VPC flow logs",
      ],
      [
        "openemr-dev-backups",
        async () =>
          mutate(
            await expressPlus(),
            setProp(BACKUPS_LIFECYCLE, EXPIRE_DAYS, 30),
            // The program enables no S3 server access logging: a small hand-written
            // aws.s3.BucketLogging that delivers to the bucket.
            addResource({
              type: "aws:s3/bucketLogging:BucketLogging",
              name: "writer",
              props: { bucket: "source-bucket", targetBucket: COMPUTED, targetPrefix: "s3/" },
              deps: { targetBucket: [BACKUPS] },
            }),
          ),
        "S3 access logs",
      ],
    ];
    for (const [bucket, plan, reason] of cases) {
      await expectViolation(await plan(), policy, {
        resource: bucket,
        says: [reason, "after 30 days"],
      });
    }
  });
  it("catches a fixed expiration date and honours minRetentionDays", async () => {
    const plan = mutate(
      await standard(),
      setProp(AUDIT_LOGS_LIFECYCLE, "rules.0.expiration", { date: "2030-01-01T00:00:00Z" }),
    );
    const ruleId = stringAt(resource(plan, AUDIT_LOGS_LIFECYCLE), "rules.0.id");
    await expectViolation(plan, policy, {
      resource: "openemr-staging-audit-logs",
      says: ["fixed date", `"${ruleId}"`],
    });
    const short = mutate(await standard(), setProp(AUDIT_LOGS_LIFECYCLE, EXPIRE_DAYS, 400));
    await expectPass(short, policy, AUDIT_LOGS, { [policy]: { minRetentionDays: 365 } });
  });
  it("ignores disabled rules", async () =>
    expectPass(
      mutate(
        await standard(),
        setProp(AUDIT_LOGS_LIFECYCLE, "rules.0.status", "Disabled"),
        setProp(AUDIT_LOGS_LIFECYCLE, EXPIRE_DAYS, 1),
      ),
      policy,
      AUDIT_LOGS,
    ));
});
