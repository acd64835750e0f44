/**
 * The datasource uids dashboards refer to. The Grafana component provisions its datasources with exactly these uids,
 * so a dashboard never depends on a datasource's display name or on which one happens to be the default.
 */

export const DATASOURCE_UIDS = {
  prometheus: "prometheus",
  loki: "loki",
  jaeger: "jaeger",
  postgres: "postgres",
} as const;

export type DatasourceKey = keyof typeof DATASOURCE_UIDS;

/**
 * Plugin ids of the datasources. PostgreSQL's plugin id is `grafana-postgresql-datasource`; `postgres` is only an
 * alias, and a panel's datasource `type` must name the plugin that answers it.
 */
export const DATASOURCE_TYPES: Readonly<Record<DatasourceKey, string>> = {
  prometheus: "prometheus",
  loki: "loki",
  jaeger: "jaeger",
  postgres: "grafana-postgresql-datasource",
};

export interface DatasourceRef {
  readonly type: string;
  readonly uid: string;
}

export function datasourceRef(key: DatasourceKey): DatasourceRef {
  return { type: DATASOURCE_TYPES[key], uid: DATASOURCE_UIDS[key] };
}
