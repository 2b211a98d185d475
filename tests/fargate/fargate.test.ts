import { expect } from "chai";
import { planStack } from "../helpers/plan";
import { dependencyOf, networkLayout, ofType, one, prop } from "../helpers/resources";
import type { PlanFile } from "../../tools/plan/types";
import { T as PT } from "../../tools/plan/tokens";
import {
  FIRST_BOOT_SECONDS,
  MYSQL_CA_PATH,
  REDIS_CA_PATH,
} from "../../components/service/openemr-container";
import {
  CERT,
  T,
  type Container,
  containerOf,
  containersOf,
  envOf,
  keyNamed,
  secretArnOf,
  setupContainerOf,
  view,
} from "./fargate-helpers";
import { SECURITY_HEADERS, TLS_POLICY } from "../../components/loadbalancer/https-load-balancer";
import { webAclCapacity } from "../../components/waf/web-firewall";

describe("fargate tier (prod stack)", function () {
  let plan: PlanFile;
  before(async () => {
    plan = await planStack("prod");
  });

  describe("secrets", () => {
    it("hands every credential to the containers as an ECS secret, never as a plain environment value", () => {
      const names = (c: Container) => c.secrets.map((s) => s.name).sort();
      expect(names(containerOf(plan))).to.deep.equal([
        "MYSQL_PASS",
        "MYSQL_USER",
        "REDIS_PASSWORD",
        "REDIS_USERNAME",
      ]);
      expect(names(setupContainerOf(plan))).to.deep.equal([
        "MYSQL_PASS",
        "MYSQL_ROOT_PASS",
        "MYSQL_ROOT_USER",
        "MYSQL_USER",
        "OE_PASS",
      ]);
      for (const c of containersOf(plan)) {
        for (const s of c.secrets) {
          expect(s.valueFrom, `${c.name} ${s.name}`).to.match(
            /^arn:aws:secretsmanager:us-east-1:123456789012:secret:/,
          );
        }
        for (const e of c.environment) {
          expect(e.name).to.not.match(/PASS|SECRET|TOKEN|KEY/i);
          expect(e.value, e.name).to.not.equal("<secret>");
        }
      }
    });

    it("keeps generated credentials in Secrets Manager under the secrets key, values masked in the plan", () => {
      const secrets = ofType(plan, T.secret);
      expect(secrets.map((s) => prop(s, "name")).sort()).to.deep.equal([
        "openemr-prod-db/master-credentials",
        "openemr-prod/admin-password",
        "openemr-prod/app-credentials",
      ]);
      for (const s of secrets) {
        expect(keyNamed(plan, s, "kmsKeyId")).to.deep.equal(["openemr-prod-secrets-key"]);
        expect(s.opts.protect, s.name).to.equal(true);
        expect(prop(s, "recoveryWindowInDays")).to.equal(30);
      }
      for (const v of ofType(plan, T.secretVersion)) {
        expect(prop(v, "secretString"), v.name).to.equal("<secret>");
      }
      expect(
        prop(one(plan, T.cacheUser, "-app-user"), "authenticationMode.passwords"),
      ).to.deep.equal(["<secret>"]);
    });

    it("generates the master password (not RDS: its set breaks the installer) and keeps it under the secrets key", () => {
      const cluster = one(plan, T.cluster);
      expect(cluster.props).to.not.have.property("manageMasterUserPassword");
      expect(prop(cluster, "masterPassword")).to.equal("<secret>");
      expect(dependencyOf(plan, cluster, "masterPassword").map((r) => r.type)).to.deep.equal([
        T.password,
      ]);
      const secret = one(plan, T.secret, "-db-master-secret");
      expect(keyNamed(plan, secret, "kmsKeyId")).to.deep.equal(["openemr-prod-secrets-key"]);
      const root = setupContainerOf(plan).secrets.find((s) => s.name === "MYSQL_ROOT_PASS");
      expect(root?.valueFrom).to.equal(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:openemr-prod-db/master-credentials-AbCdEf:password::",
      );
    });

    it("generates passwords with every character class and only specials OpenEMR's scripts accept", () => {
      const passwords = ofType(plan, T.password);
      // database app user, admin, Valkey app user, Valkey default user (never told to anyone)
      expect(passwords).to.have.length(5);
      for (const p of passwords) {
        for (const min of ["minUpper", "minLower", "minNumeric"]) {
          expect(prop<number>(p, min), `${p.name}.${min}`).to.be.at.least(1);
        }
        expect(prop<number>(p, "length")).to.be.at.least(20);
        if (prop(p, "special") === false) continue;
        expect(prop<number>(p, "minSpecial"), p.name).to.be.at.least(1);
        expect(prop<string>(p, "overrideSpecial"), p.name).to.match(/^[-_.~^!]+$/);
      }
      // the Valkey password travels in a URL query string: letters and digits only
      expect(prop(one(plan, T.password, "-cache-password"), "special")).to.equal(false);
    });
  });

  describe("front door", () => {
    it("redirects HTTP to HTTPS as the HTTP listener's only action", () => {
      const http = ofType(plan, T.listener).filter((l) => prop(l, "protocol") === "HTTP");
      expect(http).to.have.length(1);
      expect(prop(http[0], "port")).to.equal(80);
      expect(prop(http[0], "defaultActions")).to.deep.equal([
        { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
      ]);
    });

    it("serves HTTPS with an explicit TLS 1.3/1.2 policy and the configured certificate", () => {
      const https = one(plan, T.listener, "-https");
      expect(prop(https, "protocol")).to.equal("HTTPS");
      expect(prop(https, "port")).to.equal(443);
      expect(prop(https, "sslPolicy")).to.equal(TLS_POLICY);
      expect(TLS_POLICY).to.match(/^ELBSecurityPolicy-TLS13-1-2-/);
      expect(prop(https, "certificateArn")).to.equal(CERT);
      expect(prop(https, "routingHttpResponseStrictTransportSecurityHeaderValue")).to.match(
        /^max-age=\d{8,}/,
      );
      expect(prop(https, "routingHttpResponseXFrameOptionsHeaderValue")).to.equal("SAMEORIGIN");
      expect(prop(https, "routingHttpResponseContentSecurityPolicyHeaderValue")).to.equal(
        SECURITY_HEADERS.contentSecurityPolicy,
      );
      const [action] = prop<{ type: string }[]>(https, "defaultActions");
      expect(action.type).to.equal("forward");
      expect(dependencyOf(plan, https, "defaultActions").map((r) => r.type)).to.deep.equal([
        T.targetGroup,
      ]);
    });

    it("is an internet-facing ALB that drops invalid headers, mitigates desync and resists deletion", () => {
      const lb = one(plan, T.lb);
      expect(prop(lb, "internal")).to.equal(false);
      expect(prop(lb, "loadBalancerType")).to.equal("application");
      expect(prop(lb, "dropInvalidHeaderFields")).to.equal(true);
      expect(["defensive", "strictest"]).to.include(prop(lb, "desyncMitigationMode"));
      expect(prop(lb, "enableDeletionProtection")).to.equal(true);
      expect(lb.name.startsWith("openemr-prod-")).to.equal(true);
    });

    it("writes access logs to an SSE-S3 bucket that ELB may write to in any region", () => {
      const lb = one(plan, T.lb);
      expect(prop(lb, "accessLogs.enabled")).to.equal(true);
      const [bucket] = dependencyOf(plan, lb, "accessLogs");
      expect(bucket.type).to.equal(T.bucket);
      expect(prop(bucket, "tags")).to.deep.equal({ "openemr:purpose": "lb-access-logs" });
      const encryption = ofType(plan, T.bucketEncryption).find((e) =>
        dependencyOf(plan, e, "bucket").includes(bucket),
      );
      expect(prop(encryption!, "rules")).to.deep.equal([
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ]);
      const policy = ofType(plan, T.bucketPolicy).find((p) =>
        dependencyOf(plan, p, "bucket").includes(bucket),
      );
      const doc = JSON.parse(prop<string>(policy!, "policy")) as {
        Statement: { Sid: string; Principal: unknown; Resource: unknown }[];
      };
      const bySid = Object.fromEntries(doc.Statement.map((s) => [s.Sid, s]));
      expect(bySid.DenyRequestsWithoutTls).to.not.equal(undefined);
      expect(bySid.LogDeliveryWritesAccessLogs.Principal).to.deep.equal({
        Service: "logdelivery.elasticloadbalancing.amazonaws.com",
      });
      // us-east-1 predates August 2022: its regional ELB account is allowed too
      expect(bySid.RegionalElbAccountWritesAccessLogs.Principal).to.deep.equal({
        AWS: "arn:aws:iam::127311923021:root",
      });
      expect(String(bySid.LogDeliveryWritesAccessLogs.Resource)).to.match(
        /\/alb\/AWSLogs\/123456789012\/\*$/,
      );
      expect(bucket.opts.protect).to.equal(true);
    });

    it("admits only the allowed CIDRs, on 443 and 80, and only at the load balancer", () => {
      const lbSg = one(plan, T.sg, "-lb-sg");
      const cidrRules = ofType(plan, T.ingress).filter(
        (r) => "cidrIpv4" in r.props || "cidrIpv6" in r.props,
      );
      expect(cidrRules.map((r) => [prop(r, "cidrIpv4"), prop(r, "fromPort")]).sort()).to.deep.equal(
        [
          ["198.51.100.0/24", 443],
          ["198.51.100.0/24", 80],
        ],
      );
      for (const r of cidrRules) {
        expect(dependencyOf(plan, r, "securityGroupId")).to.deep.equal([lbSg]);
        expect(prop(r, "toPort")).to.equal(prop(r, "fromPort"));
      }
      // every other ingress names a security group, never an address range
      for (const r of ofType(plan, T.ingress).filter((x) => !cidrRules.includes(x))) {
        expect(dependencyOf(plan, r, "referencedSecurityGroupId"), r.name).to.have.length(1);
      }
      // no security group carries inline rules that could widen this
      for (const sg of ofType(plan, T.sg)) {
        expect(sg.props, sg.name).to.not.have.property("ingress");
      }
    });

    it("health-checks the HTTPS targets in a way OpenEMR's first boot survives", () => {
      const tg = one(plan, T.targetGroup);
      expect(prop(tg, "protocol")).to.equal("HTTPS");
      expect(prop(tg, "port")).to.equal(443);
      expect(prop(tg, "targetType")).to.equal("ip");
      expect(prop(tg, "healthCheck.protocol")).to.equal("HTTPS");
      expect(prop<string>(tg, "healthCheck.matcher").split(",")).to.include("302");
      const service = one(plan, T.service);
      const grace = prop<number>(service, "healthCheckGracePeriodSeconds");
      const startPeriod = containerOf(plan).healthCheck!.startPeriod;
      expect(startPeriod).to.equal(300);
      // the setup container runs under `timeout FIRST_BOOT_SECONDS`; the grace period covers it
      // and the app container's own start, whether ECS counts it from the task's launch or not
      expect(setupContainerOf(plan).command[0]).to.contain(
        `exec timeout ${FIRST_BOOT_SECONDS} ./openemr.sh`,
      );
      expect(grace).to.be.at.least(FIRST_BOOT_SECONDS + startPeriod);
    });

    it("puts a WAF with the IP-list, common, SQL-injection, known-bad-inputs, PHP and Linux rules, a per-IP and a login rate limit on the ALB", () => {
      const acl = one(plan, T.webAcl);
      expect(prop(acl, "scope")).to.equal("REGIONAL");
      const rules = view<
        {
          name: string;
          overrideAction?: unknown;
          action?: unknown;
          statement: {
            managedRuleGroupStatement?: { name: string; vendorName: string };
            rateBasedStatement?: { limit: number; aggregateKeyType: string };
          };
        }[]
      >(acl, "rules");
      const groups = rules.flatMap((r) =>
        r.statement.managedRuleGroupStatement ? [r.statement.managedRuleGroupStatement.name] : [],
      );
      expect(groups).to.deep.equal([
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesAnonymousIpList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesSQLiRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesPHPRuleSet",
        "AWSManagedRulesLinuxRuleSet",
      ]);
      expect(rules.map((r) => r.name).slice(0, 2)).to.deep.equal([
        "rate-limit-per-ip",
        "rate-limit-login",
      ]);
      expect(rules.find((r) => r.name === "block-oversized-body")?.action).to.deep.equal({
        block: {},
      });
      expect(webAclCapacity(rules)).to.equal(1498);
      for (const r of rules.filter((x) => x.statement.managedRuleGroupStatement)) {
        expect(r.overrideAction).to.deep.equal({ none: {} });
      }
      const rate = rules.find((r) => r.statement.rateBasedStatement);
      expect(rate?.statement.rateBasedStatement).to.include({
        limit: 3000,
        aggregateKeyType: "IP",
      });
      expect(rate?.action).to.deep.equal({ block: {} });
      const login = rules.find((r) => r.name === "rate-limit-login");
      expect(login?.statement.rateBasedStatement).to.include({
        limit: 100,
        aggregateKeyType: "IP",
      });
      expect(login?.action).to.deep.equal({ block: {} });
      const association = one(plan, T.wafAssociation);
      expect(dependencyOf(plan, association, "resourceArn").map((r) => r.type)).to.deep.equal([
        T.lb,
      ]);
      const logging = one(plan, T.wafLogging);
      const [group] = dependencyOf(plan, logging, "logDestinationConfigs");
      expect(prop<string>(group, "name")).to.equal("aws-waf-logs-openemr-prod-waf");
      expect(keyNamed(plan, group, "kmsKeyId")).to.deep.equal(["openemr-prod-logs-key"]);
    });
  });

  describe("service", () => {
    it("runs the configured OpenEMR image on ARM64 with 1 vCPU and 2 GiB by default", () => {
      const td = one(plan, T.taskDef);
      expect(prop(td, "runtimePlatform")).to.deep.equal({
        cpuArchitecture: "ARM64",
        operatingSystemFamily: "LINUX",
      });
      expect(prop(td, "cpu")).to.equal("1024");
      expect(prop(td, "memory")).to.equal("2048");
      expect(prop(td, "requiresCompatibilities")).to.deep.equal(["FARGATE"]);
      expect(containerOf(plan).image).to.equal("openemr/openemr:8.0.0");
    });

    it("mounts both EFS file systems through access points with transit encryption and IAM", () => {
      const td = one(plan, T.taskDef);
      const volumes = view<
        {
          name: string;
          efsVolumeConfiguration: {
            transitEncryption: string;
            authorizationConfig: { iam: string; accessPointId: string };
            rootDirectory?: string;
          };
        }[]
      >(td, "volumes");
      expect(volumes.map((v) => v.name)).to.deep.equal(["sites", "tls"]);
      for (const v of volumes) {
        expect(v.efsVolumeConfiguration.transitEncryption).to.equal("ENABLED");
        expect(v.efsVolumeConfiguration.authorizationConfig.iam).to.equal("ENABLED");
        expect(v.efsVolumeConfiguration.authorizationConfig.accessPointId).to.match(/-ap-/);
        expect(v.efsVolumeConfiguration).to.not.have.property("rootDirectory");
      }
      for (const c of containersOf(plan)) {
        expect(
          c.mountPoints.map((m) => [m.sourceVolume, m.containerPath]),
          c.name,
        ).to.deep.equal([
          ["sites", "/var/www/localhost/htdocs/openemr/sites"],
          ["tls", "/etc/ssl"],
        ]);
      }
    });

    it("lets only the task role mount, only through the access point, only over TLS", () => {
      for (const policy of ofType(plan, T.efsPolicy)) {
        const doc = JSON.parse(prop<string>(policy, "policy")) as {
          Statement: { Sid: string; Effect: string; Condition: Record<string, unknown> }[];
        };
        const sids = doc.Statement.map((s) => `${s.Effect}:${s.Sid}`);
        expect(sids).to.deep.equal([
          "Deny:DenyWithoutTls",
          "Deny:DenyOutsideTheAccessPoint",
          "Allow:AccountIamDecidesWhoMounts",
        ]);
      }
      const taskPolicy = ofType(plan, T.rolePolicy).find((p) => p.name.endsWith("-task-policy"));
      const doc = JSON.parse(prop<string>(taskPolicy!, "policy")) as {
        Statement: { Action: string[]; Condition?: Record<string, Record<string, string>> }[];
      };
      const mounts = doc.Statement.filter((s) =>
        s.Action.includes("elasticfilesystem:ClientMount"),
      );
      expect(mounts).to.have.length(2);
      for (const s of mounts) {
        expect(s.Condition?.StringEquals["elasticfilesystem:AccessPointArn"]).to.match(
          /accessPoint/,
        );
      }
    });

    it("delivers the RDS CA bundle and Amazon's root CA where the image turns on MySQL and Redis TLS", () => {
      expect(MYSQL_CA_PATH).to.equal(
        "/var/www/localhost/htdocs/openemr/sites/default/documents/certificates/mysql-ca",
      );
      // the setup container installs over TLS too: it gets the same boot script
      for (const c of containersOf(plan)) {
        expect(c.entryPoint, c.name).to.deep.equal(["/bin/sh", "-c"]);
        const script = c.command[0];
        expect(script).to.contain(
          "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem",
        );
        expect(script).to.contain(MYSQL_CA_PATH);
        expect(script).to.contain(REDIS_CA_PATH);
        // OPENEMR_SETTING_* use `mariadb --skip-ssl`, which Aurora refuses: the script patches it
        expect(script).to.contain("s|--skip-ssl|--ssl-ca=");
        expect(script.trim().endsWith("exec ./openemr.sh"), c.name).to.equal(true);
      }
    });

    it("configures sessions on Valkey over TLS by host name, swarm mode, and TLS-only MySQL", () => {
      const env = envOf(plan);
      expect(env.REDIS_SERVER).to.match(/^[a-z0-9.-]+\.cache\.amazonaws\.com$/);
      expect(env.REDIS_SERVER).to.not.contain(":");
      expect(env.REDIS_TLS).to.equal("yes");
      expect(env.SWARM_MODE).to.equal("yes");
      expect(env.FORCE_DATABASE_SSL_CONNECT).to.equal("1");
      expect(env.MYSQL_HOST).to.equal(
        "openemr-prod-db-cluster.cluster-abcdefgh.us-east-1.rds.amazonaws.com",
      );
      expect(env.MYSQL_PORT).to.equal("3306");
      expect(env.OE_USER).to.equal("admin");
    });
  });

  describe("no superuser in the running app", () => {
    const MASTER = "openemr-prod-db/master-credentials";
    const references = (c: Container) => [
      ...c.secrets.flatMap((s) => [s.name, s.valueFrom]),
      ...c.environment.flatMap((e) => [e.name, e.value]),
    ];
    const policyOf = (suffix: string) =>
      JSON.parse(
        prop<string>(
          ofType(plan, T.rolePolicy).find((p) => p.name.endsWith(suffix))!,
          "policy",
        ),
      ) as {
        Statement: { Sid: string; Action: string | string[]; Resource: string | string[] }[];
      };

    it("keeps the master credentials and the admin password out of the long-running container", () => {
      expect(prop(one(plan, T.secret, "-db-master-secret"), "name")).to.equal(MASTER);
      const app = containerOf(plan);
      for (const ref of references(app)) {
        expect(ref).to.not.contain(MASTER);
        expect(ref).to.not.match(/MYSQL_ROOT|admin-password|^OE_PASS$|^K8S$/);
      }
      // and the one container that holds them is the setup container
      const setup = references(setupContainerOf(plan));
      expect(setup.filter((r) => r.includes(MASTER))).to.have.length(2);
      expect(setup).to.include.members(["MYSQL_ROOT_USER", "MYSQL_ROOT_PASS", "OE_PASS"]);
    });

    it("runs openemr.sh's setup in a non-essential container the app container waits for (SUCCESS)", () => {
      const app = containerOf(plan);
      const setup = setupContainerOf(plan);
      expect(app.essential).to.equal(true);
      expect(app.dependsOn).to.deep.equal([
        { containerName: "openemr-setup", condition: "SUCCESS" },
      ]);
      expect(setup.essential).to.equal(false);
      expect(setup).to.not.have.property("dependsOn");
      expect(setup).to.not.have.property("portMappings");
      expect(setup).to.not.have.property("healthCheck");
      expect(setup.image).to.equal(app.image);
      expect(setup.logConfiguration).to.deep.equal(app.logConfiguration);
      // K8S=admin: configure, then exit without Apache; swarm mode: one leader among the tasks
      const setupEnv = Object.fromEntries(setup.environment.map((e) => [e.name, e.value]));
      expect(setupEnv).to.include({ K8S: "admin", SWARM_MODE: "yes" });
      expect(envOf(plan).SWARM_MODE).to.equal("yes");
      expect(setupEnv).to.not.have.property("REDIS_SERVER");
      // the app container refuses a site its setup did not configure
      expect(app.command[0]).to.contain("sqlconf.php'); echo \\$config;");
      expect(setup.command[0]).to.not.contain("sqlconf.php");
      // both share the task's size: no container-level limit beyond it
      const td = one(plan, T.taskDef);
      for (const c of containersOf(plan)) {
        for (const limit of [c.memory, c.memoryReservation]) {
          expect(limit ?? 0, c.name).to.be.at.most(Number(prop(td, "memory")));
        }
        expect(c.cpu ?? 0, c.name).to.be.at.most(Number(prop(td, "cpu")));
      }
    });

    it("lets the execution role read every secret either container references, and the task role none", () => {
      const read = policyOf("-execution-policy").Statement.find(
        (s) => s.Sid === "ReadTaskSecrets",
      )!;
      expect(read.Action).to.equal("secretsmanager:GetSecretValue");
      const referenced = new Set(
        containersOf(plan).flatMap((c) => c.secrets.map((s) => secretArnOf(s.valueFrom))),
      );
      expect(referenced.size).to.equal(3);
      expect([...(read.Resource as string[])].sort()).to.deep.equal([...referenced].sort());
      const task = policyOf("-task-policy");
      for (const s of task.Statement) {
        const actions = ([] as string[]).concat(s.Action);
        expect(
          actions.filter((a) => /^(secretsmanager|ssm|kms):|^\*$/.test(a)),
          s.Sid,
        ).to.deep.equal([]);
      }
      expect(JSON.stringify(task)).to.not.contain(":secret:");
      // the task role has no other policy
      const [taskRole] = dependencyOf(plan, one(plan, T.taskDef), "taskRoleArn");
      const attached = plan.resources.filter(
        (r) => r.type.startsWith("aws:iam/") && dependencyOf(plan, r, "role").includes(taskRole),
      );
      expect(attached.map((r) => r.name)).to.deep.equal(["openemr-prod-app-task-policy"]);
    });

    it("masks patient identifiers in the service's log group, not in Container Insights'", () => {
      const masked = ofType(
        plan,
        "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy",
      ).map((p) => prop<string>(p, "logGroupName"));
      expect(masked).to.include("/openemr/prod/ecs/openemr-prod-openemr");
      expect(masked).to.not.include("/aws/ecs/containerinsights/openemr-prod/performance");
      const policy = one(
        plan,
        "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy",
        "-app-logs-data-protection",
      );
      const doc = JSON.parse(prop<string>(policy, "policyDocument")) as {
        Statement: { Operation: Record<string, unknown> }[];
      };
      expect(doc.Statement.map((s) => Object.keys(s.Operation)[0])).to.deep.equal([
        "Audit",
        "Deidentify",
      ]);
    });

    it("runs in private subnets without public IPs, rolls back failed deployments, spreads over AZs", () => {
      const service = one(plan, T.service);
      expect(prop(service, "launchType")).to.equal("FARGATE");
      expect(prop(service, "networkConfiguration.assignPublicIp")).to.equal(false);
      const subnets = prop<string[]>(service, "networkConfiguration.subnets");
      expect(subnets).to.have.length(2);
      expect(
        subnets.every((id) => id.startsWith("subnet-prv")),
        subnets.join(),
      ).to.equal(true);
      expect(prop(service, "deploymentCircuitBreaker")).to.deep.equal({
        enable: true,
        rollback: true,
      });
      expect(prop(service, "availabilityZoneRebalancing")).to.equal("ENABLED");
      expect(prop(service, "enableExecuteCommand")).to.equal(false);
      expect(service.opts.ignoreChanges).to.deep.equal(["desiredCount"]);
      const dependsOn = service.opts.dependsOn.map((u) => u.split("::").pop());
      expect(dependsOn).to.include.members([
        "openemr-prod-lb-https",
        "openemr-prod-db-writer",
        "openemr-prod-sites-mount-0",
        "openemr-prod-tls-mount-1",
      ]);
    });

    it("pages the alarm topic when the circuit breaker fails a deployment of this service", () => {
      const service = one(plan, T.service);
      const rule = one(plan, PT.eventRule, "-deployment-failed");
      expect(rule.name).to.equal("openemr-prod-deployment-failed");
      // the old tasks keep serving after a rollback: no task-count alarm would say so
      expect(JSON.parse(prop<string>(rule, "eventPattern"))).to.deep.equal({
        source: ["aws.ecs"],
        "detail-type": ["ECS Deployment State Change"],
        // the service's ARN: service/<cluster>/<service> (the mocks' cluster ARN ends in its logical name)
        resources: [
          `arn:aws:ecs:us-east-1:123456789012:service/${prop<string>(service, "cluster").split("/").pop()}/${prop<string>(service, "name")}`,
        ],
        detail: { eventName: ["SERVICE_DEPLOYMENT_FAILED"] },
      });
      expect(rule.propertyDependencies.eventPattern).to.deep.equal([service.urn]);
      expect(prop<string>(rule, "description")).to.contain("not the data");
      const target = one(plan, PT.eventTarget, "-deployment-failed-target");
      const topic = one(plan, PT.snsTopic, "-alarms");
      expect(target.propertyDependencies.arn).to.deep.equal([topic.urn]);
      expect(target.name).to.equal(`${rule.name}-target`);
      const policy = JSON.parse(prop<string>(one(plan, PT.snsTopicPolicy), "policy")) as {
        Statement: { Principal: { Service?: string }; Action: string; Condition: unknown }[];
      };
      expect(
        policy.Statement.find((s) => s.Principal.Service === "events.amazonaws.com"),
      ).to.deep.include({
        Action: "SNS:Publish",
        Condition: {
          StringEquals: { "aws:SourceAccount": "123456789012" },
          ArnLike: { "aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/*" },
        },
      });
    });

    it("scales between 2 and 100 tasks on 40% CPU by default", () => {
      expect(prop(one(plan, T.service), "desiredCount")).to.equal(2);
      const target = one(plan, T.scalingTarget);
      expect(prop(target, "minCapacity")).to.equal(2);
      expect(prop(target, "maxCapacity")).to.equal(100);
      expect(prop(target, "resourceId")).to.equal("service/openemr-prod/openemr-prod-openemr");
      const targets = Object.fromEntries(
        ofType(plan, T.scalingPolicy).map((p) => [
          prop<string>(
            p,
            "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType",
          ),
          prop<number>(p, "targetTrackingScalingPolicyConfiguration.targetValue"),
        ]),
      );
      // memory only when openemr:fargate.memoryTargetPercent is set (PHP's memory does not fall
      // with load, so it would hold the service at its peak)
      expect(targets).to.deep.equal({ ECSServiceAverageCPUUtilization: 40 });
    });

    it("turns on Container Insights and keeps ECS Exec off by default", () => {
      const cluster = one(plan, T.ecsCluster);
      expect(prop(cluster, "name")).to.equal("openemr-prod");
      expect(prop(cluster, "settings")).to.deep.equal([
        { name: "containerInsights", value: "enabled" },
      ]);
      expect(cluster.props).to.not.have.property("configuration");
      const taskPolicy = ofType(plan, T.rolePolicy).find((p) => p.name.endsWith("-task-policy"));
      expect(prop<string>(taskPolicy!, "policy")).to.not.contain("ssmmessages");
    });
  });

  describe("data", () => {
    it("runs Aurora MySQL 3 Serverless v2 the way the API requires: provisioned mode, db.serverless", () => {
      const cluster = one(plan, T.cluster);
      expect(prop(cluster, "engine")).to.equal("aurora-mysql");
      expect(prop(cluster, "engineMode")).to.equal("provisioned");
      expect(prop(cluster, "engineVersion")).to.equal("8.0");
      expect(cluster.opts.ignoreChanges).to.deep.equal(["engineVersion"]);
      expect(prop(cluster, "serverlessv2ScalingConfiguration")).to.deep.equal({
        minCapacity: 0.5,
        maxCapacity: 16,
      });
      expect(prop(cluster, "engineLifecycleSupport")).to.equal(
        "open-source-rds-extended-support-disabled",
      );
      const instances = ofType(plan, T.instance);
      expect(instances.map((i) => i.name)).to.deep.equal(["openemr-prod-db-writer"]);
      for (const i of instances) {
        expect(prop(i, "instanceClass")).to.equal("db.serverless");
        expect(prop(i, "publiclyAccessible")).to.equal(false);
        expect(prop(i, "caCertIdentifier")).to.equal("rds-ca-rsa2048-g1");
        expect(prop(i, "performanceInsightsEnabled")).to.equal(true);
        expect(keyNamed(plan, i, "performanceInsightsKmsKeyId")).to.deep.equal([
          "openemr-prod-data-key",
        ]);
      }
    });

    it("encrypts Aurora with the data key, requires TLS and keeps audit logging", () => {
      const cluster = one(plan, T.cluster);
      expect(prop(cluster, "storageEncrypted")).to.equal(true);
      expect(keyNamed(plan, cluster, "kmsKeyId")).to.deep.equal(["openemr-prod-data-key"]);
      const [group] = dependencyOf(plan, cluster, "dbClusterParameterGroupName");
      expect(prop(group, "family")).to.equal("aurora-mysql8.0");
      const params = Object.fromEntries(
        prop<{ name: string; value: string }[]>(group, "parameters").map((p) => [p.name, p.value]),
      );
      expect(params).to.include({
        require_secure_transport: "ON",
        server_audit_logging: "1",
        server_audit_events: "CONNECT,QUERY,QUERY_DCL,QUERY_DDL,QUERY_DML,TABLE",
        general_log: "0",
        slow_query_log: "1",
      });
      // the legacy audit upload needs aws_default_logs_role; the cluster exports audit itself
      expect(params).to.not.have.property("server_audit_logs_upload");
    });

    it("exports audit, error and slow-query logs (never the general log's statements) into log groups created first", () => {
      const cluster = one(plan, T.cluster);
      expect(prop(cluster, "enabledCloudwatchLogsExports")).to.deep.equal([
        "audit",
        "error",
        "slowquery",
      ]);
      const names = ofType(plan, T.logGroup)
        .filter((g) => cluster.opts.dependsOn.includes(g.urn))
        .map((g) => prop<string>(g, "name"));
      expect(names).to.deep.equal([
        "/aws/rds/cluster/openemr-prod-db/audit",
        "/aws/rds/cluster/openemr-prod-db/error",
        "/aws/rds/cluster/openemr-prod-db/slowquery",
      ]);
      expect(prop(cluster, "clusterIdentifier")).to.equal("openemr-prod-db");
    });

    it("protects Aurora: deletion protection, a final snapshot, backups kept 14 days", () => {
      const cluster = one(plan, T.cluster);
      expect(cluster.opts.protect).to.equal(true);
      expect(prop(cluster, "deletionProtection")).to.equal(true);
      expect(prop(cluster, "skipFinalSnapshot")).to.equal(false);
      expect(prop(cluster, "finalSnapshotIdentifier")).to.equal("openemr-prod-db-final");
      expect(prop(cluster, "backupRetentionPeriod")).to.equal(14);
    });

    it("keeps sessions in Valkey Serverless, encrypted with the data key, reachable only from the tasks", () => {
      const cache = one(plan, T.cache);
      expect(prop(cache, "engine")).to.equal("valkey");
      expect(keyNamed(plan, cache, "kmsKeyId")).to.deep.equal(["openemr-prod-data-key"]);
      const [sg] = dependencyOf(plan, cache, "securityGroupIds");
      const ingress = ofType(plan, T.ingress).filter((r) =>
        dependencyOf(plan, r, "securityGroupId").includes(sg),
      );
      expect(ingress).to.have.length(1);
      expect(prop(ingress[0], "fromPort")).to.equal(6379);
      expect(
        dependencyOf(plan, ingress[0], "referencedSecurityGroupId").map((r) => r.name),
      ).to.deep.equal(["openemr-prod-tasks-sg"]);
      expect(prop(one(plan, T.cacheUser, "-default-user"), "accessString")).to.equal("off -@all");
      expect(dependencyOf(plan, cache, "userGroupId").map((r) => r.type)).to.deep.equal([
        "aws:elasticache/userGroup:UserGroup",
      ]);
    });

    it("lets every Valkey user authenticate: ElastiCache refuses password-less users in a Valkey group", () => {
      // ElastiCache RBAC: a Valkey user group takes only users with a password or IAM auth
      for (const user of ofType(plan, T.cacheUser)) {
        const auth = prop<{ type: string; passwords?: string[] }>(user, "authenticationMode");
        expect(auth.type, user.name).to.be.oneOf(["password", "iam"]);
        if (auth.type === "password") {
          expect(auth.passwords, user.name).to.deep.equal(["<secret>"]);
        }
      }
      const defaultUser = one(plan, T.cacheUser, "-default-user");
      expect(prop(defaultUser, "userName")).to.equal("default");
      expect(prop(defaultUser, "accessString")).to.equal("off -@all");
    });

    it("keeps sites and TLS material on two encrypted, protected EFS file systems in both AZs", () => {
      const filesystems = ofType(plan, T.efs);
      expect(filesystems.map((f) => f.name)).to.deep.equal([
        "openemr-prod-sites-fs",
        "openemr-prod-tls-fs",
      ]);
      for (const fs of filesystems) {
        expect(prop(fs, "encrypted")).to.equal(true);
        expect(keyNamed(plan, fs, "kmsKeyId")).to.deep.equal(["openemr-prod-data-key"]);
        expect(fs.opts.protect).to.equal(true);
      }
      expect(ofType(plan, T.mountTarget)).to.have.length(4);
      for (const ap of ofType(plan, T.accessPoint)) {
        expect(prop<string>(ap, "rootDirectory.path")).to.match(/^\/openemr-(sites|tls)$/);
      }
    });

    it("backs up Aurora and both file systems daily, weekly and monthly into a KMS vault", () => {
      const vault = one(plan, T.vault);
      expect(keyNamed(plan, vault, "kmsKeyArn")).to.deep.equal(["openemr-prod-data-key"]);
      expect(vault.opts.protect).to.equal(true);
      const selection = one(plan, T.selection);
      expect(
        dependencyOf(plan, selection, "resources")
          .map((r) => r.name)
          .sort(),
      ).to.deep.equal(["openemr-prod-db-cluster", "openemr-prod-sites-fs", "openemr-prod-tls-fs"]);
      const rules = prop<{ ruleName: string; lifecycle: { deleteAfter: number } }[]>(
        one(plan, "aws:backup/plan:Plan"),
        "rules",
      );
      expect(rules.map((r) => [r.ruleName, r.lifecycle.deleteAfter])).to.deep.equal([
        ["daily", 35],
        ["weekly", 90],
        ["monthly", 2555],
      ]);
    });
  });

  describe("keys, logs and names", () => {
    it("uses three rotating customer-managed keys; the logs key serves only this account's log groups", () => {
      const keys = ofType(plan, T.key);
      expect(keys.map((k) => k.name)).to.deep.equal([
        "openemr-prod-data-key",
        "openemr-prod-logs-key",
        "openemr-prod-secrets-key",
      ]);
      for (const k of keys) {
        expect(prop(k, "enableKeyRotation")).to.equal(true);
        expect(k.opts.protect).to.equal(true);
      }
      const logsPolicy = JSON.parse(prop<string>(keys[1], "policy")) as {
        Statement: { Sid: string; Condition?: { ArnLike?: Record<string, string> } }[];
      };
      const logs = logsPolicy.Statement.find((s) => s.Sid === "CloudWatchLogsInThisAccount");
      expect(logs?.Condition?.ArnLike?.["kms:EncryptionContext:aws:logs:arn"]).to.equal(
        "arn:aws:logs:us-east-1:123456789012:log-group:*",
      );
    });

    it("gives every log group the configured retention and a customer-managed key, protected", () => {
      const groups = ofType(plan, T.logGroup);
      // no general-query log group: the general log stays off; the DNS query log is the ninth
      expect(groups.length).to.equal(9);
      for (const g of groups) {
        expect(prop(g, "retentionInDays"), g.name).to.equal(2192);
        expect(keyNamed(plan, g, "kmsKeyId"), g.name).to.have.length(1);
        expect(g.opts.protect, g.name).to.equal(true);
      }
      const names = groups.map((g) => prop<string>(g, "name"));
      expect(names).to.include.members([
        "/openemr/prod/ecs/openemr-prod-openemr",
        "/aws/ecs/containerinsights/openemr-prod/performance",
        "/openemr/prod/vpc-flow-logs",
        "/openemr/prod/cloudtrail",
      ]);
      const logging = containerOf(plan).logConfiguration;
      expect(logging.logDriver).to.equal("awslogs");
      expect(logging.options["awslogs-group"]).to.equal("/openemr/prod/ecs/openemr-prod-openemr");
    });

    it("prefixes every resource and every AWS name with the stack", () => {
      for (const r of plan.resources) {
        expect(r.name, r.type).to.match(/^openemr-prod(-|$)/);
      }
      // the names AWS sees: two stacks in one account and region never collide
      const physical = [
        "name",
        "clusterIdentifier",
        "identifier",
        "userId",
        "userGroupId",
        "bucketPrefix",
        "creationToken",
      ];
      let checked = 0;
      for (const r of plan.resources.filter((x) => x.custom)) {
        const keys = r.type === T.taskDef ? [...physical, "family"] : physical;
        for (const key of keys) {
          const value = r.props[key];
          // ElastiCache user *names* are what clients log in as; their unique ids carry the prefix
          if (typeof value !== "string" || (key === "name" && r.type === T.cacheUser)) continue;
          expect(value, `${r.name}.${key}`).to.match(/openemr-prod|\/openemr\/prod\//);
          checked++;
        }
      }
      expect(checked).to.be.at.least(30);
    });

    it("spreads over two AZs with one NAT gateway and isolated subnets for the data", () => {
      expect(networkLayout(plan)).to.deep.equal({
        subnets: ["Isolated", "Private", "Public"].flatMap((t) => [
          `${t} us-east-1a`,
          `${t} us-east-1b`,
        ]),
        natGateways: 1,
      });
      for (const type of [T.cache, "aws:rds/subnetGroup:SubnetGroup"]) {
        const ids = prop<string[]>(one(plan, type), "subnetIds");
        expect(
          ids.every((id) => id.startsWith("subnet-iso")),
          type,
        ).to.equal(true);
      }
    });

    it("records API activity in a CloudTrail trail", () => {
      expect(ofType(plan, T.trail)).to.have.length(1);
    });

    it("exports the URL, the admin password command and the database endpoint", () => {
      expect(plan.outputs.url).to.match(
        /^https:\/\/openemr-prod-lb-alb-[0-9a-f]+\.us-east-1\.elb\.amazonaws\.com\/$/,
      );
      expect(plan.outputs.adminUser).to.equal("admin");
      expect(plan.outputs.adminPasswordCommand).to.equal(
        "aws secretsmanager get-secret-value --region us-east-1 --secret-id arn:aws:secretsmanager:us-east-1:123456789012:secret:openemr-prod/admin-password-AbCdEf --query SecretString --output text",
      );
      expect(plan.outputs.databaseEndpoint).to.match(/cluster-abcdefgh/);
      expect(plan.outputs).to.not.have.property("adminShellCommand");
    });
  });
});
