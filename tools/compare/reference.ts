// The "reference-equivalent" Fargate configuration: our fargate plan resized to the reference
// OpenEMR-on-Fargate deployment (openemr/openemr-on-ecs at commit 2d68a42, VERSION 4.1.1): one NAT
// gateway per AZ over two AZs, an Aurora Serverless v2 writer and one reader at 0.5 ACU minimum,
// and two ARM tasks of 2 vCPU / 4 GiB. Everything else stays as our program plans it, so the same
// estimator prices both on equal terms.
//
// This is a transformation of the plan's inputs, not a second program run: it does not depend on
// how the fargate preset's config keys are spelled, and it fails loudly when the plan lacks one of
// the resources it resizes.
import { PlanIndex } from "../plan/plan-index";
import { T } from "../plan/tokens";
import type { PlanFile, PlanResource } from "../plan/types";
import { isObject } from "../plan/values";

export const REFERENCE = {
  /** With one NAT gateway in each. */
  availabilityZones: 2,
  auroraInstances: 2,
  auroraMinAcu: 0.5,
  taskCpu: "2048",
  taskMemory: "4096",
  tasks: 2,
  /** The reference README's published base cost. */
  publishedMonthlyUsd: 152.72,
} as const;

export function referenceEquivalent(plan: PlanFile): PlanFile {
  const copy = structuredClone(plan);
  copy.preset = `${plan.preset} (reference-equivalent)`;
  const index = new PlanIndex(copy);
  const need = (type: string): PlanResource[] => {
    const found = index.ofType(type);
    if (found.length === 0) {
      throw new Error(`reference-equivalent: the ${plan.preset} plan has no ${type} to resize`);
    }
    return found;
  };

  // one NAT gateway (and its address) per zone: copies of the plan's first, in the other zones
  const nats = need(T.natGateway);
  const zones = new Set(need(T.subnet).map((s) => s.props.availabilityZone)).size;
  if (zones !== REFERENCE.availabilityZones) {
    throw new Error(
      `reference-equivalent: the ${plan.preset} plan spans ${zones} AZs, the reference ${REFERENCE.availabilityZones}`,
    );
  }
  for (let i = nats.length; i < zones; i++) {
    for (const part of [nats[0], ...index.refs(nats[0], "allocationId", T.eip)]) {
      const copyOfPart = structuredClone(part);
      copyOfPart.name = `${part.name}-az${i + 1}`;
      copyOfPart.urn = `${part.urn}-az${i + 1}`;
      copy.resources.push(copyOfPart);
    }
  }

  for (const cluster of need(T.rdsCluster)) {
    const scaling = isObject(cluster.props.serverlessv2ScalingConfiguration)
      ? cluster.props.serverlessv2ScalingConfiguration
      : {};
    cluster.props.serverlessv2ScalingConfiguration = {
      ...scaling,
      minCapacity: REFERENCE.auroraMinAcu,
    };
    const instances = index.referrers(cluster, T.rdsClusterInstance, "clusterIdentifier");
    if (instances.length === 0) {
      throw new Error(`reference-equivalent: Aurora cluster ${cluster.name} has no instances`);
    }
    for (let i = instances.length; i < REFERENCE.auroraInstances; i++) {
      const reader = structuredClone(instances[0]);
      reader.name = `${instances[0].name}-reader${i}`;
      reader.urn = `${instances[0].urn}-reader${i}`;
      reader.props.promotionTier = 1;
      copy.resources.push(reader);
    }
  }

  for (const service of need(T.ecsService)) {
    service.props.desiredCount = REFERENCE.tasks;
    for (const td of index.refs(service, "taskDefinition", T.ecsTaskDefinition)) {
      td.props.cpu = REFERENCE.taskCpu;
      td.props.memory = REFERENCE.taskMemory;
      td.props.runtimePlatform = {
        ...(isObject(td.props.runtimePlatform) ? td.props.runtimePlatform : {}),
        cpuArchitecture: "ARM64",
      };
    }
    for (const target of index.referrers(service, T.autoscalingTarget, "resourceId")) {
      target.props.minCapacity = REFERENCE.tasks;
    }
  }
  return copy;
}
