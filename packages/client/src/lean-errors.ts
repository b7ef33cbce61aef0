// The error classes of the lean daemon clients, kept free of node:http2 so that h2lite.ts can share them.
import { LatchkeyError, type ErrorKind } from '@latchkey/core/errors';
import { LEAN_METADATA } from '@latchkey/protocol/lean';

/** A failure status from the daemon, with the agent's metadata. */
export class LeanStatusError extends LatchkeyError {
  constructor(
    kind: ErrorKind,
    message: string,
    hint: string | undefined,
    readonly unapprovedManifest: string | undefined,
  ) {
    super(kind, message, hint);
  }
}

/** Raised when nothing listens on the socket (the caller may start the daemon). */
export class DaemonNotRunning extends Error {
  constructor(readonly socket: string, readonly code: string) {
    super(`no daemon on ${socket} (${code})`);
  }
}

// The same mapping as errors.ts (grpc.status numbers, spelled out so that the exec path loads no grpc-js).
const KIND_BY_STATUS: Record<number, ErrorKind> = { 3: 'input', 4: 'unavailable', 5: 'notFound', 7: 'denied', 8: 'exhausted', 14: 'unavailable' };
const KINDS: readonly string[] = ['usage', 'input', 'notFound', 'unavailable', 'denied', 'exhausted', 'failed', 'cancelled', 'internal'];

/**
 * The error a non-zero gRPC status stands for: the kind from the agent's metadata (else from the
 * status code), the percent-decoded grpc-message, the hint and the manifest awaiting approval.
 */
export function statusError(status: number, meta: (key: string) => string | undefined): LeanStatusError {
  const raw = meta('grpc-message') ?? '';
  let details = raw;
  try {
    details = decodeURIComponent(raw);
  } catch {
    // a malformed percent-encoding: show it as it came
  }
  const kindMeta = meta(LEAN_METADATA.kind);
  const kind = (kindMeta && KINDS.includes(kindMeta) ? kindMeta : (KIND_BY_STATUS[status] ?? 'internal')) as ErrorKind;
  return new LeanStatusError(kind, details || `the daemon answered status ${status}`, meta(LEAN_METADATA.hint), meta(LEAN_METADATA.unapproved));
}
