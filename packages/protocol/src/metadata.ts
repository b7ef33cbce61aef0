// gRPC metadata keys that carry the agent's error details. A module of its own so that the light
// entry (lean.ts) and the full one (proto.ts) name them once.

/** Metadata key carrying the agent's hint with an error status. */
export const HINT_METADATA_KEY = 'latchkey-hint';
/** Metadata key carrying the agent's error kind with an error status. */
export const KIND_METADATA_KEY = 'latchkey-kind';
/** Metadata key naming a manifest that needs approval (with a PERMISSION_DENIED status). */
export const UNAPPROVED_METADATA_KEY = 'latchkey-unapproved';

/** The characters a metadata value carries as they are: printable ASCII but `%`. */
const PLAIN_VALUE = /^[\x20-\x24\x26-\x7e]*$/;

/**
 * A metadata value as the daemon sends it. gRPC's text metadata is ASCII, and HTTP/2 (Node) writes a header
 * value as Latin-1, so a path or hint holding other characters (`/home/josé/项目/agent.env`) would arrive
 * changed: every character but printable ASCII, `%` included, goes percent-encoded as UTF-8.
 */
export function encodeMetadataValue(value: string): string {
  if (PLAIN_VALUE.test(value)) return value;
  return value.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) => Array.from(Buffer.from(c, 'utf8'), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

/**
 * A percent-encoded value as it was: a metadata value encodeMetadataValue sent, or a grpc-message (which a
 * server encodes with encodeURI). A value that is not a valid encoding is kept as it came.
 */
export function decodeMetadataValue(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
