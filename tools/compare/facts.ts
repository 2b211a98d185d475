// What the plans cannot show: per-preset facts about things that are not resources (who a tier is
// for, what happens on the instance, whether restores are exercised). Everything else in the
// comparison is read from the plans. Keep each entry true to what the program does today.
import { MARIADB_IMAGE } from "../../components/tiers/express-tier";
import type { Preset } from "./source";

const MARIADB_VERSION = MARIADB_IMAGE.split(":")[1];

export interface PresetFacts {
  /** Column title. */
  readonly title: string;
  readonly whoFor: string;
  /** How a restore is done and whether anything exercises it. */
  readonly restore: string;
  /** Backups that run inside the instance (invisible to a plan), if any. */
  readonly onInstanceBackups?: string;
  /** Where TLS ends when no load balancer does it. */
  readonly instanceTls?: string;
  /** Where the database runs when the plan has no managed database. */
  readonly localDatabase?: string;
  readonly scaleNote: string;
  readonly adminNote?: string;
}

export const FACTS: Readonly<Record<Preset, PresetFacts>> = {
  express: {
    title: "Express",
    whoFor:
      "A pilot, a dev stack, or a small practice that accepts one instance and AWS-managed keys (no customer-managed key, no CloudTrail trail of its own)",
    restore:
      "a volume from a snapshot, or `openemr-restore --local` on the instance (README); the scripts are drilled against a real MariaDB (`npm run restore-drill`), not on AWS",
    onInstanceBackups:
      "daily consistent database dump kept on the instance for the snapshots to capture",
    instanceTls:
      "on the instance: OpenEMR's Apache on 443 (self-signed certificate; Let's Encrypt when openemr:domain is set)",
    localDatabase: `MariaDB ${MARIADB_VERSION} in a container on the same instance`,
    scaleNote: "one instance; scale up by changing the instance type (restart)",
  },
  "express-plus": {
    title: "Express Plus",
    whoFor:
      "A small practice in production: customer-managed key, CloudTrail, off-instance encrypted backups, at about the cost of one server",
    restore:
      "`openemr-restore` into a new stack (README runbook); the scripts are drilled against a real MariaDB (`npm run restore-drill`), not on AWS",
    onInstanceBackups:
      "daily from the instance to the S3 backup bucket with the stack's key: database dump + sites, TLS and certificate files, full weekly and incremental daily; an alarm when a backup fails or does not run",
    instanceTls:
      "on the instance: OpenEMR's Apache on 443 (self-signed certificate; Let's Encrypt when openemr:domain is set)",
    localDatabase: `MariaDB ${MARIADB_VERSION} in a container on the same instance (data on the encrypted data volume)`,
    scaleNote: "one instance; scale up by changing the instance type (restart)",
  },
  standard: {
    title: "Standard",
    whoFor:
      "A practice that wants a managed database: RDS patches and backs it up, separate from the web server; Multi-AZ optional",
    restore:
      "RDS point-in-time or AWS Backup restore beside the live database, copied back (docs/standard.md runbook); not exercised automatically",
    instanceTls:
      "on the instance: OpenEMR's Apache on 443 (self-signed certificate; Let's Encrypt when openemr:domain is set), or an HTTPS load balancer when a certificate is configured",
    scaleNote: "one web instance; scale up the instance or the DB class; storage grows by itself",
  },
  fargate: {
    title: "Fargate",
    whoFor:
      "A health system or multi-site practice that needs high availability and autoscaling, with staff to run it",
    restore:
      "Aurora point-in-time or AWS Backup restore beside the live cluster, EFS restored into its own file system (docs/fargate.md runbook); not exercised automatically",
    scaleNote: "horizontal: tasks scale out on CPU/memory; Aurora scales in ACUs",
    adminNote: "ECS Exec when openemr:fargate.ecsExec is true",
  },
};

export const REFERENCE_FACTS: PresetFacts = {
  title: "Fargate, reference-equivalent¹",
  whoFor:
    "Not a preset: our fargate program sized like the reference OpenEMR-on-Fargate deployment, for a like-for-like price",
  restore: FACTS.fargate.restore,
  scaleNote: FACTS.fargate.scaleNote,
  adminNote: FACTS.fargate.adminNote,
};
