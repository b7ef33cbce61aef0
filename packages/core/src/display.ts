// Printing text that came from a file or a peer (a manifest's fields, paths, names) on a terminal.

/**
 * Control characters (C0, DEL, C1), and the Unicode line separators and direction overrides that can
 * reorder or hide what a terminal shows: what `escapeControl` replaces.
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every control character written as `\xNN` (or `\u{NNNN}` above 0xff), so that an ESC,
 * CR or BEL in a manifest field cannot rewrite the line a user is approving. The one escaping function
 * for everything shown from a manifest.
 */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
