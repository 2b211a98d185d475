// The drill's synthetic practice: an OpenEMR-shaped `openemr` database (thousands of rows, BLOBs,
// utf8mb4 text with emoji and combining marks, DECIMAL and DATETIME(6) columns, a table without a
// primary key, an empty table, a view, a trigger, a procedure, a function and an event) and the
// sites, TLS and Let's Encrypt volumes, with a day's work of changes to both: rows inserted,
// updated and deleted, documents uploaded, replaced and removed, a directory cleared, a certificate
// renewed, a column added, a routine redefined. Seeded, so that every run builds the same practice.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { FakeHost } from "./host";
import { Random } from "./random";
import type { MariaDbServer } from "./server";
import { inserts, literal as lit, type SqlValue } from "./sql";
import { sqlconf } from "./stack";

/** Rows the seed writes (the trigger adds one log row per document). */
export const SEED_ROWS = {
  patients: 3200,
  fileDocuments: 300,
  blobDocuments: 300,
  forms: 2400,
  log: 5000,
  billing: 3000,
} as const;

const FIRST = [
  "Zoë",
  "Zoe\u0301", // e + combining acute: not the same string as Zoë
  "Łukasz",
  "José",
  "Nguyễn",
  "Søren",
  "Chloé",
  "İbrahim",
  "Siobhán",
  "Mary",
  "John",
  "王芳",
  "محمد",
  "Дмитрий",
  "Ἀλέξανδρος",
  "O'Neil",
  "Anne-Marie",
  "Ａｎｎａ",
];
const LAST = [
  "Smith",
  "Müller",
  "O'Brien",
  "D\\Angelo",
  "García",
  "Kowalski",
  "李",
  "A\u030Angström",
  "Þórsdóttir",
  "Ünal",
  "van der Berg",
  "🦄 Unicorn",
  "Okafor",
  "Moreau-Lefèvre",
  "田中",
  "Cohen",
  "Ramírez",
];
const NOTES = [
  "BP 120/80 ✓",
  "Allergic to penicillin 💊",
  'Patient says: "it\'s fine"',
  "back\\slash C:\\temp\\",
  "tab\there",
  "line one\nline two",
  "carriage\r\nreturn",
  "👩🏽‍⚕️ seen by Dr. Zoë",
  "flag 🇺🇸 and 🇩🇪",
  "naïve café résumé",
  "患者は元気です",
  "ضغط الدم طبيعي",
  "température 38,5 °C",
  "Ω ≈ ∑ ∞ ≠ ≤",
  "NULL",
  "",
  "; DROP TABLE patient_data; --",
  "a\u0308o\u0308u\u0308 (combining diaereses)",
];
const DOCUMENT_NAMES = [
  "scan-{n}.pdf",
  "Zoë résumé {n}.txt",
  "x-ray #{n}.png",
  "lab_{n}.hl7",
  "consent form {n}.pdf",
  "😀 photo {n}.jpg",
];
const GLOBALS = [
  "language_default",
  "gbl_time_zone",
  "date_display_format",
  "css_header",
  "patient_id_category_name",
  "enable_help",
  "portal_onsite_two_enable",
  "audit_events_query",
  "gbl_fac_warehouse_restrictions",
  "drug_screen",
  "erx_enable",
  "ccda_alt_service_enable",
  "mfa_enabled",
  "password_expiration_days",
  "backup_log_dir",
  "document_storage_method",
  "translate_layout",
  "style_custom_file",
  "weight_loss_clinic",
  "units_of_measurement",
];

/** A document stored as a file in the sites volume (documents.type 'file_url'). */
interface DocumentFile {
  pid: number;
  name: string;
}

const SITE = "default";
/** The practice's OpenEMR (its `version` table) and the docker-version its image wrote (no newline, as openemr.sh writes it). */
export const OPENEMR_VERSION = "7.0.3";
export const DOCKER_VERSION = 6;
const DOCUMENTS_URL = "file:///var/www/localhost/htdocs/openemr/sites/default/documents";

const SCHEMA = `
CREATE TABLE patient_data (
  id BIGINT NOT NULL AUTO_INCREMENT, uuid BINARY(16), pid BIGINT NOT NULL, pubpid VARCHAR(255),
  title VARCHAR(255), fname VARCHAR(255), mname VARCHAR(255), lname VARCHAR(255), DOB DATE,
  sex VARCHAR(30), street VARCHAR(255), city VARCHAR(255), postal_code VARCHAR(255),
  phone_home VARCHAR(255), email VARCHAR(255), language VARCHAR(255), date DATETIME(6),
  regdate DATE, deceased_date DATETIME, notes TEXT,
  PRIMARY KEY (id), UNIQUE KEY pid (pid), KEY lname (lname)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE documents (
  id BIGINT NOT NULL, uuid BINARY(16), type ENUM('file_url','blob','web_url'), size INT,
  date DATETIME, url TEXT, mimetype VARCHAR(255), foreign_id BIGINT, docdate DATE, hash VARCHAR(255),
  name VARCHAR(255), document_data MEDIUMBLOB, deleted TINYINT(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (id), KEY foreign_id (foreign_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE forms (
  id BIGINT NOT NULL AUTO_INCREMENT, date DATETIME, encounter BIGINT, form_name LONGTEXT,
  form_id BIGINT, pid BIGINT, user VARCHAR(255), groupname VARCHAR(255), authorized TINYINT,
  deleted TINYINT NOT NULL DEFAULT 0, formdir LONGTEXT, narrative MEDIUMTEXT,
  PRIMARY KEY (id), KEY pid_encounter (pid, encounter)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE log (
  id BIGINT NOT NULL AUTO_INCREMENT, date DATETIME, event VARCHAR(255), category VARCHAR(255),
  user VARCHAR(255), groupname VARCHAR(255), comments LONGTEXT, patient_id BIGINT,
  success TINYINT DEFAULT 1, checksum LONGTEXT, log_from VARCHAR(20) DEFAULT 'open-emr',
  PRIMARY KEY (id), KEY patient_id (patient_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE billing (
  id INT NOT NULL AUTO_INCREMENT, date DATETIME, code_type VARCHAR(15), code VARCHAR(20), pid INT,
  encounter INT, fee DECIMAL(12,2), units INT, modifier VARCHAR(12), justify VARCHAR(255),
  activity TINYINT, billed TINYINT, PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE globals (
  gl_name VARCHAR(63) NOT NULL, gl_index INT NOT NULL DEFAULT 0, gl_value VARCHAR(255),
  PRIMARY KEY (gl_name, gl_index)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE users_secure (
  id BIGINT NOT NULL, username VARCHAR(255), password VARCHAR(255), last_update_password DATETIME,
  password_history1 VARCHAR(255), PRIMARY KEY (id), UNIQUE KEY username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE sequences (id INT UNSIGNED NOT NULL DEFAULT 0) ENGINE=InnoDB;
CREATE TABLE version (
  v_major INT NOT NULL DEFAULT 0, v_minor INT NOT NULL DEFAULT 0, v_patch INT NOT NULL DEFAULT 0,
  v_realpatch INT NOT NULL DEFAULT 0, v_tag VARCHAR(31) NOT NULL DEFAULT '',
  v_database INT NOT NULL DEFAULT 0, v_acl INT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO version VALUES (${OPENEMR_VERSION.split(".").join(", ")}, 0, '', 520, 12);
CREATE TABLE onsite_messages (
  id INT NOT NULL AUTO_INCREMENT, username VARCHAR(255), message LONGTEXT, ip VARCHAR(45),
  date DATETIME, PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
`;

const ROUTINES = `
CREATE DEFINER=openemr@'%' VIEW patient_names AS
  SELECT pid, CONCAT(fname, ' ', lname) AS name FROM patient_data;
CREATE DEFINER=openemr@'%' PROCEDURE patient_count(OUT n INT) COMMENT 'Zählt die Patienten ✓'
  SELECT COUNT(*) INTO n FROM patient_data;
CREATE DEFINER=openemr@'%' FUNCTION patient_age(p_pid BIGINT, on_date DATE) RETURNS INT
  READS SQL DATA COMMENT 'âge en années'
  RETURN (SELECT TIMESTAMPDIFF(YEAR, DOB, on_date) FROM patient_data WHERE pid = p_pid);
CREATE DEFINER=openemr@'%' TRIGGER documents_log AFTER INSERT ON documents FOR EACH ROW
  INSERT INTO log (date, event, category, user, comments, patient_id)
  VALUES (NEW.date, 'document-upload', 'documents', 'admin', CONCAT('uploaded ✓ ', NEW.name), NEW.foreign_id);
CREATE DEFINER=openemr@'%' EVENT purge_log ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00'
  DISABLE DO DELETE FROM log WHERE date < '2000-01-01';
`;

/** Day 4 (an upgrade): the function no longer gives the deceased an age. */
const PATIENT_AGE_V2 = `
CREATE OR REPLACE DEFINER=openemr@'%' FUNCTION patient_age(p_pid BIGINT, on_date DATE) RETURNS INT
  READS SQL DATA COMMENT 'âge en années (vivants)'
  RETURN (SELECT IF(deceased_date IS NULL, TIMESTAMPDIFF(YEAR, DOB, on_date), NULL)
          FROM patient_data WHERE pid = p_pid);
`;

export class Clinic {
  private readonly rng = new Random(20260302);
  private nextPid = 1;
  private nextDocument = 1;
  private nextForm = 1;
  private nextBilling = 1;
  private patients: number[] = [];
  private readonly fileDocuments = new Map<number, DocumentFile>();
  private blobDocuments: number[] = [];
  private forms: number[] = [];
  private billing: number[] = [];

  constructor(
    private readonly server: MariaDbServer,
    private readonly host: FakeHost,
  ) {}

  /** The practice on the day of its first backup; sqlconf.php with the stack's database password. */
  seed(day: string, userPassword: string): void {
    const r = this.rng;
    const sql = [SCHEMA];
    sql.push(this.newPatients(SEED_ROWS.patients, day));
    sql.push(this.newForms(SEED_ROWS.forms, day));
    sql.push(this.newLog(SEED_ROWS.log, day));
    sql.push(this.newBilling(SEED_ROWS.billing, day));
    const globals: SqlValue[][] = [];
    for (const [i, name] of GLOBALS.entries()) {
      for (let index = 0; index <= i % 4; index++) globals.push([name, index, r.pick(NOTES)]);
    }
    sql.push(inserts("globals", ["gl_name", "gl_index", "gl_value"], globals));
    sql.push(
      inserts(
        "users_secure",
        ["id", "username", "password", "last_update_password"],
        ["admin", "physician", "frontdesk"].map((user, i) => [
          i + 1,
          user,
          `$2y$10$${r.bytes(20).toString("hex")}`,
          `${day} 0${i}:00:00`,
        ]),
      ),
    );
    sql.push(ROUTINES);
    // uploaded after the trigger exists: each adds its log row
    sql.push(this.newDocuments(SEED_ROWS.fileDocuments, SEED_ROWS.blobDocuments, day));
    sql.push(`INSERT INTO sequences VALUES (${this.nextPid - 1});`);
    this.server.mustSql(`USE openemr;\n${sql.join("\n")}`);
    this.seedSite(userPassword);
  }

  /** The sites, TLS and Let's Encrypt volumes as a running stack has them. */
  private seedSite(userPassword: string): void {
    const r = this.rng;
    this.put("openemr-sites", `${SITE}/sqlconf.php`, sqlconf(userPassword));
    this.put("openemr-sites", `${SITE}/docker-version`, String(DOCKER_VERSION));
    this.put("openemr-sites", `${SITE}/config.php`, "<?php\n$GLOBALS['oer_config'] = array();\n");
    this.put("openemr-sites", `${SITE}/images/logo.png`, r.bytes(4096));
    this.put("openemr-sites", `${SITE}/images/login_logo.gif`, r.bytes(1500));
    this.put("openemr-sites", `${SITE}/documents/edi/history.txt`, "2026-03-01 ISA*00*\n");
    this.put("openemr-sites", `${SITE}/documents/logs_and_misc/methods/readme`, "ok\n", 0o640);
    for (let i = 1; i <= 5; i++) {
      this.put("openemr-sites", `${SITE}/documents/temp/session-${i}/export.csv`, r.bytes(300));
    }
    fs.mkdirSync(this.file("openemr-sites", `${SITE}/documents/onsite_portal_documents`), {
      recursive: true,
    });
    this.put("openemr-ssl", "certs/letsencrypt.cert.pem", "-----BEGIN CERTIFICATE-----\nA\n");
    this.put(
      "openemr-ssl",
      "private/letsencrypt.key.pem",
      "-----BEGIN PRIVATE KEY-----\nA\n",
      0o600,
    );
    this.link("openemr-ssl", "certs/webserver.cert.pem", "letsencrypt.cert.pem");
    this.link("openemr-ssl", "private/webserver.key.pem", "letsencrypt.key.pem");
    this.put("openemr-letsencrypt", "archive/emr.example.org/fullchain1.pem", "chain 1\n");
    this.put("openemr-letsencrypt", "archive/emr.example.org/privkey1.pem", "key 1\n", 0o600);
    this.link(
      "openemr-letsencrypt",
      "live/emr.example.org/fullchain.pem",
      "../../archive/emr.example.org/fullchain1.pem",
    );
    this.link(
      "openemr-letsencrypt",
      "live/emr.example.org/privkey.pem",
      "../../archive/emr.example.org/privkey1.pem",
    );
  }

  /** A day's work before the backup of day `n` (2, 3, ...) on `day`. */
  change(n: number, day: string): void {
    const sql = [
      ...this.changePatients(n, day),
      ...this.changeDocuments(day),
      ...this.changeRecords(n, day),
      ...this.upgrades(n, day),
    ];
    this.server.mustSql(`USE openemr;\n${sql.join("\n")}`);
    this.changeSite(n, day);
  }

  /** New patients, corrections, some removed (merged duplicates), one deceased. */
  private changePatients(n: number, day: string): string[] {
    const r = this.rng;
    const sql = [this.newPatients(40, day)];
    for (const pid of r.sample(this.patients, 30)) {
      const note = lit(` · day ${n}: ${r.pick(NOTES)}`);
      const date = `${day} 11:00:00.${String(pid).padStart(6, "0")}`;
      sql.push(
        `UPDATE patient_data SET lname = ${lit(r.pick(LAST))}, notes = CONCAT(COALESCE(notes, ''), ${note}), date = '${date}' WHERE pid = ${pid};`,
      );
    }
    for (const pid of this.take(this.patients, 6)) {
      sql.push(`DELETE FROM patient_data WHERE pid = ${pid};`);
    }
    const deceased = r.pick(this.patients);
    sql.push(`UPDATE patient_data SET deceased_date = '${day} 08:30:00' WHERE pid = ${deceased};`);
    return sql;
  }

  /** Uploads (each logged by the trigger), replaced scans and files, removed ones. */
  private changeDocuments(day: string): string[] {
    const r = this.rng;
    const sql = [this.newDocuments(6, 6, day)];
    for (const id of r.sample(this.blobDocuments, 4)) {
      const data = r.bytes(r.int(100, 9000));
      sql.push(
        `UPDATE documents SET document_data = ${lit(data)}, size = ${data.length}, hash = '${sha1(data)}' WHERE id = ${id};`,
      );
    }
    for (const id of r.sample([...this.fileDocuments.keys()], 2)) {
      const data = r.bytes(r.int(500, 30000));
      this.put("openemr-sites", documentPath(this.document(id)), data);
      sql.push(
        `UPDATE documents SET size = ${data.length}, hash = '${sha1(data)}', date = '${day} 12:00:00' WHERE id = ${id};`,
      );
    }
    for (const id of this.take([...this.fileDocuments.keys()], 3)) {
      fs.rmSync(this.file("openemr-sites", documentPath(this.document(id))));
      this.fileDocuments.delete(id);
      sql.push(`DELETE FROM documents WHERE id = ${id};`);
    }
    for (const id of this.take(this.blobDocuments, 2)) {
      sql.push(`DELETE FROM documents WHERE id = ${id};`);
    }
    return sql;
  }

  /** Encounter forms, the audit log (grown, its oldest rows purged), billing, settings. */
  private changeRecords(n: number, day: string): string[] {
    const r = this.rng;
    const sql = [this.newForms(50, day)];
    for (const id of r.sample(this.forms, 20)) {
      sql.push(`UPDATE forms SET narrative = ${lit(narrative(r))} WHERE id = ${id};`);
    }
    for (const id of r.sample(this.forms, 5)) {
      sql.push(`UPDATE forms SET deleted = 1 WHERE id = ${id};`);
    }
    for (const id of this.take(this.forms, 5)) sql.push(`DELETE FROM forms WHERE id = ${id};`);
    sql.push(this.newLog(150, day), "DELETE FROM log ORDER BY id LIMIT 100;");
    sql.push(this.newBilling(60, day));
    for (const id of r.sample(this.billing, 10)) {
      sql.push(`UPDATE billing SET fee = ${r.int(0, 99999) / 100}, billed = 1 WHERE id = ${id};`);
    }
    for (const id of this.take(this.billing, 4)) sql.push(`DELETE FROM billing WHERE id = ${id};`);
    for (const name of r.sample(GLOBALS, 2)) {
      const value = lit(`${r.pick(NOTES)} (day ${n})`);
      sql.push(`UPDATE globals SET gl_value = ${value} WHERE gl_name = '${name}';`);
    }
    sql.push(`UPDATE sequences SET id = ${this.nextPid - 1};`);
    return sql;
  }

  /** One-off changes: a password changed, a routine redefined, a column added. */
  private upgrades(n: number, day: string): string[] {
    if (n === 3) {
      const hash = `$2y$10$${this.rng.bytes(20).toString("hex")}`;
      return [
        `UPDATE users_secure SET password_history1 = password, password = '${hash}', last_update_password = '${day} 09:00:00' WHERE username = 'admin';`,
      ];
    }
    if (n === 4) return [PATIENT_AGE_V2];
    if (n === 5) {
      return [
        "ALTER TABLE billing ADD COLUMN revenue_code VARCHAR(6) NOT NULL DEFAULT '';",
        "UPDATE billing SET revenue_code = '0450' WHERE id % 7 = 0;",
      ];
    }
    return [];
  }

  /** The site's other files: a log appended, a directory cleared, a mode, a renewal, a rename. */
  private changeSite(n: number, day: string): void {
    const r = this.rng;
    const history = this.file("openemr-sites", `${SITE}/documents/edi/history.txt`);
    fs.appendFileSync(history, `${day} ISA*00*\n`);
    if (n === 3) {
      fs.rmSync(this.file("openemr-sites", `${SITE}/documents/temp`), { recursive: true });
    }
    if (n === 4) {
      const [id] = r.sample([...this.fileDocuments.keys()], 1);
      fs.chmodSync(this.file("openemr-sites", documentPath(this.document(id))), 0o600);
    }
    if (n === 5) {
      // certbot renewed: a new archive generation, the live links moved to it
      this.put("openemr-letsencrypt", "archive/emr.example.org/fullchain2.pem", "chain 2\n");
      this.put("openemr-letsencrypt", "archive/emr.example.org/privkey2.pem", "key 2\n", 0o600);
      for (const name of ["fullchain", "privkey"]) {
        const link = this.file("openemr-letsencrypt", `live/emr.example.org/${name}.pem`);
        fs.rmSync(link);
        fs.symlinkSync(`../../archive/emr.example.org/${name}2.pem`, link);
      }
      this.put("openemr-ssl", "certs/letsencrypt.cert.pem", "-----BEGIN CERTIFICATE-----\nB\n");
    }
    if (n === 6) {
      // a document renamed in place
      const [id] = r.sample([...this.fileDocuments.keys()], 1);
      const doc = this.document(id);
      const renamed = { pid: doc.pid, name: `renamed ${doc.name}` };
      fs.renameSync(
        this.file("openemr-sites", documentPath(doc)),
        this.file("openemr-sites", documentPath(renamed)),
      );
      this.fileDocuments.set(id, renamed);
      this.server.mustSql(
        `UPDATE openemr.documents SET name = ${lit(renamed.name)}, url = ${lit(documentUrl(renamed))} WHERE id = ${id};`,
      );
    }
  }

  private document(id: number): DocumentFile {
    const doc = this.fileDocuments.get(id);
    if (!doc) throw new Error(`clinic: no document file ${id}`);
    return doc;
  }

  private newPatients(count: number, day: string): string {
    const r = this.rng;
    const rows: SqlValue[][] = [];
    for (let i = 0; i < count; i++) {
      const pid = this.nextPid++;
      this.patients.push(pid);
      rows.push([
        pid,
        r.bytes(16),
        pid,
        `P${100000 + pid}`,
        r.pick(["", "Mr.", "Mrs.", "Ms.", "Dr."]),
        r.pick(FIRST),
        r.pick(["", "Q", "Maël", "Ó"]),
        r.pick(LAST),
        `${r.int(1930, 2024)}-${pad(r.int(1, 12))}-${pad(r.int(1, 28))}`,
        r.pick(["Female", "Male", "Unknown"]),
        `${r.int(1, 9999)} ${r.pick(["Main St", "Rue de l'Église", "Hauptstraße", "銀座"])}`,
        r.pick(["Springfield", "Zürich", "Kraków", "São Paulo", "東京"]),
        String(r.int(10000, 99999)),
        `555-${pad(r.int(0, 9999), 4)}`,
        `patient${pid}@example.org`,
        r.pick(["English", "Español", "Deutsch", "中文"]),
        `${day} 10:${pad(r.int(0, 59))}:${pad(r.int(0, 59))}.${pad(r.int(0, 999999), 6)}`,
        day,
        r.int(0, 6) === 0 ? null : r.pick(NOTES) + " " + r.pick(NOTES),
      ]);
    }
    return inserts(
      "patient_data",
      [
        "id",
        "uuid",
        "pid",
        "pubpid",
        "title",
        "fname",
        "mname",
        "lname",
        "DOB",
        "sex",
        "street",
        "city",
        "postal_code",
        "phone_home",
        "email",
        "language",
        "date",
        "regdate",
        "notes",
      ],
      rows,
    );
  }

  private newDocuments(files: number, blobs: number, day: string): string {
    const r = this.rng;
    const rows: SqlValue[][] = [];
    for (let i = 0; i < files + blobs; i++) {
      const id = this.nextDocument++;
      const pid = r.pick(this.patients);
      const name = r.pick(DOCUMENT_NAMES).replace("{n}", String(id));
      const date = `${day} 09:${pad(r.int(0, 59))}:00`;
      if (i < files) {
        const doc = { pid, name };
        const data = r.bytes(r.int(500, 40000));
        this.put("openemr-sites", documentPath(doc), data);
        this.fileDocuments.set(id, doc);
        rows.push([
          id,
          r.bytes(16),
          "file_url",
          data.length,
          date,
          documentUrl(doc),
          "application/pdf",
          pid,
          day,
          sha1(data),
          name,
          null,
        ]);
      } else {
        // the bytes SQL and the dump must escape, then noise
        const data = Buffer.concat([
          Buffer.from([0, 0x27, 0x5c, 0x0a, 0x0d, 0x1a, 0xff, 0x22, 0x09]),
          r.bytes(r.int(200, 12000)),
        ]);
        this.blobDocuments.push(id);
        rows.push([
          id,
          r.bytes(16),
          "blob",
          data.length,
          date,
          name,
          "image/jpeg",
          pid,
          day,
          sha1(data),
          name,
          data,
        ]);
      }
    }
    return inserts(
      "documents",
      [
        "id",
        "uuid",
        "type",
        "size",
        "date",
        "url",
        "mimetype",
        "foreign_id",
        "docdate",
        "hash",
        "name",
        "document_data",
      ],
      rows,
      100,
    );
  }

  private newForms(count: number, day: string): string {
    const r = this.rng;
    const rows: SqlValue[][] = [];
    for (let i = 0; i < count; i++) {
      const id = this.nextForm++;
      this.forms.push(id);
      const [name, dir] = r.pick([
        ["New Patient Encounter", "newpatient"],
        ["SOAP ✎", "soap"],
        ["Vitals 🩺", "vitals"],
        ["Évaluation de la douleur", "painmap"],
        ["Review of Systems", "ros"],
      ]);
      rows.push([
        id,
        `${day} 1${r.int(0, 9)}:00:00`,
        r.int(1, 90000),
        name,
        id,
        r.pick(this.patients),
        "admin",
        "Default",
        1,
        dir,
        narrative(r),
      ]);
    }
    return inserts(
      "forms",
      [
        "id",
        "date",
        "encounter",
        "form_name",
        "form_id",
        "pid",
        "user",
        "groupname",
        "authorized",
        "formdir",
        "narrative",
      ],
      rows,
    );
  }

  private newLog(count: number, day: string): string {
    const r = this.rng;
    const rows: SqlValue[][] = [];
    for (let i = 0; i < count; i++) {
      const comment = `${r.pick(["select", "update", "insert"])} ${r.pick(NOTES)}`;
      rows.push([
        `${day} ${pad(r.int(0, 23))}:${pad(r.int(0, 59))}:${pad(r.int(0, 59))}`,
        r.pick(["login", "view", "patient-record-update", "order", "scheduling"]),
        r.pick(["Patient Demographics", "Encounter Form", "Security-Administration"]),
        r.pick(["admin", "physician", "frontdesk"]),
        "Default",
        comment,
        r.pick(this.patients),
        r.int(0, 9) === 0 ? 0 : 1,
        sha1(Buffer.from(comment)),
      ]);
    }
    return inserts(
      "log",
      [
        "date",
        "event",
        "category",
        "user",
        "groupname",
        "comments",
        "patient_id",
        "success",
        "checksum",
      ],
      rows,
    );
  }

  private newBilling(count: number, day: string): string {
    const r = this.rng;
    const rows: SqlValue[][] = [];
    for (let i = 0; i < count; i++) {
      const id = this.nextBilling++;
      this.billing.push(id);
      rows.push([
        id,
        `${day} 15:00:00`,
        r.pick(["CPT4", "ICD10", "HCPCS"]),
        r.pick(["99213", "99214", "J45.909", "E11.9", "G0439"]),
        r.pick(this.patients),
        r.int(1, 90000),
        r.int(0, 99999) / 100,
        r.int(1, 4),
        r.pick(["", "25", "59"]),
        "1:",
        1,
        r.int(0, 1),
      ]);
    }
    return inserts(
      "billing",
      [
        "id",
        "date",
        "code_type",
        "code",
        "pid",
        "encounter",
        "fee",
        "units",
        "modifier",
        "justify",
        "activity",
        "billed",
      ],
      rows,
    );
  }

  /** Draws `count` items out of `list` (they are gone from the practice). */
  private take(list: number[], count: number): number[] {
    const out = this.rng.sample(list, count);
    for (const item of out) list.splice(list.indexOf(item), 1);
    return out;
  }

  private file(volume: string, rel: string): string {
    return path.join(this.host.volume(volume), rel);
  }

  private put(volume: string, rel: string, content: string | Buffer, mode = 0o644): void {
    const file = this.file(volume, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    fs.chmodSync(file, mode);
  }

  private link(volume: string, rel: string, target: string): void {
    const file = this.file(volume, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.symlinkSync(target, file);
  }
}

function narrative(r: Random): string {
  const parts: string[] = [];
  for (let i = r.int(1, 20); i > 0; i--) parts.push(r.pick(NOTES));
  return parts.join(" ");
}

function documentPath(doc: DocumentFile): string {
  return `${SITE}/documents/${doc.pid}/${doc.name}`;
}

function documentUrl(doc: DocumentFile): string {
  return `${DOCUMENTS_URL}/${doc.pid}/${doc.name}`;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

const sha1 = (data: Buffer): string => crypto.createHash("sha1").update(data).digest("hex");

/**
 * OpenEMR's `version` table (sql/database.sql) with one row for `version` ("7.0.2"): what
 * openemr-export and the importer read the version from.
 */
export function addVersionTable(
  server: MariaDbServer,
  version: string,
  database = "openemr",
): void {
  const [major, minor, patch] = version.split(".").map(Number);
  // replaces the practice's own table (Clinic seeds one) with this version's row
  server.mustSql(`
    DROP TABLE IF EXISTS \`${database}\`.version;
    CREATE TABLE \`${database}\`.version (
      v_major INT NOT NULL DEFAULT 0, v_minor INT NOT NULL DEFAULT 0, v_patch INT NOT NULL DEFAULT 0,
      v_realpatch INT NOT NULL DEFAULT 0, v_tag VARCHAR(31) NOT NULL DEFAULT '',
      v_database INT NOT NULL DEFAULT 0, v_acl INT NOT NULL DEFAULT 0
    ) ENGINE=InnoDB;
    INSERT INTO \`${database}\`.version VALUES (${major}, ${minor}, ${patch}, 0, '', 0, 0);
  `);
}
