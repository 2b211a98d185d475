// fargate with openemr:restoreFrom (SPEC-17 "fargate"): the two containers that import a backup set
// into Aurora and the sites file system before any task's setup and app containers start.
import * as pulumi from "@pulumi/pulumi";
import type { RestoreSource } from "../backup/restore-from";
import { compactScript, readScript } from "../compute/user-data";
import type { InitContainerArgs } from "./fargate-service";
import { IMAGE_CA_BUNDLE, RDS_CA_BUNDLE_URL, SITES_DIR } from "./openemr-container";

/** The AWS CLI image restore-fetch runs in (multi-architecture: arm64 and x86_64). */
export const AWS_CLI_IMAGE = "public.ecr.aws/aws-cli/aws-cli:2.22.0";
export const RESTORE_FETCH_CONTAINER = "restore-fetch";
export const RESTORE_IMPORT_CONTAINER = "restore-import";
/** Where the fetched set waits on the shared sites volume for import-apply. */
export const RESTORE_STAGING_DIR = `${SITES_DIR}/.openemr-import`;
/** The RDS CA bundle the import connects to Aurora with (TLS verified: MYSQL_CA). */
export const RESTORE_MYSQL_CA = "/tmp/openemr-import-rds-ca.pem";

export interface RestoreContainersArgs {
  source: RestoreSource;
  region: string;
  /** The stack's OpenEMR version (import-apply refuses a newer set). */
  openemrVersion: string;
  /** The task volume holding SITES_DIR. */
  sitesVolume: string;
  databaseHost: pulumi.Input<string>;
  databasePort: number;
  /** Aurora's master secret (username, password) and the app user's (dbUsername, dbPassword). */
  masterSecretArn: pulumi.Input<string>;
  appSecretArn: pulumi.Input<string>;
  /** https://<domain> when the stack has one: the imported site's address. */
  siteAddress?: string;
}

/**
 * Lines run before import-apply.sh in restore-import: Aurora requires TLS, so the RDS CA bundle is
 * downloaded (verified with the image's own CA bundle) for MYSQL_CA, as the app's boot script does.
 */
function caPrelude(): string {
  return [
    "set -eu",
    `if ! curl -fsS --retry 5 --max-time 30 --cacert ${IMAGE_CA_BUNDLE} -o ${RESTORE_MYSQL_CA} ${RDS_CA_BUNDLE_URL}; then`,
    // the metric filter's line: the alarm fires on it
    '  echo "openemr-import: FAILED cannot download the RDS CA bundle" >&2',
    "  exit 1",
    "fi",
    "",
  ].join("\n");
}

/**
 * Lines run before import-fetch.sh in restore-fetch. Once a task imported the set (import-apply's
 * done marker on the shared volume), later tasks (scale-out, replacements) download nothing. The
 * service starts minTasks tasks at once, all fetching into the one staging folder: the first to
 * create the fetch lock fetches; the others wait for the done marker (then their import-apply
 * finds it and does nothing). A lock older than the wait (a task that died) is taken over.
 */
export function fetchPrelude(): string {
  const done = `${SITES_DIR}/.openemr-import.done`;
  const lock = `${SITES_DIR}/.openemr-import.fetching`;
  return [
    `if [ -f ${done} ]; then`,
    '  echo "openemr-import: the set is already imported, nothing to fetch"',
    "  exit 0",
    "fi",
    "wait_s=${OPENEMR_IMPORT_WAIT_SECONDS:-10800} poll_s=${OPENEMR_IMPORT_POLL_SECONDS:-10}",
    `if ! mkdir ${lock} 2>/dev/null; then`,
    `  if [ $(( $(date +%s) - $(stat -c %Y ${lock}) )) -gt "$wait_s" ]; then`,
    `    echo "openemr-import: taking over a fetch lock older than $wait_s s"`,
    `    touch ${lock}`,
    "  else",
    '    echo "openemr-import: another task is fetching the set; waiting for its import"',
    "    waited=0",
    `    while [ ! -f ${done} ]; do`,
    '      if [ "$waited" -ge "$wait_s" ]; then',
    '        echo "openemr-import: FAILED the other task\'s import did not finish within $wait_s s" >&2',
    "        exit 1",
    "      fi",
    '      sleep "$poll_s"; waited=$((waited + poll_s))',
    "    done",
    '    echo "openemr-import: the set was imported by another task, nothing to fetch"',
    "    exit 0",
    "  fi",
    "fi",
    "",
  ].join("\n");
}

/**
 * restore-fetch (the AWS CLI image: import-fetch.sh downloads and checks the newest set under the
 * prefix into the staging folder) and restore-import (the OpenEMR image: import-apply.sh loads it
 * into Aurora with the master user, re-creates the app user with the stack's password, and copies
 * the sites tree), both with the scripts inline (`bash -c` / `sh -c <script> <name> <args>`).
 */
export function restoreContainers(a: RestoreContainersArgs): InitContainerArgs[] {
  const fetch = compactScript(readScript("import-fetch.sh"));
  const apply = compactScript(readScript("import-apply.sh"));
  return [
    {
      name: RESTORE_FETCH_CONTAINER,
      image: AWS_CLI_IMAGE,
      // the image's entry point is `aws`: bash -c <script> import-fetch <s3 url> <staging>
      entryPoint: ["bash", "-c"],
      command: [`${fetchPrelude()}${fetch}`, "import-fetch", a.source.url, RESTORE_STAGING_DIR],
      environment: { AWS_REGION: a.region, AWS_DEFAULT_REGION: a.region },
      secrets: {},
      volumes: [a.sitesVolume],
    },
    {
      name: RESTORE_IMPORT_CONTAINER,
      entryPoint: ["/bin/sh", "-c"],
      command: [`${caPrelude()}${apply}`, "import-apply", RESTORE_STAGING_DIR],
      environment: {
        SITES_DIR,
        OPENEMR_VERSION: a.openemrVersion,
        MYSQL_HOST: a.databaseHost,
        MYSQL_PORT: String(a.databasePort),
        MYSQL_CA: RESTORE_MYSQL_CA,
        ...(a.siteAddress ? { SITE_ADDRESS: a.siteAddress } : {}),
      },
      // as the setup container gets them: the master user loads the dump and creates the app user
      secrets: {
        MYSQL_ROOT_USER: pulumi.interpolate`${a.masterSecretArn}:username::`,
        MYSQL_ROOT_PASS: pulumi.interpolate`${a.masterSecretArn}:password::`,
        MYSQL_USER: pulumi.interpolate`${a.appSecretArn}:dbUsername::`,
        MYSQL_PASS: pulumi.interpolate`${a.appSecretArn}:dbPassword::`,
      },
      volumes: [a.sitesVolume],
    },
  ];
}
