// What some AWS resources of a plan amount to, read from their inputs and their neighbours': the
// EBS volumes wherever they are declared, a service's tasks at rest,
// what an AWS Backup selection covers. The cost models and the comparison both read them here.
import type { PlanIndex } from "./plan-index";
import { T } from "./tokens";
import type { PlanResource, PlanValue } from "./types";
import { bool, get, list, num, obj, str, tagsOf } from "./values";

/** An EBS volume of the plan: an instance's root or inline device, or an aws:ebs/volume. */
export interface PlanVolume {
  /** The resource that declares it (instance or volume). */
  owner: PlanResource;
  /** The instance it belongs to or is attached to, when known. */
  instance?: PlanResource;
  label: string;
  /** The inline device's deviceName (ebsBlockDevices only). */
  deviceName?: string;
  sizeGb?: number;
  type?: string;
  iops?: number;
  throughput?: number;
  encrypted?: boolean;
  /** The KMS key input (ARN/id) as planned, or undefined for the AWS-managed key. */
  kmsKeyInput?: PlanValue;
  /** The property that carries the key (for property dependencies): "rootBlockDevice", ... */
  kmsKeyProp: string;
  tags: Record<string, string>;
}

export function planVolumes(plan: PlanIndex): PlanVolume[] {
  const out: PlanVolume[] = [];
  for (const inst of plan.ofType(T.ec2Instance)) {
    const volumeTags = tagsOf(inst.props.volumeTags);
    const root = obj(inst.props.rootBlockDevice);
    out.push({
      owner: inst,
      instance: inst,
      label: `root volume of ${inst.name}`,
      sizeGb: num(root?.volumeSize),
      type: str(root?.volumeType),
      iops: num(root?.iops),
      throughput: num(root?.throughput),
      encrypted: bool(root?.encrypted),
      kmsKeyInput: root?.kmsKeyId,
      kmsKeyProp: "rootBlockDevice",
      tags: { ...volumeTags, ...tagsOf(root?.tags) },
    });
    for (const dev of list(inst.props.ebsBlockDevices) ?? []) {
      const d = obj(dev);
      out.push({
        owner: inst,
        instance: inst,
        label: `${str(d?.deviceName) ?? "device"} of ${inst.name}`,
        deviceName: str(d?.deviceName),
        sizeGb: num(d?.volumeSize),
        type: str(d?.volumeType),
        iops: num(d?.iops),
        throughput: num(d?.throughput),
        encrypted: bool(d?.encrypted),
        kmsKeyInput: d?.kmsKeyId,
        kmsKeyProp: "ebsBlockDevices",
        tags: { ...volumeTags, ...tagsOf(d?.tags) },
      });
    }
  }
  for (const vol of plan.ofType(T.ebsVolume)) {
    const attachment = plan.referrers(vol, T.volumeAttachment, "volumeId")[0];
    const instance = attachment ? plan.refs(attachment, "instanceId", T.ec2Instance)[0] : undefined;
    out.push({
      owner: vol,
      instance,
      label: `volume ${vol.name}`,
      sizeGb: num(vol.props.size),
      type: str(vol.props.type),
      iops: num(vol.props.iops),
      throughput: num(vol.props.throughput),
      encrypted: bool(vol.props.encrypted),
      kmsKeyInput: vol.props.kmsKeyId,
      kmsKeyProp: "kmsKeyId",
      tags: tagsOf(vol.props.tags),
    });
  }
  return out;
}

/** The number of tasks a service runs at rest: its desiredCount or its autoscaling minimum. */
export function tasksAtRest(
  service: PlanResource,
  plan: PlanIndex,
): { count?: number; why: string } {
  const desired = service.props.desiredCount;
  const desiredNum = desired === undefined || desired === null ? 0 : num(desired);
  const target = plan.referrers(service, T.autoscalingTarget, "resourceId")[0];
  const min = target ? num(target.props.minCapacity) : undefined;
  if (desiredNum === undefined) return { why: "desiredCount not known at plan time" };
  if (target && min === undefined) return { why: "autoscaling minimum not known at plan time" };
  if (min !== undefined && min > desiredNum) return { count: min, why: "autoscaling minimum" };
  return { count: desiredNum, why: "desiredCount" };
}

/** The types an AWS Backup selection can cover that the plan can show. */
export const BACKUP_TARGET_TYPES: readonly string[] = [
  T.ebsVolume,
  T.ec2Instance,
  T.rdsInstance,
  T.rdsCluster,
  T.efsFileSystem,
];

/** The resources an AWS Backup selection covers: listed ones and tag matches. */
export function backupSelectionTargets(r: PlanResource, plan: PlanIndex): PlanResource[] {
  const listed = plan.refs(r, "resources").filter((x) => BACKUP_TARGET_TYPES.includes(x.type));
  const byTag: PlanResource[] = [];
  for (const cond of list(r.props.selectionTags) ?? []) {
    const key = str(get(cond, "key"));
    const value = str(get(cond, "value"));
    if (str(get(cond, "type")) !== "STRINGEQUALS" || key === undefined || value === undefined)
      continue;
    for (const x of plan.plan.resources) {
      if (BACKUP_TARGET_TYPES.includes(x.type) && tagsOf(x.props.tags)[key] === value)
        byTag.push(x);
    }
  }
  return [...new Set([...listed, ...byTag])];
}
