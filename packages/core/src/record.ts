// The keychain item format: the password holds JSON `{v, value, meta}`; the account is `<scope>:<name>`.
import { inputError } from './errors.js';
import { parseAccount, type Scope } from './names.js';

export const RECORD_VERSION = 1;
/** The largest value accepted, in bytes of UTF-8. */
export const MAX_VALUE_BYTES = 64 * 1024;

export type SecretSource = 'manual' | 'import' | 'mint' | 'onboard';
const SOURCES: readonly string[] = ['manual', 'import', 'mint', 'onboard'];

/** What is known of a secret besides its value. */
export interface SecretMeta {
  name: string;
  scope: Scope;
  owner: string;
  description: string;
  createdAt: number;
  expiresAt: number;
  source: SecretSource;
  /** For minted secrets: the shell command whose output is the value. */
  mint?: string;
  /** What the value is, told from its format when it was stored (see token-kinds.ts). */
  tokenKind?: string;
  /** The expiry was given by the value's source (a mint command's expires_at): the value dies there, not only here. */
  sourceExpiry?: boolean;
  /**
   * For an admin secret of temporary database users: what a grant may give that is refused otherwise
   * (superuser, createrole, bypassrls; see ELEVATED_GRANTS). Set with `agent set NAME --allow-grant WORD`.
   */
  allowGrants?: string[];
}

/**
 * Where a secret's expiry is enforced: `source` when the provider stops accepting it then (a temporary
 * key or database user, a minted value whose command returned expires_at), `local` when only Latchkey
 * forgets it and the provider keeps accepting it.
 */
export type ExpiryOrigin = 'source' | 'local';

/** The expiry origin of a stored secret. */
export function expiryOrigin(meta: Pick<SecretMeta, 'sourceExpiry'>): ExpiryOrigin {
  return meta.sourceExpiry ? 'source' : 'local';
}

/** A secret as held in memory by the daemon. */
export interface SecretRecord {
  meta: SecretMeta;
  value: string;
}

/** Serializes a record into the keychain password. */
export function encodeRecord(record: SecretRecord): string {
  const { name: _n, scope: _s, ...meta } = record.meta;
  return JSON.stringify({ v: RECORD_VERSION, value: record.value, meta });
}

/** Why an item cannot be read as one of ours; never includes the password. */
export class MalformedRecord extends Error {}

/** Parses a keychain item back into a record; throws MalformedRecord for anything not ours. */
export function decodeRecord(account: string, password: string): SecretRecord {
  const id = parseAccount(account);
  if (!id) throw new MalformedRecord('account is not <scope>:<name>');
  let doc: unknown;
  try {
    doc = JSON.parse(password);
  } catch {
    throw new MalformedRecord('password is not JSON');
  }
  if (typeof doc !== 'object' || doc === null) throw new MalformedRecord('password is not a JSON object');
  const d = doc as Record<string, unknown>;
  if (d.v !== RECORD_VERSION) throw new MalformedRecord(`unknown record version`);
  if (typeof d.value !== 'string') throw new MalformedRecord('value is not a string');
  const m = d.meta as Record<string, unknown> | undefined;
  if (typeof m !== 'object' || m === null) throw new MalformedRecord('meta is missing');
  if (typeof m.expiresAt !== 'number' || !Number.isFinite(m.expiresAt)) throw new MalformedRecord('meta.expiresAt is missing');
  const source = typeof m.source === 'string' && SOURCES.includes(m.source) ? (m.source as SecretSource) : 'manual';
  return {
    value: d.value,
    meta: {
      name: id.name,
      scope: id.scope,
      owner: typeof m.owner === 'string' ? m.owner : '',
      description: typeof m.description === 'string' ? m.description : '',
      createdAt: typeof m.createdAt === 'number' ? m.createdAt : 0,
      expiresAt: m.expiresAt,
      source,
      ...(typeof m.mint === 'string' && m.mint !== '' ? { mint: m.mint } : {}),
      ...(typeof m.tokenKind === 'string' && m.tokenKind !== '' ? { tokenKind: m.tokenKind } : {}),
      ...(m.sourceExpiry === true ? { sourceExpiry: true } : {}),
      ...(Array.isArray(m.allowGrants) && m.allowGrants.length > 0 ? { allowGrants: m.allowGrants.filter((g): g is string => typeof g === 'string') } : {}),
    },
  };
}

/** Why a value cannot be stored, or undefined. Says nothing of the value but its size. */
export function valueProblem(value: string): string | undefined {
  if (value.length === 0) return 'the value is empty';
  if (value.includes('\0')) return 'the value contains a NUL byte';
  const bytes = new TextEncoder().encode(value).length;
  if (bytes > MAX_VALUE_BYTES) return `the value is ${bytes} bytes, over the limit of ${MAX_VALUE_BYTES}`;
  return undefined;
}

/** Throws an input error unless `value` may be stored. */
export function assertValue(value: string): string {
  const problem = valueProblem(value);
  if (problem) throw inputError(problem, 'values are 1 byte to 64 KiB of UTF-8 text without NUL bytes');
  return value;
}

/** Decodes raw bytes as a value: UTF-8 only, byte-exact (a trailing newline is kept). */
export function valueFromBytes(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw inputError('the value is not valid UTF-8', 'store binary data base64-encoded');
  }
  if (bytes.length > MAX_VALUE_BYTES) {
    throw inputError(`the value is ${bytes.length} bytes, over the limit of ${MAX_VALUE_BYTES}`);
  }
  return assertValue(text);
}

