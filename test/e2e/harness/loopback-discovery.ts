/**
 * Kubernetes discovery for a Prometheus on loopback. Prometheus 3 has Kubernetes discovery, but there is no API server
 * here, so each `kubernetes_sd_configs` of the rendered prometheus.yml is replaced by a `file_sd_configs` whose file
 * lists the targets that discovery would report, with the same `__meta_kubernetes_*` labels. The rendered relabelling
 * then runs unchanged: the service, port and app-name selection, the namespace, pod and node labels, the annotations of
 * the annotated-pods job.
 *
 * What is simulated is only what the API server would say about a pod: its namespace, name, node, labels,
 * annotations and declared container or Service port. The address is where the stand-in really listens on loopback,
 * which differs from the declared port; that difference is the one thing a pod on loopback cannot copy.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { KubernetesSdConfig } from "../../../components/prometheus-config";

/** One container port of one pod as Kubernetes would describe it, and where its stand-in listens. */
export interface SimulatedEndpoint {
  /** host:port on loopback where the stand-in serves. */
  readonly address: string;
  readonly namespace: string;
  readonly pod: string;
  readonly node: string;
  /** The pod's labels (`app.kubernetes.io/name`...). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** The port as declared: the container port, and the EndpointSlice port when a Service selects the pod. */
  readonly port: { readonly name?: string; readonly number: number; readonly protocol?: "TCP" | "UDP" };
  /** The Service whose EndpointSlice lists this endpoint (none: the pod is found by pod discovery only). */
  readonly service?: string;
  /**
   * Loopback only: the path the stand-in serves metrics on when it is not the job's (several stand-ins share one
   * server in the benchmarks). Sets `__metrics_path__`, as a target's own label would.
   */
  readonly metricsPath?: string;
}

/** Prometheus' label-name sanitising of Kubernetes label and annotation names. */
function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, "_");
}

function podLabels(e: SimulatedEndpoint): Record<string, string> {
  const out: Record<string, string> = {
    __meta_kubernetes_namespace: e.namespace,
    __meta_kubernetes_pod_name: e.pod,
    __meta_kubernetes_pod_node_name: e.node,
    __meta_kubernetes_pod_ip: e.address.split(":")[0],
    __meta_kubernetes_pod_ready: "true",
    __meta_kubernetes_pod_phase: "Running",
  };
  for (const [k, v] of Object.entries(e.labels ?? {})) {
    out[`__meta_kubernetes_pod_label_${sanitize(k)}`] = v;
    out[`__meta_kubernetes_pod_labelpresent_${sanitize(k)}`] = "true";
  }
  for (const [k, v] of Object.entries(e.annotations ?? {})) {
    out[`__meta_kubernetes_pod_annotation_${sanitize(k)}`] = v;
    out[`__meta_kubernetes_pod_annotationpresent_${sanitize(k)}`] = "true";
  }
  if (e.metricsPath) out.__metrics_path__ = e.metricsPath;
  return out;
}

/** The target groups one discovery config would report for these endpoints. */
export function discoveredTargets(sd: KubernetesSdConfig, endpoints: readonly SimulatedEndpoint[]): { targets: string[]; labels: Record<string, string> }[] {
  const inScope = endpoints.filter((e) => !sd.namespaces || sd.namespaces.names.includes(e.namespace));
  if (sd.role === "pod") {
    return inScope.map((e) => ({
      targets: [e.address],
      labels: {
        ...podLabels(e),
        __meta_kubernetes_pod_container_name: e.pod.replace(/-[0-9a-z]+$/, ""),
        __meta_kubernetes_pod_container_port_number: String(e.port.number),
        __meta_kubernetes_pod_container_port_protocol: e.port.protocol ?? "TCP",
        ...(e.port.name ? { __meta_kubernetes_pod_container_port_name: e.port.name } : {}),
      },
    }));
  }
  return inScope
    .filter((e) => e.service)
    .map((e) => ({
      targets: [e.address],
      labels: {
        ...podLabels(e),
        __meta_kubernetes_service_name: e.service as string,
        __meta_kubernetes_endpointslice_name: `${e.service}-slice`,
        __meta_kubernetes_endpointslice_address_type: "IPv4",
        __meta_kubernetes_endpointslice_address_target_kind: "Pod",
        __meta_kubernetes_endpointslice_address_target_name: e.pod,
        __meta_kubernetes_endpointslice_endpoint_conditions_ready: "true",
        __meta_kubernetes_endpointslice_port: String(e.port.number),
        __meta_kubernetes_endpointslice_port_protocol: "TCP",
        ...(e.port.name ? { __meta_kubernetes_endpointslice_port_name: e.port.name } : {}),
      },
    }));
}

interface WithDiscovery {
  kubernetes_sd_configs?: KubernetesSdConfig[];
  file_sd_configs?: { files: string[]; refresh_interval?: string }[];
}

/**
 * Replaces a block's Kubernetes discovery by a file of the targets it would find (written into `dir` as
 * `<name>.json`); a block without Kubernetes discovery is returned as it is.
 */
export function toFileDiscovery<T extends WithDiscovery>(block: T, name: string, endpoints: readonly SimulatedEndpoint[], dir: string): T {
  if (!block.kubernetes_sd_configs) return block;
  const groups = block.kubernetes_sd_configs.flatMap((sd) => discoveredTargets(sd, endpoints));
  const file = path.join(dir, `${name.replace(/[^a-zA-Z0-9_-]/g, "_")}.json`);
  writeFileSync(file, JSON.stringify(groups, null, 1));
  const { kubernetes_sd_configs: _k8s, ...rest } = block;
  return { ...rest, file_sd_configs: [{ files: [file], refresh_interval: "1s" }] } as T;
}
