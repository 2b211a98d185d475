import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { assumeRolePolicyFor } from "../iam/trust";
import { NAME_LIMITS, nameWithin } from "../naming/aws-names";
import { retainedLogGroup } from "../logs/log-group";

export interface EfsVolume {
  /** Volume name inside the task definition. */
  name: string;
  fileSystemId: pulumi.Input<string>;
  fileSystemArn: pulumi.Input<string>;
  accessPointId: pulumi.Input<string>;
  accessPointArn: pulumi.Input<string>;
  /** Where the container sees it. */
  containerPath: string;
}

/**
 * A short-lived container that runs to completion in every task before the main container starts:
 * same image, entry point, command, volumes and log group as the main container unless set here,
 * non-essential, no port, no health check. The main container depends on it with condition
 * SUCCESS: it starts only when this one exits 0, and the task stops if it exits otherwise. Both
 * share the task's CPU and memory (no container-level limits), one after the other.
 */
export interface SetupContainerArgs {
  /** Container name, different from the main container's. */
  name: string;
  /** Plain settings; the main container's are not inherited. */
  environment: Record<string, pulumi.Input<string>>;
  /** Secret settings, as for the main container; their secrets must be in `secretArns`. */
  secrets: Record<string, pulumi.Input<string>>;
  entryPoint?: string[];
  command?: string[];
}

/**
 * A container that runs to completion before the setup and main containers, in the order given,
 * each one only after the one before it exited 0 (dependsOn SUCCESS): non-essential, no port, no
 * health check, logging to the service's log group. The setup container (or, without one, the main
 * container) waits for the last of them.
 */
export interface InitContainerArgs {
  name: string;
  /** Default: the service's image. */
  image?: string;
  entryPoint: string[];
  command: string[];
  environment: Record<string, pulumi.Input<string>>;
  /** Secret settings; their secrets must be in `secretArns`. */
  secrets: Record<string, pulumi.Input<string>>;
  /** Names of the task's volumes it mounts (at their containerPath); default none. */
  volumes?: string[];
}

export interface FargateServiceArgs {
  /** The deployment region (log delivery, ARNs). */
  region: string;
  /** ECS cluster name (also names the Container Insights log group). */
  clusterName: string;
  /** Task definition family and service name. */
  serviceName: string;
  containerName: string;
  image: string;
  architecture: "arm64" | "x86_64";
  /** Task CPU units and memory (MiB), a combination Fargate accepts. */
  cpu: number;
  memory: number;
  containerPort: number;
  entryPoint?: string[];
  command?: string[];
  /** Plain, non-secret settings. */
  environment: Record<string, pulumi.Input<string>>;
  /** Secret settings: variable name -> Secrets Manager `valueFrom` (ARN[:json-key::]). */
  secrets: Record<string, pulumi.Input<string>>;
  /**
   * Secrets Manager secrets the execution role may read to start a task: those of the main and
   * of the setup container (ARNs, without json keys). The task role never reads secrets.
   */
  secretArns: pulumi.Input<string>[];
  /** Keys those secrets are encrypted with. */
  secretKmsKeyArns: pulumi.Input<string>[];
  /** Container health check command (run with CMD-SHELL). */
  healthCheckCommand: string;
  /** A container that must exit 0 before the main container starts (see SetupContainerArgs). */
  setupContainer?: SetupContainerArgs;
  /** Containers that run, one after the other, before the setup container (InitContainerArgs). */
  initContainers?: InitContainerArgs[];
  /** Statements the task role gets besides its volumes' and ECS Exec's. */
  taskPolicyStatements?: pulumi.Input<aws.iam.PolicyStatement[]>;
  volumes: EfsVolume[];
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  securityGroupIds: pulumi.Input<string>[];
  targetGroupArn: pulumi.Input<string>;
  /** Seconds load-balancer health checks are ignored after a task starts. */
  healthCheckGracePeriodSeconds: number;
  minTasks: number;
  maxTasks: number;
  cpuTargetPercent: number;
  /** A second target-tracking policy on memory when set. */
  memoryTargetPercent?: number;
  /** ECS Exec: an audited shell in running tasks, sessions encrypted and logged. */
  ecsExec: boolean;
  logGroupPrefix: string;
  logRetentionDays: number;
  logKmsKeyArn: pulumi.Input<string>;
  protectLogs: boolean;
  /** Resources that must exist before the service starts tasks (listener, mount targets, database). */
  serviceDependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * An ECS cluster with Container Insights and one Fargate service behind a load balancer: a task
 * definition (ARM64 by default) whose secrets come from Secrets Manager through the execution role,
 * EFS volumes mounted through access points with TLS and IAM authorization, logs to KMS-encrypted
 * log groups with retention, a deployment circuit breaker that rolls back, and target-tracking
 * autoscaling on CPU and memory.
 */
export class FargateService extends pulumi.ComponentResource {
  public readonly cluster: aws.ecs.Cluster;
  public readonly taskDefinition: aws.ecs.TaskDefinition;
  public readonly service: aws.ecs.Service;
  public readonly executionRole: aws.iam.Role;
  public readonly taskRole: aws.iam.Role;
  public readonly logGroup: aws.cloudwatch.LogGroup;
  public readonly execLogGroup: aws.cloudwatch.LogGroup | undefined;
  public readonly insightsLogGroup: aws.cloudwatch.LogGroup;
  public readonly scalingTarget: aws.appautoscaling.Target;

  constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:service:FargateService", name, {}, opts);
    const child = { parent: this };
    if (args.minTasks > args.maxTasks) {
      throw new Error(
        `${name}: minTasks ${args.minTasks} is greater than maxTasks ${args.maxTasks}`,
      );
    }
    const setup = args.setupContainer;
    const init = args.initContainers ?? [];
    const names = [args.containerName, ...(setup ? [setup.name] : []), ...init.map((c) => c.name)];
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new Error(`${name}: two containers are named ${twice}`);
    for (const c of init) {
      for (const v of c.volumes ?? []) {
        if (!args.volumes.some((volume) => volume.name === v)) {
          throw new Error(`${name}: container ${c.name} mounts ${v}, which is not a task volume`);
        }
      }
    }
    for (const c of [args, ...(setup ? [setup] : []), ...init]) {
      for (const key of Object.keys(c.secrets)) {
        if (key in c.environment) {
          throw new Error(`${name}: ${key} is both a secret and a plain environment value`);
        }
      }
    }
    if (setup && setup.name === args.containerName) {
      throw new Error(`${name}: the setup container needs a name of its own, not ${setup.name}`);
    }
    const region = args.region;
    const identity = aws.getCallerIdentityOutput({}, child);
    const partition = aws.getPartitionOutput({}, child).partition;

    const logGroup = (suffix: string, logGroupName: string, dataProtection = false) =>
      retainedLogGroup(
        `${name}-${suffix}`,
        {
          logGroupName,
          retentionInDays: args.logRetentionDays,
          kmsKeyArn: args.logKmsKeyArn,
          protect: args.protectLogs,
          dataProtection,
        },
        child,
      );
    // OpenEMR's and PHP's output: masked for patient identifiers (the other two carry none)
    this.logGroup = logGroup("logs", `${args.logGroupPrefix}/ecs/${args.serviceName}`, true);
    // Container Insights writes here; created first so it has retention and the key
    this.insightsLogGroup = logGroup(
      "insights-logs",
      `/aws/ecs/containerinsights/${args.clusterName}/performance`,
    );
    this.execLogGroup = args.ecsExec
      ? logGroup("exec-logs", `${args.logGroupPrefix}/ecs/${args.serviceName}-exec`)
      : undefined;

    this.cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      {
        name: args.clusterName,
        // standard Container Insights: metrics priced per metric, predictable at rest ("enhanced"
        // adds per-container metrics, billed per observation)
        settings: [{ name: "containerInsights", value: "enabled" }],
        configuration: this.execLogGroup
          ? {
              executeCommandConfiguration: {
                kmsKeyId: args.logKmsKeyArn,
                logging: "OVERRIDE",
                logConfiguration: {
                  cloudWatchLogGroupName: this.execLogGroup.name,
                  cloudWatchEncryptionEnabled: true,
                },
              },
            }
          : undefined,
      },
      { ...child, dependsOn: [this.insightsLogGroup] },
    );

    // --- roles: ECS (execution) reads secrets and writes logs; the task mounts EFS (and ECS Exec) ---
    const assumeRole = assumeRolePolicyFor(
      "ecs-tasks.amazonaws.com",
      pulumi.all([identity.accountId, region, partition]).apply(([account, r, part]) => ({
        StringEquals: { "aws:SourceAccount": account },
        ArnLike: { "aws:SourceArn": `arn:${part}:ecs:${r}:${account}:*` },
      })),
    );
    this.executionRole = new aws.iam.Role(
      `${name}-execution-role`,
      {
        name: nameWithin(`${name}-execution-role`, NAME_LIMITS.iamRole),
        assumeRolePolicy: assumeRole,
        description: `${name}: starts tasks, reads their secrets`,
      },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-execution-policy`,
      {
        role: this.executionRole.id,
        policy: pulumi
          .all([this.logGroup.arn, pulumi.all(args.secretArns), pulumi.all(args.secretKmsKeyArns)])
          .apply(([logArn, secretArns, keyArns]) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Sid: "WriteContainerLogs",
                  Effect: "Allow",
                  Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                  Resource: `${logArn}:log-stream:*`,
                },
                {
                  Sid: "ReadTaskSecrets",
                  Effect: "Allow",
                  Action: "secretsmanager:GetSecretValue",
                  Resource: secretArns,
                },
                {
                  Sid: "DecryptTaskSecrets",
                  Effect: "Allow",
                  Action: "kms:Decrypt",
                  Resource: keyArns,
                  Condition: { StringLike: { "kms:ViaService": "secretsmanager.*.amazonaws.com" } },
                },
              ],
            }),
          ),
      },
      child,
    );

    this.taskRole = new aws.iam.Role(
      `${name}-task-role`,
      {
        name: nameWithin(`${name}-task-role`, NAME_LIMITS.iamRole),
        assumeRolePolicy: assumeRole,
        description: `${name}: what the running containers may do`,
      },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-task-policy`,
      {
        role: this.taskRole.id,
        policy: pulumi
          .all([
            pulumi.all(args.volumes.map((v) => pulumi.all([v.fileSystemArn, v.accessPointArn]))),
            this.execLogGroup?.arn ?? "",
            args.ecsExec ? args.logKmsKeyArn : "",
            args.taskPolicyStatements ?? [],
          ])
          .apply(([volumes, execLogArn, execKeyArn, extra]) => {
            const statements: Record<string, unknown>[] = volumes.map(([fsArn, apArn], i) => ({
              Sid: `MountVolume${i}ThroughItsAccessPoint`,
              Effect: "Allow",
              Action: [
                "elasticfilesystem:ClientMount",
                "elasticfilesystem:ClientWrite",
                "elasticfilesystem:ClientRootAccess",
              ],
              Resource: fsArn,
              Condition: { StringEquals: { "elasticfilesystem:AccessPointArn": apArn } },
            }));
            if (execLogArn) {
              statements.push(
                {
                  Sid: "EcsExecChannels",
                  Effect: "Allow",
                  Action: [
                    "ssmmessages:CreateControlChannel",
                    "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel",
                    "ssmmessages:OpenDataChannel",
                  ],
                  Resource: "*",
                },
                {
                  Sid: "EcsExecSessionLogs",
                  Effect: "Allow",
                  Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                  Resource: [execLogArn, `${execLogArn}:log-stream:*`],
                },
                {
                  Sid: "EcsExecFindLogGroup",
                  Effect: "Allow",
                  Action: "logs:DescribeLogGroups",
                  Resource: "*",
                },
                {
                  Sid: "EcsExecSessionEncryption",
                  Effect: "Allow",
                  Action: "kms:Decrypt",
                  Resource: execKeyArn,
                },
              );
            }
            statements.push(...(extra as Record<string, unknown>[]));
            return JSON.stringify({ Version: "2012-10-17", Statement: statements });
          }),
      },
      child,
    );

    // --- task definition: the main container and the setup container it waits for, if any ---
    const base = (c: {
      name: string;
      image?: string;
      environment: Record<string, pulumi.Input<string>>;
      secrets: Record<string, pulumi.Input<string>>;
      entryPoint?: string[];
      command?: string[];
      volumes?: string[];
    }): aws.ecs.ContainerDefinition => ({
      name: c.name,
      image: c.image ?? args.image,
      entryPoint: c.entryPoint,
      command: c.command,
      environment: Object.entries(c.environment).map(([key, value]) => ({ name: key, value })),
      secrets: Object.entries(c.secrets).map(([key, valueFrom]) => ({ name: key, valueFrom })),
      mountPoints: args.volumes
        .filter((v) => c.volumes === undefined || c.volumes.includes(v.name))
        .map((v) => ({
          sourceVolume: v.name,
          containerPath: v.containerPath,
          readOnly: false,
        })),
      readonlyRootFilesystem: false,
      linuxParameters: { initProcessEnabled: true },
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": this.logGroup.name,
          "awslogs-region": region,
          "awslogs-stream-prefix": args.serviceName,
        },
      },
    });
    const after = (container: string | undefined) =>
      container ? [{ containerName: container, condition: "SUCCESS" }] : undefined;
    const initContainers: aws.ecs.ContainerDefinition[] = init.map((c, i) => ({
      ...base({ ...c, volumes: c.volumes ?? [] }),
      essential: false,
      dependsOn: after(init[i - 1]?.name),
    }));
    const lastInit = init[init.length - 1]?.name;
    const setupContainer: aws.ecs.ContainerDefinition | undefined = setup
      ? {
          ...base({
            name: setup.name,
            environment: setup.environment,
            secrets: setup.secrets,
            entryPoint: setup.entryPoint ?? args.entryPoint,
            command: setup.command ?? args.command,
          }),
          // it exits when done; SUCCESS may only name a non-essential container
          essential: false,
          dependsOn: after(lastInit),
        }
      : undefined;
    const container: aws.ecs.ContainerDefinition = {
      ...base({
        name: args.containerName,
        environment: args.environment,
        secrets: args.secrets,
        entryPoint: args.entryPoint,
        command: args.command,
      }),
      essential: true,
      portMappings: [{ containerPort: args.containerPort, protocol: "tcp" }],
      dependsOn:
        setup || lastInit ? [...(after(setup?.name) ?? []), ...(after(lastInit) ?? [])] : undefined,
      healthCheck: {
        command: ["CMD-SHELL", args.healthCheckCommand],
        interval: 30,
        timeout: 10,
        retries: 3,
        startPeriod: 300,
      },
    };
    this.taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: args.serviceName,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(args.cpu),
        memory: String(args.memory),
        runtimePlatform: {
          cpuArchitecture: args.architecture === "arm64" ? "ARM64" : "X86_64",
          operatingSystemFamily: "LINUX",
        },
        executionRoleArn: this.executionRole.arn,
        taskRoleArn: this.taskRole.arn,
        volumes: args.volumes.map((v) => ({
          name: v.name,
          efsVolumeConfiguration: {
            fileSystemId: v.fileSystemId,
            transitEncryption: "ENABLED",
            authorizationConfig: { accessPointId: v.accessPointId, iam: "ENABLED" },
          },
        })),
        containerDefinitions: pulumi.jsonStringify([
          container,
          ...(setupContainer ? [setupContainer] : []),
          ...initContainers,
        ]),
      },
      child,
    );

    this.service = new aws.ecs.Service(
      `${name}-service`,
      {
        name: args.serviceName,
        cluster: this.cluster.arn,
        taskDefinition: this.taskDefinition.arn,
        launchType: "FARGATE",
        platformVersion: "LATEST",
        desiredCount: args.minTasks,
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        availabilityZoneRebalancing: "ENABLED",
        healthCheckGracePeriodSeconds: args.healthCheckGracePeriodSeconds,
        networkConfiguration: {
          subnets: args.subnetIds,
          securityGroups: args.securityGroupIds,
          assignPublicIp: false,
        },
        loadBalancers: [
          {
            targetGroupArn: args.targetGroupArn,
            containerName: args.containerName,
            containerPort: args.containerPort,
          },
        ],
        enableExecuteCommand: args.ecsExec,
        enableEcsManagedTags: true,
        propagateTags: "SERVICE",
        // the first start runs OpenEMR's installer; do not hold the deployment for it
        waitForSteadyState: false,
      },
      {
        ...child,
        dependsOn: args.serviceDependsOn,
        // autoscaling owns the running count after creation
        ignoreChanges: ["desiredCount"],
      },
    );

    this.scalingTarget = new aws.appautoscaling.Target(
      `${name}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${this.cluster.name}/${this.service.name}`,
        minCapacity: args.minTasks,
        maxCapacity: args.maxTasks,
      },
      child,
    );
    const trackingPolicy = (
      suffix: string,
      metric: "ECSServiceAverageCPUUtilization" | "ECSServiceAverageMemoryUtilization",
      target: number,
    ) =>
      new aws.appautoscaling.Policy(
        `${name}-${suffix}-scaling`,
        {
          name: `${name}-${suffix}-target`,
          policyType: "TargetTrackingScaling",
          serviceNamespace: this.scalingTarget.serviceNamespace,
          scalableDimension: this.scalingTarget.scalableDimension,
          resourceId: this.scalingTarget.resourceId,
          targetTrackingScalingPolicyConfiguration: {
            predefinedMetricSpecification: { predefinedMetricType: metric },
            targetValue: target,
            scaleOutCooldown: 60,
            scaleInCooldown: 300,
          },
        },
        child,
      );
    trackingPolicy("cpu", "ECSServiceAverageCPUUtilization", args.cpuTargetPercent);
    if (args.memoryTargetPercent !== undefined) {
      trackingPolicy("memory", "ECSServiceAverageMemoryUtilization", args.memoryTargetPercent);
    }

    this.registerOutputs({ clusterName: this.cluster.name, serviceName: this.service.name });
  }
}
