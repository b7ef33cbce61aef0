// The manifest (`agent.env`): a dotenv file of references. Values parse exactly as dotenv parses them;
// this module adds line numbers, the reference grammar and the variable rules.
import { FORBIDDABLE, type Forbidden } from './token-kinds.js';
import { dotenvValue, eachAssignment, lineIndex, normalizeNewlines } from './dotenv.js';
import { DATABASE_PARAMS, isDatabaseKind, validateDatabaseParams, type DatabaseKind } from './database-kinds.js';
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
  const prefix = DANGEROUS_PREFIXES.find((p) => name.startsWith(p));
  return prefix ? `${prefix}* variables change how programs start` : undefined;
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
const TEMP_PARAMS: Record<TempKind, (key: string) => boolean> = {
  random: (k) => ['bytes', 'encoding', 'prefix', 'ttl'].includes(k),
  jwt: (k) => ['signer', 'sub', 'aud', 'iss', 'ttl'].includes(k) || /^claim\.[A-Za-z_][A-Za-z0-9_.-]*$/.test(k),
  postgres: (k) => k === 'ttl' || DATABASE_PARAMS.postgres.includes(k),
  mysql: (k) => k === 'ttl' || DATABASE_PARAMS.mysql.includes(k),
  redis: (k) => k === 'ttl' || DATABASE_PARAMS.redis.includes(k),
};

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The parameters of a reference's query, as URLSearchParams reads them (form encoding: `+` is a space,
 * `%XX` a byte of UTF-8); a name given twice is an error. A query with no `%`, no `+` and no lone
 * surrogate means what it says, so it is split by hand: URLSearchParams took a third of a cold parse of a
 * 256 KiB manifest (SECURITY 41).
 */
export function queryParams(query: string): Map<string, string> {
  const out = new Map<string, string>();
  const add = (k: string, v: string) => {
    if (out.has(k)) throw inputError(`parameter ${quote(k)} is given twice`);
    out.set(k, v);
  };
  if (query.includes('%') || query.includes('+') || SURROGATE.test(query)) {
    for (const [k, v] of new URLSearchParams(query)) add(k, v);
    return out;
  }
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq < 0) add(pair, '');
    else add(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

/** Parses an `agent://...` reference; throws an input error naming what is wrong (never a value). */
export function parseReference(text: string): Reference {
  if (!text.startsWith(REFERENCE_PREFIX)) throw inputError(`not an ${REFERENCE_PREFIX} reference`);
  const rest = text.slice(REFERENCE_PREFIX.length);
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const params = queryParams(q < 0 ? '' : rest.slice(q + 1));
  const get = (k: string) => params.get(k);
  const ttlOf = (k: string) => {
    const v = get(k);
    return v === undefined ? undefined : parseTtlText(v);
  };

  if (path.startsWith('temp/')) {
    const tempKind = path.slice('temp/'.length);
    if (tempKind !== 'random' && tempKind !== 'jwt' && !isDatabaseKind(tempKind)) {
      throw inputError(`unknown temporary key kind ${quote(tempKind)}: use temp/random, temp/jwt, temp/postgres, temp/mysql or temp/redis`);
    }
    const out: Record<string, string> = {};
    for (const [k, v] of params) {
      if (!TEMP_PARAMS[tempKind](k)) throw inputError(`unknown parameter ${quote(k)} for temp/${tempKind}`);
      if (k !== 'ttl') out[k] = v;
    }
    if (tempKind === 'random') validateRandomParams(out);
    if (isDatabaseKind(tempKind)) validateDatabaseParams(tempKind, out);
    if (tempKind === 'jwt') {
      if (!out.signer) throw inputError('temp/jwt needs a signer: agent://temp/jwt?signer=NAME');
      const problem = secretNameProblem(out.signer);
      if (problem) throw inputError(`signer: ${problem}`);
    }
    return { kind: 'temp', tempKind, ttlSeconds: ttlOf('ttl'), params: out };
  }

  const problem = secretNameProblem(path);
  if (problem) throw inputError(problem);
  for (const k of params.keys()) {
    if (!SECRET_PARAMS.has(k)) throw inputError(`unknown parameter ${quote(k)}: use owner, desc, docs, max_ttl, forbid or on_leak`);
  }
  const forbid = get('forbid');
  const forbidden = forbid === undefined ? [] : forbid.split(',').map((f) => f.trim());
  for (const f of forbidden) {
    if (!(FORBIDDABLE as readonly string[]).includes(f)) throw inputError(`forbid=${quote(f)} is not a kind that can be forbidden: use ${FORBIDDABLE.join(' or ')}`);
  }
  const onLeak = get('on_leak');
  if (onLeak !== undefined && onLeak.trim() === '') throw inputError('on_leak needs a command: agent://NAME?on_leak=COMMAND');
  return {
    kind: 'secret',
    name: path,
    owner: get('owner') ?? '',
    desc: get('desc') ?? '',
    docs: get('docs') ?? '',
    maxTtlSeconds: ttlOf('max_ttl'),
    ...(forbidden.length > 0 ? { forbid: forbidden as Forbidden[] } : {}),
    ...(onLeak !== undefined ? { onLeak } : {}),
  };
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
  const lineAt = lineIndex(text);
  const fail = (line: number, message: string): never => {
    throw inputError(`${file}:${line}: ${message}`, `fix line ${line} of ${file}`);
  };
  // Where each assignment starts and ends, flat (start, end, start, end, ...).
  const covered: number[] = [];
  const entries: ManifestEntry[] = [];
  const seen = new Map<string, number>();
  for (const m of eachAssignment(text)) {
    covered.push(m.index, m.index + m[0].length);
    const variable = m[1] as string;
    const keyStart = m.indices?.[1]?.[0] ?? m.index;
    const line = lineAt(keyStart);
    const problem = variableProblem(variable, allowVars);
    if (problem && refused && VARIABLE_NAME.test(variable)) refused.push(variable);
    else if (problem) fail(line, problem);
    const before = seen.get(variable);
    if (before !== undefined) fail(line, `${variable} is set twice (also on line ${before})`);
    seen.set(variable, line);
    const value = dotenvValue(m[2]);
    const entry: ManifestEntry = { variable, line, value };
    if (value.startsWith(REFERENCE_PREFIX)) {
      try {
        entry.ref = parseReference(value);
      } catch (err) {
        fail(line, `bad reference for ${variable}: ${(err as Error).message}`);
      }
    }
    entries.push(entry);
  }
  // Anything dotenv would silently skip, other than blank lines and comments, is an error. One pass
  // over the gaps between assignments, character by character (no slices: a cold parse of 256 KiB
  // spent more in the garbage collector than in the checks).
  let pos = 0;
  covered.push(text.length, text.length);
  for (let k = 0; k < covered.length; k += 2) {
    const start = covered[k] as number;
    const end = covered[k + 1] as number;
    // Most gaps are only line breaks: one native regex step says so (\s is the set trim removes), where
    // the loop below, still unoptimized in a first parse, cost ~1 ms per 10 KiB.
    BLANK.lastIndex = pos;
    if (pos >= start || (BLANK.test(text) && BLANK.lastIndex >= start)) {
      pos = Math.max(pos, end);
      continue;
    }
    let lineStart = pos;
    let solid = -1;
    for (let i = pos; i <= start; i++) {
      const c = i < start ? text.charCodeAt(i) : 10;
      if (c === 10) {
        if (solid >= 0 && text.charCodeAt(solid) !== 35) fail(lineAt(lineStart), 'this line does not parse as NAME=value'); // 35: #
        lineStart = i + 1;
        solid = -1;
      } else if (solid < 0 && !isTrimmedSpace(c)) {
        solid = i;
      }
    }
    pos = Math.max(pos, end);
  }
  return { file, entries };
}

/** Blanks from lastIndex on (sticky): what String.prototype.trim removes, as isTrimmedSpace. */
const BLANK = /\s*/y;

/** Whether String.prototype.trim removes this UTF-16 unit (ECMAScript WhiteSpace and LineTerminator). */
function isTrimmedSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

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
