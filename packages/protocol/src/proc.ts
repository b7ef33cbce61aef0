// Whether a process still runs, from Linux's /proc (proc(5)): shared by the daemon (leases bound to a
// process), the CLI (`agent daemon stop` waits for the daemon's process, not only its socket) and the client's
// auto-start (whether the daemon's lock holder lives). Off Linux each answers from kill(0) alone, never a guess.
import { readFileSync } from 'node:fs';
import { parseProcStat, type ProcStat } from '@latchkey/core/proc-stat';

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
