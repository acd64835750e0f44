#!/usr/bin/env node
// Validates every document of rendered manifests against the Kubernetes 1.36 OpenAPI schemas shipped in
// kubernetes-models 5.1.0 (offline, precompiled validators). ESM-only package, hence a script that jest spawns.
// Usage: node test/validate/k8s-schema.mjs <manifests.yaml>...   exit 0: all valid; 1: any invalid or unknown kind.
import { readFileSync } from "node:fs";
import { loadAll } from "js-yaml";

function modulePath(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

let failures = 0;
let count = 0;
for (const file of process.argv.slice(2)) {
  const docs = loadAll(readFileSync(file, "utf8")).filter((d) => d !== null && d !== undefined);
  for (const [i, doc] of docs.entries()) {
    count++;
    const id = `${file}#${i} ${doc.apiVersion}/${doc.kind} ${doc.metadata?.namespace ?? ""}/${doc.metadata?.name ?? "(no name)"}`;
    let Model;
    try {
      Model = (await import(modulePath(doc.apiVersion, doc.kind)))[doc.kind];
    } catch {
      Model = undefined;
    }
    if (typeof Model !== "function") {
      console.log(`${id}: INVALID no Kubernetes 1.36 schema for ${doc.apiVersion}/${doc.kind}`);
      failures++;
      continue;
    }
    try {
      new Model(doc).validate();
      console.log(`${id}: ok`);
    } catch (e) {
      console.log(`${id}: INVALID ${e.message.replace(/\s+/g, " ")}`);
      failures++;
    }
  }
}
console.log(`${count - failures} valid, ${failures} invalid`);
process.exit(failures > 0 || count === 0 ? 1 : 0);
