// The express-plus preset: express plus a customer-managed key, a separate encrypted data volume,
// off-instance encrypted backups and an audit trail.
import { z } from "zod";
import { int } from "./fields";
import { defaultInstanceType, expressSettingsSchema, type ExpressSettings } from "./express";

export const expressPlusSettingsSchema = expressSettingsSchema.extend({
  dataVolumeGb: int(10, 16384, "GiB")
    .default(10)
    .describe("Separate encrypted gp3 volume for the database and documents."),
  backupRetentionDays: int(14, 3650, "days")
    .default(90)
    .describe("Days the backup bucket keeps a backup set."),
  backupHourUtc: int(0, 23, "hours").default(7).describe("Hour (UTC) of the daily backup."),
});

export type ExpressPlusSettings = ExpressSettings &
  Omit<z.output<typeof expressPlusSettingsSchema>, "instanceType">;

export function resolveExpressPlus(
  parsed: z.output<typeof expressPlusSettingsSchema>,
  architecture: "arm64" | "x86_64",
): ExpressPlusSettings {
  return { ...parsed, instanceType: parsed.instanceType ?? defaultInstanceType(architecture) };
}
