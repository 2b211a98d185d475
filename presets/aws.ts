// The `aws:` namespace of a stack: the AWS provider's own settings. The program reads aws:region
// (names, ARNs and endpoints follow it); every other key is the provider's. The provider refuses a
// key it does not know ("Invalid or unknown key") when `pulumi preview` or `up` configures it; the
// offline plan runs no provider, so the program checks the keys itself.
import * as awsProviderConfig from "@pulumi/aws/config/vars";
import { closest } from "./closest";

/** The AWS provider's config variables, as the installed @pulumi/aws declares them (config/vars). */
export const AWS_PROVIDER_KEYS: readonly string[] = Object.keys(awsProviderConfig).filter(
  (key) => key !== "default",
);

/**
 * The commercial and AWS GovCloud (US) regions, from the AWS General Reference, "AWS service
 * endpoints" region table (https://docs.aws.amazon.com/general/latest/gr/rande.html#regional-endpoints),
 * checked against @pulumi/aws's `Region` enum (types/enums; a test keeps every entry in it). The
 * China, European Sovereign Cloud and ISO partitions are left out: their accounts, ARNs and
 * endpoints are separate and this program is not built for them.
 */
export const AWS_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-south-1",
  "ap-south-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ca-central-1",
  "ca-west-1",
  "eu-central-1",
  "eu-central-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-south-1",
  "eu-south-2",
  "eu-north-1",
  "il-central-1",
  "me-south-1",
  "me-central-1",
  "mx-central-1",
  "sa-east-1",
  "us-gov-east-1",
  "us-gov-west-1",
] as const;

/** The problem with `aws:<name>` = `value`, or undefined. */
export function awsSettingProblem(name: string, value: string): string | undefined {
  if (!AWS_PROVIDER_KEYS.includes(name)) {
    const near = closest(name, AWS_PROVIDER_KEYS);
    const allowed = near
      ? `did you mean aws:${near}?`
      : `its settings: ${AWS_PROVIDER_KEYS.join(", ")}`;
    return `aws:${name}: not a setting of the AWS provider (@pulumi/aws), which refuses it; ${allowed}`;
  }
  if (name === "region") return regionProblem(value);
  return undefined;
}

function regionProblem(region: string): string | undefined {
  if ((AWS_REGIONS as readonly string[]).includes(region)) return undefined;
  const near = closest(region, AWS_REGIONS);
  const got =
    region.trim() === ""
      ? "is empty; set the region to deploy into (pulumi config set aws:region us-east-1)"
      : `got ${JSON.stringify(region)}; not an AWS region${near ? ` (did you mean ${near}?)` : ""}`;
  return `aws:region: ${got}. Allowed (commercial and GovCloud regions): ${AWS_REGIONS.join(", ")}`;
}
