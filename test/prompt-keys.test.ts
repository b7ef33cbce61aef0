// The one prompter under a real pseudo-terminal (issue 8, item 7): keys a person presses while typing a
// hidden value (arrows, Home/End, a bracketed paste, Ctrl-U) store no escape bytes, checked in the real
// keychain with secret-tool and through `agent get`; Ctrl-C exits 130 at every prompt.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { keychainLookup, labTest, onTerminal as onTerminalOf, type Keyring, type Result, type World } from '@latchkey/test-utils';

const test = labTest();
let keyring: Keyring;
let world: World;
test.beforeAll(({ keyring: k, world: w, daemon }) => {
  void daemon; // started before the first prompt
  keyring = k!;
  world = w;
});

/** Runs the CLI on a pty, typing each answer once its prompt has shown. */
const onTerminal = (args: string[], steps: Array<[string, string]>, cwd = world.home): Promise<Result> => onTerminalOf(world, args, steps, { cwd });

/** The value the keychain item of a global secret holds, read with secret-tool. */
async function keychainValue(name: string): Promise<string | undefined> {
  const raw = await keychainLookup(keyring, world.service, `global:${name}`);
  return raw === undefined ? undefined : (JSON.parse(raw) as { value: string }).value;
}

describe('the hidden prompt on a real terminal', { timeout: 90_000 }, () => {
  test('Left, Right, Home, End, a bracketed paste and Ctrl-U while typing store no escape bytes', async () => {
    // wrong, Ctrl-U; "ab", Left, "c", Home (CSI), End (SS3), Ctrl-Left; a paste of "d" in its markers; Enter.
    const keys = 'wrong\x15ab\x1b[Dc\x1b[H\x1bOF\x1b[1;5D\x1b[200~d\x1b[201~\r';
    const r = await onTerminal(['set', 'typed-keys', '--ttl', '1h'], [['value for typed-keys \\(hidden\\): ', keys]]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('agent: stored typed-keys');
    expect(r.stdout).not.toContain('abcd'); // hidden: not echoed
    expect(await keychainValue('typed-keys')).toBe('abcd');
    const get = await world.agent(['get', 'typed-keys']);
    expect(get.stdoutBytes.equals(Buffer.from('abcd')), JSON.stringify(get.stdout)).toBe(true);
  });

  test('Ctrl-C at the value prompt exits 130 and stores nothing', async () => {
    const r = await onTerminal(['set', 'never-stored', '--ttl', '1h'], [['value for never-stored \\(hidden\\): ', 'half\x03']]);
    expect(r.code, r.stdout).toBe(130);
    expect(r.stdout).toContain('agent: error: cancelled');
    expect(await keychainValue('never-stored')).toBeUndefined();
  });

  test('Ctrl-C at the approval question of agent exec exits 130 and runs nothing', async () => {
    const dir = join(world.dir, 'approve-project');
    mkdirSync(dir);
    writeFileSync(join(dir, 'agent.env'), 'MODE=test\n');
    const marker = join(world.dir, 'ran');
    const r = await onTerminal(['exec', '--', 'touch', marker], [['allow \\S+agent\\.env\\? \\[y/N\\] ', 'y\x03']], dir);
    expect(r.code, r.stdout).toBe(130);
    expect(existsSync(marker)).toBe(false);
  });
});
