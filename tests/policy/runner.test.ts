// The offline runner: config resolution, enforcement levels, unknown values, and the arguments it
// gives policies (mirroring the engine's policy server).

import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { expect } from "chai";
import exampleConfig from "../../policy/config.example.json";
import packJson from "../../policy/package.json";
import { CMK_POLICY_NAMES, policies } from "../../policy/policies";
import { COMPUTED } from "../../tools/plan/types";
import {
  PACK,
  PolicyConfigError,
  resolvePackConfig,
  runPack,
  runPolicyPack,
  type PackUnderTest,
} from "../../tools/policy/run";
import {
  check,
  CMK_MANDATORY,
  find,
  hardenedBucket,
  planOf,
  previewAdvisoriesOf,
  ref,
  single,
  violationsOf,
} from "./fixtures";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- proxy typings are stripped
const { UnknownValueError } = require("@pulumi/policy/proxy") as {
  UnknownValueError: new () => Error;
};

describe("policy runner: config", () => {
  it("applies every policy's schema defaults", () => {
    const config = resolvePackConfig();
    expect(config.get("cloudwatch-log-group-retention")?.properties).to.deep.equal({
      minRetentionDays: 2192,
      allowNeverExpire: false,
    });
    expect(config.get("rds-backup-retention")?.properties).to.deep.equal({
      minBackupRetentionDays: 7,
    });
    expect(
      config.get("lb-listener-tls")?.properties["allowedSslPolicyPrefixes"],
    ).to.include.members([
      "ELBSecurityPolicy-TLS13-1-2-",
      "ELBSecurityPolicy-TLS-1-2-",
      "ELBSecurityPolicy-FS-1-2-",
    ]);
    expect(config.get("s3-bucket-encryption")?.properties).to.deep.include({
      sseS3TagKey: "openemr:purpose",
      sseS3TagValues: ["lb-access-logs"],
    });
    expect(config.get("policy-exemptions")?.properties).to.deep.equal({ exemptions: [] });
  });

  it("merges overrides over the defaults", () => {
    const config = resolvePackConfig({
      "cloudwatch-log-group-retention": { minRetentionDays: 365 },
    });
    expect(config.get("cloudwatch-log-group-retention")?.properties).to.deep.equal({
      minRetentionDays: 365,
      allowNeverExpire: false,
    });
  });

  it("gives every policy a name, a description and a schema whose defaults validate", () => {
    const names = policies.map((p) => p.name);
    expect(new Set(names).size).to.equal(names.length);
    for (const p of policies) {
      expect(p.name).to.match(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(p.description.length, p.name).to.be.greaterThan(20);
      expect(Object.keys(p.configSchema?.properties ?? {})).not.to.include("enforcementLevel");
    }
    expect(names[0]).to.equal("policy-exemptions");
    expect(names[names.length - 1]).to.equal("exempted-violations");
  });

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    [
      "an invalid level",
      { "kms-key-rotation": "strict" },
      '"strict" is not a valid enforcement level',
    ],
    [
      "an invalid enforcementLevel",
      { "kms-key-rotation": { enforcementLevel: "loud" } },
      "not a valid enforcement level",
    ],
    [
      "a top-level array (the CLI accepts strings and objects only)",
      { exemptions: [] },
      "must be a string or object",
    ],
    [
      "an unknown policy",
      { "kms-rotation": "mandatory" },
      "unknown policy in the pack config: kms-rotation",
    ],
    [
      "a value of the wrong type",
      { "cloudwatch-log-group-retention": { minRetentionDays: "six years" } },
      "cloudwatch-log-group-retention: /minRetentionDays must be integer",
    ],
  ];
  for (const [what, config, message] of invalid) {
    it(`refuses ${what}`, () => {
      expect(() => resolvePackConfig(config)).to.throw(PolicyConfigError, message);
    });
  }

  it("ships example configs that are valid", () => {
    expect(() => resolvePackConfig(exampleConfig)).not.to.throw();
    expect(() => resolvePackConfig(CMK_MANDATORY)).not.to.throw();
    expect(Object.keys(CMK_MANDATORY).sort()).to.deep.equal([...CMK_POLICY_NAMES].sort());
  });
});

describe("policy runner: enforcement levels", () => {
  const secret = () => single("aws:secretsmanager/secret:Secret", "db-secret", {});
  const levelOf = async (config?: Record<string, unknown>) =>
    violationsOf(await check(secret(), config), "secretsmanager-secret-customer-managed-key").map(
      (v) => v.level,
    );

  it("uses the policy's own level (advisory for customer-managed keys), else the pack's (mandatory)", async () => {
    expect(await levelOf()).to.deep.equal(["advisory"]);
    const volume = await check(single("aws:ebs/volume:Volume", "v", {}));
    expect(violationsOf(volume, "ebs-volume-encrypted").map((v) => v.level)).to.deep.equal([
      "mandatory",
    ]);
    expect(volume.passed).to.equal(false);
  });
  it('lets "all" override the policy\'s level, and a per-policy entry override "all"', async () => {
    expect(await levelOf({ all: "mandatory" })).to.deep.equal(["mandatory"]);
    expect(
      await levelOf({
        all: { enforcementLevel: "mandatory" },
        "secretsmanager-secret-customer-managed-key": "advisory",
      }),
    ).to.deep.equal(["advisory"]);
    expect(
      await levelOf({
        "secretsmanager-secret-customer-managed-key": { enforcementLevel: "mandatory" },
      }),
    ).to.deep.equal(["mandatory"]);
  });
  it("skips disabled policies and reports remediate as mandatory (the pack has no remediations)", async () => {
    expect(
      await levelOf({ "secretsmanager-secret-customer-managed-key": "disabled" }),
    ).to.deep.equal([]);
    expect(
      await levelOf({ "secretsmanager-secret-customer-managed-key": "remediate" }),
    ).to.deep.equal(["mandatory"]);
  });
  it("passes iff no mandatory violation exists", async () => {
    const advisoryOnly = await check(secret());
    expect(advisoryOnly.violations).to.have.length.greaterThan(0);
    expect(advisoryOnly.passed).to.equal(true);
    expect((await check(secret(), CMK_MANDATORY)).passed).to.equal(false);
    expect(advisoryOnly.pack).to.equal("openemr-aws-hipaa");
  });
});

describe("policy runner: unknown values, as in pulumi preview", () => {
  it("keeps a presence check mandatory: an unknown value counts as set, a missing one fails", async () => {
    const unknown = await check(
      single("aws:cloudtrail/trail:Trail", "trail", { kmsKeyId: COMPUTED }),
    );
    expect(unknown.violations.filter((v) => v.policy === "cloudtrail-encrypted")).to.deep.equal([]);
    const missing = await check(single("aws:cloudtrail/trail:Trail", "trail", {}));
    expect(violationsOf(missing, "cloudtrail-encrypted").map((v) => v.level)).to.deep.equal([
      "mandatory",
    ]);
  });
  it("keeps customer-managed-key presence checks mandatory under config.cmk-mandatory.json", async () => {
    const plan = single("aws:cloudwatch/logGroup:LogGroup", "app", {
      retentionInDays: 2192,
      kmsKeyId: COMPUTED,
    });
    expect((await check(plan, CMK_MANDATORY)).violations).to.deep.equal([]);
    delete plan.resources[1].props["kmsKeyId"];
    expect(
      violationsOf(await check(plan, CMK_MANDATORY), "cloudwatch-log-group-customer-managed-key")[0]
        .level,
    ).to.equal("mandatory");
  });
  it("turns a value check on an unknown into the engine's advisory 'can't run policy ... during preview'", async () => {
    const plan = single("aws:ebs/volume:Volume", "data", {
      encrypted: COMPUTED,
      kmsKeyId: COMPUTED,
    });
    const block = await check(plan);
    expect(block.violations).to.deep.equal([
      {
        policy: "ebs-volume-encrypted",
        level: "advisory",
        urn: find(plan, "data").urn,
        message: `can't run policy 'ebs-volume-encrypted' from policy pack 'openemr-aws-hipaa@v${packJson.version}' during preview: string value at .encrypted can't be known during preview`,
      },
    ]);
    expect(block.passed).to.equal(true);
  });
  it("still reports the mandatory violations a policy found before reading the unknown", async () => {
    const block = await check(
      single("aws:lb/listener:Listener", "https", {
        protocol: "HTTPS",
        sslPolicy: COMPUTED,
        defaultActions: [],
      }),
    );
    expect(
      violationsOf(block, "lb-listener-tls").map((v) => [
        v.level,
        v.message.includes("no certificate"),
      ]),
    ).to.deep.equal([["mandatory", true]]);
    expect(previewAdvisoriesOf(block, "lb-listener-tls")).to.have.length(1);
  });
  it("lets a stack policy report the other resources when one has unknown values", async () => {
    const plan = planOf((b) => {
      const hb = hardenedBucket(b, "docs");
      hb.policy.props["policy"] = COMPUTED;
      b.add("aws:s3/bucket:Bucket", "bare", {});
    });
    const block = await check(plan);
    expect(violationsOf(block, "s3-bucket-tls-only").map((v) => v.urn)).to.deep.equal([
      find(plan, "bare").urn,
    ]);
    expect(previewAdvisoriesOf(block, "s3-bucket-tls-only")).to.have.length(1);
  });
  it("checks unknowns nested in arrays", async () => {
    const plan = single("aws:ec2/securityGroup:SecurityGroup", "web", {
      ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [COMPUTED] }],
    });
    const block = await check(plan);
    expect(violationsOf(block, "security-group-ingress")).to.deep.equal([]);
    expect(previewAdvisoriesOf(block, "security-group-ingress")[0].message).to.include(
      ".ingress.0.cidrBlocks.0",
    );
  });
});

// ------------------------------------------------------------------------------------------------
// The arguments policies receive
// ------------------------------------------------------------------------------------------------

class FakeVolume {
  static readonly __pulumiType = "aws:ebs/volume:Volume";
}
class FakeBucket {
  static readonly __pulumiType = "aws:s3/bucket:Bucket";
}
type ResourceClass = Parameters<ResourceValidationArgs["isType"]>[0];
type ResourceArgsClass = Parameters<ResourceValidationArgs["asType"]>[0];
const asClass = (c: unknown) => c as ResourceClass & ResourceArgsClass;

function probePack(
  policies: Array<ResourceValidationPolicy | StackValidationPolicy>,
): PackUnderTest {
  return { name: "probe", version: "1.0.0", enforcementLevel: "mandatory", policies };
}

describe("policy runner: arguments mirror the engine's", () => {
  const plan = planOf((b) => {
    const parent = b.component("openemr:tier:Test", "tier");
    const key = b.add("aws:kms/key:Key", "key", { enableKeyRotation: true });
    b.add(
      "aws:ebs/volume:Volume",
      "data",
      { encrypted: true, kmsKeyId: ref(key), size: COMPUTED },
      { parent, protect: true, dependsOn: [key] },
    );
    b.add("aws:s3/bucket:Bucket", "docs", {});
  });
  plan.resources.find((r) => r.name === "data")!.opts.ignoreChanges = ["tags"];

  it("gives resource policies type, urn, name, opts, provider, stack tags, isType/asType, getConfig and notApplicable", async () => {
    const seen: ResourceValidationArgs[] = [];
    const probe: ResourceValidationPolicy = {
      name: "probe",
      description: "records its arguments",
      configSchema: {
        properties: {
          threshold: { type: "integer", default: 3 },
          label: { type: "string", default: "x" },
        },
      },
      validateResource: (args) => {
        if (!args.isType(asClass(FakeVolume))) {
          args.notApplicable("volumes only");
        }
        seen.push(args);
      },
    };
    const block = await runPack(probePack([probe]), plan, { probe: { label: "y" } });
    expect(block.violations).to.deep.equal([]);
    expect(seen).to.have.length(1);
    const args = seen[0];
    const data = find(plan, "data");
    expect({ type: args.type, urn: args.urn, name: args.name }).to.deep.equal({
      type: data.type,
      urn: data.urn,
      name: "data",
    });
    expect(args.opts).to.deep.equal({
      protect: true,
      ignoreChanges: ["tags"],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      parent: find(plan, "tier").urn,
    });
    expect(args.provider?.type).to.equal("pulumi:providers:aws");
    expect(args.provider?.props["region"]).to.equal("us-east-1");
    expect(args.stackTags.get("pulumi:project")).to.equal("openemr-aws");
    expect(args.getConfig()).to.deep.equal({ threshold: 3, label: "y" });
    expect(args.asType(asClass(FakeVolume))).to.equal(args.props);
    expect(args.asType(asClass(FakeBucket))).to.equal(undefined);
    expect(args.props["encrypted"]).to.equal(true);
    expect("kmsKeyId" in args.props).to.equal(true);
    const read = (key: string): unknown => args.props[key];
    expect(() => read("kmsKeyId")).to.throw(UnknownValueError);
    expect(() => read("size")).to.throw(
      UnknownValueError,
      "value at .size can't be known during preview",
    );
  });

  it("gives stack policies every resource with parent, dependencies and property dependencies resolved", async () => {
    let seen: StackValidationArgs | undefined;
    const probe: StackValidationPolicy = {
      name: "probe",
      description: "records its arguments",
      validateStack: (args) => {
        seen = args;
      },
    };
    await runPack(probePack([probe]), plan);
    const resources = seen?.resources ?? [];
    expect(resources.map((r) => r.name)).to.deep.equal(plan.resources.map((r) => r.name));
    const byName = (n: string): PolicyResource => resources.find((r) => r.name === n)!;
    const data = byName("data");
    expect(data.parent).to.equal(byName("tier"));
    expect(data.dependencies).to.deep.equal([byName("key")]);
    expect(data.propertyDependencies).to.deep.equal({ kmsKeyId: [byName("key")] });
    expect(data.isType(asClass(FakeVolume))).to.equal(true);
    expect(byName("tier").provider).to.equal(undefined);
    expect(seen?.getConfig()).to.deep.equal({});
  });

  it("uses the plan's provider resource when it has one", async () => {
    const withProvider = structuredClone(plan);
    withProvider.resources.push({
      ...structuredClone(find(plan, "key")),
      urn: "urn:pulumi:test::openemr-aws::pulumi:providers:aws::eu",
      type: "pulumi:providers:aws",
      name: "eu",
      props: { region: "eu-central-1" },
    });
    let region: unknown;
    const probe: ResourceValidationPolicy = {
      name: "probe",
      description: "records the provider",
      validateResource: (args) => {
        if (args.name === "data") region = args.provider?.props["region"];
      },
    };
    await runPack(probePack([probe]), withProvider);
    expect(region).to.equal("eu-central-1");
  });

  it("fails loudly when a policy throws something other than an unknown value", async () => {
    const probe: ResourceValidationPolicy = {
      name: "broken",
      description: "throws",
      validateResource: () => {
        throw new Error("boom");
      },
    };
    let error: unknown;
    try {
      await runPack(probePack([probe]), plan);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.match(
      /Error validating resource urn:.* with policy 'broken' from policy pack 'probe@v1.0.0': boom/,
    );
  });

  it("runs the real pack through the same entry point", async () => {
    expect(PACK.policies).to.equal(policies);
    const block = await runPolicyPack(
      single("aws:kms/key:Key", "key", { enableKeyRotation: true }),
    );
    expect(block).to.deep.equal({ pack: "openemr-aws-hipaa", passed: true, violations: [] });
  });
});
