// `agent onboard` as a function of (input, deps): what the project's manifest needs against what is
// stored, then (on a terminal, or from a dotenv file) the missing values, then the approval. Never
// prints a value. "Ready" means every secret the manifest needs is present and the manifest approved:
// then `agent exec` works.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { escapeControl, formatDuration, inputError, LatchkeyError, parseDotenv, REFERENCE_PREFIX, relativeTime, valueFromBytes, valueProblem, visibleSecret, type SecretMeta } from '@latchkey/core';
import type { AgentConnection, ManifestInfo } from '@latchkey/client';
import { findProjectRoot } from '@latchkey/protocol';
import { withAgent, type Deps } from '../base.js';
import { table, warn } from '../render.js';
import { Cancelled, TerminalInput } from '../terminal-input.js';
import { describeManifest, manifestPath } from './manifest.js';
import { neededSecrets, readManifest, secretState, usedBy, type NeededSecret, type SecretState } from './project-secrets.js';

export interface OnboardInput {
  /** The manifest (or its folder); the nearest agent.env when absent. */
  path?: string;
  /** Only report; exit 1 unless ready. */
  check: boolean;
  json: boolean;
  /** Take values from this dotenv file, keyed by the manifest's variable names. */
  fromEnvFile?: string;
  /** Approve the manifest without asking. */
  yes: boolean;
  /** Store new secrets in the project's scope instead of the global one. */
  project: boolean;
  allowVars: string[];
  now?: () => number;
}

/** One needed secret and how it stands, as printed and as JSON. */
export interface SecretRow {
  name: string;
  variables: string[];
  signerFor: string[];
  status: SecretState;
  scope: string | null;
  expiresAt: string | null;
  owner: string;
  description: string;
  docs: string;
  maxTtlSeconds: number | null;
}

/** What onboarding ends with. */
export interface OnboardResult {
  manifest: string;
  approved: boolean;
  ready: boolean;
  stored: string[];
  secrets: SecretRow[];
}

const NEEDS_VALUE: ReadonlySet<SecretState> = new Set(['missing', 'expired']);

/** Runs onboarding; returns the exit code (0 ready, 1 not ready, 130 cancelled at a prompt). */
export async function onboard(input: OnboardInput, deps: Deps): Promise<number> {
  const now = input.now ?? Date.now;
  const path = manifestPath(input.path, deps, 'onboard');
  const manifest = readManifest(path, input.allowVars);
  const needed = neededSecrets(manifest);
  const fileValues = input.fromEnvFile !== undefined ? readEnvFile(input.fromEnvFile, deps) : undefined;
  const interactive = !input.check && fileValues === undefined && Boolean(deps.stdin.isTTY && deps.stderr.isTTY && deps.stdin.setRawMode);

  return withAgent(deps, async (agent) => {
    let info = await agent.inspectManifest(path, input.allowVars);
    // The project the manifest belongs to: where a --project secret lives and what it can see.
    const projectDir = dirname(info.path);
    const projectRoot = findProjectRoot(projectDir);
    let rows = await snapshot(agent, needed, projectRoot, now());

    if (!input.json) {
      deps.stdout.write(`${escapeControl(info.path)} (${approvalText(info)})\n`);
      deps.stdout.write(needed.length === 0 ? 'it needs no stored secrets\n' : `${renderRows(rows, now())}\n`);
    }

    if (input.check) {
      const ready = isReady(rows, info.approved);
      if (input.json) deps.stdout.write(`${JSON.stringify(result(info, rows, []), null, 2)}\n`);
      if (!ready) reportNotReady(rows, info, deps);
      return ready ? 0 : 1;
    }

    // Values for what is missing or expired: from the file, or asked one by one on the terminal.
    const stored: string[] = [];
    const todo = needed.filter((s) => NEEDS_VALUE.has(rowOf(rows, s.name).status));
    const terminal = interactive && (todo.length > 0 || !info.approved) ? new TerminalInput(deps.stdin, deps.stderr) : undefined;
    try {
      if (todo.length > 0 && terminal) deps.stderr.write(`\n${todo.length} secret${todo.length === 1 ? '' : 's'} to enter; the values are not shown as you type (Enter skips one)\n`);
      for (const s of todo) {
        const row = rowOf(rows, s.name);
        let value: string | undefined;
        if (fileValues) {
          value = valueFromFile(s, fileValues, input.fromEnvFile as string, deps);
        } else if (terminal) {
          value = await askValue(s, row, terminal, deps);
        }
        if (value === undefined) continue;
        const existing = row.scope !== null && row.scope !== 'global';
        try {
          const meta = await agent.putSecret({
            name: s.name,
            value,
            ...(s.maxTtlSeconds !== undefined ? { ttlSeconds: s.maxTtlSeconds } : {}),
            owner: s.owner,
            description: s.description,
            project: input.project || existing,
            cwd: projectDir,
            source: 'onboard',
          });
          stored.push(s.name);
          const scope = meta.scope === 'global' ? '' : ` in project ${meta.scope}`;
          deps.stderr.write(`agent: stored ${meta.name}${scope}, expires ${relativeTime(meta.expiresAt, now())} (${new Date(meta.expiresAt).toISOString()})\n`);
        } catch (err) {
          if (!(err instanceof LatchkeyError) || err.kind === 'unavailable') throw err;
          deps.stderr.write(`agent: error: ${s.name} was not stored: ${escapeControl(err.message)}\n`);
        }
      }

      // The approval: already there, --yes, or asked on the terminal; never assumed.
      if (!info.approved) {
        let approve = input.yes;
        if (!approve && terminal) {
          deps.stderr.write('\n');
          describeManifest(info, deps.stderr);
          approve = await terminal.confirm(`approve ${info.path} for agent exec?`);
        }
        if (approve) {
          info = await agent.allowManifest(info.path, info.sha256, input.allowVars);
          deps.stderr.write(`agent: approved ${escapeControl(info.path)}\n`);
        }
      }
    } catch (err) {
      if (err instanceof Cancelled) {
        deps.stderr.write(`agent: onboarding cancelled${stored.length > 0 ? `; stored before that: ${stored.join(', ')}` : ''}\n`);
        return 130;
      }
      throw err;
    } finally {
      terminal?.close();
    }

    rows = await snapshot(agent, needed, projectRoot, now());
    const ready = isReady(rows, info.approved);
    if (input.json) deps.stdout.write(`${JSON.stringify(result(info, rows, stored), null, 2)}\n`);
    summarize(rows, info, stored, ready, interactive, input, deps);
    return ready ? 0 : 1;
  });
}

/** Each needed secret against the inventory, now. */
async function snapshot(agent: AgentConnection, needed: readonly NeededSecret[], projectRoot: string | undefined, now: number): Promise<SecretRow[]> {
  const inventory = await agent.listSecrets();
  return needed.map((s) => rowFor(s, visibleSecret(inventory, s.name, projectRoot), now));
}

/** The row of one needed secret. */
export function rowFor(s: NeededSecret, meta: SecretMeta | undefined, now: number): SecretRow {
  return {
    name: s.name,
    variables: s.variables,
    signerFor: s.signerFor,
    status: secretState(meta, now),
    scope: meta?.scope ?? null,
    expiresAt: meta ? new Date(meta.expiresAt).toISOString() : null,
    owner: s.owner || meta?.owner || '',
    description: s.description || meta?.description || '',
    docs: s.docs,
    maxTtlSeconds: s.maxTtlSeconds ?? null,
  };
}

function rowOf(rows: readonly SecretRow[], name: string): SecretRow {
  return rows.find((r) => r.name === name) as SecretRow;
}

/** Ready: nothing missing or expired, and the manifest approved. */
export function isReady(rows: readonly SecretRow[], approved: boolean): boolean {
  return approved && rows.every((r) => !NEEDS_VALUE.has(r.status));
}

function result(info: ManifestInfo, rows: SecretRow[], stored: string[]): OnboardResult {
  return { manifest: info.path, approved: info.approved, ready: isReady(rows, info.approved), stored, secrets: rows };
}

function approvalText(info: ManifestInfo): string {
  return info.approved ? 'approved' : info.changed ? 'changed since it was approved' : 'not approved';
}

/** The table of what the project needs: status, expiry, owner, description, docs (never a value). */
export function renderRows(rows: readonly SecretRow[], now: number): string {
  const out = [['SECRET', 'USED BY', 'STATUS', 'EXPIRES', 'OWNER', 'DESCRIPTION', 'DOCS']];
  for (const r of rows) {
    const expires = r.expiresAt ? relativeTime(Date.parse(r.expiresAt), now) : '-';
    out.push([r.name, usedByRow(r), r.status, expires, r.owner || '-', r.description || '-', r.docs || '-']);
  }
  return table(out);
}

function usedByRow(r: SecretRow): string {
  return [...r.variables, ...r.signerFor.map((v) => `${v} (signs)`)].join(', ');
}

/** "stripe-test (owner payments, docs https://...)". */
function withContacts(r: SecretRow): string {
  const parts = [r.owner ? `owner ${escapeControl(r.owner)}` : '', r.docs ? `docs ${escapeControl(r.docs)}` : ''].filter(Boolean);
  return parts.length > 0 ? `${r.name} (${parts.join(', ')})` : r.name;
}

function reportNotReady(rows: readonly SecretRow[], info: ManifestInfo, deps: Deps): void {
  const missing = rows.filter((r) => r.status === 'missing');
  const expired = rows.filter((r) => r.status === 'expired');
  for (const r of missing) deps.stderr.write(`agent: missing: ${withContacts(r)}\n`);
  for (const r of expired) deps.stderr.write(`agent: expired: ${withContacts(r)}\n`);
  const what = [
    missing.length > 0 ? `${missing.length} missing` : '',
    expired.length > 0 ? `${expired.length} expired` : '',
    info.approved ? '' : `${escapeControl(info.path)} ${approvalText(info)}`,
  ].filter(Boolean);
  deps.stderr.write(`agent: error: not ready: ${what.join(', ')}\n`);
  deps.stderr.write('agent: hint: run agent onboard on a terminal, or agent onboard --from-env-file FILE --yes\n');
}

function summarize(rows: SecretRow[], info: ManifestInfo, stored: string[], ready: boolean, interactive: boolean, input: OnboardInput, deps: Deps): void {
  const still = rows.filter((r) => NEEDS_VALUE.has(r.status));
  const present = rows.length - still.length;
  deps.stderr.write(`\nagent: ${stored.length} stored, ${present} of ${rows.length} needed secret${rows.length === 1 ? '' : 's'} present, ${escapeControl(info.path)} ${approvalText(info)}\n`);
  for (const r of still) deps.stderr.write(`agent: still ${r.status}: ${withContacts(r)}\n`);
  if (!info.approved && !input.yes && !interactive) {
    deps.stderr.write(`agent: the manifest was not approved: no terminal to ask on; review it and run agent allow ${escapeControl(info.path)}, or rerun with --yes\n`);
  }
  if (still.length > 0 && !interactive && input.fromEnvFile === undefined) {
    deps.stderr.write('agent: hint: no terminal to ask for values on: run agent onboard --from-env-file FILE, or set each with agent set NAME\n');
  }
  if (ready) deps.stderr.write('agent: ready: run commands with agent exec -- <command>\n');
}

/** Asks one value on the terminal after showing whom to ask and where it is documented. */
async function askValue(s: NeededSecret, row: SecretRow, terminal: TerminalInput, deps: Deps): Promise<string | undefined> {
  const lines = [`\n${s.name} (${row.status}), for ${usedBy(s)}`];
  if (row.owner) lines.push(`  owner        ${escapeControl(row.owner)}`);
  if (row.description) lines.push(`  description  ${escapeControl(row.description)}`);
  if (row.docs) lines.push(`  docs         ${escapeControl(row.docs)}`);
  lines.push(`  stored for   ${s.maxTtlSeconds !== undefined ? `${formatDuration(s.maxTtlSeconds)} (the manifest's max_ttl)` : 'the default ttl'}`);
  deps.stderr.write(`${lines.join('\n')}\n`);
  for (;;) {
    const bytes = await terminal.hidden(`value for ${s.name} (hidden, Enter to skip): `);
    if (bytes.length === 0) {
      deps.stderr.write(`agent: skipped ${s.name}\n`);
      return undefined;
    }
    try {
      return valueFromBytes(bytes);
    } catch (err) {
      deps.stderr.write(`agent: error: ${escapeControl((err as Error).message)}; try again\n`);
    }
  }
}

/** The values of a dotenv file by name (the last assignment wins, as in dotenv). */
function readEnvFile(file: string, deps: Deps): Map<string, string> {
  const path = resolve(deps.cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw inputError(`cannot read ${path}${code ? ` (${code})` : ''}`, 'name a dotenv file with NAME=value lines for the variables of agent.env');
  }
  return new Map(parseDotenv(text).map((e) => [e.name, e.value]));
}

/** The value of a needed secret in the file: by one of its variable names, else by the secret's own name. */
function valueFromFile(s: NeededSecret, values: ReadonlyMap<string, string>, file: string, deps: Deps): string | undefined {
  for (const key of [...s.variables, s.name]) {
    const value = values.get(key);
    if (value === undefined) continue;
    if (value.startsWith(REFERENCE_PREFIX)) {
      warn(deps, `${key} in ${file} is a reference, not a value; ${s.name} not stored`);
      return undefined;
    }
    const problem = valueProblem(value);
    if (problem) {
      warn(deps, `${key} in ${file}: ${problem}; ${s.name} not stored`);
      return undefined;
    }
    return value;
  }
  return undefined;
}
