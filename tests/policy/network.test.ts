import { COMPUTED } from "../../tools/plan/types";
import {
  expectPass,
  expectViolation,
  hardenedBucket,
  planOf,
  ref,
  single,
  TLS_POLICY,
  type FixtureValue,
  type PlanBuilder,
} from "./fixtures";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";

function inline(ingress: FixtureValue[]) {
  return single(SG, "web", {
    ingress,
    egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
  });
}

/** An ALB whose security group opens 80 and 443 to the world through ingress-rule resources. */
function albWithPort80(b: PlanBuilder, http: Record<string, FixtureValue>) {
  const sg = b.add(SG, "alb-sg", {});
  for (const port of [443, 80]) {
    b.add(INGRESS_RULE, `alb-in-${port}`, {
      securityGroupId: ref(sg),
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      cidrIpv4: "0.0.0.0/0",
    });
  }
  const lb = b.add("aws:lb/loadBalancer:LoadBalancer", "alb", { securityGroups: [ref(sg)] });
  b.add("aws:lb/listener:Listener", "https", {
    loadBalancerArn: ref(lb),
    port: 443,
    protocol: "HTTPS",
    sslPolicy: TLS_POLICY,
    certificateArn: COMPUTED,
    defaultActions: [{ type: "forward" }],
  });
  b.add("aws:lb/listener:Listener", "http", {
    loadBalancerArn: ref(lb),
    port: 80,
    protocol: "HTTP",
    ...http,
  });
}

const REDIRECT = {
  defaultActions: [
    { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
  ],
};

describe("security-group-ingress", () => {
  const policy = "security-group-ingress";
  it("passes 443 from anywhere and any port from a private or clinic CIDR", () =>
    expectPass(
      inline([
        {
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: ["0.0.0.0/0"],
          ipv6CidrBlocks: ["::/0"],
        },
        { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"] },
        { protocol: "tcp", fromPort: 3306, toPort: 3306, securityGroups: [COMPUTED] },
      ]),
      policy,
    ));
  it("catches SSH open to the internet (IPv4 and IPv6)", async () => {
    await expectViolation(
      inline([{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }]),
      policy,
      {
        resource: "web",
        says: ["tcp port 22 from 0.0.0.0/0", "openemr:allowedCidrs"],
      },
    );
    await expectViolation(
      inline([{ protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["::/0"] }]),
      policy,
      {
        resource: "web",
        says: ["from ::/0"],
      },
    );
  });
  it("catches a port range that includes 443", () =>
    expectViolation(
      inline([{ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }]),
      policy,
      {
        resource: "web",
        says: ["ports 0-65535"],
      },
    ));
  it("catches all traffic and non-TCP 443 from the internet", async () => {
    await expectViolation(
      inline([{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }]),
      policy,
      {
        resource: "web",
        says: ["all traffic"],
      },
    );
    await expectViolation(
      inline([{ protocol: "udp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]),
      policy,
      {
        resource: "web",
        says: ["udp port 443"],
      },
    );
  });
  it("allows 80 on a load balancer whose port-80 listener only redirects to HTTPS", () =>
    expectPass(
      planOf((b) => albWithPort80(b, REDIRECT)),
      policy,
    ));
  it("catches 80 on a load balancer whose port-80 listener forwards", () =>
    expectViolation(
      planOf((b) => albWithPort80(b, { defaultActions: [{ type: "forward" }] })),
      policy,
      {
        resource: "alb-in-80",
        says: ['Security group rule "alb-in-80" (group "alb-sg")', "tcp port 80"],
      },
    ));
  it("catches 80 on a group that fronts no load balancer", () =>
    expectViolation(
      inline([{ protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] }]),
      policy,
      {
        resource: "web",
        says: ["tcp port 80", "only redirects to HTTPS"],
      },
    ));
  it("checks aws.ec2.SecurityGroupRule ingress and ignores egress", async () => {
    const plan = planOf((b) => {
      const sg = b.add(SG, "db-sg", {});
      b.add(SG_RULE, "db-in", {
        type: "ingress",
        securityGroupId: ref(sg),
        protocol: "tcp",
        fromPort: 3306,
        toPort: 3306,
        cidrBlocks: ["0.0.0.0/0"],
      });
      b.add(SG_RULE, "db-out", {
        type: "egress",
        securityGroupId: ref(sg),
        protocol: "-1",
        fromPort: 0,
        toPort: 0,
        cidrBlocks: ["0.0.0.0/0"],
      });
    });
    await expectViolation(plan, policy, {
      resource: "db-in",
      says: ["tcp port 3306", '(group "db-sg")'],
    });
  });
  it("honours allowedPublicPorts", () =>
    expectPass(
      inline([{ protocol: "tcp", fromPort: 8443, toPort: 8443, cidrBlocks: ["0.0.0.0/0"] }]),
      policy,
      {
        [policy]: { allowedPublicPorts: [443, 8443] },
      },
    ));
});

describe("rds-not-publicly-accessible", () => {
  const policy = "rds-not-publicly-accessible";
  it("passes private databases", async () => {
    await expectPass(
      single("aws:rds/instance:Instance", "db", { publiclyAccessible: false }),
      policy,
    );
    await expectPass(single("aws:rds/clusterInstance:ClusterInstance", "writer", {}), policy);
  });
  it("catches public instances and Aurora instances", async () => {
    for (const type of ["aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance"]) {
      await expectViolation(single(type, "db", { publiclyAccessible: true }), policy, {
        resource: "db",
        says: ["publiclyAccessible: false"],
      });
    }
  });
});

describe("s3-bucket-public-access-block", () => {
  const policy = "s3-bucket-public-access-block";
  it("passes the hardened bucket", () =>
    expectPass(
      planOf((b) => hardenedBucket(b, "docs")),
      policy,
    ));
  it("catches a bucket without a public access block", () =>
    expectViolation(
      planOf((b) => b.add("aws:s3/bucket:Bucket", "docs", {})),
      policy,
      {
        resource: "docs",
        says: ["no public access block", "restrictPublicBuckets"],
      },
    ));
  it("catches a block that leaves settings off, naming them", () =>
    expectViolation(
      planOf((b) => {
        const hb = hardenedBucket(b, "docs");
        hb.publicAccessBlock.props["blockPublicPolicy"] = false;
        delete hb.publicAccessBlock.props["ignorePublicAcls"];
      }),
      policy,
      { resource: "docs", says: ["blockPublicPolicy, ignorePublicAcls"] },
    ));
});

describe("ec2-imdsv2-required", () => {
  const policy = "ec2-imdsv2-required";
  it("passes required tokens, and a disabled endpoint", async () => {
    await expectPass(
      single("aws:ec2/instance:Instance", "web", { metadataOptions: { httpTokens: "required" } }),
      policy,
    );
    await expectPass(
      single("aws:ec2/launchTemplate:LaunchTemplate", "lt", {
        metadataOptions: { httpEndpoint: "disabled" },
      }),
      policy,
    );
  });
  it("catches optional tokens and missing metadata options", async () => {
    await expectViolation(
      single("aws:ec2/instance:Instance", "web", { metadataOptions: { httpTokens: "optional" } }),
      policy,
      {
        resource: "web",
        says: ['httpTokens: "required"'],
      },
    );
    await expectViolation(single("aws:ec2/launchTemplate:LaunchTemplate", "lt", {}), policy, {
      resource: "lt",
      says: ["Launch template", 'httpTokens: "required"'],
    });
  });
  it("leaves an instance launched from a template to the template", () =>
    expectPass(
      single("aws:ec2/instance:Instance", "web", { launchTemplate: { id: "lt-1" } }),
      policy,
    ));
});
