/**
 * tls.mode off (the default, and both stacks): nothing of TLS in the dev stack, so its render stays as it was. The
 * same check on a TLS-on render (cert-manager.test.ts) finds every piece, so it can fail.
 */
import { runStack, StackRun } from "../support/program";
import { tlsTraces } from "../support/tls-traces";

let stack: StackRun;
beforeAll(async () => {
  stack = await runStack("dev");
});

it("leaves no trace of TLS with tls.mode off", () => {
  expect(tlsTraces(stack)).toEqual([]);
});
