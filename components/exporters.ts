/**
 * redis_exporter and postgres_exporter: one replica each in the servers namespace, pointed at the platform's Redis and
 * PostgreSQL from config, the password (when set) from a Secret through `secretKeyRef`, and a Service whose `metrics`
 * port the `redis-exporter` and `postgres-exporter` scrape jobs select.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackSettings } from "../config/schema";
import { ImageSpec, imageTag } from "./images";
import {
  containerResources,
  httpProbe,
  labels as makeLabels,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  selectorLabels,
} from "./kube";
import { SERVICES, ServiceSpec } from "./services";

export const PASSWORD_KEY = "password";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Where a server CA from `postgres.caConfigMap` is mounted, in the exporter and in Grafana. */
export const POSTGRES_CA_DIR = "/etc/postgres-ca";
export const POSTGRES_CA_KEY = "ca.crt";

/** Whether the server certificate is checked, so a configured CA is used. */
export function verifiesServer(pg: Pick<StackSettings["postgres"], "sslMode">): boolean {
  return pg.sslMode === "verify-ca" || pg.sslMode === "verify-full";
}

/** The mounted CA file, when the settings name one and the mode checks the server. */
export function postgresCaFile(pg: Pick<StackSettings["postgres"], "sslMode" | "caConfigMap">): string | undefined {
  return verifiesServer(pg) && pg.caConfigMap ? `${POSTGRES_CA_DIR}/${POSTGRES_CA_KEY}` : undefined;
}

/** The CA volume and mount, when there is one. */
export function postgresCaVolume(pg: Pick<StackSettings["postgres"], "sslMode" | "caConfigMap">): { volumes: k8s.types.input.core.v1.Volume[]; mounts: k8s.types.input.core.v1.VolumeMount[] } {
  if (!postgresCaFile(pg)) return { volumes: [], mounts: [] };
  return { volumes: [{ name: "postgres-ca", configMap: { name: pg.caConfigMap, items: [{ key: POSTGRES_CA_KEY, path: POSTGRES_CA_KEY }] } }], mounts: [{ name: "postgres-ca", mountPath: POSTGRES_CA_DIR, readOnly: true }] };
}

/** postgres_exporter's DATA_SOURCE_URI: host, port, database, sslmode and CA; user and password travel separately. */
export function postgresDataSourceUri(pg: Pick<StackSettings["postgres"], "host" | "port" | "database" | "sslMode" | "caConfigMap">): string {
  const ca = postgresCaFile(pg);
  return `${pg.host}:${pg.port}/${encodeURIComponent(pg.database)}?sslmode=${pg.sslMode}${ca ? `&sslrootcert=${ca}` : ""}`;
}

/** Where postgres_exporter reads its password file (DATA_SOURCE_PASS_FILE). */
export const POSTGRES_EXPORTER_SECRET_DIR = "/etc/postgres-exporter/credentials";

type Files = { volumes: k8s.types.input.core.v1.Volume[]; mounts: k8s.types.input.core.v1.VolumeMount[] };

function passwordVolume(secretName: pulumi.Input<string>): Files {
  return {
    // Readable by the pod's group only (fsGroup).
    volumes: [{ name: "credentials", secret: { secretName, defaultMode: 0o440 } }],
    mounts: [{ name: "credentials", mountPath: POSTGRES_EXPORTER_SECRET_DIR, readOnly: true }],
  };
}

function mergeFiles(a: Files, b: Files): Files {
  return { volumes: [...a.volumes, ...b.volumes], mounts: [...a.mounts, ...b.mounts] };
}

/** An env var read from a key of a Secret. */
export function secretEnv(name: string, secretName: pulumi.Input<string>, key: string): EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

interface ExporterParts {
  readonly name: string;
  readonly spec: ServiceSpec & { readonly ports: { readonly metrics: { readonly name: string; readonly port: number } } };
  readonly namespace: pulumi.Input<string>;
  readonly image: ImageSpec;
  readonly env: EnvVar[];
  readonly args: string[];
  /** Path of an endpoint that answers 200 without touching the database. */
  readonly healthPath: string;
  readonly labels: Record<string, string>;
  readonly opts: pulumi.CustomResourceOptions;
  readonly priorityClassName: pulumi.Input<string>;
  /** Read-only files the exporter needs (a CA). Default none. */
  readonly files?: { volumes: k8s.types.input.core.v1.Volume[]; mounts: k8s.types.input.core.v1.VolumeMount[] };
}

/** The Deployment and Service both exporters share: restricted, read-only, probed, bounded. */
function exporterWorkload(p: ExporterParts): { deployment: k8s.apps.v1.Deployment; service: k8s.core.v1.Service } {
  const metrics = p.spec.ports.metrics;
  const selector = selectorLabels({ name: p.spec.name });
  const service = new k8s.core.v1.Service(
    `${p.name}-service`,
    {
      metadata: { name: p.spec.name, namespace: p.namespace, labels: p.labels },
      spec: { type: "ClusterIP", selector, ports: [{ name: metrics.name, port: metrics.port, targetPort: metrics.name }] },
    },
    p.opts,
  );
  const deployment = new k8s.apps.v1.Deployment(
    `${p.name}-deployment`,
    {
      metadata: { name: p.spec.name, namespace: p.namespace, labels: p.labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: p.labels },
          spec: {
            priorityClassName: p.priorityClassName,
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext({ uid: p.image.uid }),
            containers: [
              {
                name: p.spec.name,
                image: p.image.ref,
                ...(p.args.length > 0 ? { args: p.args } : {}),
                env: p.env,
                ports: [{ name: metrics.name, containerPort: metrics.port }],
                // Health of the exporter itself: an unreachable database shows as `*_up == 0`, not as a restart loop.
                readinessProbe: httpProbe(p.healthPath, metrics.name, { periodSeconds: 10 }),
                livenessProbe: httpProbe(p.healthPath, metrics.name, { periodSeconds: 20, failureThreshold: 5 }),
                resources: containerResources({ cpu: "20m", memory: "32Mi", memoryLimit: "128Mi" }),
                securityContext: restrictedContainerSecurityContext(),
                ...(p.files?.mounts.length ? { volumeMounts: p.files.mounts } : {}),
              },
            ],
            ...(p.files?.volumes.length ? { volumes: p.files.volumes } : {}),
          },
        },
      },
    },
    p.opts,
  );
  return { deployment, service };
}

/** A Secret holding one password, or nothing when none is configured. */
function passwordSecret(name: string, secretName: string, namespace: pulumi.Input<string>, labels: Record<string, string>, password: pulumi.Output<string> | undefined, opts: pulumi.CustomResourceOptions) {
  if (!password) return undefined;
  return new k8s.core.v1.Secret(`${name}-credentials`, { metadata: { name: secretName, namespace, labels }, type: "Opaque", stringData: { [PASSWORD_KEY]: password } }, opts);
}

export interface RedisExporterArgs {
  /** PriorityClass of its pod (components/priority-classes.ts). */
  readonly priorityClassName: pulumi.Input<string>;
  readonly namespace: pulumi.Input<string>;
  readonly settings: StackSettings["redis"];
  readonly image: ImageSpec;
  /** Redis AUTH password. Absent: the exporter connects without AUTH. */
  readonly password?: pulumi.Output<string>;
}

export class RedisExporter extends pulumi.ComponentResource {
  public readonly service: k8s.core.v1.Service;
  public readonly deployment: k8s.apps.v1.Deployment;

  constructor(name: string, args: RedisExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:exporters:RedisExporter", name, {}, opts);
    const spec = SERVICES.redisExporter;
    const labels = makeLabels({ name: spec.name, component: "redis-exporter", version: imageTag(args.image.ref) });
    const child = { parent: this };
    const secret = passwordSecret(name, `${spec.name}-credentials`, args.namespace, labels, args.password, child);
    const { deployment, service } = exporterWorkload({
      name,
      spec,
      namespace: args.namespace,
      priorityClassName: args.priorityClassName,
      image: args.image,
      args: [],
      env: [
        { name: "REDIS_ADDR", value: args.settings.address },
        { name: "REDIS_EXPORTER_WEB_LISTEN_ADDRESS", value: `:${spec.ports.metrics.port}` },
        // REDIS_PASSWORD_FILE would expect a JSON map of address to password, so the plain variable from the Secret.
        ...(secret ? [secretEnv("REDIS_PASSWORD", secret.metadata.name, PASSWORD_KEY)] : []),
      ],
      healthPath: "/health",
      labels,
      opts: child,
    });
    this.deployment = deployment;
    this.service = service;
    this.registerOutputs({ service: service.metadata.name });
  }
}

export interface PostgresExporterArgs {
  /** PriorityClass of its pod (components/priority-classes.ts). */
  readonly priorityClassName: pulumi.Input<string>;
  readonly namespace: pulumi.Input<string>;
  readonly settings: StackSettings["postgres"];
  readonly image: ImageSpec;
  /** Password of `settings.user`. Absent: the exporter connects without one (trust or certificate authentication). */
  readonly password?: pulumi.Output<string>;
}

export class PostgresExporter extends pulumi.ComponentResource {
  public readonly service: k8s.core.v1.Service;
  public readonly deployment: k8s.apps.v1.Deployment;

  constructor(name: string, args: PostgresExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:exporters:PostgresExporter", name, {}, opts);
    const spec = SERVICES.postgresExporter;
    const labels = makeLabels({ name: spec.name, component: "postgres-exporter", version: imageTag(args.image.ref) });
    const child = { parent: this };
    const secret = passwordSecret(name, `${spec.name}-credentials`, args.namespace, labels, args.password, child);
    const { deployment, service } = exporterWorkload({
      name,
      spec,
      namespace: args.namespace,
      priorityClassName: args.priorityClassName,
      image: args.image,
      args: [`--web.listen-address=:${spec.ports.metrics.port}`],
      env: [
        // URI, user and password apart: the exporter composes them itself, so no character of the password needs escaping.
        { name: "DATA_SOURCE_URI", value: postgresDataSourceUri(args.settings) },
        { name: "DATA_SOURCE_USER", value: args.settings.user },
        // From the mounted Secret file, not an env value: the password stays out of the process environment.
        ...(secret ? [{ name: "DATA_SOURCE_PASS_FILE", value: `${POSTGRES_EXPORTER_SECRET_DIR}/${PASSWORD_KEY}` }] : []),
      ],
      // The exporter's landing page; /metrics would query the database on every probe.
      healthPath: "/",
      labels,
      opts: child,
      files: mergeFiles(postgresCaVolume(args.settings), secret ? passwordVolume(secret.metadata.name) : { volumes: [], mounts: [] }),
    });
    this.deployment = deployment;
    this.service = service;
    this.registerOutputs({ service: service.metadata.name });
  }
}
