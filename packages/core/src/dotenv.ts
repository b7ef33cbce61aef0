// Reading dotenv files line by line: the same grammar and value rules as dotenv 16's `parse`, with the
// lines each variable spans, so a file can be reported on and rewritten without losing its other lines.

/**
 * dotenv's own line grammar (dotenv 16 lib/main.js), with indices to report lines, made sticky: it is
 * tried only where `assignments` says, never left to scan the text by itself (see there).
 */
const LINE = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/dmy;

/** One assignment of a dotenv file. */
export interface DotenvEntry {
  name: string;
  /** The value exactly as `dotenv.parse` gives it. */
  value: string;
  /** The 1-based line of the name. */
  line: number;
  /** The 1-based last line of the assignment (after `line` for a quoted multi-line value). */
  endLine: number;
}

/** Line breaks as dotenv normalizes them before parsing. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/**
 * Every assignment of a dotenv file, in file order; a name set twice appears twice (dotenv keeps the
 * last). Line numbers count lines of the text with `\r\n` and `\r` read as one line break.
 */
export function parseDotenv(text: string): DotenvEntry[] {
  const src = normalizeNewlines(text);
  const lineOf = lineIndex(src);
  return assignments(src).map((m) => {
    const keyAt = m.indices?.[1]?.[0] ?? m.index;
    const valueEnd = m.indices?.[2]?.[1];
    const line = lineOf(keyAt);
    return { name: m[1] as string, value: dotenvValue(m[2]), line, endLine: valueEnd === undefined ? line : Math.max(line, lineOf(valueEnd - 1)) };
  });
}

/**
 * The matches dotenv's grammar finds in `text`, in order, the same ones its global regex finds, in
 * time linear in the text. Left to itself the regex tries every line start, and its leading `\s*` runs
 * over all the blank lines that follow, so 256 KiB of blank lines before a bad line took 97 s. A try
 * from a blank line finds what a try from the next non-blank line finds (the name starts at the first
 * non-space character either way), so only lines holding a non-space character are tried.
 */
export function assignments(text: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  scanAssignments(text, new RegExp(LINE.source, LINE.flags), (m) => {
    out.push(m);
  });
  return out;
}

/** dotenv's grammar without match indices: what a caller that needs only where a name starts uses. */
export function assignmentPattern(): RegExp {
  return new RegExp(LINE.source, LINE.flags.replace('d', ''));
}

/**
 * Where the name of `m`, a match of dotenv's grammar whose first non-space character is at `solid`,
 * starts: at `solid`, unless the line starts with `export` and a space. Then the grammar tries
 * `export\s+NAME` first, and when that matched, the name is the one after the spaces (which may run over
 * line breaks). When it did not, the name is `export` itself and what follows the spaces is not it.
 */
export function nameStart(text: string, m: RegExpExecArray, solid: number): number {
  if (!text.startsWith('export', solid) || !isTrimmedSpace(text.charCodeAt(solid + 6))) return solid;
  let k = solid + 6;
  while (k < text.length && isTrimmedSpace(text.charCodeAt(k))) k++;
  return text.startsWith(m[1] as string, k) ? k : solid;
}

/**
 * Calls `visit` with each match of `re` (dotenv's grammar, sticky: `assignments` or
 * `assignmentPattern`) in file order, and the index of the first non-space character of its line.
 * Callers keep only what they need of each match, so the rest dies young (holding every match of a
 * 256 KiB manifest at once cost a cold parse more in the garbage collector than in the parse).
 */
export function scanAssignments(text: string, re: RegExp, visit: (m: RegExpExecArray, solid: number) => void): void {
  const n = text.length;
  let pos = 0;
  while (pos < n) {
    // The first non-space character from pos, by hand: a regex exec here allocated a match per line.
    let solid = pos;
    while (solid < n && isTrimmedSpace(text.charCodeAt(solid))) solid++;
    if (solid >= n) break;
    re.lastIndex = lineStartOf(text, solid, pos);
    const m = re.exec(text);
    if (m && m[0].length > 0) {
      pos = m.index + m[0].length;
      visit(m, solid);
      continue;
    }
    let next = solid;
    while (next < n && !isLineBreak(text.charCodeAt(next))) next++;
    if (next >= n) break;
    pos = next + 1;
  }
}

/** The start of the line holding `index`, not before `floor` (a line start itself, or a match's end). */
function lineStartOf(text: string, index: number, floor: number): number {
  let i = index;
  while (i > floor && !isLineBreak(text.charCodeAt(i - 1))) i--;
  return i;
}

/** Where the `m` flag lets `^` match: after these characters. */
function isLineBreak(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

/**
 * Whether this UTF-16 unit is in a regex's `\s`, which is also what String.prototype.trim removes
 * (ECMAScript WhiteSpace and LineTerminator).
 */
export function isTrimmedSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * A function from an index of `text` to its 1-based line, built once in one pass so that asking for
 * the line of every assignment stays linear in the size of the file (counting from the start each
 * time made a 20,000-line manifest take seconds).
 */
export function lineIndex(text: string): (index: number) => number {
  const lineStarts = [0];
  // indexOf, not a loop over every character: a cold parse runs this once, before the loop is optimized.
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return (index) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** dotenv 16's value rule, step for step: trim, strip matching quotes, expand \n and \r in double quotes. */
export function dotenvValue(raw: string | undefined): string {
  let value = (raw || '').trim();
  const maybeQuote = value[0];
  // An unquoted value is one line (the grammar's [^#\r\n]+) not starting with a quote: nothing below
  // changes it, and skipping the regexes keeps a parse of thousands of values fast from the first one.
  if (maybeQuote !== '"' && maybeQuote !== "'" && maybeQuote !== '`') return value;
  value = value.replace(/^(['"`])([\s\S]*)\1$/gm, '$2');
  if (maybeQuote === '"') {
    value = value.replace(/\\n/g, '\n');
    value = value.replace(/\\r/g, '\r');
  }
  return value;
}

/**
 * A `NAME=value` line that dotenv parses back to exactly `value`: bare when it can be, else quoted
 * ('...', then "...", then `...`); undefined when no quoting round-trips.
 */
export function formatDotenvLine(name: string, value: string): string | undefined {
  const candidates = [value, `'${value}'`, `"${value}"`, `\`${value}\``];
  for (const text of candidates) {
    const line = `${name}=${text}`;
    const back = parseDotenv(line);
    if (back.length === 1 && back[0]?.name === name && back[0].value === value) return line;
  }
  return undefined;
}
