/**
 * Every container with a read-only root either gets a writable /tmp (it writes temp files there) or is listed as
 * needing none, with the reason (components/kube/scratch.ts). Loki's compactor is the case that went wrong: with no
 * /tmp its retention never ran.
 */
import { NO_TEMP_FILES, TMP_DIR, WRITES_TEMP_FILES } from "../../components/kube/scratch";
import { Doc, loadManifests, renderedStack } from "../support/render";

const WORKLOADS = ["Deployment", "StatefulSet", "DaemonSet"];

interface Container {
  name: string;
  securityContext?: { readOnlyRootFilesystem?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}

function readOnlyContainers(docs: Doc[]): { container: Container; volumes: { name: string; emptyDir?: { sizeLimit?: string } }[] }[] {
  return docs
    .filter((d) => WORKLOADS.includes(d.kind))
    .flatMap((d: any) => (d.spec.template.spec.containers as Container[]).map((container) => ({ container, volumes: d.spec.template.spec.volumes ?? [] })))
    .filter((c) => c.container.securityContext?.readOnlyRootFilesystem === true);
}

describe.each(["dev", "prod", "prod-thanos"])("%s stack", (name) => {
  let stack: Doc[];
  beforeAll(() => {
    stack = loadManifests(renderedStack(name).file);
  });

  test("every read-only container is either given a /tmp or listed as writing none", () => {
    const names = readOnlyContainers(stack).map((c) => c.container.name);
    expect(names.length).toBeGreaterThanOrEqual(5);
    const unlisted = names.filter((n) => !(n in WRITES_TEMP_FILES) && !(n in NO_TEMP_FILES));
    expect(unlisted).toEqual([]);
  });

  test("the containers that write temp files get a size-bounded emptyDir at /tmp", () => {
    const listed = readOnlyContainers(stack).filter((c) => c.container.name in WRITES_TEMP_FILES);
    // Loki's three targets in simple scalable mode are three workloads of the one container.
    expect([...new Set(listed.map((c) => c.container.name))].sort()).toEqual(Object.keys(WRITES_TEMP_FILES).sort());
    for (const { container, volumes } of listed) {
      const mount = container.volumeMounts?.find((m) => m.mountPath === TMP_DIR);
      const volume = volumes.find((v) => v.name === mount?.name);
      expect({ container: container.name, sizeLimit: volume?.emptyDir?.sizeLimit }).toEqual({
        container: container.name,
        sizeLimit: WRITES_TEMP_FILES[container.name as keyof typeof WRITES_TEMP_FILES].sizeLimit,
      });
    }
  });

  test("the containers listed as writing none really have no /tmp (the list says why)", () => {
    for (const { container } of readOnlyContainers(stack).filter((c) => c.container.name in NO_TEMP_FILES)) {
      expect({ container: container.name, tmp: container.volumeMounts?.some((m) => m.mountPath === TMP_DIR) ?? false }).toEqual({ container: container.name, tmp: false });
    }
  });
});
