// @latchkey/protocol: what both ends of the socket share: the proto contract and its generated types,
// the loader options, and the rules for socket, state and config paths.
export * from './paths.js';
export * from './clean-env.js';
export * from './mint.js';
export * from './proto.js';
export type * from './generated/agent.js';
export type { SecretMeta__Output as WireSecretMeta } from './generated/latchkey/v1/SecretMeta.js';
export type { StatusResponse__Output as WireStatus } from './generated/latchkey/v1/StatusResponse.js';
export type { AgentClient } from './generated/latchkey/v1/Agent.js';
export type { AgentHandlers } from './generated/latchkey/v1/Agent.js';

/** The version of Latchkey both ends report. */
export const VERSION = '0.1.0';
export * from './audit-files.js';
export * from './safe-files.js';
