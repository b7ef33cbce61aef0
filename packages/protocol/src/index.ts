// @latchkey/protocol: what both ends of the socket share: the .proto contract (shipped in this package),
// the code generated from it, the loader options, and the rules for socket, state and config paths.
export * from './paths.js';
export * from './clean-env.js';
export * from './mint.js';
export * from './proto.js';
export * from './service.js';
export * from './domain.js';
export * from './status.js';
/** The generated messages of latchkey.v1: a type and a static codec for each (`pb.SecretMeta`). */
export * as pb from './generated/latchkey/v1/agent.js';

/** The version of Latchkey both ends report. */
export const VERSION = '0.1.0';
export * from './audit-files.js';
export * from './safe-files.js';
export * from './proc.js';
