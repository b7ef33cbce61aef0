import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processAlive, readProcessStat } from './proc.js';

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
