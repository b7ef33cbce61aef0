import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Cancelled, TerminalInput } from './terminal-input.js';

/** A fake terminal (typed chunks arrive as 'data' events; raw mode changes are recorded) and a TerminalInput reading it. */
function fakeTerminal() {
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    modes: [] as boolean[],
    setRawMode(mode: boolean) {
      stdin.modes.push(mode);
      return stdin;
    },
    pause() {
      return stdin;
    },
    resume() {
      return stdin;
    },
  });
  const stderr = new PassThrough();
  let shown = '';
  stderr.on('data', (b: Buffer) => (shown += b.toString()));
  const input = new TerminalInput(stdin as never, stderr);
  return { stdin, stderr, input, type: (s: string) => stdin.emit('data', Buffer.from(s)), shown: () => shown };
}

describe('TerminalInput', () => {
  it('keeps what was pasted ahead for the next questions instead of dropping it', async () => {
    const t = fakeTerminal();
    const { input } = t;
    const first = input.hidden('one: ');
    t.type('alpha\rbeta\r\ny\n');
    expect((await first).toString()).toBe('alpha');
    expect((await input.hidden('two: ')).toString()).toBe('beta');
    expect(await input.confirm('ok?')).toBe(true);
    input.close();
    expect(t.shown()).not.toContain('alpha');
    expect(t.shown()).toContain('one: ');
    // Raw mode for each question (the yes/no too, so Ctrl-C cancels there as well), off after each.
    expect(t.stdin.modes).toEqual([true, false, true, false, true, false, false]);
  });

  it('erases with backspace (a whole UTF-8 character), ends at Ctrl-D, and cancels at Ctrl-C', async () => {
    const t = fakeTerminal();
    const { input } = t;
    const a = input.hidden('v: ');
    t.type('ké\x7f\x7fab\x04');
    expect((await a).toString()).toBe('ab');
    const b = input.hidden('v: ');
    t.type('x\x03');
    await expect(b).rejects.toBeInstanceOf(Cancelled);
    input.close();
    expect(t.stdin.modes.at(-1)).toBe(false);
  });

  it('answers no to anything but y or yes, and to the end of input', async () => {
    const t = fakeTerminal();
    const { input } = t;
    const a = input.confirm('q?');
    t.type('yep\n');
    expect(await a).toBe(false);
    const b = input.confirm('q?');
    t.stdin.emit('end');
    expect(await b).toBe(false);
    input.close();
  });

  it('echoes a yes/no answer without escape bytes, and Ctrl-C there cancels (exit 130)', async () => {
    const t = fakeTerminal();
    const { input } = t;
    const a = input.confirm('q?');
    t.type('n\x7fy\x1b[De\x1bOHs\r');
    expect(await a).toBe(true);
    expect(t.shown()).not.toContain('\x1b');
    const b = input.confirm('q?');
    t.type('\x03');
    await expect(b).rejects.toMatchObject({ exitCode: 130 });
    input.close();
  });
});
