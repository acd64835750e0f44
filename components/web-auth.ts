/**
 * The credentials of Prometheus' and Alertmanager's HTTP servers: one Secret in the servers namespace holding the web
 * config (the bcrypt hash), the password (for Prometheus' alerting and self-scrapes and Grafana's datasource) and the
 * Authorization header value (for the exec probes). Each consumer mounts only the keys it reads. The password comes
 * from stack config or is generated, and is exported as a secret stack output.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "node:crypto";
import { labels as makeLabels } from "./kube";
import type { TlsServerConfig } from "./server-tls-config";
import {
  WEB_AUTH_AUTHORIZATION_KEY,
  WEB_AUTH_PASSWORD_KEY,
  WEB_AUTH_USERNAME,
  WEB_CONFIG_KEY,
  basicAuthorization,
} from "./web-auth-config";
import { webConfigOffThread } from "./web-auth-hash";

/** Length of a generated password (alphanumeric: about 190 bits, within bcrypt's 72 bytes, safe in any shell). */
export const GENERATED_WEB_AUTH_PASSWORD_LENGTH = 32;

export const WEB_AUTH_SECRET_NAME = "web-auth";
/** Pod-template annotation that changes with the password, so `pulumi up` rolls every consumer after a rotation. */
export const WEB_AUTH_CHECKSUM_ANNOTATION = "checksum/web-auth";
/** Volume name of the mounted Secret in each consumer's pod. */
export const WEB_AUTH_VOLUME = "web-auth";

export type WebAuthKey = typeof WEB_CONFIG_KEY | typeof WEB_AUTH_PASSWORD_KEY | typeof WEB_AUTH_AUTHORIZATION_KEY;

/** What a consumer needs to use the credentials; nothing in it is secret. */
export interface WebAuthMount {
  /** Name of the Secret (its keys: WEB_CONFIG_KEY, WEB_AUTH_PASSWORD_KEY, WEB_AUTH_AUTHORIZATION_KEY). */
  readonly secretName: pulumi.Output<string>;
  readonly username: string;
  /**
   * SHA-256 of the web config text, for WEB_AUTH_CHECKSUM_ANNOTATION. The web config holds only the bcrypt hash, so
   * testing a guessed password against this checksum costs a bcrypt computation, as against the hash itself.
   */
  readonly checksum: pulumi.Output<string>;
}

export interface WebAuthArgs {
  /** The servers namespace, where Prometheus, Alertmanager and Grafana run. */
  readonly namespace: pulumi.Input<string>;
  /** The password from stack config. Absent: one is generated and kept in the Pulumi state. */
  readonly password?: pulumi.Output<string>;
  /** TLS on the servers: the web config gets tls_server_config (components/server-tls-config.ts). Absent: plain HTTP. */
  readonly tls?: TlsServerConfig;
}

export class WebAuth extends pulumi.ComponentResource {
  public readonly secret: k8s.core.v1.Secret;
  /** The password in effect (secret). */
  public readonly password: pulumi.Output<string>;
  public readonly mount: WebAuthMount;

  constructor(name: string, args: WebAuthArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:auth:WebAuth", name, {}, opts);
    const child = { parent: this };
    const labels = makeLabels({ name: WEB_AUTH_SECRET_NAME, component: "web-auth" });

    const password =
      args.password ??
      new random.RandomPassword(`${name}-password`, { length: GENERATED_WEB_AUTH_PASSWORD_LENGTH, special: false }, child).result;
    this.password = pulumi.secret(password);
    // Hashed inside the secret's apply, so the hash (and the file holding it) stays a secret output; on a worker thread,
    // so the other registrations go on meanwhile.
    const webConfig = this.password.apply((p) => webConfigOffThread(WEB_AUTH_USERNAME, p, args.tls));
    const authorization = this.password.apply((p) => basicAuthorization(WEB_AUTH_USERNAME, p));

    this.secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { name: WEB_AUTH_SECRET_NAME, namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { [WEB_CONFIG_KEY]: webConfig, [WEB_AUTH_PASSWORD_KEY]: this.password, [WEB_AUTH_AUTHORIZATION_KEY]: authorization },
      },
      child,
    );

    this.mount = {
      secretName: this.secret.metadata.name,
      username: WEB_AUTH_USERNAME,
      checksum: pulumi.unsecret(webConfig.apply((text) => createHash("sha256").update(text).digest("hex"))),
    };
    this.registerOutputs({ secret: this.secret.metadata.name });
  }
}

/** The Secret as a volume with only the given keys, readable by the pod's group only (fsGroup). */
export function webAuthVolume(auth: WebAuthMount, keys: readonly WebAuthKey[]): k8s.types.input.core.v1.Volume {
  return { name: WEB_AUTH_VOLUME, secret: { secretName: auth.secretName, defaultMode: 0o440, items: keys.map((key) => ({ key, path: key })) } };
}

/** Its mount in the container, read-only. */
export function webAuthVolumeMount(mountPath: string): k8s.types.input.core.v1.VolumeMount {
  return { name: WEB_AUTH_VOLUME, mountPath, readOnly: true };
}

/** The pod-template annotation that rolls the pods when the password changes. */
export function webAuthAnnotation(auth: WebAuthMount): Record<string, pulumi.Output<string>> {
  return { [WEB_AUTH_CHECKSUM_ANNOTATION]: auth.checksum };
}
