import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ROOT } from "../support/render";

/** Runs `script` in a fresh node with the render's TypeScript loader and the deferral installed; returns its JSON. */
function probe(script: string): Record<string, unknown> {
  const r = spawnSync(
    process.execPath,
    ["--require", path.join(ROOT, "scripts", "ts-register.js"), "-e", `require(${JSON.stringify(path.join(ROOT, "scripts", "lib", "defer-modules.ts"))});\n${script}`],
    { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
  );
  // serializeFunction warns on stderr about deprecated built-ins it captures; only the exit status counts.
  if (r.status !== 0) throw new Error(`probe exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const LOADED = `const loaded = (name) => Object.keys(require.cache).some((f) => f.includes("/node_modules/" + name + "/"));`;

describe("modules the render defers", () => {
  it("are not loaded with @pulumi/pulumi and @pulumi/kubernetes", () => {
    const out = probe(`${LOADED}
      require("@pulumi/pulumi"); require("@pulumi/kubernetes");
      const { DEFERRED_MODULES } = require(${JSON.stringify(path.join(ROOT, "scripts", "lib", "defer-modules.ts"))});
      console.log(JSON.stringify(Object.fromEntries(DEFERRED_MODULES.map((m) => [m, loaded(m)]))));`);
    expect(Object.keys(out).sort()).toEqual(["@npmcli/arborist", "execa", "normalize-package-data", "typescript"]);
    for (const [name, isLoaded] of Object.entries(out)) expect([name, isLoaded]).toEqual([name, false]);
  });

  it("load on first use and work: serializeFunction parses with TypeScript and packages with Arborist", async () => {
    const out = probe(`${LOADED}
      const pulumi = require("@pulumi/pulumi");
      const answer = 42;
      pulumi.runtime.serializeFunction(() => answer).then(async (f) => {
        const paths = await pulumi.runtime.computeCodePaths({ extraIncludePackages: ["js-yaml"] });
        console.log(JSON.stringify({ text: f.text, typescript: loaded("typescript"), arborist: loaded("@npmcli/arborist"), paths: [...paths.keys()].some((p) => p.includes("js-yaml")) }));
      });`);
    expect(out.text).toMatch(/answer: 42/);
    expect(out).toMatchObject({ typescript: true, arborist: true, paths: true });
  });
});
