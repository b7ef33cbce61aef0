// The secret commands as functions of (input, deps): set, get, ls, rm.
import { relativeTime, valueFromBytes, type SecretMeta } from '@latchkey/core';
import { withAgent, type Deps } from '../base.js';
import { readAll, readHidden } from '../prompt.js';
import { table } from '../render.js';

export interface SetInput {
  name: string;
  ttlSeconds: number;
  owner: string;
  description: string;
  project: boolean;
}

/** Stores a secret whose value comes from a hidden prompt or from stdin, never from argv. */
export async function setSecret(input: SetInput, deps: Deps): Promise<SecretMeta> {
  const raw = deps.stdin.isTTY ? await readHidden(deps, `value for ${input.name} (hidden): `) : await readAll(deps.stdin);
  const value = valueFromBytes(raw);
  const meta = await withAgent(deps, (agent) =>
    agent.putSecret({
      name: input.name,
      value,
      ttlSeconds: input.ttlSeconds,
      owner: input.owner,
      description: input.description,
      project: input.project,
      cwd: deps.cwd,
    }),
  );
  const scope = meta.scope === 'global' ? '' : ` in project ${meta.scope}`;
  deps.stderr.write(`agent: stored ${meta.name}${scope}, expires ${relativeTime(meta.expiresAt, Date.now())} (${new Date(meta.expiresAt).toISOString()})\n`);
  return meta;
}

/** Prints a value: byte-exact into a pipe or file, with a newline on a terminal. */
export async function getSecret(name: string, deps: Deps): Promise<void> {
  const { value } = await withAgent(deps, (agent) => agent.getSecret(name, deps.cwd));
  deps.stdout.write(value);
  if (deps.stdout.isTTY && !value.endsWith('\n')) deps.stdout.write('\n');
}

/** The JSON form of a secret's metadata. */
export function metaJson(m: SecretMeta, now: number) {
  return {
    name: m.name,
    scope: m.scope,
    owner: m.owner,
    description: m.description,
    source: m.source,
    createdAt: new Date(m.createdAt).toISOString(),
    expiresAt: new Date(m.expiresAt).toISOString(),
    expiresInSeconds: Math.round((m.expiresAt - now) / 1000),
    expired: m.expiresAt <= now,
  };
}

/** Lists the inventory, never a value. */
export async function listSecrets(input: { json: boolean }, deps: Deps): Promise<void> {
  const secrets = await withAgent(deps, (agent) => agent.listSecrets());
  const now = Date.now();
  if (input.json) {
    deps.stdout.write(`${JSON.stringify(secrets.map((m) => metaJson(m, now)), null, 2)}\n`);
    return;
  }
  if (secrets.length === 0) {
    deps.stderr.write('agent: no secrets stored; add one with: agent set NAME --ttl 8h\n');
    return;
  }
  const rows = [['NAME', 'SCOPE', 'OWNER', 'DESCRIPTION', 'CREATED', 'EXPIRES']];
  for (const m of secrets) {
    rows.push([
      m.name,
      m.scope,
      m.owner || '-',
      m.description || '-',
      new Date(m.createdAt).toISOString().replace(/\.\d+Z$/, 'Z'),
      m.expiresAt <= now ? `expired ${relativeTime(m.expiresAt, now)}` : `${relativeTime(m.expiresAt, now)} (${new Date(m.expiresAt).toISOString().replace(/\.\d+Z$/, 'Z')})`,
    ]);
  }
  deps.stdout.write(`${table(rows)}\n`);
}

/** Removes a secret. */
export async function removeSecret(input: { name: string; project: boolean }, deps: Deps): Promise<void> {
  const meta = await withAgent(deps, (agent) => agent.deleteSecret(input.name, deps.cwd, input.project));
  deps.stderr.write(`agent: removed ${meta.name}${meta.scope === 'global' ? '' : ` from project ${meta.scope}`}\n`);
}
