// The parts of the protocol that load without grpc-js or proto-loader: paths and the hot-path codec.
export * from './paths.js';
export * from './wire.js';
/** Metadata keys shared with proto.ts (kept literal here so this module stays light). */
export const LEAN_METADATA = { kind: 'latchkey-kind', hint: 'latchkey-hint', unapproved: 'latchkey-unapproved' } as const;
