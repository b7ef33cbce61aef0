// The temporary database users a lease can stand for (`postgres`, `mysql`, `redis`) and the rules of
// their parameters, shared by the manifest parser and the daemon's issuers.
import { inputError } from './errors.js';
import { quote, secretNameProblem } from './names.js';

/** The kinds of temporary key that are a user on a database server. */
export const DATABASE_KINDS = ['postgres', 'mysql', 'redis'] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/** Whether a temporary key kind is a database user. */
export function isDatabaseKind(kind: string): kind is DatabaseKind {
  return (DATABASE_KINDS as readonly string[]).includes(kind);
}

/** The parameters each database kind accepts (`ttl` is the lease's, not the kind's). */
export const DATABASE_PARAMS: Readonly<Record<DatabaseKind, readonly string[]>> = {
  postgres: ['admin', 'grant', 'database', 'schema', 'format'],
  mysql: ['admin', 'grant', 'privileges', 'database', 'format'],
  redis: ['admin', 'keys', 'channels', 'commands', 'format'],
};

/**
 * What a grant may give only when the admin secret's description allows it with `allow=<word>,...`:
 * a superuser, a role that creates roles, a role that bypasses row-level security (PostgreSQL), or a
 * global privilege of the same weight (MariaDB: SUPER, CREATE USER, GRANT OPTION, ...).
 */
export const ELEVATED_GRANTS = ['superuser', 'createrole', 'bypassrls'] as const;
export type ElevatedGrant = (typeof ELEVATED_GRANTS)[number];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;
const PRIVILEGE = /^[A-Za-z][A-Za-z ]{0,40}$/;

/** Splits a comma-separated list, trimming and dropping empty items. */
export function listParam(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Checks a database kind's parameters: only the kind's own; `admin` (a secret name) required; `grant`
 * a list of role names; `database` and `schema` identifiers; `format` url or password; redis patterns
 * without spaces. Input errors name the parameter, never a value that could be secret.
 */
export function validateDatabaseParams(kind: DatabaseKind, params: Record<string, string>): void {
  const allowed = DATABASE_PARAMS[kind];
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) throw inputError(`unknown parameter ${quote(key)} for temp/${kind}`, `use ${allowed.join(', ')}`);
  }
  const admin = params.admin;
  if (admin === undefined || admin === '') {
    throw inputError(`temp/${kind} needs an admin secret`, `pass admin=NAME, a stored secret holding an admin connection URL (agent set NAME)`);
  }
  const problem = secretNameProblem(admin);
  if (problem) throw inputError(`admin: ${problem}`);
  for (const role of listParam(params.grant)) {
    if (!IDENTIFIER.test(role)) throw inputError(`grant: ${quote(role)} is not a role name`, 'roles are letters, digits, _, $ and -, separated by commas');
  }
  for (const key of ['database', 'schema'] as const) {
    const v = params[key];
    if (v !== undefined && !IDENTIFIER.test(v)) throw inputError(`${key}: ${quote(v)} is not a plain name`, 'use letters, digits, _, $ and -');
  }
  for (const p of listParam(params.privileges)) {
    if (!PRIVILEGE.test(p)) throw inputError(`privileges: ${quote(p)} is not a privilege`, 'e.g. privileges=SELECT,INSERT,UPDATE,DELETE');
  }
  const format = params.format;
  if (format !== undefined && format !== 'url' && format !== 'password') throw inputError('format must be url or password');
  for (const key of ['keys', 'channels', 'commands'] as const) {
    const v = params[key];
    if (v !== undefined && (v.trim() === '' || /[\s\0]/.test(v.replace(/ /g, '')) || v.length > 512)) {
      throw inputError(`${key} must be a non-empty pattern of at most 512 characters`);
    }
  }
  for (const pattern of (params.keys ?? '').split(' ').concat((params.channels ?? '').split(' '))) {
    if (/^[~&%]/.test(pattern)) throw inputError('keys and channels are plain patterns: leave out the ~ or & prefix');
  }
  for (const c of redisCommandRules(params.commands)) {
    if (!/^[+-]@?[A-Za-z0-9|_-]+$/.test(c)) throw inputError(`commands: ${quote(c)} is not +command, -command, +@category or -@category`);
  }
}

/** The default command rules of a redis user. */
export const DEFAULT_REDIS_COMMANDS = '+@read +@write -@dangerous';

/**
 * A redis user's command rules, split at spaces and before each sign. A rule without a sign adds: in a
 * URL query a `+` reads as a space, so `commands=+@read+@write-@dangerous` in a manifest means
 * `+@read +@write -@dangerous`. Every rule comes out signed, so no word of it can be an ACL flag of its
 * own (`on`, `nopass`, `>password`, `~pattern`).
 */
export function redisCommandRules(value: string | undefined): string[] {
  return ((value ?? DEFAULT_REDIS_COMMANDS).match(/[+-]?[^\s+-]+/g) ?? []).map((s) => (s.startsWith('+') || s.startsWith('-') ? s : `+${s}`));
}
