/**
 * The one typed StackConfig of the stack: Pulumi config -> validated settings plus secrets as Pulumi secret outputs.
 * Called first by index.ts, so a bad value stops the program before any resource is declared.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "./config/parse";
import { SLACK_CHANNEL_KEYS, SecretValues, SlackChannelKey, StackSettings, slackWebhookKey } from "./config/schema";

export { ConfigError };
export type { StackSettings };

/** The Slack credentials of the chosen `slack.mode`, each a Pulumi secret. */
export type SlackCredentials =
  | { readonly mode: "bot-token"; readonly botToken: pulumi.Output<string> }
  | { readonly mode: "webhook-per-channel"; readonly webhookUrls: Readonly<Record<SlackChannelKey, pulumi.Output<string>>> }
  | { readonly mode: "legacy-webhook"; readonly webhookUrl: pulumi.Output<string> };

export interface StackSecrets {
  readonly slack: SlackCredentials;
  readonly grafanaAdminPassword?: pulumi.Output<string>;
  readonly grafanaSecretKey?: pulumi.Output<string>;
  /** Password of the basic-auth user of Prometheus and Alertmanager; absent: generated. */
  readonly webAuthPassword?: pulumi.Output<string>;
  readonly heartbeatUrl?: pulumi.Output<string>;
  readonly postgresPassword?: pulumi.Output<string>;
  readonly redisPassword?: pulumi.Output<string>;
  /** Static credentials of objectStorage; validation requires them when a bucket is set. */
  readonly objectStorage?: { readonly accessKeyId: pulumi.Output<string>; readonly secretAccessKey: pulumi.Output<string> };
}

export interface StackConfig extends StackSettings {
  /** The Pulumi stack name (`dev`, `prod`), used as the `environment` label. */
  readonly environment: string;
  readonly secrets: StackSecrets;
}

const asSecret = (value: string | undefined) => (value === undefined ? undefined : pulumi.secret(value));

/** Validation has made sure the mode's credentials are present. */
function slackCredentials(mode: StackSettings["slack"]["mode"], secrets: SecretValues): SlackCredentials {
  const present = (value: string | undefined) => pulumi.secret(value as string);
  switch (mode) {
    case "bot-token":
      return { mode, botToken: present(secrets.slackBotToken) };
    case "webhook-per-channel":
      return { mode, webhookUrls: Object.fromEntries(SLACK_CHANNEL_KEYS.map((c) => [c, present(secrets[slackWebhookKey(c)])])) as Record<SlackChannelKey, pulumi.Output<string>> };
    case "legacy-webhook":
      return { mode, webhookUrl: present(secrets.slackWebhookUrl) };
  }
}

/** Reads and validates the stack's config; throws a ConfigError listing every problem. */
export function loadStackConfig(): StackConfig {
  const { settings, secrets } = parseStackConfig(pulumi.runtime.allConfig());
  return {
    ...settings,
    environment: pulumi.getStack(),
    secrets: {
      slack: slackCredentials(settings.slack.mode, secrets),
      grafanaAdminPassword: asSecret(secrets.grafanaAdminPassword),
      grafanaSecretKey: asSecret(secrets.grafanaSecretKey),
      webAuthPassword: asSecret(secrets.webAuthPassword),
      heartbeatUrl: asSecret(secrets.heartbeatUrl),
      postgresPassword: asSecret(secrets.postgresPassword),
      redisPassword: asSecret(secrets.redisPassword),
      ...(secrets.objectStorageAccessKeyId !== undefined && secrets.objectStorageSecretAccessKey !== undefined
        ? { objectStorage: { accessKeyId: pulumi.secret(secrets.objectStorageAccessKeyId), secretAccessKey: pulumi.secret(secrets.objectStorageSecretAccessKey) } }
        : {}),
    },
  };
}
