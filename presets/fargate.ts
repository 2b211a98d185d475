// The fargate preset: OpenEMR on ECS Fargate with Aurora Serverless v2, Valkey, EFS, ALB and WAF.
import { z } from "zod";
import { BACKUP_RETENTION_DEFAULTS, backupRetentionFields, int } from "./fields";

/** Fargate's valid task sizes: CPU units -> allowed memory (MiB). */
export const FARGATE_TASK_SIZES: Record<number, { min: number; max: number; step: number }> = {
  256: { min: 512, max: 2048, step: 512 },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

const acu = z
  .number({ error: "must be a number of Aurora capacity units" })
  .min(0, { message: "must be at least 0 ACU" })
  .max(256, { message: "must be at most 256 ACU" })
  .refine((v) => Number.isInteger(v * 2), { message: "must be a multiple of 0.5 ACU" });

export const fargateSettingsSchema = z.strictObject({
  cpu: z
    .number()
    .refine((v) => v in FARGATE_TASK_SIZES, {
      message: `must be one of ${Object.keys(FARGATE_TASK_SIZES).join(", ")} CPU units`,
    })
    .optional(),
  memory: int(512, 122880, "MiB").optional(),
  minTasks: int(1, 1000, "tasks").optional(),
  maxTasks: int(1, 1000, "tasks").optional(),
  cpuTargetPercent: int(10, 90, "percent").optional(),
  memoryTargetPercent: int(10, 90, "percent").optional(),
  auroraMinAcu: acu.optional(),
  auroraMaxAcu: acu.optional(),
  auroraReader: z.boolean().optional(),
  natStrategy: z.enum(["single", "perAz"]).optional(),
  ecsExec: z.boolean().optional(),
  wafRateLimit: int(100, 2_000_000_000, "requests per 5 minutes").optional(),
  wafMode: z.enum(["block", "count"]).optional(),
  dbBackupRetentionDays: int(7, 35, "days").optional(),
  ...backupRetentionFields,
});

export interface FargateSettings {
  cpu: number;
  memory: number;
  minTasks: number;
  maxTasks: number;
  cpuTargetPercent: number;
  memoryTargetPercent: number;
  auroraMinAcu: number;
  auroraMaxAcu: number;
  auroraReader: boolean;
  natStrategy: "single" | "perAz";
  ecsExec: boolean;
  wafRateLimit: number;
  wafMode: "block" | "count";
  dbBackupRetentionDays: number;
  dailyBackupRetentionDays: number;
  weeklyBackupRetentionDays: number;
  monthlyBackupRetentionDays: number;
}

export function resolveFargate(overrides: Partial<FargateSettings>): FargateSettings {
  return {
    cpu: overrides.cpu ?? 1024,
    memory: overrides.memory ?? 2048,
    minTasks: overrides.minTasks ?? 2,
    maxTasks: overrides.maxTasks ?? 100,
    cpuTargetPercent: overrides.cpuTargetPercent ?? 40,
    memoryTargetPercent: overrides.memoryTargetPercent ?? 40,
    // 0.5 ACU is Aurora's lowest non-pausing minimum: a paused (0 ACU) database takes minutes to
    // resume and OpenEMR's tasks time out waiting for it.
    auroraMinAcu: overrides.auroraMinAcu ?? 0.5,
    auroraMaxAcu: overrides.auroraMaxAcu ?? 16,
    auroraReader: overrides.auroraReader ?? false,
    natStrategy: overrides.natStrategy ?? "single",
    ecsExec: overrides.ecsExec ?? false,
    // clinics often share one public IP; keep the per-IP limit generous
    wafRateLimit: overrides.wafRateLimit ?? 3000,
    wafMode: overrides.wafMode ?? "block",
    dbBackupRetentionDays: overrides.dbBackupRetentionDays ?? 14,
    dailyBackupRetentionDays:
      overrides.dailyBackupRetentionDays ?? BACKUP_RETENTION_DEFAULTS.dailyBackupRetentionDays,
    weeklyBackupRetentionDays:
      overrides.weeklyBackupRetentionDays ?? BACKUP_RETENTION_DEFAULTS.weeklyBackupRetentionDays,
    monthlyBackupRetentionDays:
      overrides.monthlyBackupRetentionDays ?? BACKUP_RETENTION_DEFAULTS.monthlyBackupRetentionDays,
  };
}

/** Cross-field checks zod cannot express per field. Returns problems as "field: message". */
export function checkFargate(s: FargateSettings): string[] {
  const problems: string[] = [];
  const size = FARGATE_TASK_SIZES[s.cpu];
  if (size && (s.memory < size.min || s.memory > size.max || (s.memory - size.min) % size.step)) {
    problems.push(
      `memory: ${s.memory} MiB is not valid with cpu ${s.cpu}; allowed: ${size.min}-${size.max} MiB in steps of ${size.step}`,
    );
  }
  if (s.minTasks > s.maxTasks) {
    problems.push(`minTasks: ${s.minTasks} is greater than maxTasks ${s.maxTasks}`);
  }
  if (s.auroraMinAcu > s.auroraMaxAcu) {
    problems.push(`auroraMinAcu: ${s.auroraMinAcu} is greater than auroraMaxAcu ${s.auroraMaxAcu}`);
  }
  return problems;
}
