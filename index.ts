/**
 * The observability stack: config -> components -> exports. Resource details live in components/.
 */
import { loadStackConfig } from "./config";
import { Namespaces } from "./components/namespaces";

const config = loadStackConfig();

const namespaces = new Namespaces("observability", {
  servers: config.serversNamespace,
  agents: config.agentsNamespace,
  protect: config.protectData,
});

export const serversNamespace = namespaces.servers.metadata.name;
export const agentsNamespace = namespaces.agents.metadata.name;
