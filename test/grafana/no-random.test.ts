/**
 * With grafanaAdminPassword, grafanaSecretKey and webAuthPassword in config, the program declares no @pulumi/random
 * resource, so it deploys where the random provider is not installed (the cluster tests run it that way).
 */
import { runStack } from "../support/program";

test("both Grafana secrets and the web auth password from config: no random resource", async () => {
  const given = await runStack("dev", {
    "observability:grafanaAdminPassword": "a-given-admin-password",
    "observability:grafanaSecretKey": "givenGrafanaSecretKey0123456789abcdef",
    "observability:webAuthPassword": "a-given-web-auth-password",
  });
  expect(given.recorded.filter((r) => r.type.startsWith("random:"))).toEqual([]);
});
