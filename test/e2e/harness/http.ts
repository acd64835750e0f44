/** Small HTTP servers on 127.0.0.1 with an ephemeral port, closed without waiting for idle keep-alive connections. */
import * as http from "node:http";
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
