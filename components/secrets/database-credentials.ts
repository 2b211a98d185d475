import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { generatePassword } from "./generated-password";
import { storedSecret } from "./stored-secret";

export interface DatabaseCredentialsArgs {
  /** The Secrets Manager secret's name. */
  secretName: string;
  username: string;
  /** Customer-managed key that encrypts the secret. */
  kmsKeyArn: pulumi.Input<string>;
  /** Pulumi `protect` and a 30-day recovery window on the secret (else deleted at once). */
  protect: boolean;
}

/**
 * A database master user whose password OpenEMR's installer can take: generated from the restricted
 * set (RDS-managed master passwords may hold `$ & ; * = ( )`, which openemr.sh passes unquoted,
 * even through `sh -c`, so the first install fails), kept in Secrets Manager under the
 * customer-managed key as `{"username", "password"}`, the same shape as an RDS-managed secret.
 * To rotate: `pulumi up --replace` the password resource; RDS changes the master password in place.
 */
export class DatabaseCredentials extends pulumi.ComponentResource {
  public readonly username: string;
  /** The password, a Pulumi secret: for the database resource only. */
  public readonly password: pulumi.Output<string>;
  public readonly secret: aws.secretsmanager.Secret;
  public readonly secretArn: pulumi.Output<string>;

  constructor(name: string, args: DatabaseCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:secrets:DatabaseCredentials", name, {}, opts);
    const child = { parent: this };
    this.username = args.username;
    this.password = pulumi.secret(generatePassword(`${name}-password`, child, 32).result);
    this.secret = storedSecret(
      `${name}-secret`,
      {
        secretName: args.secretName,
        description: `${name}: database master user (generated; rotate by replacing the password)`,
        kmsKeyArn: args.kmsKeyArn,
        protect: args.protect,
        value: pulumi.jsonStringify({ username: args.username, password: this.password }),
      },
      child,
    ).secret;
    this.secretArn = this.secret.arn;
    this.registerOutputs({ secretArn: this.secretArn });
  }
}
