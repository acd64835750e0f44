/**
 * Defers modules @pulumi/pulumi loads at start-up for what a render never does: TypeScript's compiler (9 MB, to parse
 * functions for `pulumi.runtime.serializeFunction`), npm's Arborist with normalize-package-data (and, through
 * Arborist, pacote, sigstore, tar and more: to compute the code paths of a serialized function's package), and execa
 * (to run the Pulumi CLI from the Automation API). Together they are most of the SDKs' load time. Each require of them
 * from @pulumi/pulumi gets a stand-in that loads the real module on first use, so a program that does use them works
 * as before, only loads them later.
 *
 * Import this before anything that loads @pulumi/pulumi (it only sees requires made after it).
 */
import Module from "node:module";
import * as path from "node:path";

export const DEFERRED_MODULES: readonly string[] = ["typescript", "@npmcli/arborist", "normalize-package-data", "execa"];

const PULUMI_SDK = `${path.sep}node_modules${path.sep}@pulumi${path.sep}pulumi${path.sep}`;

type Load = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
const loader = Module as unknown as { _load: Load };

/**
 * A stand-in for a CommonJS module that loads it on first use. It says it is an ES module, so that TypeScript's
 * import helpers (`__importStar`, `__importDefault`) hand it back as it is instead of enumerating it, and gives
 * what those helpers would for a CommonJS module: `default` is the module itself, unless it has its own.
 */
function deferred(load: () => object): object {
  let real: object | undefined;
  const module = (): object => (real ??= load());
  const get = (key: string | symbol): unknown => {
    if (key === "__esModule") return true;
    const m = module() as Record<string | symbol, unknown>;
    return key === "default" && !m.__esModule ? m : m[key];
  };
  return new Proxy(
    {},
    {
      get: (_target, key) => get(key),
      has: (_target, key) => key === "__esModule" || key in module(),
      ownKeys: () => Reflect.ownKeys(module()),
      getOwnPropertyDescriptor: (_target, key) => {
        const d = Reflect.getOwnPropertyDescriptor(module(), key);
        return d && { ...d, configurable: true };
      },
      set: (_target, key, value) => Reflect.set(module(), key, value),
    },
  );
}

const load = loader._load;
loader._load = function deferringLoad(this: unknown, request, parent, isMain) {
  if (DEFERRED_MODULES.includes(request) && parent?.filename?.includes(PULUMI_SDK)) {
    return deferred(() => load.call(this, request, parent, isMain) as object);
  }
  return load.call(this, request, parent, isMain);
};
