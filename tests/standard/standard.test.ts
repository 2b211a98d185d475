import { expect } from "chai";
import { parse } from "yaml";
import { planStack } from "../helpers/plan";
import { dependencyOf, networkLayout, ofType, one, prop } from "../helpers/resources";
import type { PlanFile, PlanResource } from "../../tools/plan/types";
import { mysqlParameters } from "../../components/database/mysql-instance";
import { PASSWORD_SPECIALS } from "../../components/secrets/generated-password";

const RDS = "aws:rds/instance:Instance";
const INSTANCE = "aws:ec2/instance:Instance";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const KEY = "aws:kms/key:Key";
const SECRET = "aws:secretsmanager/secret:Secret";
/** The certificate in Pulumi.staging.yaml. */
const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000";

const STANDARD = { "openemr:preset": "standard" };

/** true when `propName` of `r` is wired from the stack's customer-managed key. */
function dependsOnKey(plan: PlanFile, r: PlanResource, propName: string): boolean {
  const key = one(plan, KEY);
  return dependencyOf(plan, r, propName).some((d) => d.urn === key.urn);
}

function deployEnv(plan: PlanFile): { env: Record<string, string>; files: string[]; raw: string } {
  const raw = prop<string>(one(plan, INSTANCE), "userData");
  const doc = parse(raw) as { write_files: { path: string; content: string }[] };
  const envFile = doc.write_files.find((f) => f.path === "/etc/openemr/deploy.env");
  const env: Record<string, string> = {};
  for (const line of envFile?.content.trim().split("\n") ?? []) {
    const at = line.indexOf("=");
    env[line.slice(0, at)] = line.slice(at + 1).replace(/^'|'$/g, "");
  }
  return { env, files: doc.write_files.map((f) => f.path), raw };
}

function sgNamed(plan: PlanFile, suffix: string): PlanResource {
  return one(plan, SG, suffix);
}

describe("standard tier (dev stack with preset standard)", function () {
  let plan: PlanFile;
  before(async () => {
    plan = await planStack("dev", STANDARD);
  });

  it("builds a two-AZ VPC with public and isolated subnets and no NAT gateway", () => {
    expect(networkLayout(plan)).to.deep.equal({
      subnets: [
        "Isolated us-east-1a",
        "Isolated us-east-1b",
        "Public us-east-1a",
        "Public us-east-1b",
      ],
      natGateways: 0,
    });
  });

  it("puts the database in the isolated subnets, never publicly accessible", () => {
    const db = one(plan, RDS);
    expect(prop(db, "publiclyAccessible")).to.equal(false);
    const subnetGroup = one(plan, "aws:rds/subnetGroup:SubnetGroup");
    expect(
      dependencyOf(plan, subnetGroup, "subnetIds").map((r) => prop<string>(r, "tags.SubnetType")),
    ).to.deep.equal(["Isolated", "Isolated"]);
    expect(dependencyOf(plan, db, "dbSubnetGroupName")[0].urn).to.equal(subnetGroup.urn);
  });

  it("leaves the database to OpenEMR's installer: RDS creates none", () => {
    // Installer.class.php quick_install -> create_database runs `create database` without
    // IF NOT EXISTS; if RDS had created it, openemr.sh's `while ! auto_setup` would loop forever
    expect(one(plan, RDS).props).to.not.have.property("dbName");
    expect(one(plan, RDS).props).to.not.have.property("name");
  });

  it("runs RDS MySQL on the pinned major with automatic minor upgrades, Graviton, gp3 with autoscaling", () => {
    const db = one(plan, RDS);
    expect(prop(db, "engine")).to.equal("mysql");
    expect(prop(db, "engineVersion")).to.equal("8.4");
    expect(prop(db, "autoMinorVersionUpgrade")).to.equal(true);
    expect(prop(db, "instanceClass")).to.equal("db.t4g.small");
    expect(prop(db, "storageType")).to.equal("gp3");
    expect(prop(db, "allocatedStorage")).to.equal(20);
    expect(prop(db, "maxAllocatedStorage")).to.equal(100);
    expect(prop(db, "caCertIdentifier")).to.equal("rds-ca-rsa2048-g1");
  });

  it("encrypts the database storage with the customer-managed key", () => {
    const db = one(plan, RDS);
    expect(prop(db, "storageEncrypted")).to.equal(true);
    expect(dependsOnKey(plan, db, "kmsKeyId")).to.equal(true);
  });

  it("generates the master password in the set OpenEMR's installer takes, never in clear text", () => {
    const db = one(plan, RDS);
    // RDS-managed passwords may contain characters openemr.sh mangles on the first install
    expect(db.props).to.not.have.property("manageMasterUserPassword");
    expect(prop(db, "username")).to.equal("dbadmin");
    expect(prop(db, "password")).to.equal("<secret>");
    const [generator] = dependencyOf(plan, db, "password");
    expect(generator.type).to.equal("random:index/randomPassword:RandomPassword");
    expect(prop(generator, "length")).to.equal(32);
    expect(prop(generator, "overrideSpecial")).to.equal(PASSWORD_SPECIALS);
    for (const min of ["minUpper", "minLower", "minNumeric", "minSpecial"]) {
      expect(prop<number>(generator, min), min).to.be.at.least(1);
    }
  });

  it("keeps the master credentials in Secrets Manager under the key, for the instance to read at boot", () => {
    const secret = one(plan, SECRET);
    expect(prop(secret, "name")).to.equal("openemr-dev-db/master-credentials");
    expect(dependsOnKey(plan, secret, "kmsKeyId")).to.equal(true);
    // a throwaway dev stack deletes it at once; protected stacks keep a recovery window
    expect(prop(secret, "recoveryWindowInDays")).to.equal(0);
    const version = one(plan, "aws:secretsmanager/secretVersion:SecretVersion");
    expect(prop(version, "secretString")).to.equal("<secret>");
    expect(dependencyOf(plan, version, "secretId")[0].urn).to.equal(secret.urn);
    const { env } = deployEnv(plan);
    // deploy.env names where the secrets are; the bootstrap fetches them at boot
    expect(env.DB_SECRET_ARN).to.equal(
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:openemr-dev-db/master-credentials-AbCdEf",
    );
    expect(Object.keys(env).filter((k) => /PASS(WORD)?$/.test(k))).to.deep.equal([]);
    const params = ofType(plan, "aws:ssm/parameter:Parameter");
    const passwords = params.filter((p) => !prop<string>(p, "name").includes("/scripts/"));
    expect(passwords.map((p) => prop(p, "value"))).to.deep.equal(["<secret>", "<secret>"]);
    // passwords and the scripts kept as parameters alike
    expect(params.every((p) => dependsOnKey(plan, p, "keyId"))).to.equal(true);
  });

  it("lets the instance read only the database's master secret and decrypt with the key", () => {
    const policy = ofType(plan, "aws:iam/rolePolicy:RolePolicy").find((p) =>
      p.name.endsWith("-web-access"),
    );
    expect(policy).to.not.equal(undefined);
    const doc = JSON.parse(prop<string>(policy!, "policy")) as {
      Statement: {
        Sid: string;
        Action: string;
        Resource: string;
        Condition?: Record<string, Record<string, string | string[]>>;
      }[];
    };
    const read = doc.Statement.filter((s) => s.Action === "secretsmanager:GetSecretValue");
    expect(read.map((s) => s.Resource)).to.deep.equal([
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:openemr-dev-db/master-credentials-AbCdEf",
    ]);
    const decrypt = doc.Statement.filter((s) => s.Action === "kms:Decrypt");
    // the secrets' key only through Secrets Manager and SSM; Session Manager's data keys only
    // when bound to a session
    expect(decrypt.map((s) => s.Sid)).to.deep.equal(["SessionDataKeys", "DecryptSecrets"]);
    for (const s of decrypt) expect(s.Resource).to.match(/^arn:aws:kms:us-east-1:\d{12}:key\//);
    expect(decrypt[1].Condition).to.deep.equal({
      StringEquals: {
        "kms:ViaService": ["secretsmanager.us-east-1.amazonaws.com", "ssm.us-east-1.amazonaws.com"],
      },
    });
    expect(decrypt[0].Condition).to.deep.equal({
      Null: { "kms:EncryptionContext:aws:ssm:SessionId": "false" },
    });
  });

  it("requires TLS 1.2+ through the parameter group the instance uses", () => {
    const group = one(plan, "aws:rds/parameterGroup:ParameterGroup");
    expect(prop(group, "family")).to.equal("mysql8.4");
    const params = prop<{ name: string; value: string }[]>(group, "parameters");
    const byName = Object.fromEntries(params.map((p) => [p.name, p.value]));
    expect(byName.require_secure_transport).to.equal("1");
    expect(byName.tls_version).to.equal("TLSv1.2,TLSv1.3");
    expect(byName.slow_query_log).to.equal("1");
    const db = one(plan, RDS);
    expect(dependencyOf(plan, db, "parameterGroupName")[0].urn).to.equal(group.urn);
  });

  it("exports audit, error and slow query logs into log groups it creates first with retention and the key", () => {
    const db = one(plan, RDS);
    const exported = prop<string[]>(db, "enabledCloudwatchLogsExports");
    expect([...exported].sort()).to.deep.equal(["audit", "error", "slowquery"]);
    const identifier = prop<string>(db, "identifier");
    for (const log of exported) {
      const group = ofType(plan, LOG_GROUP).find(
        (g) => prop(g, "name") === `/aws/rds/instance/${identifier}/${log}`,
      );
      expect(group, log).to.not.equal(undefined);
      expect(prop(group!, "retentionInDays")).to.equal(2192);
      expect(dependsOnKey(plan, group!, "kmsKeyId")).to.equal(true);
      expect(db.opts.dependsOn).to.include(group!.urn);
    }
  });

  it("turns the audit log on with the MariaDB audit plugin option group", () => {
    const options = one(plan, "aws:rds/optionGroup:OptionGroup");
    expect(prop(options, "engineName")).to.equal("mysql");
    expect(prop(options, "majorEngineVersion")).to.equal("8.4");
    expect(
      prop<{ optionName: string }[]>(options, "options").map((o) => o.optionName),
    ).to.deep.equal(["MARIADB_AUDIT_PLUGIN"]);
    expect(dependencyOf(plan, one(plan, RDS), "optionGroupName")[0].urn).to.equal(options.urn);
  });

  it("keeps automated backups at least seven days and leaves a throwaway dev database unprotected", () => {
    const db = one(plan, RDS);
    expect(prop<number>(db, "backupRetentionPeriod")).to.be.at.least(7);
    expect(prop(db, "deletionProtection")).to.equal(false);
    expect(prop(db, "skipFinalSnapshot")).to.equal(true);
    expect(db.opts.protect).to.equal(false);
    expect(prop(db, "multiAz")).to.equal(false);
    expect(prop(db, "copyTagsToSnapshot")).to.equal(true);
  });

  it("admits MySQL to the database only from the web server's security group", () => {
    const dbSg = sgNamed(plan, "-db-sg");
    const webSg = sgNamed(plan, "-web-sg");
    expect(dbSg.props.ingress ?? []).to.deep.equal([]);
    expect(prop(dbSg, "egress")).to.deep.equal([]);
    const rules = ofType(plan, INGRESS_RULE).filter((r) =>
      dependencyOf(plan, r, "securityGroupId").some((d) => d.urn === dbSg.urn),
    );
    expect(rules).to.have.length(1);
    expect(prop(rules[0], "fromPort")).to.equal(3306);
    expect(prop(rules[0], "toPort")).to.equal(3306);
    expect(prop(rules[0], "ipProtocol")).to.equal("tcp");
    expect(rules[0].props).to.not.have.property("cidrIpv4");
    expect(dependencyOf(plan, rules[0], "referencedSecurityGroupId")[0].urn).to.equal(webSg.urn);
    const db = one(plan, RDS);
    expect(dependencyOf(plan, db, "vpcSecurityGroupIds").map((r) => r.urn)).to.deep.equal([
      dbSg.urn,
    ]);
  });

  it("lets the web server out only on HTTPS and to the database on 3306", () => {
    const webSg = sgNamed(plan, "-web-sg");
    const egress = prop<{ fromPort: number; securityGroups?: string[] }[]>(webSg, "egress");
    expect(egress.map((e) => e.fromPort)).to.deep.equal([443, 3306]);
    expect(egress[1].securityGroups).to.have.length(1);
    expect(dependencyOf(plan, webSg, "egress").map((r) => r.urn)).to.deep.equal([
      sgNamed(plan, "-db-sg").urn,
    ]);
  });

  it("backs up the database and the documents volume with AWS Backup into a KMS vault", () => {
    const vault = one(plan, "aws:backup/vault:Vault");
    expect(dependsOnKey(plan, vault, "kmsKeyArn")).to.equal(true);
    const selection = one(plan, "aws:backup/selection:Selection");
    const covered = dependencyOf(plan, selection, "resources").map((r) => r.type);
    expect(covered.sort()).to.deep.equal(["aws:ebs/volume:Volume", "aws:rds/instance:Instance"]);
    const rules = prop<{ ruleName: string }[]>(one(plan, "aws:backup/plan:Plan"), "rules");
    expect(rules.map((r) => r.ruleName)).to.deep.equal(["daily", "weekly", "monthly"]);
  });

  it("keeps the documents on a separate gp3 volume encrypted with the key", () => {
    const volume = one(plan, "aws:ebs/volume:Volume");
    expect(prop(volume, "type")).to.equal("gp3");
    expect(prop(volume, "encrypted")).to.equal(true);
    expect(prop(volume, "size")).to.equal(10);
    expect(dependsOnKey(plan, volume, "kmsKeyId")).to.equal(true);
  });

  it("boots OpenEMR against RDS over TLS: no MariaDB container, CA bundle refreshed before each start", () => {
    const { env, files } = deployEnv(plan);
    expect(env.DB_HOST).to.equal(one(plan, RDS).name + ".abcdefgh.us-east-1.rds.amazonaws.com");
    expect(env.RDS_CA_BUNDLE_URL).to.equal(
      "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem",
    );
    expect(env).to.not.have.property("MARIADB_IMAGE");
    expect(env).to.not.have.property("DB_ROOT_PARAM");
    expect(env.BACKUP_MODE).to.equal("aws-backup");
    expect(files).to.deep.equal([
      "/etc/openemr/deploy.env",
      "/usr/local/sbin/openemr-bootstrap",
      "/usr/local/sbin/openemr-install-scripts",
      "/etc/openemr/container-start.sh",
    ]);
    // no local backup, restore or certificate script: from parameters, what every host has
    expect(env.SCRIPT_PARAMETERS.split(" ").map((e) => e.split("=")[0])).to.deep.equal([
      "/usr/local/sbin/openemr-forget-superuser",
      "/usr/local/sbin/openemr-health",
      "/usr/local/sbin/openemr-export",
    ]);
  });

  it("encrypts the alarm topic with the key and alarms on database and backup trouble", () => {
    const topic = one(plan, "aws:sns/topic:Topic");
    expect(dependsOnKey(plan, topic, "kmsMasterKeyId")).to.equal(true);
    const names = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) =>
      prop<string>(a, "metricName"),
    );
    expect(names).to.include.members([
      "CPUUtilization",
      "FreeStorageSpace",
      "NumberOfBackupJobsFailed",
      "StatusCheckFailed_Instance",
    ]);
  });

  it("outputs the database endpoint, URL and how to read the admin password", () => {
    expect(plan.outputs.databaseEndpoint).to.match(/\.rds\.amazonaws\.com$/);
    expect(plan.outputs.url).to.match(/^https:\/\//);
    expect(plan.outputs.adminPasswordLocation).to.equal("/openemr/dev/admin-password");
    expect(plan.outputs.backupLocation).to.match(/^AWS Backup vault /);
  });

  it("declares the TLS parameters in a pure, testable list", () => {
    expect(mysqlParameters().find((p) => p.name === "tls_version")?.applyMethod).to.equal(
      "pending-reboot",
    );
  });
});

describe("the staging stack: standard, protected, Multi-AZ, behind an HTTPS load balancer", function () {
  let plan: PlanFile;
  before(async () => {
    plan = await planStack("staging");
  });

  it("is the standard preset with every control on and no mandatory policy violation", () => {
    expect(plan.preset).to.equal("standard");
    expect(plan.policy?.passed).to.equal(true);
    expect(plan.policy?.violations.filter((v) => v.level === "mandatory")).to.deep.equal([]);
  });

  it("turns on deletion protection, a final snapshot and Pulumi protect", () => {
    const db = one(plan, RDS);
    expect(prop(db, "deletionProtection")).to.equal(true);
    expect(prop(db, "skipFinalSnapshot")).to.equal(false);
    expect(prop(db, "finalSnapshotIdentifier")).to.equal(`${prop<string>(db, "identifier")}-final`);
    expect(db.opts.protect).to.equal(true);
  });

  it("follows the Multi-AZ and backup retention settings", () => {
    const db = one(plan, RDS);
    expect(prop(db, "multiAz")).to.equal(true);
    expect(prop(db, "backupRetentionPeriod")).to.equal(14);
  });

  it("protects the documents volume, the vault, the master secret and the RDS log groups", () => {
    expect(one(plan, "aws:ebs/volume:Volume").opts.protect).to.equal(true);
    const secret = one(plan, SECRET);
    expect(secret.opts.protect).to.equal(true);
    expect(prop(secret, "recoveryWindowInDays")).to.equal(30);
    expect(one(plan, "aws:backup/vault:Vault").opts.protect).to.equal(true);
    const rdsLogs = ofType(plan, LOG_GROUP).filter((g) =>
      prop<string>(g, "name").startsWith("/aws/rds/"),
    );
    expect(rdsLogs).to.have.length(3);
    expect(rdsLogs.every((g) => g.opts.protect)).to.equal(true);
  });

  it("encrypts Performance Insights with the key when it is turned on", async () => {
    const pi = await planStack("dev", {
      ...STANDARD,
      "openemr:standard": JSON.stringify({
        performanceInsights: true,
        dbInstanceClass: "db.t4g.medium",
      }),
    });
    const db = one(pi, RDS);
    expect(prop(db, "performanceInsightsEnabled")).to.equal(true);
    expect(dependsOnKey(pi, db, "performanceInsightsKmsKeyId")).to.equal(true);
    expect(prop(db, "engineVersion")).to.equal("8.4");
    expect(prop(one(pi, "aws:rds/parameterGroup:ParameterGroup"), "family")).to.equal("mysql8.4");
  });

  it("serves only HTTPS with a TLS 1.2+ policy and redirects HTTP to HTTPS", () => {
    const listeners = ofType(plan, "aws:lb/listener:Listener");
    const https = listeners.find((l) => prop(l, "port") === 443)!;
    const http = listeners.find((l) => prop(l, "port") === 80)!;
    expect(listeners).to.have.length(2);
    expect(prop(https, "protocol")).to.equal("HTTPS");
    expect(prop(https, "sslPolicy")).to.equal("ELBSecurityPolicy-TLS13-1-2-Res-2021-06");
    expect(prop(https, "certificateArn")).to.equal(CERT);
    expect(prop(http, "defaultActions")).to.deep.equal([
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ]);
    expect(prop(one(plan, "aws:lb/loadBalancer:LoadBalancer"), "dropInvalidHeaderFields")).to.equal(
      true,
    );
  });

  it("accepts 443 on the instance only from the load balancer, with no Elastic IP", () => {
    const webSg = sgNamed(plan, "-web-sg");
    expect(webSg.props.ingress ?? null).to.equal(null);
    const lbSg = sgNamed(plan, "-lb-sg");
    const toWeb = ofType(plan, INGRESS_RULE).filter((r) =>
      dependencyOf(plan, r, "securityGroupId").some((d) => d.urn === webSg.urn),
    );
    expect(toWeb).to.have.length(1);
    expect(prop(toWeb[0], "fromPort")).to.equal(443);
    expect(dependencyOf(plan, toWeb[0], "referencedSecurityGroupId")[0].urn).to.equal(lbSg.urn);
    expect(ofType(plan, "aws:ec2/eip:Eip")).to.have.length(0);
  });

  it("registers the instance in the HTTPS target group and uses the load balancer's URL", () => {
    const attachment = one(plan, "aws:lb/targetGroupAttachment:TargetGroupAttachment");
    expect(prop(attachment, "port")).to.equal(443);
    expect(dependencyOf(plan, attachment, "targetId")[0].type).to.equal(INSTANCE);
    expect(prop(one(plan, "aws:lb/targetGroup:TargetGroup"), "targetType")).to.equal("instance");
    expect(plan.outputs.url).to.match(/^https:\/\/.*elb/);
  });
});

describe("standard tier with a domain and a hosted zone instead of a certificate ARN", function () {
  let plan: PlanFile;
  before(async () => {
    plan = await planStack("dev", {
      ...STANDARD,
      "openemr:domain": "emr.example.org",
      "openemr:hostedZoneId": "Z0123456789ABC",
    });
  });

  it("puts a load balancer in front with an ACM certificate validated by DNS in the zone", () => {
    const cert = one(plan, "aws:acm/certificate:Certificate");
    expect(prop(cert, "domainName")).to.equal("emr.example.org");
    expect(prop(cert, "validationMethod")).to.equal("DNS");
    const validation = ofType(plan, "aws:route53/record:Record").find((r) =>
      r.name.endsWith("-cert-validation"),
    );
    expect(prop(validation!, "zoneId")).to.equal("Z0123456789ABC");
    const validated = one(plan, "aws:acm/certificateValidation:CertificateValidation");
    const https = ofType(plan, "aws:lb/listener:Listener").find((l) => prop(l, "port") === 443)!;
    expect(dependencyOf(plan, https, "certificateArn")).to.deep.equal([validated]);
  });

  it("points the domain at the load balancer and gives OpenEMR its public https address", () => {
    const alias = ofType(plan, "aws:route53/record:Record").find((r) => r.name.endsWith("-alias"));
    expect(prop(alias!, "name")).to.equal("emr.example.org");
    expect(dependencyOf(plan, alias!, "aliases").map((r) => r.type)).to.deep.equal([
      "aws:lb/loadBalancer:LoadBalancer",
    ]);
    expect(plan.outputs.url).to.equal("https://emr.example.org/");
    expect(deployEnv(plan).env.SITE_ADDRESS).to.equal("https://emr.example.org");
  });

  it("leaves the site address to OpenEMR when no name is known", async () => {
    const bare = await planStack("dev", STANDARD);
    expect(deployEnv(bare).env.SITE_ADDRESS).to.equal("");
  });
});
