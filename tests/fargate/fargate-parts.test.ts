import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  AMAZON_ROOT_CA_URL,
  FIRST_BOOT_SECONDS,
  HEALTH_CHECK_GRACE_SECONDS,
  RDS_CA_BUNDLE_URL,
  STAGED_MYSQL_CA,
  configuredSiteCheck,
  openemrBootScript,
  openemrHealthCheckCommand,
} from "../../components/service/openemr-container";
import {
  REGIONS_WITH_ELB_ACCOUNT,
  accessLogDeliveryStatements,
} from "../../components/loadbalancer/https-load-balancer";
import { fileSystemPolicyStatements } from "../../components/files/shared-file-system";
import { clusterParameters } from "../../components/database/aurora-serverless";
import { cidrSlug } from "../../components/network/security-rules";
import { planStack } from "../helpers/plan";
import { runPolicyPack } from "../../tools/policy/run";

function shellcheck(script: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fargate-sh-"));
  const file = path.join(dir, "script.sh");
  fs.writeFileSync(file, `#!/bin/sh\n${script}\n`);
  // .ci/run installs shellcheck (Debian package); a missing shellcheck fails here on purpose
  return execFileSync("shellcheck", ["--severity=style", "--shell=sh", file], { encoding: "utf8" });
}

describe("fargate tier parts", () => {
  describe("OpenEMR container boot script", () => {
    it("is POSIX sh that passes shellcheck, in both roles", () => {
      expect(shellcheck(openemrBootScript("app"))).to.equal("");
      expect(shellcheck(openemrBootScript("setup"))).to.equal("");
      expect(shellcheck(openemrHealthCheckCommand())).to.equal("");
    });

    it("bounds the setup container's openemr.sh by FIRST_BOOT_SECONDS and starts the app's only on a configured site", () => {
      const setup = openemrBootScript("setup").split("\n");
      expect(setup).to.include(`  exec timeout ${FIRST_BOOT_SECONDS} ./openemr.sh`);
      expect(setup.join("\n")).to.not.contain("sqlconf.php");
      const app = openemrBootScript("app").split("\n");
      expect(app.join("\n")).to.not.contain("timeout");
      const check = app.findIndex((l) => l.includes("sqlconf.php"));
      expect(check).to.be.greaterThan(app.indexOf(`cd /var/www/localhost/htdocs/openemr`));
      expect(app.indexOf("exec ./openemr.sh")).to.equal(app.length - 1);
      expect(openemrBootScript()).to.equal(openemrBootScript("app"));
    });

    it("refuses to start the app container unless sqlconf.php says $config = 1", () => {
      // a stand-in php that evaluates what openemr.sh reads: the $config line of sqlconf.php
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fargate-site-"));
      fs.mkdirSync(path.join(dir, "bin"));
      fs.mkdirSync(path.join(dir, "sites/default"), { recursive: true });
      const php = path.join(dir, "bin/php");
      fs.writeFileSync(
        php,
        [
          "#!/bin/sh",
          `f=$(printf '%s' "$2" | sed -n "s/^require_once('\\(.*\\)');.*/\\1/p")`,
          '[ -f "$f" ] || { echo "PHP Warning: no $f" >&2; exit 255; }',
          `sed -n 's/^\\$config = \\([0-9]\\);.*/\\1/p' "$f"`,
          "",
        ].join("\n"),
        { mode: 0o755 },
      );
      const sites = path.join(dir, "sites");
      const run = () => {
        try {
          execFileSync(
            "/bin/sh",
            ["-eu", "-c", [...configuredSiteCheck(sites), "echo started"].join("\n")],
            {
              encoding: "utf8",
              env: { ...process.env, PATH: `${path.join(dir, "bin")}:${process.env.PATH}` },
            },
          );
          return "started";
        } catch (err) {
          return `exit ${(err as { status: number }).status}`;
        }
      };
      expect(run(), "no sqlconf.php").to.equal("exit 1");
      const conf = path.join(sites, "default/sqlconf.php");
      fs.writeFileSync(conf, "<?php\n$host = 'db';\n$config = 0; /////////////\n");
      expect(run(), "unconfigured").to.equal("exit 1");
      fs.writeFileSync(conf, "<?php\n$host = 'db';\n$config = 1; /////////////\n");
      expect(run(), "configured").to.equal("started");
    });

    it("verifies its downloads with the image's own CA bundle before /etc/ssl is restored", () => {
      const script = openemrBootScript();
      expect(script).to.contain('--cacert "$CA_BUNDLE"');
      expect(script).to.contain("CA_BUNDLE=/swarm-pieces/ssl/certs/ca-certificates.crt");
      expect(script).to.contain(RDS_CA_BUNDLE_URL);
      expect(script).to.contain(AMAZON_ROOT_CA_URL);
    });

    it("stages the CAs, patches --skip-ssl and clears a stale swarm lock before starting OpenEMR", () => {
      const lines = openemrBootScript().split("\n");
      const at = (needle: string) => lines.findIndex((l) => l.includes(needle));
      expect(at(`fetch ${RDS_CA_BUNDLE_URL} ${STAGED_MYSQL_CA}`)).to.be.greaterThan(0);
      expect(at("s|--skip-ssl|")).to.be.greaterThan(at(RDS_CA_BUNDLE_URL));
      expect(at(`-gt ${FIRST_BOOT_SECONDS}`)).to.be.greaterThan(at("s|--skip-ssl|"));
      expect(lines[lines.length - 1]).to.equal("exec ./openemr.sh");
    });

    it("keeps the first-boot allowance at least as long as ECS's 300 s minimum grace", () => {
      expect(FIRST_BOOT_SECONDS).to.be.at.least(300);
      expect(HEALTH_CHECK_GRACE_SECONDS).to.be.greaterThan(FIRST_BOOT_SECONDS);
      expect(openemrHealthCheckCommand()).to.contain(`-gt ${FIRST_BOOT_SECONDS}`);
      expect(openemrHealthCheckCommand()).to.contain("https://localhost/");
    });
  });

  describe("load balancer access logs", () => {
    it("lets the log-delivery service write in every region, and the regional ELB account where there is one", () => {
      const bucket = "arn:aws:s3:::logs-bucket";
      const modern = accessLogDeliveryStatements(bucket, "123456789012");
      expect(modern).to.deep.equal([
        {
          Sid: "LogDeliveryWritesAccessLogs",
          Effect: "Allow",
          Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: "arn:aws:s3:::logs-bucket/alb/AWSLogs/123456789012/*",
          Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
        },
      ]);
      const legacy = accessLogDeliveryStatements(
        bucket,
        "123456789012",
        "arn:aws:iam::127311923021:root",
      );
      expect(legacy.map((s) => s.Principal)).to.deep.equal([
        { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
        { AWS: "arn:aws:iam::127311923021:root" },
      ]);
    });

    it("knows which regions have an ELB account (those opened before August 2022)", () => {
      for (const region of ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"]) {
        expect(REGIONS_WITH_ELB_ACCOUNT.has(region), region).to.equal(true);
      }
      for (const region of ["ap-southeast-4", "eu-central-2", "il-central-1", "ca-west-1"]) {
        expect(REGIONS_WITH_ELB_ACCOUNT.has(region), region).to.equal(false);
      }
    });

    it("names ingress rules after their CIDR so reordering the list replaces nothing", () => {
      expect(cidrSlug("198.51.100.0/24")).to.equal("198-51-100-0-24");
      expect(cidrSlug("2001:DB8::/32")).to.equal("2001-db8-32");
    });
  });

  describe("EFS file system policy", () => {
    it("denies clear-text access and any mount outside the access point, and delegates the rest to IAM", () => {
      const statements = fileSystemPolicyStatements(
        "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1",
        "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-1",
        "123456789012",
        "aws",
      );
      expect(statements[0]).to.deep.include({
        Effect: "Deny",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
      expect(statements[1]).to.deep.include({
        Effect: "Deny",
        Condition: {
          StringNotEquals: {
            "elasticfilesystem:AccessPointArn":
              "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-1",
          },
        },
      });
      expect(statements[2]).to.deep.include({
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::123456789012:root" },
      });
    });
  });

  describe("Aurora cluster parameters", () => {
    it("require TLS 1.2+ and turn on the audit plugin; static ones wait for a reboot", () => {
      const params = clusterParameters();
      const byName = Object.fromEntries(params.map((p) => [p.name, p]));
      expect(byName.require_secure_transport).to.deep.equal({
        name: "require_secure_transport",
        value: "ON",
        applyMethod: "immediate",
      });
      expect(byName.tls_version.value).to.equal("TLSv1.2,TLSv1.3");
      expect(byName.tls_version.applyMethod).to.equal("pending-reboot");
      expect(byName.server_audit_logging.value).to.equal("1");
      expect(new Set(params.map((p) => p.name)).size).to.equal(params.length);
    });
  });

  describe("policy pack", function () {
    it("passes the prod stack with zero violations, with the customer-managed-key rules mandatory", async () => {
      const plan = await planStack("prod");
      const verdict = await runPolicyPack(plan);
      expect(verdict.violations).to.deep.equal([]);
      const strict = await runPolicyPack(plan, {
        all: "mandatory",
        "secretsmanager-secret-customer-managed-key": "mandatory",
        "cloudwatch-log-group-customer-managed-key": "mandatory",
        "data-store-customer-managed-key": "mandatory",
      });
      expect(strict.violations).to.deep.equal([]);
      expect(strict.passed).to.equal(true);
    });
  });
});
