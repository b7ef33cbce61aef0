// The error classes of the lean daemon clients, kept free of node:http2 so that h2lite.ts can share them.
import { LatchkeyError, type ErrorKind } from '@latchkey/core/errors';

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
