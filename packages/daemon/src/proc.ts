// The daemon's one reader of /proc: a process's stat (state, start time), its executable, the processes
// whose environment holds an entry, and the liveness check leases are bound by. Linux only; elsewhere
// each answers "unknown" (undefined or nothing), never a guess.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { processAlive, readProcessStat } from '@latchkey/protocol';

export { processAlive, readProcessStat };

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
