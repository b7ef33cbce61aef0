import { describe, expect, it } from 'vitest';
import type { SecretMeta, SecretState } from '@latchkey/core';
import type { ManifestInspection, NeededSecretInfo } from '@latchkey/client';
import { isReady, notReady, onboardResult, planOnboard, renderSummary, rowFor, type ValueSource } from './onboard-plan.js';

const NOW = 1_900_000_000_000;

function needed(name: string, state: SecretState, over: Partial<NeededSecretInfo> = {}): NeededSecretInfo {
  const stored: SecretMeta | undefined =
    state === 'missing'
      ? undefined
      : { name, scope: 'global', owner: '', description: '', createdAt: NOW - 1000, expiresAt: state === 'expired' ? NOW - 1 : state === 'expiring' ? NOW + 3600_000 : NOW + 48 * 3600_000, source: 'manual' };
  return { name, variables: [name.toUpperCase().replace(/-/g, '_')], signerFor: [], owner: '', description: '', docs: '', maxTtlSeconds: undefined, state, stored, ...over };
}

function inspection(secrets: NeededSecretInfo[], approved = false, changed = false): ManifestInspection {
  return { path: '/p/agent.env', realPath: '/p/agent.env', sha256: 'ab'.repeat(32), approved, changed, entries: [], needed: secrets, projectRoot: '/p', refusedVariables: [] };
}

const file = (entries: Record<string, string>): ValueSource => ({ kind: 'file', file: 'ci.env', values: new Map(Object.entries(entries)) });

/** The plan in one line per step, for tables: `name<-source` plus the approval. */
function shape(source: ValueSource, secrets: NeededSecretInfo[], opts: { approved?: boolean; yes?: boolean; project?: boolean } = {}) {
  const plan = planOnboard({ inspection: inspection(secrets, opts.approved ?? false), source, yes: opts.yes ?? false, project: opts.project ?? false });
  return {
    steps: plan.steps.map((s) => `${s.secret.name}<-${s.from === 'file' ? `file:${s.key}` : 'prompt'}${s.project ? ' (project)' : ''}`),
    warnings: plan.warnings,
    approval: plan.approval,
    terminal: plan.usesTerminal,
  };
}

describe('planOnboard', () => {
  const all = [needed('present-one', 'present'), needed('expiring-one', 'expiring'), needed('missing-one', 'missing'), needed('expired-one', 'expired')];

  it.each<[string, ValueSource, { approved?: boolean; yes?: boolean; project?: boolean }, ReturnType<typeof shape>]>([
    ['--check stores nothing and changes no approval', { kind: 'check' }, {}, { steps: [], warnings: [], approval: 'leave', terminal: false }],
    ['--check of an approved manifest', { kind: 'check' }, { approved: true }, { steps: [], warnings: [], approval: 'approved', terminal: false }],
    [
      'a terminal asks for the missing and expired values only, then asks to approve',
      { kind: 'terminal' },
      {},
      { steps: ['missing-one<-prompt', 'expired-one<-prompt'], warnings: [], approval: 'ask', terminal: true },
    ],
    ['a terminal with the manifest approved asks for values only', { kind: 'terminal' }, { approved: true }, { steps: ['missing-one<-prompt', 'expired-one<-prompt'], warnings: [], approval: 'approved', terminal: true }],
    ['--yes approves without asking', { kind: 'terminal' }, { yes: true }, { steps: ['missing-one<-prompt', 'expired-one<-prompt'], warnings: [], approval: 'yes', terminal: true }],
    ['no terminal and no file: nothing to store, the approval is left', { kind: 'none' }, {}, { steps: [], warnings: [], approval: 'leave', terminal: false }],
    ['--project stores in the project scope', { kind: 'terminal' }, { project: true, approved: true }, { steps: ['missing-one<-prompt (project)', 'expired-one<-prompt (project)'], warnings: [], approval: 'approved', terminal: true }],
    [
      'a file gives values by variable name, else by secret name; entries it lacks are left missing',
      file({ MISSING_ONE: 'value-by-variable', 'expired-one': 'value-by-name', PRESENT_ONE: 'not-needed' }),
      { yes: true },
      { steps: ['missing-one<-file:MISSING_ONE', 'expired-one<-file:expired-one'], warnings: [], approval: 'yes', terminal: false },
    ],
    [
      "a file's reference or bad value is refused with a warning that names the key, never the value",
      file({ MISSING_ONE: 'agent://elsewhere', EXPIRED_ONE: '' }),
      {},
      { steps: [], warnings: ['MISSING_ONE in ci.env is a reference, not a value; missing-one not stored', 'EXPIRED_ONE in ci.env: the value is empty; expired-one not stored'], approval: 'leave', terminal: false },
    ],
  ])('%s', (_, source, opts, want) => {
    expect(shape(source, all, opts)).toEqual(want);
  });

  it('a terminal with nothing to ask and the manifest approved is not opened', () => {
    expect(shape({ kind: 'terminal' }, [needed('fine', 'present')], { approved: true })).toEqual({ steps: [], warnings: [], approval: 'approved', terminal: false });
  });

  it("replaces an expired secret of the project's own scope in that scope", () => {
    const own = needed('own', 'expired');
    own.stored = { ...(own.stored as SecretMeta), scope: '/p' };
    expect(shape({ kind: 'terminal' }, [own]).steps).toEqual(['own<-prompt (project)']);
  });

  it('a value from the file is the one stored', () => {
    const plan = planOnboard({ inspection: inspection([needed('a', 'missing')]), source: file({ A: 'the-value-1' }), yes: false, project: false });
    expect(plan.steps[0]).toMatchObject({ from: 'file', value: 'the-value-1' });
  });
});

describe('readiness and rendering', () => {
  it.each<[SecretState[], boolean, boolean]>([
    [[], true, true],
    [['present', 'expiring'], true, true],
    [['present', 'missing'], true, false],
    [['expired'], true, false],
    [['present'], false, false],
  ])('states %j, approved %j: ready %j', (states, approved, ready) => {
    const rows = inspection(states.map((s, i) => needed(`s${i}`, s)), approved).needed.map(rowFor);
    expect(isReady(rows, approved)).toBe(ready);
  });

  it('a row takes the manifest metadata first, the stored secret second', () => {
    const s = needed('x', 'expiring', { owner: 'team-a' });
    s.stored = { ...(s.stored as SecretMeta), owner: 'stored-owner', description: 'stored-desc' };
    expect(rowFor(s)).toMatchObject({ status: 'expiring', owner: 'team-a', description: 'stored-desc', scope: 'global', expiresAt: new Date(NOW + 3600_000).toISOString() });
  });

  it('not ready names what is missing and expired with whom to ask, and the approval', () => {
    const r = notReady(inspection([needed('m', 'missing', { owner: 'payments', docs: 'https://wiki/m' }), needed('e', 'expired'), needed('p', 'present')], false, true));
    expect(r.lines).toEqual(['agent: missing: m (owner payments, docs https://wiki/m)', 'agent: expired: e']);
    expect(r.message).toBe('not ready: 1 missing, 1 expired, /p/agent.env changed since it was approved');
  });

  it('the summary says what is still needed and what to run, and ready when it is', () => {
    const waiting = inspection([needed('m', 'missing')]);
    const plan = planOnboard({ inspection: waiting, source: { kind: 'none' }, yes: false, project: false });
    expect(renderSummary(plan, { kind: 'none' }, { stored: [], inspection: waiting }).split('\n')).toEqual([
      '',
      'agent: 0 stored, 0 of 1 needed secret present, /p/agent.env not approved',
      'agent: still missing: m',
      'agent: the manifest was not approved: no terminal to ask on; review it and run agent allow /p/agent.env, or rerun with --yes',
      'agent: hint: no terminal to ask for values on: run agent onboard --from-env-file FILE, or set each with agent set NAME',
      '',
    ]);
    const done = inspection([needed('m', 'present')], true);
    expect(renderSummary(plan, { kind: 'none' }, { stored: ['m'], inspection: done })).toContain('agent: ready: run commands with agent exec -- <command>');
    expect(onboardResult(done, ['m'])).toMatchObject({ manifest: '/p/agent.env', approved: true, ready: true, stored: ['m'] });
  });
});
