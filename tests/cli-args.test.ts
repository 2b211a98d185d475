// The shared argument parser (tools/runtime/cli-args.ts): value, switch, repeated, optional-value
// and positional arguments, its errors and the usage text it renders from the same table.
import { expect } from "chai";
import {
  UsageError,
  defineCli,
  parseArgs,
  readArgs,
  usageFailure,
  usageText,
} from "../tools/runtime/cli-args";

const PLAN_LIKE = defineCli({
  tool: "demo",
  summary: "Does a demonstration.",
  flags: {
    stack: { value: "name", required: true, help: "the stack" },
    set: { value: "key=value", repeatable: true, help: "a config override" },
    json: { value: "file", help: "where the plan goes" },
    diagram: { value: "file", optionalValue: true, help: "the diagram: stdout, or this file" },
    verbose: { help: "say more" },
  },
  notes: "Exit codes: 0 fine; 2 bad arguments.",
});

const DIFF_LIKE = defineCli({
  tool: "pair",
  summary: "Compares two files.",
  positionals: [
    { name: "base", help: "the first" },
    { name: "head", help: "the second" },
  ],
  flags: {
    markdown: { help: "Markdown output" },
    diagram: { value: "file", optionalValue: true, help: "a diagram" },
  },
});

function flags(argv: string[]) {
  const parsed = parseArgs(PLAN_LIKE, argv);
  if (parsed === "help") throw new Error("unexpected help");
  return parsed.flags;
}

function refusal(spec: Parameters<typeof parseArgs>[0], argv: string[]): string {
  try {
    parseArgs(spec, argv);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error(`accepted: ${argv.join(" ")}`);
}

describe("cli-args: the shared argument parser", () => {
  describe("value flags", () => {
    it("take the next argument or the text after =, which may itself hold =", () => {
      expect(flags(["--stack", "dev"]).stack).to.equal("dev");
      expect(flags(["--stack=dev"]).stack).to.equal("dev");
      expect(flags(["--stack=dev", "--set=openemr:preset=fargate"]).set).to.deep.equal([
        "openemr:preset=fargate",
      ]);
      expect(flags(["--stack", "dev", "--json", "-"]).json).to.equal("-");
    });

    it("parse an absent optional flag as undefined and a switch as false", () => {
      expect(flags(["--stack", "dev"])).to.deep.equal({
        stack: "dev",
        set: [],
        json: undefined,
        diagram: undefined,
        verbose: false,
      });
    });

    it("keep every value of a repeatable flag, in order", () => {
      expect(flags(["--set", "a=1", "--stack", "dev", "--set=b=2"]).set).to.deep.equal([
        "a=1",
        "b=2",
      ]);
    });

    it("refuse a second value for a flag that is not repeatable", () => {
      expect(refusal(PLAN_LIKE, ["--stack", "dev", "--stack=prod"])).to.equal(
        "--stack given more than once",
      );
      expect(refusal(PLAN_LIKE, ["--stack", "dev", "--verbose", "--verbose"])).to.equal(
        "--verbose given more than once",
      );
    });

    it("refuse a missing value: at the end, before another flag, or empty after =", () => {
      expect(refusal(PLAN_LIKE, ["--stack", "dev", "--json"])).to.equal("--json needs a value");
      expect(refusal(PLAN_LIKE, ["--json", "--stack", "dev"])).to.equal("--json needs a value");
      expect(refusal(PLAN_LIKE, ["--stack="])).to.equal("--stack needs a value");
    });

    it("refuse to run without a required flag, naming it with its value", () => {
      expect(refusal(PLAN_LIKE, [])).to.equal("--stack <name> is required");
      expect(refusal(PLAN_LIKE, ["--json", "x.json"])).to.equal("--stack <name> is required");
    });
  });

  describe("switches", () => {
    it("are true when given", () => {
      expect(flags(["--stack", "dev", "--verbose"]).verbose).to.equal(true);
    });

    it("refuse =value, even one that reads as true", () => {
      expect(refusal(PLAN_LIKE, ["--stack", "dev", "--verbose=yes"])).to.equal(
        "--verbose takes no value (got --verbose=yes)",
      );
      expect(refusal(PLAN_LIKE, ["--stack", "dev", "--verbose=true"])).to.equal(
        "--verbose takes no value (got --verbose=true)",
      );
    });
  });

  describe("optional values", () => {
    it("are true alone, the value when one follows or comes after =", () => {
      expect(flags(["--stack", "dev", "--diagram"]).diagram).to.equal(true);
      expect(flags(["--diagram", "--stack", "dev"]).diagram).to.equal(true);
      expect(flags(["--stack", "dev", "--diagram", "out.md"]).diagram).to.equal("out.md");
      expect(flags(["--stack", "dev", "--diagram=out.md"]).diagram).to.equal("out.md");
      expect(refusal(PLAN_LIKE, ["--stack", "dev", "--diagram="])).to.equal(
        "--diagram needs a value",
      );
    });

    it("take no positional argument's place: only --flag=value gives one there", () => {
      const alone = parseArgs(DIFF_LIKE, ["--diagram", "a.json", "b.json"]);
      expect(alone).to.deep.equal({
        flags: { markdown: false, diagram: true },
        positionals: ["a.json", "b.json"],
      });
      const given = parseArgs(DIFF_LIKE, ["a.json", "--diagram=d.md", "b.json"]);
      expect(given).to.deep.equal({
        flags: { markdown: false, diagram: "d.md" },
        positionals: ["a.json", "b.json"],
      });
    });
  });

  describe("unknown and stray arguments", () => {
    it("refuse an unknown flag, with or without a value, by its name", () => {
      expect(refusal(PLAN_LIKE, ["--stack", "dev", "--x"])).to.equal("unknown argument --x");
      expect(refusal(PLAN_LIKE, ["--stack", "dev", "--x=1"])).to.equal("unknown argument --x");
      expect(refusal(PLAN_LIKE, ["--stack", "dev", "-x"])).to.equal("unknown argument -x");
    });

    it("report the first problem when there are several", () => {
      expect(refusal(PLAN_LIKE, ["--y", "--verbose=1", "--x"])).to.equal("unknown argument --y");
    });

    it("refuse a positional argument a command does not take", () => {
      expect(refusal(PLAN_LIKE, ["--stack", "dev", "extra"])).to.equal("unknown argument extra");
      expect(refusal(PLAN_LIKE, ["--stack", "dev", "--", "--verbose"])).to.equal(
        "unknown argument --verbose",
      );
    });
  });

  describe("positional arguments", () => {
    it("are taken in order, flags anywhere, and anything after -- as positional", () => {
      expect(parseArgs(DIFF_LIKE, ["--markdown", "a", "b"])).to.deep.equal({
        flags: { markdown: true, diagram: undefined },
        positionals: ["a", "b"],
      });
      expect(parseArgs(DIFF_LIKE, ["a", "--", "-b.json"])).to.deep.equal({
        flags: { markdown: false, diagram: undefined },
        positionals: ["a", "-b.json"],
      });
    });

    it("refuse missing ones by name and a third one as unknown", () => {
      expect(refusal(DIFF_LIKE, [])).to.equal("missing arguments <base> <head>");
      expect(refusal(DIFF_LIKE, ["a"])).to.equal("missing argument <head>");
      expect(refusal(DIFF_LIKE, ["a", "b", "c"])).to.equal("unknown argument c");
    });
  });

  describe("--help", () => {
    it("wins wherever it stands, over any other problem", () => {
      expect(parseArgs(PLAN_LIKE, ["--help"])).to.equal("help");
      expect(parseArgs(PLAN_LIKE, ["--x", "-h"])).to.equal("help");
      expect(parseArgs(DIFF_LIKE, ["a", "b", "c", "--help"])).to.equal("help");
    });

    it("takes no value and is positional after --", () => {
      expect(refusal(PLAN_LIKE, ["--help=yes"])).to.equal("--help takes no value (got --help=yes)");
      expect(refusal(PLAN_LIKE, ["--stack", "dev", "--", "--help"])).to.equal(
        "unknown argument --help",
      );
    });
  });

  describe("usage text", () => {
    it("renders the synopsis, summary, every argument and the notes from the one table", () => {
      expect(usageText(PLAN_LIKE)).to.equal(
        [
          "Usage: npm run demo -- --stack <name> [--set <key=value> ...] [--json <file>] [--diagram [<file>]]",
          "    [--verbose]",
          "",
          "Does a demonstration.",
          "",
          "  --stack <name>      the stack (required)",
          "  --set <key=value>   a config override (repeatable)",
          "  --json <file>       where the plan goes",
          "  --diagram [<file>]  the diagram: stdout, or this file",
          "  --verbose           say more",
          "  -h, --help          print this text and exit",
          "",
          "Exit codes: 0 fine; 2 bad arguments.",
          "",
        ].join("\n"),
      );
      expect(usageText(DIFF_LIKE).split("\n")[0]).to.equal(
        "Usage: npm run pair -- <base> <head> [--markdown] [--diagram [<file>]]",
      );
    });

    it("wraps a long help text under its column, within 100 characters", () => {
      const help = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
      const spec = defineCli({ tool: "wide", summary: "Wide.", flags: { flag: { help } } });
      const lines = usageText(spec).split("\n");
      const first = lines.findIndex((l) => l.startsWith("  --flag "));
      const last = lines.findIndex((l) => l.startsWith("  -h, --help "));
      const rows = lines.slice(first, last);
      expect(rows.length).to.equal(4);
      for (const line of rows) expect(line.length, line).to.be.at.most(100);
      // "  " + the widest label ("-h, --help") + "  ": every line of the text starts there
      for (const line of rows.slice(1)) expect(line).to.match(/^ {14}word\d/);
      expect(rows.map((l) => l.slice(14)).join(" ")).to.equal(help);
    });
  });

  describe("readArgs", () => {
    it("gives the parsed arguments, or the exit: usage on stdout with 0, the error on stderr with 2", () => {
      expect(readArgs(PLAN_LIKE, ["--stack=dev"])).to.have.nested.property(
        "args.flags.stack",
        "dev",
      );
      expect(readArgs(PLAN_LIKE, ["-h"])).to.deep.equal({
        exit: { code: 0, stdout: usageText(PLAN_LIKE), stderr: "" },
      });
      expect(readArgs(PLAN_LIKE, ["--stack", "dev", "--x"])).to.deep.equal({
        exit: {
          code: 2,
          stdout: "",
          stderr: `demo: unknown argument --x\n\n${usageText(PLAN_LIKE)}`,
        },
      });
      expect(usageFailure(PLAN_LIKE, "--stack needs a value")).to.equal(
        `demo: --stack needs a value\n\n${usageText(PLAN_LIKE)}`,
      );
    });
  });
});
