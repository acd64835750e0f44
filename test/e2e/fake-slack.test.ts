/**
 * The fake Slack refuses what real Slack refuses, so the end-to-end runs that pass against it mean something: a test
 * that passed only because the fake accepted anything would fail here first. Requests are made as Alertmanager makes
 * them: webhooks as plain POSTs, the Web API as https://slack.com through the fake as an HTTPS proxy, trusting its CA.
 */
import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as tls from "node:tls";
import { FakeSlack, TEST_BOT_TOKEN } from "./harness/fake-slack";

const CHANNELS = ["#ai-platform-alerts", "#ai-platform-gpu", "#ai-platform-drift"];
const MESSAGE = { text: "", attachments: [{ title: "[FIRING:1] HighGPUTemperature on dcgm-exporter", text: "hot" }] };

let slack: FakeSlack;

beforeEach(async () => {
  slack = await FakeSlack.start({ channels: CHANNELS, botMemberOf: ["#ai-platform-alerts", "#ai-platform-gpu"], rateLimit: { perSecond: 1, burst: 2, retryAfterSeconds: 3 } });
});

afterEach(async () => {
  await slack.close();
});

async function webhook(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

/** A call to https://slack.com/api/<method> through the fake's CONNECT proxy, verifying slack.com's certificate. */
function api(method: string, body: unknown, token?: string, host = "slack.com"): Promise<{ status: number; headers: http.IncomingHttpHeaders; json: Record<string, unknown> }> {
  const proxy = new URL(slack.proxyUrl);
  return new Promise((resolve, reject) => {
    const connect = http.request({ host: proxy.hostname, port: proxy.port, method: "CONNECT", path: `${host}:443` });
    connect.on("connect", (res, socket) => {
      if (res.statusCode !== 200) return reject(new Error(`CONNECT ${host}: ${res.statusCode}`));
      const secure = tls.connect({ socket, servername: host, ca: readFileSync(slack.caFile) }, () => {
        const payload = JSON.stringify(body);
        const req = http.request(
          { createConnection: () => secure, host, path: `/api/${method}`, method: "POST", headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload), ...(token ? { Authorization: `Bearer ${token}` } : {}) } },
          (r) => {
            let text = "";
            r.on("data", (d) => (text += d));
            r.on("end", () => resolve({ status: r.statusCode ?? 0, headers: r.headers, json: JSON.parse(text) as Record<string, unknown> }));
          },
        );
        req.on("error", reject);
        req.end(payload);
      });
      secure.on("error", reject);
    });
    connect.on("error", reject);
    connect.end();
  });
}

describe("fake Slack: webhooks", () => {
  it("lands an app webhook's message in the webhook's own channel, whatever the payload names", async () => {
    expect(await webhook(slack.webhookUrl("#ai-platform-gpu"), { ...MESSAGE, channel: "#ai-platform-drift" })).toEqual({ status: 200, text: "ok" });
    expect(slack.posts.map((p) => [p.requestedChannel, p.channel, p.via])).toEqual([["#ai-platform-drift", "#ai-platform-gpu", "webhook"]]);
  });

  it("lands a legacy webhook's message in the channel the payload names", async () => {
    expect((await webhook(slack.legacyWebhookUrl, { ...MESSAGE, channel: "#ai-platform-drift" })).status).toBe(200);
    expect(slack.posts[0].channel).toBe("#ai-platform-drift");
  });

  it("answers an unknown webhook 404 no_service and a payload without text 400 no_text", async () => {
    expect(await webhook(`${slack.url}/services/T0/B0/unknown`, MESSAGE)).toEqual({ status: 404, text: "no_service" });
    expect(await webhook(slack.webhookUrl("#ai-platform-gpu"), { channel: "#x" })).toEqual({ status: 400, text: "no_text" });
  });

  it("rate-limits a channel with 429 and Retry-After past its burst, and posts nothing then", async () => {
    const url = slack.webhookUrl("#ai-platform-alerts");
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await webhook(url, MESSAGE)).status);
    expect(statuses).toEqual([200, 200, 429]);
    const res = await fetch(url, { method: "POST", body: JSON.stringify(MESSAGE) });
    expect([res.status, res.headers.get("retry-after")]).toEqual([429, "3"]);
    expect(slack.channelMessages("#ai-platform-alerts")).toHaveLength(2);
    // Another channel has its own bucket.
    expect((await webhook(slack.webhookUrl("#ai-platform-gpu"), MESSAGE)).status).toBe(200);
  });
});

describe("fake Slack: Web API through the HTTPS proxy", () => {
  it("tunnels only slack.com", async () => {
    await expect(api("chat.postMessage", MESSAGE, TEST_BOT_TOKEN, "example.com")).rejects.toThrow("CONNECT example.com: 403");
  });

  it("refuses without the bot token, or with another token, as ok: false", async () => {
    expect((await api("chat.postMessage", { ...MESSAGE, channel: "#ai-platform-gpu" })).json).toEqual({ ok: false, error: "not_authed" });
    expect((await api("chat.postMessage", { ...MESSAGE, channel: "#ai-platform-gpu" }, "xoxb-0-0-wrong")).json).toEqual({ ok: false, error: "invalid_auth" });
    expect(slack.channelMessages("#ai-platform-gpu")).toEqual([]);
  });

  it("refuses a channel the app is not in, and one that does not exist", async () => {
    expect((await api("chat.postMessage", { ...MESSAGE, channel: "#ai-platform-drift" }, TEST_BOT_TOKEN)).json).toEqual({ ok: false, error: "not_in_channel" });
    expect((await api("chat.postMessage", { ...MESSAGE, channel: "#nope" }, TEST_BOT_TOKEN)).json).toEqual({ ok: false, error: "channel_not_found" });
  });

  it("posts to a member channel, then edits that message by channel ID and ts; a wrong ts is message_not_found", async () => {
    const posted = (await api("chat.postMessage", { ...MESSAGE, text: "<!channel>", channel: "#ai-platform-gpu" }, TEST_BOT_TOKEN)).json;
    expect(posted).toMatchObject({ ok: true, channel: expect.stringMatching(/^C/), ts: expect.any(String) });
    const resolved = { attachments: [{ title: "[RESOLVED] HighGPUTemperature on dcgm-exporter", text: "cool" }], text: "" };
    expect((await api("chat.update", { ...resolved, channel: "#ai-platform-gpu", ts: posted.ts }, TEST_BOT_TOKEN)).json).toEqual({ ok: false, error: "channel_not_found" });
    expect((await api("chat.update", { ...resolved, channel: posted.channel, ts: "1.000000" }, TEST_BOT_TOKEN)).json).toEqual({ ok: false, error: "message_not_found" });
    expect((await api("chat.update", { ...resolved, channel: posted.channel, ts: posted.ts }, TEST_BOT_TOKEN)).json).toMatchObject({ ok: true, ts: posted.ts });
    const now = slack.channelMessages("#ai-platform-gpu");
    expect(now.map((m) => [m.state, m.ts, m.mentionsChannel])).toEqual([["resolved", posted.ts, true]]);
  });

  it("rate-limits with HTTP 429, Retry-After and error ratelimited", async () => {
    const send = () => api("chat.postMessage", { ...MESSAGE, channel: "#ai-platform-gpu" }, TEST_BOT_TOKEN);
    await send();
    await send();
    const third = await send();
    expect([third.status, third.headers["retry-after"], third.json]).toEqual([429, "3", { ok: false, error: "ratelimited" }]);
  });
});
