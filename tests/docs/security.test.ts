// docs/security.md may say only what the plans contain: its Sids, resource names, settings, policy
// snippets and prices are checked here against recorded plans, ci/iam/ and docs/ci.md.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import type { z } from "zod";
import { PRESETS, commonSettingsSchema } from "../../presets/common";
import { expressSettingsSchema } from "../../presets/express";
import { expressPlusSettingsSchema } from "../../presets/express-plus";
import { fargateSettingsSchema } from "../../presets/fargate";
import { standardSettingsSchema } from "../../presets/standard";
import type { PlanFile } from "../../tools/plan/types";
import { EXPRESS_PLUS, ROOT, planStack } from "../helpers/plan";
import { ofType, one, prop } from "../helpers/resources";

const DOC = fs.readFileSync(path.join(ROOT, "docs/security.md"), "utf8");
const CI_DOC = fs.readFileSync(path.join(ROOT, "docs/ci.md"), "utf8");
const CI_IAM = fs
  .readdirSync(path.join(ROOT, "ci/iam"))
  .filter((f) => f.endsWith(".json"))
  .map((f) => fs.readFileSync(path.join(ROOT, "ci/iam", f), "utf8"));

const PRESET_SCHEMAS: Record<string, z.ZodObject> = {
  express: expressSettingsSchema,
  "express-plus": expressPlusSettingsSchema,
  standard: standardSettingsSchema,
  fargate: fargateSettingsSchema,
};

/** The doc's example domain plan: the express host with its own certificate. */
const WITH_DOMAIN = {
  "openemr:domain": "emr.example.org",
  "openemr:hostedZoneId": "Z0123456789ABC",
  "openemr:acmeEmail": "it@example.org",
};
const PLANNED: [string, Record<string, string>][] = [
  ["dev", {}],
  ["dev", { "openemr:preset": "express-plus" }],
  ["dev", EXPRESS_PLUS],
  ["dev", WITH_DOMAIN],
  ["dev", { "openemr:preset": "standard" }],
  ["staging", {}],
  ["prod", {}],
];

interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  Principal?: unknown;
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}
interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}

const asList = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** Fenced code blocks of the doc, by language. */
function fenced(lang: string): string[] {
  return [...DOC.matchAll(/```(\w*)\n([\s\S]*?)```/g)]
    .filter((m) => m[1] === lang)
    .map((m) => m[2]);
}
const PROSE = DOC.replace(/```\w*\n[\s\S]*?```/g, "");
/** Every `inline code` span outside the fenced blocks. */
const INLINE = [...PROSE.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
const SNIPPETS = fenced("json").map((text) => JSON.parse(text) as PolicyDocument);
const SNIPPET_SIDS = new Set(SNIPPETS.flatMap((d) => d.Statement.map((s) => s.Sid ?? "")));

/** Every Sid of every policy document a value holds (policies are JSON strings in a plan). */
function sidsIn(value: unknown, into: Set<string>): Set<string> {
  if (typeof value === "string" && value.trimStart().startsWith("{")) {
    try {
      sidsIn(JSON.parse(value) as unknown, into);
    } catch {
      // not JSON: a plain string
    }
  } else if (Array.isArray(value)) {
    for (const v of value) sidsIn(v, into);
  } else if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (typeof record.Sid === "string") into.add(record.Sid);
    for (const v of Object.values(record)) sidsIn(v, into);
  }
  return into;
}

describe("docs/security.md against the plans", function () {
  this.timeout(600_000);
  const plans: PlanFile[] = [];
  const texts: string[] = [];
  let planSids: Set<string>;
  let ciSids: Set<string>;

  before(async () => {
    for (const [stack, sets] of PLANNED) plans.push(await planStack(stack, sets));
    texts.push(...plans.map((p) => JSON.stringify(p)));
    planSids = new Set<string>();
    for (const p of plans) for (const r of p.resources) sidsIn(r.props, planSids);
    ciSids = new Set<string>();
    for (const text of CI_IAM) sidsIn(JSON.parse(text) as unknown, ciSids);
  });

  const planOf = (stack: string, sets: Record<string, string> = {}): PlanFile =>
    plans[PLANNED.findIndex(([s, o]) => s === stack && JSON.stringify(o) === JSON.stringify(sets))];

  it("shows only policy documents: JSON, Version 2012-10-17, unique Sids, service:Action actions", () => {
    expect(SNIPPETS.length, "JSON snippets").to.be.at.least(2);
    for (const doc of SNIPPETS) {
      expect(doc.Version).to.equal("2012-10-17");
      const sids = doc.Statement.map((s) => s.Sid);
      expect(new Set(sids).size, "unique Sids").to.equal(sids.length);
      for (const s of doc.Statement) {
        expect(s.Effect).to.be.oneOf(["Allow", "Deny"]);
        for (const action of asList(s.Action)) {
          expect(action, s.Sid).to.match(/^[a-z0-9-]+:[A-Za-z*]+$/);
        }
      }
    }
  });

  it("shows an SCP that denies what section 6 leaves to the clinic, with a break-glass role", () => {
    const scps = SNIPPETS.filter((d) => d.Statement.every((s) => s.Effect === "Deny"));
    expect(scps, "SCP snippets (Deny only)").to.have.length(1);
    const scp = scps[0];
    // AWS Organizations: at most 5,120 characters; SCPs take no Principal element
    expect(JSON.stringify(scp).length).to.be.at.most(5120);
    for (const s of scp.Statement) {
      expect(s, s.Sid).to.not.have.property("Principal");
      const keys = Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c));
      expect(keys, s.Sid).to.include("aws:PrincipalArn");
    }
    expect(
      scp.Statement.some((s) => s.Condition?.ArnNotLike?.["aws:PrincipalArn"]),
      "a break-glass exemption",
    ).to.equal(true);
    const denied = scp.Statement.flatMap((s) => asList(s.Action));
    expect(denied).to.include.members([
      "cloudtrail:DeleteTrail",
      "cloudtrail:StopLogging",
      "logs:DeleteLogGroup",
      "logs:PutRetentionPolicy",
      "kms:ScheduleKeyDeletion",
      "backup:DeleteBackupVault",
      "backup:DeleteRecoveryPoint",
      "backup:DeleteBackupVaultLockConfiguration",
      "s3:PutBucketObjectLockConfiguration",
      "iam:DeleteRolePermissionsBoundary",
    ]);
  });

  it("restricts Session Manager to a Session document the plan creates", () => {
    const allows = SNIPPETS.flatMap((d) => d.Statement).filter((s) => s.Effect === "Allow");
    const session = allows.find((s) => asList(s.Action).includes("ssm:StartSession"));
    expect(session, "an ssm:StartSession statement").to.not.equal(undefined);
    expect(session!.Condition?.BoolIfExists?.["ssm:SessionDocumentAccessCheck"]).to.equal("true");
    const documents = asList(session!.Resource)
      .map((arn) => /:document\/(.+)$/.exec(arn)?.[1])
      .filter((d): d is string => d !== undefined);
    const staging = ofType(planOf("staging"), "aws:ssm/document:Document").map((d) =>
      prop<string>(d, "name"),
    );
    expect(documents).to.have.length(1);
    expect(staging).to.include(documents[0]);
  });

  it("names only openemr:<key> settings the config schemas have", () => {
    const withoutUrns = DOC.replace(/urn:pulumi:[^'`\s]+/g, "");
    const keys = [...withoutUrns.matchAll(/openemr:([a-z][A-Za-z-]*)(?:\.([A-Za-z]+))?/g)];
    expect(keys.length).to.be.at.least(10);
    const common = Object.keys(commonSettingsSchema.shape);
    for (const [text, key, field] of keys) {
      if ((PRESETS as readonly string[]).includes(key)) {
        if (field) expect(Object.keys(PRESET_SCHEMAS[key].shape), text).to.include(field);
      } else {
        expect(common, text).to.include(key);
        expect(field, `${text}: only preset settings have fields`).to.equal(undefined);
      }
    }
    // "openemr:egressMode is alert by default"
    expect(commonSettingsSchema.shape.egressMode.parse(undefined)).to.equal("alert");
  });

  it("quotes only Sids and names that are in the plans, ci/iam/ or docs/ci.md", () => {
    const pascal = INLINE.filter((t) => /^[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+$/.test(t));
    const removed = ["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"];
    expect(pascal).to.include.members(["SsmAgent", "WriteOwnLogs", ...removed]);
    const unknown = pascal.filter(
      (t) =>
        !removed.includes(t) &&
        !SNIPPET_SIDS.has(t) &&
        !planSids.has(t) &&
        !ciSids.has(t) &&
        !texts.some((text) => text.includes(t)) &&
        !CI_DOC.includes(t),
    );
    expect(unknown).to.deep.equal([]);
    // what the work removed is in no plan any more
    for (const name of removed) {
      expect(
        texts.filter((text) => text.includes(name)),
        name,
      ).to.deep.equal([]);
    }
  });

  it("lists, in the host role's table, Sids of the planned host roles only", () => {
    const table = PROSE.slice(PROSE.indexOf("| Sid | grants | tiers |")).split("\n\n")[0];
    const rows = table.split("\n").filter((line) => line.startsWith("| `"));
    const sids = rows.flatMap((row) =>
      [...row.split("|")[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]),
    );
    expect(sids.length).to.be.at.least(10);
    const hostSids = new Set<string>();
    for (const p of plans) {
      for (const r of ofType(p, "aws:iam/rolePolicy:RolePolicy")) {
        if (r.name.endsWith("-web-access")) sidsIn(r.props.policy, hostSids);
      }
    }
    expect(sids.filter((s) => !hostSids.has(s))).to.deep.equal([]);
  });

  it("quotes only <stack>, <prefix>, <region> and <domain> names a plan (or docs/ci.md) has", () => {
    const patterns = INLINE.filter((t) => /<(stack|prefix|region|domain)>/.test(t));
    expect(patterns.length).to.be.at.least(10);
    const missing = patterns.filter((pattern) => {
      const found = plans.some((p, i) => {
        const name = pattern
          .replaceAll("<prefix>", `/openemr/${p.stack}`)
          .replaceAll("<stack>", p.stack)
          .replaceAll("<region>", p.region)
          .replaceAll("<domain>", WITH_DOMAIN["openemr:domain"]);
        // the whole name, not a prefix of a longer one
        const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        return new RegExp(`${escaped}(?![A-Za-z0-9-])`).test(texts[i]);
      });
      return !found && !CI_DOC.includes(pattern) && !CI_IAM.some((f) => f.includes(pattern));
    });
    expect(missing).to.deep.equal([]);
  });

  it("gives only URNs the plans have", () => {
    const urns = [...DOC.matchAll(/urn:pulumi:[^'`\s]+/g)].map((m) => m[0]);
    expect(urns.length).to.be.at.least(2);
    const planned = new Set(plans.flatMap((p) => p.resources.map((r) => r.urn)));
    expect(urns.filter((u) => !planned.has(u))).to.deep.equal([]);
  });

  it("prints the monthly totals npm run plan prints today", async () => {
    const rows = [...DOC.matchAll(/^\| [^|]+ \| `npm run plan -- ([^`]+)` \| \$([\d.]+) \|$/gm)];
    expect(rows.length, "preset totals").to.equal(5);
    for (const [, args, usd] of rows) {
      const stack = /--stack (\S+)/.exec(args)![1];
      const sets = Object.fromEntries(
        [...args.matchAll(/--set (\S+?)=(\S+)/g)].map((m) => [m[1], m[2]]),
      );
      const plan = await planStack(stack, sets);
      expect(plan.cost!.monthlyUsd, args).to.equal(Number(usd));
    }
  });

  it("prices the controls as the plans do", () => {
    const lines = (p: PlanFile) => p.cost!.lines;
    const waf = lines(planOf("staging")).filter((l) => l.item.startsWith("WAF"));
    expect(waf.reduce((sum, l) => sum + l.monthlyUsd, 0)).to.equal(15);
    expect(DOC).to.include("+$15.00");
    for (const stack of ["staging", "prod"]) {
      expect(lines(planOf(stack)).map((l) => l.item)).to.include(
        "WAF rules and rule groups (10 × $1.00/month)",
      );
    }
    for (const p of plans) {
      const allow = lines(p).find((l) => l.item.includes("-net-dns-allow"));
      expect(allow?.item, p.stack).to.include("(16 domains × $0.0005/month)");
      expect(allow?.monthlyUsd).to.equal(0.01);
    }
    expect(DOC).to.include("16 domains × $0.0005").and.include("+$0.01");
    const arrival = lines(planOf("dev", EXPRESS_PLUS)).find((l) =>
      l.urn.endsWith("::openemr-dev-backup-not-arrived"),
    );
    expect(arrival?.monthlyUsd).to.equal(0.1);
    expect(DOC).to.include("+$0.10");
    const usage = plans.flatMap((p) => p.cost!.usage ?? []).map((u) => u.unitPrice);
    for (const price of [
      "$0.12 per GB scanned",
      "$0.60 per million DNS queries",
      "$0.10 per 100,000 data events",
      "$0.60 per million requests",
    ]) {
      expect(
        usage.some((u) => u.startsWith(price)),
        price,
      ).to.equal(true);
    }
  });

  it("describes the controls the plans contain", () => {
    // Object Lock: COMPLIANCE when protected, GOVERNANCE otherwise, replaced versions kept as long
    for (const [sets, mode] of [
      [EXPRESS_PLUS, "COMPLIANCE"],
      [{ "openemr:preset": "express-plus" }, "GOVERNANCE"],
    ] as const) {
      const plan = planOf("dev", sets);
      const lock = one(
        plan,
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        "-backups-object-lock",
      );
      expect(prop(lock, "rule.defaultRetention.mode")).to.equal(mode);
      const days = prop<number>(lock, "rule.defaultRetention.days");
      const lifecycle = ofType(
        plan,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      ).find((r) => r.name.includes("-backups-"))!;
      const rules = prop<{ noncurrentVersionExpiration: { noncurrentDays: number } }[]>(
        lifecycle,
        "rules",
      );
      expect(rules[0].noncurrentVersionExpiration.noncurrentDays).to.be.at.least(days);
    }
    // Vault Lock: a 14-day grace period on the protected example stacks
    for (const stack of ["staging", "prod"]) {
      const lock = one(planOf(stack), "aws:backup/vaultLockConfiguration:VaultLockConfiguration");
      expect(prop(lock, "changeableForDays")).to.equal(14);
    }
    // no container can reach the instance's credentials
    for (const p of plans) {
      for (const instance of ofType(p, "aws:ec2/instance:Instance")) {
        expect(prop(instance, "metadataOptions.httpPutResponseHopLimit")).to.equal(1);
        expect(prop(instance, "metadataOptions.httpTokens")).to.equal("required");
      }
    }
    // fargate: the superuser only in openemr-setup; the task role mounts EFS and nothing else
    const prod = planOf("prod");
    const task = one(prod, "aws:ecs/taskDefinition:TaskDefinition");
    const containers = JSON.parse(prop<string>(task, "containerDefinitions")) as {
      name: string;
      secrets: { name: string }[];
    }[];
    const secrets = (name: string) =>
      containers.find((c) => c.name === name)!.secrets.map((s) => s.name);
    expect(secrets("openemr")).to.have.members([
      "MYSQL_USER",
      "MYSQL_PASS",
      "REDIS_USERNAME",
      "REDIS_PASSWORD",
    ]);
    expect(secrets("openemr-setup")).to.include.members([
      "MYSQL_ROOT_USER",
      "MYSQL_ROOT_PASS",
      "OE_PASS",
    ]);
    const taskPolicy = JSON.parse(
      prop<string>(one(prod, "aws:iam/rolePolicy:RolePolicy", "-app-task-policy"), "policy"),
    ) as PolicyDocument;
    expect([...new Set(taskPolicy.Statement.flatMap((s) => asList(s.Action)))]).to.have.members([
      "elasticfilesystem:ClientMount",
      "elasticfilesystem:ClientWrite",
      "elasticfilesystem:ClientRootAccess",
    ]);
    const valkey = one(prod, "aws:elasticache/user:User", "-sessions-app-user");
    expect(prop(valkey, "accessString")).to.equal(
      "on ~PHPREDIS_SESSION:* -@all +auth +ping +get +setex +del +expire +exists",
    );
  });

  it("states the log-injection limit as planned: WriteOwnLogs covers the host's groups, not the trail's copy", () => {
    const plan = planOf("dev", EXPRESS_PLUS);
    const policy = JSON.parse(
      prop<string>(one(plan, "aws:iam/rolePolicy:RolePolicy", "-web-access"), "policy"),
    ) as PolicyDocument;
    const write = policy.Statement.find((s) => s.Sid === "WriteOwnLogs")!;
    const groups = asList(write.Resource)
      .filter((r) => !r.endsWith(":log-stream:*"))
      .map((r) => r.split(":log-group:")[1]);
    expect(groups).to.have.members([
      "/openemr/dev/containers",
      "/openemr/dev/database",
      "/openemr/dev/system",
    ]);
    const planned = ofType(plan, "aws:cloudwatch/logGroup:LogGroup").map((g) =>
      prop<string>(g, "name"),
    );
    expect(planned).to.include.members(["/openemr/dev/cloudtrail", "/openemr/dev/vpc-flow-logs"]);
    expect(groups).to.not.include.members(["/openemr/dev/cloudtrail"]);
    expect(groups).to.not.include.members(["/openemr/dev/vpc-flow-logs"]);
  });
});
