// Reading dotenv files line by line: the same grammar and value rules as dotenv 16's `parse`, with the
// lines each variable spans, so a file can be reported on and rewritten without losing its other lines.

/** dotenv's own line grammar (dotenv 16 lib/main.js), with indices to report lines. */
const LINE = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/dgm;

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
  const lineStarts = [0];
  for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (index: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const out: DotenvEntry[] = [];
  const re = new RegExp(LINE.source, LINE.flags);
  for (let m = re.exec(src); m; m = re.exec(src)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const name = m[1] as string;
    const keyAt = m.indices?.[1]?.[0] ?? m.index;
    const valueEnd = m.indices?.[2]?.[1];
    const line = lineOf(keyAt);
    out.push({ name, value: dotenvValue(m[2]), line, endLine: valueEnd === undefined ? line : Math.max(line, lineOf(valueEnd - 1)) });
  }
  return out;
}

/** dotenv 16's value rule, step for step: trim, strip matching quotes, expand \n and \r in double quotes. */
function dotenvValue(raw: string | undefined): string {
  let value = (raw || '').trim();
  const maybeQuote = value[0];
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
