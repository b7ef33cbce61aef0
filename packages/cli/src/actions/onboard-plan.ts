// What `agent onboard` will do and what it says, as pure functions of facts: the daemon's inspection of
// the manifest (what it needs, how each secret stands, whether it is approved), where values come from
// (a dotenv file, a terminal, nowhere) and the flags. onboard.ts gathers the facts, applies the plan with
// {agent, prompter, clock} and prints what these render. A plan holds values from --from-env-file:
// never print it.
import { escapeControl, formatDuration, isoTime, REFERENCE_PREFIX, relativeTime, usedBy, valueProblem, type SecretState } from '@latchkey/core';
import type { ManifestInspection, NeededSecretInfo } from '@latchkey/client';
import { table } from '../render.js';

/** Where the values of missing and expired secrets come from. */
export type ValueSource =
  | { kind: 'check' }
  | { kind: 'file'; file: string; values: ReadonlyMap<string, string> }
  | { kind: 'terminal' }
  | { kind: 'none' };

export interface OnboardFacts {
  inspection: ManifestInspection;
  source: ValueSource;
  /** Approve without asking (--yes). */
  yes: boolean;
  /** Store new secrets in the project's scope (--project). */
  project: boolean;
}

/** One value to store: taken from the file, or asked for on the terminal. */
export type ValueStep = { secret: NeededSecretInfo; project: boolean } & ({ from: 'file'; key: string; value: string } | { from: 'prompt' });

/** What happens to the approval: it is there, --yes gives it, the terminal asks, or it is left as it is. */
export type ApprovalStep = 'approved' | 'yes' | 'ask' | 'leave';

export interface OnboardPlan {
  /** --check: report only. */
  check: boolean;
  steps: ValueStep[];
  /** Said before anything is stored (a file's entry that cannot be used, and why); never a value. */
  warnings: string[];
  approval: ApprovalStep;
  /** Whether a terminal must be opened (something to ask). */
  usesTerminal: boolean;
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

/** What onboarding ends with (the --json form). */
export interface OnboardResult {
  manifest: string;
  approved: boolean;
  ready: boolean;
  stored: string[];
  secrets: SecretRow[];
}

const NEEDS_VALUE: ReadonlySet<SecretState> = new Set(['missing', 'expired']);

/** The plan: which values to store from where, and what to do about the approval. */
export function planOnboard(facts: OnboardFacts): OnboardPlan {
  const { inspection, source } = facts;
  if (source.kind === 'check') return { check: true, steps: [], warnings: [], approval: inspection.approved ? 'approved' : 'leave', usesTerminal: false };
  const todo = inspection.needed.filter((s) => NEEDS_VALUE.has(s.state));
  const steps: ValueStep[] = [];
  const warnings: string[] = [];
  for (const secret of todo) {
    // An expired secret of the project's own scope is replaced there, not shadowed by a new global one.
    const project = facts.project || (secret.stored !== undefined && secret.stored.scope !== 'global');
    if (source.kind === 'terminal') steps.push({ secret, project, from: 'prompt' });
    if (source.kind !== 'file') continue;
    const found = valueFromFile(secret, source.values);
    if (!found) continue;
    if ('problem' in found) warnings.push(`${found.key} in ${source.file}${found.problem}; ${secret.name} not stored`);
    else steps.push({ secret, project, from: 'file', key: found.key, value: found.value });
  }
  const approval: ApprovalStep = inspection.approved ? 'approved' : facts.yes ? 'yes' : source.kind === 'terminal' ? 'ask' : 'leave';
  const usesTerminal = source.kind === 'terminal' && (steps.length > 0 || approval === 'ask');
  return { check: false, steps, warnings, approval, usesTerminal };
}

/** The value of a needed secret in the file: by one of its variable names, else by the secret's own name. */
function valueFromFile(s: NeededSecretInfo, values: ReadonlyMap<string, string>): { key: string; value: string } | { key: string; problem: string } | undefined {
  for (const key of [...s.variables, s.name]) {
    const value = values.get(key);
    if (value === undefined) continue;
    if (value.startsWith(REFERENCE_PREFIX)) return { key, problem: ' is a reference, not a value' };
    const problem = valueProblem(value);
    if (problem) return { key, problem: `: ${problem}` };
    return { key, value };
  }
  return undefined;
}

/** The row of one needed secret. */
export function rowFor(s: NeededSecretInfo): SecretRow {
  const meta = s.stored;
  return {
    name: s.name,
    variables: s.variables,
    signerFor: s.signerFor,
    status: s.state,
    scope: meta?.scope ?? null,
    expiresAt: meta ? isoTime(meta.expiresAt) : null,
    owner: s.owner || meta?.owner || '',
    description: s.description || meta?.description || '',
    docs: s.docs,
    maxTtlSeconds: s.maxTtlSeconds ?? null,
  };
}

/** Ready: nothing missing or expired, and the manifest approved. */
export function isReady(rows: readonly Pick<SecretRow, 'status'>[], approved: boolean): boolean {
  return approved && rows.every((r) => !NEEDS_VALUE.has(r.status));
}

export function onboardResult(inspection: ManifestInspection, stored: readonly string[]): OnboardResult {
  const rows = inspection.needed.map(rowFor);
  return { manifest: inspection.path, approved: inspection.approved, ready: isReady(rows, inspection.approved), stored: [...stored], secrets: rows };
}

export function approvalText(info: Pick<ManifestInspection, 'approved' | 'changed'>): string {
  return info.approved ? 'approved' : info.changed ? 'changed since it was approved' : 'not approved';
}

/** The head of the report on stdout: the manifest and its state, then the table of what it needs. */
export function renderHeader(inspection: ManifestInspection, now: number): string {
  const rows = inspection.needed.map(rowFor);
  return `${escapeControl(inspection.path)} (${approvalText(inspection)})\n${rows.length === 0 ? 'it needs no stored secrets' : renderRows(rows, now)}\n`;
}

/** The table of what the project needs: status, expiry, owner, description, docs (never a value). */
export function renderRows(rows: readonly SecretRow[], now: number): string {
  const out = [['SECRET', 'USED BY', 'STATUS', 'EXPIRES', 'OWNER', 'DESCRIPTION', 'DOCS']];
  for (const r of rows) {
    const expires = r.expiresAt ? relativeTime(Date.parse(r.expiresAt), now) : '-';
    out.push([r.name, usedBy(r), r.status, expires, r.owner || '-', r.description || '-', r.docs || '-']);
  }
  return table(out);
}

/** "stripe-test (owner payments, docs https://...)". */
function withContacts(r: SecretRow): string {
  const parts = [r.owner ? `owner ${escapeControl(r.owner)}` : '', r.docs ? `docs ${escapeControl(r.docs)}` : ''].filter(Boolean);
  return parts.length > 0 ? `${r.name} (${parts.join(', ')})` : r.name;
}

/** --check when not ready: the lines naming what is missing or expired, and the error's message. */
export function notReady(inspection: ManifestInspection): { lines: string[]; message: string } {
  const rows = inspection.needed.map(rowFor);
  const missing = rows.filter((r) => r.status === 'missing');
  const expired = rows.filter((r) => r.status === 'expired');
  const lines = [...missing.map((r) => `agent: missing: ${withContacts(r)}`), ...expired.map((r) => `agent: expired: ${withContacts(r)}`)];
  const what = [
    missing.length > 0 ? `${missing.length} missing` : '',
    expired.length > 0 ? `${expired.length} expired` : '',
    inspection.approved ? '' : `${escapeControl(inspection.path)} ${approvalText(inspection)}`,
  ].filter(Boolean);
  return { lines, message: `not ready: ${what.join(', ')}` };
}

/** What is said on the terminal before a value is asked for: whom to ask, where it is documented, how long it lasts. */
export function promptContext(s: NeededSecretInfo): string {
  const row = rowFor(s);
  const lines = [`\n${s.name} (${row.status}), for ${usedBy(s)}`];
  if (row.owner) lines.push(`  owner        ${escapeControl(row.owner)}`);
  if (row.description) lines.push(`  description  ${escapeControl(row.description)}`);
  if (row.docs) lines.push(`  docs         ${escapeControl(row.docs)}`);
  lines.push(`  stored for   ${s.maxTtlSeconds !== undefined ? `${formatDuration(s.maxTtlSeconds)} (the manifest's max_ttl)` : 'the default ttl'}`);
  return `${lines.join('\n')}\n`;
}

/** How onboarding went, as the summary needs it. */
export interface OnboardOutcome {
  stored: string[];
  /** The inspection after the steps ran. */
  inspection: ManifestInspection;
}

/** The closing lines on stderr: counts, what is still missing, and what to do next. */
export function renderSummary(plan: OnboardPlan, source: ValueSource, outcome: OnboardOutcome): string {
  const { inspection, stored } = outcome;
  const rows = inspection.needed.map(rowFor);
  const still = rows.filter((r) => NEEDS_VALUE.has(r.status));
  const present = rows.length - still.length;
  const out = [`\nagent: ${stored.length} stored, ${present} of ${rows.length} needed secret${rows.length === 1 ? '' : 's'} present, ${escapeControl(inspection.path)} ${approvalText(inspection)}`];
  for (const r of still) out.push(`agent: still ${r.status}: ${withContacts(r)}`);
  if (!inspection.approved && plan.approval === 'leave') {
    out.push(`agent: the manifest was not approved: no terminal to ask on; review it and run agent allow ${escapeControl(inspection.path)}, or rerun with --yes`);
  }
  if (still.length > 0 && source.kind === 'none') {
    out.push('agent: hint: no terminal to ask for values on: run agent onboard --from-env-file FILE, or set each with agent set NAME');
  }
  if (isReady(rows, inspection.approved)) out.push('agent: ready: run commands with agent exec -- <command>');
  return `${out.join('\n')}\n`;
}
