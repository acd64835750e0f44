/**
 * With grafanaAdminPassword and grafanaSecretKey in config, the program declares no @pulumi/random resource, so it
 * deploys where the random provider is not installed (the cluster tests run it that way).
 */
import { runStack } from "../support/program";

test("both Grafana secrets from config: no random resource", async () => {
  const given = await runStack("dev", {
    "observability:grafanaAdminPassword": "a-given-admin-password",
    "observability:grafanaSecretKey": "givenGrafanaSecretKey0123456789abcdef",
  });
  expect(given.recorded.filter((r) => r.type.startsWith("random:"))).toEqual([]);
});
