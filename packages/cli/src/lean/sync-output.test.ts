import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('../../dist/lean/sync-output.js', import.meta.url));

/**
 * Runs `body` in a node child with SyncOutput imported and stdout piped; with `closeFirst`, the pipe's read
 * end is closed before the child is told (a byte on its stdin) to go on; with `readAfter`, its stdout is
 * read only once its stderr holds that text. Resolves with its output and code.
 */
function child(body: string, closeFirst = false, readAfter?: string): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const script = `import { readSync } from 'node:fs';\nimport { SyncOutput } from ${JSON.stringify(MODULE)};\n${body}`;
  const c = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let stderr = '';
  const read = () => c.stdout.on('data', (b: Buffer) => out.push(b));
  c.stderr.on('data', (b: Buffer) => {
    const before = stderr;
    stderr += b.toString();
    if (readAfter !== undefined && !before.includes(readAfter) && stderr.includes(readAfter)) read();
  });
  if (closeFirst) {
    c.stdout.once('close', () => c.stdin.end('go'));
    c.stdout.destroy();
  } else {
    if (readAfter === undefined) read();
    c.stdin.end('go');
  }
  return new Promise((resolve) => c.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr })));
}

const pattern = (n: number) => Buffer.alloc(n).map((_, i) => (i * 31 + 7) & 0xff);

describe('SyncOutput', () => {
  it('writes all of a value far larger than a pipe holds, byte-exact, when the pipe is non-blocking (EAGAIN: the rest through the stream)', async () => {
    // Opening process.stdout makes the pipe non-blocking (libuv): writeSync meets EAGAIN once it is full.
    // Nothing reads the pipe until write() has returned, so it is full then, whatever the scheduling.
    const r = await child(`
      readSync(0, Buffer.alloc(2));
      const value = Buffer.alloc(1 << 20).map((_, i) => (i * 31 + 7) & 0xff);
      process.stdout;
      const o = new SyncOutput(1);
      o.write(value, () => process.stderr.write(o.stream ? 'streamed' : 'sync only'));
      process.stderr.write('returned ');
    `, false, 'returned');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('returned streamed');
    expect(r.stdout.equals(pattern(1 << 20))).toBe(true);
  });

  it('writes synchronously into a blocking pipe, never opening the stream', async () => {
    const r = await child(`
      readSync(0, Buffer.alloc(2));
      const o = new SyncOutput(1);
      o.write(Buffer.alloc(300000).map((_, i) => (i * 31 + 7) & 0xff), () => process.stderr.write(o.stream ? 'streamed' : 'sync only'));
    `);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('sync only');
    expect(r.stdout.equals(pattern(300000))).toBe(true);
  });

  it('ends quietly when the reader has gone (EPIPE): no error, every callback called', async () => {
    const r = await child(
      `
      readSync(0, Buffer.alloc(2));
      const o = new SyncOutput(1);
      let called = 0;
      for (let i = 0; i < 4; i++) o.write('a value nobody reads\\n', () => called++);
      process.stderr.write('callbacks ' + called);
    `,
      true,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('callbacks 4');
  });
});
