/**
 * One incident that makes every seed alert fire, and its recovery, on a pipeline's demo platform and fake exporters.
 * Shared by the compressed end-to-end run and the time-to-notify benchmark.
 */
import { Pipeline } from "./pipeline";

/** The model whose score crosses the critical threshold (HighDriftScore inhibits its DriftDetected). */
export const HIGH_MODEL = "llama-3.3-70b";
/** The model only above the warning threshold. */
export const DRIFTING_MODEL = "llama-3.3-8b";
export const EXCEEDED_SESSION = "session-exceeded";
export const WARNING_SESSION = "session-warning";
/** The demo service whose target stops answering (ServiceDown). */
export const DOWN_SERVICE = "learning-engine";
const BUDGET_BYTES = 1_000_000;

/** The service label each seed alert carries in this incident (its notification title says "on <service>"). */
export const INCIDENT_SERVICE: Readonly<Record<string, string>> = {
  HighGatewayLatency: "gateway",
  HighErrorRate: "gateway",
  HighMCPJungleLatency: "mcpjungle",
  HighMCPErrorRate: "mcpjungle",
  HighMaxServeLatency: "max-serve",
  HighMaxServeErrorRate: "max-serve",
  HighRequestQueueDepth: "max-serve",
  HighMemoryEngineLatency: "memory-engine",
  BudgetExceeded: "memory-engine",
  BudgetWarning: "memory-engine",
  DriftDetected: "drift-monitor",
  HighDriftScore: "drift-monitor",
  HighGPUUtilization: "dcgm-exporter",
  HighGPUMemory: "dcgm-exporter",
  HighGPUTemperature: "dcgm-exporter",
  RedisMemoryHigh: "redis-exporter",
  PostgreSQLPoolExhausted: "postgres-exporter",
  ServiceDown: DOWN_SERVICE,
};

/** Every seed alert's condition at once; returns the moment the values changed (the threshold crossing). */
export function startIncident(p: Pipeline): number {
  for (const stream of ["http", "inference", "mcp"] as const) p.demo.setStream(stream, { slow: true, failing: true });
  p.demo.setStream("memory", { slow: true });
  p.demo.setQueueDepth(150);
  p.demo.setDrift(HIGH_MODEL, 0.3);
  p.demo.setDrift(DRIFTING_MODEL, 0.18);
  p.demo.setBudget(EXCEEDED_SESSION, BUDGET_BYTES, 1.2 * BUDGET_BYTES);
  p.demo.setBudget(WARNING_SESSION, BUDGET_BYTES, 0.85 * BUDGET_BYTES);
  p.dcgm.set(0, { utilizationPercent: 97, framebufferUsedMiB: 76_000, framebufferFreeMiB: 4_000, temperatureCelsius: 91 });
  p.redis.set({ up: true, usedBytes: 95e6, maxBytes: 100e6 });
  p.postgres.set({ up: true, idle: 50, active: 45, maxConnections: 100 });
  p.demo.down.add(DOWN_SERVICE);
  return Date.now();
}

/** Everything healthy again; the request streams flood fast successes to clear the 5m windows. Returns the moment. */
export function recover(p: Pipeline): number {
  p.demo.down.delete(DOWN_SERVICE);
  for (const stream of ["http", "inference", "mcp", "memory"] as const) p.demo.setStream(stream, { slow: false, failing: false, flood: true });
  p.demo.setQueueDepth(5);
  p.demo.setDrift(HIGH_MODEL, 0.05);
  p.demo.setDrift(DRIFTING_MODEL, 0.05);
  p.demo.setBudget(EXCEEDED_SESSION, BUDGET_BYTES, 0.5 * BUDGET_BYTES);
  p.demo.setBudget(WARNING_SESSION, BUDGET_BYTES, 0.5 * BUDGET_BYTES);
  p.healthyExporters();
  return Date.now();
}
