/**
 * Runs the Pulumi program under Pulumi's mocks (no CLI, no cluster) and records every resource registration.
 * Shared by the render script and the tests.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE } from "../../config/schema";

export interface RecordedResource {
  /** Type token, e.g. `kubernetes:apps/v1:Deployment`. */
  readonly type: string;
  /** Pulumi logical name. */
  readonly name: string;
  /** Inputs as the engine receives them (secrets still wrapped). */
  readonly inputs: Record<string, unknown>;
  /** False for component resources. */
  readonly custom: boolean;
}

/** Outputs the mock computes for resources whose programs read provider-computed fields. */
function computedState(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  if (args.type === "random:index/randomPassword:RandomPassword") {
    const length = Number(args.inputs.length ?? 32);
    return { result: "m".repeat(length) };
  }
  return {};
}

/**
 * Sets the stack config, installs recording mocks and loads the program module. Call once per process: Pulumi's
 * runtime state is global.
 */
export async function runProgram(
  stack: string,
  config: Record<string, string>,
  secretKeys: string[],
  load: () => Promise<unknown>,
): Promise<RecordedResource[]> {
  const recorded: RecordedResource[] = [];
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? true });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computedState(args) } };
      },
      call(args) {
        return args.inputs;
      },
    },
    CONFIG_NAMESPACE,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
  await load();
  // Registrations are asynchronous; wait until the engine (the mock monitor) has seen them all.
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  return recorded;
}
