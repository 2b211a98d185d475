// The SSM Command documents the EC2 hosts run (the upgrade, the host scripts): schema 2.2 with one
// aws:runShellScript step on Linux, every parameter a String checked against a pattern before
// Systems Manager substitutes it (Systems Manager User Guide, "SSM document schema features and
// examples").
import type * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { documentNameProblem } from "../admin/session-logging";

/** A String parameter: Systems Manager refuses a value that does not match `allowedPattern`. */
export interface CheckedParameter {
  type: "String";
  description: string;
  allowedPattern: string;
}

/** An SSM Command document, schema 2.2, with one aws:runShellScript step. */
export interface ShellCommandDocument<Param extends string> {
  schemaVersion: "2.2";
  description: string;
  parameters: Record<Param, CheckedParameter>;
  mainSteps: {
    action: "aws:runShellScript";
    name: string;
    precondition: { StringEquals: ["platformType", "Linux"] };
    inputs: { timeoutSeconds: string; runCommand: string[] };
  }[];
}

/** Pure: the document of one shell step `step` taking `parameters`. */
export function shellCommandDocument<Param extends string>(
  description: string,
  parameters: Record<Param, Omit<CheckedParameter, "type">>,
  step: { name: string; timeoutSeconds: number; runCommand: string[] },
): ShellCommandDocument<Param> {
  const checked = Object.fromEntries(
    Object.entries<Omit<CheckedParameter, "type">>(parameters).map(([key, p]) => [
      key,
      { type: "String", ...p },
    ]),
  ) as Record<Param, CheckedParameter>;
  return {
    schemaVersion: "2.2",
    description,
    parameters: checked,
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: step.name,
        precondition: { StringEquals: ["platformType", "Linux"] },
        inputs: { timeoutSeconds: String(step.timeoutSeconds), runCommand: step.runCommand },
      },
    ],
  };
}

/**
 * The SSM document `name` holding `content` (its AWS name checked first: documentNameProblem), a
 * child of the component that runs it.
 */
export function commandDocument<Param extends string>(
  name: string,
  content: ShellCommandDocument<Param>,
  opts: pulumi.CustomResourceOptions,
): aws.ssm.Document {
  const problem = documentNameProblem(name);
  if (problem) throw new Error(`${name}: ${problem}`);
  return new aws.ssm.Document(
    name,
    {
      name,
      documentType: "Command",
      documentFormat: "JSON",
      content: JSON.stringify(content),
      tags: { Name: name },
    },
    opts,
  );
}
