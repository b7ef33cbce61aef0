// The secret commands as functions of (input, deps): set, ls, rm (get is actions/get.ts, which its lean path shares).
import { noCoreFiles } from '@latchkey/client/harden';
import { assertSecretName, expiryOrigin, isoTime, parseDuration, parseTtlText, relativeTime, usageError, valueFromBytes, type SecretMeta } from '@latchkey/core';
import { MINT_TIMEOUT_MS } from '@latchkey/protocol/lean';
import { withAgent, type AgentWith, type Deps } from '../deps.js';
import { readAll, readHidden } from '../prompt.js';
import { table } from '../render.js';

export interface SetInput {
  name: string;
  ttlSeconds: number;
  owner: string;
  description: string;
  project: boolean;
  /** A shell command the daemon runs for the value (now, and again at 75% of the ttl); no value is read then. */
  mint?: string;
  /** For an admin secret of temporary database users: what a grant may give (superuser, createrole, bypassrls). */
  allowGrants?: string[];
}

/** The flags of `agent set` as parsed (by oclif, or by the lean path for the plain forms). */
export interface SetFlags {
  ttl?: string;
  owner: string;
  desc: string;
  project: boolean;
  mint?: string;
  'allow-grant'?: string[];
}

/** The input of `agent set NAME` with `flags`, checked in this order: the name, the ttl's form, an empty --mint. */
export function setInputOf(name: string, flags: SetFlags): SetInput {
  const checked = assertSecretName(name);
  // The daemon enforces the configured maximum; here only the shape and the "never" rule.
  const ttlSeconds = flags.ttl === undefined ? 0 : parseTtlText(flags.ttl);
  if (flags.mint !== undefined && flags.mint.trim() === '') throw usageError('--mint needs a command', "e.g. agent set NAME --mint 'gh auth token' --ttl 1h");
  return {
    name: checked,
    ttlSeconds,
    owner: flags.owner,
    description: flags.desc,
    project: flags.project,
    allowGrants: flags['allow-grant'] ?? [],
    ...(flags.mint === undefined ? {} : { mint: flags.mint }),
  };
}

/**
 * Stores a secret whose value comes from a hidden prompt or from stdin, never from argv; or, with
 * `mint`, a secret the daemon mints itself by running the command.
 */
export async function setSecret(input: SetInput, deps: Deps<AgentWith<'listSecrets' | 'putSecret'>>): Promise<SecretMeta> {
  let value = '';
  if (input.mint === undefined) {
    // No core file while the value is held; still dumpable, since PutSecret --project needs the daemon
    // to read our working directory from /proc.
    for (const m of noCoreFiles()) deps.stderr.write(`agent: warning: hardening not applied: ${m}\n`);
    const raw = deps.stdin.isTTY ? await readHidden(deps, `value for ${input.name} (hidden): `) : await readAll(deps.stdin);
    value = valueFromBytes(raw);
  }
  const put = withAgent(deps, async (agent) => {
    const before = new Set((await agent.listSecrets()).map((m) => `${m.scope}\0${m.name}`));
    const stored = await agent.putSecret({
      name: input.name,
      value,
      ttlSeconds: input.ttlSeconds,
      owner: input.owner,
      description: input.description,
      project: input.project,
      cwd: deps.cwd,
      allowGrants: input.allowGrants ?? [],
      ...(input.mint === undefined ? {} : { mintCommand: input.mint }),
    });
    return { meta: stored, replaced: before.has(`${stored.scope}\0${stored.name}`) };
  });
  const { meta, replaced } = input.mint === undefined ? await put : await whileMinting(input.name, put, deps);
  const scope = meta.scope === 'global' ? '' : ` in project ${meta.scope}`;
  if (input.mint === undefined) deps.stderr.write(`agent: ${replaced ? 'replaced' : 'stored'} ${meta.name}${scope}, expires ${expiryText(meta.expiresAt)}\n`);
  // The daemon pinned the command's program to an absolute path: show what every rotation will run.
  else deps.stderr.write(`agent: minted ${meta.name}${scope}: runs ${meta.mint ?? input.mint}; expires ${expiryText(meta.expiresAt)}, minted again before then\n`);
  return meta;
}

/** Mints a minted secret again now; prints the new expiry, never the value. */
export async function rotateSecret(name: string, deps: Deps): Promise<SecretMeta> {
  const meta = await whileMinting(name, withAgent(deps, (agent) => agent.rotateSecret(name, deps.cwd)), deps);
  const scope = meta.scope === 'global' ? '' : ` in project ${meta.scope}`;
  deps.stderr.write(`agent: minted ${meta.name}${scope} again, expires ${expiryText(meta.expiresAt)}\n`);
  return meta;
}

/** After this long, a call that runs a mint command says that it is waiting for it. */
export const MINT_WAIT_NOTICE_MS = 1000;

/** Awaits a call that runs the mint command of `name`, saying so on stderr if it is slow. */
async function whileMinting<T>(name: string, call: Promise<T>, deps: Pick<Deps, 'stderr'>): Promise<T> {
  const notice = setTimeout(() => {
    deps.stderr.write(`agent: waiting for the mint command of ${name} (up to ${MINT_TIMEOUT_MS / 1000}s)\n`);
  }, MINT_WAIT_NOTICE_MS);
  try {
    return await call;
  } finally {
    clearTimeout(notice);
  }
}

/** "in 7h59m (2025-01-01T08:00:00.000Z)". */
export function expiryText(expiresAt: number, now = Date.now()): string {
  return `${relativeTime(expiresAt, now)} (${isoTime(expiresAt)})`;
}

/** The JSON form of an inventory entry (never a value). */
export function metaJson(m: SecretMeta & { lastUsedAt?: number; useCount?: number; leakedAt?: number; leakedWhere?: string }, now: number) {
  return {
    name: m.name,
    scope: m.scope,
    owner: m.owner,
    description: m.description,
    source: m.source,
    createdAt: isoTime(m.createdAt),
    expiresAt: isoTime(m.expiresAt),
    expiresInSeconds: Math.round((m.expiresAt - now) / 1000),
    expired: m.expiresAt <= now,
    // source: the provider stops accepting the value at expiresAt; local: only Latchkey forgets it then
    expiry: expiryOrigin(m),
    ...(m.allowGrants ? { allowGrants: m.allowGrants } : {}),
    lastUsedAt: m.lastUsedAt ? isoTime(m.lastUsedAt) : null,
    useCount: m.useCount ?? 0,
    tokenKind: m.tokenKind ?? null,
    leakedAt: m.leakedAt ? isoTime(m.leakedAt) : null,
    leakedWhere: m.leakedAt ? (m.leakedWhere ?? '') : null,
  };
}

const iso = (ms: number) => isoTime(ms).replace(/\.\d+Z$/, 'Z');

/** The input of `agent ls` with its flags (by oclif, or by the lean path for the plain forms). */
export function listInputOf(flags: { json: boolean; expiring?: string }): { json: boolean; expiringWithinSeconds?: number } {
  return { json: flags.json, expiringWithinSeconds: flags.expiring === undefined ? undefined : parseDuration(flags.expiring) };
}

/** Lists the inventory, never a value; `expiringWithinSeconds` keeps only secrets expiring that soon. */
export async function listSecrets(input: { json: boolean; expiringWithinSeconds?: number }, deps: Deps<AgentWith<'listSecrets'>>): Promise<void> {
  const now = deps.now();
  let secrets = await withAgent(deps, (agent) => agent.listSecrets());
  if (input.expiringWithinSeconds !== undefined) {
    const limit = now + input.expiringWithinSeconds * 1000;
    secrets = secrets.filter((m) => m.expiresAt <= limit);
  }
  if (input.json) {
    deps.stdout.write(`${JSON.stringify(secrets.map((m) => metaJson(m, now)), null, 2)}\n`);
    return;
  }
  if (secrets.length === 0) {
    deps.stderr.write(input.expiringWithinSeconds === undefined ? 'agent: no secrets stored; add one with: agent set NAME --ttl 8h\n' : 'agent: nothing expires that soon\n');
    return;
  }
  // The LEAKED column appears when a scan found a secret's current value somewhere.
  const anyLeaked = secrets.some((m) => m.leakedAt > 0);
  // The KIND column appears when a stored value's format told what it is (github/classic-pat, ...).
  const anyKind = secrets.some((m) => m.tokenKind);
  // EXPIRES AT: `source` when the provider stops accepting the value then, `latchkey only` when it does not.
  const rows = [['NAME', 'SCOPE', ...(anyKind ? ['KIND'] : []), 'OWNER', 'DESCRIPTION', 'SOURCE', 'CREATED', 'EXPIRES', 'EXPIRES AT', 'LAST USED', 'USES', ...(anyLeaked ? ['LEAKED'] : [])]];
  for (const m of secrets) {
    rows.push([
      m.name,
      m.scope,
      ...(anyKind ? [m.tokenKind ?? '-'] : []),
      m.owner || '-',
      m.description || '-',
      m.source,
      iso(m.createdAt),
      m.expiresAt <= now ? `expired ${relativeTime(m.expiresAt, now)} (${iso(m.expiresAt)})` : `${relativeTime(m.expiresAt, now)} (${iso(m.expiresAt)})`,
      expiryOrigin(m) === 'source' ? 'source' : 'latchkey only',
      m.lastUsedAt ? relativeTime(m.lastUsedAt, now) : 'never',
      String(m.useCount),
      ...(anyLeaked ? [m.leakedAt ? `leaked ${relativeTime(m.leakedAt, now)} in ${m.leakedWhere}` : '-'] : []),
    ]);
  }
  deps.stdout.write(`${table(rows)}\n`);
}

/** Removes a secret. */
export async function removeSecret(input: { name: string; project: boolean }, deps: Deps): Promise<void> {
  const meta = await withAgent(deps, (agent) => agent.deleteSecret(input.name, deps.cwd, input.project));
  deps.stderr.write(`agent: removed ${meta.name}${meta.scope === 'global' ? '' : ` from project ${meta.scope}`}\n`);
}
