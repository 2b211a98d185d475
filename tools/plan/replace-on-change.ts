// Inputs a provider cannot change in place: changing one replaces the resource. The AWS and random
// providers are bridged Terraform providers; they report replacements from their Terraform
// schemas' ForceNew attributes at preview time. Neither @pulumi/aws nor @pulumi/random ships that
// schema in its npm package, so this table is kept by hand. Each entry names the Terraform source
// file of the resource (hashicorp/terraform-provider-aws, or -random) whose ForceNew attributes
// it lists, camelCased as Pulumi names them; entries marked "checked" were compared with that file.
// Paths are dot-separated (rootBlockDevice.kmsKeyId) for attributes of nested blocks.
import { T } from "./tokens";

export const REPLACE_ON_CHANGE: Readonly<Record<string, readonly string[]>> = {
  // internal/service/rds/instance.go
  [T.rdsInstance]: [
    "identifier",
    "identifierPrefix",
    "engine",
    "kmsKeyId",
    "storageEncrypted",
    "availabilityZone",
    "dbName",
    "username",
    "characterSetName",
    "ncharCharacterSetName",
    "timezone",
    "snapshotIdentifier",
    "restoreToPointInTime",
    "s3Import",
    "customIamInstanceProfile",
  ],
  // internal/service/rds/cluster.go
  [T.rdsCluster]: [
    "clusterIdentifier",
    "clusterIdentifierPrefix",
    "engine",
    "engineMode",
    "kmsKeyId",
    "storageEncrypted",
    "databaseName",
    "masterUsername",
    "dbSubnetGroupName",
    "availabilityZones",
    "snapshotIdentifier",
    "restoreToPointInTime",
    "s3Import",
    "sourceRegion",
  ],
  // internal/service/rds/cluster_instance.go
  [T.rdsClusterInstance]: [
    "identifier",
    "identifierPrefix",
    "clusterIdentifier",
    "engine",
    "availabilityZone",
    "dbSubnetGroupName",
  ],
  // internal/service/ec2/ebs_volume.go
  [T.ebsVolume]: ["availabilityZone", "snapshotId", "encrypted", "kmsKeyId", "outpostArn"],
  // internal/service/ec2/ec2_instance.go
  [T.ec2Instance]: [
    "ami",
    "availabilityZone",
    "subnetId",
    "privateIp",
    "keyName",
    "tenancy",
    "placementGroup",
    "associatePublicIpAddress",
    "rootBlockDevice.encrypted",
    "rootBlockDevice.kmsKeyId",
    "ebsBlockDevices",
    "ephemeralBlockDevices",
    "networkInterfaces",
    "launchTemplate",
  ],
  // internal/service/efs/file_system.go
  [T.efsFileSystem]: [
    "encrypted",
    "kmsKeyId",
    "performanceMode",
    "creationToken",
    "availabilityZoneName",
  ],
  // internal/service/s3/bucket.go (aws.s3.BucketV2 is the same Terraform resource)
  [T.bucket]: ["bucket", "bucketPrefix", "objectLockEnabled"],
  [T.bucketV2]: ["bucket", "bucketPrefix", "objectLockEnabled"],
  // internal/service/kms/key.go, checked (keySpec is not an input of aws.kms.Key in 7.x: inert)
  [T.kmsKey]: [
    "keySpec",
    "customerMasterKeySpec",
    "keyUsage",
    "multiRegion",
    "customKeyStoreId",
    "xksKeyId",
  ],
  // internal/service/backup/vault.go, checked
  [T.backupVault]: ["name", "kmsKeyArn"],
  // internal/service/backup/vault_lock_configuration.go: every argument is ForceNew (and AWS
  // refuses to delete a lock after its lock date: a change the plan cannot apply)
  [T.backupVaultLock]: [
    "backupVaultName",
    "changeableForDays",
    "maxRetentionDays",
    "minRetentionDays",
  ],
  // internal/service/s3/bucket_object_lock_configuration.go
  [T.bucketObjectLock]: ["bucket", "expectedBucketOwner", "objectLockEnabled"],
  // internal/service/secretsmanager/secret.go, checked
  [T.secret]: ["name", "namePrefix"],
  // terraform-provider-random internal/provider/resource_password.go (RequiresReplace)
  [T.randomPassword]: [
    "length",
    "lower",
    "upper",
    "numeric",
    "special",
    "minLower",
    "minUpper",
    "minNumeric",
    "minSpecial",
    "overrideSpecial",
    "keepers",
  ],
  // internal/service/logs/group.go, checked
  [T.logGroup]: ["name", "namePrefix", "logGroupClass"],
  // internal/service/ec2/vpc_security_group.go
  [T.securityGroup]: ["name", "namePrefix", "vpcId", "description"],
  // internal/service/ec2/vpc_subnet.go
  [T.subnet]: ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"],
  // internal/service/elbv2/load_balancer.go
  [T.lbLoadBalancer]: ["name", "namePrefix", "internal", "loadBalancerType"],
  // internal/service/elbv2/target_group.go
  [T.lbTargetGroup]: ["name", "namePrefix", "port", "protocol", "vpcId", "targetType"],
  // internal/service/ecs/task_definition.go
  [T.ecsTaskDefinition]: [
    "family",
    "containerDefinitions",
    "cpu",
    "memory",
    "networkMode",
    "executionRoleArn",
    "taskRoleArn",
    "volumes",
    "runtimePlatform",
    "requiresCompatibilities",
  ],
  // internal/service/iam/role.go
  [T.iamRole]: ["name", "namePrefix", "path"],
  // internal/service/kms/alias.go
  [T.kmsAlias]: ["name", "namePrefix"],
};
