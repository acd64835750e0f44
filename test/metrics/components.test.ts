import { load } from "js-yaml";
import { find, runStack, StackRun } from "../support/program";
import { ALERT_RESEND_DELAY } from "../../components/prometheus-config";

let stack: StackRun;
beforeAll(async () => {
  stack = await runStack("prod", { "observability:heartbeatUrl": "https://heartbeat.example/ping" });
});

const container = (sts: Record<string, any>) => sts.spec.template.spec.containers[0];

describe("Prometheus component", () => {
  it("runs a StatefulSet with retention from config and a size bound below the volume", () => {
    const sts = find(stack.manifests, "StatefulSet", "prometheus");
    expect(sts.spec.replicas).toBe(2);
    expect(container(sts).args).toEqual(expect.arrayContaining(["--storage.tsdb.retention.time=90d", "--storage.tsdb.retention.size=425GB"]));
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("500Gi");
    expect(sts.spec.volumeClaimTemplates[0].spec.accessModes).toEqual(["ReadWriteOnce"]);
  });

  it("creates each replica's claim itself, named as the StatefulSet controller names it, so a larger size updates it in place", () => {
    const sts = find(stack.manifests, "StatefulSet", "prometheus");
    const claims = stack.manifests.filter((m) => m.kind === "PersistentVolumeClaim" && m.metadata.namespace === sts.metadata.namespace && /^data-prometheus-/.test(m.metadata.name));
    expect(claims.map((c) => c.metadata.name).sort()).toEqual(["data-prometheus-0", "data-prometheus-1"]);
    for (const c of claims) expect(c.spec).toEqual(sts.spec.volumeClaimTemplates[0].spec);
    for (const name of ["alertmanager", "loki"]) {
      const other = find(stack.manifests, "StatefulSet", name);
      const own = stack.manifests.filter((m) => m.kind === "PersistentVolumeClaim" && m.metadata.name.startsWith(`data-${name}-`));
      expect(own.map((c) => c.metadata.name).sort()).toEqual(Array.from({ length: other.spec.replicas }, (_, i) => `data-${name}-${i}`));
    }
  });

  it("probes /-/ready and /-/healthy and runs restricted as nobody", () => {
    const sts = find(stack.manifests, "StatefulSet", "prometheus");
    const c = container(sts);
    // Exec probes: the endpoints require basic auth (test/auth/components.test.ts has the whole command).
    expect(c.readinessProbe.exec.command[2]).toMatch(/ http:\/\/127\.0\.0\.1:9090\/-\/ready$/);
    expect(c.livenessProbe.exec.command[2]).toMatch(/ http:\/\/127\.0\.0\.1:9090\/-\/healthy$/);
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 65534, fsGroup: 65534 });
  });

  it("mounts prometheus.yml and the rule files from ConfigMaps and rolls on a change", () => {
    const sts = find(stack.manifests, "StatefulSet", "prometheus");
    const config = find(stack.manifests, "ConfigMap", "prometheus-config");
    const rules = find(stack.manifests, "ConfigMap", "prometheus-rules");
    const prom = load(config.data["prometheus.yml"]) as Record<string, any>;
    expect(prom.global.scrape_interval).toBe("15s");
    expect(prom.global.evaluation_interval).toBe("15s");
    expect(prom.rule_files).toEqual(["/etc/prometheus/rules/*.yml"]);
    expect(Object.keys(rules.data)).toEqual(expect.arrayContaining(["latency.rules.yml", "gpu.rules.yml", "meta.rules.yml"]));
    expect(sts.spec.template.metadata.annotations["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);
    const volumes = sts.spec.template.spec.volumes.map((v: any) => v.configMap?.name);
    expect(volumes).toEqual(expect.arrayContaining(["prometheus-config", "prometheus-rules"]));
  });

  it("reads pods, services and endpoint slices for discovery, and nothing more", () => {
    const role = find(stack.manifests, "ClusterRole", "observability-prometheus");
    const verbs = new Set(role.rules.flatMap((r: any) => r.verbs));
    expect([...verbs].sort()).toEqual(["get", "list", "watch"]);
    expect(role.rules.flatMap((r: any) => r.resources).sort()).toEqual(["endpointslices", "pods", "services"]);
    const binding = find(stack.manifests, "ClusterRoleBinding", "observability-prometheus");
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "prometheus", namespace: "observability" }]);
  });

  it("serves on 9090", () => {
    const svc = find(stack.manifests, "Service", "prometheus");
    expect(svc.spec.ports).toEqual([{ name: "http", port: 9090, targetPort: "http" }]);
  });
});

describe("Alertmanager component", () => {
  it("keeps prod's Slack bot token and the heartbeat URL in a Secret, mounted as files the config reads", () => {
    const secret = find(stack.manifests, "Secret", "alertmanager-secrets");
    expect(Object.keys(secret.stringData).sort()).toEqual(["heartbeat-url", "slack-bot-token"]);
    const config = load(find(stack.manifests, "ConfigMap", "alertmanager-config").data["alertmanager.yml"]) as Record<string, any>;
    const slackConfigs = config.receivers.flatMap((r: any) => r.slack_configs ?? []);
    expect(slackConfigs).toHaveLength(6);
    for (const c of slackConfigs) expect(c.http_config.authorization.credentials_file).toBe("/etc/alertmanager/secrets/slack-bot-token");
    expect(JSON.stringify(find(stack.manifests, "ConfigMap", "alertmanager-config"))).not.toMatch(/xoxb-/);
    const heartbeat = config.receivers.find((r: any) => r.name === "heartbeat");
    expect(heartbeat.webhook_configs[0].url_file).toBe("/etc/alertmanager/secrets/heartbeat-url");
    const sts = find(stack.manifests, "StatefulSet", "alertmanager");
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: "secrets", secret: { secretName: "alertmanager-secrets", defaultMode: 0o440 } });
    expect(JSON.stringify(find(stack.manifests, "ConfigMap", "alertmanager-config"))).not.toContain("heartbeat.example");
  });

  it("clusters three replicas through the headless Service and keeps data on a claim", () => {
    const sts = find(stack.manifests, "StatefulSet", "alertmanager");
    expect(sts.spec.replicas).toBe(3);
    const args: string[] = container(sts).args;
    expect(args).toContain("--cluster.listen-address=0.0.0.0:9094");
    expect(args.filter((a) => a.startsWith("--cluster.peer="))).toEqual([0, 1, 2].map((i) => `--cluster.peer=alertmanager-${i}.alertmanager-headless.observability.svc:9094`));
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("5Gi");
    const headless = find(stack.manifests, "Service", "alertmanager-headless");
    expect(headless.spec.ports.map((p: any) => `${p.port}/${p.protocol ?? "TCP"}`)).toEqual(["9093/TCP", "9094/TCP", "9094/UDP"]);
  });

  it("waits a resend delay and two evaluation intervals before dispatching after a start, so inhibiting alerts are back first", () => {
    const args: string[] = container(find(stack.manifests, "StatefulSet", "alertmanager")).args;
    // The resend delay (60s) and two evaluation intervals (15s): a re-send comes at the first evaluation after the delay.
    expect(args).toContain("--dispatch.start-delay=90s");
    expect(container(find(stack.manifests, "StatefulSet", "prometheus")).args).toContain(`--rules.alert.resend-delay=${ALERT_RESEND_DELAY}`);
  });

  it("serves on 9093 with probes", () => {
    expect(find(stack.manifests, "Service", "alertmanager").spec.ports[0].port).toBe(9093);
    const c = container(find(stack.manifests, "StatefulSet", "alertmanager"));
    expect(c.readinessProbe.exec.command[2]).toMatch(/ http:\/\/127\.0\.0\.1:9093\/-\/ready$/);
  });

  it("keeps replicas apart and up through node drains", () => {
    for (const name of ["alertmanager", "prometheus"]) {
      expect(find(stack.manifests, "PodDisruptionBudget", name).spec.maxUnavailable).toBe(1);
      expect(find(stack.manifests, "PodDisruptionBudget", name).spec.unhealthyPodEvictionPolicy).toBe("AlwaysAllow");
      const spread = find(stack.manifests, "StatefulSet", name).spec.template.spec.topologySpreadConstraints;
      // Prod: never two on one node, nor two in one zone while a zone has none.
      expect(spread.map((c: any) => [c.topologyKey, c.whenUnsatisfiable, c.maxSkew])).toEqual([
        ["kubernetes.io/hostname", "DoNotSchedule", 1],
        ["topology.kubernetes.io/zone", "DoNotSchedule", 1],
      ]);
      expect(spread[0].labelSelector.matchLabels).toEqual(find(stack.manifests, "StatefulSet", name).spec.selector.matchLabels);
    }
  });
});
