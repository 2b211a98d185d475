// openemr:iamPermissionsBoundary: every IAM role of every preset carries the boundary when it is
// set (the CI deploy roles of docs/ci.md may create roles only with it), and none when it is not.
import { expect } from "chai";
import { EXPRESS_PLUS, planStack } from "../helpers/plan";
import { ofType, prop } from "../helpers/resources";

const BOUNDARY = "arn:aws:iam::123456789012:policy/openemr-workload-boundary";
const ROLE = "aws:iam/role:Role";

describe("IAM permissions boundary (openemr:iamPermissionsBoundary)", () => {
  for (const [label, stack, sets] of [
    ["express", "dev", {}],
    ["express-plus", "dev", EXPRESS_PLUS],
    ["standard", "staging", {}],
    ["fargate", "prod", {}],
  ] as const) {
    it(`puts it on every role of ${label}`, async () => {
      const plan = await planStack(stack, { ...sets, "openemr:iamPermissionsBoundary": BOUNDARY });
      const roles = ofType(plan, ROLE);
      expect(roles.length, "roles in the plan").to.be.greaterThan(1);
      for (const role of roles) {
        expect(prop(role, "permissionsBoundary"), role.name).to.equal(BOUNDARY);
      }
    });

    it(`leaves ${label}'s roles unbounded when it is not set`, async () => {
      const plan = await planStack(stack, sets);
      for (const role of ofType(plan, ROLE)) {
        expect(role.props, role.name).to.not.have.property("permissionsBoundary");
      }
    });
  }
});
