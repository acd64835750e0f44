/** Small HTTP servers on 127.0.0.1 with an ephemeral port, closed without waiting for idle keep-alive connections. */
import * as http from "node:http";
import * as https from "node:https";
import { AddressInfo } from "node:net";

export interface LoopbackServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function serve(listener: http.RequestListener): Promise<LoopbackServer> {
  const server = http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Prometheus keeps scrape connections open; without this, close() waits for them to time out.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The request body as text, bounded (a fake never needs more than a few hundred kilobytes). */
export function readBody(req: http.IncomingMessage, maxBytes = 4 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        reject(new Error(`request body over ${maxBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export interface LoopbackReply {
  readonly status: number;
  readonly body: string;
}

/**
 * GET from 127.0.0.1: plain HTTP, or HTTPS with `tls` (trusting only `tls.ca` when given, else the system roots).
 */
export function loopbackGet(port: number, urlPath: string, opts: { tls?: { ca?: Buffer | string }; headers?: Record<string, string> } = {}): Promise<LoopbackReply> {
  return new Promise((resolve, reject) => {
    const options = { host: "127.0.0.1", port, path: urlPath, headers: opts.headers, timeout: 10_000 };
    const onReply = (res: http.IncomingMessage) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    };
    const req = opts.tls ? https.get({ ...options, ...(opts.tls.ca ? { ca: opts.tls.ca } : {}) }, onReply) : http.get(options, onReply);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}
