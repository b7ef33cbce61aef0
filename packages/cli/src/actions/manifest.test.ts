import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { confirm } from './manifest.js';

function terminal(isTTY = true) {
  const stdin = Object.assign(new PassThrough(), { isTTY });
  const stderr = new PassThrough();
  let said = '';
  stderr.on('data', (b: Buffer) => (said += b.toString()));
  return { deps: { stdin, stderr }, stdin, said: () => said };
}

describe('confirm', () => {
  it.each([
    ['y\n', true],
    ['YES\r\n', true],
    [' y \n', true],
    ['n\n', false],
    ['\n', false],
    ['yep\n', false],
  ])('answer %j -> %s', async (answer, expected) => {
    const t = terminal();
    const result = confirm(t.deps, 'run with it?');
    t.stdin.write(answer);
    expect(await result).toBe(expected);
    // In raw mode the prompter echoes the answer itself, one line ending in a newline.
    expect(t.said()).toBe(`run with it? [y/N] ${answer.replace(/\r?\n$/, '')}\n`);
  });

  it('is no at the end of input', async () => {
    const t = terminal();
    const result = confirm(t.deps, 'q?');
    t.stdin.end();
    expect(await result).toBe(false);
  });

  it('asks nothing and says no without a terminal', async () => {
    const t = terminal(false);
    expect(await confirm(t.deps, 'q?')).toBe(false);
    expect(t.said()).toBe('');
  });
});
