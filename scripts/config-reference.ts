/** Prints the config reference, or with --write updates README.md in place. */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { configReference, replaceReference } from "./lib/config-reference";

const readmePath = path.resolve(__dirname, "..", "README.md");
if (process.argv.includes("--write")) {
  writeFileSync(readmePath, replaceReference(readFileSync(readmePath, "utf8")));
  console.log(`updated ${path.relative(process.cwd(), readmePath)}`);
} else {
  console.log(configReference());
}
