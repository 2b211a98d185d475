import { expect } from "chai";
import { serviceTrustPolicy } from "../../components/iam/trust";
import { planStack } from "../helpers/plan";
import { ofType, prop } from "../helpers/resources";

describe("service role trust policies", () => {
  it("let exactly the named service assume the role, with the conditions given", () => {
    expect(serviceTrustPolicy("ec2.amazonaws.com")).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    });
    const scoped = serviceTrustPolicy("cloudtrail.amazonaws.com", {
      StringEquals: { "aws:SourceAccount": "123456789012" },
    });
    expect(scoped.Statement[0])
      .to.have.property("Condition")
      .that.deep.equals({
        StringEquals: { "aws:SourceAccount": "123456789012" },
      });
  });

  it("are what every role of the standard tier carries", async () => {
    const plan = await planStack("staging");
    const services = ofType(plan, "aws:iam/role:Role").map((r) => {
      const doc = JSON.parse(prop<string>(r, "assumeRolePolicy")) as ReturnType<
        typeof serviceTrustPolicy
      >;
      expect(doc.Statement, r.name).to.have.length(1);
      return doc.Statement[0].Principal.Service;
    });
    expect(services.sort()).to.deep.equal([
      "backup.amazonaws.com",
      "cloudtrail.amazonaws.com",
      "ec2.amazonaws.com",
      "vpc-flow-logs.amazonaws.com",
    ]);
  });
});
