// The restore drill can fail: a corrupted row or file in a restored stack, a restore.sh that applies
// a later archive, a backup.sh that leaves the routines out, a plain express dump that lost a
// table's rows. Each shows as exactly its mismatches.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { type DrillReport, runDrill, summary } from "../../tools/restore-drill/drill";
import { drillExpress } from "../../tools/restore-drill/express";
import { FakeHost, SCRIPTS_DIR } from "../../tools/restore-drill/host";

describe("restore drill: notices what differs", function () {
  this.timeout(240000);
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-drill-notices-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reports one flipped BLOB byte in stack B and one changed file in stack C, and nothing else", async () => {
    let blob = "";
    const report = await runDrill({
      dir,
      afterRestore: ({ stack, server, host }) => {
        if (stack.stack === "stack-b") {
          blob = server.mustSql("SELECT MIN(id) FROM openemr.documents WHERE type = 'blob'").trim();
          server.mustSql(
            `UPDATE openemr.documents SET document_data = CONCAT(SUBSTR(document_data, 1, 99), CHAR(255 - ASCII(SUBSTR(document_data, 100, 1))), SUBSTR(document_data, 101)) WHERE id = ${blob}`,
          );
        } else {
          fs.appendFileSync(
            path.join(host.volume("openemr-sites"), "default/images/logo.png"),
            "x",
          );
        }
      },
    });
    expect(blob).to.match(/^\d+$/);
    expect(report.mismatches).to.have.length(2);
    expect(report.mismatches[0]).to.match(
      new RegExp(
        `^stack-b \\(point 3\\): table documents: 1 row differs \\(id ${blob}\\); CHECKSUM TABLE \\d+, want \\d+$`,
      ),
    );
    expect(report.mismatches[1]).to.match(
      /^stack-c \(point 6\): file openemr-sites\/default\/images\/logo\.png: file 644 [0-9a-f]{64}, want file 644 [0-9a-f]{64}$/,
    );
    expect(summary(report)).to.match(/; mismatches 2$/);
  });

  it("reports a restore.sh that applies a later archive and a backup.sh that leaves the routines out", async () => {
    const scripts = path.join(dir, "scripts");
    fs.mkdirSync(scripts);
    const mutate = (file: string, line: string): void => {
      const text = fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8");
      const broken = text.replace(line, "");
      expect(broken, `${file} no longer has ${line}`).not.to.equal(text);
      fs.writeFileSync(path.join(scripts, file), broken);
    };
    mutate("restore.sh", '    [[ "${set_stamp}" > "${stamp}" ]] && continue\n');
    mutate("backup.sh", "--routines ");
    const report: DrillReport = await runDrill({ dir, scriptsDir: scripts });

    const [b, c] = report.restores.map((r) => r.mismatches);
    const routines = (stack: string) => [
      `${stack}: procedure patient_count: missing`,
      `${stack}: function patient_age: missing`,
    ];
    // point 3 got Thursday's archive too: its files, not its tables (the dump is Wednesday's)
    expect(b).to.include.members(routines("stack-b (point 3)"));
    expect(b).to.include(
      "stack-b (point 3): restore.sh applied 20260302T050000Z full, 20260303T050000Z incremental, 20260304T050000Z incremental, 20260305T050000Z incremental, want 20260302T050000Z full, 20260303T050000Z incremental, 20260304T050000Z incremental",
    );
    expect(b.filter((m) => m.startsWith("stack-b (point 3): file "))).to.have.length.above(5);
    expect(b.filter((m) => m.includes(": table "))).to.deep.equal([]);
    expect(b).to.include(
      "stack-b (point 3): openemr with the new password reads nothing: ERROR 1305 (42000) at line 12: PROCEDURE openemr.patient_count does not exist",
    );
    // the latest point has no later archive to take: only the routines are missing
    expect(c).to.deep.equal([
      ...routines("stack-c (point 6)"),
      "stack-c (point 6): openemr with the new password reads nothing: ERROR 1305 (42000) at line 12: PROCEDURE openemr.patient_count does not exist",
    ]);
    // the import of point 4 (with the same backup.sh) misses them too, and so do plain express's
    // dumps, restored with the same restore.sh
    expect(report.imported.mismatches).to.include.members(routines("stack-d (point 4)"));
    expect(report.express.mismatches).to.include.members([
      ...routines("stack-e (dump 1 over dump 2)"),
      ...routines("stack-f (express dump 1)"),
    ]);
    expect(report.mismatches).to.have.length(
      b.length + c.length + report.imported.mismatches.length + report.express.mismatches.length,
    );
  });

  it("reports a plain express dump that lost a table's rows, in both restores of it, and nothing else", async () => {
    const lines: string[] = [];
    const record = await drillExpress({
      host: new FakeHost(path.join(dir, "host")),
      dir: path.join(dir, "sbin"),
      log: (line) => lines.push(line),
      // dump 1 as a truncated copy might have it: billing's CREATE TABLE, none of its rows
      afterBackup: (dump, n) => {
        if (n !== 1) return;
        // latin1: one character per byte, so that the BLOBs pass through unchanged
        const text = zlib.gunzipSync(fs.readFileSync(dump)).toString("latin1");
        // an extended INSERT runs over lines, to the `);` that ends one
        const cut = text.replace(/^INSERT INTO `billing` [\s\S]*?\);\n/gm, "");
        expect(cut.length, "dump 1 has billing's rows").to.be.below(text.length);
        fs.writeFileSync(dump, zlib.gzipSync(Buffer.from(cut, "latin1")));
      },
    });
    const billing = (who: string) =>
      new RegExp(
        `^${who}: table billing: 0 rows, want 3000; 3000 rows missing \\(id 1, 2, 3, 4, 5, … 2995 more\\); CHECKSUM TABLE 0, want \\d+$`,
      );
    const m = record.mismatches;
    expect(m).to.have.length(4);
    expect(m[0]).to.match(billing("stack-e \\(dump 1 over dump 2\\)"));
    expect(m[1]).to.equal(
      "stack-e (dump 1 over dump 2): openemr with stack-e's password reads otherwise than stack-e at dump 1",
    );
    expect(m[2]).to.match(billing("stack-f \\(express dump 1\\)"));
    expect(m[3]).to.equal(
      "stack-f (express dump 1): openemr with stack-f's password reads otherwise than stack-e at dump 1",
    );
    // each where its step is printed
    expect(lines.filter((l) => l.startsWith("  mismatch: "))).to.deep.equal(
      m.map((x) => `  mismatch: ${x}`),
    );
  });
});
