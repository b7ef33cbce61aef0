import { describe, expect, it } from 'vitest';
import { inputError, unavailableError, type SecretMeta } from '@latchkey/core';
import type { ManifestInspection, NeededSecretInfo, PutSecretInput } from '@latchkey/client';
import { Cancelled } from '../terminal-input.js';
import { applyOnboard, type OnboardWorld, type Prompter } from './onboard.js';
import { planOnboard } from './onboard-plan.js';

const NOW = 1_900_000_000_000;
const need = (name: string): NeededSecretInfo => ({ name, variables: [name.toUpperCase()], signerFor: [], owner: 'team', description: 'd', docs: '', maxTtlSeconds: 3600, state: 'missing', stored: undefined });
const INSPECTION: ManifestInspection = { path: '/p/agent.env', realPath: '/p/agent.env', sha256: 'cafe', approved: false, changed: false, entries: [], needed: [need('a'), need('b'), need('c')], projectRoot: '/p', refusedVariables: [] };

/** A fake daemon and terminal recording every call; `answers` are typed at the hidden prompts in turn. */
function world(answers: Array<string | 'ctrl-c'>, confirm: boolean, refuse: Record<string, Error> = {}) {
  const puts: PutSecretInput[] = [];
  const allowed: Array<[string, string]> = [];
  const said: string[] = [];
  let closed = 0;
  const prompter: Prompter = {
    say: (t) => void said.push(t),
    hidden: async () => {
      const next = answers.shift();
      if (next === 'ctrl-c') throw new Cancelled();
      return Buffer.from(next ?? '');
    },
    confirm: async () => confirm,
    close: () => void closed++,
  };
  const w: OnboardWorld = {
    prompter,
    clock: () => NOW,
    progress: (line) => void said.push(line),
    agent: {
      putSecret: async (input: PutSecretInput): Promise<SecretMeta> => {
        const err = refuse[input.name];
        if (err) throw err;
        puts.push(input);
        return { name: input.name, scope: 'global', owner: '', description: '', createdAt: NOW, expiresAt: NOW + 3600_000, source: 'onboard' };
      },
      allowManifest: async (path: string, sha256: string) => {
        allowed.push([path, sha256]);
        return { ...INSPECTION, approved: true };
      },
      inspectManifest: async () => ({ ...INSPECTION, approved: allowed.length > 0 }),
    } as unknown as OnboardWorld['agent'],
  };
  return { w, puts, allowed, said, closed: () => closed };
}

const plan = () => planOnboard({ inspection: INSPECTION, source: { kind: 'terminal' }, yes: false, project: false });

describe('applyOnboard', () => {
  it("stores what is typed with the manifest's max_ttl and metadata, skips an empty answer, approves the content it was shown", async () => {
    const t = world(['value-a-123', '', 'value-c-123'], true);
    const applied = await applyOnboard(plan(), INSPECTION, [], t.w);
    expect(applied).toMatchObject({ stored: ['a', 'c'], cancelled: false, inspection: { approved: true } });
    expect(t.puts.map((p) => [p.name, p.ttlSeconds, p.owner, p.source, p.cwd])).toEqual([
      ['a', 3600, 'team', 'onboard', '/p'],
      ['c', 3600, 'team', 'onboard', '/p'],
    ]);
    expect(t.allowed).toEqual([['/p/agent.env', 'cafe']]);
    expect(t.said).toContain('agent: skipped b');
    expect(t.said.join('')).not.toContain('value-a-123');
    expect(t.closed()).toBe(1);
  });

  it('a value the daemon refuses is reported and the rest go on; a daemon that is unavailable stops it', async () => {
    const t = world(['value-a-123', 'value-b-123', 'value-c-123'], false, { b: inputError('ttl 1h is over the maximum') });
    const applied = await applyOnboard(plan(), INSPECTION, [], t.w);
    expect(applied.stored).toEqual(['a', 'c']);
    expect(t.said).toContain('agent: warning: b was not stored: ttl 1h is over the maximum');
    expect(t.allowed).toEqual([]); // declined at the question

    const down = world(['value-a-123'], true, { a: unavailableError('the daemon stopped') });
    await expect(applyOnboard(plan(), INSPECTION, [], down.w)).rejects.toThrow('the daemon stopped');
    expect(down.closed()).toBe(1);
  });

  it('Ctrl-C at a prompt ends it as cancelled, keeping what was stored before, approving nothing', async () => {
    const t = world(['value-a-123', 'ctrl-c'], true);
    const applied = await applyOnboard(plan(), INSPECTION, [], t.w);
    expect(applied).toMatchObject({ stored: ['a'], cancelled: true });
    expect(t.allowed).toEqual([]);
    expect(t.closed()).toBe(1);
  });
});
