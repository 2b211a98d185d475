import { expect } from "chai";
import { COMPUTED } from "../../tools/plan/types";
import {
  check,
  expectPass,
  expectViolation,
  fargatePlan,
  previewAdvisoriesOf,
  single,
  violationsOf,
} from "./fixtures";

describe("ecs-task-no-plaintext-secrets", () => {
  const policy = "ecs-task-no-plaintext-secrets";
  const TASK = "aws:ecs/taskDefinition:TaskDefinition";
  const task = (environment: Array<{ name: string; value: string }>) =>
    single(TASK, "task", {
      family: "openemr",
      containerDefinitions: JSON.stringify([
        {
          name: "openemr",
          image: "openemr/openemr:8.1.0",
          environment,
          secrets: [{ name: "MYSQL_PASS", valueFrom: "arn" }],
        },
      ]),
    });
  it("passes secrets passed by reference (the fargate fixture)", () =>
    expectPass(fargatePlan(), policy));
  it("catches a password in a plain environment value, naming variable and container", () =>
    expectViolation(
      task([
        { name: "MYSQL_ROOT_PASS", value: "hunter2" },
        { name: "MYSQL_HOST", value: "db" },
      ]),
      policy,
      {
        resource: "task",
        says: ['"MYSQL_ROOT_PASS"', '"openemr"', "valueFrom"],
      },
    ));
  it("honours secretNamePattern", () =>
    expectViolation(task([{ name: "OPENEMR_SETTING_SMTP", value: "x" }]), policy, {
      resource: "task",
      config: { [policy]: { secretNamePattern: "SMTP" } },
      says: ['"OPENEMR_SETTING_SMTP"'],
    }));
  it("gives the preview advisory when the definitions are unknown", async () => {
    const block = await check(
      single(TASK, "task", { family: "openemr", containerDefinitions: COMPUTED }),
    );
    expect(violationsOf(block, policy)).to.deep.equal([]);
    expect(previewAdvisoriesOf(block, policy)).to.have.length(1);
  });
});
