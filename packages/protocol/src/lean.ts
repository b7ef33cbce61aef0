// The parts of the protocol that load without grpc-js or proto-loader: paths and gRPC framing. The
// exec path takes its message codecs from `@latchkey/protocol/messages` (bundled, so only the two it
// uses are loaded).
export * from './paths.js';
export * from './clean-env.js';
export * from './framing.js';
export * from './status.js';
export * from './mint.js';
import { HINT_METADATA_KEY, KIND_METADATA_KEY, UNAPPROVED_METADATA_KEY } from './metadata.js';

export { decodeMetadataValue } from './metadata.js';

/** The error metadata keys, for clients that read them by hand. */
export const LEAN_METADATA = { kind: KIND_METADATA_KEY, hint: HINT_METADATA_KEY, unapproved: UNAPPROVED_METADATA_KEY } as const;
export * from './safe-files.js';
export * from './proc.js';
export * from './text-encoding.js';
