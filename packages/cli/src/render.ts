// How the agent speaks: `agent: error: ...` and `agent: hint: ...` on stderr, lowercase, no values.
import { escapeControl } from '@latchkey/core/display';
import { isLatchkeyError } from '@latchkey/core/errors';

/** Where the CLI writes. */
export interface Output {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Writes an error and its hint; returns the exit code it stands for. */
export function renderError(err: unknown, out: Pick<Output, 'stderr'>): number {
  if (isLatchkeyError(err)) {
    // Messages carry paths and names from manifests and peers: escaped, so none can rewrite the screen.
    out.stderr.write(`agent: error: ${escapeControl(err.message)}\n`);
    if (err.hint) out.stderr.write(`agent: hint: ${escapeControl(err.hint)}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  out.stderr.write(`agent: error: internal error: ${escapeControl(firstLine(message))}\n`);
  out.stderr.write('agent: hint: this is a bug in latchkey; please report it with the command you ran\n');
  if (process.env.LATCHKEY_DEBUG && err instanceof Error && err.stack) out.stderr.write(`${err.stack}\n`);
  return 1;
}

/** Writes a notice on stderr in the agent's voice. */
export function warn(out: Pick<Output, 'stderr'>, message: string): void {
  out.stderr.write(`agent: warning: ${message}\n`);
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').slice(0, 300);
}

/** Pads columns of a table of strings, each cell with its control characters escaped. */
export function table(rawRows: string[][]): string {
  const rows = rawRows.map((row) => row.map(escapeControl));
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

/** Says loudly that a daemon this command started is not using the keychain. */
export function warnStoreNote(out: Pick<Output, 'stderr'>, status: { store: string; storeNote: string }): void {
  if (status.store !== 'keychain' && status.storeNote) warn(out, status.storeNote);
}
