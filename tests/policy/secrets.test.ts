import { expect } from "chai";
import { COMPUTED } from "../../tools/plan/types";
import { editJson, mutate, resource, setProp, stringAt, type Target } from "../helpers/mutate";
import {
  check,
  expectPass,
  expectViolation,
  fargate,
  previewAdvisoriesOf,
  violationsOf,
} from "./verdict";

interface ContainerDefinition {
  name: string;
  environment?: Array<{ name: string; value: string }>;
  secrets?: Array<{ name: string; valueFrom: string }>;
}

describe("ecs-task-no-plaintext-secrets", () => {
  const policy = "ecs-task-no-plaintext-secrets";
  const TASK: Target = ["aws:ecs/taskDefinition:TaskDefinition", "openemr-prod-app-task"];
  /** The fargate plan's task with `extra` added to the OpenEMR container's environment. */
  const withEnvironment = async (...extra: Array<{ name: string; value: string }>) =>
    mutate(
      await fargate(),
      editJson<ContainerDefinition[]>(TASK, "containerDefinitions", (defs) => {
        const openemr = defs.find((d) => d.name === "openemr");
        if (!openemr) throw new Error("the fargate task has no openemr container");
        openemr.environment = [...(openemr.environment ?? []), ...extra];
      }),
    );

  it("passes the fargate plan's task, which passes its credentials by reference", async () => {
    const plan = await fargate();
    const defs = stringAt(resource(plan, TASK), "containerDefinitions");
    const containers = JSON.parse(defs) as ContainerDefinition[];
    const openemr = containers.find((d) => d.name === "openemr");
    expect(openemr?.secrets?.map((s) => s.name)).to.include.members([
      "MYSQL_PASS",
      "REDIS_PASSWORD",
    ]);
    const setup = containers.find((d) => d.name === "openemr-setup");
    expect(setup?.secrets?.map((s) => s.name)).to.include.members(["MYSQL_ROOT_PASS", "OE_PASS"]);
    await expectPass(plan, policy, TASK);
  });
  it("catches a password in a plain environment value, naming variable and container", async () =>
    expectViolation(await withEnvironment({ name: "MYSQL_ROOT_PASS", value: "hunter2" }), policy, {
      resource: "openemr-prod-app-task",
      says: ['"MYSQL_ROOT_PASS"', '"openemr"', "valueFrom"],
    }));
  it("honours secretNamePattern", async () =>
    expectViolation(await withEnvironment({ name: "OPENEMR_SETTING_SMTP", value: "x" }), policy, {
      resource: "openemr-prod-app-task",
      config: { [policy]: { secretNamePattern: "SMTP" } },
      says: ['"OPENEMR_SETTING_SMTP"'],
    }));
  it("gives the preview advisory when the definitions are unknown", async () => {
    const block = await check(
      mutate(await fargate(), setProp(TASK, "containerDefinitions", COMPUTED)),
    );
    expect(violationsOf(block, policy)).to.deep.equal([]);
    expect(previewAdvisoriesOf(block, policy)).to.have.length(1);
  });
});
