// The error catalogue: every failure the agent reports on purpose has a kind, a message and a hint.
// Messages are lowercase, name secrets and files, and never contain a secret value.

/** The kinds of expected failure, each with its exit code (DESIGN.md, "Errors and exit codes"). */
export const ErrorKinds = {
  usage: 64,
  input: 65,
  notFound: 1,
  unavailable: 69,
  denied: 77,
  /** A limit of the daemon's was reached (active leases, connections): EX_UNAVAILABLE, try again later. */
  exhausted: 69,
  internal: 1,
} as const;

export type ErrorKind = keyof typeof ErrorKinds;

/** An expected failure: rendered as `agent: error: <message>` and `agent: hint: <hint>`. */
export class LatchkeyError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;

  constructor(kind: ErrorKind, message: string, hint?: string) {
    super(message);
    this.name = 'LatchkeyError';
    this.kind = kind;
    this.hint = hint;
  }

  /** The process exit code this error maps to. */
  get exitCode(): number {
    return ErrorKinds[this.kind];
  }
}

/** True when `err` is a LatchkeyError (also across module copies). */
export function isLatchkeyError(err: unknown): err is LatchkeyError {
  return err instanceof LatchkeyError || (err instanceof Error && err.name === 'LatchkeyError' && 'kind' in err);
}

/** Shorthands for the catalogue. */
export const usageError = (message: string, hint?: string) => new LatchkeyError('usage', message, hint);
export const inputError = (message: string, hint?: string) => new LatchkeyError('input', message, hint);
export const notFoundError = (message: string, hint?: string) => new LatchkeyError('notFound', message, hint);
export const unavailableError = (message: string, hint?: string) => new LatchkeyError('unavailable', message, hint);
export const deniedError = (message: string, hint?: string) => new LatchkeyError('denied', message, hint);
export const exhaustedError = (message: string, hint?: string) => new LatchkeyError('exhausted', message, hint);
