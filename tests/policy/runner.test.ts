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
import { COMPUTED, type PlanFile } from "../../tools/plan/types";
import {
  PACK,
  PolicyConfigError,
  resolvePackConfig,
  runPack,
  runPolicyPack,
  type PackUnderTest,
} from "../../tools/policy/run";
import {
  addResource,
  copyResource,
  editProps,
  editResource,
  mutate,
  resource,
  setProp,
  unsetProp,
  type Target,
} from "../helpers/mutate";
import {
  check,
  CMK_MANDATORY,
  named,
  previewAdvisoriesOf,
  standard,
  violationsOf,
} from "./verdict";

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

const SECRET: Target = ["aws:secretsmanager/secret:Secret", "openemr-staging-db-master-secret"];
const VOLUME: Target = ["aws:ebs/volume:Volume", "openemr-staging-web-data"];
const TRAIL: Target = ["aws:cloudtrail/trail:Trail", "openemr-staging-audit-trail"];

describe("policy runner: enforcement levels", () => {
  /** The standard plan with its database secret on the AWS-managed key. */
  const secret = async () => mutate(await standard(), unsetProp(SECRET, "kmsKeyId"));
  const levelOf = async (config?: Record<string, unknown>) =>
    violationsOf(
      await check(await secret(), config),
      "secretsmanager-secret-customer-managed-key",
    ).map((v) => v.level);

  it("uses the policy's own level (advisory for customer-managed keys), else the pack's (mandatory)", async () => {
    expect(await levelOf()).to.deep.equal(["advisory"]);
    const volume = await check(mutate(await standard(), unsetProp(VOLUME, "encrypted")));
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
    const advisoryOnly = await check(await secret());
    expect(advisoryOnly.violations).to.have.length.greaterThan(0);
    expect(advisoryOnly.passed).to.equal(true);
    expect((await check(await secret(), CMK_MANDATORY)).passed).to.equal(false);
    expect(advisoryOnly.pack).to.equal("openemr-aws-hipaa");
  });
});

describe("policy runner: unknown values, as in pulumi preview", () => {
  it("keeps a presence check mandatory: an unknown value counts as set, a missing one fails", async () => {
    const unknown = await check(mutate(await standard(), setProp(TRAIL, "kmsKeyId", COMPUTED)));
    expect(unknown.violations.filter((v) => v.policy === "cloudtrail-encrypted")).to.deep.equal([]);
    const missing = await check(mutate(await standard(), unsetProp(TRAIL, "kmsKeyId")));
    expect(violationsOf(missing, "cloudtrail-encrypted").map((v) => v.level)).to.deep.equal([
      "mandatory",
    ]);
  });
  it("keeps customer-managed-key presence checks mandatory under config.cmk-mandatory.json", async () => {
    const APP: Target = ["aws:cloudwatch/logGroup:LogGroup", "openemr-staging-containers"];
    const plan = mutate(await standard(), setProp(APP, "kmsKeyId", COMPUTED));
    expect((await check(plan, CMK_MANDATORY)).violations).to.deep.equal([]);
    const withoutKey = mutate(plan, unsetProp(APP, "kmsKeyId"));
    expect(
      violationsOf(
        await check(withoutKey, CMK_MANDATORY),
        "cloudwatch-log-group-customer-managed-key",
      )[0].level,
    ).to.equal("mandatory");
  });
  it("turns a value check on an unknown into the engine's advisory 'can't run policy ... during preview'", async () => {
    const plan = mutate(
      await standard(),
      setProp(VOLUME, "encrypted", COMPUTED),
      setProp(VOLUME, "kmsKeyId", COMPUTED),
    );
    const block = await check(plan);
    expect(block.violations).to.deep.equal([
      {
        policy: "ebs-volume-encrypted",
        level: "advisory",
        urn: named(plan, "openemr-staging-web-data").urn,
        message: `can't run policy 'ebs-volume-encrypted' from policy pack 'openemr-aws-hipaa@v${packJson.version}' during preview: string value at .encrypted can't be known during preview`,
      },
    ]);
    expect(block.passed).to.equal(true);
  });
  it("still reports the mandatory violations a policy found before reading the unknown", async () => {
    const HTTPS: Target = ["aws:lb/listener:Listener", "openemr-staging-lb-https"];
    const block = await check(
      mutate(
        await standard(),
        unsetProp(HTTPS, "certificateArn"),
        setProp(HTTPS, "sslPolicy", COMPUTED),
        setProp(HTTPS, "defaultActions", []),
      ),
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
    const plan = mutate(
      await standard(),
      setProp(
        ["aws:s3/bucketPolicy:BucketPolicy", "openemr-staging-audit-logs-policy"],
        "policy",
        COMPUTED,
      ),
      // a copy of a real bucket without any of its settings resources
      copyResource(
        ["aws:s3/bucket:Bucket", "openemr-staging-lb-access-logs"],
        "openemr-staging-bare",
      ),
    );
    const block = await check(plan);
    expect(violationsOf(block, "s3-bucket-tls-only").map((v) => v.urn)).to.deep.equal([
      named(plan, "openemr-staging-bare").urn,
    ]);
    expect(previewAdvisoriesOf(block, "s3-bucket-tls-only")).to.have.length(1);
  });
  it("checks unknowns nested in arrays", async () => {
    const plan = mutate(
      await standard(),
      editProps(["aws:ec2/securityGroup:SecurityGroup", "openemr-staging-web-sg"], (props) => {
        props["ingress"] = [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [COMPUTED] }];
      }),
    );
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
  const KEY: Target = ["aws:kms/key:Key", "openemr-staging-key-key"];
  const WEB: Target = ["aws:ec2/instance:Instance", "openemr-staging-web"];
  const COMPONENT: Target = ["openemr:compute:WebInstance", "openemr-staging-web"];
  let plan: PlanFile;
  before(async () => {
    // The standard plan's data volume, with unknown values, an explicit dependency on its key
    // (which it also depends on through kmsKeyId) and options set.
    const base = await standard();
    plan = mutate(
      base,
      setProp(VOLUME, "kmsKeyId", COMPUTED),
      setProp(VOLUME, "size", COMPUTED),
      editResource(VOLUME, (r) => {
        r.opts.protect = true;
        r.opts.dependsOn = [resource(base, KEY).urn];
        r.opts.ignoreChanges = ["tags"];
      }),
    );
  });

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
    const data = resource(plan, VOLUME);
    expect({ type: args.type, urn: args.urn, name: args.name }).to.deep.equal({
      type: "aws:ebs/volume:Volume",
      urn: data.urn,
      name: "openemr-staging-web-data",
    });
    expect(args.opts).to.deep.equal({
      protect: true,
      ignoreChanges: ["tags"],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      parent: resource(plan, COMPONENT).urn,
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
    const byUrn = (t: Target): PolicyResource =>
      resources.find((r) => r.urn === resource(plan, t).urn)!;
    const data = byUrn(VOLUME);
    expect(data.parent).to.equal(byUrn(COMPONENT));
    expect(data.dependencies).to.deep.equal([byUrn(KEY), byUrn(WEB)]);
    expect(data.propertyDependencies).to.deep.equal({
      availabilityZone: [byUrn(WEB)],
      kmsKeyId: [byUrn(KEY)],
    });
    expect(data.isType(asClass(FakeVolume))).to.equal(true);
    expect(byUrn(COMPONENT).provider).to.equal(undefined);
    expect(seen?.getConfig()).to.deep.equal({});
  });

  it("uses the plan's provider resource when it has one", async () => {
    // The program sets no explicit provider: a small hand-written one.
    const withProvider = mutate(
      plan,
      addResource({ type: "pulumi:providers:aws", name: "eu", props: { region: "eu-central-1" } }),
    );
    let region: unknown;
    const probe: ResourceValidationPolicy = {
      name: "probe",
      description: "records the provider",
      validateResource: (args) => {
        if (args.name === "openemr-staging-web-data") region = args.provider?.props["region"];
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

  it("runs the real pack through the same entry point, with the stack's config file", async () => {
    expect(PACK.policies).to.equal(policies);
    const block = await runPolicyPack(await standard());
    expect(block).to.deep.equal({
      pack: "openemr-aws-hipaa",
      passed: true,
      violations: [],
      config: "policy/config.staging.json",
    });
  });
});
