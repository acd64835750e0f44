/**
 * The one typed StackConfig of the stack: Pulumi config -> validated settings plus secrets as Pulumi secret outputs.
 * Called first by index.ts, so a bad value stops the program before any resource is declared.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "./config/parse";
import { StackSettings } from "./config/schema";

export { ConfigError };
export type { StackSettings };

export interface StackSecrets {
  readonly slackWebhookUrl: pulumi.Output<string>;
  readonly grafanaAdminPassword?: pulumi.Output<string>;
  readonly grafanaSecretKey?: pulumi.Output<string>;
  readonly heartbeatUrl?: pulumi.Output<string>;
  readonly postgresPassword?: pulumi.Output<string>;
  readonly redisPassword?: pulumi.Output<string>;
}

export interface StackConfig extends StackSettings {
  /** The Pulumi stack name (`dev`, `prod`), used as the `environment` label. */
  readonly environment: string;
  readonly secrets: StackSecrets;
}

const asSecret = (value: string | undefined) => (value === undefined ? undefined : pulumi.secret(value));

/** Reads and validates the stack's config; throws a ConfigError listing every problem. */
export function loadStackConfig(): StackConfig {
  const { settings, secrets } = parseStackConfig(pulumi.runtime.allConfig());
  return {
    ...settings,
    environment: pulumi.getStack(),
    secrets: {
      slackWebhookUrl: pulumi.secret(secrets.slackWebhookUrl),
      grafanaAdminPassword: asSecret(secrets.grafanaAdminPassword),
      grafanaSecretKey: asSecret(secrets.grafanaSecretKey),
      heartbeatUrl: asSecret(secrets.heartbeatUrl),
      postgresPassword: asSecret(secrets.postgresPassword),
      redisPassword: asSecret(secrets.redisPassword),
    },
  };
}
