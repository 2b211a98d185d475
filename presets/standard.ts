// The standard preset: an EC2 web tier and a managed, encrypted RDS MySQL in isolated subnets.
import { z } from "zod";
import {
  MYSQL_MAJORS,
  MYSQL_RETIRED_MAJORS,
  type MysqlMajor,
} from "../components/database/mysql-versions";
import {
  BACKUP_RETENTION_DEFAULTS,
  backupRetentionFields,
  dbInstanceClass,
  ec2InstanceType,
  int,
} from "./fields";

export const standardSettingsSchema = z.strictObject({
  instanceType: ec2InstanceType.optional(),
  rootVolumeGb: int(20, 1024, "GiB").optional(),
  documentsVolumeGb: int(10, 16384, "GiB").optional(),
  dbInstanceClass: dbInstanceClass.optional(),
  dbAllocatedStorageGb: int(20, 16384, "GiB").optional(),
  dbMaxAllocatedStorageGb: int(20, 65536, "GiB").optional(),
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
    .optional(),
  multiAz: z.boolean().optional(),
  dbBackupRetentionDays: int(7, 35, "days").optional(),
  performanceInsights: z.boolean().optional(),
  detailedMonitoring: z.boolean().optional(),
  ...backupRetentionFields,
});

export interface StandardSettings {
  instanceType: string;
  rootVolumeGb: number;
  documentsVolumeGb: number;
  dbInstanceClass: string;
  dbAllocatedStorageGb: number;
  dbMaxAllocatedStorageGb: number;
  mysqlVersion: MysqlMajor;
  multiAz: boolean;
  dbBackupRetentionDays: number;
  performanceInsights: boolean;
  detailedMonitoring: boolean;
  dailyBackupRetentionDays: number;
  weeklyBackupRetentionDays: number;
  monthlyBackupRetentionDays: number;
}

type StandardOverrides = Omit<Partial<StandardSettings>, "mysqlVersion"> & {
  mysqlVersion?: string;
};

export function resolveStandard(
  overrides: StandardOverrides,
  architecture: "arm64" | "x86_64",
): StandardSettings {
  return {
    instanceType: overrides.instanceType ?? (architecture === "arm64" ? "t4g.small" : "t3.small"),
    rootVolumeGb: overrides.rootVolumeGb ?? 20,
    documentsVolumeGb: overrides.documentsVolumeGb ?? 10,
    dbInstanceClass: overrides.dbInstanceClass ?? "db.t4g.small",
    dbAllocatedStorageGb: overrides.dbAllocatedStorageGb ?? 20,
    dbMaxAllocatedStorageGb: overrides.dbMaxAllocatedStorageGb ?? 100,
    mysqlVersion: (overrides.mysqlVersion as MysqlMajor | undefined) ?? "8.4",
    multiAz: overrides.multiAz ?? false,
    dbBackupRetentionDays: overrides.dbBackupRetentionDays ?? 7,
    performanceInsights: overrides.performanceInsights ?? false,
    detailedMonitoring: overrides.detailedMonitoring ?? false,
    dailyBackupRetentionDays:
      overrides.dailyBackupRetentionDays ?? BACKUP_RETENTION_DEFAULTS.dailyBackupRetentionDays,
    weeklyBackupRetentionDays:
      overrides.weeklyBackupRetentionDays ?? BACKUP_RETENTION_DEFAULTS.weeklyBackupRetentionDays,
    monthlyBackupRetentionDays:
      overrides.monthlyBackupRetentionDays ?? BACKUP_RETENTION_DEFAULTS.monthlyBackupRetentionDays,
  };
}
