import { dcgmSecurityContext } from "../../components/dcgm-exporter";
import { postgresDataSourceUri, secretEnv } from "../../components/exporters";

describe("exporter helpers", () => {
  it("builds postgres_exporter's DATA_SOURCE_URI without user or password", () => {
    expect(postgresDataSourceUri({ host: "pg.db.svc", port: 5433, database: "ai_platform", sslMode: "verify-full", caConfigMap: "" })).toBe("pg.db.svc:5433/ai_platform?sslmode=verify-full");
    // `$` is legal in a PostgreSQL name but not bare in a URI path.
    expect(postgresDataSourceUri({ host: "pg", port: 5432, database: "app$1", sslMode: "disable", caConfigMap: "" })).toBe("pg:5432/app%241?sslmode=disable");
  });

  it("checks the server against the configured CA only when the mode verifies it", () => {
    const pg = { host: "pg", port: 5432, database: "db", caConfigMap: "pg-ca" };
    expect(postgresDataSourceUri({ ...pg, sslMode: "verify-full" })).toBe("pg:5432/db?sslmode=verify-full&sslrootcert=/etc/postgres-ca/ca.crt");
    expect(postgresDataSourceUri({ ...pg, sslMode: "require" })).toBe("pg:5432/db?sslmode=require");
  });

  it("reads a secret env var through secretKeyRef", () => {
    expect(secretEnv("REDIS_PASSWORD", "redis-exporter-credentials", "password")).toEqual({
      name: "REDIS_PASSWORD",
      valueFrom: { secretKeyRef: { name: "redis-exporter-credentials", key: "password" } },
    });
  });

  it("gives the DCGM exporter SYS_ADMIN only for profiling, never escalation", () => {
    expect(dcgmSecurityContext(false).capabilities).toEqual({ drop: ["ALL"] });
    expect(dcgmSecurityContext(true).capabilities).toEqual({ drop: ["ALL"], add: ["SYS_ADMIN"] });
    for (const p of [false, true]) expect(dcgmSecurityContext(p)).toMatchObject({ allowPrivilegeEscalation: false, runAsUser: 0 });
  });
});
