// Mock engine answers for the offline plan: plausible outputs for every resource and the invokes
// the program makes. Anything the program invokes that is not listed here fails loudly.
import * as pulumi from "@pulumi/pulumi";
import { INVOKE, T } from "./tokens";

/** The name AWS gives a resource: its explicit `name` input, else its logical name. */
function awsName(inputs: Record<string, unknown>, logicalName: string): string {
  return typeof inputs.name === "string" ? inputs.name : logicalName;
}

const SUBNET_NAME = /^(.+)-(public|private|isolated)-(\d+)$/;
const SUBNET_ID_TIER: Record<string, string> = { public: "pub", private: "prv", isolated: "iso" };

/**
 * EC2 network IDs shaped as AWS shapes them (`vpc-…`, `subnet-…`). The VPC's and subnets' are the
 * ones the mocks gave when the VPC was an awsx component (`subnet-pub0-<hash of the VPC name>`),
 * so plans from before and after it was built from @pulumi/aws resources compare as AWS would
 * see them: the same subnets.
 */
export function networkId(type: string, name: string): string | undefined {
  const subnet = type === T.subnet ? SUBNET_NAME.exec(name) : null;
  if (subnet)
    return `subnet-${SUBNET_ID_TIER[subnet[2]]}${Number(subnet[3]) - 1}-${hash(subnet[1])}`;
  const prefix = {
    [T.vpc]: "vpc",
    [T.routeTable]: "rtb",
    [T.internetGateway]: "igw",
    [T.natGateway]: "nat",
  }[type];
  return prefix === undefined
    ? undefined
    : `${prefix}-${hash(type === T.vpc ? name : type + name)}`;
}

export const MOCK_ACCOUNT = "123456789012";

const SERVICE_BY_MODULE: Record<string, string> = {
  cloudwatch: "logs",
  cloudtrail: "cloudtrail",
  kms: "kms",
  s3: "s3",
  iam: "iam",
  rds: "rds",
  ec2: "ec2",
  ebs: "ec2",
  lb: "elasticloadbalancing",
  alb: "elasticloadbalancing",
  ecs: "ecs",
  efs: "elasticfilesystem",
  elasticache: "elasticache",
  secretsmanager: "secretsmanager",
  ssm: "ssm",
  backup: "backup",
  wafv2: "wafv2",
  sns: "sns",
  dlm: "dlm",
  acm: "acm",
  appautoscaling: "application-autoscaling",
};

function moduleOf(type: string): string {
  return type.split(":")[1]?.split("/")[0] ?? "unknown";
}

function hash(text: string): string {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/** A Systems Manager id: `mw-` or `pb-` and 17 hex digits (MaintenanceWindowId, BaselineId). */
function ssmId(prefix: "mw" | "pb", name: string): string {
  return `${prefix}-${(hash(name) + hash(`${name}.1`) + hash(`${name}.2`)).slice(0, 17)}`;
}

export interface PlanMocksOptions {
  region: string;
  /** Secret values the mocks produced (e.g. generated passwords), so tests can check for leaks. */
  secretsProduced: string[];
}

/** A provider reference as the engine passes it: `<urn>::<id>`; the id is what the mocks gave. */
function providerId(reference: string | undefined): string | undefined {
  if (reference === undefined) return undefined;
  const at = reference.lastIndexOf("::");
  return at < 0 ? reference : reference.slice(at + 2);
}

export function createMocks(opts: PlanMocksOptions): pulumi.runtime.Mocks {
  const stackRegion = opts.region;
  // explicit aws providers' regions by the id the mocks gave them: a resource (or invoke) made
  // through one lives in that provider's region, as it would on AWS (a copy region's vault and key)
  const providerRegions = new Map<string, string>();
  const regionOf = (reference: string | undefined): string => {
    const id = providerId(reference);
    return (id === undefined ? undefined : providerRegions.get(id)) ?? stackRegion;
  };
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): {
      id: string;
      state: Record<string, unknown>;
    } {
      const inputs = args.inputs as Record<string, unknown>;
      const region = regionOf(args.provider);
      const azs = ["a", "b", "c"].map((s) => `${region}${s}`);
      const mod = moduleOf(args.type);
      const service = SERVICE_BY_MODULE[mod] ?? mod;
      const id = networkId(args.type, args.name) ?? `${args.name}-${hash(args.type + args.name)}`;
      const arn = `arn:aws:${service}:${region}:${MOCK_ACCOUNT}:${args.type.split("/").pop()?.split(":")[0] ?? "resource"}/${args.name}`;
      const state: Record<string, unknown> = { ...inputs, arn, id };
      if (args.type === "pulumi:providers:aws") {
        if (typeof inputs.region === "string") providerRegions.set(id, inputs.region);
        return { id, state };
      }
      // every @pulumi/aws 7 resource reports the region it was created in
      if (args.type.startsWith("aws:")) state.region = inputs.region ?? region;
      switch (args.type) {
        case T.randomPassword: {
          const length = typeof inputs.length === "number" ? inputs.length : 24;
          const value = `Mock${hash(args.name)}9!`.padEnd(length, "x");
          opts.secretsProduced.push(value);
          // the real provider marks `result` secret (additionalSecretOutputs); so do the mocks
          state.result = pulumi.secret(value);
          break;
        }
        case T.randomId:
          state.hex = hash(args.name);
          state.b64Url = hash(args.name);
          break;
        case T.kmsKey:
          state.keyId = `${hash(args.name)}-1111-4222-8333-${hash(args.name + "k")}0000`;
          state.arn = `arn:aws:kms:${region}:${MOCK_ACCOUNT}:key/${state.keyId as string}`;
          break;
        case T.bucket: {
          const bucket =
            (inputs.bucket as string) ??
            `${(inputs.bucketPrefix as string) ?? args.name}${hash(args.name)}`;
          Object.assign(state, {
            bucket,
            id: bucket,
            arn: `arn:aws:s3:::${bucket}`,
            bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
          });
          return { id: bucket, state };
        }
        case T.iamRole:
          state.arn = `arn:aws:iam::${MOCK_ACCOUNT}:role/${args.name}`;
          state.name = inputs.name ?? args.name;
          break;
        case T.iamInstanceProfile:
          state.arn = `arn:aws:iam::${MOCK_ACCOUNT}:instance-profile/${args.name}`;
          state.name = inputs.name ?? args.name;
          break;
        case T.logGroup:
          state.name = inputs.name ?? args.name;
          state.arn = `arn:aws:logs:${region}:${MOCK_ACCOUNT}:log-group:${state.name as string}`;
          break;
        case T.ec2Instance:
          Object.assign(state, {
            id: `i-${hash(args.name)}0000000`,
            publicIp: "203.0.113.10",
            privateIp: "10.20.0.10",
            publicDns: `ec2-203-0-113-10.compute-1.amazonaws.com`,
            availabilityZone: (inputs.availabilityZone as string) ?? azs[0],
          });
          return { id: state.id as string, state };
        case T.eip:
          Object.assign(state, {
            publicIp: "203.0.113.10",
            allocationId: `eipalloc-${hash(args.name)}`,
          });
          break;
        case T.rdsInstance:
          Object.assign(state, {
            address: `${args.name}.abcdefgh.${region}.rds.amazonaws.com`,
            endpoint: `${args.name}.abcdefgh.${region}.rds.amazonaws.com:3306`,
            port: 3306,
            // RDS reports a managed master secret only when it manages the password
            masterUserSecrets: inputs.manageMasterUserPassword
              ? [
                  {
                    secretArn: `arn:aws:secretsmanager:${region}:${MOCK_ACCOUNT}:secret:rds!db-${hash(args.name)}`,
                    kmsKeyId: inputs.masterUserSecretKmsKeyId ?? "",
                    secretStatus: "active",
                  },
                ]
              : [],
            resourceId: `db-${hash(args.name)}`,
          });
          break;
        case T.rdsCluster:
          Object.assign(state, {
            endpoint: `${args.name}.cluster-abcdefgh.${region}.rds.amazonaws.com`,
            readerEndpoint: `${args.name}.cluster-ro-abcdefgh.${region}.rds.amazonaws.com`,
            port: 3306,
            clusterResourceId: `cluster-${hash(args.name)}`,
            // RDS reports a managed master secret only when it manages the password
            masterUserSecrets: inputs.manageMasterUserPassword
              ? [
                  {
                    secretArn: `arn:aws:secretsmanager:${region}:${MOCK_ACCOUNT}:secret:rds!cluster-${hash(args.name)}`,
                    kmsKeyId: inputs.masterUserSecretKmsKeyId ?? "",
                    secretStatus: "active",
                  },
                ]
              : [],
          });
          break;
        // the ARN suffixes carry the AWS name (at most 32 characters), not the logical name
        case T.lbLoadBalancer: {
          const lbName = awsName(args.inputs as Record<string, unknown>, args.name);
          Object.assign(state, {
            dnsName: `${lbName}-${hash(args.name)}.${region}.elb.amazonaws.com`,
            zoneId: "Z35SXDOTRQ7X7K",
            arnSuffix: `app/${lbName}/${hash(args.name)}`,
          });
          break;
        }
        case T.lbTargetGroup: {
          const tgName = awsName(args.inputs as Record<string, unknown>, args.name);
          state.arnSuffix = `targetgroup/${tgName}/${hash(args.name)}`;
          break;
        }
        case T.elasticacheServerless:
          state.endpoints = [
            {
              address: `${args.name}-${hash(args.name)}.serverless.use1.cache.amazonaws.com`,
              port: 6379,
            },
          ];
          state.readerEndpoints = [
            {
              address: `${args.name}-ro-${hash(args.name)}.serverless.use1.cache.amazonaws.com`,
              port: 6380,
            },
          ];
          break;
        case T.efsFileSystem:
          state.id = `fs-${hash(args.name)}`;
          state.dnsName = `${state.id as string}.efs.${region}.amazonaws.com`;
          return { id: state.id as string, state };
        case T.acmCertificate:
          state.domainValidationOptions = [
            {
              domainName: inputs.domainName,
              resourceRecordName: `_${hash(args.name)}.${String(inputs.domainName)}.`,
              resourceRecordType: "CNAME",
              resourceRecordValue: `_${hash(args.name + "v")}.acm-validations.aws.`,
            },
          ];
          break;
        case T.ecsCluster:
          state.name = inputs.name ?? args.name;
          break;
        case T.ecsService: {
          // the long ARN format: service/<cluster name>/<service name> (ECS Developer Guide,
          // "Amazon Resource Names (ARNs) and IDs"); `cluster` is the cluster's ARN
          const clusterArn = typeof inputs.cluster === "string" ? inputs.cluster : "cluster";
          const cluster = clusterArn.split("/").pop() ?? "cluster";
          state.arn = `arn:aws:ecs:${region}:${MOCK_ACCOUNT}:service/${cluster}/${awsName(inputs, args.name)}`;
          break;
        }
        case T.ecsTaskDefinition:
          state.revision = 1;
          break;
        case T.ssmParameter:
          state.name = inputs.name ?? args.name;
          break;
        case T.ssmMaintenanceWindow:
          state.id = ssmId("mw", args.name);
          return { id: state.id as string, state };
        case T.ssmPatchBaseline:
          state.id = ssmId("pb", args.name);
          return { id: state.id as string, state };
        case T.secret:
          state.name = inputs.name ?? args.name;
          state.arn = `arn:aws:secretsmanager:${region}:${MOCK_ACCOUNT}:secret:${state.name as string}-AbCdEf`;
          break;
        case T.snsTopic:
          state.arn = `arn:aws:sns:${region}:${MOCK_ACCOUNT}:${args.name}`;
          break;
        default:
          break;
      }
      return { id: (state.id as string) ?? id, state };
    },

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      const inputs = args.inputs as Record<string, unknown>;
      const region = regionOf(args.provider);
      const azs = ["a", "b", "c"].map((s) => `${region}${s}`);
      switch (args.token) {
        case INVOKE.getRegion:
          return {
            id: region,
            name: region,
            region,
            description: region,
            endpoint: `ec2.${region}.amazonaws.com`,
          };
        case INVOKE.getCallerIdentity:
          return {
            id: MOCK_ACCOUNT,
            accountId: MOCK_ACCOUNT,
            arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/plan`,
            userId: "AIDAPLAN",
          };
        case INVOKE.getPartition:
          return {
            id: "aws",
            partition: "aws",
            dnsSuffix: "amazonaws.com",
            reverseDnsPrefix: "com.amazonaws",
          };
        case INVOKE.getAvailabilityZones:
          return {
            id: region,
            names: azs,
            zoneIds: azs.map((_, i) => `use1-az${i + 1}`),
            groupNames: [region],
          };
        case INVOKE.getSsmParameter: {
          const name = String(inputs.name);
          const arch = name.includes("arm64") ? "arm64" : "x86_64";
          return {
            id: name,
            name,
            type: "String",
            value: `ami-0${hash(name)}${arch === "arm64" ? "a" : "b"}1234567`,
            version: 1,
            arn: `arn:aws:ssm:${region}::parameter${name}`,
          };
        }
        case INVOKE.getElbServiceAccount:
          return { id: "127311923021", arn: "arn:aws:iam::127311923021:root" };
        default:
          throw new Error(
            `offline plan: the program invoked ${args.token}, which the mock engine does not answer; add it to tools/plan/mocks.ts`,
          );
      }
    },
  };
}
