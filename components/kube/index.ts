export * from "./labels";
export * from "./security";
export * from "./probes";
export * from "./checksum";
export * from "./workload";
export * from "./rbac";
export * from "./stateful-services";
export * from "./scratch";
