// nativeExecve of the built module, in a process of its own, with each libc binding (the Node-API module
// where the build made it, and koffi): the command replaces the process (same pid) with the environment
// given, the signals Node ignores back to their default action and stdout blocking again; a failure
// returns its errno with the process still running.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NATIVE_BUILT } from '@latchkey/test-utils/native';

const EXECVE = fileURLToPath(new URL('../../dist/exec/native-execve.js', import.meta.url));
const LIBC = fileURLToPath(new URL('../../../client/dist/libc.js', import.meta.url));

function run(binding: 'any' | 'koffi', file: string, argv: string[]) {
  const script = `
    const libc = await import(${JSON.stringify(LIBC)});
    libc.chooseLibcBinding(${JSON.stringify(binding)});
    const { nativeExecve } = await import(${JSON.stringify(EXECVE)});
    // Opening stdout's stream sets O_NONBLOCK on the pipe (libuv), which the command would share.
    process.stdout.write(JSON.stringify({ pid: process.pid, binding: libc.libcBinding() }) + '\\n');
    const before = () => process.stdout.write(JSON.stringify({ before: process.pid }) + '\\n');
    const errno = nativeExecve(${JSON.stringify(file)}, ${JSON.stringify(argv)}, { LK_WORD: 'a b\\tc', PATH: '/usr/bin:/bin' }, before);
    process.stdout.write(JSON.stringify({ returned: errno }) + '\\n');
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const [head, before, ...rest] = r.stdout.split('\n');
  // beforeExec ran in the agent's process, after everything else and just before the execve.
  expect(JSON.parse(before ?? '')).toEqual({ before: JSON.parse(head ?? '').pid });
  return { status: r.status, head: JSON.parse(head ?? '') as { pid: number; binding: string }, rest: rest.join('\n') };
}

describe.runIf(process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64'))('nativeExecve', () => {
  for (const binding of ['any', 'koffi'] as const) {
    it(`replaces the process as spawn would start the command (binding ${binding})`, () => {
      const probe = 'echo "pid=$$"; grep "^SigIgn" /proc/self/status; grep "^flags" /proc/self/fdinfo/1; echo "word=$LK_WORD"; echo "vars=$(env | cut -d= -f1 | sort | tr "\\n" " ")"';
      const r = run(binding, '/bin/sh', ['sh', '-c', probe]);
      expect(r.status).toBe(0);
      expect(r.head.binding).toBe(binding === 'any' && NATIVE_BUILT ? 'native' : 'koffi');
      const lines = Object.fromEntries(r.rest.trim().split('\n').map((l) => l.split(/[=:]\s*/, 2) as [string, string]));
      expect(Number(lines.pid)).toBe(r.head.pid);
      // No ignored signal among SIGPIPE (13) and SIGXFSZ (25): bits 12 and 24 of the mask.
      expect(BigInt(`0x${lines.SigIgn}`) & ((1n << 12n) | (1n << 24n))).toBe(0n);
      expect(parseInt(lines.flags ?? '', 8) & 0o4000).toBe(0); // O_NONBLOCK
      expect(lines.word).toBe('a b\tc');
      // The environment given and what sh itself sets (PWD, SHLVL...), nothing inherited from the agent.
      const vars = (lines.vars ?? '').trim().split(' ');
      expect(vars).toEqual(expect.arrayContaining(['LK_WORD', 'PATH']));
      expect(vars.filter((v) => !['LK_WORD', 'PATH', 'PWD', 'SHLVL', 'OLDPWD', '_'].includes(v))).toEqual([]);
      expect(r.rest).not.toContain('returned');
    });

    it(`returns the errno of a command the kernel will not run, still running (binding ${binding})`, () => {
      const missing = run(binding, '/nonexistent/command', ['command']);
      expect(missing.rest.trim()).toBe(JSON.stringify({ returned: 2 })); // ENOENT
      const dir = mkdtempSync(join(tmpdir(), 'lk-execve-'));
      const plain = join(dir, 'plain');
      writeFileSync(plain, 'echo no\n', { mode: 0o644 });
      const notExecutable = run(binding, plain, ['plain']);
      rmSync(dir, { recursive: true, force: true });
      expect(notExecutable.rest.trim()).toBe(JSON.stringify({ returned: 13 })); // EACCES
    });
  }
});
