// The order of secret names and project paths in listings: ICU's root collation (what localeCompare gives),
// computed here for printable ASCII, which is every secret name and nearly every path. localeCompare's first
// call loads ICU's collation data: 3.0 MB of RSS that stays (Node 20.20: 38.5 -> 41.5 MB, Node 24.21:
// 42.9 -> 45.8 MB in an idle node -e) and 13 ms, so a daemon that had listed its secrets once sat above its
// idle target. Anything outside printable ASCII still goes to localeCompare.

/** Printable ASCII in root collation order; a letter's two cases share a place (lower case first). */
const ROOT_ORDER = ' _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$0123456789aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ';

/** Per code unit 0x20-0x7e: the primary weight (case folded), and 1 for an upper-case letter. */
const PRIMARY = new Uint8Array(128);
const UPPER = new Uint8Array(128);
{
  let weight = 0;
  for (const c of ROOT_ORDER) {
    const code = c.charCodeAt(0);
    const isUpper = code >= 0x41 && code <= 0x5a;
    if (!isUpper) weight++;
    PRIMARY[code] = weight;
    UPPER[code] = isUpper ? 1 : 0;
  }
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * -1, 0 or 1 as `a.localeCompare(b)` orders them under the root collation: for printable ASCII, the
 * letters compared without case first (shorter first on a common prefix), then lower case before upper
 * case at the first place they differ; any other text through localeCompare.
 */
export function compareText(a: string, b: string): number {
  if (!PRINTABLE_ASCII.test(a) || !PRINTABLE_ASCII.test(b)) return Math.sign(a.localeCompare(b));
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (PRIMARY[a.charCodeAt(i)] as number) - (PRIMARY[b.charCodeAt(i)] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  for (let i = 0; i < n; i++) {
    const d = (UPPER[a.charCodeAt(i)] as number) - (UPPER[b.charCodeAt(i)] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
