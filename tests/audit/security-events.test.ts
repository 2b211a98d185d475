// AuditTrail's CIS security-event alarms: with `monitoring`, the trail's log group gets two metric
// filters (access events; security configuration changes) whose patterns join the Security Hub
// CloudWatch.x patterns verbatim, each with an alarm on the stack's topic. The patterns are
// evaluated against sample CloudTrail records by a small evaluator of the JSON filter syntax they
// use, itself checked on the CloudWatch Logs User Guide's own examples.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { monitoring } from "../../components/alarms/monitoring";
import {
  AuditTrail,
  CIS_CONTROLS,
  type CisControlId,
  METRIC_FILTER_LIMITS,
  SECURITY_METRIC_NAMESPACE,
  combinedPattern,
  metricFilterProblem,
  securityEventFilters,
} from "../../components/audit/audit-trail";
import { type ComponentPlan, inventory, planComponent } from "../components/harness";

const FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const AUDIT = "openemr:audit:AuditTrail";

// ---------------------------------------------------------------------------------------------
// A tiny evaluator for the subset of the CloudWatch Logs JSON filter syntax the patterns use:
// `{ expr }`, `$.a.b` selectors, `=` / `!=` with quoted or bare values and `*` wildcards,
// `NOT EXISTS`, `&&`, `||` and parentheses with () > && > || (CloudWatch Logs User Guide, "Filter
// and pattern syntax"). A comparison on a field the event lacks (or that is an object or array)
// is false for `=` and for `!=` alike; only NOT EXISTS matches a missing field.
// ---------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Expr =
  | { op: "or" | "and"; left: Expr; right: Expr }
  | { op: "=" | "!="; path: string[]; value: string; quoted: boolean }
  | { op: "notExists"; path: string[] };

function tokenize(src: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(\|\||&&|!=|=|\(|\)|"(?:[^"\\]|\\.)*"|[^\s()=!&|"]+)/y;
  let at = 0;
  while (at < src.length) {
    if (/^\s*$/.test(src.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(src);
    if (!m) throw new Error(`cannot read the pattern at ${at}: ${src.slice(at, at + 20)}`);
    tokens.push(m[1]);
    at = re.lastIndex;
  }
  return tokens;
}

function parse(pattern: string): Expr {
  const body = pattern.trim();
  if (!body.startsWith("{") || !body.endsWith("}")) throw new Error("not a JSON filter pattern");
  const tokens = tokenize(body.slice(1, -1));
  let i = 0;
  const peek = () => tokens[i];
  const next = () => {
    const t = tokens[i++];
    if (t === undefined) throw new Error("unexpected end of pattern");
    return t;
  };
  const orExpr = (): Expr => {
    let left = andExpr();
    while (peek() === "||") {
      next();
      left = { op: "or", left, right: andExpr() };
    }
    return left;
  };
  const andExpr = (): Expr => {
    let left = primary();
    while (peek() === "&&") {
      next();
      left = { op: "and", left, right: primary() };
    }
    return left;
  };
  const primary = (): Expr => {
    const t = next();
    if (t === "(") {
      const e = orExpr();
      if (next() !== ")") throw new Error("missing )");
      return e;
    }
    if (!t.startsWith("$.")) throw new Error(`expected a $. selector, found ${t}`);
    const path = t.slice(2).split(".");
    const op = next();
    if (op === "NOT") {
      if (next() !== "EXISTS") throw new Error("NOT must be followed by EXISTS");
      return { op: "notExists", path };
    }
    if (op !== "=" && op !== "!=") throw new Error(`unsupported operator ${op}`);
    const raw = next();
    const quoted = raw.startsWith('"');
    return { op, path, value: quoted ? (JSON.parse(raw) as string) : raw, quoted };
  };
  const expr = orExpr();
  if (i !== tokens.length) throw new Error(`unexpected ${tokens[i]}`);
  return expr;
}

function resolve(event: Json, path: string[]): Json | undefined {
  let node: Json | undefined = event;
  for (const key of path) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    node = node[key];
  }
  return node;
}

function glob(value: string): RegExp {
  const escaped = value.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`);
}

function evaluate(e: Expr, event: Json): boolean {
  switch (e.op) {
    case "or":
      return evaluate(e.left, event) || evaluate(e.right, event);
    case "and":
      return evaluate(e.left, event) && evaluate(e.right, event);
    case "notExists":
      return resolve(event, e.path) === undefined;
    default: {
      const v = resolve(event, e.path);
      if (v === undefined || v === null || typeof v === "object") return false;
      const equal = glob(e.value).test(String(v));
      return e.op === "=" ? equal : !equal;
    }
  }
}

function matches(pattern: string, event: Json): boolean {
  return evaluate(parse(pattern), event);
}

// ---------------------------------------------------------------------------------------------
// Sample CloudTrail records (the shape of CloudTrail's record contents, trimmed to what matters)
// ---------------------------------------------------------------------------------------------

const ACCOUNT = "123456789012";
const base = (over: Record<string, Json>): Json => ({
  eventVersion: "1.10",
  eventTime: "2025-01-01T03:00:00Z",
  awsRegion: "us-east-1",
  sourceIPAddress: "198.51.100.7",
  userAgent: "aws-cli/2.17.0",
  eventID: "e0000000-0000-0000-0000-000000000000",
  readOnly: false,
  eventType: "AwsApiCall",
  managementEvent: true,
  recipientAccountId: ACCOUNT,
  eventCategory: "Management",
  ...over,
});
const admin = {
  type: "AssumedRole",
  principalId: "AROAEXAMPLE:deploy",
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/ci`,
  accountId: ACCOUNT,
  sessionContext: { attributes: { mfaAuthenticated: "false" } },
};
const iamUser = (name: string) => ({
  type: "IAMUser",
  principalId: "AIDAEXAMPLE",
  arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
  accountId: ACCOUNT,
  userName: name,
});
const call = (eventSource: string, eventName: string, over: Record<string, Json> = {}) =>
  base({ userIdentity: admin, eventSource, eventName, ...over });
const consoleLogin = (userIdentity: Json, mfa: "Yes" | "No", result: "Success" | "Failure") =>
  base({
    userIdentity,
    eventSource: "signin.amazonaws.com",
    eventName: "ConsoleLogin",
    eventType: "AwsConsoleSignIn",
    readOnly: false,
    requestParameters: null,
    responseElements: { ConsoleLogin: result },
    additionalEventData: { LoginTo: "https://console.aws.amazon.com/", MFAUsed: mfa },
    ...(result === "Failure" ? { errorMessage: "Failed authentication" } : {}),
  });

const SAMPLES: Record<string, Json> = {
  rootConsoleLogin: consoleLogin(
    { type: "Root", principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT },
    "Yes",
    "Success",
  ),
  accessDenied: call("s3.amazonaws.com", "GetObject", {
    userIdentity: iamUser("frontdesk"),
    errorCode: "AccessDenied",
    errorMessage: "User is not authorized to perform: s3:GetObject",
  }),
  unauthorizedOperation: call("ec2.amazonaws.com", "RunInstances", {
    errorCode: "Client.UnauthorizedOperation",
    errorMessage: "You are not authorized to perform this operation.",
  }),
  consoleLoginWithoutMfa: consoleLogin(iamUser("frontdesk"), "No", "Success"),
  putRolePolicy: call("iam.amazonaws.com", "PutRolePolicy", {
    requestParameters: { roleName: "openemr-prod-web", policyName: "extra" },
  }),
  deleteTrail: call("cloudtrail.amazonaws.com", "DeleteTrail", {
    requestParameters: { name: "openemr-prod-audit-trail" },
  }),
  stopLogging: call("cloudtrail.amazonaws.com", "StopLogging"),
  scheduleKeyDeletion: call("kms.amazonaws.com", "ScheduleKeyDeletion", {
    requestParameters: { keyId: "1234abcd-12ab-34cd-56ef-1234567890ab", pendingWindowInDays: 7 },
  }),
  disableKey: call("kms.amazonaws.com", "DisableKey"),
  authorizeSecurityGroupIngress: call("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", {
    requestParameters: { groupId: "sg-0123456789abcdef0" },
  }),
  replaceNetworkAclEntry: call("ec2.amazonaws.com", "ReplaceNetworkAclEntry"),
  createRoute: call("ec2.amazonaws.com", "CreateRoute"),
  // benign: none may match
  describeInstances: call("ec2.amazonaws.com", "DescribeInstances", { readOnly: true }),
  consoleLoginWithMfa: consoleLogin(iamUser("frontdesk"), "Yes", "Success"),
  failedConsoleLogin: consoleLogin(iamUser("frontdesk"), "No", "Failure"),
  rootServiceEvent: base({
    userIdentity: { type: "Root", principalId: ACCOUNT, accountId: ACCOUNT },
    eventSource: "health.amazonaws.com",
    eventName: "AWSHealthEvent",
    eventType: "AwsServiceEvent",
  }),
  rootInvokedByService: call("kms.amazonaws.com", "Decrypt", {
    userIdentity: { type: "Root", accountId: ACCOUNT, invokedBy: "cloudtrail.amazonaws.com" },
    readOnly: true,
  }),
  kmsDecrypt: call("kms.amazonaws.com", "Decrypt", { readOnly: true }),
  disableKeyRotation: call("kms.amazonaws.com", "DisableKeyRotation"),
  getPolicy: call("iam.amazonaws.com", "GetPolicy", { readOnly: true }),
  backupPutObject: base({
    userIdentity: admin,
    eventSource: "s3.amazonaws.com",
    eventName: "PutObject",
    eventCategory: "Data",
    managementEvent: false,
  }),
};

/** Which sample each filter must match; every other sample must match neither. */
const EXPECTED: Record<"access" | "configuration", string[]> = {
  access: [
    "rootConsoleLogin",
    "accessDenied",
    "unauthorizedOperation",
    "consoleLoginWithoutMfa",
    "putRolePolicy",
  ],
  configuration: [
    "deleteTrail",
    "stopLogging",
    "scheduleKeyDeletion",
    "disableKey",
    "authorizeSecurityGroupIngress",
    "replaceNetworkAclEntry",
    "createRoute",
  ],
};

const NAME = "openemr-test-audit";
const GROUP = "/openemr/test/cloudtrail";
const filters = () => securityEventFilters(NAME, GROUP);
const byKey = (key: "access" | "configuration") =>
  filters().find((f) => f.resourceName === `${NAME}-security-${key}`)!;

/** The event names a control's verbatim pattern lists. */
function eventNames(id: CisControlId): string[] {
  return [...CIS_CONTROLS[id].pattern.matchAll(/\$\.eventName\s*=\s*"?(\w+)"?/g)].map((m) => m[1]);
}

// ---------------------------------------------------------------------------------------------

function build(withMonitoring: boolean) {
  return () => {
    const tier = new pulumi.ComponentResource("test:index:Tier", "tier");
    const key = new aws.kms.Key("audit-key", { description: "test" });
    const alarms = withMonitoring ? monitoring("openemr-test", {}, { parent: tier }) : undefined;
    const trail = new AuditTrail(
      NAME,
      {
        region: "us-east-1",
        kmsKeyArn: key.arn,
        retentionDays: 365,
        logGroupPrefix: "/openemr/test",
        protect: false,
        ...(alarms ? { monitoring: alarms } : {}),
      },
      { parent: tier },
    );
    return {
      logGroupName: trail.logGroup.name,
      ...(alarms ? { topicArn: alarms.topic.arn } : {}),
    };
  };
}

describe("AuditTrail security events", () => {
  describe("the evaluator (checked on the CloudWatch Logs User Guide's compound examples)", () => {
    const doc: Json = {
      user: { id: 1, email: "John.Stiles@example.com" },
      users: [
        { id: 2, email: "John.Doe@example.com" },
        { id: 3, email: "Jane.Doe@example.com" },
      ],
      actions: ["GET", "PUT", "DELETE"],
    };
    it("follows () > && > || and fails comparisons on missing fields, both = and !=", () => {
      // (arrays are not in the subset: the guide's users[0] / actions[2] selectors are replaced by
      // plain fields of the same values)
      const flat: Json = {
        user: { id: 1, email: "John.Stiles@example.com" },
        first: { email: "John.Doe@example.com" },
        third: "DELETE",
      };
      expect(matches(`{ ($.user.id = 1) && ($.first.email = "John.Doe@example.com") }`, flat)).to.be
        .true;
      expect(
        matches(
          `{ $.user.email = "John.Stiles@example.com" || $.third = "nonmatch" && $.third = "nonmatch" }`,
          flat,
        ),
      ).to.be.true;
      expect(
        matches(
          `{ ($.user.email = "John.Stiles@example.com" || $.third = "nonmatch") && $.third = "nonmatch" }`,
          flat,
        ),
      ).to.be.false;
      expect(matches(`{ ($.user.id = 2 && $.first.email = "nonmatch") || $.third = "GET" }`, flat))
        .to.be.false;
      expect(matches(`{ $.user.phone != "0800" }`, doc)).to.be.false;
      expect(matches(`{ $.user.phone NOT EXISTS }`, doc)).to.be.true;
      expect(matches(`{ $.user NOT EXISTS }`, doc)).to.be.false;
      expect(matches(`{ $.user = "*" }`, doc)).to.be.false; // an object is not a value
      expect(matches(`{ $.user.email = "John.*" }`, doc)).to.be.true;
      expect(matches(`{ $.user.email = "*.Stiles" }`, doc)).to.be.false;
      expect(() => parse(`{ $.user.id > 1 }`)).to.throw(/unsupported operator/);
    });
  });

  describe("the filters (pure)", () => {
    it("join the Security Hub patterns verbatim: access CloudWatch.1-4, configuration CloudWatch.5, 7, 10, 11, 13", () => {
      const access = byKey("access");
      const configuration = byKey("configuration");
      expect(access.controls).to.deep.equal([
        "CloudWatch.1",
        "CloudWatch.2",
        "CloudWatch.3",
        "CloudWatch.4",
      ]);
      expect(configuration.controls).to.deep.equal([
        "CloudWatch.5",
        "CloudWatch.7",
        "CloudWatch.10",
        "CloudWatch.11",
        "CloudWatch.13",
      ]);
      for (const f of [access, configuration]) {
        for (const id of f.controls) {
          expect(f.pattern, id).to.include(CIS_CONTROLS[id].pattern.slice(1, -1).trim());
        }
      }
      // each CIS event's term, spelled out
      expect(access.pattern).to.include(`$.userIdentity.type="Root"`);
      expect(access.pattern).to.include(`$.userIdentity.invokedBy NOT EXISTS`);
      expect(access.pattern).to.include(`$.errorCode="*UnauthorizedOperation"`);
      expect(access.pattern).to.include(`$.errorCode="AccessDenied*"`);
      expect(access.pattern).to.include(`($.additionalEventData.MFAUsed != "Yes")`);
      for (const n of ["PutRolePolicy", "AttachRolePolicy", "CreatePolicyVersion"]) {
        expect(access.pattern).to.include(`($.eventName=${n})`);
      }
      expect(configuration.pattern).to.include(`($.eventSource=kms.amazonaws.com)`);
      for (const n of [
        "DeleteTrail",
        "StopLogging",
        "UpdateTrail",
        "DisableKey",
        "ScheduleKeyDeletion",
        "AuthorizeSecurityGroupIngress",
        "RevokeSecurityGroupEgress",
        "ReplaceNetworkAclEntry",
        "CreateRoute",
        "ReplaceRouteTableAssociation",
      ]) {
        expect(configuration.pattern).to.include(`($.eventName=${n})`);
      }
    });

    it("are each within PutMetricFilter's 1,024-character pattern and its name limits", () => {
      for (const f of filters()) {
        expect(f.pattern.length, f.filterName).to.be.at.most(
          METRIC_FILTER_LIMITS.filterPattern.max,
        );
        expect(metricFilterProblem(f), f.filterName).to.equal(undefined);
        expect(f.metricNamespace).to.equal(SECURITY_METRIC_NAMESPACE);
        expect(f.metricName).to.match(/^[^:*$]{1,255}$/);
        expect(f.filterName).to.match(/^[^:*]{1,512}$/);
      }
      // one control more does not fit: the limit is real, and checked
      const tooLong = { ...byKey("configuration") };
      tooLong.pattern = combinedPattern([...tooLong.controls, "CloudWatch.4"]);
      expect(tooLong.pattern.length).to.be.above(1024);
      expect(metricFilterProblem(tooLong)).to.match(/filterPattern is \d+ characters/);
      expect(metricFilterProblem({ ...tooLong, pattern: "{}", metricName: "a:b" })).to.match(
        /metricName/,
      );
      expect(() => securityEventFilters("x".repeat(240), GROUP)).to.throw(/metricName is 2\d\d/);
    });

    it("match the sample CloudTrail records they are for, and nothing benign", () => {
      const access = byKey("access");
      const configuration = byKey("configuration");
      for (const [sample, event] of Object.entries(SAMPLES)) {
        expect(matches(access.pattern, event), `access / ${sample}`).to.equal(
          EXPECTED.access.includes(sample),
        );
        expect(matches(configuration.pattern, event), `configuration / ${sample}`).to.equal(
          EXPECTED.configuration.includes(sample),
        );
      }
      expect(matches(access.pattern, SAMPLES.describeInstances)).to.be.false;
      expect(matches(configuration.pattern, SAMPLES.describeInstances)).to.be.false;
    });

    it("match exactly what their controls' own patterns match, sample by sample", () => {
      for (const f of filters()) {
        for (const [sample, event] of Object.entries(SAMPLES)) {
          const anyControl = f.controls.some((id) => matches(CIS_CONTROLS[id].pattern, event));
          expect(matches(f.pattern, event), `${f.filterName} / ${sample}`).to.equal(anyControl);
        }
      }
    });

    it("match every event name of every control (its eventSource where the control has one)", () => {
      let checked = 0;
      for (const f of filters()) {
        // the controls that are lists of event names; CloudWatch.1-3 are covered by the samples
        const lists = f.controls.filter(
          (c) => !["CloudWatch.1", "CloudWatch.2", "CloudWatch.3"].includes(c),
        );
        for (const id of lists) {
          expect(eventNames(id), id).to.not.be.empty;
          for (const eventName of eventNames(id)) {
            const source = id === "CloudWatch.7" ? "kms.amazonaws.com" : "ec2.amazonaws.com";
            const event = call(source, eventName);
            expect(matches(CIS_CONTROLS[id].pattern, event), `${id} ${eventName}`).to.be.true;
            expect(matches(f.pattern, event), `${f.filterName} ${eventName}`).to.be.true;
            checked++;
          }
        }
      }
      expect(checked).to.equal(16 + 5 + 2 + 6 + 6 + 7);
      // CloudWatch.7 is about KMS only
      expect(matches(byKey("configuration").pattern, call("ec2.amazonaws.com", "DisableKey"))).to.be
        .false;
    });
  });

  describe("with monitoring", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(build(true));
    });

    it("adds the two filters as children of the trail, on the trail's log group", () => {
      const audit = p.named(NAME, AUDIT);
      const group = p.named(`${NAME}-events`, LOG_GROUP);
      expect(
        inventory(p.resources.filter((r) => r.parent === audit.urn && r.type === FILTER)),
      ).to.have.members([
        `${FILTER}::${NAME}-security-access`,
        `${FILTER}::${NAME}-security-configuration`,
      ]);
      for (const f of filters()) {
        const r = p.named(f.resourceName, FILTER);
        expect(r.props).to.deep.equal({
          name: f.filterName,
          logGroupName: GROUP,
          pattern: f.pattern,
          metricTransformation: {
            name: f.metricName,
            namespace: SECURITY_METRIC_NAMESPACE,
            value: "1",
          },
        });
        expect(p.dependenciesOf(r, "logGroupName").map((d) => d.urn)).to.deep.equal([group.urn]);
      }
      expect(p.outputs.logGroupName).to.equal(GROUP);
    });

    it("alarms on each filter's metric: the topic on ALARM and OK, Sum >= 1 in 300 s, missing data not breaching", () => {
      const alarms = p.ofType(ALARM);
      expect(alarms.map((a) => a.name)).to.have.members([
        "openemr-test-security-access-event",
        "openemr-test-security-config-change",
      ]);
      for (const f of filters()) {
        const alarm = p.named(`openemr-test-${f.alarmSuffix}`, ALARM);
        expect(alarm.props).to.deep.equal({
          alarmDescription: `openemr-test: ${f.description}`,
          alarmActions: [p.outputs.topicArn],
          okActions: [p.outputs.topicArn],
          namespace: SECURITY_METRIC_NAMESPACE,
          metricName: f.metricName,
          statistic: "Sum",
          period: 300,
          evaluationPeriods: 1,
          threshold: 1,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
        });
        expect(f.description).to.include(GROUP);
        expect(f.description).to.not.include("\n");
      }
    });
  });

  describe("without monitoring", () => {
    let without: ComponentPlan;
    let withAlarms: ComponentPlan;
    before(async () => {
      without = await planComponent(build(false));
      withAlarms = await planComponent(build(true));
    });

    it("adds no filter and no alarm", () => {
      expect(without.ofType(FILTER)).to.deep.equal([]);
      expect(without.ofType(ALARM)).to.deep.equal([]);
    });

    it("monitoring only adds: every resource of the trail keeps its name and its settings", () => {
      const added = new Set([FILTER, ALARM, "aws:sns/topic:Topic"]);
      const kept = withAlarms.resources.filter((r) => !added.has(r.type));
      expect(inventory(kept)).to.deep.equal(inventory(without.resources));
      for (const r of without.resources) {
        const same = withAlarms.resources.find((w) => w.urn === r.urn);
        expect(same?.props, r.urn).to.deep.equal(r.props);
      }
    });
  });
});
