// HttpsLoadBalancer on its own, for the response headers its HTTPS listener sets: HSTS, nosniff,
// X-Frame-Options SAMEORIGIN and a Content-Security-Policy that leaves OpenEMR's inline scripts,
// styles and same-origin frames working; all within what ELB accepts as a header value.
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import {
  HttpsLoadBalancer,
  SECURITY_HEADERS,
  TLS_POLICY,
} from "../../components/loadbalancer/https-load-balancer";
import { type ComponentPlan, planComponent } from "./harness";

const LISTENER = "aws:lb/listener:Listener";
const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000";

const HEADER_PROPS = {
  routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=31536000",
  routingHttpResponseXContentTypeOptionsHeaderValue: "nosniff",
  routingHttpResponseXFrameOptionsHeaderValue: "SAMEORIGIN",
  routingHttpResponseContentSecurityPolicyHeaderValue:
    "frame-ancestors 'self'; object-src 'self' data:; base-uri 'self'",
};

/** The characters ELB allows in a header value, at most 1K bytes (header-modification.html). */
const ELB_HEADER_VALUE = /^[a-zA-Z0-9_ :;.,\\/'?!(){}[\]@<>=\-+*#&`|~^%]{1,1024}$/;

/** The CSP's directives, name -> sources. */
function directives(csp: string): Record<string, string[]> {
  return Object.fromEntries(
    csp
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name, sources]),
  );
}

describe("HttpsLoadBalancer", () => {
  let p: ComponentPlan;
  before(async () => {
    p = await planComponent(() => {
      const targets = new aws.ec2.SecurityGroup("app-sg", { vpcId: "vpc-1" });
      new HttpsLoadBalancer("edge-lb", {
        vpcId: "vpc-1",
        publicSubnetIds: ["subnet-a", "subnet-b"],
        allowedCidrs: ["203.0.113.0/24"],
        certificateArn: CERT,
        targetType: "instance",
        targetSecurityGroupId: targets.id,
        region: "us-east-1",
        logRetentionDays: 90,
        protect: false,
      });
    });
  });

  it("sets HSTS, nosniff, X-Frame-Options SAMEORIGIN and the CSP on the HTTPS listener", () => {
    const https = p.named("edge-lb-https", LISTENER);
    expect(https.props).to.deep.include({
      port: 443,
      protocol: "HTTPS",
      sslPolicy: TLS_POLICY,
      certificateArn: CERT,
      ...HEADER_PROPS,
    });
  });

  it("leaves the port-80 listener a bare redirect to HTTPS", () => {
    const http = p.named("edge-lb-http", LISTENER);
    expect(
      Object.keys(http.props).filter((k) => k.startsWith("routingHttpResponse")),
    ).to.deep.equal([]);
    expect(http.props.defaultActions).to.deep.equal([
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ]);
  });

  it("uses only values ELB accepts: its character set, 1K bytes, nosniff, DENY/SAMEORIGIN", () => {
    for (const value of Object.values(SECURITY_HEADERS)) {
      expect(value).to.match(ELB_HEADER_VALUE);
      expect(Buffer.byteLength(value)).to.be.at.most(1024);
    }
    expect(SECURITY_HEADERS.xContentTypeOptions).to.equal("nosniff");
    expect(["DENY", "SAMEORIGIN"]).to.include(SECURITY_HEADERS.xFrameOptions);
    expect(SECURITY_HEADERS.strictTransportSecurity).to.match(/^max-age=\d{8,}$/);
  });

  it("keeps a CSP OpenEMR tolerates: frames of its own origin, no restriction on inline scripts or styles, no form-action", () => {
    const csp = directives(SECURITY_HEADERS.contentSecurityPolicy);
    expect(csp).to.deep.equal({
      "frame-ancestors": ["'self'"],
      "object-src": ["'self'", "data:"],
      "base-uri": ["'self'"],
    });
    // directives that would block OpenEMR's inline <script>, onclick= handlers, style= attributes
    // or eval, and the NewCrop eRx form that posts to another site
    for (const blocking of [
      "default-src",
      "script-src",
      "script-src-attr",
      "style-src",
      "form-action",
    ]) {
      expect(csp, blocking).to.not.have.property(blocking);
    }
  });
});
