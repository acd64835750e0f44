/**
 * Loki's and Promtail's configs as built with TLS on, against the pinned versions' configuration references (neither
 * runs here): the TLS keys are ones they know, and a misspelled one is caught.
 */
import { buildLokiConfig } from "../../components/loki-config";
import { LOKI_TLS_DIR } from "../../components/loki";
import { buildPromtailConfig } from "../../components/promtail-config";
import { PROMTAIL_SERVER_CA_DIR } from "../../components/promtail";
import { parseStackConfig } from "../../config/parse";
import { LOKI_3_7 } from "./reference/loki-3.7";
import { PROMTAIL_3_6 } from "./reference/promtail-3.6";
import { plant } from "./rendered";
import { validate } from "./validate";

const settings = parseStackConfig({ "observability:slackBotToken": "xoxb-1-2-test" }).settings;
const loki = () =>
  JSON.parse(JSON.stringify(buildLokiConfig({ settings: settings.loki, httpPort: 3100, grpcPort: 9095, tls: { certFile: `${LOKI_TLS_DIR}/tls.crt`, keyFile: `${LOKI_TLS_DIR}/tls.key` } }))) as Record<string, unknown>;
const promtail = () =>
  JSON.parse(
    JSON.stringify(buildPromtailConfig({ lokiPushUrl: "https://loki.observability.svc:3100/loki/api/v1/push", lokiCaFile: `${PROMTAIL_SERVER_CA_DIR}/ca.crt`, httpPort: 9080, clusterName: "c", maxAge: "168h" })),
  ) as Record<string, unknown>;
const messages = (config: Record<string, unknown>, ref: typeof LOKI_3_7) => validate(config, ref).map((p) => p.message);

it("Loki's http_tls_config and Promtail's client tls_config are keys of the pinned versions", () => {
  expect(messages(loki(), LOKI_3_7)).toEqual([]);
  expect(messages(promtail(), PROMTAIL_3_6)).toEqual([]);
});

it("catches a misspelled TLS key in either", () => {
  expect(messages(plant(loki(), "server.http_tls_config.cert_fle", "/x"), LOKI_3_7).join("\n")).toContain("server.http_tls_config.cert_fle: unknown key");
  const bad = promtail() as { clients: Record<string, unknown>[] };
  bad.clients[0] = { ...bad.clients[0], tls_confg: bad.clients[0].tls_config };
  delete bad.clients[0].tls_config;
  expect(messages(bad, PROMTAIL_3_6).join("\n")).toContain("tls_confg");
});
