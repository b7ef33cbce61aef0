import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pidsWithEnvironEntry, processAlive, processExecutable, readProcessStat } from './proc.js';

describe.runIf(process.platform === 'linux')('readProcessStat', () => {
  it('reads the state and a stable start time of a live process', () => {
    const a = readProcessStat(process.pid);
    expect(a?.state).toMatch(/^[RS]$/);
    expect(a?.startTime).toMatch(/^\d+$/);
    expect(readProcessStat(process.pid)?.startTime).toBe(a?.startTime);
  });

  it('is undefined for a pid that does not exist', () => {
    expect(readProcessStat(2 ** 22 + 1)).toBeUndefined();
    expect(readProcessStat(0)).toBeUndefined();
  });
});

describe.runIf(process.platform === 'linux')('processAlive', () => {
  it('is true for a running process with its start time, false for another start time or once it exited', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject));
    const pid = child.pid as number;
    const start = readProcessStat(pid)?.startTime;
    expect(processAlive(pid, start)).toBe(true);
    expect(processAlive(pid, undefined)).toBe(true);
    expect(processAlive(pid, `${start}0`)).toBe(false); // a reused pid: another process started then
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // exited and reaped by Node: gone
    expect(processAlive(pid, start)).toBe(false);
  });
});

describe.runIf(process.platform === 'linux')('processExecutable and pidsWithEnvironEntry', () => {
  it('reads /proc/<pid>/exe, and is undefined for a missing pid', () => {
    expect(processExecutable(process.pid)).toBe(process.execPath);
    expect(processExecutable(0)).toBeUndefined();
    expect(processExecutable(2 ** 22 + 1)).toBeUndefined();
  });

  it('finds a child by an entry of its environment, first or not, and not by a prefix of it', async () => {
    const tag = `t${process.pid}x${Date.now()}`;
    const sleeper = (env: Record<string, string>) => spawn('/bin/sleep', ['30'], { env, stdio: 'ignore' });
    const first = sleeper({ LK_PROC_TEST: tag, PATH: '/bin' });
    const later = sleeper({ PATH: '/bin', LK_PROC_TEST: tag });
    const longer = sleeper({ PATH: '/bin', LK_PROC_TEST: `${tag}-more` });
    try {
      await Promise.all([first, later, longer].map((c) => new Promise((r) => c.once('spawn', r))));
      expect(pidsWithEnvironEntry('LK_PROC_TEST', tag).sort()).toEqual([first.pid, later.pid].sort());
    } finally {
      for (const c of [first, later, longer]) c.kill('SIGKILL');
    }
  });
});
