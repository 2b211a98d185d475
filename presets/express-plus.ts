// The express-plus preset: express plus a customer-managed key, a separate encrypted data volume,
// off-instance encrypted backups and an audit trail.
import { z } from "zod";
import { int } from "./fields";
import { expressSettingsSchema, resolveExpress, type ExpressSettings } from "./express";

export const expressPlusSettingsSchema = expressSettingsSchema.extend({
  dataVolumeGb: int(10, 16384, "GiB").optional(),
  backupRetentionDays: int(14, 3650, "days").optional(),
  backupHourUtc: int(0, 23, "hours").optional(),
});

export interface ExpressPlusSettings extends ExpressSettings {
  dataVolumeGb: number;
  backupRetentionDays: number;
  backupHourUtc: number;
}

export function resolveExpressPlus(
  overrides: z.infer<typeof expressPlusSettingsSchema>,
  architecture: "arm64" | "x86_64",
): ExpressPlusSettings {
  return {
    ...resolveExpress(overrides, architecture),
    dataVolumeGb: overrides.dataVolumeGb ?? 10,
    backupRetentionDays: overrides.backupRetentionDays ?? 90,
    backupHourUtc: overrides.backupHourUtc ?? 7,
  };
}
