/**
 * The prod stack on object storage as rendered (variant prod-thanos): the Prometheus pods carry the sidecar and the
 * settings it needs, Thanos' workloads run the builders' flags with the stack's retentions, Grafana queries through
 * Query, and the credentials are only in the Secrets.
 */
import { load } from "js-yaml";
import { pinnedRef } from "../../components/images";
import { THANOS_JOBS } from "../../components/prometheus-config";
import { REPLICA_LABEL } from "../../components/services";
import { Doc, loadManifests, renderedStack } from "../support/render";

let docs: (Doc & Record<string, any>)[];
const find = (kind: string, name: string) => {
  const d = docs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!d) throw new Error(`no ${kind} ${name}`);
  return d;
};
const containers = (kind: string, name: string): any[] => find(kind, name).spec.template.spec.containers;

beforeAll(() => {
  docs = loadManifests(renderedStack("prod-thanos").file) as typeof docs;
});

describe("the prod-thanos render", () => {
  it("runs a sidecar in each Prometheus pod, with 2h blocks, the short local retention and the pod name in env", () => {
    const [prometheus, sidecar] = containers("StatefulSet", "prometheus");
    expect(sidecar.name).toBe("thanos-sidecar");
    expect(sidecar.image).toBe(pinnedRef("thanos"));
    expect(prometheus.args).toEqual(expect.arrayContaining(["--storage.tsdb.retention.time=3d", "--storage.tsdb.min-block-duration=2h", "--storage.tsdb.max-block-duration=2h"]));
    expect(prometheus.env).toEqual([{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }]);
    expect(sidecar.args).toEqual(expect.arrayContaining(["--prometheus.url=http://localhost:9090", "--objstore.config-file=/etc/thanos/objstore/objstore.yml"]));
    expect(find("StatefulSet", "prometheus").spec.replicas).toBe(2);
  });

  it("labels each replica and drops the label from alerts; scrapes the Thanos components", () => {
    const yml = load(find("ConfigMap", "prometheus-config").data["prometheus.yml"]) as any;
    expect(yml.global.external_labels[REPLICA_LABEL]).toBe("${POD_NAME}");
    expect(yml.alerting.alert_relabel_configs).toEqual([{ regex: REPLICA_LABEL, action: "labeldrop" }]);
    expect(yml.scrape_configs.map((j: { job_name: string }) => j.job_name)).toEqual(expect.arrayContaining([...THANOS_JOBS]));
  });

  it("gives the sidecar Prometheus' basic-auth user by its password file", () => {
    expect(load(find("ConfigMap", "prometheus-config").data["thanos-sidecar-http-client.yml"])).toEqual({
      basic_auth: { username: "observability", password_file: "/etc/prometheus/web-auth/password" },
    });
  });

  it("runs one Compactor with the stack's retentions, and Query deduplicating on the replica label with a PDB", () => {
    const compact = find("StatefulSet", "thanos-compact");
    expect(compact.spec.replicas).toBe(1);
    expect(compact.spec.template.spec.containers[0].args).toEqual(
      expect.arrayContaining(["compact", "--wait", "--retention.resolution-raw=90d", "--retention.resolution-5m=180d", "--retention.resolution-1h=2y"]),
    );
    expect(find("Deployment", "thanos-query").spec.replicas).toBe(2);
    expect(containers("Deployment", "thanos-query")[0].args).toContain(`--query.replica-label=${REPLICA_LABEL}`);
    expect(find("PodDisruptionBudget", "thanos-query").spec.maxUnavailable).toBe(1);
    expect(find("Service", "thanos-sidecar").spec.clusterIP).toBe("None");
  });

  it("points Grafana's Prometheus datasource at Query, without credentials", () => {
    const ds = (load(find("ConfigMap", "grafana-datasources").data["datasources.yaml"]) as any).datasources.find((d: { name: string }) => d.name === "Prometheus");
    expect(ds.url).toBe("http://thanos-query.observability.svc:10902");
    expect(ds.basicAuth).toBeUndefined();
    expect(ds.jsonData.prometheusType).toBe("Thanos");
  });

  it("keeps the credentials in the two Secrets: no ConfigMap or pod spec holds a key, env values included", () => {
    expect(find("Secret", "thanos-objstore").stringData["objstore.yml"]).toBe("REDACTED");
    expect(find("Secret", "loki-objstore").stringData).toEqual({ "access-key-id": "REDACTED", "secret-access-key": "REDACTED" });
    // The render's placeholders for objectStorageAccessKeyId and objectStorageSecretAccessKey stand in for the real keys.
    const leaks = docs.filter((d) => d.kind !== "Secret").filter((d) => /RENDERPLACEHOLDERKEYID|render-placeholder-secret-access-key/.test(JSON.stringify(d)));
    expect(leaks.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([]);
    for (const [kind, name] of [["StatefulSet", "loki-write"], ["Deployment", "loki-read"], ["StatefulSet", "loki-backend"]]) {
      for (const e of containers(kind, name)[0].env) expect({ name: e.name, value: e.value }).toEqual({ name: e.name, value: undefined });
    }
  });
});
