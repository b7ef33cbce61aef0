// gRPC metadata keys that carry the agent's error details. A module of its own so that the light
// entry (lean.ts) and the full one (proto.ts) name them once.

/** Metadata key carrying the agent's hint with an error status. */
export const HINT_METADATA_KEY = 'latchkey-hint';
/** Metadata key carrying the agent's error kind with an error status. */
export const KIND_METADATA_KEY = 'latchkey-kind';
/** Metadata key naming a manifest that needs approval (with a PERMISSION_DENIED status). */
export const UNAPPROVED_METADATA_KEY = 'latchkey-unapproved';
