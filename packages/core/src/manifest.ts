// The manifest (`agent.env`): a dotenv file of references. Values parse exactly as dotenv parses them;
// this module adds line numbers, the reference grammar and the variable rules.
import { FORBIDDABLE, type Forbidden } from './token-kinds.js';
import { assignmentPattern, dotenvValue, isTrimmedSpace, nameStart, normalizeNewlines, scanAssignments } from './dotenv.js';
import { DATABASE_KINDS, DATABASE_PARAMS, isDatabaseKind, validateDatabaseParams, type DatabaseKind } from './database-kinds.js';
import { inputError } from './errors.js';
import { quote, secretNameProblem, VARIABLE_NAME } from './names.js';
import { parseTtlText } from './ttl.js';


export const REFERENCE_PREFIX = 'agent://';

/** Variables a manifest may not set unless allowed by name: they change how programs load code. */
const DANGEROUS_EXACT = new Set([
  'PATH', 'NODE_OPTIONS', 'NODE_PATH', 'BASH_ENV', 'ENV', 'SHELLOPTS', 'BASHOPTS', 'IFS', 'PS4', 'PROMPT_COMMAND',
  'PYTHONPATH', 'PYTHONSTARTUP', 'PYTHONHOME', 'PERL5OPT', 'PERL5LIB', 'PERLLIB', 'RUBYOPT', 'RUBYLIB',
  'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS', 'GCONV_PATH', 'HOSTALIASES', 'LOCALDOMAIN', 'RES_OPTIONS',
  'GIT_SSH_COMMAND', 'GIT_EXEC_PATH', 'GIT_CONFIG_GLOBAL', 'EDITOR', 'VISUAL', 'PAGER', 'HOME', 'SHELL', 'TMPDIR',
]);
const DANGEROUS_PREFIXES = ['LD_', 'DYLD_', 'MALLOC_', 'LATCHKEY_', 'BASH_FUNC_'];

/** Why `name` may not be set by a manifest without `--allow-var`, or undefined. */
export function dangerousVariable(name: string): string | undefined {
  if (DANGEROUS_EXACT.has(name)) return `${name} changes how programs start`;
  for (let i = 0; i < DANGEROUS_PREFIXES.length; i++) {
    const prefix = DANGEROUS_PREFIXES[i] as string;
    if (name.startsWith(prefix)) return `${prefix}* variables change how programs start`;
  }
  return undefined;
}

export type TempKind = 'random' | 'jwt' | DatabaseKind;

/** What one manifest value stands for. */
export type Reference =
  | {
      kind: 'secret';
      name: string;
      owner: string;
      desc: string;
      docs: string;
      maxTtlSeconds: number | undefined;
      /** Kinds of token `agent exec` refuses to inject here (`forbid=live,full-access`). */
      forbid?: Forbidden[];
      /** A command the daemon runs when a leak of this secret is found (`on_leak=COMMAND`). */
      onLeak?: string;
    }
  | { kind: 'temp'; tempKind: TempKind; ttlSeconds: number | undefined; params: Record<string, string> };

/** One variable of a manifest. */
export interface ManifestEntry {
  variable: string;
  line: number;
  /** The value as dotenv parses it (a reference's text, or a literal). */
  value: string;
  /** The reference, when the value is an agent:// reference. */
  ref?: Reference;
}

export interface Manifest {
  file: string;
  entries: ManifestEntry[];
}

const SECRET_PARAMS = new Set(['owner', 'desc', 'docs', 'max_ttl', 'forbid', 'on_leak']);
/** The parameters each kind of temporary key takes besides `ttl` (and a temp/jwt's `claim.NAME`). */
const TEMP_PARAMS: Record<TempKind, ReadonlySet<string>> = {
  random: new Set(['bytes', 'encoding', 'prefix']),
  jwt: new Set(['signer', 'sub', 'aud', 'iss']),
  postgres: new Set(DATABASE_PARAMS.postgres),
  mysql: new Set(DATABASE_PARAMS.mysql),
  redis: new Set(DATABASE_PARAMS.redis),
};
const CLAIM_PARAM = /^claim\.[A-Za-z_][A-Za-z0-9_.-]*$/;
/** `temp/KIND` paths and their kinds. */
const TEMP_PATHS: ReadonlyMap<string, TempKind> = new Map((['random', 'jwt', ...DATABASE_KINDS] as TempKind[]).map((k) => [`temp/${k}`, k]));

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The parameters of a reference's query, as URLSearchParams reads them (form encoding: `+` is a space,
 * `%XX` a byte of UTF-8); a name given twice is an error. A query with no `%`, no `+` and no lone
 * surrogate means what it says, so it is split by hand: URLSearchParams took a third of a cold parse of a
 * 256 KiB manifest (SECURITY 41).
 */
export function queryParams(query: string): Map<string, string> {
  const out = new Map<string, string>();
  if (query.includes('%') || query.includes('+') || SURROGATE.test(query)) {
    for (const [k, v] of new URLSearchParams(query)) addParam(out, k, v);
    return out;
  }
  // Pairs found with indexOf, not split: no array, and in a first parse no iterator.
  const n = query.length;
  for (let i = 0; i < n; ) {
    let amp = query.indexOf('&', i);
    if (amp < 0) amp = n;
    if (amp > i) {
      const eq = query.indexOf('=', i);
      if (eq < 0 || eq > amp) addParam(out, query.slice(i, amp), '');
      else addParam(out, query.slice(i, eq), query.slice(eq + 1, amp));
    }
    i = amp + 1;
  }
  return out;
}

function addParam(params: Map<string, string>, k: string, v: string): void {
  if (params.has(k)) throw inputError(`parameter ${quote(k)} is given twice`);
  params.set(k, v);
}

/**
 * Parses an `agent://...` reference; throws an input error naming what is wrong (never a value). Written
 * for a first run, which is a manifest's: no iterators or spreads per reference.
 */
export function parseReference(text: string): Reference {
  if (!text.startsWith(REFERENCE_PREFIX)) throw inputError(`not an ${REFERENCE_PREFIX} reference`);
  const q = text.indexOf('?', REFERENCE_PREFIX.length);
  const path = q < 0 ? text.slice(REFERENCE_PREFIX.length) : text.slice(REFERENCE_PREFIX.length, q);
  const params = queryParams(q < 0 ? '' : text.slice(q + 1));
  const ttl = params.get('ttl');

  if (path.startsWith('temp/')) {
    const tempKind = TEMP_PATHS.get(path);
    if (tempKind === undefined) {
      throw inputError(`unknown temporary key kind ${quote(path.slice('temp/'.length))}: use temp/random, temp/jwt, temp/postgres, temp/mysql or temp/redis`);
    }
    const allowed = TEMP_PARAMS[tempKind];
    const out: Record<string, string> = {};
    params.forEach((v, k) => {
      if (k === 'ttl') return;
      if (!allowed.has(k) && !(tempKind === 'jwt' && CLAIM_PARAM.test(k))) throw inputError(`unknown parameter ${quote(k)} for temp/${tempKind}`);
      out[k] = v;
    });
    if (tempKind === 'random') validateRandomParams(out);
    else if (tempKind === 'jwt') {
      if (!out.signer) throw inputError('temp/jwt needs a signer: agent://temp/jwt?signer=NAME');
      const problem = secretNameProblem(out.signer);
      if (problem) throw inputError(`signer: ${problem}`);
    } else validateDatabaseParams(tempKind, out);
    return { kind: 'temp', tempKind, ttlSeconds: ttl === undefined ? undefined : parseTtlText(ttl), params: out };
  }

  const problem = secretNameProblem(path);
  if (problem) throw inputError(problem);
  if (params.size > 0) {
    params.forEach((_v, k) => {
      if (!SECRET_PARAMS.has(k)) throw inputError(`unknown parameter ${quote(k)}: use owner, desc, docs, max_ttl, forbid or on_leak`);
    });
  }
  const forbid = params.get('forbid');
  const forbidden = forbid === undefined ? undefined : forbid.split(',').map((f) => f.trim());
  if (forbidden) {
    for (const f of forbidden) {
      if (!(FORBIDDABLE as readonly string[]).includes(f)) throw inputError(`forbid=${quote(f)} is not a kind that can be forbidden: use ${FORBIDDABLE.join(' or ')}`);
    }
  }
  const onLeak = params.get('on_leak');
  if (onLeak !== undefined && onLeak.trim() === '') throw inputError('on_leak needs a command: agent://NAME?on_leak=COMMAND');
  const maxTtl = params.get('max_ttl');
  const ref: Reference = {
    kind: 'secret',
    name: path,
    owner: params.get('owner') ?? '',
    desc: params.get('desc') ?? '',
    docs: params.get('docs') ?? '',
    maxTtlSeconds: maxTtl === undefined ? undefined : parseTtlText(maxTtl),
  };
  if (forbidden) ref.forbid = forbidden as Forbidden[];
  if (onLeak !== undefined) ref.onLeak = onLeak;
  return ref;
}

/** Checks the parameters of a random temporary key. */
export function validateRandomParams(p: Record<string, string>): void {
  if (p.bytes !== undefined && !(/^\d+$/.test(p.bytes) && Number(p.bytes) >= 1 && Number(p.bytes) <= 1024)) {
    throw inputError('bytes must be a whole number from 1 to 1024');
  }
  if (p.encoding !== undefined && p.encoding !== 'hex' && p.encoding !== 'base64url') throw inputError('encoding must be hex or base64url');
  if (p.prefix !== undefined && !/^[\x21-\x7e]{0,64}$/.test(p.prefix)) throw inputError('prefix must be up to 64 printable ASCII characters');
}

/** Why a variable name is refused, or undefined. `allowed` lists names let through by --allow-var. */
export function variableProblem(name: string, allowed: ReadonlySet<string> = new Set()): string | undefined {
  if (!VARIABLE_NAME.test(name)) return `invalid variable name ${quote(name)}: use letters, digits and _, not starting with a digit`;
  if (allowed.has(name)) return undefined;
  const danger = dangerousVariable(name);
  return danger ? `${name} is refused: ${danger} (allow it with --allow-var ${name})` : undefined;
}

/**
 * Parses a manifest. Throws an input error `FILE:LINE: ...` for a line that does not parse, a bad
 * variable name, a duplicate, a refused variable or a bad reference. Values are never echoed. With
 * `refused`, a variable refused only for being on the refused list is pushed there instead (read-only
 * checks that report what needs --allow-var).
 */
export function parseManifest(source: string, file: string, allowVars: ReadonlySet<string> = new Set(), refused?: string[]): Manifest {
  const text = normalizeNewlines(source);
  const fail = (line: number, message: string): never => {
    throw inputError(`${file}:${line}: ${message}`, `fix line ${line} of ${file}`);
  };
  const entries: ManifestEntry[] = [];
  const seen = new Map<string, number>();
  // Lines counted forward: names come in file order.
  let line = 1;
  let counted = 0; // line - 1 is the number of line breaks before this index
  // Anything dotenv would silently skip, other than blank lines and comments, is an error, reported
  // after the assignments' own errors: the gaps between assignments are checked as they go by.
  let end = 0;
  let badLineAt = -1;
  scanAssignments(text, assignmentPattern(), (m, solid) => {
    if (badLineAt < 0) badLineAt = badLineIn(text, end, m.index);
    end = m.index + m[0].length;
    const variable = m[1] as string;
    const keyStart = nameStart(text, m, solid);
    line += newlinesIn(text, counted, keyStart);
    counted = keyStart;
    const problem = variableProblem(variable, allowVars);
    if (problem && refused && VARIABLE_NAME.test(variable)) refused.push(variable);
    else if (problem) fail(line, problem);
    const before = seen.get(variable);
    if (before !== undefined) fail(line, `${variable} is set twice (also on line ${before})`);
    seen.set(variable, line);
    const value = dotenvValue(m[2]);
    if (!value.startsWith(REFERENCE_PREFIX)) {
      entries.push({ variable, line, value });
      return;
    }
    let ref: Reference | undefined;
    try {
      ref = parseReference(value);
    } catch (err) {
      fail(line, `bad reference for ${variable}: ${(err as Error).message}`);
    }
    entries.push({ variable, line, value, ref });
  });
  if (badLineAt < 0) badLineAt = badLineIn(text, end, text.length);
  if (badLineAt >= 0) {
    // Counted, not looked up with lineIndex: its table of line starts cost 256 KiB of blank lines
    // before a bad line 15.6 ms instead of 10-14 (manifest-parse.mjs).
    fail(1 + newlinesIn(text, 0, badLineAt), 'this line does not parse as NAME=value');
  }
  return { file, entries };
}

/** How many `\n` text[from, to) holds (the text's line breaks are normalized to `\n`). */
function newlinesIn(text: string, from: number, to: number): number {
  let n = 0;
  for (let nl = text.indexOf('\n', from); nl >= 0 && nl < to; nl = text.indexOf('\n', nl + 1)) n++;
  return n;
}

/**
 * Where the first line of text[from, to) that is neither blank nor a comment starts, or -1. Character
 * by character, no slices: a cold parse of 256 KiB spent more in the garbage collector than in checks.
 */
function badLineIn(text: string, from: number, to: number): number {
  // Most gaps are only line breaks: one native regex step says so (\s is the set trim removes), where
  // the loop below, still unoptimized in a first parse, cost ~1 ms per 10 KiB.
  BLANK.lastIndex = from;
  if (from >= to || (BLANK.test(text) && BLANK.lastIndex >= to)) return -1;
  let lineStart = from;
  let solid = -1;
  for (let i = from; i <= to; i++) {
    const c = i < to ? text.charCodeAt(i) : 10;
    if (c === 10) {
      if (solid >= 0 && text.charCodeAt(solid) !== 35) return lineStart; // 35: #
      lineStart = i + 1;
      solid = -1;
    } else if (solid < 0 && !isTrimmedSpace(c)) {
      solid = i;
    }
  }
  return -1;
}

/** Blanks from lastIndex on (sticky): what String.prototype.trim removes, as isTrimmedSpace. */
const BLANK = /\s*/y;

/**
 * The stored secrets a reference uses other than the one it names: a temp/jwt's signer, a database
 * user's admin secret. Each is a use of that secret, shown and audited as one.
 */
export function referenceUses(ref: Reference): string[] {
  if (ref.kind === 'temp' && ref.tempKind === 'jwt' && ref.params.signer) return [ref.params.signer];
  if (ref.kind === 'temp' && isDatabaseKind(ref.tempKind) && ref.params.admin) return [ref.params.admin];
  return [];
}

/** The names of stored secrets a manifest refers to, signers included. */
export function referencedSecrets(manifest: Manifest): string[] {
  const names = new Set<string>();
  for (const e of manifest.entries) {
    if (e.ref?.kind === 'secret') names.add(e.ref.name);
    if (e.ref) for (const used of referenceUses(e.ref)) names.add(used);
  }
  return [...names];
}
