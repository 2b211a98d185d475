import { expect } from "chai";
import { estimateCost } from "../../tools/cost/estimate";
import { PRICES, roundCents, usd } from "../../tools/cost/prices";
import type { PlanFile, PlanValue } from "../../tools/plan/types";
import {
  copyResource,
  dropDependency,
  dropResource,
  editProps,
  mutate,
  resource,
  setProp,
  unsetProp,
  valueAt,
  type Target,
} from "../helpers/mutate";
import { EXPRESS_PLUS, planStack } from "../helpers/plan";
import { ofType } from "../helpers/resources";

const H = 730;

// The plans the program records for the example stacks (cached per stack).
const express = (): Promise<PlanFile> => planStack("dev");
const expressPlus = (): Promise<PlanFile> => planStack("dev", EXPRESS_PLUS);
const standard = (): Promise<PlanFile> => planStack("staging");
const fargate = (): Promise<PlanFile> => planStack("prod");

const DEV_WEB: Target = ["aws:ec2/instance:Instance", "openemr-dev-web"];
const STAGING_WEB: Target = ["aws:ec2/instance:Instance", "openemr-staging-web"];
const STAGING_DB: Target = ["aws:rds/instance:Instance", "openemr-staging-db"];
const PROD_NAT: Target = ["aws:ec2/natGateway:NatGateway", "openemr-prod-net-vpc-1"];
const PROD_NAT_IP: Target = ["aws:ec2/eip:Eip", "openemr-prod-net-vpc-1"];
const PROD_CLUSTER: Target = ["aws:rds/cluster:Cluster", "openemr-prod-db-cluster"];
const PROD_SERVICE: Target = ["aws:ecs/service:Service", "openemr-prod-app-service"];
const PROD_SCALING: Target = ["aws:appautoscaling/target:Target", "openemr-prod-app-scaling"];
const PROD_TASK: Target = ["aws:ecs/taskDefinition:TaskDefinition", "openemr-prod-app-task"];
const PROD_CACHE: Target = [
  "aws:elasticache/serverlessCache:ServerlessCache",
  "openemr-prod-sessions-valkey",
];
const PROD_WAF: Target = ["aws:wafv2/webAcl:WebAcl", "openemr-prod-waf-acl"];
const PROD_ALB: Target = ["aws:lb/loadBalancer:LoadBalancer", "openemr-prod-lb-alb"];
const PROD_SITES: Target = ["aws:efs/fileSystem:FileSystem", "openemr-prod-sites-fs"];

/** Integer cents, so that money comparisons are exact. */
const cents = (amount: number): number => Math.round(amount * 100);

/** What one estimate line of `amount` dollars comes to, in cents. */
const line = (amount: number): number => cents(roundCents(amount));

/** How many cents `after` costs more than `before`. */
function delta(before: PlanFile, after: PlanFile): number {
  return cents(estimateCost(after).monthlyUsd) - cents(estimateCost(before).monthlyUsd);
}

/** The planned value of a resource's input, which the expected figures below are built from. */
function planned(plan: PlanFile, target: Target, path: string): PlanValue | undefined {
  return valueAt(resource(plan, target), path);
}

/** The fargate plan's service at rest: 2 ARM tasks of 1 vCPU and 2 GB (desiredCount = minimum). */
async function fargateTasks(): Promise<PlanFile> {
  const plan = await fargate();
  expect(planned(plan, PROD_SERVICE, "desiredCount")).to.equal(2);
  expect(planned(plan, PROD_SCALING, "minCapacity")).to.equal(2);
  expect(planned(plan, PROD_TASK, "cpu")).to.equal("1024");
  expect(planned(plan, PROD_TASK, "memory")).to.equal("2048");
  expect(planned(plan, PROD_TASK, "runtimePlatform.cpuArchitecture")).to.equal("ARM64");
  return plan;
}

describe("cost estimate", () => {
  describe("price table", () => {
    it("carries the transcribed AWS list prices for what the presets create", () => {
      expect(PRICES.region).to.equal("us-east-1");
      expect(PRICES.hoursPerMonth).to.equal(730);
      expect(PRICES.ec2.hourly["t4g.small"]).to.equal(0.0168);
      expect(PRICES.ec2.hourly["t4g.medium"]).to.equal(0.0336);
      expect(PRICES.ebs.gp3GbMonth.usd).to.equal(0.08);
      expect(PRICES.ebs.snapshotGbMonth.usd).to.equal(0.05);
      expect(PRICES.publicIpv4Hour.usd).to.equal(0.005);
      expect(PRICES.rdsMysql.hourly["db.t4g.small"]).to.equal(0.032);
      expect(PRICES.rdsMysql.gp3MultiAzGbMonth.usd).to.equal(0.23);
      expect(PRICES.aurora.acuHour.usd).to.equal(0.12);
      expect(PRICES.elasticacheServerless.valkey.gbHour.usd).to.equal(0.084);
      expect(PRICES.elasticacheServerless.valkey.minGb).to.equal(0.1);
      expect(PRICES.fargate.arm.vcpuHour.usd).to.equal(0.03238);
      expect(PRICES.fargate.arm.gbHour.usd).to.equal(0.00356);
      expect(PRICES.fargate.x86.vcpuHour.usd).to.equal(0.04048);
      expect(PRICES.alb.hour.usd).to.equal(0.0225);
      expect(PRICES.nat.hour.usd).to.equal(0.045);
      expect(PRICES.kms.keyMonth.usd).to.equal(1);
      expect(PRICES.secretsManager.secretMonth.usd).to.equal(0.4);
      expect(PRICES.waf.webAclMonth.usd).to.equal(5);
      expect(PRICES.waf.ruleMonth.usd).to.equal(1);
      expect(PRICES.backup.rdsGbMonth.usd).to.equal(0.095);
    });

    it("records an ISO as-of date and a source page for every price", async () => {
      expect(PRICES.asOf).to.match(/^\d{4}-\d{2}-\d{2}$/);
      expect(estimateCost(await express()).asOf).to.equal(PRICES.asOf);
    });

    it("formats unit prices with every significant digit and at least cents", () => {
      expect(usd(0.0168)).to.equal("$0.0168");
      expect(usd(1)).to.equal("$1.00");
      expect(usd(0.115)).to.equal("$0.115");
      expect(usd(0.03238)).to.equal("$0.03238");
      expect(roundCents(16.425)).to.equal(16.43);
      expect(roundCents(1.005)).to.equal(1.01);
    });
  });

  describe("express at its defaults", () => {
    it("prices the instance, root volume, Elastic IP, alarms and snapshots line by line", async () => {
      const cost = estimateCost(await express());
      expect(cost.unpriced).to.deep.equal([]);
      expect(cost.lines.map((l) => [l.item, l.monthlyUsd])).to.deep.equal([
        ["DNS Firewall list openemr-dev-net-dns-catch-all (1 domain × $0.0005/month)", 0],
        ["DNS Firewall list openemr-dev-net-dns-allow (16 domains × $0.0005/month)", 0.01],
        ["Elastic IP, public IPv4 address (730 h × $0.005)", 3.65],
        [
          "EBS snapshots (DLM): one full copy of 20 GB (20 GB × $0.05; upper bound of the first snapshot)",
          1,
        ],
        ["Custom metric OpenEMR/OpenEMRAnswers (published every hour: $0.30/month)", 0.3],
        ["CloudWatch standard alarm (1 metric × $0.10/month)", 0.1],
        [
          "Custom metric OpenEMR/UpgradeSucceeded (published in 31 of 730 hours × $0.30/month)",
          0.01,
        ],
        ["CloudWatch standard alarm (1 metric × $0.10/month)", 0.1],
        [
          "Custom metric OpenEMR/BackupSucceeded (published in 31 of 730 hours × $0.30/month)",
          0.01,
        ],
        ["CloudWatch standard alarm (1 metric × $0.10/month)", 0.1],
        [
          "AWS Budgets budget ($0.02/day × 30.42 days; free if one of the account's first two)",
          0.61,
        ],
        ["EC2 t4g.small (730 h × $0.0168)", 12.26],
        ["EBS gp3 root volume 20 GB (20 GB × $0.08)", 1.6],
        ["CloudWatch standard alarm (1 metric × $0.10/month)", 0.1],
        ["CloudWatch standard alarm (1 metric × $0.10/month)", 0.1],
        ["Custom metric OpenEMR/mem_used_percent (published every hour: $0.30/month)", 0.3],
        ["CloudWatch standard alarm (1 metric × $0.10/month)", 0.1],
        ["Custom metric OpenEMR/disk_used_percent (published every hour: $0.30/month)", 0.3],
        ["CloudWatch standard alarm (1 metric × $0.10/month)", 0.1],
      ]);
      expect(cost.monthlyUsd).to.equal(20.75);
      expect(cost.currency).to.equal("USD");
    });

    it("makes the total the sum of the rounded lines", async () => {
      for (const plan of [
        await express(),
        await expressPlus(),
        await standard(),
        await fargate(),
      ]) {
        const cost = estimateCost(plan);
        expect(cost.lines, plan.preset).to.have.length.greaterThan(0);
        const sum = cost.lines.reduce((s, l) => s + cents(l.monthlyUsd), 0);
        expect(cents(cost.monthlyUsd)).to.equal(sum);
        for (const l of cost.lines) expect(cents(l.monthlyUsd) / 100).to.equal(l.monthlyUsd);
      }
    });
  });

  describe("changing an input changes the estimate by exactly the price difference", () => {
    it("t4g.small → t4g.medium adds 730 h × the hourly difference", async () => {
      const before = await express();
      expect(planned(before, DEV_WEB, "instanceType")).to.equal("t4g.small");
      const after = mutate(before, setProp(DEV_WEB, "instanceType", "t4g.medium"));
      const expected =
        line(H * PRICES.ec2.hourly["t4g.medium"]) - line(H * PRICES.ec2.hourly["t4g.small"]);
      expect(delta(before, after)).to.equal(expected).and.to.equal(1227);
    });

    it("a larger root volume adds its gp3 storage and its snapshot copy", async () => {
      const before = await express();
      expect(planned(before, DEV_WEB, "rootBlockDevice.volumeSize")).to.equal(20);
      const after = mutate(before, setProp(DEV_WEB, "rootBlockDevice.volumeSize", 30));
      const gp3 = PRICES.ebs.gp3GbMonth.usd;
      const snap = PRICES.ebs.snapshotGbMonth.usd;
      expect(delta(before, after)).to.equal(
        line(30 * gp3) - line(20 * gp3) + line(30 * snap) - line(20 * snap),
      );
    });

    it("RDS Multi-AZ on doubles the instance-hours and moves storage to the Multi-AZ rate", async () => {
      const base = await standard();
      expect(planned(base, STAGING_DB, "instanceClass")).to.equal("db.t4g.small");
      expect(planned(base, STAGING_DB, "allocatedStorage")).to.equal(20);
      const before = mutate(base, setProp(STAGING_DB, "multiAz", false));
      const after = mutate(base, setProp(STAGING_DB, "multiAz", true));
      const hourly = PRICES.rdsMysql.hourly["db.t4g.small"];
      expect(delta(before, after)).to.equal(
        line(H * hourly * 2) -
          line(H * hourly) +
          line(20 * PRICES.rdsMysql.gp3MultiAzGbMonth.usd) -
          line(20 * PRICES.rdsMysql.gp3GbMonth.usd),
      );
      const items = estimateCost(after).lines.map((l) => l.item);
      expect(items).to.include("RDS MySQL db.t4g.small Multi-AZ (730 h × $0.032 × 2)");
    });

    it("a NAT gateway in the second AZ adds one NAT gateway and its public IPv4", async () => {
      const before = await fargate();
      expect(ofType(before, "aws:ec2/natGateway:NatGateway")).to.have.length(1);
      const after = mutate(
        before,
        copyResource(PROD_NAT, "openemr-prod-net-vpc-2"),
        copyResource(PROD_NAT_IP, "openemr-prod-net-vpc-2"),
      );
      const nat = PRICES.nat.hour.usd;
      const ip = PRICES.publicIpv4Hour.usd;
      expect(delta(before, after)).to.equal(line(H * nat) + line(H * ip));
    });

    it("a NAT gateway without an Elastic IP of the plan is still priced with its public IPv4", async () => {
      const before = await fargate();
      const after = mutate(
        before,
        dropResource(PROD_NAT_IP),
        dropDependency(PROD_NAT, "allocationId"),
      );
      expect(delta(before, after)).to.equal(0);
      expect(estimateCost(after).lines.map((l) => l.item)).to.include(
        `Public IPv4 address of the NAT gateway (730 h × $${PRICES.publicIpv4Hour.usd})`,
      );
    });

    it("no NAT gateway removes the gateway and its address", async () => {
      const before = await fargate();
      const after = mutate(before, dropResource(PROD_NAT), dropResource(PROD_NAT_IP));
      expect(delta(before, after)).to.equal(
        -(line(H * PRICES.nat.hour.usd) + line(H * PRICES.publicIpv4Hour.usd)),
      );
    });

    it("Aurora ACU minimum 0.5 → 1 adds 0.5 ACU × 730 h per instance", async () => {
      const before = await fargate();
      const MIN = "serverlessv2ScalingConfiguration.minCapacity";
      expect(planned(before, PROD_CLUSTER, MIN)).to.equal(0.5);
      const after = mutate(before, setProp(PROD_CLUSTER, MIN, 1));
      const acu = PRICES.aurora.acuHour.usd;
      expect(delta(before, after)).to.equal(line(1 * H * acu) - line(0.5 * H * acu));
    });

    it("Aurora ACU minimum 0 (auto-pause) is priced at nothing and says so", async () => {
      const plan = mutate(
        await fargate(),
        setProp(PROD_CLUSTER, "serverlessv2ScalingConfiguration.minCapacity", 0),
      );
      const aurora = estimateCost(plan).lines.find((l) => l.item.startsWith("Aurora"));
      expect(aurora?.monthlyUsd).to.equal(0);
      expect(aurora?.item).to.contain("auto-pause");
    });

    it("task count 2 → 3 adds one task's vCPU and memory for 730 h", async () => {
      const before = await fargateTasks();
      const after = mutate(before, setProp(PROD_SERVICE, "desiredCount", 3));
      const arm = PRICES.fargate.arm;
      const perTask = 1 * arm.vcpuHour.usd + 2 * arm.gbHour.usd;
      expect(delta(before, after)).to.equal(line(3 * H * perTask) - line(2 * H * perTask));
    });

    it("the autoscaling minimum wins over a lower desiredCount", async () => {
      const before = await fargateTasks();
      const after = mutate(before, setProp(PROD_SERVICE, "desiredCount", 1));
      expect(delta(before, after)).to.equal(0);
      const raised = mutate(before, setProp(PROD_SCALING, "minCapacity", 4));
      const arm = PRICES.fargate.arm;
      const perTask = 1 * arm.vcpuHour.usd + 2 * arm.gbHour.usd;
      expect(delta(before, raised)).to.equal(line(4 * H * perTask) - line(2 * H * perTask));
    });

    it("x86 tasks are priced at the x86 Fargate rates", async () => {
      const before = await fargateTasks();
      const after = mutate(before, setProp(PROD_TASK, "runtimePlatform.cpuArchitecture", "X86_64"));
      const { arm, x86 } = PRICES.fargate;
      expect(delta(before, after)).to.equal(
        line(2 * H * (x86.vcpuHour.usd + 2 * x86.gbHour.usd)) -
          line(2 * H * (arm.vcpuHour.usd + 2 * arm.gbHour.usd)),
      );
    });

    it("a Valkey storage minimum above the 100 MB floor is priced at the configured minimum", async () => {
      const before = await fargate();
      expect(planned(before, PROD_CACHE, "cacheUsageLimits.dataStorage.minimum")).to.equal(
        undefined,
      );
      const after = mutate(before, setProp(PROD_CACHE, "cacheUsageLimits.dataStorage.minimum", 1));
      const gbHour = PRICES.elasticacheServerless.valkey.gbHour.usd;
      expect(delta(before, after)).to.equal(line(1 * H * gbHour) - line(0.1 * H * gbHour));
    });

    it("each WAF rule or rule group adds $1.00 a month", async () => {
      const before = await fargate();
      const after = mutate(
        before,
        editProps(PROD_WAF, (p) => {
          const rules = p["rules"];
          if (!Array.isArray(rules) || rules.length === 0) throw new Error("the WAF has no rules");
          const copied = structuredClone(rules[rules.length - 1]);
          if (typeof copied !== "object" || copied === null || Array.isArray(copied)) {
            throw new Error("a WAF rule is not an object");
          }
          rules.push({ ...copied, name: "extra", priority: rules.length });
        }),
      );
      expect(delta(before, after)).to.equal(cents(PRICES.waf.ruleMonth.usd));
    });

    it("an internal ALB pays no public IPv4 addresses; an internet-facing one pays one per subnet", async () => {
      const before = await fargate();
      const subnets = planned(before, PROD_ALB, "subnets");
      if (!Array.isArray(subnets)) throw new Error("the ALB lists no subnets");
      expect(subnets).to.have.length(2);
      const internal = mutate(before, setProp(PROD_ALB, "internal", true));
      expect(delta(before, internal)).to.equal(-line(2 * H * PRICES.publicIpv4Hour.usd));
      const threeAz = mutate(before, setProp(PROD_ALB, "subnets", [...subnets, "subnet-pub2"]));
      expect(delta(before, threeAz)).to.equal(
        line(3 * H * PRICES.publicIpv4Hour.usd) - line(2 * H * PRICES.publicIpv4Hour.usd),
      );
    });

    it("associatePublicIpAddress false drops the address; unset is assumed public and says so", async () => {
      const before = await standard();
      expect(planned(before, STAGING_WEB, "associatePublicIpAddress")).to.equal(true);
      const off = mutate(before, setProp(STAGING_WEB, "associatePublicIpAddress", false));
      expect(delta(before, off)).to.equal(-line(H * PRICES.publicIpv4Hour.usd));
      const unset = mutate(before, unsetProp(STAGING_WEB, "associatePublicIpAddress"));
      expect(delta(before, unset)).to.equal(0);
      expect(estimateCost(unset).lines.map((l) => l.item)).to.include(
        "Public IPv4 address (730 h × $0.005; associatePublicIpAddress not set, assumed public)",
      );
    });

    it("an RDS-managed master password adds the secret RDS creates", async () => {
      const before = await standard();
      expect(planned(before, STAGING_DB, "manageMasterUserPassword")).to.equal(undefined);
      const after = mutate(
        before,
        unsetProp(STAGING_DB, "password"),
        setProp(STAGING_DB, "manageMasterUserPassword", true),
      );
      expect(delta(before, after)).to.equal(cents(PRICES.secretsManager.secretMonth.usd));
    });
  });

  describe("usage", () => {
    it("lists usage-driven charges with their unit price and keeps them out of the total", async () => {
      const cost = estimateCost(await fargate());
      const usage = cost.usage ?? [];
      const find = (text: string) => usage.find((u) => u.item.includes(text));
      expect(find("EFS Standard storage")?.unitPrice).to.equal("$0.30 per GB-month (EFS Standard)");
      expect(find("Aurora cluster storage")?.unitPrice).to.contain("$0.10 per GB-month");
      expect(find("NAT gateway data processed")?.unitPrice).to.equal(
        "$0.045 per GB processed by a NAT gateway",
      );
      expect(find("CloudWatch Logs /openemr/prod/ecs/openemr-prod-openemr")?.unitPrice).to.equal(
        "$0.50 per GB ingested (Standard log class); $0.03 per GB-month stored (compressed)",
      );
      expect(find("S3 storage")?.unitPrice).to.contain("$0.023 per GB-month");
      for (const u of usage) expect(u.unitPrice).to.match(/^\$\d/);
      for (const l of cost.lines) expect(l.item).not.to.match(/EFS|S3 storage|CloudWatch Logs/);
    });

    it("lists EFS Elastic throughput as usage, adding nothing to the base", async () => {
      const elastic = await fargate();
      expect(planned(elastic, PROD_SITES, "throughputMode")).to.equal("elastic");
      const bursting = mutate(elastic, setProp(PROD_SITES, "throughputMode", "bursting"));
      expect(delta(bursting, elastic)).to.equal(0);
      const elasticItems = (plan: PlanFile) =>
        (estimateCost(plan).usage ?? []).filter((u) => u.item === "EFS Elastic throughput");
      expect(elasticItems(elastic)).to.have.length(elasticItems(bursting).length + 1);
      expect(elasticItems(elastic)[0]?.unitPrice).to.equal(
        "$0.03 per GB read (Elastic throughput); $0.06 per GB written (Elastic throughput)",
      );
    });

    it("prices the custom metric an alarm watches by the hours it is published in", async () => {
      const lines = estimateCost(await express()).lines.map((l) => [l.item, l.monthlyUsd]);
      // every five minutes: every hour of the month; once a day: 31 of 730 hours
      expect(lines).to.deep.include([
        "Custom metric OpenEMR/OpenEMRAnswers (published every hour: $0.30/month)",
        0.3,
      ]);
      expect(lines).to.deep.include([
        "Custom metric OpenEMR/BackupSucceeded (published in 31 of 730 hours × $0.30/month)",
        0.01,
      ]);
    });
  });
});
