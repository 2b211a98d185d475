// SnapshotPolicy on its own: a DLM role that only DLM may assume, for this account only
// (confused-deputy protection), with the AWS managed snapshot policy, and a daily schedule that keeps
// the given number of snapshots of the tagged volumes.
import { expect } from "chai";
import { SnapshotPolicy, dlmTrustConditions } from "../../components/backup/snapshot-policy";
import { MOCK_ACCOUNT } from "../../tools/plan/mocks";
import { type ComponentPlan, inventory, planComponent } from "./harness";

const ROLE = "aws:iam/role:Role";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const DLM = "aws:dlm/lifecyclePolicy:LifecyclePolicy";

describe("SnapshotPolicy", () => {
  let p: ComponentPlan;
  before(async () => {
    p = await planComponent(() => {
      const snapshots = new SnapshotPolicy("openemr-test-snapshots", {
        tagValue: "openemr-test-data",
        retainCount: 7,
        time: "05:30",
      });
      return { policyId: snapshots.policy.id };
    });
  });

  it("creates the role, its managed-policy attachment and the lifecycle policy, under the component", () => {
    const component = p.named("openemr-test-snapshots", "openemr:backup:SnapshotPolicy");
    expect(inventory(p.resources.filter((r) => r.parent === component.urn))).to.have.members([
      `${ROLE}::openemr-test-snapshots-role`,
      `${ATTACHMENT}::openemr-test-snapshots-role-policy`,
      `${DLM}::openemr-test-snapshots`,
    ]);
  });

  it("lets only DLM assume the role, and only for this account whenever DLM names the source account", () => {
    const role = p.named("openemr-test-snapshots-role", ROLE);
    // in place: the role keeps its logical name and autoname (no replacement)
    expect(role.props).to.not.have.property("name");
    expect(JSON.parse(role.props.assumeRolePolicy as string)).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "dlm.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEqualsIfExists: { "aws:SourceAccount": MOCK_ACCOUNT } },
        },
      ],
    });
    // IAM's ...IfExists: the condition holds when the key is absent, otherwise it must match
    const { StringEqualsIfExists: pinned } = dlmTrustConditions(MOCK_ACCOUNT);
    const holds = (context: Record<string, string>) =>
      Object.entries(pinned).every(([k, v]) => context[k] === undefined || context[k] === v);
    expect(holds({ "aws:SourceAccount": MOCK_ACCOUNT }), "this account").to.equal(true);
    expect(holds({ "aws:SourceAccount": "210987654321" }), "another account").to.equal(false);
    expect(holds({}), "DLM sending no source account").to.equal(true);
  });

  it("attaches the AWS managed DLM service-role policy, in the partition it runs in", () => {
    expect(p.named("openemr-test-snapshots-role-policy", ATTACHMENT).props.policyArn).to.equal(
      "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole",
    );
  });

  it("snapshots the tagged volumes daily at the given time and keeps the given number", () => {
    const policy = p.named("openemr-test-snapshots", DLM);
    expect(policy.props).to.deep.include({
      description: "openemr-test-snapshots daily snapshots - 7 kept",
      state: "ENABLED",
      executionRoleArn: `arn:aws:iam::${MOCK_ACCOUNT}:role/openemr-test-snapshots-role`,
    });
    expect(policy.props.policyDetails).to.deep.equal({
      resourceTypes: ["VOLUME"],
      targetTags: { "openemr:snapshot": "openemr-test-data" },
      schedules: [
        {
          name: "daily",
          createRule: { interval: 24, intervalUnit: "HOURS", times: "05:30" },
          retainRule: { count: 7 },
          copyTags: true,
        },
      ],
    });
    // DLM CreateLifecyclePolicy Description: [0-9A-Za-z _-]+, at most 500 characters
    expect(policy.props.description).to.match(/^[0-9A-Za-z _-]{1,500}$/);
  });
});
