import { load } from "js-yaml";
import { find, runStack, StackRun } from "../support/program";

let stack: StackRun;
beforeAll(async () => {
  stack = await runStack("prod");
});

const container = (w: Record<string, any>) => w.spec.template.spec.containers[0];

describe("Loki component", () => {
  it("runs one replica with its data on a claim sized from config", () => {
    const sts = find(stack.manifests, "StatefulSet", "loki");
    expect(sts.metadata.namespace).toBe("observability");
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("500Gi");
    expect(container(sts).volumeMounts).toContainEqual({ name: "data", mountPath: "/loki" });
  });

  it("runs non-root on a read-only root filesystem with /ready probes", () => {
    const sts = find(stack.manifests, "StatefulSet", "loki");
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001 });
    expect(container(sts).securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container(sts).readinessProbe.httpGet).toEqual({ path: "/ready", port: "http" });
  });

  it("waits out a WAL replay: /ready gates startup and readiness, liveness only asks for HTTP", () => {
    const c = container(find(stack.manifests, "StatefulSet", "loki"));
    expect(c.startupProbe.httpGet.path).toBe("/ready");
    // A replay of a full volume takes many minutes; the startup probe must allow it before liveness counts.
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(1800);
    expect(c.livenessProbe.httpGet.path).not.toBe("/ready");
    expect(c.livenessProbe.httpGet).toEqual({ path: "/loki/api/v1/status/buildinfo", port: "http" });
  });

  it("caches query results, not only declares the cache", () => {
    const config = load(find(stack.manifests, "ConfigMap", "loki-config").data["loki.yaml"]) as Record<string, any>;
    expect(config.query_range.cache_results).toBe(true);
    expect(config.query_range.results_cache.cache.embedded_cache.enabled).toBe(true);
  });

  it("exposes 3100 and 9095 and carries the retention from config", () => {
    const svc = find(stack.manifests, "Service", "loki");
    expect(svc.spec.ports.map((p: any) => p.port)).toEqual([3100, 9095]);
    const config = load(find(stack.manifests, "ConfigMap", "loki-config").data["loki.yaml"]) as Record<string, any>;
    expect(config.limits_config.retention_period).toBe("2160h");
  });
});

describe("Promtail component", () => {
  const ds = () => find(stack.manifests, "DaemonSet", "promtail");

  it("runs in the agents namespace on every node, GPU nodes included", () => {
    expect(ds().metadata.namespace).toBe("observability-agents");
    expect(ds().spec.template.spec.tolerations).toEqual([{ operator: "Exists" }]);
    expect(ds().spec.template.spec.nodeSelector).toBeUndefined();
  });

  it("takes HOSTNAME from the node name", () => {
    expect(container(ds()).env).toContainEqual({ name: "HOSTNAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } });
  });

  it("mounts pod logs read-only and positions on a host path", () => {
    const c = container(ds());
    expect(c.volumeMounts).toContainEqual({ name: "pod-logs", mountPath: "/var/log/pods", readOnly: true });
    expect(ds().spec.template.spec.volumes).toContainEqual({ name: "positions", hostPath: { path: "/run/promtail", type: "DirectoryOrCreate" } });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
  });

  it("is ready on 9080 and bounded in resources", () => {
    const c = container(ds());
    expect(c.ports).toEqual([{ name: "http", containerPort: 9080 }]);
    expect(c.readinessProbe.httpGet.path).toBe("/ready");
    // Liveness must not be /ready, which fails on a node with no pods yet.
    expect(c.livenessProbe).toMatchObject({ tcpSocket: { port: "http" } });
    expect(c.resources.limits.memory).toBeDefined();
    expect(c.resources.requests.cpu).toBeDefined();
  });

  it("may only read pods from the API server", () => {
    const role = find(stack.manifests, "ClusterRole", "observability-agents-promtail");
    expect(role.rules).toEqual([{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }]);
  });

  it("pushes to the Loki Service in the servers namespace", () => {
    const config = load(find(stack.manifests, "ConfigMap", "promtail-config").data["promtail.yaml"]) as Record<string, any>;
    expect(config.clients[0].url).toBe("http://loki.observability.svc:3100/loki/api/v1/push");
  });
});
