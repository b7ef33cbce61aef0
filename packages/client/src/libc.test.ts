// The Node-API libc module (native/libc.c, built by `pnpm build`) as libc.ts loads it: its calls answer as
// libc does, errno included, and refuse arguments of the wrong type with EINVAL without making the call;
// libc.ts uses it where the build made it, and koffi when asked.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATIVE_BUILT } from '@latchkey/test-utils/native';
import type { NativeLibc } from './libc.js';

const MODULE = fileURLToPath(new URL(`../dist/native/latchkey-libc-${process.platform}-${process.arch}.node`, import.meta.url));
const LIBC = fileURLToPath(new URL('../dist/libc.js', import.meta.url));

type Native = NativeLibc;

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const POLLIN = 1;
const ENOENT = 2;
const EBADF = 9;
const EINVAL = 22;
const ENAMETOOLONG = 36;

describe.runIf(NATIVE_BUILT)('the Node-API libc module', () => {
  let native: Native;
  let dir: string;
  let server: Server;
  let sock: string;
  beforeAll(async () => {
    const module = { exports: {} as Native };
    process.dlopen(module, MODULE);
    native = module.exports;
    dir = mkdtempSync(join(tmpdir(), 'lk-libc-'));
    sock = join(dir, 'echo.sock');
    server = createServer((c) => c.on('data', (d) => c.write(Buffer.from(d.toString('latin1').toUpperCase(), 'latin1'))));
    await new Promise<void>((r) => server.listen(sock, r));
  });
  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects, sends, polls and reads on a Unix socket as libc does', async () => {
    const fd = native.socket(AF_UNIX, SOCK_STREAM, 0);
    expect(fd).toBeGreaterThan(2);
    try {
      // The server lives in this process: the blocking calls wait for it on a later turn.
      expect(native.connectUnix(fd, sock)).toBe(0);
      const out = Buffer.from('hello');
      // At most the array's length is sent, whatever length is asked.
      expect(native.send(fd, out, 99, 0)).toBe(5);
      let ready = 0;
      while (ready === 0) {
        await new Promise((r) => setTimeout(r, 5));
        ready = native.poll1(fd, POLLIN, 0);
      }
      expect(ready).toBe(1);
      const into = Buffer.alloc(16);
      expect(native.read(fd, into.subarray(4), 3)).toBe(3);
      expect(into.subarray(4, 7).toString()).toBe('HEL');
      expect(native.read(fd, into, 16)).toBe(2);
      expect(into.subarray(0, 2).toString()).toBe('LO');
      // Nothing more to read: poll waits out its timeout.
      expect(native.poll1(fd, POLLIN, 20)).toBe(0);
    } finally {
      expect(native.close(fd)).toBe(0);
    }
  });

  it('keeps each failed call errno: a missing socket, a path sun_path cannot hold, a closed fd', () => {
    const fd = native.socket(AF_UNIX, SOCK_STREAM, 0);
    try {
      expect(native.connectUnix(fd, join(dir, 'missing.sock'))).toBe(-1);
      expect(native.errno()).toBe(ENOENT);
      expect(native.connectUnix(fd, join(dir, 'x'.repeat(120)))).toBe(-1);
      expect(native.errno()).toBe(ENAMETOOLONG);
    } finally {
      native.close(fd);
    }
    expect(native.close(fd)).toBe(-1);
    expect(native.errno()).toBe(EBADF);
    expect(native.read(fd, Buffer.alloc(1), 1)).toBe(-1);
    expect(native.errno()).toBe(EBADF);
  });

  it('refuses arguments of the wrong type with EINVAL, making no call', () => {
    const bad: [string, () => number][] = [
      ['socket without arguments', () => (native.socket as () => number)()],
      ['connectUnix to a number', () => native.connectUnix(0, 5 as unknown as string)],
      ['send of a string', () => native.send(1, 'text' as unknown as Uint8Array, 4, 0)],
      ['send of an Int32Array', () => native.send(1, new Int32Array(2) as unknown as Uint8Array, 4, 0)],
      ['read into a negative length', () => native.read(0, Buffer.alloc(4), -1)],
      ['fcntl of a string fd', () => native.fcntl('1' as unknown as number, 1, 0)],
    ];
    for (const [what, call] of bad) {
      expect(call(), what).toBe(-1);
      expect(native.errno(), what).toBe(EINVAL);
    }
  });

  it('answers isatty, fcntl and getrlimit', () => {
    const fd = native.socket(AF_UNIX, SOCK_STREAM, 0);
    expect(native.isatty(fd)).toBe(0);
    native.close(fd);
    expect(native.fcntl(0, 1, 0)).toBeGreaterThanOrEqual(0); // F_GETFD
    const core = native.softLimit(4); // RLIMIT_CORE
    expect(core === Infinity || core >= 0).toBe(true);
    expect(native.version()).toBe(2);
  });

  it('is what libc.ts uses, and koffi when asked', async () => {
    const libc = (await import(LIBC)) as typeof import('./libc.js');
    expect(libc.libcBinding()).toBe('native');
    libc.chooseLibcBinding('koffi');
    expect(libc.libcBinding()).toBe('koffi');
    expect(libc.libcSockets()?.isatty(0)).toBeTypeOf('number');
    libc.chooseLibcBinding('any');
    expect(libc.libcBinding()).toBe('native');
  });
});
