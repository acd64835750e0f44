/**
 * The TLS Secret of Prometheus' and Alertmanager's HTTP servers (components/server-tls-config.ts): with tls.mode
 * secret the one named in config, with cert-manager a Certificate (cert-manager.io/v1) that cert-manager issues into
 * a Secret of a derived name. The private key lives only in that Secret; the program never reads it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels as makeLabels } from "./kube";
import {
  SERVER_TLS_CERTIFICATE_NAME,
  SERVER_TLS_VOLUME,
  ServerNamesArgs,
  TLS_CA_KEY,
  TLS_CERT_KEY,
  TLS_KEY_KEY,
  TlsSettings,
  certificateSpec,
  serverDnsNames,
  serverTlsSecretName,
} from "./server-tls-config";

export type ServerTlsKey = typeof TLS_CERT_KEY | typeof TLS_KEY_KEY | typeof TLS_CA_KEY;

/** What a consumer needs to mount the TLS Secret. */
export interface ServerTlsMount {
  readonly secretName: string;
}

export interface ServerTlsArgs {
  readonly namespace: pulumi.Input<string>;
  readonly settings: TlsSettings;
  readonly names: ServerNamesArgs;
}

export class ServerTls extends pulumi.ComponentResource {
  /** Undefined when tls.mode is off. */
  public readonly mount?: ServerTlsMount;
  public readonly certificate?: k8s.apiextensions.CustomResource;

  constructor(name: string, args: ServerTlsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:tls:ServerTls", name, {}, opts);
    const secretName = serverTlsSecretName(args.settings);
    if (secretName === undefined) {
      this.registerOutputs({});
      return;
    }
    if (args.settings.mode === "cert-manager") {
      this.certificate = new k8s.apiextensions.CustomResource(
        `${name}-certificate`,
        {
          apiVersion: "cert-manager.io/v1",
          kind: "Certificate",
          metadata: { name: SERVER_TLS_CERTIFICATE_NAME, namespace: args.namespace, labels: makeLabels({ name: SERVER_TLS_CERTIFICATE_NAME, component: "server-tls" }) },
          spec: certificateSpec(args.settings, serverDnsNames(args.names)),
        },
        { parent: this },
      );
    }
    this.mount = { secretName };
    this.registerOutputs({ secretName });
  }
}

/** The TLS Secret as a volume with only the given keys, readable by the pod's group only (fsGroup). */
export function serverTlsVolume(tls: ServerTlsMount, keys: readonly ServerTlsKey[]): k8s.types.input.core.v1.Volume {
  return { name: SERVER_TLS_VOLUME, secret: { secretName: tls.secretName, defaultMode: 0o440, items: keys.map((key) => ({ key, path: key })) } };
}

export function serverTlsVolumeMount(mountPath: string): k8s.types.input.core.v1.VolumeMount {
  return { name: SERVER_TLS_VOLUME, mountPath, readOnly: true };
}
