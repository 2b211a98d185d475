// Shared finders for the fargate tier tests.
import { expect } from "chai";
import { dependencyOf, one, prop } from "../helpers/resources";
import type { PlanFile, PlanResource } from "../../tools/plan/types";

export const T = {
  key: "aws:kms/key:Key",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  lb: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  bucket: "aws:s3/bucket:Bucket",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  bucketEncryption:
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  webAcl: "aws:wafv2/webAcl:WebAcl",
  wafLogging: "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
  wafAssociation: "aws:wafv2/webAclAssociation:WebAclAssociation",
  cluster: "aws:rds/cluster:Cluster",
  instance: "aws:rds/clusterInstance:ClusterInstance",
  paramGroup: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
  cache: "aws:elasticache/serverlessCache:ServerlessCache",
  cacheUser: "aws:elasticache/user:User",
  efs: "aws:efs/fileSystem:FileSystem",
  accessPoint: "aws:efs/accessPoint:AccessPoint",
  efsPolicy: "aws:efs/fileSystemPolicy:FileSystemPolicy",
  mountTarget: "aws:efs/mountTarget:MountTarget",
  ecsCluster: "aws:ecs/cluster:Cluster",
  taskDef: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  scalingTarget: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
  secret: "aws:secretsmanager/secret:Secret",
  secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  password: "random:index/randomPassword:RandomPassword",
  vault: "aws:backup/vault:Vault",
  selection: "aws:backup/selection:Selection",
  trail: "aws:cloudtrail/trail:Trail",
  vpc: "aws:ec2/vpc:Vpc",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
} as const;

export const CERT =
  "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000";

export interface Container {
  name: string;
  image: string;
  essential: boolean;
  entryPoint: string[];
  command: string[];
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
  mountPoints: { sourceVolume: string; containerPath: string }[];
  portMappings?: { containerPort: number }[];
  dependsOn?: { containerName: string; condition: string }[];
  healthCheck?: { command: string[]; startPeriod: number };
  logConfiguration: { logDriver: string; options: Record<string, string> };
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
}

/** The task definition's containers: the long-running `openemr` and the `openemr-setup` one. */
export function containersOf(plan: PlanFile): Container[] {
  const raw = prop<string>(one(plan, T.taskDef), "containerDefinitions");
  const defs = JSON.parse(raw) as Container[];
  expect(defs.map((d) => d.name).sort()).to.deep.equal(["openemr", "openemr-setup"]);
  return defs;
}

/** The long-running container, the one behind the load balancer. */
export function containerOf(plan: PlanFile): Container {
  return containersOf(plan).find((d) => d.name === "openemr")!;
}

/** The short-lived container that runs openemr.sh's setup before the long-running one starts. */
export function setupContainerOf(plan: PlanFile): Container {
  return containersOf(plan).find((d) => d.name === "openemr-setup")!;
}

/** A secret's ARN from an ECS `valueFrom` (ARN[:json-key:version-stage:version-id]). */
export function secretArnOf(valueFrom: string): string {
  return valueFrom.split(":").slice(0, 7).join(":");
}

export function envOf(plan: PlanFile): Record<string, string> {
  return Object.fromEntries(containerOf(plan).environment.map((e) => [e.name, e.value]));
}

export function keyNamed(plan: PlanFile, r: PlanResource, propName: string): string[] {
  return dependencyOf(plan, r, propName)
    .filter((d) => d.type === T.key)
    .map((d) => d.name);
}

/** A property read as a shape the test declares (plan values are plain JSON). */
export function view<V>(r: PlanResource, path: string): V {
  return prop(r, path) as unknown as V;
}
