import { COMPUTED, type PlanValue } from "../../tools/plan/types";
import {
  addResource,
  dropResource,
  editProps,
  mutate,
  resource,
  setProp,
  unsetProp,
  valueAt,
  type PlanEdit,
  type Target,
} from "../helpers/mutate";
import { expectPass, expectViolation, express, fargate, standard } from "./verdict";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";

// The express (dev) plan's web server group, with inline ingress (443 from the clinic's CIDR).
const WEB_SG: Target = [SG, "openemr-dev-web-sg"];
// The standard (staging) plan's load balancer: its group opens 443 and 80 through rule resources.
const LB_IN_443: Target = [INGRESS_RULE, "openemr-staging-lb-in-443-198-51-100-0-24"];
const LB_IN_80: Target = [INGRESS_RULE, "openemr-staging-lb-in-80-198-51-100-0-24"];

type Rule = Record<string, PlanValue>;

/** The express plan with its web server group's ingress rebuilt from the planned 443 rule. */
async function webIngress(build: (planned443: Rule) => Rule[]) {
  return mutate(
    await express(),
    editProps(WEB_SG, (props) => {
      const planned = props["ingress"];
      const rule = Array.isArray(planned) && planned.length === 1 ? planned[0] : undefined;
      if (
        typeof rule !== "object" ||
        rule === null ||
        Array.isArray(rule) ||
        rule["fromPort"] !== 443
      ) {
        throw new Error("expected the express web server group to open 443, and only 443");
      }
      props["ingress"] = build(rule);
    }),
  );
}

/** The express plan's web server group opening `extra` besides what the program opens. */
const webSgWith = (...extra: Rule[]) => webIngress((planned) => [planned, ...extra]);

/** The express plan's web server group with its 443 rule changed by `change`. */
const web443 = (change: Rule) => webIngress((planned) => [{ ...planned, ...change }]);

/** The standard plan with its load balancer's 443 and 80 rules opened to the internet. */
async function worldOpenLoadBalancer(...edits: PlanEdit[]) {
  return mutate(
    await standard(),
    setProp(LB_IN_443, "cidrIpv4", "0.0.0.0/0"),
    setProp(LB_IN_80, "cidrIpv4", "0.0.0.0/0"),
    ...edits,
  );
}

describe("security-group-ingress", () => {
  const policy = "security-group-ingress";
  it("passes 443 from anywhere and any port from a private or clinic CIDR", async () =>
    expectPass(
      await webIngress((planned): Rule[] => [
        { ...planned, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
        { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"] },
        { protocol: "tcp", fromPort: 3306, toPort: 3306, securityGroups: [COMPUTED] },
      ]),
      policy,
      WEB_SG,
    ));
  it("catches SSH open to the internet (IPv4 and IPv6)", async () => {
    await expectViolation(
      await webSgWith({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }),
      policy,
      {
        resource: "openemr-dev-web-sg",
        says: ["tcp port 22 from 0.0.0.0/0", "openemr:allowedCidrs"],
      },
    );
    await expectViolation(
      await webSgWith({ protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["::/0"] }),
      policy,
      { resource: "openemr-dev-web-sg", says: ["from ::/0"] },
    );
  });
  it("catches a port range that includes 443", async () =>
    expectViolation(
      await web443({ fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }),
      policy,
      { resource: "openemr-dev-web-sg", says: ["ports 0-65535"] },
    ));
  it("catches all traffic and non-TCP 443 from the internet", async () => {
    await expectViolation(
      await web443({ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }),
      policy,
      { resource: "openemr-dev-web-sg", says: ["all traffic"] },
    );
    await expectViolation(await web443({ protocol: "udp", cidrBlocks: ["0.0.0.0/0"] }), policy, {
      resource: "openemr-dev-web-sg",
      says: ["udp port 443"],
    });
  });
  it("allows 80 on a load balancer whose port-80 listener only redirects to HTTPS", async () =>
    expectPass(await worldOpenLoadBalancer(), policy, [LB_IN_80, LB_IN_443]));
  it("catches 80 on a load balancer whose port-80 listener forwards", async () => {
    const https = resource(await standard(), [
      "aws:lb/listener:Listener",
      "openemr-staging-lb-https",
    ]);
    const forward = valueAt(https, "defaultActions");
    if (forward === undefined) throw new Error("the HTTPS listener has no default actions");
    await expectViolation(
      await worldOpenLoadBalancer(
        setProp(["aws:lb/listener:Listener", "openemr-staging-lb-http"], "defaultActions", forward),
      ),
      policy,
      {
        resource: "openemr-staging-lb-in-80-198-51-100-0-24",
        says: [
          'Security group rule "openemr-staging-lb-in-80-198-51-100-0-24" (group "openemr-staging-lb-sg")',
          "tcp port 80",
        ],
      },
    );
  });
  it("catches 80 on a group that fronts no load balancer", async () =>
    expectViolation(
      await webSgWith({ protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] }),
      policy,
      { resource: "openemr-dev-web-sg", says: ["tcp port 80", "only redirects to HTTPS"] },
    ));
  it("checks aws.ec2.SecurityGroupRule ingress and ignores egress", async () => {
    // The program declares rules with aws.vpc.SecurityGroup{Ingress,Egress}Rule, never with
    // aws.ec2.SecurityGroupRule: two small hand-written ones on the standard plan's database group.
    const DB_SG: Target = [SG, "openemr-staging-db-sg"];
    const rule = (name: string, props: Record<string, PlanValue>): PlanEdit =>
      addResource({
        type: SG_RULE,
        name,
        props: { securityGroupId: COMPUTED, cidrBlocks: ["0.0.0.0/0"], ...props },
        deps: { securityGroupId: [DB_SG] },
      });
    const plan = mutate(
      await standard(),
      rule("db-in", { type: "ingress", protocol: "tcp", fromPort: 3306, toPort: 3306 }),
      rule("db-out", { type: "egress", protocol: "-1", fromPort: 0, toPort: 0 }),
    );
    await expectViolation(plan, policy, {
      resource: "db-in",
      says: ["tcp port 3306", '(group "openemr-staging-db-sg")'],
    });
  });
  it("honours allowedPublicPorts", async () =>
    expectPass(
      await webSgWith({ protocol: "tcp", fromPort: 8443, toPort: 8443, cidrBlocks: ["0.0.0.0/0"] }),
      policy,
      WEB_SG,
      { [policy]: { allowedPublicPorts: [443, 8443] } },
    ));
});

describe("rds-not-publicly-accessible", () => {
  const policy = "rds-not-publicly-accessible";
  const DB: Target = ["aws:rds/instance:Instance", "openemr-staging-db"];
  const WRITER: Target = ["aws:rds/clusterInstance:ClusterInstance", "openemr-prod-db-writer"];
  it("passes the standard and fargate plans' private databases", async () => {
    await expectPass(await standard(), policy, DB);
    await expectPass(await fargate(), policy, WRITER);
  });
  it("catches public instances and Aurora instances", async () => {
    await expectViolation(
      mutate(await standard(), setProp(DB, "publiclyAccessible", true)),
      policy,
      {
        resource: "openemr-staging-db",
        says: ["publiclyAccessible: false"],
      },
    );
    await expectViolation(
      mutate(await fargate(), setProp(WRITER, "publiclyAccessible", true)),
      policy,
      { resource: "openemr-prod-db-writer", says: ["publiclyAccessible: false"] },
    );
  });
});

describe("s3-bucket-public-access-block", () => {
  const policy = "s3-bucket-public-access-block";
  const BUCKET: Target = ["aws:s3/bucket:Bucket", "openemr-staging-audit-logs"];
  const PAB: Target = [
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "openemr-staging-audit-logs-public-access",
  ];
  it("passes the standard plan's buckets", async () =>
    expectPass(await standard(), policy, BUCKET));
  it("catches a bucket without a public access block", async () =>
    expectViolation(mutate(await standard(), dropResource(PAB)), policy, {
      resource: "openemr-staging-audit-logs",
      says: ["no public access block", "restrictPublicBuckets"],
    }));
  it("catches a block that leaves settings off, naming them", async () =>
    expectViolation(
      mutate(
        await standard(),
        setProp(PAB, "blockPublicPolicy", false),
        unsetProp(PAB, "ignorePublicAcls"),
      ),
      policy,
      { resource: "openemr-staging-audit-logs", says: ["blockPublicPolicy, ignorePublicAcls"] },
    ));
});

describe("ec2-imdsv2-required", () => {
  const policy = "ec2-imdsv2-required";
  const WEB: Target = ["aws:ec2/instance:Instance", "openemr-staging-web"];
  const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
  // The program never creates launch templates: small hand-written ones on the standard plan.
  const withTemplate = async (props: Record<string, PlanValue>) =>
    mutate(await standard(), addResource({ type: LAUNCH_TEMPLATE, name: "lt", props }));
  it("passes required tokens, and a disabled endpoint", async () => {
    await expectPass(await standard(), policy, WEB);
    await expectPass(
      mutate(
        await standard(),
        setProp(WEB, "metadataOptions.httpTokens", "optional"),
        setProp(WEB, "metadataOptions.httpEndpoint", "disabled"),
      ),
      policy,
      WEB,
    );
    await expectPass(
      await withTemplate({ metadataOptions: { httpEndpoint: "disabled" } }),
      policy,
      [LAUNCH_TEMPLATE, "lt"],
    );
  });
  it("catches optional tokens and missing metadata options", async () => {
    await expectViolation(
      mutate(await standard(), setProp(WEB, "metadataOptions.httpTokens", "optional")),
      policy,
      { resource: "openemr-staging-web", says: ['httpTokens: "required"'] },
    );
    await expectViolation(mutate(await standard(), unsetProp(WEB, "metadataOptions")), policy, {
      resource: "openemr-staging-web",
      says: ['metadataOptions: { httpTokens: "required" }'],
    });
    await expectViolation(await withTemplate({}), policy, {
      resource: "lt",
      says: ["Launch template", 'httpTokens: "required"'],
    });
  });
  it("leaves an instance launched from a template to the template", async () =>
    expectPass(
      mutate(
        await standard(),
        unsetProp(WEB, "metadataOptions"),
        setProp(WEB, "launchTemplate", { id: "lt-1" }),
      ),
      policy,
      WEB,
    ));
});
