// Names of secrets and of environment variables, and the scope a secret lives in.
import { inputError } from './errors.js';

/** The grammar of a secret name (DESIGN.md). */
export const SECRET_NAME = /^[a-z0-9]([a-z0-9._/-]{0,126}[a-z0-9])?$/;
/** The grammar of an environment variable name. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** First path segments reserved for the agent itself. */
export const RESERVED_FIRST_SEGMENTS = new Set(['temp']);

/**
 * How an invalid name is shown in a message. A long argument in the place of a name is often a value
 * passed by mistake (`agent set $TOKEN`), so only short ones are echoed.
 */
function shownName(name: string): string {
  return name.length <= 32 ? quote(name) : `(a ${name.length}-character argument; was a value passed as the name?)`;
}

/** a-z or 0-9. */
function isNameEdge(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
}

/**
 * SECRET_NAME.test(name), as a loop: a manifest of 256 KiB checks thousands of names, and the regex's
 * bounded repetition cost more than the rest of a cold parse's name checks together.
 */
function matchesSecretName(name: string): boolean {
  const n = name.length;
  if (n < 1 || n > 128 || !isNameEdge(name.charCodeAt(0)) || !isNameEdge(name.charCodeAt(n - 1))) return false;
  for (let i = 1; i < n - 1; i++) {
    const c = name.charCodeAt(i);
    if (!isNameEdge(c) && c !== 46 && c !== 95 && c !== 47 && c !== 45) return false; // . _ / -
  }
  return true;
}

/** Whether a '/'-separated name has a "." or ".." segment. */
function hasDotSegment(name: string): boolean {
  if (!name.includes('.')) return false;
  return name.split('/').some((s) => s === '.' || s === '..');
}

/** Why `name` is not a valid secret name, or undefined when it is. */
export function secretNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a secret name cannot be empty';
  if (!matchesSecretName(name)) {
    return `invalid secret name ${shownName(name)}: use 1-128 of a-z 0-9 . _ / -, starting and ending with a letter or digit`;
  }
  if (name.includes('//') || hasDotSegment(name)) {
    return `invalid secret name ${shownName(name)}: empty, "." or ".." path segments are not allowed`;
  }
  const slash = name.indexOf('/');
  const first = slash < 0 ? name : name.slice(0, slash);
  if (RESERVED_FIRST_SEGMENTS.has(first)) return `invalid secret name ${shownName(name)}: "${first}" is reserved`;
  return undefined;
}

/** Throws an input error unless `name` is a valid secret name. */
export function assertSecretName(name: string): string {
  const problem = secretNameProblem(name);
  if (problem) throw inputError(problem, 'secret names look like stripe-test or team/db.password');
  return name;
}

/** Quotes public input for messages, keeping it short and printable. */
export function quote(s: string): string {
  const shown = s.length > 80 ? `${s.slice(0, 77)}...` : s;
  return JSON.stringify(shown);
}

/** The scope of a secret: shared by every project, or bound to one project root. */
export type Scope = 'global' | `/${string}`;

export const GLOBAL_SCOPE: Scope = 'global';

/** Checks a scope string: "global" or an absolute path. */
export function isScope(s: string): s is Scope {
  return s === GLOBAL_SCOPE || (s.startsWith('/') && !s.includes('\0'));
}

/** The keychain account of a secret: `<scope>:<name>`. */
export function accountOf(scope: Scope, name: string): string {
  return `${scope}:${name}`;
}

/** Splits a keychain account into scope and name; undefined when it is not one of ours. */
export function parseAccount(account: string): { scope: Scope; name: string } | undefined {
  const i = account.lastIndexOf(':');
  if (i <= 0) return undefined;
  const scope = account.slice(0, i);
  const name = account.slice(i + 1);
  if (!isScope(scope) || secretNameProblem(name)) return undefined;
  return { scope, name };
}

/** The scopes a lookup from `projectRoot` may see, most specific first. */
export function visibleScopes(projectRoot: string | undefined): Scope[] {
  return projectRoot ? [projectRoot as Scope, GLOBAL_SCOPE] : [GLOBAL_SCOPE];
}
