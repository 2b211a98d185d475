// The standard preset: an EC2 web tier and a managed, encrypted RDS MySQL in isolated subnets.
import { z } from "zod";
import {
  MYSQL_MAJORS,
  MYSQL_RETIRED_MAJORS,
  type MysqlMajor,
} from "../components/database/mysql-versions";
import { defaultInstanceType } from "./express";
import {
  backupRetentionFields,
  dbInstanceClass,
  ec2InstanceType,
  firewallFields,
  int,
} from "./fields";

export const standardSettingsSchema = z.strictObject({
  instanceType: ec2InstanceType
    .optional()
    .describe("EC2 web server type; its architecture must match openemr:architecture."),
  rootVolumeGb: int(20, 1024, "GiB").default(20).describe("Encrypted gp3 root volume."),
  documentsVolumeGb: int(10, 16384, "GiB")
    .default(10)
    .describe("Encrypted gp3 volume for OpenEMR's sites and documents."),
  dbInstanceClass: dbInstanceClass.default("db.t4g.small").describe("RDS instance class."),
  dbAllocatedStorageGb: int(20, 16384, "GiB").default(20).describe("RDS gp3 storage."),
  dbMaxAllocatedStorageGb: int(20, 65536, "GiB")
    .default(100)
    .describe("RDS storage autoscaling limit."),
  mysqlVersion: z
    .string()
    .refine((v) => (MYSQL_MAJORS as readonly string[]).includes(v), {
      error: (issue) => {
        const retired = MYSQL_RETIRED_MAJORS[String(issue.input)];
        return retired
          ? `MySQL ${String(issue.input)} reached the end of RDS standard support on ${retired}; RDS no longer creates it without paid Extended Support, which this program never enrols in. Allowed: ${MYSQL_MAJORS.join(", ")}`
          : `allowed: ${MYSQL_MAJORS.join(", ")}`;
      },
    })
    .default("8.4")
    .describe("MySQL major; RDS applies minor versions itself (8.0 is past standard support)."),
  multiAz: z.boolean().default(false).describe("A standby in a second availability zone."),
  dbBackupRetentionDays: int(7, 35, "days")
    .default(7)
    .describe("RDS automated backups (point-in-time recovery), days."),
  performanceInsights: z
    .boolean()
    .default(false)
    .describe("Performance Insights, encrypted with the stack's key (db.t4g.medium and up)."),
  detailedMonitoring: z.boolean().default(false).describe("EC2 detailed (1-minute) monitoring."),
  ...backupRetentionFields,
  ...firewallFields,
});

export type StandardSettings = Omit<
  z.output<typeof standardSettingsSchema>,
  "instanceType" | "mysqlVersion"
> & { instanceType: string; mysqlVersion: MysqlMajor };

export function resolveStandard(
  parsed: z.output<typeof standardSettingsSchema>,
  architecture: "arm64" | "x86_64",
): StandardSettings {
  return {
    ...parsed,
    instanceType: parsed.instanceType ?? defaultInstanceType(architecture),
    // the schema admits only MYSQL_MAJORS
    mysqlVersion: parsed.mysqlVersion as MysqlMajor,
  };
}
