// The express preset: one Graviton instance, OpenEMR and MariaDB in containers on it.
import { z } from "zod";
import { ec2InstanceType, int } from "./fields";

export const expressSettingsSchema = z.strictObject({
  instanceType: ec2InstanceType
    .optional()
    .describe("EC2 instance type; its architecture must match openemr:architecture."),
  rootVolumeGb: int(20, 1024, "GiB").default(20).describe("Encrypted gp3 root volume."),
  snapshotRetentionDays: int(1, 365, "days").default(14).describe("Daily EBS snapshots kept."),
  swapGb: int(0, 16, "GiB").default(2).describe("Swap file on the instance."),
  detailedMonitoring: z.boolean().default(false).describe("EC2 detailed (1-minute) monitoring."),
});

export type ExpressSettings = Omit<z.output<typeof expressSettingsSchema>, "instanceType"> & {
  instanceType: string;
};

/** The default instance type follows the architecture. */
export function defaultInstanceType(architecture: "arm64" | "x86_64"): string {
  return architecture === "arm64" ? "t4g.small" : "t3.small";
}

export function resolveExpress(
  parsed: z.output<typeof expressSettingsSchema>,
  architecture: "arm64" | "x86_64",
): ExpressSettings {
  return { ...parsed, instanceType: parsed.instanceType ?? defaultInstanceType(architecture) };
}
