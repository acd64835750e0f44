/** The two Services of a StatefulSet: a headless one that gives each pod a stable DNS name, and a ClusterIP one for clients. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PortSpec } from "../services";

export interface StatefulServicesArgs {
  readonly appName: string;
  readonly namespace: pulumi.Input<string>;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  /** Ports of the client Service. */
  readonly ports: readonly PortSpec[];
  /** Ports of the headless Service. Default: `ports`. */
  readonly headlessPorts?: readonly PortSpec[];
  /** List pods in DNS before they are ready (peers that must find each other to become ready). Default false. */
  readonly publishNotReadyAddresses?: boolean;
}

const servicePort = (p: PortSpec) => ({ name: p.name, port: p.port, targetPort: p.name, ...(p.protocol ? { protocol: p.protocol } : {}) });

/** Creates `<app>-headless` and `<app>`; returns the client Service and the headless Service's name. */
export function statefulServices(logical: string, args: StatefulServicesArgs, opts: pulumi.CustomResourceOptions): { service: k8s.core.v1.Service; headlessName: string } {
  const { namespace, labels, selector } = args;
  const headlessName = `${args.appName}-headless`;
  new k8s.core.v1.Service(
    `${logical}-headless`,
    {
      metadata: { name: headlessName, namespace, labels },
      spec: {
        clusterIP: "None",
        ...(args.publishNotReadyAddresses ? { publishNotReadyAddresses: true } : {}),
        selector,
        ports: (args.headlessPorts ?? args.ports).map(servicePort),
      },
    },
    opts,
  );
  const service = new k8s.core.v1.Service(
    `${logical}-service`,
    { metadata: { name: args.appName, namespace, labels }, spec: { type: "ClusterIP", selector, ports: args.ports.map(servicePort) } },
    opts,
  );
  return { service, headlessName };
}
