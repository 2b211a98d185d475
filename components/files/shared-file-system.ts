import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { EfsVolume } from "../service/fargate-service";
import { serverSecurityGroup } from "../network/security-rules";

export const NFS_PORT = 2049;

export interface SharedFileSystemArgs {
  vpcId: pulumi.Input<string>;
  /** Subnets that get a mount target (one per availability zone). */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** How many of `subnetIds` to use; must be known before deployment. */
  subnetCount: number;
  /** Security group of the clients (the OpenEMR tasks); the only source allowed on 2049. */
  clientSecurityGroupId: pulumi.Input<string>;
  /** Customer-managed key for data at rest. */
  kmsKeyArn: pulumi.Input<string>;
  /** Directory the access point exposes as the file system's root, e.g. /openemr-sites. */
  rootDirectory: string;
  /** What the file system holds; tagged `openemr:purpose`. */
  purpose: string;
  /** Pulumi `protect` (EFS itself has no deletion protection; AWS Backup keeps recovery points). */
  protect: boolean;
}

/**
 * An encrypted EFS file system shared by the tasks, reachable only through its access point, over
 * TLS, by IAM-authorized clients in this account (a file system policy denies anything else), with
 * mount targets in each given subnet and a security group open to the clients only.
 */
export class SharedFileSystem extends pulumi.ComponentResource {
  public readonly fileSystem: aws.efs.FileSystem;
  public readonly accessPoint: aws.efs.AccessPoint;
  public readonly mountTargets: aws.efs.MountTarget[];
  public readonly securityGroup: aws.ec2.SecurityGroup;
  public readonly fileSystemId: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: SharedFileSystemArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:files:SharedFileSystem", name, {}, opts);
    const child = { parent: this };
    if (!args.rootDirectory.startsWith("/") || args.rootDirectory === "/") {
      throw new Error(`${name}: rootDirectory must be a sub-directory such as /openemr-sites`);
    }
    const identity = aws.getCallerIdentityOutput({}, child);
    const partition = aws.getPartitionOutput({}, child).partition;

    this.securityGroup = serverSecurityGroup(
      name,
      {
        vpcId: args.vpcId,
        description: "NFS from the OpenEMR tasks only",
        clientSecurityGroupId: args.clientSecurityGroupId,
        port: NFS_PORT,
        pathDescription: "OpenEMR to EFS (NFS over TLS)",
      },
      child,
    );

    this.fileSystem = new aws.efs.FileSystem(
      `${name}-fs`,
      {
        creationToken: name,
        encrypted: true,
        kmsKeyId: args.kmsKeyArn,
        performanceMode: "generalPurpose",
        // pay per use: nothing at rest, no burst credits to run out of on a small file system
        throughputMode: "elastic",
        lifecyclePolicies: [
          { transitionToIa: "AFTER_30_DAYS" },
          { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" },
        ],
        tags: { Name: name, "openemr:purpose": args.purpose },
      },
      { ...child, protect: args.protect },
    );
    this.fileSystemId = this.fileSystem.id;
    this.arn = this.fileSystem.arn;

    this.mountTargets = Array.from(
      { length: args.subnetCount },
      (_, i) =>
        new aws.efs.MountTarget(
          `${name}-mount-${i}`,
          {
            fileSystemId: this.fileSystem.id,
            subnetId: pulumi.output(args.subnetIds).apply((ids) => {
              if (ids.length <= i) {
                throw new Error(`${name}: expected ${args.subnetCount} subnets, got ${ids.length}`);
              }
              return ids[i];
            }),
            securityGroups: [this.securityGroup.id],
          },
          child,
        ),
    );

    // no POSIX user is forced: the image's start script runs as root and hands files to apache
    this.accessPoint = new aws.efs.AccessPoint(
      `${name}-ap`,
      {
        fileSystemId: this.fileSystem.id,
        rootDirectory: {
          path: args.rootDirectory,
          creationInfo: { ownerUid: 0, ownerGid: 0, permissions: "755" },
        },
        tags: { Name: `${name}-ap` },
      },
      child,
    );

    new aws.efs.FileSystemPolicy(
      `${name}-policy`,
      {
        fileSystemId: this.fileSystem.id,
        policy: pulumi
          .all([this.fileSystem.arn, this.accessPoint.arn, identity.accountId, partition])
          .apply(([fsArn, apArn, account, part]) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: fileSystemPolicyStatements(fsArn, apArn, account, part),
            }),
          ),
      },
      child,
    );
    this.registerOutputs({ fileSystemId: this.fileSystemId, accessPointId: this.accessPoint.id });
  }

  /** This file system, through its access point, as a task's volume `name` at `containerPath`. */
  volume(name: string, containerPath: string): EfsVolume {
    return {
      name,
      fileSystemId: this.fileSystemId,
      fileSystemArn: this.arn,
      accessPointId: this.accessPoint.id,
      accessPointArn: this.accessPoint.arn,
      containerPath,
    };
  }
}

/**
 * Pure: the file system policy. Encryption in transit is required for everything; clients must come
 * through the access point and a mount target; access is delegated to IAM in this account, so only
 * roles whose own policy grants `elasticfilesystem:Client*` (the task role) can mount.
 */
export function fileSystemPolicyStatements(
  fileSystemArn: string,
  accessPointArn: string,
  account: string,
  partition: string,
): Record<string, unknown>[] {
  const clientActions = [
    "elasticfilesystem:ClientMount",
    "elasticfilesystem:ClientWrite",
    "elasticfilesystem:ClientRootAccess",
  ];
  return [
    {
      Sid: "DenyWithoutTls",
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "*",
      Resource: fileSystemArn,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "DenyOutsideTheAccessPoint",
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: clientActions,
      Resource: fileSystemArn,
      Condition: { StringNotEquals: { "elasticfilesystem:AccessPointArn": accessPointArn } },
    },
    {
      Sid: "AccountIamDecidesWhoMounts",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${account}:root` },
      Action: clientActions,
      Resource: fileSystemArn,
      Condition: { Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" } },
    },
  ];
}
