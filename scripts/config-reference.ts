/** Prints the config reference, or with --write updates README.md in place (config, version and image tables). */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { configReference, replaceReference } from "./lib/config-reference";
import { replaceImageTable } from "./lib/image-table";
import { replaceVersionTable } from "./upstream/components";

const readmePath = path.resolve(__dirname, "..", "README.md");
if (process.argv.includes("--write")) {
  writeFileSync(readmePath, replaceImageTable(replaceVersionTable(replaceReference(readFileSync(readmePath, "utf8")))));
  console.log(`updated ${path.relative(process.cwd(), readmePath)}`);
} else {
  console.log(configReference());
}
