// What a mint command printed: JSON `{"value", "expires_at"}`, or the value as plain text.
import { inputError } from '@latchkey/core';

/** What a mint command produced. */
export interface Minted {
  value: string;
  expiresAt?: number;
}

/** Parses a mint command's stdout: JSON `{"value", "expires_at"}`, else the text minus one trailing newline. */
export function parseMintOutput(stdout: string): Minted {
  const trimmed = stdout.trim();
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      doc = undefined;
    }
    if (doc && typeof doc === 'object' && typeof (doc as { value?: unknown }).value === 'string') {
      const d = doc as { value: string; expires_at?: unknown };
      let expiresAt: number | undefined;
      if (typeof d.expires_at === 'number') expiresAt = d.expires_at < 1e11 ? d.expires_at * 1000 : d.expires_at;
      else if (typeof d.expires_at === 'string') expiresAt = Date.parse(d.expires_at);
      if (expiresAt !== undefined && !Number.isFinite(expiresAt)) throw inputError('the mint command printed an expires_at that does not parse');
      return { value: d.value, expiresAt };
    }
  }
  return { value: stdout.endsWith('\r\n') ? stdout.slice(0, -2) : stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout };
}
