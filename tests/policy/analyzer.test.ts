// Drives the real pack (policy/index.ts) the way `pulumi preview --policy-pack policy` does: a child
// process serves the Analyzer gRPC service; this test plays the engine (GetAnalyzerInfo, Configure
// with schema defaults and the pack config, Analyze per resource, AnalyzeStack) and requires the
// diagnostics to equal what the offline runner (npm run policy) reports for the same plan.

import type * as grpcTypes from "@grpc/grpc-js";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import {
  COMPUTED,
  type PlanFile,
  type PlanResource,
  type PolicyViolation,
} from "../../tools/plan/types";
import { runPolicyPack, toEngineValue } from "../../tools/policy/run";
import { copyResource, editProps, mutate, setProp, unsetProp } from "../helpers/mutate";
import { TS_REGISTER } from "../helpers/plan";
import { CMK_MANDATORY, expressPlus, fargate, standard } from "./verdict";

// The gRPC and protobuf runtimes the generated stubs use (dependencies of @pulumi/pulumi).
const stubRequire = createRequire(require.resolve("@pulumi/pulumi/proto/analyzer_grpc_pb"));
const grpc = stubRequire("@grpc/grpc-js") as typeof grpcTypes;
const { Struct } = stubRequire(
  "google-protobuf/google/protobuf/struct_pb",
) as typeof import("google-protobuf/google/protobuf/struct_pb");
const { Empty } = stubRequire(
  "google-protobuf/google/protobuf/empty_pb",
) as typeof import("google-protobuf/google/protobuf/empty_pb");

type Level = "advisory" | "mandatory" | "remediate" | "disabled";
const TO_PROTO: Record<Level, analyzerPb.EnforcementLevel> = {
  advisory: analyzerPb.EnforcementLevel.ADVISORY,
  mandatory: analyzerPb.EnforcementLevel.MANDATORY,
  remediate: analyzerPb.EnforcementLevel.REMEDIATE,
  disabled: analyzerPb.EnforcementLevel.DISABLED,
};

function call<Req, Res>(
  method: (req: Req, cb: (err: grpcTypes.ServiceError | null, res: Res) => void) => unknown,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(req, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

function getInfo(client: analyzerGrpc.AnalyzerClient): Promise<analyzerPb.AnalyzerInfo> {
  return call<InstanceType<typeof Empty>, analyzerPb.AnalyzerInfo>(
    (q, cb) => client.getAnalyzerInfo(q, cb),
    new Empty(),
  );
}

/** The engine's ReconcilePolicyPackConfig: schema defaults, then "all", then per-policy entries. */
function reconcile(
  info: analyzerPb.AnalyzerInfo,
  packConfig: Record<string, unknown>,
): analyzerPb.ConfigureAnalyzerRequest {
  const req = new analyzerPb.ConfigureAnalyzerRequest();
  const entry = (v: unknown): { level?: Level; props: Record<string, unknown> } => {
    if (typeof v === "string") return { level: v as Level, props: {} };
    const { enforcementLevel, ...props } = (v ?? {}) as Record<string, unknown>;
    return { level: enforcementLevel as Level | undefined, props };
  };
  const all = packConfig["all"] === undefined ? undefined : entry(packConfig["all"]);
  for (const p of info.getPoliciesList()) {
    const schema = (p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}) as Record<
      string,
      { default?: unknown }
    >;
    const props: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(schema)) {
      if (s.default !== undefined) props[k] = s.default;
    }
    let level = p.getEnforcementlevel();
    if (all?.level) level = TO_PROTO[all.level];
    const given =
      packConfig[p.getName()] === undefined ? undefined : entry(packConfig[p.getName()]);
    if (given?.level) level = TO_PROTO[given.level];
    Object.assign(props, given?.props ?? {});
    const config = new analyzerPb.PolicyConfig();
    config.setEnforcementlevel(level);
    config.setProperties(Struct.fromJavaScript(props as Record<string, never>));
    req.getPolicyconfigMap().set(p.getName(), config);
  }
  return req;
}

function struct(r: PlanResource) {
  return Struct.fromJavaScript(toEngineValue(r.props) as Record<string, never>);
}

function options(r: PlanResource): analyzerPb.AnalyzerResourceOptions {
  const o = new analyzerPb.AnalyzerResourceOptions();
  o.setProtect(r.opts.protect);
  o.setIgnorechangesList(r.opts.ignoreChanges);
  if (r.parent) o.setParent(r.parent);
  o.setCustomtimeouts(new analyzerPb.AnalyzerResourceOptions.CustomTimeouts());
  return o;
}

/** Plays the engine over a plan and returns the diagnostics as plan violations. */
async function analyze(
  client: analyzerGrpc.AnalyzerClient,
  plan: PlanFile,
  packConfig: Record<string, unknown>,
): Promise<PolicyViolation[]> {
  const info = await getInfo(client);
  const descriptions = new Map(
    info.getPoliciesList().map((p) => [p.getName(), p.getDescription()]),
  );
  await call<analyzerPb.ConfigureAnalyzerRequest, unknown>(
    (q, cb) => client.configure(q, cb),
    reconcile(info, packConfig),
  );
  const out: PolicyViolation[] = [];
  const collect = (res: analyzerPb.AnalyzeResponse, urn: string) => {
    for (const d of res.getDiagnosticsList()) {
      const prefix = `${descriptions.get(d.getPolicyname()) ?? ""}\n`;
      const message = d.getMessage().startsWith(prefix)
        ? d.getMessage().slice(prefix.length)
        : d.getMessage();
      out.push({
        policy: d.getPolicyname(),
        level:
          d.getEnforcementlevel() === analyzerPb.EnforcementLevel.MANDATORY
            ? "mandatory"
            : "advisory",
        urn: d.getUrn() || urn,
        message,
      });
    }
  };
  for (const r of plan.resources) {
    const req = new analyzerPb.AnalyzeRequest();
    req.setType(r.type);
    req.setUrn(r.urn);
    req.setName(r.name);
    req.setProperties(struct(r));
    req.setOptions(options(r));
    collect(
      await call<analyzerPb.AnalyzeRequest, analyzerPb.AnalyzeResponse>(
        (q, cb) => client.analyze(q, cb),
        req,
      ),
      r.urn,
    );
  }
  const stack = new analyzerPb.AnalyzeStackRequest();
  stack.setResourcesList(
    plan.resources.map((r) => {
      const res = new analyzerPb.AnalyzerResource();
      res.setType(r.type);
      res.setUrn(r.urn);
      res.setName(r.name);
      res.setProperties(struct(r));
      res.setOptions(options(r));
      if (r.parent) res.setParent(r.parent);
      res.setDependenciesList([
        ...new Set([...r.opts.dependsOn, ...Object.values(r.propertyDependencies).flat()]),
      ]);
      for (const [prop, urns] of Object.entries(r.propertyDependencies)) {
        const deps = new analyzerPb.AnalyzerPropertyDependencies();
        deps.setUrnsList(urns);
        res.getPropertydependenciesMap().set(prop, deps);
      }
      return res;
    }),
  );
  collect(
    await call<analyzerPb.AnalyzeStackRequest, analyzerPb.AnalyzeResponse>(
      (q, cb) => client.analyzeStack(q, cb),
      stack,
    ),
    "",
  );
  return out;
}

const key = (v: PolicyViolation) => `${v.policy}|${v.level}|${v.urn}|${v.message}`;

/** The standard plan, edited to trip resource and stack policies, unknown values and an exemption. */
async function brokenPlan(): Promise<PlanFile> {
  const SSE =
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
  return mutate(
    await standard(),
    // the audit-log bucket on SSE-S3 (exempted below) with a policy unknown during preview
    setProp(
      [SSE, "openemr-staging-audit-logs-encryption"],
      "rules.0.applyServerSideEncryptionByDefault",
      {
        sseAlgorithm: "AES256",
      },
    ),
    setProp(
      ["aws:s3/bucketPolicy:BucketPolicy", "openemr-staging-audit-logs-policy"],
      "policy",
      COMPUTED,
    ),
    // a bucket without any of its settings resources
    copyResource(
      ["aws:s3/bucket:Bucket", "openemr-staging-lb-access-logs"],
      "openemr-staging-bare",
    ),
    setProp(["aws:ebs/volume:Volume", "openemr-staging-web-data"], "encrypted", COMPUTED),
    unsetProp(["aws:secretsmanager/secret:Secret", "openemr-staging-db-master-secret"], "kmsKeyId"),
    editProps(["aws:ec2/securityGroup:SecurityGroup", "openemr-staging-web-sg"], (props) => {
      props["ingress"] = [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }];
    }),
    setProp(
      ["aws:cloudwatch/logGroup:LogGroup", "openemr-staging-containers"],
      "retentionInDays",
      30,
    ),
    setProp(
      ["aws:lb/listener:Listener", "openemr-staging-lb-https"],
      "sslPolicy",
      "ELBSecurityPolicy-2016-08",
    ),
  );
}

const brokenConfig = {
  "cloudwatch-log-group-retention": { minRetentionDays: 365 },
  "s3-bucket-versioning": "advisory",
  "policy-exemptions": {
    exemptions: [
      {
        policy: "s3-bucket-encryption",
        resource: "openemr-staging-audit-logs",
        justification: "Exports for the state registry must be SSE-S3.",
      },
      { policy: "lb-hardening", resource: "gone", justification: "Stale on purpose." },
    ],
  },
};

describe("the pack served over the Pulumi analyzer protocol", function () {
  this.timeout(60000);
  let child: ChildProcess | undefined;
  let client: analyzerGrpc.AnalyzerClient | undefined;

  before(async () => {
    const packDir = join(__dirname, "..", "..", "policy");
    const proc = spawn(process.execPath, ["--require", TS_REGISTER, "index.ts"], {
      cwd: packDir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    const port = await new Promise<string>((resolve, reject) => {
      let out = "";
      let err = "";
      proc.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split("\n")[0];
        if (out.includes("\n") && /^\d+$/.test(line.trim())) resolve(line.trim());
      });
      proc.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
      proc.on("exit", (code) =>
        reject(new Error(`policy pack exited with ${String(code)}: ${err}`)),
      );
    });
    client = new analyzerGrpc.AnalyzerClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
  });

  after(() => {
    client?.close();
    child?.kill();
  });

  it("describes the pack: name, version, policies with their levels", async () => {
    const info = await getInfo(client!);
    expect(info.getName()).to.equal("openemr-aws-hipaa");
    expect(info.getVersion()).to.equal("0.1.0");
    const levels = new Map(
      info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]),
    );
    expect(levels.get("ebs-volume-encrypted")).to.equal(analyzerPb.EnforcementLevel.MANDATORY);
    expect(levels.get("data-store-customer-managed-key")).to.equal(
      analyzerPb.EnforcementLevel.ADVISORY,
    );
  });

  const cases: Array<[string, () => Promise<PlanFile>, Record<string, unknown>]> = [
    ["the express-plus plan, CMK mandatory", expressPlus, CMK_MANDATORY],
    ["the standard plan, CMK mandatory", standard, CMK_MANDATORY],
    ["the fargate plan, defaults", fargate, {}],
    ["a plan with violations, unknowns and exemptions", brokenPlan, brokenConfig],
  ];
  for (const [name, makePlan, config] of cases) {
    it(`reports what the offline runner reports: ${name}`, async () => {
      const plan = await makePlan();
      const served = (await analyze(client!, plan, config)).map(key).sort();
      const offline = (await runPolicyPack(plan, config)).violations.map(key).sort();
      expect(served).to.deep.equal(offline);
      if (name.startsWith("a plan with violations")) {
        const policies = new Set(offline.map((k) => k.split("|").slice(0, 2).join("|")));
        for (const expected of [
          "cloudwatch-log-group-retention|mandatory",
          "lb-listener-tls|mandatory",
          "security-group-ingress|mandatory",
          "s3-bucket-encryption|mandatory",
          "s3-bucket-versioning|advisory",
          "ebs-volume-encrypted|advisory",
          "s3-bucket-tls-only|advisory",
          "exempted-violations|advisory",
          "policy-exemptions|advisory",
          "secretsmanager-secret-customer-managed-key|advisory",
        ]) {
          expect(policies, expected).to.include(expected);
        }
      }
    });
  }
});
