// Reading dotenv files line by line: the same grammar and value rules as dotenv 16's `parse`, with the
// lines each variable spans, so a file can be reported on and rewritten without losing its other lines.

/**
 * dotenv's own line grammar (dotenv 16 lib/main.js), with indices to report lines, made sticky: it is
 * tried only where `assignments` says, never left to scan the text by itself (see there).
 */
const LINE = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/dmy;

/** Where the `m` flag lets `^` match: after these characters. */
const LINE_BREAK = /[\n\r\u2028\u2029]/g;
const NOT_SPACE = /\S/g;

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
  return [...eachAssignment(text)];
}

/**
 * The matches of `assignments`, one at a time: a caller that keeps only what it needs of each lets the
 * rest die young (holding every match of a 256 KiB manifest at once cost a cold parse more in the
 * garbage collector than in the parse).
 */
export function* eachAssignment(text: string): Generator<RegExpExecArray> {
  const re = new RegExp(LINE.source, LINE.flags);
  let pos = 0;
  while (pos < text.length) {
    NOT_SPACE.lastIndex = pos;
    const solid = NOT_SPACE.exec(text);
    if (!solid) break;
    const start = lineStartOf(text, solid.index, pos);
    re.lastIndex = start;
    const m = re.exec(text);
    if (m && m[0].length > 0) {
      pos = m.index + m[0].length;
      yield m;
      continue;
    }
    LINE_BREAK.lastIndex = solid.index;
    const next = LINE_BREAK.exec(text);
    if (!next) break;
    pos = next.index + 1;
  }
}

/** The start of the line holding `index`, not before `floor` (a line start itself, or a match's end). */
function lineStartOf(text: string, index: number, floor: number): number {
  let i = index;
  while (i > floor && !isLineBreak(text.charCodeAt(i - 1))) i--;
  return i;
}

function isLineBreak(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
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
