/**
 * Alertmanager: a StatefulSet with silences and the notification log on a claim, alertmanager.yml in a ConfigMap,
 * the Slack credentials of the chosen mode (and the heartbeat URL) in a Secret mounted as files. Replicas above one
 * form a gossip cluster through the headless Service; Prometheus sends every alert to every pod. Its HTTP endpoints
 * require basic auth (the web-auth Secret, components/web-auth.ts), which Prometheus and its exec probes send.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SlackCredentials } from "../config";
import { SLACK_CHANNEL_KEYS, StackSettings } from "../config/schema";
import {
  ALERTMANAGER_SECRET_DIR,
  HEARTBEAT_URL_KEY,
  SLACK_BOT_TOKEN_KEY,
  SLACK_WEBHOOK_URL_KEY,
  alertmanagerYaml,
  slackChannelWebhookKey,
  slackDeliveryFiles,
} from "./alertmanager-config";
import { ImageSpec, imageTag } from "./images";
import { ALERT_RESEND_DELAY, dispatchStartDelay } from "./prometheus-config";
import {
  authorizedHttpProbe,
  checksumAnnotation,
  containerResources,
  labels as makeLabels,
  podDisruptionBudget,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  selectorLabels,
  spreadConstraints,
  ZoneSpread,
  statefulServices,
  volumeClaimTemplate,
  CLAIM_TEMPLATES_FIXED,
  DATA_CLAIM,
  statefulClaims,
} from "./kube";
import { SERVICES } from "./services";
import { ServerTlsMount, serverTlsVolume, serverTlsVolumeMount } from "./server-tls";
import { TLS_CERT_KEY, TLS_KEY_KEY } from "./server-tls-config";
import { WebAuthMount, webAuthAnnotation, webAuthVolume, webAuthVolumeMount } from "./web-auth";
import { WEB_AUTH_AUTHORIZATION_KEY, WEB_CONFIG_KEY } from "./web-auth-config";

export const ALERTMANAGER_CONFIG_DIR = "/etc/alertmanager/config";
export const ALERTMANAGER_DATA_DIR = "/alertmanager";
/** The web-auth Secret's web config and probe header (Alertmanager calls no authenticated server). */
export const ALERTMANAGER_WEB_AUTH_DIR = "/etc/alertmanager/web-auth";

/** The TLS Secret's certificate and key (tls.mode not off; the web config's ../tls). */
export const ALERTMANAGER_TLS_DIR = "/etc/alertmanager/tls";

export interface AlertmanagerArgs {
  /** How replicas spread over zones (they always spread over nodes). */
  readonly zoneSpread: ZoneSpread;
  /** PriorityClass of its pods (components/priority-classes.ts). */
  readonly priorityClassName: pulumi.Input<string>;
  readonly namespace: pulumi.Input<string>;
  readonly namespaceName: string;
  readonly settings: StackSettings["alertmanager"];
  readonly storageClass: string;
  readonly image: ImageSpec;
  /** The Slack credentials of `slack.mode`, each a secret; they go into the Secret only. */
  readonly slack: SlackCredentials;
  /** Dead man's switch for the Watchdog alert; without it Watchdog is dropped. */
  readonly heartbeatUrl?: pulumi.Output<string>;
  /** Pulumi `protect` on the StatefulSet and on the claims holding its data. */
  readonly protect: boolean;
  /** Prometheus' rule evaluation interval, which bounds how late its re-sends come after a restart. */
  readonly evaluationInterval: string;
  /** The basic-auth credentials its HTTP server requires (components/web-auth.ts). */
  readonly webAuth: WebAuthMount;
  /** The TLS Secret its HTTP server uses (gossip stays plain: out of scope); absent: plain HTTP. */
  readonly tls?: ServerTlsMount;
}

/** The Secret's keys and values for a mode; the keys are the file names alertmanager.yml reads. */
export function slackSecretData(slack: SlackCredentials): Record<string, pulumi.Output<string>> {
  switch (slack.mode) {
    case "bot-token":
      return { [SLACK_BOT_TOKEN_KEY]: slack.botToken };
    case "webhook-per-channel":
      return Object.fromEntries(SLACK_CHANNEL_KEYS.map((c) => [slackChannelWebhookKey(c), slack.webhookUrls[c]]));
    case "legacy-webhook":
      return { [SLACK_WEBHOOK_URL_KEY]: slack.webhookUrl };
  }
}

/** Cluster flags: gossip with every peer when replicated, gossip off (empty listen address) when alone. */
export function clusterArgs(replicas: number, name: string, headless: string, namespace: string, port: number): string[] {
  if (replicas <= 1) return ["--cluster.listen-address="];
  const peers = Array.from({ length: replicas }, (_, i) => `--cluster.peer=${name}-${i}.${headless}.${namespace}.svc:${port}`);
  return [`--cluster.listen-address=0.0.0.0:${port}`, `--cluster.advertise-address=[$(POD_IP)]:${port}`, ...peers];
}

export class Alertmanager extends pulumi.ComponentResource {
  public readonly service: k8s.core.v1.Service;
  public readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:alerting:Alertmanager", name, {}, opts);
    const spec = SERVICES.alertmanager;
    const { http, clusterTcp, clusterUdp } = spec.ports;
    const labels = makeLabels({ name: spec.name, component: "alert-router", version: imageTag(args.image.ref) });
    const selector = selectorLabels({ name: spec.name });
    const ns = args.namespace;
    const child = { parent: this };
    const externalUrl = `${args.tls ? "https" : "http"}://${spec.name}.${args.namespaceName}.svc:${http.port}`;

    const secret = new k8s.core.v1.Secret(
      `${name}-secrets`,
      {
        metadata: { name: `${spec.name}-secrets`, namespace: ns, labels },
        type: "Opaque",
        stringData: {
          ...slackSecretData(args.slack),
          ...(args.heartbeatUrl ? { [HEARTBEAT_URL_KEY]: args.heartbeatUrl } : {}),
        },
      },
      child,
    );

    const configData = {
      "alertmanager.yml": alertmanagerYaml({
        slack: slackDeliveryFiles(args.slack.mode),
        ...(args.heartbeatUrl ? { heartbeatUrlFile: `${ALERTMANAGER_SECRET_DIR}/${HEARTBEAT_URL_KEY}` } : {}),
        externalUrl,
      }),
    };
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { name: `${spec.name}-config`, namespace: ns, labels }, data: configData }, child);

    // Peers must find each other before they are ready: readiness waits for the gossip to settle.
    const { service, headlessName } = statefulServices(
      name,
      { appName: spec.name, namespace: ns, labels, selector, ports: [http], headlessPorts: [http, clusterTcp, clusterUdp], publishNotReadyAddresses: true },
      child,
    );
    this.service = service;

    const replicas = args.settings.replicas;
    const probeAuthorization = `${ALERTMANAGER_WEB_AUTH_DIR}/${WEB_AUTH_AUTHORIZATION_KEY}`;
    const scheme = args.tls ? { scheme: "https" as const } : {};
    const claims = statefulClaims(
      name,
      { statefulSetName: spec.name, namespace: ns, labels, replicas, size: args.settings.storageSize, storageClass: args.storageClass },
      { ...child, protect: args.protect },
    );
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: { name: spec.name, namespace: ns, labels },
        spec: {
          replicas,
          serviceName: headlessName,
          podManagementPolicy: "Parallel",
          selector: { matchLabels: selector },
          template: {
            metadata: { labels, annotations: { ...checksumAnnotation(configData), ...webAuthAnnotation(args.webAuth) } },
            spec: {
              priorityClassName: args.priorityClassName,
              automountServiceAccountToken: false,
              securityContext: restrictedPodSecurityContext({ uid: args.image.uid }),
              ...(replicas > 1 ? { topologySpreadConstraints: spreadConstraints(selector, args.zoneSpread) } : {}),
              containers: [
                {
                  name: spec.name,
                  image: args.image.ref,
                  args: [
                    `--config.file=${ALERTMANAGER_CONFIG_DIR}/alertmanager.yml`,
                    `--storage.path=${ALERTMANAGER_DATA_DIR}`,
                    `--web.listen-address=:${http.port}`,
                    `--web.config.file=${ALERTMANAGER_WEB_AUTH_DIR}/${WEB_CONFIG_KEY}`,
                    `--web.external-url=${externalUrl}`,
                    // After a restart Alertmanager holds no alerts until Prometheus re-sends them; alerts that started
                    // long ago are flushed at once, so an inhibited one can go out before its inhibiting alert is back
                    // (prometheus/alertmanager#4064, seen in test/e2e). Dispatch waits until every alert is re-sent.
                    `--dispatch.start-delay=${dispatchStartDelay(ALERT_RESEND_DELAY, args.evaluationInterval)}`,
                    ...clusterArgs(replicas, spec.name, headlessName, args.namespaceName, clusterTcp.port),
                  ],
                  env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
                  ports: [
                    { name: http.name, containerPort: http.port },
                    { name: clusterTcp.name, containerPort: clusterTcp.port, protocol: "TCP" },
                    { name: clusterUdp.name, containerPort: clusterUdp.port, protocol: "UDP" },
                  ],
                  // Every endpoint requires basic auth, /-/ready and /-/healthy too: exec probes send the mounted header.
                  readinessProbe: authorizedHttpProbe("/-/ready", http.port, probeAuthorization, { periodSeconds: 5, ...scheme }),
                  livenessProbe: authorizedHttpProbe("/-/healthy", http.port, probeAuthorization, { periodSeconds: 15, failureThreshold: 4, ...scheme }),
                  resources: containerResources(args.settings.resources),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [
                    { name: "config", mountPath: ALERTMANAGER_CONFIG_DIR, readOnly: true },
                    { name: "secrets", mountPath: ALERTMANAGER_SECRET_DIR, readOnly: true },
                    webAuthVolumeMount(ALERTMANAGER_WEB_AUTH_DIR),
                    ...(args.tls ? [serverTlsVolumeMount(ALERTMANAGER_TLS_DIR)] : []),
                    { name: "data", mountPath: ALERTMANAGER_DATA_DIR },
                  ],
                },
              ],
              volumes: [
                { name: "config", configMap: { name: configMap.metadata.name } },
                // Readable by the pod's group only (fsGroup); the Slack credentials are re-read on every notification.
                { name: "secrets", secret: { secretName: secret.metadata.name, defaultMode: 0o440 } },
                webAuthVolume(args.webAuth, [WEB_CONFIG_KEY, WEB_AUTH_AUTHORIZATION_KEY]),
                ...(args.tls ? [serverTlsVolume(args.tls, [TLS_CERT_KEY, TLS_KEY_KEY])] : []),
              ],
            },
          },
          volumeClaimTemplates: [volumeClaimTemplate(DATA_CLAIM, args.settings.storageSize, args.storageClass)],
        },
      },
      { ...child, protect: args.protect, dependsOn: claims, ...CLAIM_TEMPLATES_FIXED },
    );

    if (replicas > 1) podDisruptionBudget(spec.name, ns, labels, selector, child);
    this.registerOutputs({ service: this.service.metadata.name });
  }
}
