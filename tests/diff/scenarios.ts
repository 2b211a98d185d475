// The plan pairs the diff tests compare, each a small story a reviewer meets in a pull request.

import type { PlanFile, PlanResource } from "../../tools/plan/types";
import { component, plan, resource } from "./plans";

export interface Pair {
  base: PlanFile;
  head: PlanFile;
}

const AMI = "ami-0a1b2c3d4e5f60718";
const KEY_A = "arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-0000-0000-0000-000000000001";
const KEY_B = "arn:aws:kms:us-east-1:123456789012:key/bbbbbbbb-0000-0000-0000-000000000002";

/** A volume renamed in code without an alias: a new URN, so Pulumi creates one and deletes the other. */
export function renamePair(): Pair {
  const tier = component("openemr:tier:Express", "openemr");
  const sg = resource({
    type: "aws:ec2/securityGroup:SecurityGroup",
    name: "openemr-web",
    parent: tier,
    props: { description: "OpenEMR web", vpcId: "vpc-0123" },
  });
  const volume = (name: string): PlanResource =>
    resource({
      type: "aws:ebs/volume:Volume",
      name,
      parent: tier,
      protect: true,
      props: {
        availabilityZone: "us-east-1a",
        size: 20,
        type: "gp3",
        encrypted: true,
        kmsKeyId: KEY_A,
      },
    });
  return {
    base: plan([tier, sg, volume("openemr-docker")]),
    head: plan([tier, sg, volume("openemr-data")]),
  };
}

/** Express to Express Plus: the tier component's type changes, so every child gets a new URN. */
export function presetSwitchPair(): Pair {
  const express = component("openemr:tier:Express", "openemr");
  const plus = component("openemr:tier:ExpressPlus", "openemr");
  const web = (parent: PlanResource, instanceType: string): PlanResource =>
    resource({
      type: "aws:ec2/instance:Instance",
      name: "openemr-web",
      parent,
      props: {
        ami: AMI,
        instanceType,
        rootBlockDevice: { encrypted: true, volumeSize: 30, volumeType: "gp3" },
      },
    });
  const logs = (parent: PlanResource, kmsKeyId?: string): PlanResource =>
    resource({
      type: "aws:cloudwatch/logGroup:LogGroup",
      name: "openemr-app",
      parent,
      props: { retentionInDays: 2192, ...(kmsKeyId ? { kmsKeyId } : {}) },
    });
  const key = resource({
    type: "aws:kms/key:Key",
    name: "openemr-key",
    parent: plus,
    props: { enableKeyRotation: true, deletionWindowInDays: 30 },
    protect: true,
  });
  const vault = resource({
    type: "aws:backup/vault:Vault",
    name: "openemr-backup",
    parent: plus,
    props: { kmsKeyArn: KEY_A },
    protect: true,
  });
  return {
    base: plan([express, web(express, "t4g.small"), logs(express)], {
      policy: {
        pack: "openemr-aws-policy",
        passed: true,
        violations: [
          {
            policy: "log-group-cmk",
            level: "advisory",
            urn: logs(express).urn,
            message: "log group openemr-app has no customer-managed KMS key",
          },
        ],
      },
      cost: {
        monthlyUsd: 17.28,
        currency: "USD",
        asOf: "2026-11-01",
        lines: [
          { urn: web(express, "t4g.small").urn, item: "EC2 t4g.small", monthlyUsd: 12.26 },
          { urn: web(express, "t4g.small").urn, item: "EBS gp3 30 GB", monthlyUsd: 2.4 },
          { urn: logs(express).urn, item: "CloudWatch Logs storage", monthlyUsd: 2.62 },
        ],
      },
    }),
    head: plan([plus, web(plus, "t4g.medium"), logs(plus, KEY_A), key, vault], {
      preset: "express-plus",
      policy: { pack: "openemr-aws-policy", passed: true, violations: [] },
      cost: {
        monthlyUsd: 34.14,
        currency: "USD",
        asOf: "2026-11-01",
        lines: [
          { urn: web(plus, "t4g.medium").urn, item: "EC2 t4g.medium", monthlyUsd: 24.53 },
          { urn: web(plus, "t4g.medium").urn, item: "EBS gp3 30 GB", monthlyUsd: 2.4 },
          { urn: logs(plus).urn, item: "CloudWatch Logs storage", monthlyUsd: 2.62 },
          { urn: key.urn, item: "KMS key", monthlyUsd: 1 },
          { urn: vault.urn, item: "Backup storage", monthlyUsd: 3.59 },
        ],
      },
    }),
  };
}

/** Bigger instance, bigger root and data volumes: all in place, nothing lost. */
export function sizeChangePair(): Pair {
  const tier = component("openemr:tier:Standard", "openemr");
  const web = (instanceType: string, rootSize: number): PlanResource =>
    resource({
      type: "aws:ec2/instance:Instance",
      name: "openemr-web",
      parent: tier,
      props: {
        ami: AMI,
        instanceType,
        rootBlockDevice: { encrypted: true, kmsKeyId: KEY_A, volumeSize: rootSize },
        tags: { Name: "openemr-web" },
      },
    });
  const data = (size: number): PlanResource =>
    resource({
      type: "aws:ebs/volume:Volume",
      name: "openemr-data",
      parent: tier,
      protect: true,
      props: {
        availabilityZone: "us-east-1a",
        size,
        type: "gp3",
        encrypted: true,
        kmsKeyId: KEY_A,
      },
    });
  const cost = (monthlyUsd: number, web: number, ebs: number) => ({
    monthlyUsd,
    currency: "USD" as const,
    asOf: "2026-11-01",
    lines: [
      {
        urn: resource({ type: "aws:ec2/instance:Instance", name: "openemr-web", parent: tier }).urn,
        item: "EC2",
        monthlyUsd: web,
      },
      { urn: data(0).urn, item: "EBS gp3", monthlyUsd: ebs },
    ],
  });
  return {
    base: plan([tier, web("t4g.medium", 30), data(50)], {
      preset: "standard",
      cost: cost(28.53, 24.53, 4),
    }),
    head: plan([tier, web("t4g.large", 40), data(100)], {
      preset: "standard",
      cost: cost(57.06, 49.06, 8),
    }),
  };
}

/** The data volume moves to another KMS key: EBS cannot re-key a volume in place. */
export function keyChangePair(): Pair {
  const tier = component("openemr:tier:ExpressPlus", "openemr");
  const data = (kmsKeyId: string): PlanResource =>
    resource({
      type: "aws:ebs/volume:Volume",
      name: "openemr-data",
      parent: tier,
      props: { availabilityZone: "us-east-1a", size: 50, type: "gp3", encrypted: true, kmsKeyId },
    });
  return {
    base: plan([tier, data(KEY_A)], { preset: "express-plus" }),
    head: plan([tier, data(KEY_B)], { preset: "express-plus" }),
  };
}

/**
 * The key is renamed without an alias (so replaced), and the volume's kmsKeyId is wired from it:
 * the plan shows the same ARN (mocks), but on deploy it is the new key's, so the volume may be
 * replaced too.
 */
export function keyRenameCascadePair(): Pair {
  const tier = component("openemr:tier:ExpressPlus", "openemr");
  const key = (name: string): PlanResource =>
    resource({
      type: "aws:kms/key:Key",
      name,
      parent: tier,
      props: { enableKeyRotation: true, deletionWindowInDays: 30 },
    });
  const data = (k: PlanResource): PlanResource =>
    resource({
      type: "aws:ebs/volume:Volume",
      name: "openemr-data",
      parent: tier,
      props: { availabilityZone: "us-east-1a", size: 50, encrypted: true, kmsKeyId: KEY_A },
      deps: { kmsKeyId: [k] },
    });
  const oldKey = key("openemr-ebs");
  const newKey = key("openemr-data-key");
  return {
    base: plan([tier, oldKey, data(oldKey)], { preset: "express-plus" }),
    head: plan([tier, newKey, data(newKey)], { preset: "express-plus" }),
  };
}

/** The database leaves the program while still protected. */
export function removeProtectedDatabasePair(): Pair {
  const tier = component("openemr:tier:Standard", "openemr");
  const db = resource({
    type: "aws:rds/instance:Instance",
    name: "openemr-db",
    parent: tier,
    protect: true,
    props: {
      engine: "mysql",
      engineVersion: "8.4",
      instanceClass: "db.t4g.medium",
      storageEncrypted: true,
      kmsKeyId: KEY_A,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: "openemr-db-final",
    },
  });
  const logs = resource({
    type: "aws:cloudwatch/logGroup:LogGroup",
    name: "openemr-db-audit",
    parent: tier,
    retainOnDelete: true,
    props: { retentionInDays: 2192, kmsKeyId: KEY_A },
  });
  return {
    base: plan([tier, db, logs], { preset: "standard" }),
    head: plan([tier], { preset: "standard" }),
  };
}

/**
 * The deploy.env lines of an OpenEMR host's user data (components/compute/user-data.ts renders
 * them into its cloud-config): an express host keeps MariaDB and OpenEMR's sites/ on its root volume.
 */
export function hostUserData(env: Record<string, string>): string {
  const lines = Object.entries(env).map(([k, v]) => `      ${k}='${v}'`);
  return [
    "#cloud-config",
    "write_files:",
    "  - path: /etc/openemr/deploy.env",
    '    permissions: "0644"',
    "    content: |",
    ...lines,
    "runcmd:",
    "  - - /usr/local/sbin/openemr-bootstrap",
    "",
  ].join("\n");
}

export const EXPRESS_HOST_ENV: Record<string, string> = {
  STACK: "dev",
  MARIADB_IMAGE: "mariadb:11.4",
  DATA_DIR: "/var/lib/openemr",
  DATA_DEVICE: "",
  BACKUP_MODE: "local",
};

/**
 * A network of plain resources (VPC, subnet, route table and its association, internet gateway,
 * security group and ingress rule) and an express host in it, with the VPC's CIDR as a parameter:
 * the subnet's CIDR is carved from it, everything else is wired by ID.
 */
export function networkPlan(vpcCidr: string, subnetCidr: string): PlanFile {
  const tier = component("openemr:tiers:Express", "openemr-dev");
  const netIn = resource({
    type: "openemr:network:Network",
    name: "openemr-dev-net",
    parent: tier,
    custom: false,
  });
  const vpc = resource({
    type: "aws:ec2/vpc:Vpc",
    name: "openemr-dev-net-vpc",
    parent: netIn,
    props: { cidrBlock: vpcCidr, enableDnsHostnames: true, tags: { Name: "openemr-dev-net-vpc" } },
  });
  const subnet = resource({
    type: "aws:ec2/subnet:Subnet",
    name: "openemr-dev-net-public-1",
    parent: netIn,
    props: {
      vpcId: "vpc-0a1b",
      cidrBlock: subnetCidr,
      availabilityZone: "us-east-1a",
      mapPublicIpOnLaunch: false,
    },
    deps: { vpcId: [vpc] },
  });
  const igw = resource({
    type: "aws:ec2/internetGateway:InternetGateway",
    name: "openemr-dev-net-igw",
    parent: netIn,
    props: { vpcId: "vpc-0a1b" },
    deps: { vpcId: [vpc] },
  });
  const routes = resource({
    type: "aws:ec2/routeTable:RouteTable",
    name: "openemr-dev-net-public-routes",
    parent: netIn,
    props: { vpcId: "vpc-0a1b", routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: "igw-0c" }] },
    deps: { vpcId: [vpc], routes: [igw] },
  });
  const association = resource({
    type: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    name: "openemr-dev-net-public-1-routes",
    parent: netIn,
    props: { subnetId: "subnet-0d", routeTableId: "rtb-0e" },
    deps: { subnetId: [subnet], routeTableId: [routes] },
  });
  const hostIn = resource({
    type: "openemr:compute:WebInstance",
    name: "openemr-dev-web",
    parent: tier,
    custom: false,
  });
  const sg = resource({
    type: "aws:ec2/securityGroup:SecurityGroup",
    name: "openemr-dev-web-sg",
    parent: hostIn,
    props: { vpcId: "vpc-0a1b", description: "openemr-dev-web: HTTPS in" },
    deps: { vpcId: [vpc] },
  });
  const https = resource({
    type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    name: "openemr-dev-web-https",
    parent: hostIn,
    props: { securityGroupId: "sg-0f", ipProtocol: "tcp", fromPort: 443, toPort: 443 },
    deps: { securityGroupId: [sg] },
  });
  const web = resource({
    type: "aws:ec2/instance:Instance",
    name: "openemr-dev-web",
    parent: hostIn,
    ignoreChanges: ["ami"],
    props: {
      ami: AMI,
      instanceType: "t4g.small",
      subnetId: "subnet-0d",
      vpcSecurityGroupIds: ["sg-0f"],
      rootBlockDevice: {
        encrypted: true,
        volumeSize: 20,
        volumeType: "gp3",
        tags: { "openemr:snapshot": "openemr-dev" },
      },
      userData: hostUserData(EXPRESS_HOST_ENV),
      userDataReplaceOnChange: false,
    },
    deps: { subnetId: [subnet], vpcSecurityGroupIds: [sg] },
  });
  const recover = resource({
    type: "aws:cloudwatch/metricAlarm:MetricAlarm",
    name: "openemr-dev-web-auto-recover",
    parent: hostIn,
    props: { dimensions: { InstanceId: "i-0123" }, metricName: "StatusCheckFailed_System" },
    deps: { dimensions: [web] },
  });
  const snapshots = resource({
    type: "aws:dlm/lifecyclePolicy:LifecyclePolicy",
    name: "openemr-dev-snapshots",
    parent: tier,
    props: { policyDetails: { targetTags: { "openemr:snapshot": "openemr-dev" } } },
  });
  return plan([
    tier,
    netIn,
    vpc,
    subnet,
    igw,
    routes,
    association,
    hostIn,
    sg,
    https,
    web,
    recover,
    snapshots,
  ]);
}

/** A new VPC CIDR: the VPC, its subnet and everything placed in them are replaced. */
export function vpcCidrPair(): Pair {
  return {
    base: networkPlan("10.20.0.0/16", "10.20.1.0/24"),
    head: networkPlan("10.42.0.0/16", "10.42.1.0/24"),
  };
}

export interface MysqlSpec {
  engineVersion: string;
  /** The parameter and option groups' major (their names carry it, as components/database does). */
  groupMajor: string;
  allowMajorVersionUpgrade?: boolean;
  applyImmediately?: boolean;
  /** The parameter group's name; default from the major. */
  parameterGroupName?: string;
  parameterGroupDescription?: string;
}

/** An RDS for MySQL instance with its parameter and option groups, named by major. */
export function mysqlPlan(spec: MysqlSpec): PlanFile {
  const tier = component("openemr:tiers:Standard", "openemr");
  const db = resource({
    type: "openemr:database:MysqlInstance",
    name: "openemr-db",
    parent: tier,
    custom: false,
  });
  const dashed = spec.groupMajor.replace(/\./g, "-");
  const pgName = spec.parameterGroupName ?? `openemr-db-mysql${dashed}`;
  const params = resource({
    type: "aws:rds/parameterGroup:ParameterGroup",
    name: "openemr-db-params",
    parent: db,
    props: {
      name: pgName,
      family: `mysql${spec.groupMajor}`,
      description: spec.parameterGroupDescription ?? "openemr-db: TLS 1.2+ required",
    },
  });
  const options = resource({
    type: "aws:rds/optionGroup:OptionGroup",
    name: "openemr-db-options",
    parent: db,
    props: {
      name: `openemr-db-mysql${dashed}-audit`,
      engineName: "mysql",
      majorEngineVersion: spec.groupMajor,
      optionGroupDescription: "openemr-db: MariaDB audit plugin",
    },
  });
  const instance = resource({
    type: "aws:rds/instance:Instance",
    name: "openemr-db",
    parent: db,
    protect: true,
    props: {
      identifier: "openemr-db",
      engine: "mysql",
      engineVersion: spec.engineVersion,
      allowMajorVersionUpgrade: spec.allowMajorVersionUpgrade ?? false,
      applyImmediately: spec.applyImmediately ?? false,
      instanceClass: "db.t4g.medium",
      storageEncrypted: true,
      parameterGroupName: pgName,
      optionGroupName: `openemr-db-mysql${dashed}-audit`,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: "openemr-db-final",
      deleteAutomatedBackups: false,
    },
    deps: { parameterGroupName: [params], optionGroupName: [options] },
  });
  return plan([tier, db, params, options, instance], { preset: "standard" });
}

/** An express host whose architecture setting changes: the instance type follows, the AMI is ignored. */
export function architecturePair(before: string, after: string): Pair {
  const host = (instanceType: string, ami: string) =>
    resource({
      type: "aws:ec2/instance:Instance",
      name: "openemr-dev-web",
      ignoreChanges: ["ami"],
      props: {
        ami,
        instanceType,
        userData: hostUserData(EXPRESS_HOST_ENV),
        userDataReplaceOnChange: false,
      },
    });
  return {
    base: plan([host(before, "ami-0arm64")]),
    head: plan([host(after, "ami-0x86")]),
  };
}
