import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";

/**
 * Special characters allowed in generated passwords: safe in openemr.sh's unquoted, word-split
 * installer arguments and its `sh -c` (no globbing `*?[`, no `=`, `$`, `&`, `;`, quotes or
 * backslash), in sqlconf.php's single-quoted strings, in Docker env files (no `#`, no spaces) and
 * in ECS secrets.
 */
export const PASSWORD_SPECIALS = "-_.~^!";

/** A password OpenEMR accepts: at least two of each character class (openemr-on-ecs#32). */
export function generatePassword(
  name: string,
  opts: pulumi.CustomResourceOptions,
  length = 24,
): random.RandomPassword {
  return new random.RandomPassword(
    name,
    {
      length,
      minUpper: 2,
      minLower: 2,
      minNumeric: 2,
      minSpecial: 2,
      overrideSpecial: PASSWORD_SPECIALS,
    },
    opts,
  );
}

export interface SecureParameterArgs {
  parameterName: string;
  description: string;
  value: pulumi.Input<string>;
  /** Customer-managed key; undefined uses the account's SSM key (alias/aws/ssm). */
  kmsKeyArn?: pulumi.Input<string>;
}

/** A generated password kept as an SSM SecureString (free, unlike a Secrets Manager secret). */
export function secureParameter(
  name: string,
  args: SecureParameterArgs,
  opts: pulumi.CustomResourceOptions,
): aws.ssm.Parameter {
  return new aws.ssm.Parameter(
    name,
    {
      name: args.parameterName,
      description: args.description,
      type: "SecureString",
      value: pulumi.secret(args.value),
      keyId: args.kmsKeyArn,
      tier: "Standard",
    },
    opts,
  );
}

/**
 * Generated passwords kept as SSM SecureString parameters `<prefix>/<suffix>` (resources
 * `<name>-<key>-password` and `-password-value`); returns the parameter names by key.
 */
export function passwordParameters<K extends string>(
  name: string,
  suffixes: Record<K, string>,
  args: { prefix: string; kmsKeyArn?: pulumi.Input<string> },
  opts: pulumi.CustomResourceOptions,
): Record<K, string> {
  const names = {} as Record<K, string>;
  for (const key of Object.keys(suffixes) as K[]) {
    names[key] = `${args.prefix}/${suffixes[key]}`;
    secureParameter(
      `${name}-${key}-password`,
      {
        parameterName: names[key],
        description: `${name}: generated ${key} password`,
        value: generatePassword(`${name}-${key}-password-value`, opts).result,
        kmsKeyArn: args.kmsKeyArn,
      },
      opts,
    );
  }
  return names;
}
