// `latchkey-daemon --ready-fd=N`: the daemon tells whoever started it that it serves by a line on a pipe it
// inherits (what auto-start waits for instead of polling the socket), and closes the pipe without that line
// when it does not serve.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentConnection } from '@latchkey/client';
import { DAEMON, makeWorld } from '@latchkey/test-utils';

/** Spawns the daemon with a ready pipe on fd 3; `said` resolves with what came on it once it ended. */
function startWithReadyPipe(env: Record<string, string>) {
  const child = spawn(process.execPath, [DAEMON, '--foreground', '--ready-fd=3'], { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const pipe = child.stdio[3] as Readable;
  let text = '';
  const firstLine = new Promise<string>((resolve) => {
    pipe.on('data', (b: Buffer) => {
      text += b.toString();
      if (text.includes('\n')) resolve(text);
    });
    pipe.once('end', () => resolve(text));
  });
  const ended = new Promise<string>((resolve) => pipe.once('end', () => resolve(text)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, firstLine, ended, exited, stderr: () => stderr };
}

describe('the daemon ready pipe', () => {
  const world = makeWorld();
  afterAll(() => world.cleanup());

  it('says ready once the daemon serves (the first call answers), then closes the pipe; a daemon that cannot start closes it unsaid', async () => {
    const first = startWithReadyPipe(world.env);
    expect(await first.firstLine, first.stderr()).toBe('ready\n');
    // Serving at that moment: one Status call, no retry, answers.
    const conn = new AgentConnection(world.socket);
    try {
      expect((await conn.status(5000)).pid).toBe(first.child.pid);
    } finally {
      conn.close();
    }
    // The pipe is closed by the daemon, which keeps running.
    expect(await first.ended).toBe('ready\n');
    expect(first.child.exitCode).toBe(null);

    // A second daemon finds the lock taken: it exits, and its pipe ends without the line.
    const second = startWithReadyPipe(world.env);
    expect(await second.ended).toBe('');
    expect(await second.exited).not.toBe(0);
    expect(second.stderr()).toContain('a daemon is already running');

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  it('refuses a ready descriptor that is not a number of 3 or more', async () => {
    const child = spawn(process.execPath, [DAEMON, '--foreground', '--ready-fd=1'], { env: world.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(65);
    expect(stderr).toContain('--ready-fd takes a descriptor number of 3 or more');
  });
});
