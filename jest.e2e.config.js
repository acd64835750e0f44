/**
 * End-to-end tests: real Prometheus and Alertmanager on loopback. Each file starts its own daemons on free ports, so
 * two files run side by side (most of their time is spent waiting on Prometheus' and Alertmanager's clocks).
 */
const base = require("./jest.config.js");
module.exports = {
  ...base,
  roots: ["<rootDir>/test/e2e"],
  testPathIgnorePatterns: ["/node_modules/"],
  maxWorkers: 2,
  testTimeout: 600000,
};
