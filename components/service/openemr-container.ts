// What the official openemr/openemr image needs to run as a Fargate task behind TLS-only Aurora and
// Valkey: paths it reads, the boot script that delivers the CA bundles, and its health check.
// Pure functions: no Pulumi runtime, so tests check them directly.

export const OPENEMR_ROOT = "/var/www/localhost/htdocs/openemr";
export const SITES_DIR = `${OPENEMR_ROOT}/sites`;
/** The image's TLS material (Apache's self-signed certificate), shared by all tasks. */
export const SSL_DIR = "/etc/ssl";
export const CERTIFICATES_DIR = `${SITES_DIR}/default/documents/certificates`;
/** When this file exists OpenEMR connects to MySQL over TLS and verifies the server against it. */
export const MYSQL_CA_PATH = `${CERTIFICATES_DIR}/mysql-ca`;
/** With REDIS_TLS=yes the session handler uses tls:// and verifies the server against this file. */
export const REDIS_CA_PATH = `${CERTIFICATES_DIR}/redis-ca`;
/** openemr.sh copies these into CERTIFICATES_DIR on first setup. */
export const STAGED_MYSQL_CA = "/root/certs/mysql/server/mysql-ca";
export const STAGED_REDIS_CA = "/root/certs/redis/redis-ca";
/** The image's pristine copy of /etc/ssl: its CA bundle verifies downloads before /etc/ssl is restored. */
export const IMAGE_CA_BUNDLE = "/swarm-pieces/ssl/certs/ca-certificates.crt";

/**
 * The image's Apache site config. Its `ErrorLog` and `CustomLog` pipe through `rotatelogs -n 5`
 * into access.log, access.log.1 ... .4 in turn (openemr-devops docker/openemr/7.0.4/openemr.conf,
 * lines 22-23; the Dockerfile comments out every other log directive), which a log shipper that
 * follows one file name loses four days in five of.
 */
export const APACHE_OPENEMR_CONF = "/etc/apache2/conf.d/openemr.conf";
/** Sourced by openemr.sh; its setGlobalSettings() runs `mariadb --skip-ssl` (8.1.0 utilities/). */
export const DEVTOOLS_LIBRARY = "/root/devtoolsLibrary.source";

/**
 * Shell lines that send Apache's error and access logs to the container's stderr and stdout, which
 * the Docker and ECS `awslogs` drivers ship whole, instead of the image's rotating files.
 */
export function apacheLogsToStdio(conf: string = APACHE_OPENEMR_CONF): string[] {
  return [
    `sed -i -E -e 's#^([[:space:]]*)ErrorLog[[:space:]].*#\\1ErrorLog /proc/self/fd/2#' \\`,
    `  -e 's#^([[:space:]]*)CustomLog[[:space:]]+("[^"]*"|[^[:space:]]+)#\\1CustomLog /proc/self/fd/1#' ${conf}`,
    `if grep -q rotatelogs ${conf}; then echo "openemr-aws: Apache still logs through rotatelogs"; fi`,
  ];
}

/**
 * Shell lines that make the image's own `mariadb` calls verify TLS against `caPath` instead of
 * `--skip-ssl`, which a server with require_secure_transport refuses (setGlobalSettings() would
 * fail and openemr.sh would rerun the whole install, forever).
 */
export function verifiedMysqlTls(caPath: string, library: string = DEVTOOLS_LIBRARY): string[] {
  return [`sed -i 's|--skip-ssl|--ssl-ca=${caPath}|g' ${library}`];
}

/**
 * The start script of OpenEMR's container on an EC2 host, run by /bin/sh in place of the image's
 * CMD: Apache logs to stdout/stderr (shipped by Docker's awslogs driver); with a TLS-only database
 * (RDS), the CA bundle the host mounts at STAGED_MYSQL_CA replaces the site's copy at every start
 * (openemr.sh copies it only when missing, so a refreshed bundle would never take effect) and the
 * image's `mariadb` calls verify TLS; then the image's ./openemr.sh.
 */
export function openemrHostStartScript(opts: { tlsDatabase: boolean }): string {
  return [
    "#!/bin/sh",
    "set -eu",
    ...apacheLogsToStdio(),
    ...(opts.tlsDatabase
      ? [
          `if [ -d ${CERTIFICATES_DIR} ] && [ -s ${STAGED_MYSQL_CA} ]; then`,
          `  cp ${STAGED_MYSQL_CA} ${MYSQL_CA_PATH}.$$ && chmod 744 ${MYSQL_CA_PATH}.$$ && mv -f ${MYSQL_CA_PATH}.$$ ${MYSQL_CA_PATH}`,
          "fi",
          ...verifiedMysqlTls(STAGED_MYSQL_CA),
        ]
      : []),
    `cd ${OPENEMR_ROOT}`,
    "exec ./openemr.sh",
    "",
  ].join("\n");
}

/** The RDS certificate bundle for every region, fetched at each start (CAs rotate: 2020, 2024). */
export const RDS_CA_BUNDLE_URL =
  "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";
/** ElastiCache Serverless certificates chain to Amazon Root CA 1. */
export const AMAZON_ROOT_CA_URL = "https://www.amazontrust.com/repository/AmazonRootCA1.pem";

/**
 * Seconds the setup container may run (the image's installer takes 10 to 20 minutes at 0.5 ACU):
 * `timeout` stops it after that, so a swarm leader's lock older than this is presumed dead and
 * removed by the next task's boot script, and a task waiting on a dead leader gives up.
 */
export const FIRST_BOOT_SECONDS = 1800;
/**
 * Seconds the app container needs after its setup container exited to answer over HTTPS: the CA
 * downloads, openemr.sh's pass over a configured site (permissions, Valkey settings), Apache.
 */
export const APP_START_SECONDS = 300;
/**
 * The service's health-check grace period. Whether ECS counts it from the task's launch (setup
 * included) or from the app container's start is not documented: it covers both.
 */
export const HEALTH_CHECK_GRACE_SECONDS = FIRST_BOOT_SECONDS + APP_START_SECONDS;

/**
 * What a container of the Fargate task does with the image's ./openemr.sh:
 * - "setup": the short-lived `openemr-setup` container (K8S=admin, SWARM_MODE=yes, master
 *   credentials): installs or upgrades the shared site, then exits; bounded by FIRST_BOOT_SECONDS.
 * - "app": the long-running `openemr` container (SWARM_MODE=yes, no master credentials): refuses to
 *   start on a site that is not configured, so openemr.sh can never serve the web installer or
 *   mark an unconfigured site complete, then serves OpenEMR with Apache.
 */
export type BootRole = "setup" | "app";

/**
 * The container's start script, run by /bin/sh before the image's own ./openemr.sh:
 * 1. downloads the RDS CA bundle and Amazon Root CA 1 (verified with the image's CA bundle) and
 *    stages them where openemr.sh installs them on first setup; on later starts it refreshes the
 *    copies already on the shared volume (openemr.sh never replaces them);
 * 2. makes the image's `mariadb` calls verify TLS with the RDS bundle instead of `--skip-ssl`, which
 *    Aurora refuses under require_secure_transport (OPENEMR_SETTING_* would fail otherwise);
 * 3. sends Apache's logs to stdout/stderr, which the task's awslogs driver ships;
 * 4. clears a swarm-leader lock left by a task that died during first-time setup;
 * 5. hands over to ./openemr.sh: the setup container under `timeout` (busybox's, in the Alpine
 *    image; without it, unbounded), the app container only once sqlconf.php says `$config = 1`
 *    (read the way openemr.sh reads it).
 */
export function openemrBootScript(role: BootRole = "app"): string {
  return [
    "set -eu",
    `CA_BUNDLE=${IMAGE_CA_BUNDLE}`,
    "fetch() {",
    "  n=0",
    '  until curl -fsS --max-time 30 --cacert "$CA_BUNDLE" -o "$2.tmp" "$1"; do',
    '    n=$((n + 1)); if [ "$n" -ge 10 ]; then return 1; fi; sleep 6',
    "  done",
    '  mv -f "$2.tmp" "$2"',
    "}",
    `mkdir -p ${dirOf(STAGED_MYSQL_CA)} ${dirOf(STAGED_REDIS_CA)}`,
    `if ! fetch ${RDS_CA_BUNDLE_URL} ${STAGED_MYSQL_CA}; then`,
    `  echo "openemr-aws: cannot download the RDS CA bundle"`,
    `  if [ -f ${MYSQL_CA_PATH} ]; then cp ${MYSQL_CA_PATH} ${STAGED_MYSQL_CA}; else exit 1; fi`,
    "fi",
    `if ! fetch ${AMAZON_ROOT_CA_URL} ${STAGED_REDIS_CA}; then`,
    `  echo "openemr-aws: cannot download Amazon Root CA 1, using the image's CA bundle"`,
    `  cp "$CA_BUNDLE" ${STAGED_REDIS_CA}`,
    "fi",
    `if [ -d ${CERTIFICATES_DIR} ]; then`,
    `  for pair in ${STAGED_MYSQL_CA}:${MYSQL_CA_PATH} ${STAGED_REDIS_CA}:${REDIS_CA_PATH}; do`,
    "    src=${pair%%:*}; dst=${pair#*:}",
    '    cp "$src" "$dst.$$" && chmod 744 "$dst.$$" && mv -f "$dst.$$" "$dst"',
    "  done",
    "fi",
    ...verifiedMysqlTls(STAGED_MYSQL_CA),
    ...apacheLogsToStdio(),
    `if [ -f ${SITES_DIR}/docker-leader ] && [ ! -f ${SITES_DIR}/docker-completed ]; then`,
    `  age=$(( $(date +%s) - $(stat -c %Y ${SITES_DIR}/docker-leader) ))`,
    `  if [ "$age" -gt ${FIRST_BOOT_SECONDS} ]; then`,
    `    echo "openemr-aws: removing a swarm-leader lock left $age s ago"`,
    `    rm -f ${SITES_DIR}/docker-leader`,
    "  fi",
    "fi",
    `cd ${OPENEMR_ROOT}`,
    ...(role === "setup" ? boundedSetup() : configuredSiteCheck()),
    "exec ./openemr.sh",
  ].join("\n");
}

/** Shell lines: run ./openemr.sh for at most FIRST_BOOT_SECONDS (killed: non-zero exit). */
export function boundedSetup(): string[] {
  return [
    "if command -v timeout >/dev/null 2>&1; then",
    `  exec timeout ${FIRST_BOOT_SECONDS} ./openemr.sh`,
    "fi",
    `echo "openemr-aws: no timeout command, setup is not bounded"`,
  ];
}

/**
 * Shell lines: exit 1 unless the shared site's sqlconf.php says `$config = 1` (as openemr.sh
 * reads it). Without master credentials openemr.sh cannot install, but as swarm leader on an
 * unconfigured site it would still write docker-completed and start Apache on setup.php.
 */
export function configuredSiteCheck(sitesDir: string = SITES_DIR): string[] {
  return [
    `config=$(php -r "require_once('${sitesDir}/default/sqlconf.php'); echo \\$config;" 2>/dev/null || true)`,
    'if [ "$config" != 1 ]; then',
    `  echo "openemr-aws: the site is not configured (its setup container must succeed first)"`,
    "  exit 1",
    "fi",
  ];
}

/**
 * The container health check: healthy while first-time setup runs (up to FIRST_BOOT_SECONDS after
 * the leader started it), then only when Apache answers over HTTPS (any status below 400; "/"
 * answers 302 to the login page). In the app container, which starts only after its setup
 * container succeeded, docker-completed exists: only the HTTPS probe applies.
 */
export function openemrHealthCheckCommand(): string {
  const s = SITES_DIR;
  return [
    `if [ -f ${s}/docker-completed ]; then exec curl -fsk -o /dev/null --max-time 8 https://localhost/; fi`,
    `if [ -f ${s}/docker-initiated ] && [ $(( $(date +%s) - $(stat -c %Y ${s}/docker-initiated) )) -gt ${FIRST_BOOT_SECONDS} ]; then exit 1; fi`,
    "exit 0",
  ].join("; ");
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}
