import { load } from "js-yaml";
import { toManifests } from "../../scripts/lib/manifests";
import { find, runStack, StackRun } from "../support/program";

// prod with both database passwords set (as `pulumi config set --secret` would).
const REDIS_PASSWORD = "configured-redis-password-3K8";
const POSTGRES_PASSWORD = "configured-postgres-password-5T1";
let stack: StackRun;
beforeAll(async () => {
  stack = await runStack("prod", { "observability:redisPassword": REDIS_PASSWORD, "observability:postgresPassword": POSTGRES_PASSWORD });
});

const container = (w: Record<string, any>) => w.spec.template.spec.containers[0];
const envOf = (w: Record<string, any>) => Object.fromEntries((container(w).env as { name: string }[]).map((e) => [e.name, e]));
const scrapeJob = (job: string) => {
  const config = load(find(stack.manifests, "ConfigMap", "prometheus-config").data["prometheus.yml"]) as { scrape_configs: Record<string, any>[] };
  return config.scrape_configs.find((j) => j.job_name === job)!;
};

describe("DCGM exporter", () => {
  const ds = () => find(stack.manifests, "DaemonSet", "dcgm-exporter");
  const pod = () => ds().spec.template.spec;

  it("runs in the agents namespace on GPU nodes only, tolerating the GPU taint", () => {
    expect(ds().metadata.namespace).toBe("observability-agents");
    expect(pod().nodeSelector).toEqual({ "nvidia.com/gpu.present": "true" });
    expect(pod().tolerations).toContainEqual({ key: "nvidia.com/gpu", operator: "Exists" });
  });

  it("requests no GPU", () => {
    const resources = container(ds()).resources;
    expect(JSON.stringify(resources)).not.toContain("nvidia.com/gpu");
    expect(resources.requests).toEqual({ cpu: "100m", memory: "256Mi", "ephemeral-storage": "64Mi" });
    expect(resources.limits).toEqual({ memory: "1Gi", "ephemeral-storage": "512Mi" });
  });

  it("mounts the kubelet pod-resources directory read-only for per-pod attribution", () => {
    expect(container(ds()).volumeMounts).toContainEqual({ name: "pod-resources", mountPath: "/var/lib/kubelet/pod-resources", readOnly: true });
    expect(pod().volumes).toContainEqual({ name: "pod-resources", hostPath: { path: "/var/lib/kubelet/pod-resources", type: "Directory" } });
    expect(envOf(ds()).DCGM_EXPORTER_KUBERNETES).toEqual({ name: "DCGM_EXPORTER_KUBERNETES", value: "true" });
  });

  it("adds no capability without profiling metrics", () => {
    const sc = container(ds()).securityContext;
    expect(sc.capabilities).toEqual({ drop: ["ALL"] });
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.privileged).toBeUndefined();
  });

  it("serves port 9400 named metrics under the labels the dcgm-exporter scrape job keeps", () => {
    expect(container(ds()).ports).toEqual([{ name: "metrics", containerPort: 9400 }]);
    expect(ds().spec.template.metadata.labels["app.kubernetes.io/name"]).toBe("dcgm-exporter");
    const relabel = scrapeJob("dcgm-exporter").relabel_configs as Record<string, any>[];
    expect(relabel).toContainEqual(expect.objectContaining({ action: "keep", regex: "9400" }));
    expect(container(ds()).readinessProbe.httpGet).toEqual({ path: "/health", port: "metrics" });
  });

  it("reads its counters file from a ConfigMap, with the fields the rules use", () => {
    const csv = find(stack.manifests, "ConfigMap", "dcgm-exporter-counters").data["counters.csv"] as string;
    for (const field of ["DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_GPU_TEMP"]) expect(csv).toContain(`${field}, gauge,`);
    expect(csv).not.toContain("DCGM_FI_PROF_");
    expect(container(ds()).args).toEqual(["-f", "/etc/dcgm-exporter/counters/counters.csv"]);
    expect(ds().spec.template.metadata.annotations["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe.each([
  ["redis-exporter", 9121, "/health"],
  ["postgres-exporter", 9187, "/"],
])("%s", (name, port, health) => {
  const dep = () => find(stack.manifests, "Deployment", name);

  it("runs one restricted replica in the servers namespace, probed without touching the database", () => {
    expect(dep().metadata.namespace).toBe("observability");
    expect(dep().spec.replicas).toBe(1);
    expect(dep().spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(container(dep()).securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(container(dep()).readinessProbe.httpGet).toEqual({ path: health, port: "metrics" });
    expect(container(dep()).livenessProbe.httpGet).toEqual({ path: health, port: "metrics" });
  });

  it(`has a Service ${name} whose metrics port the scrape job selects`, () => {
    const svc = find(stack.manifests, "Service", name);
    expect(svc.spec.type).toBe("ClusterIP");
    expect(svc.spec.ports).toEqual([{ name: "metrics", port, targetPort: "metrics" }]);
    expect(container(dep()).ports).toEqual([{ name: "metrics", containerPort: port }]);
    const relabel = scrapeJob(name).relabel_configs as Record<string, any>[];
    expect(relabel).toContainEqual(expect.objectContaining({ action: "keep", regex: name, source_labels: ["__meta_kubernetes_service_name"] }));
    expect(relabel).toContainEqual(expect.objectContaining({ action: "keep", regex: "metrics", source_labels: ["__meta_kubernetes_endpointslice_port_name"] }));
  });

  it("keeps its credentials in a Secret", () => {
    expect(find(stack.manifests, "Secret", `${name}-credentials`).stringData).toEqual({ password: "REDACTED" });
  });
});

describe("exporter targets and credentials", () => {
  it("points redis_exporter at the platform's Redis and takes the password from the Secret", () => {
    const env = envOf(find(stack.manifests, "Deployment", "redis-exporter"));
    expect(env.REDIS_ADDR).toEqual({ name: "REDIS_ADDR", value: "redis://redis.ai-platform.svc:6379" });
    expect(env.REDIS_PASSWORD).toEqual({ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-exporter-credentials", key: "password" } } });
  });

  it("points postgres_exporter at the platform's PostgreSQL and takes the password from the Secret", () => {
    const env = envOf(find(stack.manifests, "Deployment", "postgres-exporter"));
    expect(env.DATA_SOURCE_URI).toEqual({ name: "DATA_SOURCE_URI", value: "postgres.ai-platform.svc:5432/ai_platform?sslmode=verify-full" });
    expect(env.DATA_SOURCE_USER).toEqual({ name: "DATA_SOURCE_USER", value: "observability_ro" });
    expect(env.DATA_SOURCE_PASS).toBeUndefined();
    expect(env.DATA_SOURCE_PASS_FILE).toEqual({ name: "DATA_SOURCE_PASS_FILE", value: "/etc/postgres-exporter/credentials/password" });
    const pod = find(stack.manifests, "Deployment", "postgres-exporter").spec.template.spec;
    const volume = pod.volumes.find((v: any) => v.name === "credentials");
    expect(volume.secret).toEqual({ secretName: "postgres-exporter-credentials", defaultMode: 0o440 });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: "credentials", mountPath: "/etc/postgres-exporter/credentials", readOnly: true });
    expect(env.DATA_SOURCE_NAME).toBeUndefined();
  });

  it("sets no password-like env var as a literal anywhere", () => {
    for (const m of stack.manifests) {
      for (const c of (m as any).spec?.template?.spec?.containers ?? []) {
        for (const e of c.env ?? []) if (/PASS|SECRET|TOKEN/.test(e.name) && !/_FILE$/.test(e.name)) expect({ name: e.name, value: e.value }).toEqual({ name: e.name, value: undefined });
      }
    }
  });

  it("keeps both passwords out of every non-Secret object", () => {
    expect(() => toManifests(stack.recorded, [REDIS_PASSWORD, POSTGRES_PASSWORD])).not.toThrow();
    for (const m of stack.manifests.filter((x) => x.kind !== "Secret")) {
      expect(JSON.stringify(m)).not.toContain(REDIS_PASSWORD);
      expect(JSON.stringify(m)).not.toContain(POSTGRES_PASSWORD);
    }
  });
});
