// The alarm-spec builders (components/alarms/alarm-specs.ts): their metrics, dimensions, thresholds
// and missing-data handling, descriptions and names within what CloudWatch PutMetricAlarm accepts
// (botocore 1.43.11), refusals of what AWS would refuse, the alarm counts each tier gets, and, fed to
// monitoring() under the plan engine, alarms that notify the topic on ALARM and on OK.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  importFailedAlarm,
  type AlarmDefinition,
  CLOUDWATCH_LIMITS,
  DESCRIPTION_MAX,
  type MetricAlarmSpec,
  auroraAlarms,
  auroraMysqlMaxConnections,
  checkAlarm,
  fargateServiceAlarms,
  loadBalancerAlarms,
  rdsInstanceAlarms,
  valkeyServerlessAlarms,
} from "../../components/alarms/alarm-specs";
import { monitoring } from "../../components/alarms/monitoring";
import { STACK_NAME_MAX } from "../../components/naming/aws-names";
import { checkAwsRules, formatViolations } from "../../tools/aws-rules/check";
import { type ComponentPlan, planComponent } from "../components/harness";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";

const LB = "app/openemr-prod-alb/50dc6c495c0c9188";
const TG = "targetgroup/openemr-prod-tg-ip-443/73e2d6bc24d8a067";

function bySuffix(alarms: AlarmDefinition[]): Record<string, AlarmDefinition> {
  return Object.fromEntries(alarms.map((a) => [a.suffix, a]));
}

/** The metric part of a spec, without the fields every alarm has. */
function metricOf(spec: MetricAlarmSpec) {
  return {
    namespace: spec.namespace,
    metricName: spec.metricName,
    dimensions: spec.dimensions,
    statistic: spec.statistic ?? spec.extendedStatistic,
    period: spec.period,
    evaluationPeriods: spec.evaluationPeriods,
    threshold: spec.threshold,
    comparisonOperator: spec.comparisonOperator,
    treatMissingData: spec.treatMissingData,
  };
}

/** What the fargate tier wires (the brief's budget: at most ~8 alarms, $0.10 each). */
function fargateSet(): AlarmDefinition[] {
  return [
    ...loadBalancerAlarms({ loadBalancerArnSuffix: LB, targetGroupArnSuffix: TG }),
    ...fargateServiceAlarms({
      clusterName: "openemr-prod",
      serviceName: "openemr-prod-openemr",
      desiredMin: 2,
      utilization: false,
    }),
    ...auroraAlarms({ clusterIdentifier: "openemr-prod-db", maxAcu: 16, cpu: false }),
    ...valkeyServerlessAlarms({ cacheName: "openemr-prod-sessions" }),
  ];
}

/** Every alarm every builder can make. */
function everyAlarm(): AlarmDefinition[] {
  return [
    ...loadBalancerAlarms({ loadBalancerArnSuffix: LB, targetGroupArnSuffix: TG }),
    ...fargateServiceAlarms({ clusterName: "c", serviceName: "s", desiredMin: 2 }),
    ...rdsInstanceAlarms({ identifier: "openemr-staging-db" }),
    ...auroraAlarms({ clusterIdentifier: "openemr-prod-db", maxAcu: 16 }),
    ...valkeyServerlessAlarms({ cacheName: "openemr-prod-sessions", maxDataStorageGb: 5 }),
  ];
}

/** A spec CloudWatch accepts, to break one field at a time. */
function valid(): AlarmDefinition {
  return {
    suffix: "x-high",
    description: "x is high: look at x",
    spec: {
      namespace: "AWS/EC2",
      metricName: "CPUUtilization",
      dimensions: { InstanceId: "i-1" },
      statistic: "Average",
      period: 300,
      evaluationPeriods: 3,
      threshold: 80,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "missing",
    },
  };
}

describe("alarm specs", () => {
  describe("loadBalancerAlarms", () => {
    const alarms = bySuffix(
      loadBalancerAlarms({ loadBalancerArnSuffix: LB, targetGroupArnSuffix: TG }),
    );

    it("adds four alarms on AWS/ApplicationELB: target 5xx, load-balancer 5xx, no healthy target, slow responses", () => {
      expect(Object.keys(alarms)).to.deep.equal([
        "lb-target-5xx",
        "lb-elb-5xx",
        "lb-no-healthy-targets",
        "lb-slow-responses",
      ]);
      for (const a of Object.values(alarms))
        expect(a.spec.namespace).to.equal("AWS/ApplicationELB");
    });

    it("counts server errors from OpenEMR per target group and from the load balancer per load balancer, 10 per 5 minutes for 15 minutes", () => {
      expect(metricOf(alarms["lb-target-5xx"].spec)).to.deep.equal({
        namespace: "AWS/ApplicationELB",
        metricName: "HTTPCode_Target_5XX_Count",
        dimensions: { LoadBalancer: LB, TargetGroup: TG },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 3,
        threshold: 10,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      });
      // HTTPCode_ELB_5XX_Count has no TargetGroup dimension
      expect(metricOf(alarms["lb-elb-5xx"].spec)).to.deep.equal({
        namespace: "AWS/ApplicationELB",
        metricName: "HTTPCode_ELB_5XX_Count",
        dimensions: { LoadBalancer: LB },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 3,
        threshold: 10,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      });
    });

    it("alarms when no target is healthy for 5 minutes, and treats a gap as the outage", () => {
      expect(metricOf(alarms["lb-no-healthy-targets"].spec)).to.deep.equal({
        namespace: "AWS/ApplicationELB",
        metricName: "HealthyHostCount",
        dimensions: { LoadBalancer: LB, TargetGroup: TG },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 5,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
      });
    });

    it("alarms on a p95 response time above 3 s for 15 minutes, ignoring too few requests for a percentile", () => {
      const spec = alarms["lb-slow-responses"].spec;
      expect(spec.statistic).to.equal(undefined);
      expect(spec.extendedStatistic).to.equal("p95");
      expect(spec.evaluateLowSampleCountPercentiles).to.equal("ignore");
      expect(metricOf(spec)).to.deep.include({
        metricName: "TargetResponseTime",
        dimensions: { LoadBalancer: LB, TargetGroup: TG },
        period: 300,
        evaluationPeriods: 3,
        threshold: 3,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
      });
      const slower = loadBalancerAlarms({
        loadBalancerArnSuffix: LB,
        targetGroupArnSuffix: TG,
        slowSeconds: 5,
      });
      expect(bySuffix(slower)["lb-slow-responses"].spec.threshold).to.equal(5);
    });

    it("refuses ARNs where the ARN suffixes go, and response times AWS would not make sense of", () => {
      const arn = `arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/${LB}`;
      expect(() =>
        loadBalancerAlarms({ loadBalancerArnSuffix: arn, targetGroupArnSuffix: TG }),
      ).to.throw(/loadBalancerArnSuffix.*not an ARN suffix like app\/<name>\/<id>/);
      expect(() =>
        loadBalancerAlarms({ loadBalancerArnSuffix: LB, targetGroupArnSuffix: LB }),
      ).to.throw(/targetGroupArnSuffix.*targetgroup\/<name>\/<id>/);
      for (const slowSeconds of [0, -1, NaN, 3600]) {
        expect(
          () =>
            loadBalancerAlarms({
              loadBalancerArnSuffix: LB,
              targetGroupArnSuffix: TG,
              slowSeconds,
            }),
          String(slowSeconds),
        ).to.throw(/slowSeconds/);
      }
    });
  });

  describe("fargateServiceAlarms", () => {
    const args = {
      clusterName: "openemr-prod",
      serviceName: "openemr-prod-openemr",
      desiredMin: 2,
    };
    const alarms = bySuffix(fargateServiceAlarms(args));
    const dimensions = { ClusterName: "openemr-prod", ServiceName: "openemr-prod-openemr" };

    it("alarms when the running tasks stay below the minimum for 15 minutes (Container Insights), a gap counting as none", () => {
      expect(metricOf(alarms["tasks-below-minimum"].spec)).to.deep.equal({
        namespace: "ECS/ContainerInsights",
        metricName: "RunningTaskCount",
        dimensions,
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 3,
        threshold: 2,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
      });
      const one = fargateServiceAlarms({ ...args, desiredMin: 1 })[0];
      expect(one.spec.threshold).to.equal(1);
      expect(one.description).to.match(/^fewer than 1 OpenEMR task was running/);
    });

    it("adds the service's CPU (average) and memory (busiest task) at 90% for 15 minutes unless utilization is off", () => {
      expect(Object.keys(alarms)).to.deep.equal([
        "tasks-below-minimum",
        "tasks-cpu-high",
        "tasks-memory-high",
      ]);
      expect(metricOf(alarms["tasks-cpu-high"].spec)).to.deep.equal({
        namespace: "AWS/ECS",
        metricName: "CPUUtilization",
        dimensions,
        statistic: "Average",
        period: 300,
        evaluationPeriods: 3,
        threshold: 90,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
      });
      expect(metricOf(alarms["tasks-memory-high"].spec)).to.deep.include({
        namespace: "AWS/ECS",
        metricName: "MemoryUtilization",
        statistic: "Maximum",
        threshold: 90,
      });
      const lean = fargateServiceAlarms({ ...args, utilization: false });
      expect(lean.map((a) => a.suffix)).to.deep.equal(["tasks-below-minimum"]);
    });

    it("refuses a minimum that is not a whole number of tasks, and empty names", () => {
      for (const desiredMin of [0, -1, 1.5, NaN]) {
        expect(() => fargateServiceAlarms({ ...args, desiredMin }), String(desiredMin)).to.throw(
          /desiredMin/,
        );
      }
      expect(() => fargateServiceAlarms({ ...args, clusterName: "" })).to.throw(/clusterName/);
      expect(() => fargateServiceAlarms({ ...args, serviceName: "  " })).to.throw(/serviceName/);
    });
  });

  describe("rdsInstanceAlarms", () => {
    const alarms = bySuffix(rdsInstanceAlarms({ identifier: "openemr-staging-db" }));
    const dimensions = { DBInstanceIdentifier: "openemr-staging-db" };

    it("keeps the standard tier's db-cpu-high and db-storage-low as they were (treatMissingData: AWS's default)", () => {
      // components/tiers/standard-tier.ts databaseAlarms(), before the builders
      expect(alarms["db-cpu-high"].spec).to.deep.equal({
        namespace: "AWS/RDS",
        metricName: "CPUUtilization",
        dimensions,
        statistic: "Average",
        period: 300,
        evaluationPeriods: 3,
        threshold: 80,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "missing",
      });
      expect(alarms["db-storage-low"].spec).to.deep.equal({
        namespace: "AWS/RDS",
        metricName: "FreeStorageSpace",
        dimensions,
        statistic: "Minimum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 2 * 1024 ** 3,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "missing",
      });
      expect(alarms["db-cpu-high"].description).to.match(
        /^database CPU above 80% for 15 minutes: /,
      );
      expect(alarms["db-storage-low"].description).to.match(/^database free storage below 2 GiB: /);
    });

    it("adds freeable memory below 128 MiB for 15 minutes", () => {
      expect(Object.keys(alarms)).to.deep.equal(["db-cpu-high", "db-storage-low", "db-memory-low"]);
      expect(metricOf(alarms["db-memory-low"].spec)).to.deep.equal({
        namespace: "AWS/RDS",
        metricName: "FreeableMemory",
        dimensions,
        statistic: "Minimum",
        period: 300,
        evaluationPeriods: 3,
        threshold: 128 * 1024 ** 2,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "missing",
      });
      const custom = rdsInstanceAlarms({
        identifier: "x",
        freeableMemoryLowBytes: 256 * 1024 ** 2,
      });
      expect(bySuffix(custom)["db-memory-low"].description).to.contain("below 256 MiB");
      expect(() => rdsInstanceAlarms({ identifier: "x", freeableMemoryLowBytes: 0 })).to.throw(
        /freeableMemoryLowBytes/,
      );
    });
  });

  describe("auroraAlarms", () => {
    const alarms = bySuffix(auroraAlarms({ clusterIdentifier: "openemr-prod-db", maxAcu: 16 }));
    const writer = { DBClusterIdentifier: "openemr-prod-db", Role: "WRITER" };

    it("alarms when the cluster holds 95% of its maximum capacity for 15 minutes", () => {
      expect(metricOf(alarms["db-capacity-at-max"].spec)).to.deep.equal({
        namespace: "AWS/RDS",
        metricName: "ServerlessDatabaseCapacity",
        dimensions: { DBClusterIdentifier: "openemr-prod-db" },
        statistic: "Average",
        period: 300,
        evaluationPeriods: 3,
        threshold: 15.2,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
      });
    });

    it("alarms at 80% of the writer's default max_connections, from AWS's table by maximum ACU", () => {
      expect(metricOf(alarms["db-connections-high"].spec)).to.deep.equal({
        namespace: "AWS/RDS",
        metricName: "DatabaseConnections",
        dimensions: writer,
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 3,
        threshold: 1600,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
      });
      expect([1, 2, 4, 8, 10, 16, 32, 64, 128, 256].map(auroraMysqlMaxConnections)).to.deep.equal([
        90, 90, 135, 1000, 1000, 2000, 3000, 4000, 5000, 5000,
      ]);
      const small = auroraAlarms({ clusterIdentifier: "c", maxAcu: 1, cpu: false });
      expect(bySuffix(small)["db-connections-high"].spec.threshold).to.equal(72);
      const set = auroraAlarms({ clusterIdentifier: "c", maxAcu: 1, maxConnections: 50 });
      expect(bySuffix(set)["db-connections-high"].spec.threshold).to.equal(50);
    });

    it("alarms on the writer's CPU at 90% of what the maximum capacity allows, unless cpu is off", () => {
      expect(metricOf(alarms["db-writer-cpu-high"].spec)).to.deep.include({
        metricName: "CPUUtilization",
        dimensions: writer,
        statistic: "Average",
        threshold: 90,
        treatMissingData: "missing",
      });
      expect(
        auroraAlarms({ clusterIdentifier: "c", maxAcu: 16, cpu: false }).map((a) => a.suffix),
      ).to.deep.equal(["db-capacity-at-max", "db-connections-high"]);
      expect(
        auroraAlarms({ clusterIdentifier: "c", maxAcu: 16, cpu: false, connections: false }).map(
          (a) => a.suffix,
        ),
      ).to.deep.equal(["db-capacity-at-max"]);
    });

    it("refuses a maximum capacity Aurora Serverless v2 would not take", () => {
      for (const maxAcu of [0, 0.5, 1.25, 256.5, 300, NaN]) {
        expect(() => auroraAlarms({ clusterIdentifier: "c", maxAcu }), String(maxAcu)).to.throw(
          /maxAcu/,
        );
      }
      expect(() => auroraAlarms({ clusterIdentifier: "c", maxAcu: 4, maxConnections: 0 })).to.throw(
        /maxConnections/,
      );
    });
  });

  describe("valkeyServerlessAlarms", () => {
    it("alarms on throttled commands of the serverless cache, by its clusterId dimension", () => {
      const alarms = valkeyServerlessAlarms({ cacheName: "openemr-prod-sessions" });
      expect(alarms.map((a) => a.suffix)).to.deep.equal(["sessions-throttled"]);
      expect(metricOf(alarms[0].spec)).to.deep.equal({
        namespace: "AWS/ElastiCache",
        metricName: "ThrottledCmds",
        dimensions: { clusterId: "openemr-prod-sessions" },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 3,
        threshold: 10,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      });
    });

    it("adds the data stored against its maximum when one is given, and refuses one ElastiCache would not take", () => {
      const alarms = bySuffix(
        valkeyServerlessAlarms({ cacheName: "openemr-prod-sessions", maxDataStorageGb: 5 }),
      );
      expect(metricOf(alarms["sessions-storage-high"].spec)).to.deep.equal({
        namespace: "AWS/ElastiCache",
        metricName: "BytesUsedForCache",
        dimensions: { clusterId: "openemr-prod-sessions" },
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 3,
        threshold: 4e9,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
      });
      for (const maxDataStorageGb of [0, 2.5, -5]) {
        expect(
          () => valkeyServerlessAlarms({ cacheName: "c", maxDataStorageGb }),
          String(maxDataStorageGb),
        ).to.throw(/maxDataStorageGb/);
      }
    });
  });

  describe("every alarm", () => {
    const all = everyAlarm();
    // the longest stack name: `openemr-<40 characters>`
    const longest = `openemr-${"s".repeat(STACK_NAME_MAX)}`;

    it("has a one-line description, within AlarmDescription's 1024 characters once prefixed, with a first action", () => {
      expect(all).to.have.length(4 + 3 + 3 + 3 + 2);
      expect(new Set(all.map((a) => a.suffix)).size, "distinct suffixes").to.equal(all.length);
      for (const { suffix, description } of all) {
        const prefixed = `${longest}: ${description}`;
        expect(prefixed.length, suffix).to.be.at.most(CLOUDWATCH_LIMITS.alarmDescription);
        expect(description.length, suffix).to.be.at.most(DESCRIPTION_MAX);
        expect(
          [...description].every((c) => c.charCodeAt(0) >= 0x20),
          suffix,
        ).to.equal(true);
        const [what, ...rest] = description.split(": ");
        const action = rest.join(": ");
        expect(what.length, `${suffix}: what happened`).to.be.greaterThan(10);
        expect(action.length, `${suffix}: first action`).to.be.greaterThan(10);
        expect(action, suffix).to.match(/^[a-z]/);
      }
    });

    it("has a name within AlarmName's 255 characters on the longest stack name, with the provider's suffix", () => {
      for (const { suffix } of all) {
        // `<logical name>-<7 random>`: the provider's autoname
        const name = `${longest}-${suffix}-abcdefg`;
        expect(name.length, suffix).to.be.at.most(CLOUDWATCH_LIMITS.alarmName);
        expect(suffix).to.match(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      }
    });

    it("uses one standard-resolution metric (periods of 60 s or more, multiples of 60) and a missing-data choice", () => {
      for (const { suffix, spec } of all) {
        expect(spec.period % 60, suffix).to.equal(0);
        expect(spec.period, suffix).to.be.at.least(60);
        expect(spec.evaluationPeriods, suffix).to.be.at.least(1);
        expect(spec.period * spec.evaluationPeriods, suffix).to.be.at.most(86_400);
        expect(["breaching", "notBreaching", "missing"], suffix).to.include(spec.treatMissingData);
        expect(spec.metricQueries, suffix).to.equal(undefined);
        // quiet at night: nothing fires on one bad minute
        expect(spec.period * spec.evaluationPeriods, suffix).to.be.at.least(300);
      }
    });

    it("keeps the fargate tier at 8 alarms ($0.80/month) with distinct suffixes next to backup-failed", () => {
      const set = fargateSet();
      expect(set).to.have.length(8);
      const suffixes = [...set.map((a) => a.suffix), "backup-failed"];
      expect(new Set(suffixes).size).to.equal(suffixes.length);
      const standard = [
        ...rdsInstanceAlarms({ identifier: "d" }),
        ...loadBalancerAlarms({ loadBalancerArnSuffix: LB, targetGroupArnSuffix: TG }),
      ].map((a) => a.suffix);
      expect(new Set([...standard, "backup-failed"]).size).to.equal(standard.length + 1);
    });
  });

  describe("checkAlarm refuses what PutMetricAlarm would", () => {
    const broken: [string, (a: AlarmDefinition) => void, RegExp][] = [
      ["a 30 s (high-resolution) period", (a) => (a.spec.period = 30), /multiple of 60/],
      ["a 90 s period", (a) => (a.spec.period = 90), /multiple of 60/],
      ["no evaluation period", (a) => (a.spec.evaluationPeriods = 0), /evaluationPeriods/],
      ["1.5 evaluation periods", (a) => (a.spec.evaluationPeriods = 1.5), /evaluationPeriods/],
      ["more than a day in 5-minute periods", (a) => (a.spec.evaluationPeriods = 289), /86400/],
      [
        "more than a week",
        (a) => Object.assign(a.spec, { period: 3600, evaluationPeriods: 169 }),
        /604800/,
      ],
      ["more datapoints than periods", (a) => (a.spec.datapointsToAlarm = 4), /datapointsToAlarm/],
      ["both statistics", (a) => (a.spec.extendedStatistic = "p95"), /exactly one/],
      ["neither statistic", (a) => (a.spec.statistic = undefined), /exactly one/],
      [
        "an unknown statistic",
        (a) => ((a.spec as { statistic: string }).statistic = "Mean"),
        /statistic Mean/,
      ],
      [
        "a percentile above 100",
        (a) => Object.assign(a.spec, { statistic: undefined, extendedStatistic: "p101" }),
        /percentile/,
      ],
      [
        "an upper-case percentile",
        (a) => Object.assign(a.spec, { statistic: undefined, extendedStatistic: "P95" }),
        /percentile/,
      ],
      [
        "p0",
        (a) => Object.assign(a.spec, { statistic: undefined, extendedStatistic: "p0" }),
        /percentile/,
      ],
      [
        "low-sample handling without a percentile",
        (a) => (a.spec.evaluateLowSampleCountPercentiles = "ignore"),
        /percentile alarms/,
      ],
      [
        "an anomaly-detection operator",
        (a) =>
          ((a.spec as { comparisonOperator: string }).comparisonOperator =
            "LessThanLowerThreshold"),
        /not a static one/,
      ],
      [
        "an unknown missing-data value",
        (a) => ((a.spec as { treatMissingData: string }).treatMissingData = "zero"),
        /treatMissingData/,
      ],
      ["an infinite threshold", (a) => (a.spec.threshold = Infinity), /finite/],
      ["no dimension", (a) => (a.spec.dimensions = {}), /dimensions/],
      [
        "31 dimensions",
        (a) =>
          (a.spec.dimensions = Object.fromEntries(
            [...Array(31).keys()].map((i) => [`d${i}`, "v"]),
          )),
        /dimensions/,
      ],
      [
        "a dimension name starting with a colon",
        (a) => (a.spec.dimensions = { ":x": "v" }),
        /dimension name/,
      ],
      ["a namespace starting with a colon", (a) => (a.spec.namespace = ":AWS"), /Namespace/],
      ["an empty metric name", (a) => (a.spec.metricName = ""), /MetricName/],
      ["a 256-character metric name", (a) => (a.spec.metricName = "m".repeat(256)), /MetricName/],
      ["an upper-case suffix", (a) => (a.suffix = "CPU-high"), /suffix/],
      ["a 65-character suffix", (a) => (a.suffix = "x".repeat(65)), /suffix/],
      ["a two-line description", (a) => (a.description = "x is high: look\nat x"), /one line/],
      [
        "a description without a first action",
        (a) => (a.description = "x is high"),
        /what to do first/,
      ],
      [
        "a description with an empty first action",
        (a) => (a.description = "x is high:  "),
        /what to do first/,
      ],
      [
        "a description too long once prefixed",
        (a) => (a.description = `x: ${"y".repeat(DESCRIPTION_MAX)}`),
        /AlarmDescription/,
      ],
    ];

    it("accepts the valid spec the cases start from", () => {
      expect(() => checkAlarm(valid())).not.to.throw();
    });

    it("accepts no dimension on the program's own metrics only (a log metric filter's)", () => {
      const own = valid();
      own.spec = {
        ...own.spec,
        namespace: "OpenEMR",
        metricName: "dev-ImportSucceeded",
        dimensions: {},
      };
      expect(() => checkAlarm(own)).not.to.throw();
      const aws = valid();
      aws.spec.dimensions = {};
      expect(() => checkAlarm(aws)).to.throw("alarm x-high: 1 to 30 dimensions are needed");
    });

    for (const [what, breakIt, message] of broken) {
      it(`refuses ${what}`, () => {
        const alarm = valid();
        breakIt(alarm);
        expect(() => checkAlarm(alarm)).to.throw(message);
      });
    }
  });

  describe("an ARN for an ARN suffix", () => {
    it("fails the plan when a load balancer's ARN is passed for its ARN suffix", async () => {
      let error: unknown;
      await planComponent(() => {
        const lb = new aws.lb.LoadBalancer("openemr-test-alb", { loadBalancerType: "application" });
        const tg = new aws.lb.TargetGroup("openemr-test-tg", { port: 443, protocol: "HTTPS" });
        const m = monitoring("openemr-test", {}, {});
        for (const a of loadBalancerAlarms({
          loadBalancerArnSuffix: lb.arn,
          targetGroupArnSuffix: tg.arnSuffix,
        })) {
          m.alarm(a.suffix, a.description, a.spec);
        }
      }).catch((err: unknown) => (error = err));
      expect(String(error)).to.contain("is not an ARN suffix like app/<name>/<id>");
    });
  });

  describe("fed to monitoring()", () => {
    let p: ComponentPlan;
    let expected: AlarmDefinition[];
    before(async () => {
      p = await planComponent(() => {
        const lb = new aws.lb.LoadBalancer("openemr-test-alb", { loadBalancerType: "application" });
        const tg = new aws.lb.TargetGroup("openemr-test-tg", { port: 443, protocol: "HTTPS" });
        const cache = new aws.elasticache.ServerlessCache("openemr-test-sessions", {
          name: "openemr-test-sessions",
          engine: "valkey",
        });
        const tier = new pulumi.ComponentResource("test:index:Tier", "tier");
        const m = monitoring("openemr-test", {}, { parent: tier });
        expected = [
          ...loadBalancerAlarms({
            loadBalancerArnSuffix: lb.arnSuffix,
            targetGroupArnSuffix: tg.arnSuffix,
          }),
          ...fargateServiceAlarms({
            clusterName: "openemr-test",
            serviceName: "openemr-test-openemr",
            desiredMin: 2,
          }),
          ...rdsInstanceAlarms({ identifier: "openemr-test-db" }),
          ...auroraAlarms({ clusterIdentifier: "openemr-test-db", maxAcu: 16 }),
          ...valkeyServerlessAlarms({ cacheName: cache.name, maxDataStorageGb: 5 }),
        ];
        for (const a of expected) m.alarm(a.suffix, a.description, a.spec);
        return {
          topicArn: m.topic.arn,
          loadBalancerArnSuffix: lb.arnSuffix,
          targetGroupArnSuffix: tg.arnSuffix,
        };
      });
    });

    it("creates one alarm per spec, every one notifying the topic when it fires and when it clears", () => {
      const alarms = p.ofType(ALARM);
      expect(alarms).to.have.length(expected.length);
      const topic = p.named("openemr-test-alarms", TOPIC);
      for (const alarm of alarms) {
        for (const action of ["alarmActions", "okActions"]) {
          expect(alarm.props[action], `${alarm.name}.${action}`).to.deep.equal([
            p.outputs.topicArn,
          ]);
          expect(
            p.dependenciesOf(alarm, action).map((r) => r.urn),
            `${alarm.name}.${action}`,
          ).to.deep.equal([topic.urn]);
        }
        expect(alarm.props.alarmDescription, alarm.name).to.match(/^openemr-test: [^:]+: \S/);
      }
    });

    it("resolves the load balancer and cache dimensions from the resources' outputs", () => {
      const target5xx = p.named("openemr-test-lb-target-5xx", ALARM);
      expect(target5xx.props.dimensions).to.deep.equal({
        LoadBalancer: p.outputs.loadBalancerArnSuffix,
        TargetGroup: p.outputs.targetGroupArnSuffix,
      });
      expect(p.outputs.loadBalancerArnSuffix).to.match(/^app\/openemr-test-alb\/[0-9a-f]+$/);
      expect(p.outputs.targetGroupArnSuffix).to.match(/^targetgroup\/openemr-test-tg\/[0-9a-f]+$/);
      expect(p.named("openemr-test-lb-elb-5xx", ALARM).props.dimensions).to.deep.equal({
        LoadBalancer: p.outputs.loadBalancerArnSuffix,
      });
      expect(p.dependenciesOf(target5xx, "dimensions").map((r) => r.name)).to.have.members([
        "openemr-test-alb",
        "openemr-test-tg",
      ]);
      const throttled = p.named("openemr-test-sessions-throttled", ALARM);
      expect(throttled.props.dimensions).to.deep.equal({ clusterId: "openemr-test-sessions" });
      expect(p.named("openemr-test-lb-slow-responses", ALARM).props).to.deep.include({
        extendedStatistic: "p95",
        evaluateLowSampleCountPercentiles: "ignore",
      });
    });

    it("breaks none of the AWS name and length rules the plan checks", () => {
      const violations = checkAwsRules(p.plan);
      expect(violations, formatViolations(violations)).to.deep.equal([]);
    });
  });
});

describe("importFailedAlarm", () => {
  it("alarms within 5 minutes on a reported 0, never on silence, and says what to read first", () => {
    const a = importFailedAlarm({
      metric: { namespace: "OpenEMR", metricName: "ImportSucceeded", dimensions: { Stack: "dev" } },
      log: "/var/log/openemr-import.log on the instance",
    });
    expect(a.suffix).to.equal("import-failed");
    expect(a.description).to.equal(
      "the import of the backup set in openemr:restoreFrom failed and OpenEMR was not started on it: read /var/log/openemr-import.log on the instance first, then docs/migrate.md#if-the-import-fails",
    );
    expect(a.spec).to.deep.equal({
      namespace: "OpenEMR",
      metricName: "ImportSucceeded",
      dimensions: { Stack: "dev" },
      statistic: "Minimum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "notBreaching",
    });
  });
});
