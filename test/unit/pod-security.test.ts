import { baselineViolations, baselineWarning } from "../../components/kube/pod-security";
import { ACCEPTED_SERVER_WARNINGS } from "../cluster/accepted-warnings";
import { runStack, StackRun } from "../support/program";

describe("baseline Pod Security text", () => {
  it("names hostPath volumes as the server does, singular and plural", () => {
    expect(baselineViolations({ volumes: [{ name: "a", hostPath: { path: "/a" } }, { name: "c", configMap: { name: "x" } }] })).toEqual(['hostPath volumes (volume "a")']);
    expect(baselineWarning({ volumes: [{ name: "a", hostPath: { path: "/a" } }, { name: "b", hostPath: { path: "/b" } }] })).toBe(
      'would violate PodSecurity "baseline:latest": hostPath volumes (volumes "a", "b")',
    );
  });

  it("lists host namespaces, host ports and privileged containers in the server's order", () => {
    const spec = {
      hostPID: true,
      hostNetwork: true,
      containers: [
        { name: "x", ports: [{ containerPort: 1, hostPort: 9400 }], securityContext: { privileged: true } },
        { name: "y", ports: [{ containerPort: 2 }] },
      ],
      volumes: [{ name: "v", hostPath: { path: "/v" } }],
    };
    expect(baselineViolations(spec)).toEqual([
      "host namespaces (hostNetwork=true, hostPID=true)",
      'hostPath volumes (volume "v")',
      'hostPort (container "x" uses hostPort 9400)',
      'privileged (container "x" must not set securityContext.privileged=true)',
    ]);
  });

  it("says nothing of a pod the baseline admits", () => {
    expect(baselineWarning({ containers: [{ name: "x", securityContext: { privileged: false }, ports: [{ containerPort: 80 }] }], volumes: [{ name: "e", emptyDir: {} }] })).toBeUndefined();
  });
});

// One stack per file (the program is loaded once); the agents' pod specs are the same in both stacks.
describe("the dev stack's agents", () => {
  let stack: StackRun;
  beforeAll(async () => {
    stack = await runStack("dev");
  });

  it("draw exactly the warnings accepted for them, from their rendered pod specs", () => {
    const drawn = stack.manifests
      .filter((m) => m.kind === "DaemonSet")
      .map((m) => ({ kind: m.kind, name: m.metadata.name, text: baselineWarning((m as any).spec.template.spec) }));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(drawn.sort(byName)).toEqual(ACCEPTED_SERVER_WARNINGS.map((w) => ({ kind: w.kind, name: w.name, text: w.text })).sort(byName));
  });
});
