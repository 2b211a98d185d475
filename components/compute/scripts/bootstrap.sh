#!/bin/bash
# First-boot setup of an OpenEMR host: data volume, Docker, secrets from SSM, the database and
# OpenEMR containers as systemd units, the CloudWatch agent, backups and (optionally) a real TLS
# certificate. With DB_HOST set the database is RDS: no database container; the master credentials
# come from Secrets Manager (DB_SECRET_ARN) and OpenEMR connects over TLS with the RDS CA bundle.
# Safe to run again: every step checks before it acts.
set -euo pipefail
exec >>/var/log/openemr-bootstrap.log 2>&1
# shellcheck source=/dev/null
. /etc/openemr/deploy.env
DB_HOST="${DB_HOST:-}"
echo "$(date -Is) bootstrap start (stack ${STACK})"

if [ "${SWAP_GB}" -gt 0 ] && ! swapon --show | grep -q /swapfile; then
  fallocate -l "${SWAP_GB}G" /swapfile && chmod 600 /swapfile && mkswap /swapfile && swapon /swapfile
  echo "/swapfile none swap sw 0 0" >>/etc/fstab
fi

if [ -n "${DATA_DEVICE}" ]; then
  # Amazon Linux links the NVMe device to the name the volume was attached as.
  device="${DATA_DEVICE}"
  for _ in $(seq 1 60); do [ -e "${device}" ] && break; sleep 5; done
  [ -e "${device}" ] || { echo "data volume ${device} never attached"; exit 1; }
  blkid "${device}" >/dev/null || mkfs.xfs -L openemr-data "${device}"
  mkdir -p "${DATA_DIR}"
  uuid=$(blkid -s UUID -o value "${device}")
  grep -q "${uuid}" /etc/fstab || echo "UUID=${uuid} ${DATA_DIR} xfs defaults,nofail 0 2" >>/etc/fstab
  mountpoint -q "${DATA_DIR}" || mount "${DATA_DIR}"
fi
mkdir -p "${DATA_DIR}/docker" /etc/docker /etc/openemr/secrets
chmod 700 /etc/openemr/secrets

dnf install -y docker amazon-cloudwatch-agent jq
cat >/etc/docker/daemon.json <<JSON
{ "data-root": "${DATA_DIR}/docker", "log-driver": "awslogs",
  "log-opts": { "awslogs-region": "${REGION}", "awslogs-group": "${LOG_GROUP_CONTAINERS}" } }
JSON
systemctl enable --now docker

param() { aws ssm get-parameter --region "${REGION}" --with-decryption --name "$1" --query Parameter.Value --output text; }
# every other host script (backup, restore, health, export, the importer with RESTORE_FROM, ...) is
# in SSM parameters, not the user data: nothing above uses one, everything below may
/usr/local/sbin/openemr-install-scripts
umask 077
if [ -n "${DB_HOST}" ]; then
  master=$(aws secretsmanager get-secret-value --region "${REGION}" --secret-id "${DB_SECRET_ARN}" \
    --query SecretString --output text)
  {
    printf 'MYSQL_HOST=%s\n' "${DB_HOST}"
    jq -r '"MYSQL_ROOT_USER=\(.username)\nMYSQL_ROOT_PASS=\(.password)"' <<<"${master}"
  } >/etc/openemr/secrets/app.env
  unset master
else
  printf 'MARIADB_ROOT_PASSWORD=%s\n' "$(param "${DB_ROOT_PARAM}")" >/etc/openemr/secrets/db.env
  printf 'MYSQL_HOST=openemr-db\nMYSQL_ROOT_PASS=%s\n' "$(param "${DB_ROOT_PARAM}")" >/etc/openemr/secrets/app.env
fi
{
  printf 'MYSQL_USER=openemr\nMYSQL_PASS=%s\n' "$(param "${DB_USER_PARAM}")"
  printf 'OE_USER=admin\nOE_PASS=%s\n' "$(param "${ADMIN_PARAM}")"
  # the public https address, for OAuth2/API links (openemr#8534) when the name is known
  if [ -n "${SITE_ADDRESS:-}" ]; then printf 'OPENEMR_SETTING_site_addr_oath=%s\n' "${SITE_ADDRESS}"; fi
} >>/etc/openemr/secrets/app.env
umask 022

db_tls=()
if [ -n "${DB_HOST}" ]; then
  # The RDS CA bundle, refreshed before every start of OpenEMR's container (CAs rotate; a baked
  # copy broke in 2020 and 2024); the container's start script copies it over the site's copy,
  # which OpenEMR verifies the database against.
  ca=/etc/openemr/rds-ca.pem
  cat >/usr/local/sbin/openemr-rds-ca <<SCRIPT
#!/bin/sh
for _ in 1 2 3 4 5; do
  curl -fsS --max-time 30 -o ${ca}.tmp ${RDS_CA_BUNDLE_URL} && chmod 644 ${ca}.tmp && mv -f ${ca}.tmp ${ca} && exit 0
  sleep 6
done
echo "openemr-rds-ca: cannot download the RDS CA bundle; keeping the current one" >&2
SCRIPT
  chmod 755 /usr/local/sbin/openemr-rds-ca
  /usr/local/sbin/openemr-rds-ca
  [ -s "${ca}" ] || { echo "cannot download the RDS CA bundle"; exit 1; }
  db_tls=(-v "${ca}:/root/certs/mysql/server/mysql-ca:ro")
fi

docker network inspect openemr >/dev/null 2>&1 || docker network create openemr
volumes=(openemr-sites openemr-ssl openemr-letsencrypt openemr-logs)
[ -n "${DB_HOST}" ] || volumes+=(openemr-db)
for volume in "${volumes[@]}"; do
  docker volume inspect "${volume}" >/dev/null 2>&1 || docker volume create "${volume}"
done

unit() { # name, description, docker run arguments...
  local name=$1 description=$2
  shift 2
  cat >"/etc/systemd/system/${name}.service" <<UNIT
[Unit]
Description=${description}
After=docker.service
Requires=docker.service

[Service]
Restart=always
RestartSec=10
ExecStartPre=-/usr/bin/docker rm -f ${name}
ExecStart=/usr/bin/docker run --rm --name ${name} --network openemr $*
ExecStop=/usr/bin/docker stop -t 60 ${name}

[Install]
WantedBy=multi-user.target
UNIT
}
services=(openemr-app.service)
if [ -z "${DB_HOST}" ]; then
  unit openemr-db "OpenEMR database (MariaDB)" \
    --env-file /etc/openemr/secrets/db.env -v openemr-db:/var/lib/mysql \
    --log-opt "awslogs-group=${LOG_GROUP_DATABASE}" \
    "${MARIADB_IMAGE}" --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci
  services=(openemr-db.service openemr-app.service)
fi
# The start script (generated by the program) sends Apache's logs to the container's output, which
# the awslogs driver ships whole, and with RDS makes the image verify TLS, then runs openemr.sh.
unit openemr-app "OpenEMR" \
  --env-file /etc/openemr/secrets/app.env -p 443:443 \
  -v openemr-sites:/var/www/localhost/htdocs/openemr/sites -v openemr-ssl:/etc/ssl \
  -v openemr-letsencrypt:/etc/letsencrypt -v openemr-logs:/var/log "${db_tls[@]}" \
  -v "${CONTAINER_START}:/etc/openemr-aws/start.sh:ro" \
  --log-opt "awslogs-group=${LOG_GROUP_CONTAINERS}" "${OPENEMR_IMAGE}" /bin/sh /etc/openemr-aws/start.sh
if [ -n "${DB_HOST}" ]; then
  sed -i 's|^ExecStartPre=-/usr/bin/docker rm -f openemr-app$|ExecStartPre=-/usr/local/sbin/openemr-rds-ca\n&|' /etc/systemd/system/openemr-app.service
else
  sed -i 's/^After=docker.service$/After=docker.service openemr-db.service/' /etc/systemd/system/openemr-app.service
fi

# Logs, and the memory and disk use the alarms watch (namespace OpenEMR, the only one the role may
# publish to; per mount point: "/" and, with a data volume, DATA_DIR)
cat >/opt/aws/amazon-cloudwatch-agent/etc/openemr.json <<JSON
{ "logs": { "logs_collected": { "files": { "collect_list": [
  { "file_path": "/var/log/openemr-*.log", "log_group_name": "${LOG_GROUP_SYSTEM}", "log_stream_name": "{instance_id}-openemr" },
  { "file_path": "/var/log/cloud-init-output.log", "log_group_name": "${LOG_GROUP_SYSTEM}", "log_stream_name": "{instance_id}-cloud-init" }
] } } },
  "metrics": { "namespace": "OpenEMR", "append_dimensions": { "InstanceId": "\${aws:InstanceId}" },
    "metrics_collected": {
      "mem": { "measurement": ["mem_used_percent"], "metrics_collection_interval": 300 },
      "disk": { "measurement": ["used_percent"], "resources": ["/", "${DATA_DIR}"], "drop_device": true,
        "metrics_collection_interval": 300 } } } }
JSON
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \
  -c file:/opt/aws/amazon-cloudwatch-agent/etc/openemr.json

timer() { # name, calendar, command
  cat >"/etc/systemd/system/$1.service" <<UNIT
[Unit]
Description=$1

[Service]
Type=oneshot
ExecStart=$3
UNIT
  cat >"/etc/systemd/system/$1.timer" <<UNIT
[Unit]
Description=$1 schedule

[Timer]
OnCalendar=$2
Persistent=true
RandomizedDelaySec=300

[Install]
WantedBy=timers.target
UNIT
}
# BACKUP_MODE=aws-backup: AWS Backup snapshots the data volume and the database; no local job
if [ "${BACKUP_MODE}" != "aws-backup" ]; then
  timer openemr-backup "*-*-* ${BACKUP_HOUR}:00:00 UTC" /usr/local/sbin/openemr-backup
  services+=(openemr-backup.timer)
fi
if [ -n "${DOMAIN}" ]; then
  timer openemr-certificate "*-*-* 03,15:30:00 UTC" /usr/local/sbin/openemr-certificate
fi

# OpenEMR's installer needs the database superuser once; afterwards the container runs without it
cat >/etc/systemd/system/openemr-forget-superuser.service <<UNIT
[Unit]
Description=Remove the database superuser from OpenEMR's container once OpenEMR is installed
After=openemr-app.service

[Service]
Type=oneshot
TimeoutStartSec=4000
ExecStart=/usr/local/sbin/openemr-forget-superuser

[Install]
WantedBy=multi-user.target
UNIT

# whether OpenEMR itself answers, every five minutes (an alarm watches the metric)
cat >/etc/systemd/system/openemr-health.service <<UNIT
[Unit]
Description=Report whether OpenEMR answers over HTTPS

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/openemr-health
UNIT
cat >/etc/systemd/system/openemr-health.timer <<UNIT
[Unit]
Description=openemr-health every five minutes

[Timer]
OnBootSec=5min
OnUnitActiveSec=5min

[Install]
WantedBy=timers.target
UNIT
services+=(openemr-health.timer)

systemctl daemon-reload
# openemr:restoreFrom: the set imported once the database answers and before OpenEMR first starts;
# a failed import leaves openemr-app stopped (its installer must never run over an empty database)
import_failed=false
if [ -n "${RESTORE_FROM:-}" ] &&
  [ ! -f "$(docker volume inspect -f '{{.Mountpoint}}' openemr-sites)/.openemr-import.done" ]; then
  if [ -z "${DB_HOST}" ]; then
    systemctl enable --now openemr-db.service
    for _ in $(seq 1 60); do
      # shellcheck disable=SC2016 # expanded inside the container
      docker exec openemr-db sh -c 'exec mariadb -uroot -p"$MARIADB_ROOT_PASSWORD" -e "SELECT 1"' >/dev/null 2>&1 && break
      sleep 5
    done
  fi
  /usr/local/sbin/openemr-import || import_failed=true
fi
if ${import_failed}; then
  systemctl enable openemr-app.service
  rest=()
  for service in "${services[@]}"; do [ "${service}" = openemr-app.service ] || rest+=("${service}"); done
  services=("${rest[@]}")
fi
systemctl enable --now "${services[@]}"
systemctl enable openemr-forget-superuser.service
${import_failed} || systemctl start --no-block openemr-forget-superuser.service
if [ -n "${DOMAIN}" ]; then
  systemctl enable --now openemr-certificate.timer
  /usr/local/sbin/openemr-certificate || echo "certificate not obtained yet; OpenEMR keeps its self-signed certificate"
fi
if ${import_failed}; then
  echo "$(date -Is) bootstrap: the import of ${RESTORE_FROM:-} FAILED (/var/log/openemr-import.log); openemr-app not started"
  exit 1
fi
echo "$(date -Is) bootstrap done"
