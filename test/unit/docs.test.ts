import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { load } from "js-yaml";
import { Field } from "../../config/fields";
import { stackSchema } from "../../config/schema";
import { IMAGES } from "../../components/images";
import { configReference } from "../../scripts/lib/config-reference";
import { replaceImageTable } from "../../scripts/lib/image-table";
import { replaceVersionTable } from "../../scripts/upstream/components";

const ROOT = path.resolve(__dirname, "../..");
const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");

describe("README", () => {
  it("holds the config reference generated from the schema (run npm run docs:config)", () => {
    expect(readme).toContain(configReference());
  });

  it("holds the deployed/tested version table generated from the pins (run npm run docs:config)", () => {
    expect(replaceVersionTable(readme)).toBe(readme);
  });

  it("holds the image table generated from components/images.ts, digests included (run npm run docs:config)", () => {
    expect(replaceImageTable(readme)).toBe(readme);
  });

  it("cites no design document outside the repository: what a maintainer needs is in docs/architecture.md", () => {
    // Tracked and untracked files alike; git grep exits 1 when nothing matches.
    const r = spawnSync("git", ["grep", "--untracked", "-l", "DESIGN" + ".md"], { cwd: ROOT, encoding: "utf8" });
    expect({ status: r.status, files: r.stdout.trim() }).toEqual({ status: 1, files: "" });
  });

  it("lists every pinned image", () => {
    for (const { ref } of Object.values(IMAGES)) expect(readme).toContain(`\`${ref}\``);
  });

  it("gives the two set-up commands that CI runs", () => {
    const ci = readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
    const render = "npm ci && npm run render -- --stack dev";
    const test = "npm ci && bash scripts/install-test-tools.sh && npm run lint && npm test";
    for (const command of [render, test]) {
      expect(readme).toContain(command);
      expect(ci).toContain(command);
    }
  });
});

describe("Pulumi.yaml", () => {
  const project = load(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
    name: string;
    runtime: { name: string };
    config: Record<string, { type: string; default?: unknown; secret?: boolean }>;
  };
  const fields = stackSchema as unknown as Record<string, Field<unknown>>;

  it("is the nodejs project observability", () => {
    expect(project.name).toBe("observability");
    expect(project.runtime.name).toBe("nodejs");
  });

  it("declares every scalar key with the schema's type and default", () => {
    const types: Record<string, string> = { string: "string", boolean: "boolean", number: "integer" };
    for (const [name, field] of Object.entries(fields)) {
      if (field.kind === "object") continue;
      const declared = project.config[`observability:${name}`];
      expect(declared).toBeDefined();
      expect(declared.type).toBe(types[field.kind]);
      if (field.required) {
        expect(declared.default).toBeUndefined();
        expect(declared.secret).toBe(true);
      } else {
        expect(declared.default).toEqual(field.defaultValue ?? "");
      }
    }
  });

  it("declares no key the schema does not know", () => {
    for (const key of Object.keys(project.config)) expect(Object.keys(fields)).toContain(key.replace(/^observability:/, ""));
  });
});
