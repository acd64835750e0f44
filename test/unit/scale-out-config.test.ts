import { ConfigError, parseStackConfig } from "../../config/parse";

const base = { "observability:slackBotToken": "xoxb-1-2-test" };
function problems(extra: Record<string, unknown>): string[] {
  const raw = { ...base, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`observability:${k}`, typeof v === "string" ? v : JSON.stringify(v)])) };
  try {
    parseStackConfig(raw);
    return [];
  } catch (e) {
    return (e as ConfigError).problems.map((p) => `${p.key}: ${p.message}`);
  }
}

describe("scale-out config", () => {
  it("accepts a shared store with its user and password, and defaults to Badger and SQLite", () => {
    expect(problems({})).toEqual([]);
    expect(problems({ jaeger: { storage: "elasticsearch", elasticsearch: { serverUrls: ["https://es.search.svc:9200"], username: "j" } }, jaegerStoragePassword: "pw" })).toEqual([]);
    expect(problems({ grafana: { database: { type: "postgres", host: "db.example" } }, grafanaDatabasePassword: "pw" })).toEqual([]);
  });

  it.each([
    [{ jaeger: { storage: "cassandra" } }, 'observability:jaeger.cassandra.servers: got []; expected at least one contact point with jaeger.storage "cassandra"'],
    [{ jaeger: { replicas: 2 } }, 'observability:jaeger.replicas: got 2; expected 1 with jaeger.storage "badger"'],
    [{ jaeger: { storage: "sqlite" } }, 'observability:jaeger.storage: got "sqlite"; expected one of "badger", "elasticsearch", "opensearch", "cassandra"'],
    [{ jaeger: { opensearch: { serverUrls: ["https://os:9200"] } } }, 'observability:jaeger.opensearch.serverUrls: got ["https://os:9200"]; expected [] while jaeger.storage is "badger"'],
    [{ jaeger: { storage: "elasticsearch", elasticsearch: { serverUrls: ["https://es:9200"], username: "j" } } }, "observability:jaegerStoragePassword: is required with jaeger.elasticsearch.username"],
    [{ jaeger: { storage: "elasticsearch", elasticsearch: { serverUrls: ["http://es:9200"], username: "j" } }, jaegerStoragePassword: "pw" }, 'observability:jaeger.elasticsearch.serverUrls[0]: got "http://es:9200"; expected an https URL'],
    [{ jaegerStoragePassword: "pw" }, 'observability:jaegerStoragePassword: is set, but jaeger.storage is "badger"'],
    [{ grafana: { replicas: 2 } }, 'observability:grafana.replicas: got 2; expected 1 with grafana.database.type "sqlite3"'],
    [{ grafana: { database: { type: "postgres" } }, grafanaDatabasePassword: "pw" }, 'observability:grafana.database.host: got ""; expected the PostgreSQL host'],
    [{ grafana: { database: { type: "postgres", host: "db" } } }, 'observability:grafanaDatabasePassword: is required with grafana.database.type "postgres"'],
    [{ otelCollector: { replicas: 3, autoscaling: { enabled: true } } }, "observability:otelCollector.replicas: got 3; expected it left out while otelCollector.autoscaling.enabled is true"],
    [{ otelCollector: { autoscaling: { enabled: true, minReplicas: 5, maxReplicas: 3 } } }, "observability:otelCollector.autoscaling.maxReplicas: got 3; expected at least otelCollector.autoscaling.minReplicas (5)"],
  ])("rejects %j, naming the key and the value", (extra, message) => {
    const found = problems(extra as Record<string, unknown>);
    expect(found.some((p) => p.startsWith(message))).toBe(true);
  });
});
