/**
 * Writable temp directories for containers with a read-only root. A program that writes to `os.TempDir()` (`/tmp`)
 * fails on a read-only root, often silently: Loki's compactor then never applies retention. Each of the stack's
 * containers is listed, either with the temp directory it gets and why, or with why it needs none; a test keeps the
 * list and the rendered pods in step.
 */
import * as k8s from "@pulumi/kubernetes";

export const TMP_DIR = "/tmp";

/** Containers that write temporary files, with the emptyDir size they get. */
export const WRITES_TEMP_FILES = {
  loki: { sizeLimit: "1Gi", why: "the compactor writes retention marker files under os.TempDir() before it deletes chunks" },
  grafana: { sizeLimit: "256Mi", why: "CSV and image exports, plugin and provisioning work files go to os.TempDir()" },
  jaeger: { sizeLimit: "64Mi", why: "the image declares /tmp a volume; Go's TempDir users (Badger's ephemeral mode, the UI asset cache) write there" },
} as const;

/** Containers with a read-only root that write only to their own volumes. */
export const NO_TEMP_FILES = {
  prometheus: "the TSDB writes its temporary blocks and WAL checkpoints inside --storage.tsdb.path",
  alertmanager: "the notification log and silences are written (and swapped in) inside --storage.path",
  "otel-collector": "nothing of the configured components writes temp files; the persistent queue has its own volume",
  promtail: "positions live on their hostPath; nothing else is written",
  "redis-exporter": "serves metrics from memory; writes nothing",
  "postgres-exporter": "serves metrics from memory; writes nothing",
  "thanos-sidecar": "uploads blocks straight from Prometheus' TSDB directory and keeps its state file there",
  "thanos-query": "stateless: answers queries from memory",
  "thanos-store": "its index-header cache lives in --data-dir, on its claim",
  "thanos-compact": "downloads, compacts and downsamples blocks inside --data-dir, on its claim",
} as const;

export type TempWriter = keyof typeof WRITES_TEMP_FILES;

/** The volume and mount of a container's temp directory. */
export function tmpVolume(container: TempWriter): { volume: k8s.types.input.core.v1.Volume; mount: k8s.types.input.core.v1.VolumeMount } {
  return {
    volume: { name: "tmp", emptyDir: { sizeLimit: WRITES_TEMP_FILES[container].sizeLimit } },
    mount: { name: "tmp", mountPath: TMP_DIR },
  };
}
