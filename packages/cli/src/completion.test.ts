import { describe, expect, it } from 'vitest';
import { completionScript, planCompletion, type CompletableCommand } from './completion.js';

const COMMANDS: CompletableCommand[] = [
  { id: 'set', flags: [{ name: 'ttl', takesValue: true }, { name: 'project', takesValue: false }, { name: 'mint', takesValue: true }] },
  { id: 'get', flags: [] },
  { id: 'exec', flags: [{ name: 'env-file', char: 'f', takesValue: true }, { name: 'mask', takesValue: false }] },
  { id: 'revoke', flags: [] },
  { id: 'daemon start', flags: [{ name: 'foreground', takesValue: false }] },
  { id: 'daemon status', flags: [{ name: 'json', takesValue: false }] },
  { id: 'temp random', flags: [{ name: 'encoding', takesValue: true, options: ['hex', 'base64url'] }] },
];

describe('planCompletion', () => {
  it.each([
    [[''], ['daemon', 'exec', 'get', 'revoke', 'set', 'temp']],
    [['d'], ['daemon']],
    [['daemon', ''], ['start', 'status']],
    [['daemon', 'st'], ['start', 'status']],
    [['daemon', 'status', '--'], ['--help', '--json']],
    [['set', '--t'], ['--ttl']],
    [['exec', '-f', ''], []],
    [['temp', 'random', '--encoding', ''], ['hex', 'base64url']],
    [['temp', 'random', '--encoding', 'h'], ['hex']],
    [['exec', '--', 'np'], []],
    [['get', 'name', ''], []],
  ])('%j gives %j', (words, want) => {
    expect(planCompletion(COMMANDS, words).candidates).toEqual(want);
  });

  it.each([
    [['get', ''], 'secret', ''],
    [['get', 'stri'], 'secret', 'stri'],
    [['set', '--ttl', '8h', 'db'], 'secret', 'db'],
    [['set', '--project', ''], 'secret', ''],
    [['revoke', ''], 'lease', ''],
  ])('%j asks the daemon for %s names after %j', (words, kind, prefix) => {
    const plan = planCompletion(COMMANDS, words);
    expect(plan.names).toBe(kind);
    expect(plan.prefix).toBe(prefix);
  });

  it('asks for no names once the argument is given', () => {
    expect(planCompletion(COMMANDS, ['get', 'stripe', '']).names).toBeUndefined();
    expect(planCompletion(COMMANDS, ['exec', '']).names).toBeUndefined();
  });
});

describe('completionScript', () => {
  it.each(['bash', 'zsh', 'fish'] as const)('%s calls agent __complete with the words typed', (shell) => {
    expect(completionScript(shell, 'agent')).toContain('agent __complete --');
  });
});
