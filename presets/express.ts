// The express preset: one Graviton instance, OpenEMR and MySQL in containers on it.
import { z } from "zod";
import { ec2InstanceType, int } from "./fields";

export const expressSettingsSchema = z.strictObject({
  instanceType: ec2InstanceType.optional(),
  rootVolumeGb: int(20, 1024, "GiB").optional(),
  snapshotRetentionDays: int(1, 365, "days").optional(),
  swapGb: int(0, 16, "GiB").optional(),
  detailedMonitoring: z.boolean().optional(),
});

export interface ExpressSettings {
  instanceType: string;
  rootVolumeGb: number;
  snapshotRetentionDays: number;
  swapGb: number;
  detailedMonitoring: boolean;
}

export function resolveExpress(
  overrides: z.infer<typeof expressSettingsSchema>,
  architecture: "arm64" | "x86_64",
): ExpressSettings {
  return {
    instanceType: overrides.instanceType ?? (architecture === "arm64" ? "t4g.small" : "t3.small"),
    rootVolumeGb: overrides.rootVolumeGb ?? 20,
    snapshotRetentionDays: overrides.snapshotRetentionDays ?? 14,
    swapGb: overrides.swapGb ?? 2,
    detailedMonitoring: overrides.detailedMonitoring ?? false,
  };
}
