// The CrossGuard policy pack. `pulumi preview --policy-pack policy` runs this file; it starts the
// pack's gRPC server, so tests and the offline runner import ./policies instead.

import { PolicyPack } from "@pulumi/policy";
import { packDescription, packEnforcementLevel, packName, policies } from "./policies";

new PolicyPack(packName, {
  description: packDescription,
  enforcementLevel: packEnforcementLevel,
  policies,
});
