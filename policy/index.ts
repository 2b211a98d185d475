// The CrossGuard policy pack. `pulumi preview --policy-pack policy` runs this file; it starts the
// pack's gRPC server, so tests and the offline runner import ./policies instead.

import { PolicyPack } from "@pulumi/policy";
import { packDescription, packName, policies } from "./policies";

new PolicyPack(packName, {
  description: packDescription,
  // Every policy without its own level is mandatory (the customer-managed-key policies, lb-hardening
  // and the exemption reports declare "advisory").
  enforcementLevel: "mandatory",
  policies,
});
