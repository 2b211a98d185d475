import { expect } from "chai";
import { estimateCost, formatCostSummary } from "../../tools/cost/estimate";
import { PRICES, roundCents, usd } from "../../tools/cost/prices";
import type { PlanFile, PlanValue } from "../../tools/plan/types";
import { expressPlan, fargatePlan, standardPlan, withProps } from "./fixtures";

const H = 730;

/** Integer cents, so that money comparisons are exact. */
const cents = (amount: number): number => Math.round(amount * 100);

/** What one estimate line of `amount` dollars comes to, in cents. */
const line = (amount: number): number => cents(roundCents(amount));

/** How many cents `after` costs more than `before`. */
function delta(before: PlanFile, after: PlanFile): number {
  return cents(estimateCost(after).monthlyUsd) - cents(estimateCost(before).monthlyUsd);
}

function asObject(v: PlanValue | undefined): Record<string, PlanValue> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
  return v;
}

describe("cost estimate", () => {
  describe("price table", () => {
    it("carries the figures of shared/reference/prices.md for what the presets create", () => {
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

    it("records an ISO as-of date and a source page for every price", () => {
      expect(PRICES.asOf).to.match(/^\d{4}-\d{2}-\d{2}$/);
      expect(estimateCost(expressPlan()).asOf).to.equal(PRICES.asOf);
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
    it("prices the instance, root volume, public IPv4 and snapshots line by line", () => {
      const cost = estimateCost(expressPlan());
      expect(cost.unpriced).to.deep.equal([]);
      expect(cost.lines.map((l) => [l.item, l.monthlyUsd])).to.deep.equal([
        ["EC2 t4g.small (730 h × $0.0168)", 12.26],
        ["EBS gp3 root volume 20 GB (20 GB × $0.08)", 1.6],
        ["Public IPv4 address (730 h × $0.005)", 3.65],
        [
          "EBS snapshots (DLM): one full copy of 20 GB (20 GB × $0.05; upper bound of the first snapshot)",
          1,
        ],
      ]);
      expect(cost.monthlyUsd).to.equal(18.51);
      expect(cost.currency).to.equal("USD");
    });

    it("makes the total the sum of the rounded lines", () => {
      for (const plan of [expressPlan(), standardPlan(), fargatePlan()]) {
        const cost = estimateCost(plan);
        const sum = cost.lines.reduce((s, l) => s + cents(l.monthlyUsd), 0);
        expect(cents(cost.monthlyUsd)).to.equal(sum);
        for (const l of cost.lines) expect(cents(l.monthlyUsd) / 100).to.equal(l.monthlyUsd);
      }
    });
  });

  describe("changing an input changes the estimate by exactly the price difference", () => {
    it("t4g.small → t4g.medium adds 730 h × the hourly difference", () => {
      const before = expressPlan();
      const after = withProps(before, "dev-web", (p) => {
        p.instanceType = "t4g.medium";
      });
      const expected =
        line(H * PRICES.ec2.hourly["t4g.medium"]) - line(H * PRICES.ec2.hourly["t4g.small"]);
      expect(delta(before, after)).to.equal(expected).and.to.equal(1227);
    });

    it("a larger root volume adds its gp3 storage and its snapshot copy", () => {
      const before = expressPlan();
      const after = withProps(before, "dev-web", (p) => {
        asObject(p.rootBlockDevice).volumeSize = 30;
      });
      const gp3 = PRICES.ebs.gp3GbMonth.usd;
      const snap = PRICES.ebs.snapshotGbMonth.usd;
      expect(delta(before, after)).to.equal(
        line(30 * gp3) - line(20 * gp3) + line(30 * snap) - line(20 * snap),
      );
    });

    it("RDS Multi-AZ on doubles the instance-hours and moves storage to the Multi-AZ rate", () => {
      const before = standardPlan();
      const after = withProps(before, "standard-db", (p) => {
        p.multiAz = true;
      });
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

    it("NAT Single → OnePerAz over 2 AZs adds one NAT gateway and its public IPv4", () => {
      const before = fargatePlan();
      const after = withProps(before, "prod-network", (p) => {
        p.natGateways = { strategy: "OnePerAz" };
      });
      const nat = PRICES.nat.hour.usd;
      const ip = PRICES.publicIpv4Hour.usd;
      expect(delta(before, after)).to.equal(
        line(2 * H * nat) - line(H * nat) + line(2 * H * ip) - line(H * ip),
      );
    });

    it("an awsx VPC without natGateways is priced at awsx's default of one NAT per AZ", () => {
      const perAz = withProps(fargatePlan(), "prod-network", (p) => {
        p.natGateways = { strategy: "OnePerAz" };
      });
      const unset = withProps(fargatePlan(), "prod-network", (p) => {
        delete p.natGateways;
      });
      expect(estimateCost(unset).monthlyUsd).to.equal(estimateCost(perAz).monthlyUsd);
    });

    it("NAT strategy None removes the NAT gateway and its address", () => {
      const before = fargatePlan();
      const after = withProps(before, "prod-network", (p) => {
        p.natGateways = { strategy: "None" };
      });
      expect(delta(before, after)).to.equal(
        -(line(H * PRICES.nat.hour.usd) + line(H * PRICES.publicIpv4Hour.usd)),
      );
    });

    it("Aurora ACU minimum 0.5 → 1 adds 0.5 ACU × 730 h per instance", () => {
      const before = fargatePlan();
      const after = withProps(before, "prod-db", (p) => {
        asObject(p.serverlessv2ScalingConfiguration).minCapacity = 1;
      });
      const acu = PRICES.aurora.acuHour.usd;
      expect(delta(before, after)).to.equal(line(1 * H * acu) - line(0.5 * H * acu));
    });

    it("Aurora ACU minimum 0 (auto-pause) is priced at nothing and says so", () => {
      const plan = withProps(fargatePlan(), "prod-db", (p) => {
        asObject(p.serverlessv2ScalingConfiguration).minCapacity = 0;
      });
      const aurora = estimateCost(plan).lines.find((l) => l.item.startsWith("Aurora"));
      expect(aurora?.monthlyUsd).to.equal(0);
      expect(aurora?.item).to.contain("auto-pause");
    });

    it("task count 2 → 3 adds one task's vCPU and memory for 730 h", () => {
      const before = fargatePlan();
      const after = withProps(before, "prod-openemr", (p) => {
        p.desiredCount = 3;
      });
      const arm = PRICES.fargate.arm;
      const perTask = 1 * arm.vcpuHour.usd + 2 * arm.gbHour.usd;
      expect(delta(before, after)).to.equal(line(3 * H * perTask) - line(2 * H * perTask));
    });

    it("the autoscaling minimum wins over a lower desiredCount", () => {
      const before = fargatePlan();
      const after = withProps(before, "prod-openemr", (p) => {
        p.desiredCount = 1;
      });
      expect(delta(before, after)).to.equal(0);
      const raised = withProps(before, "prod-scaling", (p) => {
        p.minCapacity = 4;
      });
      const arm = PRICES.fargate.arm;
      const perTask = 1 * arm.vcpuHour.usd + 2 * arm.gbHour.usd;
      expect(delta(before, raised)).to.equal(line(4 * H * perTask) - line(2 * H * perTask));
    });

    it("x86 tasks are priced at the x86 Fargate rates", () => {
      const before = fargatePlan();
      const after = withProps(before, "prod-openemr-task", (p) => {
        p.runtimePlatform = { cpuArchitecture: "X86_64", operatingSystemFamily: "LINUX" };
      });
      const { arm, x86 } = PRICES.fargate;
      expect(delta(before, after)).to.equal(
        line(2 * H * (x86.vcpuHour.usd + 2 * x86.gbHour.usd)) -
          line(2 * H * (arm.vcpuHour.usd + 2 * arm.gbHour.usd)),
      );
    });

    it("a Valkey storage minimum above the 100 MB floor is priced at the configured minimum", () => {
      const before = fargatePlan();
      const after = withProps(before, "prod-sessions", (p) => {
        p.cacheUsageLimits = { dataStorage: { minimum: 1, unit: "GB" } };
      });
      const gbHour = PRICES.elasticacheServerless.valkey.gbHour.usd;
      expect(delta(before, after)).to.equal(line(1 * H * gbHour) - line(0.1 * H * gbHour));
    });

    it("each WAF rule or rule group adds $1.00 a month", () => {
      const before = fargatePlan();
      const after = withProps(before, "prod-waf", (p) => {
        const rules = p.rules;
        if (!Array.isArray(rules)) throw new Error("fixture WAF has no rules");
        rules.push({
          name: "extra",
          priority: 9,
          statement: {
            managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesLinuxRuleSet" },
          },
        });
      });
      expect(delta(before, after)).to.equal(cents(PRICES.waf.ruleMonth.usd));
    });

    it("an internal ALB pays no public IPv4 addresses; an internet-facing one pays one per subnet", () => {
      const before = fargatePlan();
      const internal = withProps(before, "prod-alb", (p) => {
        p.internal = true;
      });
      expect(delta(before, internal)).to.equal(-line(2 * H * PRICES.publicIpv4Hour.usd));
      const threeAz = withProps(before, "prod-alb", (p) => {
        p.subnets = ["a", "b", "c"];
      });
      expect(delta(before, threeAz)).to.equal(
        line(3 * H * PRICES.publicIpv4Hour.usd) - line(2 * H * PRICES.publicIpv4Hour.usd),
      );
    });

    it("associatePublicIpAddress false drops the address; unset is assumed public and says so", () => {
      const before = expressPlan();
      const off = withProps(before, "dev-web", (p) => {
        p.associatePublicIpAddress = false;
      });
      expect(delta(before, off)).to.equal(-line(H * PRICES.publicIpv4Hour.usd));
      const unset = withProps(before, "dev-web", (p) => {
        delete p.associatePublicIpAddress;
      });
      expect(delta(before, unset)).to.equal(0);
      expect(estimateCost(unset).lines.map((l) => l.item)).to.include(
        "Public IPv4 address (730 h × $0.005; associatePublicIpAddress not set, assumed public)",
      );
    });

    it("an RDS-managed master password adds the secret RDS creates", () => {
      const before = standardPlan();
      const after = withProps(before, "standard-db", (p) => {
        p.manageMasterUserPassword = false;
      });
      expect(delta(before, after)).to.equal(-cents(PRICES.secretsManager.secretMonth.usd));
    });
  });

  describe("usage", () => {
    it("lists usage-driven charges with their unit price and keeps them out of the total", () => {
      const cost = estimateCost(fargatePlan());
      const usage = cost.usage ?? [];
      const find = (text: string) => usage.find((u) => u.item.includes(text));
      expect(find("EFS Standard storage")?.unitPrice).to.equal("$0.30 per GB-month (EFS Standard)");
      expect(find("Aurora cluster storage")?.unitPrice).to.contain("$0.10 per GB-month");
      expect(find("NAT gateway data processed")?.unitPrice).to.equal(
        "$0.045 per GB processed by a NAT gateway",
      );
      expect(find("CloudWatch Logs /openemr/prod/app")?.unitPrice).to.equal(
        "$0.50 per GB ingested (Standard log class); $0.03 per GB-month stored (compressed)",
      );
      expect(find("S3 storage")?.unitPrice).to.contain("$0.023 per GB-month");
      for (const u of usage) expect(u.unitPrice).to.match(/^\$\d/);
      for (const l of cost.lines) expect(l.item).not.to.match(/EFS|S3 storage|CloudWatch Logs/);
    });

    it("lists EFS Elastic throughput as usage, adding nothing to the base", () => {
      const before = fargatePlan();
      const after = withProps(before, "prod-sites", (p) => {
        p.throughputMode = "elastic";
      });
      expect(delta(before, after)).to.equal(0);
      const usage = estimateCost(after).usage ?? [];
      expect(usage.find((u) => u.item === "EFS Elastic throughput")?.unitPrice).to.equal(
        "$0.03 per GB read (Elastic throughput); $0.06 per GB written (Elastic throughput)",
      );
    });

    it("lists the custom metric an alarm watches as usage", () => {
      const usage = estimateCost(standardPlan()).usage ?? [];
      expect(usage.map((u) => u.item)).to.include(
        "Custom metric OpenEMR/standard/BackupFailures the alarm watches",
      );
    });

    it("summarises the base cost with its largest lines for npm run plan", () => {
      const text = formatCostSummary(estimateCost(fargatePlan()), 3);
      expect(text.split("\n")[0]).to.equal(
        `Monthly base cost: $186.87 (us-east-1 list prices as of ${PRICES.asOf}; plus usage)`,
      );
      expect(text).to.contain("$57.67  Fargate ARM 2 tasks");
      expect(text).to.contain("more lines in the plan file's cost block");
    });
  });
});
