import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockHolder } from './start.js';

/** Resolves once `check` holds, looking again on each turn of the event loop (for at most 10 s). */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached within 10s');
    await new Promise((r) => setImmediate(r));
  }
}

const stat = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return '';
  }
};

describe.runIf(process.platform === 'linux')('lockHolder', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const stateWithLock = (content: string | undefined) => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-holder-'));
    dirs.push(dir);
    if (content !== undefined) writeFileSync(join(dir, 'daemon.lock'), content);
    return dir;
  };

  it('answers the pid of a live holder, nothing for a missing lock, a pid that is not one, or a process gone', async () => {
    expect(lockHolder(stateWithLock(`${process.pid}\n`))).toBe(process.pid);
    expect(lockHolder(stateWithLock(undefined))).toBeUndefined();
    expect(lockHolder(stateWithLock(''))).toBeUndefined();
    expect(lockHolder(stateWithLock('-3\n'))).toBeUndefined();
    const gone = spawn('true');
    await new Promise((r) => gone.on('exit', r));
    expect(lockHolder(stateWithLock(`${gone.pid}\n`))).toBeUndefined();
  });

  it('answers nothing for a zombie (it exited and holds no lock; kill(0) still finds it)', async () => {
    // A shell starts `cat` on a pipe, then becomes `sleep`, which never reaps it: once the pipe ends, cat is a zombie.
    const parent = spawn('sh', ['-c', 'cat <&3 >/dev/null & echo $!; exec sleep 60 3<&-'], { stdio: ['ignore', 'pipe', 'ignore', 'pipe'] });
    children.push(parent);
    const catPid = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (b: Buffer) => resolve(b.toString()))));
    await until(() => stat(parent.pid!).includes('(sleep)'));
    (parent.stdio[3] as NodeJS.WritableStream).end();
    await until(() => / Z /.test(stat(catPid)));
    expect(() => process.kill(catPid, 0)).not.toThrow();
    expect(lockHolder(stateWithLock(`${catPid}\n`))).toBeUndefined();
  });
});
