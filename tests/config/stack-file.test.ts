// Reading Pulumi.<stack>.yaml and --set as the Pulumi CLI does: secure values, the two forms of
// `pulumi config set`, and the string map the program gets.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../../config";
import { planStack } from "../../tools/pipeline/plan-stack";
import {
  Encrypted,
  StackFileError,
  applyOverrides,
  parsePropertyPath,
  programConfig,
  readStackConfig,
  type StackConfig,
} from "../../tools/plan/stack";

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000";

const dirs: string[] = [];

/** A directory holding the given stack files (`name` -> YAML text), removed after the tests. */
function stackDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-file-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), text);
  }
  return dir;
}

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}

async function rejectionOf(run: Promise<unknown>): Promise<Error> {
  try {
    await run;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

const file = (values: StackConfig["values"]): StackConfig => ({
  file: "Pulumi.t.yaml",
  values,
  notes: [],
});

const SECURE = `config:
  aws:region: us-east-1
  aws:secretKey:
    secure: v1:c2VjcmV0LWtleQ==
  openemr:preset: standard
  openemr:alarmEmail:
    secure: v1:YWxhcm1z
  openemr:standard:
    multiAz: true
    dbInstanceClass:
      secure: v1:Y2xhc3M=
`;

describe("stack files", () => {
  after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  describe("reading", () => {
    it("keeps secure values, top-level and nested, as encrypted values", () => {
      const { values } = readStackConfig("s", stackDir({ s: SECURE }));
      expect(values["openemr:alarmEmail"]).to.deep.equal(new Encrypted("v1:YWxhcm1z"));
      expect(values["openemr:standard"]).to.deep.equal({
        multiAz: true,
        dbInstanceClass: new Encrypted("v1:Y2xhc3M="),
      });
      expect(values["openemr:preset"]).to.equal("standard");
    });

    it("reads a map with more than a string `secure` as an ordinary object", () => {
      const text =
        "config:\n  openemr:x:\n    secure: v1:a\n    other: 1\n  openemr:y:\n    secure: 5\n";
      const { values } = readStackConfig("s", stackDir({ s: text }));
      expect(values["openemr:x"]).to.deep.equal({ secure: "v1:a", other: 1 });
      expect(values["openemr:y"]).to.deep.equal({ secure: 5 });
    });

    for (const [text, where, message] of [
      [
        "config:\n  openemr:preset: express\n  openemr:allowedCidrs: [203.0.113.0/24\n  openemr:protectData: false\n",
        "line 4, column 3",
        "Flow sequence in block collection must be sufficiently indented and end with a ]",
      ],
      [
        "config:\n  openemr:preset: express\n  openemr:preset: standard\n",
        "line 3, column 3",
        "Map keys must be unique",
      ],
    ]) {
      it(`names the file, line and column of a YAML error (${message})`, () => {
        const err = errorOf(() => readStackConfig("bad", stackDir({ bad: text })));
        expect(err).to.be.instanceOf(StackFileError);
        expect(err.message.split("\n")[0]).to.equal(`Pulumi.bad.yaml, ${where}: ${message}`);
      });
    }

    it("refuses a key without a namespace, as the CLI does, and reads the old ns:config:name", () => {
      expect(errorOf(() => readStackConfig("../dev", stackDir({}))).message).to.equal(
        "--stack ../dev: a stack name, not a path",
      );
      const err = errorOf(() =>
        readStackConfig("s", stackDir({ s: "config:\n  alarmEmail: it@clinic.example\n" })),
      );
      expect(err).to.be.instanceOf(StackFileError);
      expect(err.message).to.equal(
        'Pulumi.s.yaml: config key "alarmEmail" is not <namespace>:<name>; this program\'s keys are openemr:<name> (e.g. openemr:alarmEmail)',
      );
      const { values } = readStackConfig(
        "s",
        stackDir({ s: "config:\n  openemr:config:preset: express\n" }),
      );
      expect(values).to.deep.equal({ "openemr:preset": "express" });
    });
  });

  describe("--set", () => {
    const staging = () =>
      file({ "openemr:standard": { multiAz: true, dbBackupRetentionDays: 14 } });

    it("sets one member with the path form and keeps the rest of the object", () => {
      const { values, notes } = applyOverrides(staging(), [
        "openemr:standard.multiAz=false",
        "openemr:standard.dbInstanceClass=db.t4g.micro",
      ]);
      expect(values["openemr:standard"]).to.deep.equal({
        multiAz: false,
        dbBackupRetentionDays: 14,
        dbInstanceClass: "db.t4g.micro",
      });
      expect(notes).to.deep.equal([]);
    });

    it("types path values as pulumi config set --path does", () => {
      const sets = ["a=30", "b=true", "c=false", "d=0123", "e=0.5", "f=-3", "g=0", "h=t4g.micro"];
      const { values } = applyOverrides(
        file({}),
        sets.map((s) => `openemr:x.${s}`),
      );
      expect(values["openemr:x"]).to.deep.equal({
        a: 30,
        b: true,
        c: false,
        d: "0123",
        e: "0.5",
        f: -3,
        g: 0,
        h: "t4g.micro",
      });
    });

    it("keeps a whole value a string, replacing the object, and notes what it drops", () => {
      const { values, notes } = applyOverrides(staging(), ['openemr:standard={"multiAz":false}']);
      expect(values["openemr:standard"]).to.equal('{"multiAz":false}');
      expect(notes).to.deep.equal([
        "--set openemr:standard=… replaces the whole object Pulumi.t.yaml sets (as `pulumi config set` without --path does), so dbBackupRetentionDays is no longer set and takes its default; to change one key, --set openemr:standard.<key>=<value>",
      ]);
      expect(
        applyOverrides(staging(), ['openemr:standard={"multiAz":false,"dbBackupRetentionDays":7}'])
          .notes,
      ).to.deep.equal([]);
      expect(applyOverrides(file({}), ['openemr:express={"swapGb":0}']).notes).to.deep.equal([]);
    });

    it("replaces, appends to and refuses positions past a list as the CLI does", () => {
      const cidrs = () => file({ "openemr:allowedCidrs": ["203.0.113.0/24"] });
      expect(
        applyOverrides(cidrs(), ["openemr:allowedCidrs[1]=198.51.100.0/24"]).values[
          "openemr:allowedCidrs"
        ],
      ).to.deep.equal(["203.0.113.0/24", "198.51.100.0/24"]);
      expect(
        applyOverrides(cidrs(), ["allowedCidrs[0]=198.51.100.0/24"]).values["openemr:allowedCidrs"],
      ).to.deep.equal(["198.51.100.0/24"]);
      const err = errorOf(() => applyOverrides(cidrs(), ["openemr:allowedCidrs[3]=192.0.2.0/24"]));
      expect(err).to.be.instanceOf(StackFileError);
      expect(err.message).to.equal(
        "--set openemr:allowedCidrs[3]=192.0.2.0/24: openemr:allowedCidrs[3]: out of range, the list has 1 item(s); [1] appends",
      );
      expect(
        errorOf(() => applyOverrides(cidrs(), ["openemr:allowedCidrs.first=192.0.2.0/24"])).message,
      ).to.equal(
        "--set openemr:allowedCidrs.first=192.0.2.0/24: openemr:allowedCidrs is a list: name a position, openemr:allowedCidrs[0]",
      );
    });

    it("creates the object or list a path names, replaces a top-level scalar, refuses a deeper one", () => {
      expect(
        applyOverrides(file({}), ["openemr:egressAllowedDomains[0]=*.example-erx.com"]).values,
      ).to.deep.equal({ "openemr:egressAllowedDomains": ["*.example-erx.com"] });
      // the CLI's compat rule: a top-level value that is not an object gives way to one
      expect(
        applyOverrides(file({ "openemr:express": "{}" }), ["openemr:express.swapGb=0"]).values,
      ).to.deep.equal({ "openemr:express": { swapGb: 0 } });
      const err = errorOf(() => applyOverrides(staging(), ["openemr:standard.multiAz.x=1"]));
      expect(err.message).to.equal(
        "--set openemr:standard.multiAz.x=1: openemr:standard.multiAz is true, not an object",
      );
    });

    it("reads quoted path segments and refuses malformed keys", () => {
      expect(parsePropertyPath('express["instanceType"]')).to.deep.equal([
        "express",
        "instanceType",
      ]);
      expect(parsePropertyPath('["a.b"].["c"][2].d')).to.deep.equal(["a.b", "c", 2, "d"]);
      for (const [set, why] of [
        ["novalue", "expected key=value"],
        ["=x", "expected key=value"],
        [
          "openemr:express..swapGb=1",
          'not a key path: expected a name at character 9 of "express..swapGb"',
        ],
        [
          "openemr:allowedCidrs[x]=1",
          'not a key path: expected a list position such as [0] at character 13 of "allowedCidrs[x]"',
        ],
        ["openemr:[0]=1", "a key path starts with a setting's name"],
        [":preset=express", "expected <namespace>:<name>=value"],
      ]) {
        const err = errorOf(() => applyOverrides(file({}), [set]));
        expect(err, set).to.be.instanceOf(StackFileError);
        expect(err.message, set).to.equal(`--set ${set}: ${why}`);
      }
    });
  });

  describe("what the program gets", () => {
    it("hands strings through and JSON-encodes everything else, as pulumi up does", () => {
      const { values, encrypted } = programConfig(
        file({
          "openemr:preset": "express",
          "openemr:protectData": false,
          "openemr:monthlyBudgetUsd": 120.5,
          "openemr:allowedCidrs": ["203.0.113.0/24"],
          "openemr:express": { swapGb: 0 },
        }),
      );
      expect(values).to.deep.equal({
        "openemr:preset": "express",
        "openemr:protectData": "false",
        "openemr:monthlyBudgetUsd": "120.5",
        "openemr:allowedCidrs": '["203.0.113.0/24"]',
        "openemr:express": '{"swapGb":0}',
      });
      expect(encrypted).to.deep.equal([]);
    });

    it("lists the secure values the program reads, with their paths, and no provider secret", () => {
      const { encrypted } = programConfig(readStackConfig("s", stackDir({ s: SECURE })));
      expect(encrypted.map((e) => e.path)).to.deep.equal([
        "openemr:alarmEmail",
        "openemr:standard.dbInstanceClass",
      ]);
    });
  });

  describe("the plan of a stack with secure values", () => {
    const root = stackDir({
      s: SECURE,
      typo: `${SECURE}  aws:regoin: us-east-1\n  openemr:vpcCidr: 10.0.0.0/8\n`,
    });

    it("names each secure value it cannot decrypt and how to supply it", async () => {
      const err = await rejectionOf(planStack("s", [], root));
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).problems).to.deep.equal([
        "openemr:alarmEmail: is encrypted (secure) in Pulumi.s.yaml, and the offline plan cannot decrypt it (pulumi up gets it decrypted from the Pulumi CLI); give its plain value with --set openemr:alarmEmail=<value>",
        "openemr:standard.dbInstanceClass: is encrypted (secure) in Pulumi.s.yaml, and the offline plan cannot decrypt it (pulumi up gets it decrypted from the Pulumi CLI); give its plain value with --set openemr:standard.dbInstanceClass=<value>",
      ]);
    });

    it("reports the other problems with them, not the placeholder's", async () => {
      const err = await rejectionOf(planStack("typo", [], root));
      const problems = (err as ConfigError).problems;
      expect(problems).to.have.length(4);
      expect(problems[2]).to.match(/^aws:regoin: .*did you mean aws:region\?$/);
      expect(problems[3]).to.match(/^openemr:vpcCidr: got "10.0.0.0\/8"/);
    });

    it("plans once --set supplies them, the path form merging into the object", async () => {
      const { plan } = await planStack(
        "s",
        ["openemr:alarmEmail=it@clinic.example", "openemr:standard.dbInstanceClass=db.t4g.micro"],
        root,
      );
      const db = plan.resources.find((r) => r.type === "aws:rds/instance:Instance")!;
      expect(db.props).to.include({ instanceClass: "db.t4g.micro", multiAz: true });
      const subscription = plan.resources.find(
        (r) => r.type === "aws:sns/topicSubscription:TopicSubscription",
      )!;
      expect(subscription.props).to.include({ protocol: "email", endpoint: "it@clinic.example" });
    });

    it("takes a whole --set over a secure value, as over any other", async () => {
      const { plan } = await planStack(
        "s",
        ["openemr:alarmEmail=it@clinic.example", 'openemr:standard={"multiAz":false}'],
        root,
      );
      const db = plan.resources.find((r) => r.type === "aws:rds/instance:Instance")!;
      expect(db.props).to.include({ instanceClass: "db.t4g.small", multiAz: false });
    });

    it("reports a YAML error as a stack file error", async () => {
      const dir = stackDir({ y: "config:\n  openemr:preset: express\n\topenemr:x: 1\n" });
      const err = await rejectionOf(planStack("y", [], dir));
      expect(err).to.be.instanceOf(StackFileError);
      expect(err.message).to.match(
        /^Pulumi\.y\.yaml, line 3, column 1: Tabs are not allowed as indentation\n/,
      );
    });
  });

  it("plans a fargate stack whose certificate is set by path as by a whole value", async () => {
    const root = stackDir({
      f: "config:\n  aws:region: us-east-1\n  openemr:preset: fargate\n  openemr:allowedCidrs:\n    - 198.51.100.0/24\n",
    });
    const [byPath, whole] = await Promise.all([
      planStack("f", [`openemr:certificateArn=${CERT}`, "openemr:fargate.minTasks=3"], root),
      planStack("f", [`openemr:certificateArn=${CERT}`, 'openemr:fargate={"minTasks":3}'], root),
    ]);
    expect(byPath.json).to.equal(whole.json);
  });
});
