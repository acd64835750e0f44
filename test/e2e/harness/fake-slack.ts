/**
 * A Slack workspace at the edge of the tests, behaving as Slack does for what Alertmanager sends it:
 *
 * - Incoming webhooks made by a Slack app are bound to one channel: a post lands there whatever `channel` the payload
 *   names. The one legacy webhook (the retired "Incoming WebHooks" integration) honours the payload's channel.
 *   Errors are plain text, as Slack's: 404 `no_service`, 400 `invalid_payload` / `no_text`.
 * - The Web API (`chat.postMessage`, `chat.update`) is reached as https://slack.com/api/... through this server acting
 *   as the HTTPS proxy (CONNECT), with a certificate for slack.com from a CA made per run: the rendered config keeps
 *   Slack's own URLs (Alertmanager 0.34 sends updates to https://slack.com/api/chat.update whatever it is told), the
 *   run adds only `proxy_url` and the CA. The API wants the bot token as bearer credentials and a channel the app is a
 *   member of, and answers HTTP 200 `{"ok": false, "error": ...}` otherwise (not_authed, invalid_auth,
 *   channel_not_found, not_in_channel, message_not_found); chat.update takes the channel ID and the message's `ts`.
 * - Rate limits: per channel, a token bucket (Slack's "one message per second, short bursts allowed"); over it, HTTP
 *   429 with `Retry-After`, and the message is not posted.
 * - An outage: while `failing`, every request is answered 500 and nothing is posted.
 *
 * Every request is recorded with where it really landed (or would have), and each message's current content is kept,
 * so a test can read a channel as a user would see it after edits.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { MENTION } from "./contract";
import { readBody } from "./http";

export type SlackVia = "webhook" | "legacy-webhook" | "chat.postMessage" | "chat.update";

export interface SlackPost {
  /** Receipt time, ms since epoch. */
  readonly at: number;
  readonly via: SlackVia;
  readonly path: string;
  /** The HTTP status answered. */
  readonly status: number;
  /** Whether Slack posted (or edited) the message. */
  readonly ok: boolean;
  /** Slack's error code when not ok (`not_in_channel`, `ratelimited`, `rate_limited`, ...). */
  readonly error?: string;
  /** The channel the payload named. */
  readonly requestedChannel: string;
  /** The channel (`#name`) the message landed in, or would have landed in when refused; "" when none resolves. */
  readonly channel: string;
  /** The message's timestamp id: new for a post, the edited message's for chat.update; "" when refused. */
  readonly ts: string;
  /** The first attachment's title, pretext and text (Alertmanager puts each message in one attachment). */
  readonly title: string;
  readonly pretext: string;
  readonly text: string;
  /** The message's top-level text. */
  readonly messageText: string;
  /**
   * Whether Slack would notify the channel: it turns `<!channel>` into a mention in the message's top-level `text` of
   * a new message, not inside an attachment (where it shows as plain text), and never on an edit.
   */
  readonly mentionsChannel: boolean;
  /** Parsed from the title `[FIRING:1] Alert on service` / `[RESOLVED] Alert on service`. */
  readonly state: "firing" | "resolved" | "unknown";
  readonly alertname: string;
  readonly service: string;
}

export interface RateLimit {
  /** Messages a channel takes per second, sustained. */
  readonly perSecond: number;
  /** Messages it takes at once. */
  readonly burst: number;
  /** Seconds in the Retry-After header. */
  readonly retryAfterSeconds: number;
}

/** Slack's documented limit for posting to a channel. */
export const SLACK_RATE_LIMIT: RateLimit = { perSecond: 1, burst: 3, retryAfterSeconds: 1 };

export interface FakeSlackOptions {
  /** The workspace's channels (`#name`). */
  readonly channels: readonly string[];
  /** Channels the app is a member of (default: all). */
  readonly botMemberOf?: readonly string[];
  /** The app's bot token (default: a fixed test token). */
  readonly botToken?: string;
  /** Per-channel rate limit (default: none). */
  readonly rateLimit?: RateLimit;
}

const TITLE = /^\[(FIRING|RESOLVED)(?::\d+)?\] (\S+)(?: on (\S+))?$/;
export const TEST_BOT_TOKEN = "xoxb-1111111111-2222222222-e2eTestBotToken";
const LEGACY_PATH = "/services/T0E2E0000/BLEGACY00/legacyintegration";
/** Not Slack: the dead man's switch service, which takes any POST. */
const HEARTBEAT_PATH = "/heartbeat";

interface SlackBody {
  channel?: string;
  ts?: string;
  text?: string;
  attachments?: { title?: string; pretext?: string; text?: string }[];
}

interface Channel {
  readonly id: string;
  readonly name: string;
  readonly webhookPath: string;
  tokens: number;
  refilledAt: number;
}

function parseBody(body: string): SlackBody | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as SlackBody) : undefined;
  } catch {
    return undefined;
  }
}

function message(body: SlackBody): Pick<SlackPost, "title" | "pretext" | "text" | "messageText" | "state" | "alertname" | "service"> {
  const attachment = body.attachments?.[0] ?? {};
  const title = attachment.title ?? "";
  const m = TITLE.exec(title);
  return {
    title,
    pretext: attachment.pretext ?? "",
    text: attachment.text ?? "",
    messageText: body.text ?? "",
    state: m ? (m[1] === "FIRING" ? "firing" : "resolved") : "unknown",
    alertname: m?.[2] ?? "",
    service: m?.[3] ?? "",
  };
}

function openssl(args: readonly string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.error || r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.error?.message ?? r.stderr}`);
}

/** A CA and a certificate for slack.com signed by it, in a fresh directory. */
function makeCertificates(): { dir: string; caFile: string; cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(path.join(tmpdir(), "fake-slack-tls-"));
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=fake-slack-test-ca", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"], dir);
  openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "slack.key", "-out", "slack.csr", "-subj", "/CN=slack.com", "-addext", "subjectAltName=DNS:slack.com"], dir);
  openssl(["x509", "-req", "-in", "slack.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "slack.crt", "-days", "2", "-copy_extensions", "copy"], dir);
  return { dir, caFile: path.join(dir, "ca.crt"), cert: readFileSync(path.join(dir, "slack.crt")), key: readFileSync(path.join(dir, "slack.key")) };
}

export class FakeSlack {
  readonly posts: SlackPost[] = [];
  /** Pings the heartbeat URL received. */
  heartbeats = 0;
  /** While true, every request is answered 500 and nothing is posted. */
  failing = false;
  readonly botToken: string;
  private readonly channels: Channel[];
  private readonly members: Set<string>;
  private readonly rateLimit?: RateLimit;
  /** Messages by ts, as they read now (after edits). */
  private readonly messages = new Map<string, SlackPost>();
  private seq = 0;

  private constructor(
    private readonly server: http.Server,
    private readonly tlsDir: { dir: string; caFile: string },
    readonly port: number,
    opts: FakeSlackOptions,
  ) {
    this.botToken = opts.botToken ?? TEST_BOT_TOKEN;
    this.channels = opts.channels.map((name, i) => ({
      id: `C0E2E${String(i).padStart(4, "0")}`,
      name,
      webhookPath: `/services/T0E2E0000/B0E2E${String(i).padStart(4, "0")}/${name.replace(/^#/, "")}-webhook-secret`,
      tokens: opts.rateLimit?.burst ?? 0,
      refilledAt: Date.now(),
    }));
    this.members = new Set(opts.botMemberOf ?? opts.channels);
    this.rateLimit = opts.rateLimit;
  }

  static async start(opts: FakeSlackOptions): Promise<FakeSlack> {
    const { dir, caFile, cert, key } = makeCertificates();
    const ref: { self?: FakeSlack } = {};
    const handler: http.RequestListener = (req, res) => {
      readBody(req).then(
        (body) => ref.self!.handle(req, res, body),
        () => res.writeHead(400).end("invalid_payload"),
      );
    };
    const server = http.createServer(handler);
    // The API over the HTTPS proxy: only slack.com:443 is tunnelled, and TLS ends here with the test CA's certificate.
    const api = http.createServer(handler);
    server.on("connect", (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
      if (req.url !== "slack.com:443") {
        socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
        return;
      }
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n", () => {
        if (head.length) socket.unshift(head);
        const secure = new tls.TLSSocket(socket, { isServer: true, cert, key });
        secure.on("error", () => socket.destroy());
        api.emit("connection", secure);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    ref.self = new FakeSlack(server, { dir, caFile }, (server.address() as AddressInfo).port, opts);
    return ref.self;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The app webhook made for a channel: it posts there and nowhere else. */
  webhookUrl(channel: string): string {
    return `${this.url}${this.channel(channel).webhookPath}`;
  }

  /** The legacy integration's one URL, which posts to the channel the payload names. */
  get legacyWebhookUrl(): string {
    return `${this.url}${LEGACY_PATH}`;
  }

  /** The heartbeat service's URL (not Slack; pings are counted in `heartbeats`). */
  get heartbeatUrl(): string {
    return `${this.url}${HEARTBEAT_PATH}`;
  }

  /** What Alertmanager's http_config.proxy_url points at to reach https://slack.com. */
  get proxyUrl(): string {
    return this.url;
  }

  /** The CA that signed the fake's slack.com certificate (Alertmanager's tls_config.ca_file). */
  get caFile(): string {
    return this.tlsDir.caFile;
  }

  /** Requests Slack accepted, optionally filtered. */
  delivered(filter: Partial<Pick<SlackPost, "state" | "alertname" | "channel" | "service" | "via">> = {}): SlackPost[] {
    return this.posts.filter((p) => p.ok && Object.entries(filter).every(([k, v]) => p[k as keyof SlackPost] === v));
  }

  /** A channel's messages as they read now, edits applied, oldest first. */
  channelMessages(channel: string): SlackPost[] {
    return [...this.messages.values()].filter((m) => m.channel === channel);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.tlsDir.dir, { recursive: true, force: true });
  }

  private channel(nameOrId: string): Channel {
    const c = this.find(nameOrId);
    if (!c) throw new Error(`fake Slack has no channel ${nameOrId}`);
    return c;
  }

  private find(nameOrId: string): Channel | undefined {
    const name = nameOrId.startsWith("#") || /^C0E2E/.test(nameOrId) ? nameOrId : `#${nameOrId}`;
    return this.channels.find((c) => c.name === name || c.id === nameOrId);
  }

  /** Takes one message from the channel's bucket; false when over the limit. */
  private admit(c: Channel, now: number): boolean {
    const limit = this.rateLimit;
    if (!limit) return true;
    c.tokens = Math.min(limit.burst, c.tokens + ((now - c.refilledAt) / 1000) * limit.perSecond);
    c.refilledAt = now;
    if (c.tokens < 1) return false;
    c.tokens -= 1;
    return true;
  }

  private nextTs(now: number): string {
    this.seq += 1;
    return `${Math.floor(now / 1000)}.${String(this.seq).padStart(6, "0")}`;
  }

  private record(post: SlackPost): void {
    this.posts.push(post);
    if (!post.ok) return;
    if (post.via === "chat.update") {
      const original = this.messages.get(post.ts)!;
      this.messages.set(post.ts, { ...post, at: original.at, mentionsChannel: original.mentionsChannel });
    } else {
      this.messages.set(post.ts, post);
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const now = Date.now();
    const url = (req.url ?? "").split("?")[0];
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    if (url === HEARTBEAT_PATH) {
      this.heartbeats += 1;
      res.writeHead(200).end("ok");
      return;
    }
    if (url.startsWith("/api/")) {
      this.handleApi(req, res, url.slice("/api/".length), raw, now);
      return;
    }
    const legacy = url === LEGACY_PATH;
    const bound = this.channels.find((c) => c.webhookPath === url);
    if (!legacy && !bound) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("no_service");
      return;
    }
    const body = parseBody(raw);
    const requestedChannel = body?.channel ?? "";
    const target = bound ?? (requestedChannel ? this.find(requestedChannel) : undefined);
    const base = { at: now, via: (legacy ? "legacy-webhook" : "webhook") as SlackVia, path: url, requestedChannel, channel: target?.name ?? "", ...message(body ?? {}) };
    const answer = (status: number, text: string, ts = "") => {
      const ok = status === 200;
      this.record({ ...base, status, ok, ...(ok ? {} : { error: text }), ts, mentionsChannel: ok && base.messageText.includes(MENTION) });
      res.writeHead(status, { "Content-Type": "text/plain", ...(status === 429 ? { "Retry-After": String(this.rateLimit!.retryAfterSeconds) } : {}) }).end(text);
    };
    if (this.failing) return answer(500, "internal_error");
    if (!body) return answer(400, "invalid_payload");
    if (!body.text && !body.attachments?.length) return answer(400, "no_text");
    if (!target) return answer(404, "channel_not_found");
    if (!this.admit(target, now)) return answer(429, "rate_limited");
    answer(200, "ok", this.nextTs(now));
  }

  private handleApi(req: http.IncomingMessage, res: http.ServerResponse, method: string, raw: string, now: number): void {
    const via: SlackVia | undefined = method === "chat.postMessage" ? "chat.postMessage" : method === "chat.update" ? "chat.update" : undefined;
    const body = parseBody(raw) ?? {};
    const requestedChannel = body.channel ?? "";
    const target = requestedChannel ? this.find(requestedChannel) : undefined;
    const base = { at: now, via: via ?? "chat.postMessage", path: `/api/${method}`, requestedChannel, channel: target?.name ?? "", ...message(body) };
    const answer = (status: number, payload: Record<string, unknown>) => {
      const ok = payload.ok === true;
      const ts = ok ? String(payload.ts) : "";
      this.record({ ...base, status, ok, ...(ok ? {} : { error: String(payload.error) }), ts, mentionsChannel: ok && via === "chat.postMessage" && base.messageText.includes(MENTION) });
      res.writeHead(status, { "Content-Type": "application/json", ...(status === 429 ? { "Retry-After": String(this.rateLimit!.retryAfterSeconds) } : {}) }).end(JSON.stringify(payload));
    };
    if (!via) return answer(404, { ok: false, error: "unknown_method" });
    if (this.failing) return answer(500, { ok: false, error: "internal_error" });
    const auth = req.headers.authorization ?? "";
    if (!auth) return answer(200, { ok: false, error: "not_authed" });
    if (auth !== `Bearer ${this.botToken}`) return answer(200, { ok: false, error: "invalid_auth" });
    if (!raw || !parseBody(raw)) return answer(200, { ok: false, error: "invalid_json" });
    // chat.update addresses the channel by ID, as chat.postMessage's answer gave it.
    if (!target || (via === "chat.update" && target.id !== requestedChannel)) return answer(200, { ok: false, error: "channel_not_found" });
    if (!this.members.has(target.name)) return answer(200, { ok: false, error: "not_in_channel" });
    if (!body.text && !body.attachments?.length) return answer(200, { ok: false, error: "no_text" });
    if (via === "chat.update") {
      const original = body.ts ? this.messages.get(body.ts) : undefined;
      if (!original || original.channel !== target.name) return answer(200, { ok: false, error: "message_not_found" });
      if (!this.admit(target, now)) return answer(429, { ok: false, error: "ratelimited" });
      return answer(200, { ok: true, channel: target.id, ts: body.ts, text: body.text ?? "" });
    }
    if (!this.admit(target, now)) return answer(429, { ok: false, error: "ratelimited" });
    const ts = this.nextTs(now);
    answer(200, { ok: true, channel: target.id, ts, message: { text: body.text ?? "", ts } });
  }
}
