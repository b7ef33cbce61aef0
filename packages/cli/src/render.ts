// How the agent speaks on stdout and stderr besides errors (core's render() prints those): notices, tables.
import { escapeControl } from '@latchkey/core/display';

/** Where the CLI writes. */
export interface Output {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Writes a notice on stderr in the agent's voice. */
export function warn(out: Pick<Output, 'stderr'>, message: string): void {
  out.stderr.write(`agent: warning: ${message}\n`);
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
