// The fargate preset: OpenEMR on ECS Fargate with Aurora Serverless v2, Valkey, EFS, ALB and WAF.
import { z } from "zod";
import { backupRetentionFields, firewallFields, int } from "./fields";

/**
 * Fargate's task sizes: CPU units -> the memory values (MiB) allowed with them. From the ECS task
 * size table (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size):
 * 256 CPU takes 512, 1024 or 2048 only; 512 takes 1-4 GiB, 1024 2-8 GiB, 2048 4-16 GiB and 4096
 * 8-30 GiB in 1 GiB steps; 8192 takes 16-60 GiB in 4 GiB steps and 16384 32-120 GiB in 8 GiB steps.
 */
export const FARGATE_TASK_SIZES: Record<number, readonly number[]> = {
  256: [512, 1024, 2048],
  512: steps(1024, 4096, 1024),
  1024: steps(2048, 8192, 1024),
  2048: steps(4096, 16384, 1024),
  4096: steps(8192, 30720, 1024),
  8192: steps(16384, 61440, 4096),
  16384: steps(32768, 122880, 8192),
};

function steps(min: number, max: number, step: number): number[] {
  const out: number[] = [];
  for (let v = min; v <= max; v += step) out.push(v);
  return out;
}

/**
 * Aurora Serverless v2 capacity the program can always create. The cluster is created from the
 * major version only ("8.0"), so AWS picks the Aurora MySQL 3 release; the range must hold on every
 * release it may pick (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html):
 * a minimum of 0 (auto-pause) needs 3.08.0 or later, a maximum above 128 needs 3.06.0 or later, and
 * the maximum must be at least 1 ACU. Auto-pause is refused on purpose as well: a paused database
 * takes about 15 seconds or more to resume and the OpenEMR tasks fail their health checks meanwhile.
 */
export const AURORA_ACU = { min: 0.5, max: 128, minOfMax: 1 } as const;

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
    .default(1024)
    .describe("Task CPU units."),
  memory: int(512, 122880, "MiB").default(2048).describe("Task memory (MiB), per Fargate's table."),
  minTasks: int(1, 1000, "tasks").default(2).describe("Fewest tasks (spread over two AZs)."),
  maxTasks: int(1, 1000, "tasks").default(100).describe("Most tasks autoscaling may run."),
  cpuTargetPercent: int(10, 90, "percent").default(40).describe("CPU target of autoscaling."),
  memoryTargetPercent: int(10, 90, "percent")
    .optional()
    .describe(
      "Memory target of autoscaling; unset, it scales on CPU only (PHP's memory does not fall with load, so a memory target rarely lets the service scale back in; the tasks-memory-high alarm watches memory).",
    ),
  // 0.5 ACU is Aurora's lowest non-pausing minimum: a paused (0 ACU) database takes minutes to
  // resume and OpenEMR's tasks time out waiting for it.
  auroraMinAcu: acu.default(0.5).describe("Aurora Serverless v2 minimum capacity (ACU)."),
  auroraMaxAcu: acu.default(16).describe("Aurora Serverless v2 maximum capacity (ACU)."),
  auroraReader: z.boolean().default(false).describe("A reader instance that can take over."),
  natStrategy: z
    .enum(["single", "perAz"])
    .default("single")
    .describe("One NAT gateway, or one per AZ."),
  ecsExec: z.boolean().default(false).describe("ECS Exec shells, encrypted and logged."),
  ...firewallFields,
  dbBackupRetentionDays: int(7, 35, "days")
    .default(14)
    .describe("Aurora continuous backups (point-in-time recovery), days."),
  ...backupRetentionFields,
});

export type FargateSettings = z.output<typeof fargateSettingsSchema>;

/** Cross-field checks zod cannot express per field. Returns problems as "field: message". */
export function checkFargate(s: FargateSettings): string[] {
  const problems: string[] = [];
  const sizes = FARGATE_TASK_SIZES[s.cpu];
  if (sizes && !sizes.includes(s.memory)) {
    const allowed =
      sizes.length <= 3
        ? sizes.join(", ")
        : `${sizes[0]}-${sizes[sizes.length - 1]} in steps of ${sizes[1] - sizes[0]}`;
    problems.push(
      `memory: ${s.memory} MiB is not valid with cpu ${s.cpu} (Fargate task sizes); allowed: ${allowed} MiB`,
    );
  }
  if (s.auroraMinAcu < AURORA_ACU.min) {
    problems.push(
      `auroraMinAcu: ${s.auroraMinAcu} ACU would pause the database (auto-pause needs Aurora MySQL 3.08+, while the cluster is created from major 8.0, and the tasks time out while it resumes); allowed: ${AURORA_ACU.min} to ${AURORA_ACU.max} ACU`,
    );
  }
  if (s.auroraMaxAcu < AURORA_ACU.minOfMax || s.auroraMaxAcu > AURORA_ACU.max) {
    problems.push(
      `auroraMaxAcu: ${s.auroraMaxAcu} ACU is outside what Aurora MySQL 3 accepts on every release the major 8.0 may resolve to; allowed: ${AURORA_ACU.minOfMax} to ${AURORA_ACU.max} ACU`,
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
