#!/usr/bin/env python3
"""Writes tools/aws-rules/constraints.json: the limits AWS's API puts on every name, identifier and
description the program sets, taken from botocore's service models (service-2.json), plus the rules
AWS documents but the models do not carry (marked "source": "documented", each with its URL).

    python3 tools/aws-rules/generate.py            # rewrite constraints.json
    python3 tools/aws-rules/generate.py --stdout   # print it instead (the tests compare the two)

Needs a botocore that models every operation below: Debian bookworm's python3-botocore 1.29.27
predates ElastiCache CreateServerlessCache (late 2023); the table was made with the pip botocore
1.43.11 of this machine image (`python3` on PATH). The version is recorded in the file;
the tests regenerate it when that version is installed and compare. The output is 2-space JSON,
which prettier leaves as it is.
"""

import json
import os
import sys

import botocore
import botocore.session

COMMAND = "python3 tools/aws-rules/generate.py && npx prettier --write tools/aws-rules/constraints.json"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "constraints.json")

# (Pulumi type token, input property path, botocore service, operation, member path). A property
# path is dot-separated; "[]" after a segment means every element of that list, "@json" means the
# value is a JSON document (ECS containerDefinitions). A member path uses the same "[]" notation.
MAPPINGS = [
    ("aws:dlm/lifecyclePolicy:LifecyclePolicy", "description", "dlm", "CreateLifecyclePolicy", "Description"),
    ("aws:cloudwatch/eventRule:EventRule", "name", "events", "PutRule", "Name"),
    ("aws:cloudwatch/eventRule:EventRule", "description", "events", "PutRule", "Description"),
    ("aws:cloudwatch/eventTarget:EventTarget", "targetId", "events", "PutTargets", "Targets[].Id"),
    ("aws:ssm/document:Document", "name", "ssm", "CreateDocument", "Name"),
    ("aws:ssm/association:Association", "name", "ssm", "CreateAssociation", "Name"),
    ("aws:ssm/association:Association", "associationName", "ssm", "CreateAssociation", "AssociationName"),
    ("aws:ssm/patchBaseline:PatchBaseline", "name", "ssm", "CreatePatchBaseline", "Name"),
    ("aws:ssm/patchBaseline:PatchBaseline", "description", "ssm", "CreatePatchBaseline", "Description"),
    ("aws:ssm/patchGroup:PatchGroup", "patchGroup", "ssm", "RegisterPatchBaselineForPatchGroup", "PatchGroup"),
    ("aws:ssm/maintenanceWindow:MaintenanceWindow", "name", "ssm", "CreateMaintenanceWindow", "Name"),
    ("aws:ssm/maintenanceWindow:MaintenanceWindow", "description", "ssm", "CreateMaintenanceWindow", "Description"),
    ("aws:ssm/maintenanceWindowTarget:MaintenanceWindowTarget", "name", "ssm", "RegisterTargetWithMaintenanceWindow", "Name"),
    ("aws:ssm/maintenanceWindowTarget:MaintenanceWindowTarget", "description", "ssm", "RegisterTargetWithMaintenanceWindow", "Description"),
    ("aws:ssm/maintenanceWindowTask:MaintenanceWindowTask", "name", "ssm", "RegisterTaskWithMaintenanceWindow", "Name"),
    ("aws:ssm/maintenanceWindowTask:MaintenanceWindowTask", "description", "ssm", "RegisterTaskWithMaintenanceWindow", "Description"),
    ("aws:ssm/maintenanceWindowTask:MaintenanceWindowTask", "taskInvocationParameters.runCommandParameters.comment", "ssm", "RegisterTaskWithMaintenanceWindow", "TaskInvocationParameters.RunCommand.Comment"),
    ("aws:cloudwatch/logMetricFilter:LogMetricFilter", "name", "logs", "PutMetricFilter", "filterName"),
    ("aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup", "name", "route53resolver", "CreateFirewallRuleGroup", "Name"),
    ("aws:route53/resolverFirewallRule:ResolverFirewallRule", "name", "route53resolver", "CreateFirewallRule", "Name"),
    ("aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList", "name", "route53resolver", "CreateFirewallDomainList", "Name"),
    ("aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList", "domains[]", "route53resolver", "UpdateFirewallDomains", "Domains[]"),
    ("aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation", "name", "route53resolver", "AssociateFirewallRuleGroup", "Name"),
    ("aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig", "name", "route53resolver", "CreateResolverQueryLogConfig", "Name"),
    ("aws:lb/loadBalancer:LoadBalancer", "name", "elbv2", "CreateLoadBalancer", "Name"),
    ("aws:lb/targetGroup:TargetGroup", "name", "elbv2", "CreateTargetGroup", "Name"),
    ("aws:rds/instance:Instance", "identifier", "rds", "CreateDBInstance", "DBInstanceIdentifier"),
    ("aws:rds/instance:Instance", "finalSnapshotIdentifier", "rds", "DeleteDBInstance", "FinalDBSnapshotIdentifier"),
    ("aws:rds/instance:Instance", "dbName", "rds", "CreateDBInstance", "DBName"),
    ("aws:rds/cluster:Cluster", "databaseName", "rds", "CreateDBCluster", "DatabaseName"),
    ("aws:rds/cluster:Cluster", "clusterIdentifier", "rds", "CreateDBCluster", "DBClusterIdentifier"),
    ("aws:rds/cluster:Cluster", "finalSnapshotIdentifier", "rds", "DeleteDBCluster", "FinalDBSnapshotIdentifier"),
    ("aws:rds/clusterInstance:ClusterInstance", "identifier", "rds", "CreateDBInstance", "DBInstanceIdentifier"),
    ("aws:rds/subnetGroup:SubnetGroup", "name", "rds", "CreateDBSubnetGroup", "DBSubnetGroupName"),
    ("aws:rds/subnetGroup:SubnetGroup", "description", "rds", "CreateDBSubnetGroup", "DBSubnetGroupDescription"),
    ("aws:rds/parameterGroup:ParameterGroup", "name", "rds", "CreateDBParameterGroup", "DBParameterGroupName"),
    ("aws:rds/parameterGroup:ParameterGroup", "description", "rds", "CreateDBParameterGroup", "Description"),
    ("aws:rds/clusterParameterGroup:ClusterParameterGroup", "name", "rds", "CreateDBClusterParameterGroup", "DBClusterParameterGroupName"),
    ("aws:rds/clusterParameterGroup:ClusterParameterGroup", "description", "rds", "CreateDBClusterParameterGroup", "Description"),
    ("aws:rds/optionGroup:OptionGroup", "name", "rds", "CreateOptionGroup", "OptionGroupName"),
    ("aws:rds/optionGroup:OptionGroup", "optionGroupDescription", "rds", "CreateOptionGroup", "OptionGroupDescription"),
    ("aws:elasticache/user:User", "userId", "elasticache", "CreateUser", "UserId"),
    ("aws:elasticache/user:User", "userName", "elasticache", "CreateUser", "UserName"),
    ("aws:elasticache/userGroup:UserGroup", "userGroupId", "elasticache", "CreateUserGroup", "UserGroupId"),
    ("aws:elasticache/serverlessCache:ServerlessCache", "name", "elasticache", "CreateServerlessCache", "ServerlessCacheName"),
    ("aws:elasticache/serverlessCache:ServerlessCache", "description", "elasticache", "CreateServerlessCache", "Description"),
    ("aws:secretsmanager/secret:Secret", "name", "secretsmanager", "CreateSecret", "Name"),
    ("aws:secretsmanager/secret:Secret", "description", "secretsmanager", "CreateSecret", "Description"),
    ("aws:ssm/parameter:Parameter", "name", "ssm", "PutParameter", "Name"),
    ("aws:ssm/parameter:Parameter", "description", "ssm", "PutParameter", "Description"),
    ("aws:iam/role:Role", "name", "iam", "CreateRole", "RoleName"),
    ("aws:iam/role:Role", "path", "iam", "CreateRole", "Path"),
    ("aws:iam/role:Role", "description", "iam", "CreateRole", "Description"),
    ("aws:iam/rolePolicy:RolePolicy", "name", "iam", "PutRolePolicy", "PolicyName"),
    ("aws:iam/policy:Policy", "name", "iam", "CreatePolicy", "PolicyName"),
    ("aws:iam/policy:Policy", "path", "iam", "CreatePolicy", "Path"),
    ("aws:iam/policy:Policy", "description", "iam", "CreatePolicy", "Description"),
    ("aws:iam/instanceProfile:InstanceProfile", "name", "iam", "CreateInstanceProfile", "InstanceProfileName"),
    ("aws:iam/instanceProfile:InstanceProfile", "path", "iam", "CreateInstanceProfile", "Path"),
    ("aws:kms/key:Key", "description", "kms", "CreateKey", "Description"),
    ("aws:kms/alias:Alias", "name", "kms", "CreateAlias", "AliasName"),
    ("aws:cloudwatch/logGroup:LogGroup", "name", "logs", "CreateLogGroup", "logGroupName"),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "name", "cloudwatch", "PutMetricAlarm", "AlarmName"),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "alarmDescription", "cloudwatch", "PutMetricAlarm", "AlarmDescription"),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "metricName", "cloudwatch", "PutMetricAlarm", "MetricName"),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "namespace", "cloudwatch", "PutMetricAlarm", "Namespace"),
    ("aws:cloudtrail/trail:Trail", "name", "cloudtrail", "CreateTrail", "Name"),
    ("aws:s3/bucket:Bucket", "bucket", "s3", "CreateBucket", "Bucket"),
    ("aws:sns/topic:Topic", "name", "sns", "CreateTopic", "Name"),
    ("aws:backup/vault:Vault", "name", "backup", "CreateBackupVault", "BackupVaultName"),
    ("aws:backup/plan:Plan", "name", "backup", "CreateBackupPlan", "BackupPlan.BackupPlanName"),
    ("aws:backup/selection:Selection", "name", "backup", "CreateBackupSelection", "BackupSelection.SelectionName"),
    ("aws:wafv2/webAcl:WebAcl", "name", "wafv2", "CreateWebACL", "Name"),
    ("aws:wafv2/webAcl:WebAcl", "description", "wafv2", "CreateWebACL", "Description"),
    ("aws:wafv2/webAcl:WebAcl", "visibilityConfig.metricName", "wafv2", "CreateWebACL", "VisibilityConfig.MetricName"),
    ("aws:wafv2/webAcl:WebAcl", "rules[].name", "wafv2", "CreateWebACL", "Rules[].Name"),
    ("aws:wafv2/webAcl:WebAcl", "rules[].visibilityConfig.metricName", "wafv2", "CreateWebACL", "Rules[].VisibilityConfig.MetricName"),
    ("aws:wafv2/ruleGroup:RuleGroup", "name", "wafv2", "CreateRuleGroup", "Name"),
    ("aws:wafv2/ruleGroup:RuleGroup", "description", "wafv2", "CreateRuleGroup", "Description"),
    ("aws:wafv2/ruleGroup:RuleGroup", "visibilityConfig.metricName", "wafv2", "CreateRuleGroup", "VisibilityConfig.MetricName"),
    ("aws:ecs/cluster:Cluster", "name", "ecs", "CreateCluster", "clusterName"),
    ("aws:ecs/service:Service", "name", "ecs", "CreateService", "serviceName"),
    ("aws:ecs/taskDefinition:TaskDefinition", "family", "ecs", "RegisterTaskDefinition", "family"),
    ("aws:ecs/taskDefinition:TaskDefinition", "containerDefinitions@json[].name", "ecs", "RegisterTaskDefinition", "containerDefinitions[].name"),
    ("aws:efs/fileSystem:FileSystem", "creationToken", "efs", "CreateFileSystem", "CreationToken"),
    ("aws:ec2/securityGroup:SecurityGroup", "name", "ec2", "CreateSecurityGroup", "GroupName"),
    ("aws:ec2/securityGroup:SecurityGroup", "description", "ec2", "CreateSecurityGroup", "Description"),
    ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "description", "ec2", "AuthorizeSecurityGroupIngress", "IpPermissions[].IpRanges[].Description"),
    ("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "description", "ec2", "AuthorizeSecurityGroupEgress", "IpPermissions[].IpRanges[].Description"),
    ("aws:acm/certificate:Certificate", "domainName", "acm", "RequestCertificate", "DomainName"),
    ("aws:route53/record:Record", "name", "route53", "ChangeResourceRecordSets", "ChangeBatch.Changes[].ResourceRecordSet.Name"),
    ("aws:appautoscaling/policy:Policy", "name", "application-autoscaling", "PutScalingPolicy", "PolicyName"),
    ("aws:appautoscaling/policy:Policy", "resourceId", "application-autoscaling", "PutScalingPolicy", "ResourceId"),
    ("aws:appautoscaling/target:Target", "resourceId", "application-autoscaling", "RegisterScalableTarget", "ResourceId"),
]

# Characters EC2 accepts in security group names and descriptions and in rule descriptions
# (EC2 CreateSecurityGroup, GroupName/GroupDescription: "a-z, A-Z, 0-9, spaces, and
# ._-:/()#,@[]+=&;{}!$*"), as a JavaScript character class body.
EC2_CHARS = r"A-Za-z0-9 ._\-:\/()#,@\[\]+=&;{}!$*"
RDS_ID_NOT = [
    {"pattern": "--", "reason": "two consecutive hyphens"},
    {"pattern": "-$", "reason": "ends with a hyphen"},
]
ECS_NAME = {"min": 1, "max": 255, "jsPattern": "^[A-Za-z0-9_-]+$"}
RDS_LOWERCASE_NOTE = (
    "Lower case: RDS stores the value in lower case and the provider refuses upper case "
    "(terraform-provider-aws internal/service/rds/validate.go, validIdentifier / validParamGroupName "
    "/ validSubnetGroupName), so a mixed-case value fails at preview."
)

# Rules AWS documents where the service model has no min/max/pattern. jsPattern is a JavaScript
# regular expression (compiled with the "u" flag) the whole value must match; mustNotMatch lists
# patterns the value must not contain.
DOCUMENTED = [
    {
        # the model's pattern uses an inline (?i) flag JavaScript has no form for; its rule is
        # "no ':' or '\\'", plus no "/action/" and no <script> element
        "type": "aws:budgets/budget:Budget",
        "property": "name",
        "api": ("budgets", "CreateBudget", "Budget.BudgetName"),
        "url": "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html",
        "min": 1,
        "max": 100,
        "jsPattern": "^[^:\\\\]+$",
        "mustNotMatch": [
            {"pattern": "/action/", "reason": "contains /action/"},
            {"pattern": "(?:<|%3C)script", "reason": "contains a script element"},
        ],
    },
    {
        "type": "aws:lb/loadBalancer:LoadBalancer",
        "property": "name",
        "api": ("elbv2", "CreateLoadBalancer", "Name"),
        "url": "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html",
        "min": 1,
        "max": 32,
        "jsPattern": "^[A-Za-z0-9-]+$",
        "mustNotMatch": [
            {"pattern": "^-", "reason": "begins with a hyphen"},
            {"pattern": "-$", "reason": "ends with a hyphen"},
            {"pattern": "^internal-", "reason": "begins with internal-"},
        ],
    },
    {
        "type": "aws:lb/targetGroup:TargetGroup",
        "property": "name",
        "api": ("elbv2", "CreateTargetGroup", "Name"),
        "url": "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html",
        "min": 1,
        "max": 32,
        "jsPattern": "^[A-Za-z0-9-]+$",
        "mustNotMatch": [
            {"pattern": "^-", "reason": "begins with a hyphen"},
            {"pattern": "-$", "reason": "ends with a hyphen"},
        ],
    },
    {
        "type": "aws:rds/instance:Instance",
        "property": "identifier",
        "api": ("rds", "CreateDBInstance", "DBInstanceIdentifier"),
        "url": "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
        "min": 1,
        "max": 63,
        "jsPattern": "^[a-z][a-z0-9-]*$",
        "mustNotMatch": RDS_ID_NOT,
        "note": RDS_LOWERCASE_NOTE,
    },
    {
        "type": "aws:rds/clusterInstance:ClusterInstance",
        "property": "identifier",
        "api": ("rds", "CreateDBInstance", "DBInstanceIdentifier"),
        "url": "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
        "min": 1,
        "max": 63,
        "jsPattern": "^[a-z][a-z0-9-]*$",
        "mustNotMatch": RDS_ID_NOT,
        "note": RDS_LOWERCASE_NOTE,
    },
    {
        "type": "aws:rds/cluster:Cluster",
        "property": "clusterIdentifier",
        "api": ("rds", "CreateDBCluster", "DBClusterIdentifier"),
        "url": "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html",
        "min": 1,
        "max": 63,
        "jsPattern": "^[a-z][a-z0-9-]*$",
        "mustNotMatch": RDS_ID_NOT,
        "note": "63 is the Aurora limit (Multi-AZ DB clusters: 52). " + RDS_LOWERCASE_NOTE,
    },
    {
        "type": "aws:rds/instance:Instance",
        "property": "finalSnapshotIdentifier",
        "api": ("rds", "DeleteDBInstance", "FinalDBSnapshotIdentifier"),
        "url": "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html",
        "min": 1,
        "max": 255,
        "jsPattern": "^[A-Za-z][A-Za-z0-9-]*$",
        "mustNotMatch": RDS_ID_NOT,
    },
    {
        "type": "aws:rds/cluster:Cluster",
        "property": "finalSnapshotIdentifier",
        "api": ("rds", "DeleteDBCluster", "FinalDBSnapshotIdentifier"),
        "url": "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html",
        "min": 1,
        "max": 255,
        "jsPattern": "^[A-Za-z][A-Za-z0-9-]*$",
        "mustNotMatch": RDS_ID_NOT,
    },
    {
        "type": "aws:rds/instance:Instance",
        "property": "dbName",
        "api": ("rds", "CreateDBInstance", "DBName"),
        "url": "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
        "min": 1,
        "max": 64,
        "jsPattern": "^[A-Za-z][A-Za-z0-9_]*$",
        "note": "The MySQL and MariaDB rule (the program runs MySQL); other engines differ.",
    },
    {
        "type": "aws:rds/cluster:Cluster",
        "property": "databaseName",
        "api": ("rds", "CreateDBCluster", "DatabaseName"),
        "url": "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
        "min": 1,
        "max": 64,
        "jsPattern": "^[A-Za-z][A-Za-z0-9_]*$",
        "note": "CreateDBCluster gives only the length; the Aurora MySQL rule is CreateDBInstance DBName's.",
    },
    {
        "type": "aws:rds/subnetGroup:SubnetGroup",
        "property": "name",
        "api": ("rds", "CreateDBSubnetGroup", "DBSubnetGroupName"),
        "url": "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html",
        "min": 1,
        "max": 255,
        "jsPattern": "^[a-z][a-z0-9_. -]*$",
        "mustNotMatch": [{"pattern": "^default$", "flags": "i", "reason": "is default"}],
        "note": RDS_LOWERCASE_NOTE,
    },
    {
        "type": "aws:rds/parameterGroup:ParameterGroup",
        "property": "name",
        "api": ("rds", "CreateDBParameterGroup", "DBParameterGroupName"),
        "url": "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBParameterGroup.html",
        "min": 1,
        "max": 255,
        "jsPattern": "^[a-z][a-z0-9-]*$",
        "mustNotMatch": RDS_ID_NOT,
        "note": RDS_LOWERCASE_NOTE,
    },
    {
        "type": "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        "property": "name",
        "api": ("rds", "CreateDBClusterParameterGroup", "DBClusterParameterGroupName"),
        "url": "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBParameterGroup.html",
        "min": 1,
        "max": 255,
        "jsPattern": "^[a-z][a-z0-9-]*$",
        "mustNotMatch": RDS_ID_NOT,
        "note": "CreateDBClusterParameterGroup documents no charset; the DB parameter group rules apply "
        "(same provider validation, validParamGroupName). " + RDS_LOWERCASE_NOTE,
    },
    {
        "type": "aws:rds/optionGroup:OptionGroup",
        "property": "name",
        "api": ("rds", "CreateOptionGroup", "OptionGroupName"),
        "url": "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateOptionGroup.html",
        "min": 1,
        "max": 255,
        "jsPattern": "^[a-z][a-z0-9-]*$",
        "mustNotMatch": RDS_ID_NOT,
        "note": RDS_LOWERCASE_NOTE,
    },
    {
        "type": "aws:elasticache/serverlessCache:ServerlessCache",
        "property": "description",
        "api": ("elasticache", "CreateServerlessCache", "Description"),
        "url": "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateServerlessCache.html",
        "max": 255,
    },
    {
        "type": "aws:secretsmanager/secret:Secret",
        "property": "name",
        "api": ("secretsmanager", "CreateSecret", "Name"),
        "url": "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html",
        "jsPattern": "^[A-Za-z0-9/_+=.@-]+$",
    },
    {
        "type": "aws:ssm/parameter:Parameter",
        "property": "name",
        "api": ("ssm", "PutParameter", "Name"),
        "url": "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html",
        "jsPattern": "^[A-Za-z0-9_./-]+$",
        "mustNotMatch": [{"pattern": "^/?(aws|ssm)", "flags": "i", "reason": "begins with aws or ssm"}],
    },
    {
        "type": "aws:kms/alias:Alias",
        "property": "name",
        "api": ("kms", "CreateAlias", "AliasName"),
        "url": "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
        "jsPattern": "^alias/[A-Za-z0-9/_-]+$",
        "mustNotMatch": [{"pattern": "^alias/aws/", "reason": "uses the reserved alias/aws/ prefix"}],
    },
    {
        "type": "aws:cloudwatch/metricAlarm:MetricAlarm",
        "property": "name",
        "api": ("cloudwatch", "PutMetricAlarm", "AlarmName"),
        "url": "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
        "mustNotMatch": [{"pattern": "[\\u0000-\\u001F\\u007F]", "reason": "contains an ASCII control character"}],
    },
    {
        "type": "aws:cloudwatch/dashboard:Dashboard",
        "property": "dashboardName",
        "api": ("cloudwatch", "PutDashboard", "DashboardName"),
        "url": "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html",
        "min": 1,
        "max": 255,
        "jsPattern": "^[A-Za-z0-9_-]+$",
    },
    {
        "type": "aws:cloudtrail/trail:Trail",
        "property": "name",
        "api": ("cloudtrail", "CreateTrail", "Name"),
        "url": "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html",
        "min": 3,
        "max": 128,
        "jsPattern": "^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$",
        "mustNotMatch": [
            {"pattern": "[._-]{2}", "reason": "has adjacent periods, underscores or dashes"},
            {"pattern": "^\\d+\\.\\d+\\.\\d+\\.\\d+$", "reason": "is in IP address format"},
        ],
    },
    {
        # S3's models carry no pattern for bucket names.
        "type": "aws:s3/bucket:Bucket",
        "property": "bucket",
        "api": ("s3", "CreateBucket", "Bucket"),
        "url": "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
        "min": 3,
        "max": 63,
        "jsPattern": "^[a-z0-9][a-z0-9.-]*[a-z0-9]$",
        "mustNotMatch": [
            {"pattern": "\\.\\.", "reason": "has two adjacent periods"},
            {"pattern": "^\\d+\\.\\d+\\.\\d+\\.\\d+$", "reason": "is formatted as an IP address"},
            {"pattern": "^xn--", "reason": "begins with the reserved prefix xn--"},
            {"pattern": "^sthree-", "reason": "begins with the reserved prefix sthree-"},
            {"pattern": "^amzn-s3-demo-", "reason": "begins with the reserved prefix amzn-s3-demo-"},
            {"pattern": "-s3alias$", "reason": "ends with the reserved suffix -s3alias"},
            {"pattern": "--ol-s3$", "reason": "ends with the reserved suffix --ol-s3"},
            {"pattern": "\\.mrap$", "reason": "ends with the reserved suffix .mrap"},
            {"pattern": "--x-s3$", "reason": "ends with the reserved suffix --x-s3"},
            {"pattern": "--table-s3$", "reason": "ends with the reserved suffix --table-s3"},
        ],
    },
    {
        "type": "aws:sns/topic:Topic",
        "property": "name",
        "api": ("sns", "CreateTopic", "Name"),
        "url": "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
        "min": 1,
        "max": 256,
        "jsPattern": "^[A-Za-z0-9_-]+(\\.fifo)?$",
    },
    {
        "type": "aws:backup/plan:Plan",
        "property": "name",
        "api": ("backup", "CreateBackupPlan", "BackupPlan.BackupPlanName"),
        "url": "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupPlanInput.html",
        "min": 1,
        "max": 50,
        "jsPattern": "^[A-Za-z0-9_.-]+$",
    },
    {
        "type": "aws:ecs/cluster:Cluster",
        "property": "name",
        "api": ("ecs", "CreateCluster", "clusterName"),
        "url": "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html",
        **ECS_NAME,
    },
    {
        "type": "aws:ecs/service:Service",
        "property": "name",
        "api": ("ecs", "CreateService", "serviceName"),
        "url": "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html",
        **ECS_NAME,
    },
    {
        "type": "aws:ecs/taskDefinition:TaskDefinition",
        "property": "family",
        "api": ("ecs", "RegisterTaskDefinition", "family"),
        "url": "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html",
        **ECS_NAME,
    },
    {
        "type": "aws:ecs/taskDefinition:TaskDefinition",
        "property": "containerDefinitions@json[].name",
        "api": ("ecs", "RegisterTaskDefinition", "containerDefinitions[].name"),
        "url": "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html",
        **ECS_NAME,
    },
    {
        "type": "aws:ec2/securityGroup:SecurityGroup",
        "property": "name",
        "api": ("ec2", "CreateSecurityGroup", "GroupName"),
        "url": "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
        "min": 1,
        "max": 255,
        "jsPattern": "^[" + EC2_CHARS + "]+$",
        "mustNotMatch": [{"pattern": "^sg-", "reason": "begins with sg-"}],
    },
    {
        "type": "aws:ec2/securityGroup:SecurityGroup",
        "property": "description",
        "api": ("ec2", "CreateSecurityGroup", "Description"),
        "url": "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
        "min": 1,
        "max": 255,
        "jsPattern": "^[" + EC2_CHARS + "]+$",
    },
    {
        "type": "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "property": "description",
        "api": ("ec2", "AuthorizeSecurityGroupIngress", "IpPermissions[].IpRanges[].Description"),
        "url": "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html",
        "max": 255,
        "jsPattern": "^[" + EC2_CHARS + "]*$",
    },
    {
        "type": "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        "property": "description",
        "api": ("ec2", "AuthorizeSecurityGroupEgress", "IpPermissions[].IpRanges[].Description"),
        "url": "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html",
        "max": 255,
        "jsPattern": "^[" + EC2_CHARS + "]*$",
    },
]

# Java escapes of characters that need none; JavaScript's "u" flag refuses them (\_ in Backup's
# vault pattern, for one).
SYNTAX_CHARS = set("^$\\.*+?()[]{}|/")
KEPT_ESCAPES = set("dDwWsSbBnrtfv0uxcpPk")


def js_pattern(java):
    """Translates a botocore (Java-style) pattern to a JavaScript one that must match the whole
    value: AWS matches patterns against the entire string."""
    out = []
    in_class = False
    i = 0
    while i < len(java):
        c = java[i]
        if c == "\\" and i + 1 < len(java):
            n = java[i + 1]
            if java.startswith("\\p{Print}", i):
                # Java's POSIX class \p{Print}: printable ASCII, space included
                out.append("\\x20-\\x7E" if in_class else "[\\x20-\\x7E]")
                i += len("\\p{Print}")
                continue
            if n in KEPT_ESCAPES or n in SYNTAX_CHARS or (n == "-" and in_class):
                out.append(c + n)
            else:
                out.append(n)
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class:
            in_class = False
        out.append(c)
        i += 1
    return "^(?:" + "".join(out) + ")$"


class Models:
    def __init__(self):
        self.loader = botocore.session.get_session().get_component("data_loader")
        self.cache = {}

    def model(self, service):
        if service not in self.cache:
            version = self.loader.determine_latest_version(service, "service-2")
            self.cache[service] = (version, self.loader.load_service_model(service, "service-2", version))
        return self.cache[service]

    def member(self, service, operation, member_path):
        version, model = self.model(service)
        shapes = model["shapes"]
        if operation not in model["operations"]:
            sys.exit(
                f"generate.py: botocore {botocore.__version__} does not model {service} {operation}; "
                "run it with a newer botocore"
            )
        shape_name = model["operations"][operation]["input"]["shape"]
        for segment in member_path.split("."):
            is_list = segment.endswith("[]")
            name = segment[:-2] if is_list else segment
            shape_name = shapes[shape_name]["members"][name]["shape"]
            if is_list:
                shape_name = shapes[shape_name]["member"]["shape"]
        return version, shape_name, shapes[shape_name]


def api(service, operation, member, version, shape):
    return {
        "service": service,
        "operation": operation,
        "member": member,
        "model": f"{service}/{version}",
        "shape": shape,
    }


def build():
    models = Models()
    source = f"botocore {botocore.__version__}"
    rules = []
    for type_, prop, service, operation, member in MAPPINGS:
        version, shape_name, shape = models.member(service, operation, member)
        rule = {"type": type_, "property": prop, "api": api(service, operation, member, version, shape_name)}
        for key in ("min", "max", "pattern"):
            if key in shape:
                rule[key] = shape[key]
        if "pattern" in shape:
            rule["jsPattern"] = js_pattern(shape["pattern"])
        rule["source"] = source
        rules.append(rule)
    for doc in DOCUMENTED:
        service, operation, member = doc["api"]
        version, shape_name, _ = models.member(service, operation, member)
        rule = {
            "type": doc["type"],
            "property": doc["property"],
            "api": api(service, operation, member, version, shape_name),
        }
        for key in ("min", "max", "jsPattern", "mustNotMatch", "note"):
            if key in doc:
                rule[key] = doc[key]
        rule["source"] = "documented"
        rule["url"] = doc["url"]
        rules.append(rule)
    return {
        "$comment": "Generated by tools/aws-rules/generate.py from botocore's service models plus "
        "hand-written documented rules; do not edit by hand. Checked by tools/aws-rules/check.ts.",
        "generator": COMMAND,
        "botocore": {"version": botocore.__version__},
        "rules": rules,
    }


def main():
    text = json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
    if "--stdout" in sys.argv[1:]:
        sys.stdout.write(text)
        return
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(OUT)} (botocore {botocore.__version__})")


if __name__ == "__main__":
    main()
