/**
 * A stand-in for Slack's incoming webhooks: records every POST (when, what it answered, the parsed message) and can
 * be told to fail with HTTP 500 for a while, as Slack does in an outage.
 */
import { MENTION } from "./contract";
import { LoopbackServer, readBody, serve } from "./http";

export interface SlackPost {
  /** Receipt time, ms since epoch. */
  readonly at: number;
  readonly path: string;
  /** What the fake answered: 200 delivered, 500 refused. */
  readonly status: number;
  readonly channel: string;
  /** The first attachment's title, pretext and text (Alertmanager puts each message in one attachment). */
  readonly title: string;
  readonly pretext: string;
  readonly text: string;
  /**
   * Whether Slack would notify the channel: it turns `<!channel>` into a mention in the message's top-level `text`,
   * not inside an attachment (where it shows as plain text).
   */
  readonly mentionsChannel: boolean;
  /** Parsed from the title `[FIRING:1] Alert on service` / `[RESOLVED] Alert on service`. */
  readonly state: "firing" | "resolved" | "unknown";
  readonly alertname: string;
  readonly service: string;
}

const TITLE = /^\[(FIRING|RESOLVED)(?::\d+)?\] (\S+)(?: on (\S+))?$/;

interface SlackBody {
  channel?: string;
  text?: string;
  attachments?: { title?: string; pretext?: string; text?: string }[];
}

export function parseSlackPost(at: number, path: string, status: number, body: string): SlackPost {
  let parsed: SlackBody = {};
  try {
    parsed = JSON.parse(body) as SlackBody;
  } catch {
    parsed = {};
  }
  const attachment = parsed.attachments?.[0] ?? {};
  const title = attachment.title ?? "";
  const m = TITLE.exec(title);
  return {
    at,
    path,
    status,
    channel: parsed.channel ?? "",
    title,
    pretext: attachment.pretext ?? "",
    text: attachment.text ?? "",
    mentionsChannel: (parsed.text ?? "").includes(MENTION),
    state: m ? (m[1] === "FIRING" ? "firing" : "resolved") : "unknown",
    alertname: m?.[2] ?? "",
    service: m?.[3] ?? "",
  };
}

export class FakeSlack {
  readonly posts: SlackPost[] = [];
  /** While true, every POST is answered 500 (and still recorded). */
  failing = false;
  /** The webhook path Alertmanager is given. */
  readonly webhookPath = "/services/T00000000/B00000000/e2e";

  private constructor(private readonly server: LoopbackServer) {}

  static async start(): Promise<FakeSlack> {
    const ref: { self?: FakeSlack } = {};
    const server = await serve((req, res) => {
      if (req.method !== "POST") {
        res.writeHead(405).end();
        return;
      }
      readBody(req).then(
        (body) => {
          const status = ref.self?.failing ? 500 : 200;
          ref.self?.posts.push(parseSlackPost(Date.now(), req.url ?? "", status, body));
          res.writeHead(status, { "Content-Type": "text/plain" }).end(status === 200 ? "ok" : "internal_error");
        },
        () => res.writeHead(400).end(),
      );
    });
    ref.self = new FakeSlack(server);
    return ref.self;
  }

  /** The URL written into Alertmanager's Slack webhook file. */
  get webhookUrl(): string {
    return `${this.server.url}${this.webhookPath}`;
  }

  /** Messages Slack accepted (status 200). */
  delivered(filter: Partial<Pick<SlackPost, "state" | "alertname" | "channel" | "service">> = {}): SlackPost[] {
    return this.posts.filter((p) => p.status === 200 && Object.entries(filter).every(([k, v]) => p[k as keyof SlackPost] === v));
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
