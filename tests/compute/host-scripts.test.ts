// Host scripts reaching running hosts: the user data holds only the boot scripts, every other
// script is in the stack's SSM parameters, and a State Manager association per EC2 host runs
// openemr-install-scripts with their entries and a digest of their text, so a script change is an
// in-place update of the association (which SSM runs at once), never a user-data change.
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import {
  BOOT_SCRIPTS,
  compactScript,
  PARAMETER_SCRIPTS,
  readScript,
  scriptTarget,
  USER_DATA_LIMIT,
} from "../../components/compute/user-data";
import {
  DIGEST_PATTERN,
  ENTRIES_PATTERN,
  type HostScriptEntry,
  type HostScriptsDocumentContent,
  hostScriptsDocumentContent,
  installerEncoding,
  hostScriptsFailedPattern,
  scriptsDigest,
} from "../../components/maintenance/host-scripts";
import { diffPlans } from "../../tools/diff/diff";
import type { PlanFile } from "../../tools/plan/types";
import { planStack } from "../helpers/plan";
import { dependencyOf, ofType, one, prop } from "../helpers/resources";

const ASSOCIATION = "aws:ssm/association:Association";
const PARAMETER = "aws:ssm/parameter:Parameter";
const INSTANCE = "aws:ec2/instance:Instance";
const DOCUMENT = "aws:ssm/document:Document";

function userData(plan: PlanFile): { env: Record<string, string>; files: string[]; raw: string } {
  const raw = prop<string>(one(plan, INSTANCE), "userData");
  const doc = parse(raw) as { write_files: { path: string; content: string }[] };
  const text = doc.write_files.find((f) => f.path === "/etc/openemr/deploy.env")!.content;
  const env = Object.fromEntries(
    [...text.matchAll(/^([A-Z][A-Z0-9_]*)='([^'\n]*)'$/gm)].map(([, k, v]) => [k, v]),
  );
  return { env, files: doc.write_files.map((f) => f.path), raw };
}

/** The entries as the host would install them today, from the scripts on disk. */
function entriesOnDisk(argument: string): HostScriptEntry[] {
  const byTarget = new Map(PARAMETER_SCRIPTS.map((f) => [scriptTarget(f), f]));
  return argument.split(" ").map((entry) => {
    const target = entry.slice(0, entry.indexOf("="));
    const [base, chunks] = entry.slice(entry.indexOf("=") + 1).split(":");
    const file = byTarget.get(target);
    if (!file) throw new Error(`no parameter script installs ${target}`);
    return { target, base, chunks: Number(chunks), text: compactScript(readScript(file)) };
  });
}

describe("host scripts: the digest and the document", () => {
  const entries: HostScriptEntry[] = entriesOnDisk(
    "/usr/local/sbin/openemr-restore=/openemr/t/scripts/restore:1 /usr/local/sbin/openemr-backup=/openemr/t/scripts/backup:1",
  );

  it("changes the digest when a script's installed text changes, and only then", () => {
    const digest = scriptsDigest(entries);
    expect(digest).to.match(new RegExp(DIGEST_PATTERN));
    expect(
      scriptsDigest(entriesOnDisk(entries.map((e) => `${e.target}=${e.base}:1`).join(" "))),
    ).to.equal(digest);
    const fixed = entries.map((e, i) => (i === 0 ? { ...e, text: `${e.text}\necho fixed` } : e));
    expect(scriptsDigest(fixed)).to.not.equal(digest);
    // a part more, or a script moved elsewhere, is a change too
    expect(scriptsDigest([{ ...entries[0], chunks: 2 }, entries[1]])).to.not.equal(digest);
    expect(scriptsDigest([{ ...entries[0], target: "/usr/local/bin/x" }, entries[1]])).to.not.equal(
      digest,
    );
  });

  it("substitutes only checked parameters, the entries as separate words for install-scripts", () => {
    const c: HostScriptsDocumentContent = hostScriptsDocumentContent();
    expect(c.schemaVersion).to.equal("2.2");
    const refs = JSON.stringify(c).match(/\{\{ *\w+ *\}\}/g);
    expect(refs).to.deep.equal(["{{ digest }}", "{{ entries }}"]);
    const commands = c.mainSteps[0].inputs.runCommand;
    expect(commands.at(-1)).to.equal("exec /usr/local/sbin/openemr-install-scripts {{ entries }}");
    const pattern = new RegExp(c.parameters.entries.allowedPattern);
    expect(c.parameters.entries.allowedPattern).to.equal(ENTRIES_PATTERN);
    expect(pattern.test("/usr/local/sbin/a=/openemr/t/scripts/a:1 /x/b=/openemr/t/b:12")).to.equal(
      true,
    );
    for (const bad of [
      "",
      "/a=/b:0",
      "/a=/b:1;rm -rf /",
      "/a=/b:1  /c=/d:1",
      "/a=/b:$(id)",
      "relative=/b:1",
      "/a=/b:1 ",
    ]) {
      expect(pattern.test(bad), bad).to.equal(false);
    }
  });

  it("writes the current installer first, then runs it with each entry as its own argument", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "host-scripts-doc-"));
    try {
      // a host set up before the installer took arguments: its old copy must not be what runs
      const installer = path.join(dir, "openemr-install-scripts");
      fs.writeFileSync(installer, "#!/bin/bash\necho old installer\n", { mode: 0o755 });
      fs.writeFileSync(path.join(dir, "deploy.env"), "REGION='us-east-1'\n");
      // aws ssm get-parameter: each parameter holds one whole script naming its own parameter
      const bin = path.join(dir, "bin");
      fs.mkdirSync(bin);
      fs.writeFileSync(
        path.join(bin, "aws"),
        '#!/bin/bash\nwhile [ "$1" != --name ]; do shift; done\nprintf \'#!/bin/sh\\necho %s\\n\' "$2" | gzip | base64 -w0\n',
        { mode: 0o755 },
      );
      const script = hostScriptsDocumentContent()
        .mainSteps[0].inputs.runCommand.join("\n")
        .replaceAll("/usr/local/sbin/openemr-install-scripts", installer)
        .replaceAll("/etc/openemr/deploy.env", path.join(dir, "deploy.env"))
        .replaceAll("{{ digest }}", "ab".repeat(32))
        .replaceAll("{{ entries }}", `${dir}/a=/p/a:1 ${dir}/b=/p/b:1`);
      const out = execFileSync("/bin/bash", ["-c", script], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, OPENEMR_ETC: dir },
      });
      expect(fs.readFileSync(installer, "utf8")).to.equal(
        compactScript(readScript("install-scripts.sh")),
      );
      expect(fs.statSync(installer).mode & 0o777).to.equal(0o755);
      expect(out.split("\n")).to.deep.equal([
        `host scripts ${"ab".repeat(32)}`,
        `openemr-install-scripts: ${dir}/a from /p/a (1 parameters)`,
        `openemr-install-scripts: ${dir}/b from /p/b (1 parameters)`,
        "",
      ]);
      expect(fs.readFileSync(path.join(dir, "a"), "utf8")).to.equal("#!/bin/sh\necho /p/a/1\n");
      expect(fs.readFileSync(path.join(dir, "b"), "utf8")).to.equal("#!/bin/sh\necho /p/b/1\n");
      expect(
        fs
          .readdirSync(dir)
          .filter((f) => f.includes("."))
          .sort(),
      ).to.deep.equal(["deploy.env"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("puts the installer into the digest: a new installer reruns the association", () => {
    const digest = scriptsDigest(entries);
    expect(scriptsDigest(entries, installerEncoding())).to.equal(digest);
    expect(scriptsDigest(entries, `${installerEncoding()}AA==`)).to.not.equal(digest);
    expect(() => hostScriptsDocumentContent("x'; rm -rf /")).to.throw("not base64");
  });

  it("sends a failed run of this association only to the alarm topic's rule", () => {
    expect(hostScriptsFailedPattern("abc")).to.deep.equal({
      source: ["aws.ssm"],
      "detail-type": ["EC2 State Manager Instance Association State Change"],
      detail: { "association-id": ["abc"], status: ["Failed"] },
    });
  });
});

describe("host scripts in the stacks' plans", function () {
  this.timeout(300000);
  const presets: [string, string, Record<string, string>][] = [
    ["express", "dev", {}],
    ["express-plus", "dev", { "openemr:preset": "express-plus", "openemr:protectData": "true" }],
    [
      "express-plus with restoreFrom",
      "dev",
      {
        "openemr:preset": "express-plus",
        "openemr:restoreFrom": "s3://clinic-backups/openemr/2026-W47",
      },
    ],
    ["standard", "staging", {}],
  ];
  const plans = new Map<string, PlanFile>();
  before(async () => {
    for (const [label, stack, sets] of presets) plans.set(label, await planStack(stack, sets));
  });

  for (const [label, stack] of presets) {
    describe(label, () => {
      it("puts only the boot scripts in the user data, well under EC2's limit", () => {
        const { files, raw } = userData(plans.get(label)!);
        expect(files.filter((f) => f.startsWith("/usr/local/sbin/"))).to.deep.equal(
          BOOT_SCRIPTS.map(scriptTarget),
        );
        const bytes = Buffer.byteLength(raw);
        console.log(`      ${label}: user data ${bytes} of ${USER_DATA_LIMIT} bytes`);
        expect(bytes).to.be.at.most(USER_DATA_LIMIT / 2);
      });

      it("has the host-scripts association: the host, the deploy.env entries, their digest", () => {
        const plan = plans.get(label)!;
        const association = one(plan, ASSOCIATION, "-host-scripts-association");
        const name = `openemr-${stack}-host-scripts`;
        expect(prop(association, "associationName")).to.equal(name);
        expect(prop(association, "complianceSeverity")).to.equal("HIGH");
        expect(prop(association, "applyOnlyAtCronInterval")).to.equal(false);
        const targets = prop<{ key: string; values: string[] }[]>(association, "targets");
        expect(targets).to.deep.equal([{ key: "InstanceIds", values: [plan.outputs.instanceId] }]);
        const { env } = userData(plan);
        const params = prop<{ entries: string; digest: string }>(association, "parameters");
        expect(params.entries).to.equal(env.SCRIPT_PARAMETERS);
        expect(params.digest).to.equal(scriptsDigest(entriesOnDisk(env.SCRIPT_PARAMETERS)));
        const doc = one(plan, DOCUMENT, "-host-scripts");
        expect(prop(doc, "name")).to.equal(name);
        expect(dependencyOf(plan, association, "name").map((r) => r.urn)).to.deep.equal([doc.urn]);
      });

      it("runs only after every script parameter is written, one per entry's part", () => {
        const plan = plans.get(label)!;
        const association = one(plan, ASSOCIATION, "-host-scripts-association");
        const scripts = ofType(plan, PARAMETER).filter((r) =>
          prop<string>(r, "name").includes("/scripts/"),
        );
        const parts = userData(plan)
          .env.SCRIPT_PARAMETERS.split(" ")
          .flatMap((e) => {
            const [base, chunks] = e.slice(e.indexOf("=") + 1).split(":");
            return Array.from({ length: Number(chunks) }, (_, i) => `${base}/${i + 1}`);
          });
        expect(scripts.map((r) => prop<string>(r, "name"))).to.have.members(parts);
        expect(association.opts.dependsOn).to.include.members(scripts.map((r) => r.urn));
      });

      it("sends a failed run to the stack's alarm topic", () => {
        const plan = plans.get(label)!;
        const rule = one(plan, "aws:cloudwatch/eventRule:EventRule", "-host-scripts-failed");
        const association = one(plan, ASSOCIATION, "-host-scripts-association");
        expect(dependencyOf(plan, rule, "eventPattern").map((r) => r.urn)).to.deep.equal([
          association.urn,
        ]);
        const target = one(
          plan,
          "aws:cloudwatch/eventTarget:EventTarget",
          "-host-scripts-failed-target",
        );
        const topic = one(plan, "aws:sns/topic:Topic");
        expect(dependencyOf(plan, target, "arn").map((r) => r.urn)).to.deep.equal([topic.urn]);
      });
    });
  }

  it("leaves the association as it is when nothing about the scripts changes", async () => {
    const express = plans.get("express")!;
    const newer = await planStack("dev", { "openemr:openemrVersion": "8.1.0" });
    const d = diffPlans(express, newer);
    expect(d.changed.map((c) => c.name)).to.not.include("openemr-dev-host-scripts-association");
    expect(one(newer, ASSOCIATION, "-host-scripts-association").props).to.deep.equal(
      one(express, ASSOCIATION, "-host-scripts-association").props,
    );
  });

  it("has no host-scripts association on Fargate", async () => {
    const prod = await planStack("prod");
    expect(ofType(prod, ASSOCIATION).filter((r) => r.name.includes("host-scripts"))).to.deep.equal(
      [],
    );
  });
});
