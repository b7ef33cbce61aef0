import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chooseNativeBinding,
  isDumpable,
  nativeBinding,
  peerCredentials,
  socketFd,
  trimMalloc,
  tryLockExclusive,
} from './native.js';

const linux = process.platform === 'linux';
const here = dirname(fileURLToPath(import.meta.url));
const koffiPath = createRequire(join(here, '..', 'package.json')).resolve('koffi');
const moduleName = `latchkey-libc-${process.platform}-${process.arch}.node`;
/** Where `pnpm build` (scripts/build-native.mjs) puts the daemon's Node-API module. */
const builtModule = join(here, '..', 'dist', 'native', moduleName);

let dir: string;
let nativeUrl: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'latchkey-native-'));
  // Children run the real modules: native.ts and its koffi loader (koffi.ts) transpiled to plain ESM in
  // the temp folder, the loader resolving koffi from the daemon's package as it does when built.
  const transpile = (name: string) =>
    ts.transpileModule(readFileSync(join(here, name), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
  const loader = transpile('koffi.ts');
  if (!loader.includes('createRequire(import.meta.url)')) throw new Error('koffi.ts no longer resolves koffi with createRequire(import.meta.url)');
  writeFileSync(join(dir, 'koffi.mjs'), loader.replace('createRequire(import.meta.url)', `createRequire(${JSON.stringify(koffiPath)})`));
  const native = transpile('native.ts');
  if (!native.includes("from './koffi.js'")) throw new Error("native.ts no longer imports koffi through './koffi.js'");
  const file = join(dir, 'native.mjs');
  writeFileSync(file, native.replace("from './koffi.js'", "from './koffi.mjs'"));
  nativeUrl = pathToFileURL(file).href;
  // native.ts finds the Node-API module in native/ beside itself, as the built daemon does.
  if (linux) {
    mkdirSync(join(dir, 'native'));
    copyFileSync(builtModule, join(dir, 'native', moduleName));
  }
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let binding: 'any' | 'koffi' = 'any';

/** The module's import and, for the koffi runs, the choice of koffi: the start of every child's script. */
const prelude = (): string =>
  `import * as native from ${JSON.stringify(nativeUrl)};\n` + (binding === 'koffi' ? `native.chooseNativeBinding('koffi');\n` : '');

/** Runs an ESM snippet in a fresh node process, with `native` bound to the module under test. */
function runChild(body: string): { status: number | null; stdout: string; stderr: string } {
  const script = `${prelude()}${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.runIf(linux)('native: the binding', () => {
  it('is the Node-API module that the build put in dist/native, and koffi when asked', () => {
    expect(existsSync(builtModule)).toBe(true);
    expect(nativeBinding()).toBe('native');
    chooseNativeBinding('koffi');
    try {
      expect(nativeBinding()).toBe('koffi');
    } finally {
      chooseNativeBinding('any');
    }
  });

  it('makes every call of a start without loading koffi into the process', () => {
    const child = runChild(
      `import fs from 'node:fs';\n` +
        `native.setNotDumpable(); native.disableCoreDumps(); native.raiseFileLimit(); native.trimMalloc();\n` +
        `native.tryLockExclusive(fs.openSync('/proc/self/status', 'r'));\n` +
        `const maps = fs.readFileSync('/proc/self/maps', 'utf8');\n` +
        `console.log(JSON.stringify({ binding: native.nativeBinding(), koffi: maps.includes('koffi'), module: maps.includes(${JSON.stringify(moduleName)}) }));`,
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ binding: 'native', koffi: false, module: true });
  });
});

describe.runIf(linux).each(['native', 'koffi'] as const)('native (linux, through %s)', (which) => {
  beforeAll(() => {
    binding = which === 'koffi' ? 'koffi' : 'any';
    chooseNativeBinding(binding);
    expect(nativeBinding()).toBe(which);
  });
  afterAll(() => {
    binding = 'any';
    chooseNativeBinding('any');
  });

  it('peerCredentials of an accepted Unix socket names this process', async () => {
    const path = join(dir, 'peer.sock');
    const server = net.createServer();
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const client = net.connect(path);
    try {
      const socket = await accepted;
      const creds = peerCredentials(socketFd(socket));
      expect(creds).toEqual({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
      socket.destroy();
    } finally {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('peerCredentials throws with the errno on a bad fd or a non-socket', () => {
    expect(() => peerCredentials(-1)).toThrow(/EBADF/);
    const fd = openSync(join(dir, 'plain'), 'w');
    try {
      expect(() => peerCredentials(fd)).toThrow(/ENOTSOCK/);
    } finally {
      closeSync(fd);
    }
  });

  it('socketFd throws for a socket without a handle', () => {
    expect(() => socketFd(new net.Socket())).toThrow(/file descriptor/);
  });

  it('tryLockExclusive: taken here, refused to another open file and to another process', async () => {
    const lockPath = join(dir, 'lock');
    writeFileSync(lockPath, '');
    const fd = openSync(lockPath, 'r+');
    try {
      expect(tryLockExclusive(fd)).toBe(true);
      expect(tryLockExclusive(fd)).toBe(true); // same open file description: re-entrant
      const other = openSync(lockPath, 'r+');
      try {
        expect(tryLockExclusive(other)).toBe(false);
      } finally {
        closeSync(other);
      }
      const child = runChild(
        `import fs from 'node:fs';\n` +
          `const fd = fs.openSync(${JSON.stringify(lockPath)}, 'r+');\n` +
          `console.log(JSON.stringify(native.tryLockExclusive(fd)));`,
      );
      expect(child.stderr).toBe('');
      expect(child.stdout.trim()).toBe('false');
    } finally {
      closeSync(fd); // releases the lock
    }

    // The other way round: a child holds the lock until its stdin closes.
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        prelude() +
          `import fs from 'node:fs';\n` +
          `const fd = fs.openSync(${JSON.stringify(lockPath)}, 'r+');\n` +
          `console.log(native.tryLockExclusive(fd) ? 'locked' : 'busy');\n` +
          `process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    try {
      const first = await new Promise<string>((resolve, reject) => {
        holder.stdout.once('data', (b: Buffer) => resolve(b.toString().trim()));
        holder.once('error', reject);
      });
      expect(first).toBe('locked');
      const fd2 = openSync(lockPath, 'r+');
      try {
        expect(tryLockExclusive(fd2)).toBe(false);
        holder.stdin.end();
        await exited;
        expect(tryLockExclusive(fd2)).toBe(true);
      } finally {
        closeSync(fd2);
      }
    } finally {
      holder.kill();
    }
  });

  it('tryLockExclusive throws on a bad fd', () => {
    expect(() => tryLockExclusive(-1)).toThrow(/EBADF/);
  });

  it('setNotDumpable clears the dumpable flag (checked in a child)', () => {
    const child = runChild(
      `import fs from 'node:fs';\n` +
        `const before = native.isDumpable();\n` +
        `native.setNotDumpable();\n` +
        `const after = native.isDumpable();\n` +
        // /proc/self/* of a non-dumpable process is owned by root; the status file stays readable.
        `const st = fs.statSync('/proc/self/environ');\n` +
        `console.log(JSON.stringify({ before, after, environUid: st.uid }));`,
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ before: true, after: false, environUid: 0 });
    expect(isDumpable()).toBe(true); // the test runner itself is untouched
  });

  it('disableCoreDumps sets RLIMIT_CORE to 0/0 (checked in a child)', () => {
    const child = runChild(
      `import fs from 'node:fs';\n` +
        `native.disableCoreDumps();\n` +
        `const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\\n').find((l) => l.startsWith('Max core file size'));\n` +
        `console.log(line);`,
    );
    expect(child.stderr).toBe('');
    expect(child.stdout).toMatch(/^Max core file size\s+0\s+0\s+bytes/);
  });

  it('raiseFileLimit lifts the soft limit on open files to the hard one (checked in a child lowered to 256)', () => {
    // Node raises the soft limit to the hard one as it starts, so the child lowers its own with prlimit.
    const child = runChild(
      `import fs from 'node:fs';\n` +
        `import { execFileSync } from 'node:child_process';\n` +
        `execFileSync('prlimit', ['--pid', String(process.pid), '--nofile=256:']);\n` +
        `const limits = () => fs.readFileSync('/proc/self/limits', 'utf8').split('\\n').find((l) => l.startsWith('Max open files')).split(/\\s+/).slice(3, 5).map(Number);\n` +
        `const before = limits();\n` +
        `const now = native.raiseFileLimit();\n` +
        `console.log(JSON.stringify({ before, after: limits(), now, again: native.raiseFileLimit() }));`,
    );
    expect(child.stderr).toBe('');
    const { before, after, now, again } = JSON.parse(child.stdout) as { before: number[]; after: number[]; now: number; again: number };
    expect(before[0]).toBe(256);
    expect(before[1]).toBeGreaterThan(256);
    expect(after).toEqual([before[1], before[1]]);
    expect(now).toBe(before[1]);
    expect(again).toBe(before[1]);
  });

  it('trimMalloc runs glibc malloc_trim', () => {
    expect(trimMalloc()).toBe(true);
  });
});

describe.runIf(!linux)('native (other platforms)', () => {
  it('peerCredentials refuses with a clear error', () => {
    expect(() => peerCredentials(0)).toThrow(/unsupported platform/);
  });
});
