// EncryptionKey on its own: the resources and their wiring (rotation, deletion window, alias,
// protect, the policy built from the account, region and partition the provider reports). The
// policy's statements themselves are tested in tests/keys/encryption-key.test.ts.
import { expect } from "chai";
import { EncryptionKey, keyPolicyDocument } from "../../components/keys/encryption-key";
import { MOCK_ACCOUNT } from "../../tools/plan/mocks";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const KEY = "aws:kms/key:Key";
const ALIAS = "aws:kms/alias:Alias";

describe("EncryptionKey", () => {
  describe("protected, with tags", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(() => {
        const key = new EncryptionKey("openemr-test-logs", {
          region: "us-east-1",
          description: "openemr-test: logs and alarms",
          users: ["logs", "sns", "logs"],
          protect: true,
          tags: { "openemr:tier": "standard" },
        });
        return { arn: key.arn, keyId: key.keyId, aliasArn: key.alias.arn };
      });
    });

    it("creates exactly a key and its alias, both children of the component", () => {
      const component = p.named("openemr-test-logs", "openemr:keys:EncryptionKey");
      expect(inventory(p.resources)).to.have.members([
        "openemr:keys:EncryptionKey::openemr-test-logs",
        `${KEY}::openemr-test-logs-key`,
        `${ALIAS}::openemr-test-logs-alias`,
      ]);
      expect(p.resources).to.have.length(3);
      for (const child of [p.named("openemr-test-logs-key"), p.named("openemr-test-logs-alias")]) {
        expect(child.parent, child.name).to.equal(component.urn);
      }
    });

    it("rotates yearly, waits the longest deletion window (30 days) and is protected", () => {
      const key = p.named("openemr-test-logs-key", KEY);
      const { policy: _policy, ...props } = key.props;
      expect(props).to.deep.equal({
        description: "openemr-test: logs and alarms",
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: 30,
        tags: { "openemr:tier": "standard" },
      });
      expect(key.opts.protect).to.equal(true);
    });

    it("builds the policy for its users from the account, region and partition the provider reports", () => {
      const policy = p.named("openemr-test-logs-key", KEY).props.policy as string;
      expect(JSON.parse(policy)).to.deep.equal(
        keyPolicyDocument(["logs", "sns"], MOCK_ACCOUNT, "us-east-1", "aws"),
      );
    });

    it("names the alias alias/<name> and points it at the key's id", () => {
      const alias = p.named("openemr-test-logs-alias", ALIAS);
      expect(alias.props).to.deep.equal({
        name: "alias/openemr-test-logs",
        targetKeyId: p.outputs.keyId,
      });
      expect(p.dependenciesOf(alias, "targetKeyId").map((r) => r.name)).to.deep.equal([
        "openemr-test-logs-key",
      ]);
      // the alias can be replaced; only the key material needs protecting
      expect(alias.opts.protect).to.equal(false);
    });

    it("exposes the key's ARN and key id", () => {
      expect(p.outputs.keyId).to.be.a("string").and.not.equal("");
      expect(p.outputs.arn).to.equal(
        `arn:aws:kms:us-east-1:${MOCK_ACCOUNT}:key/${p.outputs.keyId as string}`,
      );
    });
  });

  describe("unprotected, without tags", () => {
    let p: ComponentPlan;
    before(async () => {
      p = await planComponent(() => {
        new EncryptionKey("scratch", {
          region: "us-east-1",
          description: "throwaway",
          users: ["s3"],
          protect: false,
        });
      });
    });

    it("leaves the key unprotected, still rotating yearly", () => {
      const key = p.named("scratch-key", KEY);
      expect(key.opts.protect).to.equal(false);
      expect(key.props.enableKeyRotation).to.equal(true);
      expect(key.props.rotationPeriodInDays).to.equal(365);
      expect(key.props).to.not.have.property("tags");
    });

    it("keeps the 30-day deletion window too: `protect` does not shorten it", () => {
      // EncryptionKeyArgs.protect reads "use the longest AWS deletion window", as if an
      // unprotected key got a shorter one; it does not
      expect(p.named("scratch-key", KEY).props.deletionWindowInDays).to.equal(30);
    });

    it("grants only the named users beside the account's administration", () => {
      const policy = JSON.parse(p.named("scratch-key", KEY).props.policy as string) as {
        Statement: { Sid: string }[];
      };
      expect(policy.Statement.map((s) => s.Sid)).to.deep.equal([
        "AccountAdministersKey",
        "S3InThisAccount",
      ]);
    });
  });
});
