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

function timing(t: ProbeTiming): Omit<Probe, "httpGet" | "tcpSocket" | "exec"> {
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

/**
 * The same probe over https (a server whose TLS is on). The kubelet does not verify the certificate, which names the
 * Services and not the pod's IP; the probe checks that the server answers over TLS.
 */
export function overHttps(probe: Probe): Probe {
  if (!probe.httpGet) throw new Error("overHttps takes an httpGet probe");
  return { ...probe, httpGet: { ...probe.httpGet, scheme: "HTTPS" } };
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

/** Paths and file names put into a probe's shell command: no quoting, spaces or expansion characters. */
const SHELL_SAFE = /^[A-Za-z0-9/._-]+$/;

/**
 * The shell command of an HTTP probe behind basic authentication: a kubelet's httpGet probe cannot send credentials
 * (it would get 401), so the container fetches its own endpoint on loopback with `wget`, the header read from a
 * mounted Secret file at each run. The credential is in neither the pod spec nor the command's text; a response
 * other than 2xx (401, 503) makes wget, busybox's and GNU's alike, exit non-zero, and so fails the probe.
 */
export function authorizedWgetCommand(path: string, port: number, authorizationFile: string, scheme: "http" | "https" = "http"): string[] {
  if (!path.startsWith("/") || !SHELL_SAFE.test(path)) throw new Error(`probe path must be an absolute path of letters, digits and /._-: got ${JSON.stringify(path)}`);
  if (!authorizationFile.startsWith("/") || !SHELL_SAFE.test(authorizationFile)) {
    throw new Error(`probe authorization file must be an absolute path of letters, digits and /._-: got ${JSON.stringify(authorizationFile)}`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`probe port must be a port number, got ${port}`);
  if (scheme !== "http" && scheme !== "https") throw new Error(`probe scheme must be "http" or "https", got ${JSON.stringify(scheme)}`);
  // With TLS the probe skips certificate verification, on loopback only: the certificate names the Services, not
  // 127.0.0.1, and busybox's wget cannot verify a chain anyway (it accepts --no-check-certificate for GNU wget's sake).
  // Nothing leaves the pod, so there is no one in the middle to detect; the probe checks the server answers over TLS.
  const tls = scheme === "https" ? "--no-check-certificate " : "";
  return ["sh", "-c", `exec wget -q -O /dev/null ${tls}--header "Authorization: $(cat ${authorizationFile})" ${scheme}://127.0.0.1:${port}${path}`];
}

/** Probe timing plus the scheme of the server (https when its TLS is on). */
export interface AuthorizedProbeOptions extends ProbeTiming {
  readonly scheme?: "http" | "https";
}

/** An exec probe of an HTTP endpoint that requires basic authentication (see authorizedWgetCommand). */
export function authorizedHttpProbe(path: string, port: number, authorizationFile: string, t: AuthorizedProbeOptions = {}): Probe {
  return { exec: { command: authorizedWgetCommand(path, port, authorizationFile, t.scheme) }, ...timing(t) };
}

/** startupProbe's allowance with authorizedHttpProbe's request. */
export function authorizedStartupProbe(path: string, port: number, authorizationFile: string, maxStartupSeconds: number, scheme?: "http" | "https"): Probe {
  const periodSeconds = 5;
  return { ...authorizedHttpProbe(path, port, authorizationFile, { periodSeconds, scheme }), failureThreshold: Math.max(1, Math.ceil(maxStartupSeconds / periodSeconds)) };
}
