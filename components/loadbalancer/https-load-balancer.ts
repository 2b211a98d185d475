import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { NAME_LIMITS, fitName } from "../naming/aws-names";
import { parseCidr } from "../network/cidr";
import { allowCidrs, allowTcp } from "../network/security-rules";
import { SecureBucket } from "../storage/secure-bucket";

/** TLS 1.3 and 1.2 only, forward-secret ciphers only (AWS's recommended "Res" policy). */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06";

/** Prefix of the access-log objects in the log bucket. */
export const ACCESS_LOG_PREFIX = "alb";

/**
 * Security headers the HTTPS listener sets on every response (ALB header modification: "If the
 * response from target includes the HTTP response header, the load balancer updates the header
 * value to be the configured value"; values of at most 1K bytes, of letters, digits and
 * `_ :;.,\/'?!(){}[]@<>=-+*#&`|~^%` only:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/header-modification.html).
 * OpenEMR's login and portal login pages send `X-Frame-Options: DENY` and `frame-ancestors 'none'`
 * themselves; the listener's same-origin values replace them, which still refuses every other site.
 */
export const SECURITY_HEADERS = {
  /** One year; no includeSubDomains, the clinic's other names are not this program's to decide. */
  strictTransportSecurity: "max-age=31536000",
  /** The only value ELB accepts; stops browsers from running an upload sniffed as HTML or script. */
  xContentTypeOptions: "nosniff",
  /**
   * SAMEORIGIN, not DENY: OpenEMR's tabbed UI (interface/main/tabs/main.php) and its dialogs load
   * its own pages in iframes. ELB accepts DENY, SAMEORIGIN or ALLOW-FROM <origin>.
   */
  xFrameOptions: "SAMEORIGIN",
  /**
   * Only directives that leave OpenEMR's inline scripts, inline styles and eval alone (no
   * default-src, script-src or style-src):
   * - frame-ancestors 'self': what SAMEORIGIN says, for browsers that follow CSP over XFO;
   * - object-src 'self' data:: <object>/<embed> only from OpenEMR itself, which the document viewer
   *   uses for TIFF and text (templates/documents/general_view.html), and data: for the PDFs the
   *   portal embeds as <object data="data:application/pdf;base64,..."> (portal/lib/doc_lib.php);
   * - base-uri 'self': an injected <base href> cannot re-point OpenEMR's relative script and form
   *   URLs to another site (a same-origin <base> still works);
   * No form-action: NewCrop e-prescribing posts a form to the NewCrop site (interface/eRx.php,
   * action = erx_newcrop_path) and OAuth2/SMART authorization redirects after its login form to the
   * app's own redirect URI, which form-action 'self' would block.
   */
  contentSecurityPolicy: "frame-ancestors 'self'; object-src 'self' data:; base-uri 'self'",
} as const;

/**
 * Regions that opened before August 2022 deliver load-balancer logs from a regional ELB account
 * (`aws.elb.getServiceAccount`); later regions only from the log-delivery service principal.
 */
export const REGIONS_WITH_ELB_ACCOUNT: ReadonlySet<string> = new Set([
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "af-south-1",
  "ap-east-1",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ca-central-1",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-south-1",
  "eu-north-1",
  "me-south-1",
  "sa-east-1",
  "us-gov-west-1",
  "us-gov-east-1",
  "cn-north-1",
  "cn-northwest-1",
]);

export interface HttpsLoadBalancerArgs {
  vpcId: pulumi.Input<string>;
  publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** IPv4 and IPv6 blocks allowed to connect; empty means nobody. */
  allowedCidrs: string[];
  /** An existing ACM certificate; otherwise one is requested for `domain` and validated in `hostedZoneId`. */
  certificateArn?: string;
  /** The public name of the site; with `hostedZoneId` an alias record is created for it. */
  domain?: string;
  hostedZoneId?: string;
  /** "ip" for Fargate tasks, "instance" for EC2 instances. */
  targetType: "ip" | "instance";
  /** The security group of the targets: the load balancer is allowed to reach it on `targetPort`. */
  targetSecurityGroupId: pulumi.Input<string>;
  /** Port the targets serve HTTPS on (OpenEMR's image: 443). */
  targetPort?: number;
  /** Health-check path; "/" answers 302 to the login page once OpenEMR is configured. */
  healthCheckPath?: string;
  healthyHttpCodes?: string;
  /** The region the stack deploys to (decides who delivers access logs). */
  region: string;
  /** Days access logs are kept. */
  logRetentionDays: number;
  /** AWS deletion protection on the load balancer; Pulumi `protect` on the log bucket. */
  protect: boolean;
}

/**
 * An internet-facing Application Load Balancer that only speaks HTTPS: TLS 1.3/1.2 listener,
 * a port-80 listener whose only action is a redirect to HTTPS, invalid headers dropped, defensive
 * desync mitigation, security response headers (HSTS, nosniff, X-Frame-Options, a CSP), access logs
 * to an SSE-S3 bucket, ingress from `allowedCidrs` only, and an HTTPS target group whose health
 * check tolerates OpenEMR's first-boot setup. A tier puts a WAF in front of it with
 * `new WebFirewall(name, { resourceArn: lb.loadBalancer.arn, ... })` (components/waf/web-firewall.ts),
 * which owns the web ACL association.
 */
export class HttpsLoadBalancer extends pulumi.ComponentResource {
  public readonly loadBalancer: aws.lb.LoadBalancer;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  public readonly targetGroup: aws.lb.TargetGroup;
  public readonly httpsListener: aws.lb.Listener;
  public readonly httpListener: aws.lb.Listener;
  public readonly accessLogs: SecureBucket;
  public readonly certificateArn: pulumi.Output<string>;
  /** The name users type: `domain` when given, the load balancer's DNS name otherwise. */
  public readonly hostname: pulumi.Output<string>;
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: HttpsLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("openemr:loadbalancer:HttpsLoadBalancer", name, {}, opts);
    const child = { parent: this };
    const targetPort = args.targetPort ?? 443;

    if (!args.certificateArn && !(args.domain && args.hostedZoneId)) {
      throw new Error(
        `${name}: an HTTPS load balancer needs certificateArn, or domain together with hostedZoneId`,
      );
    }
    for (const text of args.allowedCidrs) {
      if (!parseCidr(text)) throw new Error(`${name}: allowedCidrs: ${text} is not a CIDR block`);
    }

    // --- access logs: ALB log delivery only supports SSE-S3, never KMS ---
    const identity = aws.getCallerIdentityOutput({}, child);
    const elbAccountArn = REGIONS_WITH_ELB_ACCOUNT.has(args.region)
      ? aws.elb.getServiceAccountOutput({ region: args.region }, child).arn
      : undefined;
    this.accessLogs = new SecureBucket(
      `${name}-access-logs`,
      {
        encryption: { kind: "s3-managed" },
        purpose: "lb-access-logs",
        expireAfterDays: args.logRetentionDays,
        noncurrentExpireAfterDays: 30,
        protect: args.protect,
        forceDestroy: !args.protect,
        extraStatements: (bucketArn) =>
          pulumi
            .all([identity.accountId, elbAccountArn ?? ""])
            .apply(([account, elbArn]) =>
              accessLogDeliveryStatements(bucketArn, account, elbArn || undefined),
            ),
      },
      child,
    );

    // --- security group: ingress from allowedCidrs only, egress only to the targets ---
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `${name}: HTTPS from the allowed networks only`,
        tags: { Name: `${name}-sg` },
      },
      child,
    );
    for (const [port, purpose] of [
      [443, "HTTPS"],
      [80, "HTTP, redirected to HTTPS"],
    ] as const) {
      allowCidrs(
        `${name}-in-${port}`,
        {
          securityGroupId: this.securityGroup.id,
          direction: "in",
          port,
          cidrs: args.allowedCidrs,
          description: `${purpose} from an allowed network`,
        },
        child,
      );
    }
    allowTcp(
      `${name}-to-targets`,
      {
        fromSecurityGroupId: this.securityGroup.id,
        toSecurityGroupId: args.targetSecurityGroupId,
        port: targetPort,
        description: "Load balancer to its HTTPS targets",
      },
      child,
    );

    this.loadBalancer = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        // ELBv2 names: at most 32 characters (CreateLoadBalancer, Name). Left to the provider, the
        // name would be `<logical name>-<7 random>`, over 32 for stack names of 10 characters
        name: fitName(`${name}-alb`, NAME_LIMITS.elbv2),
        loadBalancerType: "application",
        internal: false,
        ipAddressType: "ipv4",
        subnets: args.publicSubnetIds,
        securityGroups: [this.securityGroup.id],
        dropInvalidHeaderFields: true,
        desyncMitigationMode: "defensive",
        enableDeletionProtection: args.protect,
        enableHttp2: true,
        idleTimeout: 60,
        accessLogs: {
          bucket: this.accessLogs.bucketName,
          prefix: ACCESS_LOG_PREFIX,
          enabled: true,
        },
        tags: { Name: `${name}-alb` },
      },
      // ELB writes a test object when logging is turned on: the bucket policy must exist first
      { ...child, dependsOn: [this.accessLogs.policy] },
    );

    this.targetGroup = new aws.lb.TargetGroup(
      `${name}-tg`,
      {
        // 32 characters at most (CreateTargetGroup, Name) and unique in the account and region: the
        // settings whose change replaces the group are part of it, so a replacement (created before
        // the old group is deleted) never collides with the group it replaces
        name: fitName(`${name}-tg-${args.targetType}-${targetPort}`, NAME_LIMITS.elbv2),
        vpcId: args.vpcId,
        targetType: args.targetType,
        port: targetPort,
        protocol: "HTTPS",
        protocolVersion: "HTTP1",
        deregistrationDelay: 30,
        healthCheck: {
          enabled: true,
          protocol: "HTTPS",
          port: "traffic-port",
          path: args.healthCheckPath ?? "/",
          matcher: args.healthyHttpCodes ?? "200,302",
          interval: 30,
          timeout: 10,
          healthyThreshold: 2,
          // five misses in a row (2.5 minutes) before a target is taken out
          unhealthyThreshold: 5,
        },
        tags: { Name: `${name}-tg` },
      },
      child,
    );

    // --- certificate: given, or requested and validated by DNS in the hosted zone ---
    if (args.certificateArn) {
      this.certificateArn = pulumi.output(args.certificateArn);
    } else {
      const domain = args.domain!;
      const zoneId = args.hostedZoneId!;
      const certificate = new aws.acm.Certificate(
        `${name}-cert`,
        {
          domainName: domain,
          validationMethod: "DNS",
          keyAlgorithm: "RSA_2048",
          tags: { Name: `${name}-cert` },
        },
        child,
      );
      const option = certificate.domainValidationOptions.apply((options) => options[0]);
      const validationRecord = new aws.route53.Record(
        `${name}-cert-validation`,
        {
          zoneId,
          name: option.apply((o) => o.resourceRecordName ?? ""),
          type: option.apply((o) => o.resourceRecordType ?? "CNAME"),
          records: [option.apply((o) => o.resourceRecordValue ?? "")],
          ttl: 300,
          allowOverwrite: true,
        },
        child,
      );
      const validation = new aws.acm.CertificateValidation(
        `${name}-cert-validated`,
        { certificateArn: certificate.arn, validationRecordFqdns: [validationRecord.fqdn] },
        child,
      );
      this.certificateArn = validation.certificateArn;
    }

    this.httpsListener = new aws.lb.Listener(
      `${name}-https`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: TLS_POLICY,
        certificateArn: this.certificateArn,
        defaultActions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
        routingHttpResponseStrictTransportSecurityHeaderValue:
          SECURITY_HEADERS.strictTransportSecurity,
        routingHttpResponseXContentTypeOptionsHeaderValue: SECURITY_HEADERS.xContentTypeOptions,
        routingHttpResponseXFrameOptionsHeaderValue: SECURITY_HEADERS.xFrameOptions,
        routingHttpResponseContentSecurityPolicyHeaderValue: SECURITY_HEADERS.contentSecurityPolicy,
      },
      child,
    );
    this.httpListener = new aws.lb.Listener(
      `${name}-http`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: [
          {
            type: "redirect",
            redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
          },
        ],
      },
      child,
    );

    if (args.domain && args.hostedZoneId) {
      new aws.route53.Record(
        `${name}-alias`,
        {
          zoneId: args.hostedZoneId,
          name: args.domain,
          type: "A",
          aliases: [
            {
              name: this.loadBalancer.dnsName,
              zoneId: this.loadBalancer.zoneId,
              evaluateTargetHealth: true,
            },
          ],
          allowOverwrite: false,
        },
        child,
      );
    }

    this.hostname = args.domain ? pulumi.output(args.domain) : this.loadBalancer.dnsName;
    this.url = pulumi.interpolate`https://${this.hostname}/`;
    this.registerOutputs({
      url: this.url,
      loadBalancerArn: this.loadBalancer.arn,
      targetGroupArn: this.targetGroup.arn,
    });
  }
}

/**
 * Pure: bucket-policy statements that let Elastic Load Balancing deliver access logs under
 * `<prefix>/AWSLogs/<account>/`: the log-delivery service principal (every region), plus the
 * regional ELB account where the region has one.
 */
export function accessLogDeliveryStatements(
  bucketArn: string,
  account: string,
  elbAccountArn?: string,
): Record<string, unknown>[] {
  const objects = `${bucketArn}/${ACCESS_LOG_PREFIX}/AWSLogs/${account}/*`;
  const statements: Record<string, unknown>[] = [
    {
      Sid: "LogDeliveryWritesAccessLogs",
      Effect: "Allow",
      Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: objects,
      Condition: { StringEquals: { "aws:SourceAccount": account } },
    },
  ];
  if (elbAccountArn) {
    statements.push({
      Sid: "RegionalElbAccountWritesAccessLogs",
      Effect: "Allow",
      Principal: { AWS: elbAccountArn },
      Action: "s3:PutObject",
      Resource: objects,
    });
  }
  return statements;
}
