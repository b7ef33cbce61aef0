// The error catalogue and the one renderer. Every failure the agent reports on purpose has a kind, a
// message and a hint; anything else that reaches an entry point is a bug and is printed as one. Messages are
// lowercase, name secrets and files, and never contain a secret value.
import { escapeControl } from './display.js';

/** The kinds of expected failure, each with its exit code (DESIGN.md, "Errors and exit codes"). */
export const ErrorKinds = {
  usage: 64,
  input: 65,
  notFound: 1,
  unavailable: 69,
  denied: 77,
  /** A limit of the daemon's was reached (active leases, connections): EX_UNAVAILABLE, try again later. */
  exhausted: 69,
  /** A check the user asked for found a problem (a broken audit trail, a project not ready). */
  failed: 1,
  /** Ctrl-C at a prompt: 128 + SIGINT, as a shell reports a command it interrupted. */
  cancelled: 130,
  /** A bug: rendered as one, with how to report it. */
  internal: 1,
} as const;

export type ErrorKind = keyof typeof ErrorKinds;

/** An expected failure: rendered as `agent: error: <message>` and `agent: hint: <hint>`. */
export class LatchkeyError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  /** Lines said before the message, each as an error of its own (every problem of a refused import). */
  readonly details: readonly string[];

  constructor(kind: ErrorKind, message: string, hint?: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LatchkeyError';
    this.kind = kind;
    this.hint = hint;
    this.details = options?.details ?? [];
  }

  /** The process exit code this error maps to. */
  get exitCode(): number {
    return ErrorKinds[this.kind];
  }
}

/** Ctrl-C at a prompt: `agent: error: cancelled` (or what was done before it) and exit 130. */
export class Cancelled extends LatchkeyError {
  constructor(message = 'cancelled', hint?: string) {
    super('cancelled', message, hint);
  }
}

/**
 * A bug: a state the code does not expect. Rendered with the bug hint; `cause` keeps the original error,
 * whose stack LATCHKEY_DEBUG=1 prints.
 */
export class InternalError extends LatchkeyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, undefined, options);
  }
}

/**
 * Ends a command with `code` and prints nothing more: the command said what it had to (a report on stdout,
 * a child's own output) and its exit code is the answer, as `agent exec` passes on its child's.
 */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = 'ExitCode';
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
export const failedError = (message: string, hint?: string) => new LatchkeyError('failed', message, hint);

/**
 * The hint every internal error ends with. The project has no public tracker, so it names none: a made-up
 * address would send reports nowhere.
 */
export const BUG_HINT = 'this is a bug in latchkey: please report it to its maintainers with the command you ran and this output; LATCHKEY_DEBUG=1 prints the stack';

/** Where render() writes, and the environment it reads LATCHKEY_DEBUG from. */
export interface RenderTarget {
  stderr: { write(text: string): unknown };
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The one renderer of errors, used by the CLI's oclif base, the exec bundle and the daemon: writes `err` in
 * the agent's voice on stderr and returns the exit code it stands for. An expected error prints its message
 * and hint; a passed-through exit code prints nothing; anything else (and kind `internal`) prints as a bug.
 */
export function render(err: unknown, out: RenderTarget): number {
  if (err instanceof ExitCode || (err instanceof Error && err.name === 'ExitCode' && typeof (err as ExitCode).code === 'number')) {
    return (err as ExitCode).code;
  }
  // Messages carry paths and names from manifests and peers: escaped, so none can rewrite the screen.
  if (isLatchkeyError(err) && err.kind !== 'internal') {
    for (const line of err.details ?? []) out.stderr.write(`agent: error: ${escapeControl(line)}\n`);
    out.stderr.write(`agent: error: ${escapeControl(err.message)}\n`);
    if (err.hint) out.stderr.write(`agent: hint: ${escapeControl(err.hint)}\n`);
    return err.exitCode;
  }
  const message = isLatchkeyError(err) ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const said = firstLine(message);
  out.stderr.write(`agent: error: ${escapeControl(said.startsWith('internal error') ? said : `internal error: ${said}`)}\n`);
  out.stderr.write(`agent: hint: ${BUG_HINT}\n`);
  if (out.env?.LATCHKEY_DEBUG) {
    for (let e: unknown = err; e instanceof Error; e = e.cause) out.stderr.write(`${e.stack ?? e.message}\n`);
  }
  return ErrorKinds.internal;
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').slice(0, 300);
}
