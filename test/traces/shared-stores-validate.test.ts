/**
 * Jaeger's config for each shared store against the pinned Jaeger binary's own `validate`: Elasticsearch as the
 * prod-ha variant renders it, OpenSearch and Cassandra from the builder the component uses, on prod-ha's settings
 * with the store switched. A copy with one key of the store misspelled must be rejected, naming the key.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { buildJaegerConfig, jaegerYaml } from "../../components/jaeger-config";
import { parseStackConfig } from "../../config/parse";
import { readStackFile } from "../../scripts/lib/stack-file";
import { upstreamBinary } from "../../scripts/upstream/layout";
import { loadManifests, renderedStack, stackFileOf } from "../support/render";

let dir = "";
const files: Record<string, string> = {};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "jaeger-stores-"));
  const cm = loadManifests(renderedStack("prod-ha").file).find((d) => d.kind === "ConfigMap" && d.metadata.name === "jaeger-config");
  files.elasticsearch = (cm?.data as Record<string, string>)["config.yaml"];
  const settings = parseStackConfig(readStackFile(stackFileOf("prod-ha")).config).settings.jaeger;
  files.opensearch = jaegerYaml(buildJaegerConfig({ settings: { ...settings, storage: "opensearch", opensearch: { ...settings.elasticsearch } } }));
  files.cassandra = jaegerYaml(
    buildJaegerConfig({
      settings: { ...settings, storage: "cassandra", cassandra: { ...settings.cassandra, servers: ["cassandra.db.svc"], username: "jaeger", localDc: "dc1", caConfigMap: "cassandra-ca" } },
    }),
  );
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function validate(name: string, text: string): { status: number; output: string } {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  const r = spawnSync(upstreamBinary("jaeger"), ["validate", `--config=${file}`], { encoding: "utf8", timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** A key of each store's block, present once, and its misspelling. */
const MISSPELLED: Record<string, { key: string; typo: string }> = {
  elasticsearch: { key: "max_span_age:", typo: "max_span_agee:" },
  opensearch: { key: "index_prefix:", typo: "index_prefixx:" },
  cassandra: { key: "keyspace:", typo: "keyspacee:" },
};

describe.each(["elasticsearch", "opensearch", "cassandra"])("Jaeger on %s", (store) => {
  it("names the store and keeps the password out of config.yaml", () => {
    expect(files[store]).toContain(`${store}_main:`);
    expect(files[store]).not.toMatch(/render-placeholder/);
    expect(files[store]).toMatch(store === "cassandra" ? /password: \$\{env:JAEGER_STORAGE_PASSWORD\}/ : /password_file: \/etc\/jaeger\/storage-auth\/password/);
  });

  it("passes jaeger validate unchanged", () => {
    const r = validate(store, files[store]);
    expect({ status: r.status, output: r.status === 0 ? "" : r.output }).toEqual({ status: 0, output: "" });
  });

  it("is rejected by jaeger validate with one key misspelled", () => {
    const { key, typo } = MISSPELLED[store];
    expect(files[store].split(key)).toHaveLength(2);
    const r = validate(`${store}-broken`, files[store].replace(key, typo));
    expect(r.status).not.toBe(0);
    expect(r.output).toContain(typo.replace(/:$/, ""));
  });
});
