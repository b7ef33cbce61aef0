// Temporary keys from the command line as functions of (input, deps): temp random|jwt, leases, revoke.
//
// A key minted here is bound to no process (bindPid -1): the `agent` process that asked exits at once,
// and the user wants the key they just printed to work. Its TTL or `agent revoke` ends it.
import { isoTime, notFoundError, quote, relativeTime } from '@latchkey/core';
import type { LeaseInfo } from '@latchkey/client';
import { withAgent, type AgentWith, type Deps } from '../deps.js';
import { table } from '../render.js';
import { expiryText } from './secrets.js';

export interface TempInput {
  kind: 'random' | 'jwt';
  /** 0 means the daemon's default. */
  ttlSeconds: number;
  params: Record<string, string>;
  json: boolean;
}

/**
 * Mints a temporary key. The key goes to stdout (it is what was asked for: byte-exact into a pipe, with
 * a newline on a terminal), the lease id and expiry to stderr; `--json` prints `{value, leaseId, expiresAt}`.
 */
export async function issueTemp(input: TempInput, deps: Deps): Promise<void> {
  const key = await withAgent(deps, (agent) => agent.issueTempKey({ kind: input.kind, ttlSeconds: input.ttlSeconds, params: input.params, bindPid: -1, cwd: deps.cwd }));
  if (input.json) {
    deps.stdout.write(`${JSON.stringify({ value: key.value, leaseId: key.leaseId, expiresAt: isoTime(key.expiresAt) })}\n`);
    return;
  }
  deps.stdout.write(key.value);
  if (deps.stdout.isTTY) deps.stdout.write('\n');
  deps.stderr.write(`agent: lease ${key.leaseId}, expires ${expiryText(key.expiresAt)}; end it sooner with: agent revoke ${key.leaseId}\n`);
}

/** The JSON form of a lease (metadata only). */
export function leaseJson(l: LeaseInfo, now: number) {
  return {
    leaseId: l.leaseId,
    kind: l.kind,
    issuedAt: isoTime(l.issuedAt),
    expiresAt: isoTime(l.expiresAt),
    expiresInSeconds: Math.round((l.expiresAt - now) / 1000),
    boundPid: l.boundPid,
    boundExe: l.boundExe,
    fingerprint: l.fingerprint,
    state: l.state || 'active',
    // every lease ends at its source: the key or database user stops working (random keys through introspection)
    expiry: 'source',
  };
}

/** Lists the leases in force: never a key, only its fingerprint (as in the audit log). */
export async function listLeases(input: { json: boolean }, deps: Deps<AgentWith<'listLeases'>>): Promise<void> {
  const leases = await withAgent(deps, (agent) => agent.listLeases());
  const now = deps.now();
  if (input.json) {
    deps.stdout.write(`${JSON.stringify(leases.map((l) => leaseJson(l, now)), null, 2)}\n`);
    return;
  }
  if (leases.length === 0) {
    deps.stderr.write('agent: no active leases; mint a key with: agent temp random --ttl 15m\n');
    return;
  }
  const iso = (ms: number) => isoTime(ms).replace(/\.\d+Z$/, 'Z');
  const rows = [['LEASE', 'KIND', 'STATE', 'ISSUED', 'EXPIRES', 'EXPIRES AT', 'BOUND PID/EXE', 'FINGERPRINT']];
  for (const l of leases) {
    rows.push([
      l.leaseId,
      l.kind,
      l.state || 'active',
      iso(l.issuedAt),
      `${relativeTime(l.expiresAt, now)} (${iso(l.expiresAt)})`,
      'source',
      l.boundPid > 0 ? `${l.boundPid} ${l.boundExe || '?'}` : '-',
      l.fingerprint || '-',
    ]);
  }
  deps.stdout.write(`${table(rows)}\n`);
}

/** Ends a lease now; an unknown or already ended lease is an error. */
export async function revokeLease(leaseId: string, deps: Deps): Promise<void> {
  const revoked = await withAgent(deps, (agent) => agent.revokeLease(leaseId));
  if (!revoked) throw notFoundError(`no active lease ${quote(leaseId)}: unknown, revoked or expired`, 'list the active leases with: agent leases');
  deps.stderr.write(`agent: revoked ${leaseId}\n`);
}
