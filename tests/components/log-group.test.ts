// retainedLogGroup / retainedLogGroups on their own: explicit retention, the optional
// customer-managed key, protection (Pulumi `protect` and skipDestroy) following `protect`, and the
// optional data-protection policy that audits and masks patient identifiers.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type DataProtectionPolicyDocument,
  PHI_DATA_IDENTIFIERS,
  dataProtectionPolicyDocument,
  retainedLogGroup,
  retainedLogGroups,
} from "../../components/logs/log-group";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

describe("retainedLogGroup and retainedLogGroups", () => {
  let p: ComponentPlan;
  before(async () => {
    p = await planComponent(() => {
      const key = new aws.kms.Key("logs-key", { description: "test" });
      const parent = new pulumi.ComponentResource("test:index:Tier", "tier");
      const audit = retainedLogGroup(
        "audit",
        {
          logGroupName: "/openemr/test/audit",
          retentionInDays: 2192,
          kmsKeyArn: key.arn,
          protect: true,
        },
        { parent },
      );
      const scratch = retainedLogGroup(
        "scratch",
        // a name that is itself an Output, as a resource's attribute would be
        {
          logGroupName: pulumi.output("/openemr/test/scratch"),
          retentionInDays: 7,
          protect: false,
        },
        {},
      );
      retainedLogGroups(
        "apache",
        { access: "apache-access", error: "apache-error" },
        { prefix: "/openemr/test", retentionInDays: 365, kmsKeyArn: key.arn, protect: true },
        { parent },
      );
      retainedLogGroups(
        "dev",
        { php: "php" },
        { prefix: "/openemr/dev", retentionInDays: 14, protect: false },
        {},
      );
      return { keyArn: key.arn, auditName: audit.name, scratchArn: scratch.arn };
    });
  });

  it("creates one CloudWatch log group per call and per suffix, nothing else", () => {
    expect(inventory(p.ofType(LOG_GROUP))).to.have.members([
      `${LOG_GROUP}::apache-apache-access`,
      `${LOG_GROUP}::apache-apache-error`,
      `${LOG_GROUP}::audit`,
      `${LOG_GROUP}::dev-php`,
      `${LOG_GROUP}::scratch`,
    ]);
    expect(p.resources).to.have.length(5 + 2); // the key and the parent component
  });

  it("protected with a key: retention, the customer-managed key, skipDestroy and protect", () => {
    const audit = p.named("audit", LOG_GROUP);
    expect(audit.props).to.deep.equal({
      name: "/openemr/test/audit",
      retentionInDays: 2192,
      kmsKeyId: p.outputs.keyArn,
      logGroupClass: "STANDARD",
      skipDestroy: true,
    });
    expect(audit.opts.protect).to.equal(true);
    expect(p.dependenciesOf(audit, "kmsKeyId").map((r) => r.name)).to.deep.equal(["logs-key"]);
    expect(p.outputs.auditName).to.equal("/openemr/test/audit");
  });

  it("unprotected without a key: the service key, deleted with the stack, not protected", () => {
    const scratch = p.named("scratch", LOG_GROUP);
    expect(scratch.props).to.deep.equal({
      name: "/openemr/test/scratch",
      retentionInDays: 7,
      logGroupClass: "STANDARD",
      skipDestroy: false,
    });
    expect(scratch.opts.protect).to.equal(false);
  });

  it("passes the caller's options through (the parent)", () => {
    const tier = p.named("tier", "test:index:Tier");
    expect(p.named("audit").parent).to.equal(tier.urn);
    expect(p.named("apache-apache-access").parent).to.equal(tier.urn);
    expect(p.named("scratch").parent).to.not.equal(tier.urn);
  });

  it("a set names each group <prefix>/<suffix> as resource <name>-<suffix>, sharing retention, key and protect", () => {
    for (const suffix of ["apache-access", "apache-error"]) {
      const group = p.named(`apache-${suffix}`, LOG_GROUP);
      expect(group.props, suffix).to.deep.equal({
        name: `/openemr/test/${suffix}`,
        retentionInDays: 365,
        kmsKeyId: p.outputs.keyArn,
        logGroupClass: "STANDARD",
        skipDestroy: true,
      });
      expect(group.opts.protect, suffix).to.equal(true);
    }
  });

  it("an unprotected set without a key: no key, no skipDestroy, no protect", () => {
    const php = p.named("dev-php", LOG_GROUP);
    expect(php.props).to.deep.equal({
      name: "/openemr/dev/php",
      retentionInDays: 14,
      logGroupClass: "STANDARD",
      skipDestroy: false,
    });
    expect(php.opts.protect).to.equal(false);
  });
});

describe("retainedLogGroup with a data-protection policy", () => {
  const POLICY = "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy";
  let p: ComponentPlan;
  before(async () => {
    p = await planComponent(() => {
      const parent = new pulumi.ComponentResource("test:index:Tier", "tier");
      retainedLogGroup(
        "php",
        {
          logGroupName: "/openemr/test/php",
          retentionInDays: 365,
          protect: true,
          dataProtection: true,
        },
        { parent },
      );
      retainedLogGroups(
        "app",
        { access: "apache-access", error: "apache-error" },
        { prefix: "/openemr/test", retentionInDays: 365, protect: false, dataProtection: true },
        { parent },
      );
      retainedLogGroup(
        "flow",
        {
          logGroupName: "/openemr/test/vpc-flow-logs",
          retentionInDays: 365,
          protect: true,
          dataProtection: false,
        },
        { parent },
      );
    });
  });

  it("adds one policy per protected group, on that group, under the same parent; none where it is off", () => {
    expect(inventory(p.ofType(POLICY))).to.have.members([
      `${POLICY}::php-data-protection`,
      `${POLICY}::app-apache-access-data-protection`,
      `${POLICY}::app-apache-error-data-protection`,
    ]);
    const tier = p.named("tier", "test:index:Tier");
    for (const [policy, group, groupName] of [
      ["php-data-protection", "php", "/openemr/test/php"],
      ["app-apache-access-data-protection", "app-apache-access", "/openemr/test/apache-access"],
      ["app-apache-error-data-protection", "app-apache-error", "/openemr/test/apache-error"],
    ]) {
      const r = p.named(policy, POLICY);
      expect(r.props.logGroupName, policy).to.equal(groupName);
      expect(
        p.dependenciesOf(r, "logGroupName").map((d) => d.name),
        policy,
      ).to.deep.equal([group]);
      expect(r.parent, policy).to.equal(tier.urn);
    }
    // the group itself is unchanged by the option
    expect(p.named("php", LOG_GROUP).props).to.deep.equal({
      name: "/openemr/test/php",
      retentionInDays: 365,
      logGroupClass: "STANDARD",
      skipDestroy: true,
    });
  });

  it("audits and masks the same patient identifiers, with the document CloudWatch Logs requires", () => {
    const doc = JSON.parse(
      p.named("php-data-protection", POLICY).props.policyDocument as string,
    ) as DataProtectionPolicyDocument;
    const arns = PHI_DATA_IDENTIFIERS.map(
      (id) => `arn:aws:dataprotection::aws:data-identifier/${id}`,
    );
    expect(doc).to.deep.equal({
      Name: "php-data-protection",
      Description: "Audit and mask patient identifiers (PHI/PII) in this log group",
      Version: "2021-06-01",
      Statement: [
        {
          Sid: "audit-patient-identifiers",
          DataIdentifier: arns,
          Operation: { Audit: { FindingsDestination: {} } },
        },
        {
          Sid: "mask-patient-identifiers",
          DataIdentifier: arns,
          Operation: { Deidentify: { MaskConfig: {} } },
        },
      ],
    });
    expect(arns).to.include.members([
      "arn:aws:dataprotection::aws:data-identifier/Ssn-US",
      "arn:aws:dataprotection::aws:data-identifier/HealthInsuranceClaimNumber-US",
    ]);
    // PutDataProtectionPolicy: the document is at most 30,720 characters
    expect(JSON.stringify(doc).length).to.be.at.most(30_720);
  });

  it("uses the partition's identifier ARNs (aws-cn, aws-us-gov)", () => {
    const doc = dataProtectionPolicyDocument("x", "aws-cn", ["EmailAddress"]);
    expect(doc.Statement[0].DataIdentifier).to.deep.equal([
      "arn:aws-cn:dataprotection::aws:data-identifier/EmailAddress",
    ]);
    expect(doc.Statement[1].DataIdentifier).to.deep.equal(doc.Statement[0].DataIdentifier);
  });
});
