// What RDS for MySQL and Aurora MySQL create and support, as pure data for config validation and
// the database components: one place for each fact.

/**
 * The MySQL majors RDS still creates with `engineLifecycleSupport:
 * open-source-rds-extended-support-disabled`; RDS picks and upgrades the minor (see
 * `engineVersion`). RDS refuses to create a major past the end of its standard support
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/extended-support.html): MySQL 8.0 ended
 * 2026-07-31; 8.4 (LTS) runs to 2029-07-31
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/MySQL.Concepts.VersionMgmt.html).
 */
export const MYSQL_MAJORS = ["8.4"] as const;
export type MysqlMajor = (typeof MYSQL_MAJORS)[number];
/** Majors past the end of RDS standard support, with the day it ended. */
export const MYSQL_RETIRED_MAJORS: Record<string, string> = {
  "5.7": "2024-02-29",
  "8.0": "2026-07-31",
};

/**
 * Performance Insights is not available for RDS for MySQL on these classes
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PerfInsights.Overview.Engines.html:
 * "not supported on db.t2.micro, db.t2.small, db.t3.micro, db.t3.small, db.t4g.micro and
 * db.t4g.small").
 */
export function supportsPerformanceInsights(instanceClass: string): boolean {
  return !/^db\.t(2|3|4g)\.(micro|small)$/.test(instanceClass);
}

export const MYSQL_PORT = 3306;

/**
 * The RDS certificate authority the database instances present (RSA 2048, valid to 2061), set
 * explicitly so a change of AWS's default CA is a change of ours.
 */
export const RDS_CA_IDENTIFIER = "rds-ca-rsa2048-g1";
