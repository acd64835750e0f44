/** The optional Ingresses of Jaeger's UI, Prometheus and Alertmanager (components/server-ingress-config.ts). */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EXPOSED_SERVERS, IngressSettings } from "../config/ingress-schema";
import { labels as makeLabels } from "./kube";
import { buildServerIngress } from "./server-ingress-config";

export interface ServerIngressesArgs {
  readonly namespace: pulumi.Input<string>;
  /** The servers namespace's name. */
  readonly namespaceName: string;
  readonly settings: IngressSettings;
  /** The servers' TLS Secret when tls.mode is on; absent: the backends speak plain HTTP. */
  readonly backendTlsSecret?: string;
}

export class ServerIngresses extends pulumi.ComponentResource {
  constructor(name: string, args: ServerIngressesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:network:ServerIngresses", name, {}, opts);
    for (const server of EXPOSED_SERVERS) {
      if (!args.settings[server].enabled) continue;
      const data = buildServerIngress({
        server,
        settings: args.settings[server],
        namespace: args.namespaceName,
        ...(args.backendTlsSecret ? { backendTlsSecret: args.backendTlsSecret } : {}),
      });
      new k8s.networking.v1.Ingress(
        `${name}-${server}`,
        {
          metadata: {
            name: data.name,
            namespace: args.namespace,
            labels: makeLabels({ name: data.name, component: "ingress" }),
            ...(Object.keys(data.annotations).length ? { annotations: data.annotations } : {}),
          },
          spec: data.spec,
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
