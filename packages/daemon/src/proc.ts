// The daemon's one reader of /proc: a process's stat (state, start time), its executable, the processes
// whose environment holds an entry, and the liveness check leases are bound by. Linux only; elsewhere
// each answers "unknown" (undefined or nothing), never a guess.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { parseProcStat, type ProcStat } from '@latchkey/core';

/** The parsed /proc/<pid>/stat of a process, or undefined (gone, not Linux, not a pid). */
export function readProcessStat(pid: number): ProcStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (EPERM means it exists under another user). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process `pid` still runs: it exists, is no zombie, and (when /proc answers) started when
 * it did at binding (`startTime`, from readProcessStat then), so a reused pid is not taken for it.
 */
export function processAlive(pid: number, startTime: string | undefined): boolean {
  if (!pidExists(pid)) return false;
  const stat = readProcessStat(pid);
  if (!stat) return startTime === undefined; // no /proc (not Linux): trust kill(0); /proc gone since binding: exited
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || stat.startTime === startTime;
}

/** The executable of a process from /proc/<pid>/exe, or undefined when it cannot be read (gone, other user, not Linux). */
export function processExecutable(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/** The pids other than ours whose environment holds `name=value` (Linux /proc/<pid>/environ; nothing elsewhere). */
export function pidsWithEnvironEntry(name: string, value: string): number[] {
  const needle = Buffer.from(`\0${name}=${value}\0`);
  const first = needle.subarray(1);
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`);
      if (env.includes(needle) || env.subarray(0, first.length).equals(first)) out.push(Number(entry));
    } catch {
      // another user's process, or gone
    }
  }
  return out;
}
