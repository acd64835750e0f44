/**
 * Every seed alert end to end, time-compressed, on the dev stack as rendered: Slack through one webhook per channel
 * (harness/compressed-run.ts says what runs and what is checked).
 */
import { describeCompressedRun } from "./harness/compressed-run";

describeCompressedRun("webhook-per-channel", "dev");
