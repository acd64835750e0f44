/**
 * Cluster tests: the rendered stacks applied to a real API server, and `pulumi up` through the real engine, on the
 * local cluster of scripts/cluster (kwok nodes). One cluster for the run, started by the global setup unless one is
 * already up (npm run cluster:up), and the files run one at a time: they share the stack's namespaces.
 */
const base = require("./jest.config.js");
module.exports = {
  ...base,
  roots: ["<rootDir>/test/cluster"],
  testMatch: ["**/*.cluster.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  globalSetup: "<rootDir>/test/cluster/support/global-setup.js",
  globalTeardown: "<rootDir>/test/cluster/support/global-teardown.js",
  maxWorkers: 1,
  testTimeout: 900000,
};
