import { load } from "js-yaml";
import { tlsServerConfig } from "../../components/server-tls-config";
import { WEB_AUTH_USERNAME, hashWebPassword, webConfigFor } from "../../components/web-auth-config";
import { hashWebPasswordOffThread, webConfigOffThread } from "../../components/web-auth-hash";

const PASSWORD = "correct-horse-battery-staple";

describe("web auth hash on a worker thread", () => {
  it("gives the main thread's hash, at the default and at another cost", async () => {
    expect(await hashWebPasswordOffThread(PASSWORD)).toBe(hashWebPassword(PASSWORD));
    expect(await hashWebPasswordOffThread(PASSWORD, 5)).toBe(hashWebPassword(PASSWORD, 5));
  });

  it("gives webConfigFor's text byte for byte, with and without TLS", async () => {
    expect(await webConfigOffThread(WEB_AUTH_USERNAME, PASSWORD)).toBe(webConfigFor(WEB_AUTH_USERNAME, PASSWORD));
    const tls = await webConfigOffThread(WEB_AUTH_USERNAME, PASSWORD, tlsServerConfig());
    expect(tls).toBe(webConfigFor(WEB_AUTH_USERNAME, PASSWORD, tlsServerConfig()));
    expect(load(tls)).toHaveProperty("tls_server_config");
  });

  it("rejects a password bcrypt would truncate, before starting a worker", () => {
    expect(() => hashWebPasswordOffThread("x".repeat(73))).toThrow("73 bytes; bcrypt reads at most 72");
    expect(() => hashWebPasswordOffThread("")).toThrow("must not be empty");
  });
});
