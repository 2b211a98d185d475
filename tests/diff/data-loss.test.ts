// Every removed or replaced stateful resource names the data it holds, read from the resource and
// the resources around it, and the mitigations its inputs show.
import { expect } from "chai";
import { diffPlans, type DataLossWarning } from "../../tools/diff/diff";
import type { PlanResource } from "../../tools/plan/types";
import { plan, resource } from "./plans";
import { EXPRESS_HOST_ENV, hostUserData } from "./scenarios";

/** The warnings when every given resource leaves the plan (the rest stay). */
function removing(keep: PlanResource[], gone: PlanResource[]): DataLossWarning[] {
  return diffPlans(plan([...keep, ...gone]), plan(keep)).dataLoss;
}

const lossOf = (ws: DataLossWarning[]) => ws.map((w) => [w.name, w.loses, w.notes]);

describe("data loss, named", () => {
  it("an express host's root volume holds MariaDB, OpenEMR's sites/ and the local backups", () => {
    const web = resource({
      type: "aws:ec2/instance:Instance",
      name: "web",
      props: {
        userData: hostUserData(EXPRESS_HOST_ENV),
        rootBlockDevice: { deleteOnTermination: false, tags: { snap: "daily" } },
      },
    });
    const dlm = resource({
      type: "aws:dlm/lifecyclePolicy:LifecyclePolicy",
      name: "snapshots",
      props: { policyDetails: { targetTags: { snap: "daily" } } },
    });
    expect(lossOf(removing([dlm], [web]))).to.deep.equal([
      [
        "web",
        "the root volume's contents: the MariaDB database, OpenEMR's sites/ documents and the local backups (/var/lib/openemr is on the root volume)",
        [
          "deleteOnTermination is off: the old root volume stays in AWS, detached; the new instance starts from a fresh one",
          "its EBS snapshots (DLM policy snapshots, tag snap=daily) outlive it: the latest restores the data as of that snapshot",
        ],
      ],
    ]);
  });

  it("with a data volume, the volume holds the data and the root volume the system", () => {
    const env = {
      DATA_DIR: "/var/lib/openemr",
      DATA_DEVICE: "/dev/sdf",
      BACKUP_MODE: "aws-backup",
    };
    const web = resource({
      type: "aws:ec2/instance:Instance",
      name: "web",
      props: { userData: hostUserData(env) },
    });
    const data = resource({
      type: "aws:ebs/volume:Volume",
      name: "web-data",
      props: { availabilityZone: "us-east-1a", size: 20 },
    });
    const attachment = resource({
      type: "aws:ec2/volumeAttachment:VolumeAttachment",
      name: "web-data-attachment",
      props: { deviceName: "/dev/sdf", instanceId: "i-1", volumeId: "vol-1" },
      deps: { instanceId: [web], volumeId: [data] },
    });
    expect(lossOf(removing([], [web, data, attachment]))).to.deep.equal([
      [
        "web-data",
        "volume contents: OpenEMR's sites/ documents (mounted at /var/lib/openemr on web)",
        [],
      ],
      [
        "web",
        "the root volume's contents (system files only: OpenEMR's sites/ documents in /var/lib/openemr is on the data volume attached as /dev/sdf)",
        [],
      ],
    ]);
  });

  it("an instance without the host's deploy.env, or with it unknown, keeps the plain wording", () => {
    const web = resource({
      type: "aws:ec2/instance:Instance",
      name: "web",
      props: { userData: "<computed>" },
    });
    expect(lossOf(removing([], [web]))).to.deep.equal([["web", "the root volume's contents", []]]);
  });

  it("a database names its engine and identifier, and says whether a final snapshot is kept", () => {
    const db = (name: string, props: PlanResource["props"]) =>
      resource({ type: "aws:rds/instance:Instance", name, props: { engine: "mysql", ...props } });
    expect(
      lossOf(
        removing(
          [],
          [
            db("kept", {
              identifier: "openemr-prod",
              finalSnapshotIdentifier: "openemr-prod-final",
              deleteAutomatedBackups: false,
            }),
            db("skipped", { identifier: "openemr-dev", skipFinalSnapshot: true }),
            db("unnamed", {}),
          ],
        ),
      ),
    ).to.deep.equal([
      [
        "kept",
        "database contents (mysql openemr-prod)",
        ["a final snapshot is taken (openemr-prod-final): the data can be restored from it"],
      ],
      [
        "skipped",
        "database contents (mysql openemr-dev)",
        [
          "no final snapshot (skipFinalSnapshot): nothing is kept of it",
          "its automated backups are deleted with it (deleteAutomatedBackups)",
        ],
      ],
      [
        "unnamed",
        "database contents (mysql)",
        [
          "skipFinalSnapshot is off and no finalSnapshotIdentifier is set: the provider refuses the delete",
          "its automated backups are deleted with it (deleteAutomatedBackups)",
        ],
      ],
    ]);
  });

  it("a bucket names what it is for and its Object Lock; a trail's bucket holds the trail's logs", () => {
    const backups = resource({
      type: "aws:s3/bucket:Bucket",
      name: "backups",
      props: { forceDestroy: false, tags: { "openemr:purpose": "backups" } },
    });
    const lock = resource({
      type: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
      name: "backups-lock",
      props: { rule: { defaultRetention: { mode: "COMPLIANCE", days: 35 } } },
      deps: { bucket: [backups] },
    });
    const logs = resource({
      type: "aws:s3/bucket:Bucket",
      name: "trail-logs",
      props: { forceDestroy: true },
    });
    const trail = resource({
      type: "aws:cloudtrail/trail:Trail",
      name: "audit",
      props: { s3BucketName: "trail-logs-1" },
      deps: { s3BucketName: [logs] },
    });
    expect(lossOf(removing([trail], [backups, lock, logs]))).to.deep.equal([
      [
        "backups",
        "objects: OpenEMR's backups",
        [
          "AWS refuses to delete the bucket while it holds objects (forceDestroy off)",
          "Object Lock (COMPLIANCE, 35 days): an object cannot be deleted before its retention ends, by anyone, so the bucket cannot be emptied until then",
        ],
      ],
      [
        "trail-logs",
        "objects: the audit trail's log files (audit)",
        ["forceDestroy is on: every object is deleted with the bucket"],
      ],
    ]);
  });

  it("a key lists what is encrypted with it", () => {
    const key = resource({
      type: "aws:kms/key:Key",
      name: "data-key",
      props: { deletionWindowInDays: 7 },
    });
    const users = Array.from({ length: 8 }, (_, i) =>
      resource({
        type: "aws:cloudwatch/logGroup:LogGroup",
        name: `logs-${i}`,
        props: { kmsKeyId: "arn:key" },
        deps: { kmsKeyId: [key] },
      }),
    );
    const alias = resource({
      type: "aws:kms/alias:Alias",
      name: "data-key-alias",
      props: { targetKeyId: "k" },
      deps: { targetKeyId: [key] },
    });
    expect(lossOf(removing([...users, alias], [key]))).to.deep.equal([
      [
        "data-key",
        "the key: everything encrypted with it becomes unreadable",
        [
          "deletion is scheduled 7 days out and can be cancelled until then",
          "encrypted with it: logs-0, logs-1, logs-2, logs-3, logs-4, logs-5 and 2 more",
        ],
      ],
    ]);
  });

  it("secrets, log groups and file systems name themselves", () => {
    const secret = resource({
      type: "aws:secretsmanager/secret:Secret",
      name: "master",
      props: { name: "openemr-db/master-credentials", recoveryWindowInDays: 7 },
    });
    const logs = resource({
      type: "aws:cloudwatch/logGroup:LogGroup",
      name: "database",
      props: { name: "/openemr/prod/database" },
    });
    const fs = resource({
      type: "aws:efs/fileSystem:FileSystem",
      name: "sites",
      props: { encrypted: true },
    });
    const ap = resource({
      type: "aws:efs/accessPoint:AccessPoint",
      name: "sites-ap",
      props: { rootDirectory: { path: "/openemr-sites" } },
      deps: { fileSystemId: [fs] },
    });
    expect(lossOf(removing([], [secret, logs, fs, ap]))).to.deep.equal([
      ["database", "log events of /openemr/prod/database (audit trail)", []],
      ["sites", "files (access points /openemr-sites)", []],
      ["master", "the secret value of openemr-db/master-credentials", ["recoverable for 7 days"]],
    ]);
  });
});
