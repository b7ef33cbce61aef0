// Redaction of known secret values from text bound for a log (a mint command's stderr).

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

/**
 * `text` with every occurrence of every value replaced by REDACTED, longest values first so that a value
 * containing a shorter one is removed whole. Unlike the exec masker, no value is too short to redact: this
 * text goes to a file, where a short value is as much a leak as a long one. A multi-line value is also
 * redacted line by line, since a command often prints one line of it.
 */
export function redactValues(text: string, values: Iterable<string>): string {
  const patterns = new Set<string>();
  for (const value of values) {
    if (value === '') continue;
    patterns.add(value);
    if (/[\r\n]/.test(value)) for (const line of value.split(/\r?\n|\r/)) if (line !== '') patterns.add(line);
  }
  let out = text;
  for (const p of [...patterns].sort((a, b) => b.length - a.length)) out = out.split(p).join(REDACTED);
  return out;
}
