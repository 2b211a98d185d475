// Inputs a provider cannot change in place: changing one replaces the resource. The AWS and random
// providers are bridged Terraform providers; they report replacements from their Terraform
// schemas' ForceNew attributes (RequiresReplace in plugin-framework resources) at preview time.
// Neither @pulumi/aws nor @pulumi/random ships that schema in its npm package, so this table is kept
// by hand. Each entry names the Terraform source file of the resource (hashicorp/terraform-provider-aws,
// or -random) whose ForceNew attributes it lists, camelCased as Pulumi names them (a list block
// takes Pulumi's plural: ebs_block_device -> ebsBlockDevices); entries marked "checked" were
// compared with that file. Paths are dot-separated (rootBlockDevice.kmsKeyId) for attributes of
// nested blocks; a top-level name stands for a block whose own attributes are ForceNew.
import type { PlanValue } from "./types";
import { T } from "./tokens";

export const REPLACE_ON_CHANGE: Readonly<Record<string, readonly string[]>> = {
  // internal/service/rds/instance.go, checked (engineVersion, parameterGroupName, optionGroupName
  // and dbSubnetGroupName are modified in place: ModifyDBInstance)
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
  // internal/service/rds/cluster.go, checked (engineVersion and dbClusterParameterGroupName are
  // modified in place; storageType is ForceNew only for engines other than Aurora)
  [T.rdsCluster]: [
    "clusterIdentifier",
    "clusterIdentifierPrefix",
    "clusterScalabilityType",
    "engine",
    "engineMode",
    "kmsKeyId",
    "storageEncrypted",
    "databaseName",
    "masterUsername",
    "dbSubnetGroupName",
    "dbSystemId",
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
  // internal/service/rds/parameter_group.go, checked
  [T.rdsParameterGroup]: ["name", "namePrefix", "family", "description"],
  // internal/service/rds/cluster_parameter_group.go, checked
  [T.rdsClusterParameterGroup]: ["name", "namePrefix", "family", "description"],
  // internal/service/rds/option_group.go, checked
  [T.rdsOptionGroup]: [
    "name",
    "namePrefix",
    "engineName",
    "majorEngineVersion",
    "optionGroupDescription",
  ],
  // internal/service/rds/subnet_group.go, checked (subnetIds and description are modified in place)
  [T.rdsSubnetGroup]: ["name", "namePrefix"],
  // internal/service/ec2/ebs_volume.go
  [T.ebsVolume]: ["availabilityZone", "snapshotId", "encrypted", "kmsKeyId", "outpostArn"],
  // internal/service/ec2/ec2_instance.go, checked (instanceType, vpcSecurityGroupIds,
  // iamInstanceProfile and rootBlockDevice size and type are modified in place; userData is
  // ForceNew only with userDataReplaceOnChange: REPLACE_ON_CHANGE_WHEN)
  [T.ec2Instance]: [
    "ami",
    "availabilityZone",
    "subnetId",
    "privateIp",
    "keyName",
    "tenancy",
    "placementGroup",
    "placementPartitionNumber",
    "hostId",
    "associatePublicIpAddress",
    "ipv6AddressCount",
    "ipv6Addresses",
    "securityGroups",
    "cpuOptions",
    "cpuCoreCount",
    "cpuThreadsPerCore",
    "ebsOptimized",
    "enclaveOptions",
    "hibernation",
    "privateDnsNameOptions",
    "rootBlockDevice.encrypted",
    "rootBlockDevice.kmsKeyId",
    "ebsBlockDevices",
    "ephemeralBlockDevices",
    "networkInterfaces",
    "launchTemplate",
  ],
  // internal/service/ec2/ec2_volume_attachment.go: every argument
  [T.volumeAttachment]: ["deviceName", "instanceId", "volumeId"],
  // internal/service/ec2/ec2_eip.go, checked (instance and networkInterface are associated in place)
  [T.eip]: ["address", "domain", "ipamPoolId", "networkBorderGroup", "publicIpv4Pool"],
  // internal/service/ec2/ec2_eip_association.go, checked: every argument (it has no update)
  [T.eipAssociation]: [
    "allocationId",
    "allowReassociation",
    "instanceId",
    "networkInterfaceId",
    "privateIpAddress",
    "publicIp",
  ],
  // internal/service/efs/file_system.go
  [T.efsFileSystem]: [
    "encrypted",
    "kmsKeyId",
    "performanceMode",
    "creationToken",
    "availabilityZoneName",
  ],
  // internal/service/efs/mount_target.go, checked (securityGroups are modified in place)
  [T.efsMountTarget]: ["fileSystemId", "ipAddress", "subnetId"],
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
  // internal/service/ec2/vpc_.go, checked (enableDns*, instanceTenancy and IPv6 are modified in place)
  [T.vpc]: ["cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"],
  // internal/service/ec2/vpc_subnet.go, checked (mapPublicIpOnLaunch and the other on-launch
  // attributes are modified in place)
  [T.subnet]: [
    "vpcId",
    "cidrBlock",
    "availabilityZone",
    "availabilityZoneId",
    "ipv4IpamPoolId",
    "ipv4NetmaskLength",
    "ipv6IpamPoolId",
    "ipv6Native",
    "ipv6NetmaskLength",
    "outpostArn",
  ],
  // internal/service/ec2/vpc_route_table.go, checked (inline routes are modified in place)
  [T.routeTable]: ["vpcId"],
  // internal/service/ec2/vpc_route.go, checked (the target is replaced in place: ReplaceRoute)
  [T.route]: [
    "routeTableId",
    "destinationCidrBlock",
    "destinationIpv6CidrBlock",
    "destinationPrefixListId",
  ],
  // internal/service/ec2/vpc_route_table_association.go, checked (routeTableId is modified in place)
  [T.routeTableAssociation]: ["subnetId", "gatewayId"],
  // internal/service/ec2/vpc_internet_gateway.go, checked: nothing; a new vpcId detaches and attaches
  [T.internetGateway]: [],
  // internal/service/ec2/vpc_nat_gateway.go, checked
  [T.natGateway]: [
    "allocationId",
    "connectivityType",
    "privateIp",
    "secondaryPrivateIpAddressCount",
    "subnetId",
  ],
  // internal/service/ec2/vpc_default_security_group.go, checked
  [T.securityGroupDefault]: ["vpcId"],
  // internal/service/ec2/vpc_security_group.go, checked (inline rules are modified in place)
  [T.securityGroup]: ["name", "namePrefix", "vpcId", "description"],
  // internal/service/ec2/vpc_security_group_ingress_rule.go, checked (ports, protocol and the
  // source are modified in place; a source of another kind, CIDR to group say, replaces it)
  [T.securityGroupIngressRule]: ["securityGroupId"],
  // internal/service/ec2/vpc_security_group_egress_rule.go (the ingress rule's schema)
  [T.securityGroupEgressRule]: ["securityGroupId"],
  // internal/service/ec2/vpc_flow_log.go, checked: every argument but tags
  [T.flowLog]: [
    "vpcId",
    "subnetId",
    "eniId",
    "regionalNatGatewayId",
    "transitGatewayId",
    "transitGatewayAttachmentId",
    "iamRoleArn",
    "deliverCrossAccountRole",
    "logDestination",
    "logDestinationType",
    "logFormat",
    "maxAggregationInterval",
    "trafficType",
    "destinationOptions",
  ],
  // internal/service/route53resolver/firewall_rule_group_association.go, checked (name, priority
  // and mutationProtection are modified in place)
  [T.resolverFirewallRuleGroupAssociation]: ["firewallRuleGroupId", "vpcId"],
  // internal/service/route53resolver/firewall_config.go, checked
  [T.resolverFirewallConfig]: ["resourceId"],
  // internal/service/route53resolver/query_log_config_association.go: every argument
  [T.resolverQueryLogConfigAssociation]: ["resolverQueryLogConfigId", "resourceId"],
  // internal/service/elasticache/serverless_cache.go, checked (RequiresReplace; securityGroupIds
  // and the usage limits are modified in place)
  [T.elasticacheServerless]: [
    "engine",
    "kmsKeyId",
    "majorEngineVersion",
    "name",
    "snapshotArnsToRestores",
    "subnetIds",
  ],
  // internal/service/elasticache/subnet_group.go
  [T.elasticacheSubnetGroup]: ["name"],
  // internal/service/elbv2/load_balancer.go, checked (subnets and securityGroups of an
  // application load balancer are modified in place); aws.alb.LoadBalancer is the same resource
  [T.lbLoadBalancer]: [
    "name",
    "namePrefix",
    "internal",
    "loadBalancerType",
    "customerOwnedIpv4Pool",
  ],
  [T.albLoadBalancer]: [
    "name",
    "namePrefix",
    "internal",
    "loadBalancerType",
    "customerOwnedIpv4Pool",
  ],
  // internal/service/elbv2/target_group.go, checked
  [T.lbTargetGroup]: [
    "name",
    "namePrefix",
    "port",
    "protocol",
    "protocolVersion",
    "vpcId",
    "targetType",
    "ipAddressType",
  ],
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

/** An input that forces a replacement only when another input says so (a CustomizeDiff ForceNewIf). */
export interface ConditionalReplacement {
  input: string;
  /** Why, in words ("userDataReplaceOnChange is true"). */
  condition: string;
  applies: (props: Record<string, PlanValue>) => boolean;
}

export const REPLACE_ON_CHANGE_WHEN: Readonly<Record<string, readonly ConditionalReplacement[]>> = {
  // internal/service/ec2/ec2_instance.go, checked: customdiff.ForceNewIf("user_data", ...)
  [T.ec2Instance]: ["userData", "userDataBase64"].map((input) => ({
    input,
    condition: "userDataReplaceOnChange is true",
    applies: (props: Record<string, PlanValue>) => props.userDataReplaceOnChange === true,
  })),
};

/**
 * Types whose ID and ARN AWS assigns at creation, so a replacement always has new ones: an input
 * that takes such a resource's ID or ARN changes for certain when it is replaced. Resources not
 * listed are named by an input (a log group, a role, a bucket, a database identifier): their
 * replacement may keep its name, and so the same ID, ARN and endpoint.
 */
export const NEW_ID_ON_REPLACE: ReadonlySet<string> = new Set([
  T.vpc,
  T.subnet,
  T.routeTable,
  T.internetGateway,
  T.natGateway,
  T.eip,
  T.securityGroup,
  T.securityGroupDefault,
  T.securityGroupIngressRule,
  T.securityGroupEgressRule,
  T.ec2Instance,
  T.ebsVolume,
  T.launchTemplate,
  T.efsFileSystem,
  T.efsMountTarget,
  T.efsAccessPoint,
  T.kmsKey,
  T.secret,
  T.lbLoadBalancer,
  T.albLoadBalancer,
  T.lbTargetGroup,
  T.acmCertificate,
  T.route53Zone,
  T.flowLog,
  T.vpcEndpoint,
]);
