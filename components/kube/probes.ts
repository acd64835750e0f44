/** Probe builders with defaults suited to servers that answer in milliseconds when healthy. */
import * as k8s from "@pulumi/kubernetes";

type Probe = k8s.types.input.core.v1.Probe;

export interface ProbeTiming {
  /** Seconds before the first probe. Default 0 (use a startup probe for slow starts). */
  readonly initialDelaySeconds?: number;
  /** Seconds between probes. Default 10. */
  readonly periodSeconds?: number;
  /** Seconds before a probe times out. Default 5. */
  readonly timeoutSeconds?: number;
  /** Consecutive failures before the probe fails. Default 3. */
  readonly failureThreshold?: number;
}

function timing(t: ProbeTiming): Omit<Probe, "httpGet" | "tcpSocket"> {
  return {
    initialDelaySeconds: t.initialDelaySeconds ?? 0,
    periodSeconds: t.periodSeconds ?? 10,
    timeoutSeconds: t.timeoutSeconds ?? 5,
    failureThreshold: t.failureThreshold ?? 3,
  };
}

/** An HTTP GET probe on a named or numbered container port. */
export function httpProbe(path: string, port: number | string, t: ProbeTiming = {}): Probe {
  if (!path.startsWith("/")) throw new Error(`probe path must start with "/": got ${JSON.stringify(path)}`);
  return { httpGet: { path, port }, ...timing(t) };
}

/** A TCP probe, for servers without an HTTP health endpoint. */
export function tcpProbe(port: number | string, t: ProbeTiming = {}): Probe {
  return { tcpSocket: { port }, ...timing(t) };
}

/**
 * A startup probe that allows `maxStartupSeconds` before liveness takes over, e.g. for Prometheus replaying its WAL
 * after a restart, which can take minutes on a large head block.
 */
export function startupProbe(path: string, port: number | string, maxStartupSeconds: number): Probe {
  const periodSeconds = 5;
  return { ...httpProbe(path, port, { periodSeconds }), failureThreshold: Math.max(1, Math.ceil(maxStartupSeconds / periodSeconds)) };
}
