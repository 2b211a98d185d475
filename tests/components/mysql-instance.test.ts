// MysqlInstance on its own: RDS for MySQL under the customer-managed key, no dbName, TLS 1.2+
// required, the audit plugin, logs exported into groups created first, the generated master user
// kept in Secrets Manager, no inbound rule of its own, and protection following `protect`.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import {
  AUDIT_EVENTS,
  MysqlInstance,
  type MysqlInstanceArgs,
} from "../../components/database/mysql-instance";
import { MYSQL_PORT } from "../../components/database/mysql-versions";
import { admitFrom } from "../../components/network/security-rules";
import { PASSWORD_SPECIALS } from "../../components/secrets/generated-password";
import { SECRET } from "../../tools/plan/types";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const INSTANCE = "aws:rds/instance:Instance";
const PARAMS = "aws:rds/parameterGroup:ParameterGroup";
const OPTIONS = "aws:rds/optionGroup:OptionGroup";
const SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const SECRET_TYPE = "aws:secretsmanager/secret:Secret";
const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

const SUBNETS = ["subnet-iso0", "subnet-iso1"];
const LOGS = ["audit", "error", "slowquery"];

function build(name: string, args: Omit<MysqlInstanceArgs, "vpcId" | "subnetIds" | "kmsKeyArn">) {
  return () => {
    const key = new aws.kms.Key("data-key", { description: "test" });
    const db = new MysqlInstance(name, {
      ...args,
      vpcId: "vpc-1",
      subnetIds: SUBNETS,
      kmsKeyArn: key.arn,
    });
    const clients = new aws.ec2.SecurityGroup("tasks-sg", { vpcId: "vpc-1" });
    admitFrom(
      "db-from-tasks",
      {
        securityGroupId: db.securityGroup.id,
        fromSecurityGroupId: clients.id,
        port: MYSQL_PORT,
        description: "OpenEMR to MySQL",
      },
      {},
    );
    return {
      keyArn: key.arn,
      sgId: db.securityGroup.id,
      clientsId: clients.id,
      address: db.address,
      masterSecretArn: db.masterSecretArn,
    };
  };
}

describe("MysqlInstance", () => {
  describe("protected, Multi-AZ, Performance Insights, IAM authentication, own master user name", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(
        build("db", {
          identifier: "openemr-test-db",
          instanceClass: "db.m7g.large",
          allocatedStorageGb: 20,
          maxAllocatedStorageGb: 100,
          engineMajor: "8.4",
          multiAz: true,
          backupRetentionDays: 35,
          performanceInsights: true,
          iamAuthentication: true,
          logRetentionDays: 2192,
          protect: true,
          masterUsername: "openemr_admin",
        }),
      );
    });

    it("creates the instance, its groups, three log groups and the master credentials, all under the component", () => {
      const component = p.named("db", "openemr:database:MysqlInstance");
      const credentials = p.named("db-master", "openemr:secrets:DatabaseCredentials");
      expect(inventory(p.resources.filter((r) => r.parent === component.urn))).to.have.members([
        `${SG}::db-sg`,
        `${SUBNET_GROUP}::db-subnets`,
        `${PARAMS}::db-params`,
        `${OPTIONS}::db-options`,
        `${LOG_GROUP}::db-audit-log`,
        `${LOG_GROUP}::db-error-log`,
        `${LOG_GROUP}::db-slowquery-log`,
        "openemr:secrets:DatabaseCredentials::db-master",
        `${INSTANCE}::db`,
      ]);
      expect(inventory(p.resources.filter((r) => r.parent === credentials.urn))).to.have.members([
        `${PASSWORD}::db-master-password`,
        `${SECRET_TYPE}::db-master-secret`,
        `${SECRET_VERSION}::db-master-secret-value`,
      ]);
    });

    it("passes the identifier through and names the groups, logs and secret after it", () => {
      expect(p.named("db", INSTANCE).props.identifier).to.equal("openemr-test-db");
      expect(p.named("db", INSTANCE).props.tags).to.deep.equal({ Name: "openemr-test-db" });
      expect(p.named("db-subnets", SUBNET_GROUP).props.name).to.equal("openemr-test-db-subnets");
      expect(p.named("db-params", PARAMS).props.name).to.equal("openemr-test-db-mysql8-4");
      expect(p.named("db-options", OPTIONS).props.name).to.equal("openemr-test-db-mysql8-4-audit");
      expect(LOGS.map((log) => p.named(`db-${log}-log`, LOG_GROUP).props.name)).to.deep.equal(
        LOGS.map((log) => `/aws/rds/instance/openemr-test-db/${log}`),
      );
      expect(p.named("db-master-secret", SECRET_TYPE).props.name).to.equal(
        "openemr-test-db/master-credentials",
      );
    });

    it("sets no dbName (OpenEMR's installer creates the database) and ignores one set earlier", () => {
      const instance = p.named("db", INSTANCE);
      expect(instance.props).to.not.have.property("dbName");
      expect(instance.opts.ignoreChanges).to.deep.equal(["dbName"]);
    });

    it("runs MySQL 8.4, the minor left to RDS, without Extended Support", () => {
      expect(p.named("db", INSTANCE).props).to.deep.include({
        engine: "mysql",
        engineVersion: "8.4",
        autoMinorVersionUpgrade: true,
        allowMajorVersionUpgrade: false,
        engineLifecycleSupport: "open-source-rds-extended-support-disabled",
        caCertIdentifier: "rds-ca-rsa2048-g1",
      });
    });

    it("encrypts storage and Performance Insights with the customer-managed key", () => {
      const instance = p.named("db", INSTANCE);
      expect(instance.props).to.deep.include({
        storageEncrypted: true,
        kmsKeyId: p.outputs.keyArn,
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: p.outputs.keyArn,
        performanceInsightsRetentionPeriod: 7,
      });
      expect(p.dependenciesOf(instance, "kmsKeyId").map((r) => r.name)).to.deep.equal(["data-key"]);
    });

    it("sizes gp3 storage with autoscaling, Multi-AZ, and the backup and maintenance windows", () => {
      expect(p.named("db", INSTANCE).props).to.deep.include({
        instanceClass: "db.m7g.large",
        storageType: "gp3",
        allocatedStorage: 20,
        maxAllocatedStorage: 100,
        multiAz: true,
        backupRetentionPeriod: 35,
        backupWindow: "03:00-04:00",
        maintenanceWindow: "sun:06:00-sun:07:00",
        copyTagsToSnapshot: true,
        applyImmediately: false,
        iamDatabaseAuthenticationEnabled: true,
      });
    });

    it("stays private: isolated subnets, its own security group, no public address", () => {
      const instance = p.named("db", INSTANCE);
      expect(instance.props).to.deep.include({
        port: 3306,
        publiclyAccessible: false,
        dbSubnetGroupName: "openemr-test-db-subnets",
        vpcSecurityGroupIds: [p.outputs.sgId],
      });
      expect(p.named("db-subnets", SUBNET_GROUP).props.subnetIds).to.deep.equal(SUBNETS);
    });

    it("has no rule of its own in its security group: nothing out, and in only what its tier admits", () => {
      expect(p.named("db-sg", SG).props).to.deep.equal({
        vpcId: "vpc-1",
        description: "db: MySQL from its client security group only",
        egress: [],
        tags: { Name: "db-sg" },
      });
      expect(p.named("db-from-tasks", INGRESS).props).to.deep.equal({
        securityGroupId: p.outputs.sgId,
        referencedSecurityGroupId: p.outputs.clientsId,
        ipProtocol: "tcp",
        fromPort: 3306,
        toPort: 3306,
        description: "OpenEMR to MySQL",
      });
    });

    it("requires TLS 1.2 or 1.3 in its parameter group, of the major's family", () => {
      const params = p.named("db-params", PARAMS);
      expect(params.props.family).to.equal("mysql8.4");
      const parameters = params.props.parameters as Record<string, string>[];
      expect(parameters).to.deep.include({ name: "require_secure_transport", value: "1" });
      expect(parameters).to.deep.include({
        name: "tls_version",
        value: "TLSv1.2,TLSv1.3",
        applyMethod: "pending-reboot",
      });
      // the slow query log goes to a file, which RDS exports
      expect(parameters).to.deep.include({ name: "slow_query_log", value: "1" });
      expect(parameters).to.deep.include({ name: "log_output", value: "FILE" });
      expect(p.named("db", INSTANCE).props.parameterGroupName).to.equal("openemr-test-db-mysql8-4");
    });

    it("records logins and data queries with the MariaDB audit plugin", () => {
      const options = p.named("db-options", OPTIONS);
      expect(options.props).to.deep.include({
        engineName: "mysql",
        majorEngineVersion: "8.4",
        options: [
          {
            optionName: "MARIADB_AUDIT_PLUGIN",
            optionSettings: [
              { name: "SERVER_AUDIT_EVENTS", value: AUDIT_EVENTS },
              { name: "SERVER_AUDIT_FILE_ROTATIONS", value: "10" },
            ],
          },
        ],
      });
      expect(AUDIT_EVENTS).to.equal("CONNECT,QUERY_DCL,QUERY_DDL,QUERY_DML");
      expect(p.named("db", INSTANCE).props.optionGroupName).to.equal(
        "openemr-test-db-mysql8-4-audit",
      );
    });

    it("exports the audit, error and slow-query logs into groups created before the instance, with retention and the key", () => {
      const instance = p.named("db", INSTANCE);
      expect(instance.props.enabledCloudwatchLogsExports).to.deep.equal(LOGS);
      expect(p.dependsOn(instance).map((r) => r.name)).to.have.members(
        LOGS.map((log) => `db-${log}-log`),
      );
      for (const log of LOGS) {
        const group = p.named(`db-${log}-log`, LOG_GROUP);
        expect(group.props, log).to.deep.equal({
          name: `/aws/rds/instance/openemr-test-db/${log}`,
          retentionInDays: 2192,
          kmsKeyId: p.outputs.keyArn,
          logGroupClass: "STANDARD",
          skipDestroy: true,
        });
        expect(group.opts.protect, log).to.equal(true);
      }
    });

    it("protects the instance: deletion protection, a final snapshot, automated backups kept, Pulumi protect", () => {
      const instance = p.named("db", INSTANCE);
      expect(instance.props).to.deep.include({
        deletionProtection: true,
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: "openemr-test-db-final",
        deleteAutomatedBackups: false,
      });
      expect(instance.opts.protect).to.equal(true);
    });

    it("logs in as the given master user with a generated password, kept under the key for 30 days after deletion", () => {
      const instance = p.named("db", INSTANCE);
      expect(instance.props.username).to.equal("openemr_admin");
      expect(instance.props.password).to.equal(SECRET);
      expect(p.dependenciesOf(instance, "password").map((r) => r.name)).to.deep.equal([
        "db-master-password",
      ]);
      expect(p.named("db-master-password", PASSWORD).props).to.deep.equal({
        length: 32,
        minUpper: 2,
        minLower: 2,
        minNumeric: 2,
        minSpecial: 2,
        overrideSpecial: PASSWORD_SPECIALS,
      });
      const secret = p.named("db-master-secret", SECRET_TYPE);
      expect(secret.props.kmsKeyId).to.equal(p.outputs.keyArn);
      expect(secret.props.recoveryWindowInDays).to.equal(30);
      expect(secret.opts.protect).to.equal(true);
      expect(p.named("db-master-secret-value", SECRET_VERSION).props.secretString).to.equal(SECRET);
      expect(p.outputs.masterSecretArn).to.match(
        /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:openemr-test-db\/master-credentials-/,
      );
    });
  });

  describe("unprotected, single-AZ, defaults", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(
        build("scratch-db", {
          identifier: "openemr-dev-db",
          instanceClass: "db.t4g.micro",
          allocatedStorageGb: 20,
          maxAllocatedStorageGb: 20,
          engineMajor: "8.4",
          multiAz: false,
          backupRetentionDays: 1,
          performanceInsights: false,
          logRetentionDays: 30,
          protect: false,
        }),
      );
    });

    it("drops deletion protection, the final snapshot, automated backups and Pulumi protect", () => {
      const instance = p.named("scratch-db", INSTANCE);
      expect(instance.props).to.deep.include({
        deletionProtection: false,
        skipFinalSnapshot: true,
        deleteAutomatedBackups: true,
      });
      expect(instance.props).to.not.have.property("finalSnapshotIdentifier");
      expect(instance.opts.protect).to.equal(false);
    });

    it("leaves its log groups and master secret unprotected, the secret deleted at once", () => {
      for (const log of LOGS) {
        const group = p.named(`scratch-db-${log}-log`, LOG_GROUP);
        expect(group.opts.protect, log).to.equal(false);
        expect(group.props.skipDestroy, log).to.equal(false);
        expect(group.props.retentionInDays, log).to.equal(30);
      }
      const secret = p.named("scratch-db-master-secret", SECRET_TYPE);
      expect(secret.props.recoveryWindowInDays).to.equal(0);
      expect(secret.opts.protect).to.equal(false);
    });

    it("still creates the log groups first", () => {
      expect(p.dependsOn(p.named("scratch-db", INSTANCE)).map((r) => r.name)).to.have.members(
        LOGS.map((log) => `scratch-db-${log}-log`),
      );
    });

    it("turns Performance Insights off without a key or retention, IAM authentication off, master user dbadmin", () => {
      const instance = p.named("scratch-db", INSTANCE);
      expect(instance.props).to.deep.include({
        performanceInsightsEnabled: false,
        iamDatabaseAuthenticationEnabled: false,
        multiAz: false,
        username: "dbadmin",
        identifier: "openemr-dev-db",
      });
      expect(instance.props).to.not.have.any.keys(
        "performanceInsightsKmsKeyId",
        "performanceInsightsRetentionPeriod",
      );
    });
  });

  it("refuses a storage autoscaling limit below the allocated storage", async () => {
    let error: unknown;
    await planComponent(
      build("small-db", {
        identifier: "small-db",
        instanceClass: "db.t4g.micro",
        allocatedStorageGb: 50,
        maxAllocatedStorageGb: 20,
        engineMajor: "8.4",
        multiAz: false,
        backupRetentionDays: 1,
        performanceInsights: false,
        logRetentionDays: 30,
        protect: false,
      }),
    ).catch((err: unknown) => (error = err));
    expect(String(error)).to.contain(
      "small-db: maxAllocatedStorageGb (20) is below allocatedStorageGb (50)",
    );
  });
});
