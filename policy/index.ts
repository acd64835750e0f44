// The pack's entry point: `pulumi preview --policy-pack policy`. Kept apart from policies.ts because constructing a
// PolicyPack starts a gRPC server, which would keep a test process alive.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("observability-safety", { policies: policies() });
