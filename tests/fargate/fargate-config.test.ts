import { expect } from "chai";
import { planStack } from "../helpers/plan";
import { dependencyOf, networkLayout, ofType, one, prop } from "../helpers/resources";
import type { PlanFile } from "../../tools/plan/types";
import { CERT, T, containersOf, keyNamed, setupContainerOf, view } from "./fargate-helpers";

/** Every fargate setting moved away from its default, plus the common knobs the tier reads. */
const SCALED = {
  "openemr:fargate": JSON.stringify({
    cpu: 2048,
    memory: 4096,
    minTasks: 3,
    maxTasks: 12,
    cpuTargetPercent: 55,
    memoryTargetPercent: 65,
    auroraMinAcu: 1,
    auroraMaxAcu: 8,
    auroraReader: true,
    natStrategy: "perAz",
    ecsExec: true,
    wafMode: "count",
    wafRateLimit: 5000,
    dbBackupRetentionDays: 21,
  }),
  "openemr:architecture": "x86_64",
  "openemr:allowedCidrs": JSON.stringify(["198.51.100.0/24", "2001:db8::/32"]),
  "openemr:logRetentionDays": "3653",
  "openemr:auditTrail": "existing",
};

describe("fargate tier follows its config (prod stack with overrides)", function () {
  let plan: PlanFile;
  before(async () => {
    plan = await planStack("prod", SCALED);
  });

  it("sets the autoscaling range and CPU/memory targets from config", () => {
    expect(prop(one(plan, T.service), "desiredCount")).to.equal(3);
    const target = one(plan, T.scalingTarget);
    expect([prop(target, "minCapacity"), prop(target, "maxCapacity")]).to.deep.equal([3, 12]);
    const targets = ofType(plan, T.scalingPolicy)
      .map((p) => prop<number>(p, "targetTrackingScalingPolicyConfiguration.targetValue"))
      .sort();
    expect(targets).to.deep.equal([55, 65]);
  });

  it("sizes the task from config and runs x86_64 when asked", () => {
    const td = one(plan, T.taskDef);
    expect(prop(td, "cpu")).to.equal("2048");
    expect(prop(td, "memory")).to.equal("4096");
    expect(prop(td, "runtimePlatform.cpuArchitecture")).to.equal("X86_64");
  });

  it("turns on ECS Exec with encrypted, logged sessions and the task permissions it needs", () => {
    const cluster = one(plan, T.ecsCluster);
    const exec = view<{ logging: string; logConfiguration: Record<string, unknown> }>(
      cluster,
      "configuration.executeCommandConfiguration",
    );
    expect(exec.logging).to.equal("OVERRIDE");
    expect(exec.logConfiguration).to.deep.equal({
      cloudWatchLogGroupName: "/openemr/prod/ecs/openemr-prod-openemr-exec",
      cloudWatchEncryptionEnabled: true,
    });
    expect(keyNamed(plan, cluster, "configuration")).to.deep.equal(["openemr-prod-logs-key"]);
    expect(prop(one(plan, T.service), "enableExecuteCommand")).to.equal(true);
    const taskPolicy = ofType(plan, T.rolePolicy).find((p) => p.name.endsWith("-task-policy"));
    expect(prop<string>(taskPolicy!, "policy")).to.contain("ssmmessages:OpenDataChannel");
    expect(plan.outputs.adminShellCommand).to.match(
      /^aws ecs execute-command --region us-east-1 --cluster openemr-prod --container openemr --interactive/,
    );
  });

  it("adds an Aurora reader that scales with the writer, in the configured ACU range", () => {
    const instances = ofType(plan, T.instance);
    expect(instances.map((i) => [i.name, prop(i, "promotionTier")])).to.deep.equal([
      ["openemr-prod-db-writer", 0],
      ["openemr-prod-db-reader", 1],
    ]);
    expect(prop(one(plan, T.cluster), "serverlessv2ScalingConfiguration")).to.deep.equal({
      minCapacity: 1,
      maxCapacity: 8,
    });
    expect(prop(one(plan, T.cluster), "backupRetentionPeriod")).to.equal(21);
  });

  it("uses one NAT gateway per AZ when natStrategy is perAz", () => {
    expect(networkLayout(plan).natGateways).to.equal(2);
  });

  it("only counts in WAF count mode, with the configured rate limit", () => {
    const rules = view<
      { overrideAction?: unknown; action?: unknown; statement: Record<string, unknown> }[]
    >(one(plan, T.webAcl), "rules");
    for (const r of rules) {
      expect(r.overrideAction ?? r.action).to.deep.equal({ count: {} });
    }
    const rate = rules.find((r) => "rateBasedStatement" in r.statement);
    expect(rate?.statement.rateBasedStatement).to.include({ limit: 5000 });
  });

  it("admits IPv6 networks as IPv6 rules", () => {
    const v6 = ofType(plan, T.ingress)
      .filter((r) => "cidrIpv6" in r.props)
      .map((r) => [prop(r, "cidrIpv6"), prop(r, "fromPort")])
      .sort();
    expect(v6).to.deep.equal([
      ["2001:db8::/32", 443],
      ["2001:db8::/32", 80],
    ]);
  });

  it("applies the configured log retention to every log group, ECS Exec's included", () => {
    const groups = ofType(plan, T.logGroup);
    expect(groups.map((g) => prop(g, "name"))).to.include(
      "/openemr/prod/ecs/openemr-prod-openemr-exec",
    );
    for (const g of groups) {
      expect(prop(g, "retentionInDays"), g.name).to.equal(3653);
      expect(keyNamed(plan, g, "kmsKeyId"), g.name).to.have.length(1);
    }
  });

  it("masks patient identifiers in the service's log group only, not in ECS Exec's or Container Insights'", () => {
    const masked = ofType(
      plan,
      "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy",
    ).map((p) => prop<string>(p, "logGroupName"));
    expect(masked).to.include("/openemr/prod/ecs/openemr-prod-openemr");
    expect(masked).to.not.include("/openemr/prod/ecs/openemr-prod-openemr-exec");
    expect(masked).to.not.include("/aws/ecs/containerinsights/openemr-prod/performance");
  });

  it("creates no trail when the account already has one (auditTrail: existing)", () => {
    expect(ofType(plan, T.trail)).to.have.length(0);
    expect(ofType(plan, T.logGroup).map((g) => prop(g, "name"))).to.not.include(
      "/openemr/prod/cloudtrail",
    );
  });
});

describe("fargate tier on a throwaway stack (protectData false, no allowed networks)", function () {
  let plan: PlanFile;
  before(async () => {
    plan = await planStack("prod", {
      "openemr:protectData": "false",
      "openemr:allowedCidrs": "[]",
    });
  });

  it("admits nobody when allowedCidrs is empty", () => {
    const cidrRules = ofType(plan, T.ingress).filter(
      (r) => "cidrIpv4" in r.props || "cidrIpv6" in r.props,
    );
    expect(cidrRules).to.deep.equal([]);
  });

  it("lets the stack be destroyed: nothing protected, no deletion protection, no final snapshot", () => {
    for (const r of plan.resources) {
      expect(r.opts.protect, r.name).to.equal(false);
    }
    const cluster = one(plan, T.cluster);
    expect(prop(cluster, "deletionProtection")).to.equal(false);
    expect(prop(cluster, "skipFinalSnapshot")).to.equal(true);
    expect(cluster.props).to.not.have.property("finalSnapshotIdentifier");
    expect(prop(one(plan, T.lb), "enableDeletionProtection")).to.equal(false);
    for (const s of ofType(plan, T.secret)) {
      expect(prop(s, "recoveryWindowInDays")).to.equal(0);
    }
    for (const g of ofType(plan, T.logGroup)) {
      expect(prop(g, "skipDestroy"), g.name).to.equal(false);
    }
  });
});

describe("fargate tier: two stacks share an account and region", function () {
  let prod: PlanFile;
  let dev: PlanFile;
  before(async () => {
    [prod, dev] = await Promise.all([
      planStack("prod"),
      planStack("dev", { "openemr:preset": "fargate", "openemr:certificateArn": CERT }),
    ]);
  });

  it("gives no two AWS resources the same name", () => {
    const names = (plan: PlanFile) =>
      new Set(
        plan.resources.flatMap((r) =>
          ["name", "clusterIdentifier", "identifier", "userId", "userGroupId", "family"]
            .map((k) => r.props[k])
            .filter((v): v is string => typeof v === "string" && v.includes("openemr"))
            .map((v) => `${r.type} ${v}`),
        ),
      );
    const prodNames = names(prod);
    const shared = [...names(dev)].filter((n) => prodNames.has(n));
    expect(prodNames.size).to.be.at.least(20);
    expect(shared).to.deep.equal([]);
    expect(dev.resources.every((r) => r.name.startsWith("openemr-dev"))).to.equal(true);
  });

  it("keeps each stack's tasks on its own secrets", () => {
    const arns = (plan: PlanFile) =>
      containersOf(plan).flatMap((c) => c.secrets.map((s) => s.valueFrom));
    for (const arn of arns(dev)) expect(arn).to.match(/:secret:openemr-dev/);
    expect(arns(dev).filter((a) => arns(prod).includes(a))).to.deep.equal([]);
    const [devKey] = dependencyOf(dev, one(dev, T.secret, "-admin-password"), "kmsKeyId");
    expect(devKey.name).to.equal("openemr-dev-secrets-key");
  });
});

describe("fargate tier with a domain and a hosted zone instead of a certificate ARN", function () {
  let plan: PlanFile;
  before(async () => {
    // the dev stack has no certificateArn: switch it to fargate with DNS validation
    plan = await planStack("dev", {
      "openemr:preset": "fargate",
      "openemr:domain": "emr.example.org",
      "openemr:hostedZoneId": "Z0123456789ABC",
    });
  });

  it("requests an ACM certificate for the domain, validated by DNS in the hosted zone", () => {
    const cert = one(plan, "aws:acm/certificate:Certificate");
    expect(prop(cert, "domainName")).to.equal("emr.example.org");
    expect(prop(cert, "validationMethod")).to.equal("DNS");
    const records = ofType(plan, "aws:route53/record:Record");
    const validation = records.find((r) => r.name.endsWith("-cert-validation"));
    expect(prop(validation!, "zoneId")).to.equal("Z0123456789ABC");
    expect(prop(validation!, "type")).to.equal("CNAME");
    expect(prop<string>(validation!, "name")).to.match(/\.emr\.example\.org\.$/);
    const validated = one(plan, "aws:acm/certificateValidation:CertificateValidation");
    expect(dependencyOf(plan, validated, "validationRecordFqdns")).to.deep.equal([validation]);
    const https = one(plan, T.listener, "-https");
    expect(dependencyOf(plan, https, "certificateArn")).to.deep.equal([validated]);
  });

  it("points the domain at the load balancer and tells OpenEMR its public address", () => {
    const alias = ofType(plan, "aws:route53/record:Record").find((r) => r.name.endsWith("-alias"));
    expect(prop(alias!, "name")).to.equal("emr.example.org");
    expect(prop(alias!, "type")).to.equal("A");
    expect(dependencyOf(plan, alias!, "aliases").map((r) => r.type)).to.deep.equal([T.lb]);
    expect(plan.outputs.url).to.equal("https://emr.example.org/");
    // the installer applies OPENEMR_SETTING_* (setGlobalSettings): the setup container needs it
    const env = Object.fromEntries(
      setupContainerOf(plan).environment.map((e) => [e.name, e.value]),
    );
    expect(env.OPENEMR_SETTING_site_addr_oath).to.equal("https://emr.example.org");
  });
});
