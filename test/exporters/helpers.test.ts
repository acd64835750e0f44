import { dcgmSecurityContext } from "../../components/dcgm-exporter";
import { postgresDataSourceUri, secretEnv } from "../../components/exporters";

describe("exporter helpers", () => {
  it("builds postgres_exporter's DATA_SOURCE_URI without user or password", () => {
    expect(postgresDataSourceUri({ host: "pg.db.svc", port: 5433, database: "ai_platform", sslMode: "verify-full" })).toBe("pg.db.svc:5433/ai_platform?sslmode=verify-full");
    // `$` is legal in a PostgreSQL name but not bare in a URI path.
    expect(postgresDataSourceUri({ host: "pg", port: 5432, database: "app$1", sslMode: "disable" })).toBe("pg:5432/app%241?sslmode=disable");
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
