// Temporary keys for test suites: `agent.tempKey({ kind, ttl, params })` mints a key bound to the
// calling process, so it dies when the process exits, at its TTL, or on `key.revoke()`.
import { inputError, parseTtlText } from '@latchkey/core';
import type { AgentConnection } from './connection.js';

/** The kinds of temporary key the daemon mints. */
export type TempKeyKind = 'random' | 'jwt' | 'postgres' | 'mysql' | 'redis';

/** What a test suite asks for. */
export interface TempKeySpec {
  /**
   * `random` (params bytes, encoding, prefix), `jwt` (params signer, sub, aud, iss, claim.<name>), or a
   * database user: `postgres` (admin, grant, database, schema, format), `mysql` (admin, grant,
   * privileges, database, format), `redis` (admin, keys, channels, commands, format). A database user's
   * value is a connection URL (the password alone with format=password); it is dropped, its sessions
   * closed, when the lease ends.
   */
  kind: TempKeyKind;
  /** Time to live: a duration like `'90s'`, `'2m'`, `'1h'`, or a number of seconds. Default: the daemon's. */
  ttl?: string | number;
  /** Parameters of the kind; numbers are sent as their decimal text. */
  params?: Record<string, string | number>;
  /**
   * The process the lease ends with: 0 (the default) binds it to the calling process, a positive pid
   * to that process, -1 to none (then only the TTL or `revoke()` ends it).
   */
  bindPid?: number;
}

/** A temporary key and its lease. */
export interface TempKey {
  value: string;
  leaseId: string;
  expiresAt: Date;
  /** Ends the lease now (through the connection that minted it: call it before `close()`). */
  revoke(): Promise<void>;
}

/** Turns a spec's TTL into whole seconds; 0 lets the daemon pick its default. */
export function ttlSecondsOf(ttl: string | number | undefined): number {
  if (ttl === undefined) return 0;
  if (typeof ttl === 'number') {
    if (!Number.isInteger(ttl) || ttl <= 0) throw inputError(`ttl must be a whole number of seconds above 0, not ${ttl}`, "pass e.g. 120 or '2m'");
    return ttl;
  }
  return parseTtlText(ttl);
}

/** The wire form of a spec's params (every value a string). */
export function paramsOf(params: Record<string, string | number> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params ?? {})) {
    if (typeof v !== 'string' && typeof v !== 'number') throw inputError(`param ${k} must be a string or a number`);
    out[k] = String(v);
  }
  return out;
}

/** Mints a temporary key over `agent`. */
export async function mintTempKey(agent: AgentConnection, spec: TempKeySpec): Promise<TempKey> {
  const key = await agent.issueTempKey({
    kind: spec.kind,
    ttlSeconds: ttlSecondsOf(spec.ttl),
    params: paramsOf(spec.params),
    bindPid: spec.bindPid ?? 0,
  });
  const { leaseId } = key;
  return {
    value: key.value,
    leaseId,
    expiresAt: new Date(key.expiresAt),
    revoke: async () => {
      await agent.revokeLease(leaseId);
    },
  };
}
