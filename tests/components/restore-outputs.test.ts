import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { EXPRESS_PLUS, ROOT, planStack } from "../helpers/plan";
import { one, prop } from "../helpers/resources";
import type { PlanFile } from "../../tools/plan/types";

/**
 * One `aws <service> <operation>` call of a command line: its positional words and its flags (a
 * bare flag is `true`).
 */
interface AwsCall {
  service: string;
  operation: string;
  args: string[];
  flags: Record<string, string | true>;
}

/** The end of the `$(` substitution opened at `start` (the index of its `)`), quotes respected. */
function substitutionEnd(line: string, start: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === "(") {
      depth++;
    } else if (c === ")" && --depth === 0) {
      return i;
    }
  }
  throw new Error(`unclosed $( in ${line}`);
}

/**
 * The aws CLI calls of a shell line, as a shell splits it: words (quotes removed), commands
 * separated by `&&` or `;`, and the calls inside `$(...)` in their own place before the outer one.
 */
function awsCalls(line: string): AwsCall[] {
  const calls: AwsCall[] = [];
  let words: string[] = [];
  let word: string | undefined;
  const endCommand = (): void => {
    if (word !== undefined) words.push(word);
    word = undefined;
    if (words[0] === "aws") {
      const flags: Record<string, string | true> = {};
      const args: string[] = [];
      for (let i = 3; i < words.length; i++) {
        if (!words[i].startsWith("--")) {
          args.push(words[i]);
          continue;
        }
        const next = words[i + 1];
        flags[words[i].slice(2)] = next === undefined || next.startsWith("--") ? true : next;
        if (flags[words[i].slice(2)] !== true) i++;
      }
      calls.push({ service: words[1], operation: words[2], args, flags });
    }
    words = [];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const close = line.indexOf(c, i + 1);
      if (close < 0) throw new Error(`unclosed ${c} in ${line}`);
      const inner = line.slice(i + 1, close);
      if (c === '"' && inner.startsWith("$(")) {
        calls.push(...awsCalls(inner.slice(2, substitutionEnd(inner, 1))));
      }
      word = (word ?? "") + (c === '"' && inner.startsWith("$(") ? "$(...)" : inner);
      i = close;
    } else if (c === "$" && line[i + 1] === "(") {
      const end = substitutionEnd(line, i + 1);
      calls.push(...awsCalls(line.slice(i + 2, end)));
      word = (word ?? "") + "$(...)";
      i = end;
    } else if (c === ";" || (c === "&" && line[i + 1] === "&")) {
      endCommand();
      if (c === "&") i++;
    } else if (c === " ") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + c;
    }
  }
  endCommand();
  return calls;
}

function output(plan: PlanFile, key: string): string {
  const value = plan.outputs[key];
  if (typeof value !== "string") throw new Error(`output ${key} is ${JSON.stringify(value)}`);
  return value;
}

function operations(calls: AwsCall[]): string[] {
  return calls.map((c) => `${c.service} ${c.operation}`);
}

/** The script an SSM Run Command call runs (`--parameters 'commands=["<script>"]'`). */
function runCommandScript(call: AwsCall): string {
  const match = /^commands=\["(.*)"\]$/.exec(String(call.flags.parameters));
  if (!match) throw new Error(`not a commands parameter: ${String(call.flags.parameters)}`);
  return match[1];
}

/** Checks a Run Command line: send, wait and read back, all on `instanceId`; returns the script. */
function runOnInstance(line: string, region: string, instanceId: string): string {
  const calls = awsCalls(line);
  expect(operations(calls)).to.deep.equal([
    "ssm send-command",
    "ssm wait",
    "ssm get-command-invocation",
  ]);
  const [send, wait, read] = calls;
  expect(wait.args).to.deep.equal(["command-executed"]);
  expect(send.flags).to.include({
    region,
    "instance-ids": instanceId,
    "document-name": "AWS-RunShellScript",
  });
  for (const c of [wait, read]) {
    expect(c.flags).to.include({ region, "instance-id": instanceId, "command-id": "$id" });
  }
  return runCommandScript(send);
}

const REGION = "us-east-1";

describe("restore commands as stack outputs", function () {
  this.timeout(120000);

  describe("express", () => {
    let plan: PlanFile;
    before(async () => {
      plan = await planStack("dev");
    });

    it("lists and loads the on-instance dumps through Run Command on the stack's instance", () => {
      const instanceId = output(plan, "instanceId");
      expect(instanceId).to.match(/^i-/);
      expect(runOnInstance(output(plan, "listBackupsCommand"), REGION, instanceId)).to.equal(
        "openemr-restore --list",
      );
      expect(runOnInstance(output(plan, "restoreCommand"), REGION, instanceId)).to.equal(
        "openemr-restore --local /var/lib/openemr/backups/<dump> --force",
      );
    });

    it("lists the DLM snapshots by the stack's lifecycle policy", () => {
      const [call, ...rest] = awsCalls(output(plan, "listSnapshotsCommand"));
      expect(rest).to.deep.equal([]);
      expect(`${call.service} ${call.operation}`).to.equal("ec2 describe-snapshots");
      expect(call.flags).to.include({ region: REGION, "owner-ids": "self" });
      expect(call.flags.filters).to.match(/^Name=tag:aws:dlm:lifecycle-policy-id,Values=[^<\s]+$/);
    });

    it("has no vault or file-system restore", () => {
      expect(plan.outputs).to.not.have.property("restoreFilesCommand");
    });
  });

  describe("express-plus", () => {
    let plan: PlanFile;
    let bucket: string;
    before(async () => {
      plan = await planStack("dev", EXPRESS_PLUS);
      bucket = /^s3:\/\/([^/]+)\/openemr\/$/.exec(output(plan, "backupLocation"))![1];
    });

    it("lists the backup bucket's weekly sets from a workstation", () => {
      expect(bucket).to.match(/^openemr-dev-backups-/);
      const calls = awsCalls(output(plan, "listBackupsCommand"));
      expect(operations(calls)).to.deep.equal([`s3 ls`]);
      expect(calls[0].args).to.deep.equal([`s3://${bucket}/openemr/`]);
      expect(calls[0].flags).to.deep.equal({ recursive: true, region: REGION });
      expect(output(plan, "listBackupsCommand")).to.equal(
        `aws s3 ls s3://${bucket}/openemr/ --recursive --region ${REGION}`,
      );
    });

    it("restores a week's set from this stack's bucket into a new stack's instance", () => {
      const script = runOnInstance(
        output(plan, "restoreCommand"),
        REGION,
        "<new-stack-instance-id>",
      );
      expect(script).to.equal(`openemr-restore <week> <stamp> --from-bucket ${bucket} --force`);
    });

    it("lists the snapshots too", () => {
      expect(operations(awsCalls(output(plan, "listSnapshotsCommand")))).to.deep.equal([
        "ec2 describe-snapshots",
      ]);
    });
  });

  describe("standard", () => {
    let plan: PlanFile;
    before(async () => {
      plan = await planStack("dev", { "openemr:preset": "standard" });
    });

    it("lists the stack's vault's recovery points", () => {
      const vault = prop<string>(one(plan, "aws:backup/vault:Vault"), "name");
      const [call, ...rest] = awsCalls(output(plan, "listBackupsCommand"));
      expect(rest).to.deep.equal([]);
      expect(`${call.service} ${call.operation}`).to.equal(
        "backup list-recovery-points-by-backup-vault",
      );
      expect(call.flags).to.include({ region: REGION, "backup-vault-name": vault });
      expect(vault).to.equal("openemr-dev-backup-vault");
    });

    it("has no snapshot command (AWS Backup holds the volume) and no copy listing by default", () => {
      expect(plan.outputs).to.not.have.property("listSnapshotsCommand");
      expect(plan.outputs).to.not.have.property("listCopiesCommand");
    });

    it("restores the documents volume from a recovery point into a new volume beside the host's", () => {
      const calls = awsCalls(output(plan, "restoreFilesCommand"));
      expect(operations(calls)).to.deep.equal([
        "backup describe-recovery-point",
        "backup start-restore-job",
      ]);
      const [role, restore] = calls;
      const vault = prop<string>(one(plan, "aws:backup/vault:Vault"), "name");
      expect(role.flags).to.include({
        region: REGION,
        "backup-vault-name": vault,
        "recovery-point-arn": "<recovery-point-arn>",
        query: "IamRoleArn",
      });
      expect(restore.flags).to.include({
        region: REGION,
        "resource-type": "EBS",
        "recovery-point-arn": "<recovery-point-arn>",
        "iam-role-arn": "$(...)",
      });
      const volume = one(plan, "aws:ebs/volume:Volume");
      expect(String(restore.flags.metadata).split(",")).to.deep.equal([
        `availabilityZone=${prop<string>(volume, "availabilityZone")}`,
        "encrypted=true",
        `kmsKeyId=${prop<string>(volume, "kmsKeyId")}`,
        `volumeType=${prop<string>(volume, "type")}`,
      ]);
      expect(prop<string>(volume, "kmsKeyId")).to.match(/^arn:aws:kms:us-east-1:\d{12}:key\//);
    });

    it("restores the database beside the live one, in its subnets, groups and options", () => {
      const db = one(plan, "aws:rds/instance:Instance");
      const id = prop<string>(db, "identifier");
      const [call, ...rest] = awsCalls(output(plan, "restoreCommand"));
      expect(rest).to.deep.equal([]);
      expect(`${call.service} ${call.operation}`).to.equal(
        "rds restore-db-instance-to-point-in-time",
      );
      expect(call.flags).to.deep.equal({
        region: REGION,
        "source-db-instance-identifier": id,
        "target-db-instance-identifier": `${id}-restore`,
        "restore-time": "<YYYY-MM-DDTHH:MM:SSZ>",
        "db-subnet-group-name": prop<string>(one(plan, "aws:rds/subnetGroup:SubnetGroup"), "name"),
        "vpc-security-group-ids": call.flags["vpc-security-group-ids"],
        "db-parameter-group-name": prop<string>(
          one(plan, "aws:rds/parameterGroup:ParameterGroup"),
          "name",
        ),
        "option-group-name": prop<string>(one(plan, "aws:rds/optionGroup:OptionGroup"), "name"),
        "no-publicly-accessible": true,
      });
      expect(id).to.equal("openemr-dev-db");
      expect(call.flags["vpc-security-group-ids"]).to.match(/^openemr-dev-db-sg-/);
    });
  });

  describe("fargate", () => {
    let plan: PlanFile;
    before(async () => {
      plan = await planStack("prod");
    });

    it("lists the stack's vault's recovery points", () => {
      const [call] = awsCalls(output(plan, "listBackupsCommand"));
      expect(call.flags["backup-vault-name"]).to.equal(
        prop<string>(one(plan, "aws:backup/vault:Vault"), "name"),
      );
    });

    it("restores the Aurora cluster to a point in time, then gives it its writer", () => {
      const cluster = one(plan, "aws:rds/cluster:Cluster");
      const id = prop<string>(cluster, "clusterIdentifier");
      const calls = awsCalls(output(plan, "restoreCommand"));
      expect(operations(calls)).to.deep.equal([
        "rds restore-db-cluster-to-point-in-time",
        "rds create-db-instance",
      ]);
      const [restore, writer] = calls;
      const scaling = prop<{ minCapacity: number; maxCapacity: number }>(
        cluster,
        "serverlessv2ScalingConfiguration",
      );
      expect(restore.flags).to.include({
        region: REGION,
        "source-db-cluster-identifier": id,
        "db-cluster-identifier": `${id}-restore`,
        "restore-to-time": "<YYYY-MM-DDTHH:MM:SSZ>",
        "db-subnet-group-name": prop<string>(cluster, "dbSubnetGroupName"),
        "db-cluster-parameter-group-name": prop<string>(cluster, "dbClusterParameterGroupName"),
        "serverless-v2-scaling-configuration": `MinCapacity=${scaling.minCapacity},MaxCapacity=${scaling.maxCapacity}`,
      });
      expect(writer.flags).to.deep.equal({
        region: REGION,
        "db-cluster-identifier": `${id}-restore`,
        "db-instance-identifier": `${id}-restore-1`,
        "db-instance-class": "db.serverless",
        engine: prop<string>(cluster, "engine"),
      });
    });

    it("restores the sites file system from a recovery point with the role that made it", () => {
      const calls = awsCalls(output(plan, "restoreFilesCommand"));
      expect(operations(calls)).to.deep.equal([
        "backup describe-recovery-point",
        "backup start-restore-job",
      ]);
      const [role, restore] = calls;
      const vault = prop<string>(one(plan, "aws:backup/vault:Vault"), "name");
      expect(role.flags).to.include({
        "backup-vault-name": vault,
        "recovery-point-arn": "<recovery-point-arn>",
        query: "IamRoleArn",
      });
      expect(restore.flags).to.include({
        region: REGION,
        "resource-type": "EFS",
        "recovery-point-arn": "<recovery-point-arn>",
        "iam-role-arn": "$(...)",
      });
      const metadata: Record<string, string> = Object.fromEntries(
        String(restore.flags.metadata)
          .split(",")
          .map((kv): [string, string] => {
            const at = kv.indexOf("=");
            return [kv.slice(0, at), kv.slice(at + 1)];
          }),
      );
      expect(Object.keys(metadata)).to.have.members([
        "file-system-id",
        "newFileSystem",
        "Encrypted",
        "KmsKeyId",
        "PerformanceMode",
      ]);
      expect(metadata).to.include({ newFileSystem: "false", Encrypted: "true" });
      expect(metadata["file-system-id"]).to.match(/^fs-/);
      expect(metadata.KmsKeyId).to.match(/^arn:aws:kms:us-east-1:\d{12}:key\//);
      expect(metadata.PerformanceMode).to.equal(
        prop<string>(one(plan, "aws:efs/fileSystem:FileSystem", "-sites-fs"), "performanceMode"),
      );
    });
  });

  describe("with openemr:backupCopyRegion", () => {
    const COPY = { "openemr:backupCopyRegion": "us-west-2" };

    for (const [label, stack, sets] of [
      ["standard", "staging", COPY],
      ["fargate", "prod", COPY],
    ] as const) {
      it(`${label}: lists the copy vault's recovery points in the copy region`, async () => {
        const plan = await planStack(stack, sets);
        const [call, ...rest] = awsCalls(output(plan, "listCopiesCommand"));
        expect(rest).to.deep.equal([]);
        expect(`${call.service} ${call.operation}`).to.equal(
          "backup list-recovery-points-by-backup-vault",
        );
        expect(call.flags).to.include({
          region: "us-west-2",
          "backup-vault-name": `openemr-${stack}-backup-copy-vault`,
        });
      });
    }

    it("express-plus: lists the copy bucket's backups in the copy region", async () => {
      const plan = await planStack("dev", { ...EXPRESS_PLUS, ...COPY });
      const copy = plan.resources.find(
        (r) => r.type === "aws:s3/bucket:Bucket" && r.name === "openemr-dev-backup-copies",
      );
      expect(copy, "the copy bucket").to.not.equal(undefined);
      const [call, ...rest] = awsCalls(output(plan, "listCopiesCommand"));
      expect(rest).to.deep.equal([]);
      expect(`${call.service} ${call.operation}`).to.equal("s3 ls");
      expect(call.args[0]).to.match(/^s3:\/\/openemr-dev-backup-copies-[0-9a-f]+\/openemr\/$/);
      expect(call.flags).to.include({ recursive: true, region: "us-west-2" });
    });
  });

  it("the restore runbooks name the outputs", () => {
    const doc = (file: string): string => readFileSync(path.join(ROOT, file), "utf8");
    const readme = doc("README.md");
    const section = readme.slice(readme.indexOf("### Backups and restore"));
    for (const name of ["listBackupsCommand", "restoreCommand", "listSnapshotsCommand"]) {
      expect(section, name).to.include(`\`${name}\``);
    }
    const runbook = (file: string): string => {
      const text = doc(file);
      return text.slice(text.indexOf("## Backups and restore"));
    };
    for (const file of ["docs/standard.md", "docs/fargate.md"]) {
      for (const name of [
        "listBackupsCommand",
        "restoreCommand",
        "restoreFilesCommand",
        "listCopiesCommand",
      ]) {
        expect(runbook(file), `${file} ${name}`).to.include(`\`${name}\``);
      }
    }
    expect(section, "listCopiesCommand").to.include("`listCopiesCommand`");
  });
});
