/**
 * The web config with its bcrypt hash computed on a worker thread. bcryptjs is JavaScript: at BCRYPT_COST one hash is
 * about 100 ms of CPU, which on the main thread holds up every resource registration queued behind it (a render, a
 * `pulumi preview`); on a worker it runs beside them. The result is webConfigFor's (web-auth-config.ts), byte for byte.
 */
import { Worker } from "node:worker_threads";
import type { TlsServerConfig } from "./server-tls-config";
import { BCRYPT_COST, buildWebConfig, checkWebPassword, webAuthSalt, webConfigYaml } from "./web-auth-config";

// Plain JavaScript, evaluated by the worker: it needs no TypeScript loader and gets bcryptjs' resolved path.
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
parentPort.postMessage(require(workerData.bcryptjs).hashSync(workerData.password, workerData.salt));
`;

/** bcrypt of the password with its derived salt (hashWebPassword), on a worker thread. */
export function hashWebPasswordOffThread(password: string, cost: number = BCRYPT_COST): Promise<string> {
  checkWebPassword(password);
  const salt = webAuthSalt(password, cost);
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { bcryptjs: require.resolve("bcryptjs"), password, salt } });
    worker.once("message", (hash: string) => resolve(hash));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`bcrypt worker exited with code ${code} before sending the hash`)));
  });
}

/** webConfigFor, with the hash computed on a worker thread. */
export async function webConfigOffThread(username: string, password: string, tls?: TlsServerConfig): Promise<string> {
  return webConfigYaml(buildWebConfig(username, await hashWebPasswordOffThread(password), tls));
}
