/**
 * The pods a cluster running the platform and the stack would have, described from the contract (the stack's source
 * settings and components/services.ts), each backed by a stand-in on loopback. Their meta labels feed the rendered
 * discovery (loopback-discovery.ts); nothing here is read from the rendered prometheus.yml, so a wrong selector in it
 * finds no target.
 */
import { SERVICES, ServiceKey } from "../../../components/services";
import { SourceName, StackSettings } from "../../../config/schema";
import { SimulatedEndpoint } from "./loopback-discovery";

/** The port number a pod declares for a named metrics port (any number: the job selects named ports by name). */
const NAMED_PORT_NUMBER = 8080;

/** The name a Service gives a port that the source config names by number. */
const NUMBERED_PORT_NAME = "http-metrics";

const APP_NAME = "app.kubernetes.io/name";

/** Instance `i` of a platform service, behind the Service its source settings name. */
export function sourceEndpoint(settings: StackSettings, job: SourceName, address: string, i = 0, extra: Partial<SimulatedEndpoint> = {}): SimulatedEndpoint {
  const s = settings.sources[job];
  const port = typeof s.port === "number" ? { name: NUMBERED_PORT_NAME, number: s.port } : { name: s.port, number: NAMED_PORT_NUMBER };
  return { address, namespace: s.namespace, pod: `${s.service}-${i}`, node: `node-${i}`, labels: { [APP_NAME]: s.service }, port, service: s.service, ...extra };
}

/** Instance `i` of one of the stack's own components (or exporters), as its workload labels it. */
export function componentEndpoint(settings: StackSettings, key: ServiceKey, address: string, i = 0, extra: Partial<SimulatedEndpoint> = {}): SimulatedEndpoint {
  const spec = SERVICES[key];
  const metricsPort = (spec.ports as Record<string, { name: string; port: number }>)[spec.metrics.port];
  const namespace = spec.namespace === "servers" ? settings.serversNamespace : settings.agentsNamespace;
  return {
    address,
    namespace,
    pod: `${spec.name}-${i}`,
    node: spec.name === "dcgm-exporter" ? `gpu-node-${i}` : `node-${i}`,
    labels: { [APP_NAME]: spec.name },
    port: { name: metricsPort.name, number: metricsPort.port },
    service: spec.name,
    ...extra,
  };
}
