// The Deps of the lean paths of ls, set and leases: the process as processDeps reads it for the oclif
// commands, with h2lite's LeanAgent for the daemon instead of grpc-js's AgentConnection.
import { LeanAgent } from '@latchkey/client/lean-agent';
import { socketPath } from '@latchkey/protocol/lean';
import type { Deps } from '../deps.js';
import { processDeps } from '../process-deps.js';
import { startingCall } from './call.js';

/** The process, read once, as the oclif commands' deps(); connections are LeanAgents. */
export function leanDeps(): Deps<LeanAgent> {
  return processDeps((env) => async (options) => {
    const socket = socketPath(env);
    return new LeanAgent(socket, startingCall(socket, env, options?.autoStart ?? true));
  });
}
