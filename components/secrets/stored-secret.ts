import type * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface StoredSecretArgs {
  /** The Secrets Manager name, e.g. `openemr-prod/app-credentials`. */
  secretName: string;
  description: string;
  /** Customer-managed key that encrypts the secret. */
  kmsKeyArn: pulumi.Input<string>;
  /** Pulumi `protect` and a 30-day recovery window (else deleted at once with the stack). */
  protect: boolean;
  /** The value, a Pulumi secret (a JSON document or a single string). */
  value: pulumi.Input<string>;
}

/**
 * A Secrets Manager secret under the customer-managed key and its value (resources `<name>` and
 * `<name>-value`): how every generated credential of the program is kept.
 */
export function storedSecret(
  name: string,
  args: StoredSecretArgs,
  opts: pulumi.CustomResourceOptions,
): { secret: aws.secretsmanager.Secret; version: aws.secretsmanager.SecretVersion } {
  const secret = new aws.secretsmanager.Secret(
    name,
    {
      name: args.secretName,
      description: args.description,
      kmsKeyId: args.kmsKeyArn,
      recoveryWindowInDays: args.protect ? 30 : 0,
    },
    { ...opts, protect: args.protect },
  );
  const version = new aws.secretsmanager.SecretVersion(
    `${name}-value`,
    { secretId: secret.id, secretString: args.value },
    opts,
  );
  return { secret, version };
}
