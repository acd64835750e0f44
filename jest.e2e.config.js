/** End-to-end tests: real Prometheus and Alertmanager on loopback, run one file at a time (they share ports). */
const base = require("./jest.config.js");
module.exports = {
  ...base,
  roots: ["<rootDir>/test/e2e"],
  testPathIgnorePatterns: ["/node_modules/"],
  maxWorkers: 1,
  testTimeout: 600000,
};
