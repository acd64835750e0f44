/**
 * Every seed alert end to end, time-compressed, on the dev stack with slack.mode bot-token: chat.postMessage with the
 * bot token, resolved as an edit of the firing message (harness/compressed-run.ts says what runs and what is checked).
 */
import { describeCompressedRun } from "./harness/compressed-run";

describeCompressedRun("bot-token", "dev-bot-token");
