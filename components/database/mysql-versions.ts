// What RDS for MySQL creates and supports, as pure data for config validation and components.

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
