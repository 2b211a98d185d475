// install-scripts.sh puts the scripts too large for the user data back together from the stack's
// SSM parameters, as the program writes them (scriptParameterChunks), run for real with a fake aws.
import { spawnSync } from "child_process";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  compactScript,
  readScript,
  scriptParameterChunks,
  STANDARD_PARAMETER_LIMIT,
} from "../../components/compute/user-data";

const SCRIPT = path.resolve(__dirname, "../../components/compute/scripts/install-scripts.sh");

// aws ssm get-parameter --name N … prints the file params/N (the real CLI exits 254 when missing)
const FAKE_AWS = `#!/bin/bash
printf '%s\\n' "$*" >>"\${FAKE_DIR}/calls"
name=""
while [ $# -gt 0 ]; do case $1 in --name) name=$2; shift 2 ;; *) shift ;; esac; done
f="\${FAKE_DIR}/params\${name}"
[ -f "$f" ] || { echo "An error occurred (ParameterNotFound)" >&2; exit 254; }
cat "$f"; echo
`;

describe("host scripts: install-scripts.sh", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "install-scripts-"));
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin/aws"), FAKE_AWS, { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function store(base: string, chunks: string[]): void {
    chunks.forEach((c, i) => {
      const file = path.join(dir, "params", base, String(i + 1));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, c);
    });
  }

  function run(entries: string, args: string[] = []) {
    fs.writeFileSync(
      path.join(dir, "deploy.env"),
      `STACK='t'\nREGION='us-east-1'\nSCRIPT_PARAMETERS='${entries}'\n`,
    );
    return spawnSync("bash", [SCRIPT, ...args], {
      encoding: "utf8",
      env: {
        PATH: `${path.join(dir, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
        OPENEMR_ETC: dir,
        FAKE_DIR: dir,
      },
    });
  }

  it("installs each script whole and executable from its standard-tier parameters", () => {
    const files = ["export.sh", "import-apply.sh", "import-fetch.sh"];
    const entries = files.map((file) => {
      const chunks = scriptParameterChunks(file);
      for (const c of chunks) expect(c.length).to.be.at.most(STANDARD_PARAMETER_LIMIT);
      store(`/openemr/t/scripts/${file}`, chunks);
      return `${path.join(dir, file)}=/openemr/t/scripts/${file}:${chunks.length}`;
    });
    expect(scriptParameterChunks("import-apply.sh").length, "a script over 4 KB").to.be.above(1);
    const r = run(entries.join(" "));
    expect(r.status, r.stderr).to.equal(0);
    for (const file of files) {
      const target = path.join(dir, file);
      expect(fs.readFileSync(target, "utf8"), file).to.equal(compactScript(readScript(file)));
      expect(fs.statSync(target).mode & 0o777, file).to.equal(0o755);
    }
    const calls = fs.readFileSync(path.join(dir, "calls"), "utf8");
    expect(calls).to.contain("ssm get-parameter --region us-east-1 --with-decryption");
  });

  it("does nothing without SCRIPT_PARAMETERS", () => {
    const r = run("");
    expect(r.status, r.stderr).to.equal(0);
    expect(fs.existsSync(path.join(dir, "calls"))).to.equal(false);
  });

  it("leaves no file when a part is missing or damaged, and refuses a bad entry", () => {
    const chunks = scriptParameterChunks("import-apply.sh");
    store("/openemr/t/scripts/apply", chunks.slice(0, 1));
    const target = path.join(dir, "openemr-import-apply");
    const missing = run(`${target}=/openemr/t/scripts/apply:${chunks.length}`);
    expect(missing.status).to.not.equal(0);
    expect(missing.stderr).to.contain("ParameterNotFound");
    store("/openemr/t/scripts/apply", [chunks[0].slice(0, 100), ...chunks.slice(1)]);
    const damaged = run(`${target}=/openemr/t/scripts/apply:${chunks.length}`);
    expect(damaged.status).to.not.equal(0);
    expect(fs.existsSync(target)).to.equal(false);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith("openemr-import-apply"))).to.deep.equal(
      [],
    );
    const bad = run(`relative=/openemr/t/scripts/apply:1`);
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.contain("bad entry 'relative=/openemr/t/scripts/apply:1'");
  });

  it("takes its entries from its arguments over deploy.env's (the host-scripts association)", () => {
    const chunks = scriptParameterChunks("restore.sh");
    store("/openemr/t/scripts/restore", chunks);
    const target = path.join(dir, "openemr-restore");
    const stale = path.join(dir, "openemr-stale");
    const r = run(`${stale}=/openemr/t/scripts/missing:1`, [
      `${target}=/openemr/t/scripts/restore:${chunks.length}`,
    ]);
    expect(r.status, r.stderr).to.equal(0);
    expect(fs.readFileSync(target, "utf8")).to.equal(compactScript(readScript("restore.sh")));
    expect(fs.existsSync(stale)).to.equal(false);
    const calls = fs.readFileSync(path.join(dir, "calls"), "utf8");
    expect(calls).to.not.contain("/openemr/t/scripts/missing");
  });

  it("replaces an installed script whose parameters changed, and leaves an unchanged one alone", () => {
    const target = path.join(dir, "openemr-restore");
    const other = path.join(dir, "openemr-backup");
    fs.writeFileSync(target, "#!/bin/bash\necho the old, unsafe restore\n", { mode: 0o755 });
    const backup = compactScript(readScript("backup.sh"));
    fs.writeFileSync(other, backup, { mode: 0o755 });
    const before = fs.statSync(other).ino;
    store("/openemr/t/scripts/restore", scriptParameterChunks("restore.sh"));
    store("/openemr/t/scripts/backup", scriptParameterChunks("backup.sh"));
    const args = [
      `${target}=/openemr/t/scripts/restore:${scriptParameterChunks("restore.sh").length}`,
      `${other}=/openemr/t/scripts/backup:${scriptParameterChunks("backup.sh").length}`,
    ];
    const r = run("", args);
    expect(r.status, r.stderr).to.equal(0);
    expect(fs.readFileSync(target, "utf8")).to.equal(compactScript(readScript("restore.sh")));
    expect(fs.statSync(target).mode & 0o777).to.equal(0o755);
    expect(r.stdout).to.contain(`${target} from /openemr/t/scripts/restore`);
    expect(r.stdout).to.contain(`${other} unchanged`);
    expect(fs.statSync(other).ino, "the unchanged script is the same file").to.equal(before);
    expect(fs.readdirSync(dir).filter((f) => /^openemr-\w+\.\w{6}$/.test(f))).to.deep.equal([]);
  });

  it("exits non-zero on a failed argument entry and keeps the installed script", () => {
    const target = path.join(dir, "openemr-restore");
    fs.writeFileSync(target, "#!/bin/bash\necho installed\n", { mode: 0o755 });
    const r = run("", [`${target}=/openemr/t/scripts/restore:1`]);
    expect(r.status).to.not.equal(0);
    expect(fs.readFileSync(target, "utf8")).to.equal("#!/bin/bash\necho installed\n");
    expect(fs.readdirSync(dir).filter((f) => f.startsWith("openemr-restore."))).to.deep.equal([]);
  });
});
