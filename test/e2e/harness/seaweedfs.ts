/**
 * An S3-compatible bucket on loopback: SeaweedFS (`weed server -s3`, built from its Go module, scripts/upstream) with
 * master, volume server, filer and S3 gateway in one process, every port on 127.0.0.1 and chosen free, data in the
 * run's directory. The S3 API requires SigV4 with one identity's keys (generated per run), so a client with wrong or
 * no credentials is refused as by a real bucket.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { requireTool } from "../../support/tools";
import { waitFor } from "./processes";
import { S3Endpoint, listBuckets, s3Request } from "./s3";
import { Upstream } from "./upstream-process";

/** `count` distinct ports free on 127.0.0.1, all held open until every one is chosen. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once("error", reject);
      s.listen(0, "127.0.0.1", () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export class S3Store {
  private constructor(readonly endpoint: S3Endpoint, private readonly weed: Upstream) {}

  /** Starts the store and waits until its S3 API answers a signed ListBuckets. */
  static async start(dir: string): Promise<S3Store> {
    const weed = requireTool("weed");
    const data = path.join(dir, "seaweedfs");
    mkdirSync(data, { recursive: true });
    const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = await freePorts(8);
    const credentials = { accessKeyId: `e2e${randomBytes(6).toString("hex")}`, secretAccessKey: randomBytes(20).toString("hex") };
    const config = path.join(dir, "seaweedfs-s3.json");
    writeFileSync(
      config,
      JSON.stringify({ identities: [{ name: "thanos", credentials: [{ accessKey: credentials.accessKeyId, secretKey: credentials.secretAccessKey }], actions: ["Admin", "Read", "List", "Tagging", "Write"] }] }),
      { mode: 0o600 },
    );
    // Every listener pinned: unset gRPC ports default to HTTP port + 10000 (out of range for high ephemeral ports), and
    // the Iceberg and Lance catalogs and telemetry are off (nothing here to serve, nowhere to report).
    const args = [
      "server",
      `-dir=${data}`,
      "-ip=127.0.0.1",
      "-ip.bind=127.0.0.1",
      `-master.port=${master}`,
      `-master.port.grpc=${masterGrpc}`,
      "-master.telemetry=false",
      "-master.volumeSizeLimitMB=64",
      `-volume.port=${volume}`,
      `-volume.port.grpc=${volumeGrpc}`,
      "-filer",
      `-filer.port=${filer}`,
      `-filer.port.grpc=${filerGrpc}`,
      "-s3",
      `-s3.port=${s3}`,
      `-s3.port.grpc=${s3Grpc}`,
      "-s3.port.iceberg=0",
      "-s3.port.lance=0",
      // Their Unix sockets in the run's directory, not SeaweedFS' default socket files in the system temp folder,
      // which two runs would share.
      `-filer.localSocket=${path.join(data, "filer.sock")}`,
      `-s3.localSocket=${path.join(data, "s3.sock")}`,
      // A bucket exists only once created, as on a real store: a write to a misspelled bucket fails.
      "-s3.autoCreateBucket=false",
      `-s3.config=${config}`,
    ];
    const proc = new Upstream("seaweedfs", weed, args, `http://127.0.0.1:${master}/cluster/status`, path.join(dir, "seaweedfs.log"));
    await proc.start(60_000);
    const store = new S3Store({ address: `127.0.0.1:${s3}`, region: "us-east-1", credentials }, proc);
    try {
      await waitFor("SeaweedFS' S3 API answering a signed ListBuckets", async () => (await listBuckets(store.endpoint), true), { timeoutMs: 60_000, intervalMs: 250 });
    } catch (e) {
      await proc.stop();
      throw new Error(`${(e as Error).message}\n--- seaweedfs.log ---\n${proc.logTail()}`);
    }
    return store;
  }

  /** Creates the bucket, retrying while the filer still settles (a fresh store may refuse the first writes). */
  async createBucket(bucket: string): Promise<void> {
    await waitFor(`bucket ${bucket} created`, async () => {
      // 409: an earlier attempt did create it.
      await s3Request(this.endpoint, "PUT", `/${bucket}`, { allow: [409] });
      return (await listBuckets(this.endpoint)).includes(bucket) ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
  }

  logTail(): string {
    return this.weed.logTail();
  }

  async stop(): Promise<void> {
    await this.weed.stop();
  }
}
