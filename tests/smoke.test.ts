import { expect } from "chai";
import { COMPUTED } from "../tools/plan/types";

describe("smoke", () => {
  it("loads the plan types module", () => {
    expect(COMPUTED).to.equal("<computed>");
  });
});
