// Credentials: ECS task definitions pass secrets by reference, never as plain environment values.

import type { TaskDefinitionArgs } from "@pulumi/aws/ecs/taskDefinition";
import { T, configOf, forEachChecked, forTypes, named, resourcePolicy } from "./common";

export interface PlaintextSecretsConfig {
  secretNamePattern: string;
}

export const PLAINTEXT_SECRETS_DEFAULTS: PlaintextSecretsConfig = {
  secretNamePattern: "(PASS(WORD|WD)?|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)",
};

interface ContainerDefinition {
  name?: unknown;
  environment?: unknown;
}

function containers(definitions: unknown): ContainerDefinition[] {
  let parsed: unknown = definitions;
  if (typeof definitions === "string") {
    try {
      parsed = JSON.parse(definitions);
    } catch {
      return []; // AWS rejects malformed container definitions anyway
    }
  }
  return Array.isArray(parsed) ? (parsed as ContainerDefinition[]) : [];
}

export const ecsTaskNoPlaintextSecrets = resourcePolicy({
  name: "ecs-task-no-plaintext-secrets",
  description:
    "ECS container definitions do not put credentials in plain environment variables (names " +
    "matching the secret pattern); they use secrets[].valueFrom (Secrets Manager or SSM).",
  severity: "critical",
  configSchema: {
    properties: {
      secretNamePattern: {
        type: "string",
        minLength: 1,
        default: PLAINTEXT_SECRETS_DEFAULTS.secretNamePattern,
        description: "Case-insensitive regular expression over environment variable names.",
      },
    },
  },
  validations: [
    forTypes<TaskDefinitionArgs>([T.ecsTaskDefinition], (props, args, report) => {
      const { secretNamePattern } = configOf(args, PLAINTEXT_SECRETS_DEFAULTS);
      const pattern = new RegExp(secretNamePattern, "i");
      // Reading containerDefinitions throws during preview when it embeds unknown values.
      forEachChecked(containers(props.containerDefinitions), (container) => {
        const env = Array.isArray(container.environment)
          ? (container.environment as unknown[])
          : [];
        for (const entry of env) {
          const name = (entry as { name?: unknown } | null)?.name;
          if (typeof name === "string" && pattern.test(name)) {
            report(
              `${named("Task definition", args.name)} passes "${name}" to container ` +
                `"${String(container.name)}" as a plain environment value. Move it to secrets: ` +
                `[{ name: "${name}", valueFrom: <Secrets Manager secret ARN> }].`,
            );
          }
        }
      });
    }),
  ],
});

export const secretPolicies = [ecsTaskNoPlaintextSecrets];
