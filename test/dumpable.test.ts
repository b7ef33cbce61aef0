// SECURITY 45: the CLI processes that hold a value write no core file when they crash and, on Linux,
// are not dumpable. This machine's core_pattern is read, never changed (it is shared): with a plain
// pattern such as "core" the kernel writes the file in the crashing process's folder, which the test
// watches; with any pattern it also checks RLIMIT_CORE in /proc/<pid>/limits (/proc shows no dumpable
// flag, and as root every /proc entry is readable anyway).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cliNode, makeWorld, readAudit, type World } from '@latchkey/test-utils';

const CORE_PATTERN = existsSync('/proc/sys/kernel/core_pattern') ? readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim() : '';
/** Whether a crash writes its core file into the crashing process's working directory. */
const CORE_IN_CWD = CORE_PATTERN !== '' && !CORE_PATTERN.startsWith('|') && !CORE_PATTERN.includes('/');

function status(pid: number, field: string): string | undefined {
  try {
    return new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

function coreLimit(pid: number): string | undefined {
  try {
    return /^Max core file size\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Resolves once `check` holds, polling each 10 ms; resolves false at `ms` (the old code never gets there). */
async function until(check: () => boolean, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}

function gone(pid: number): boolean {
  const state = status(pid, 'State');
  return state === undefined || state.startsWith('Z');
}

function cores(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('core'));
}

describe.skipIf(process.platform !== 'linux')('no core file from a process holding a value', () => {
  let w: World;
  let dir: string;
  const value = 'core-canary-value-45';
  const shells: ChildProcess[] = [];
  beforeAll(async () => {
    w = makeWorld();
    dir = mkdtempSync(join(w.dir, 'project-'));
    writeFileSync(join(dir, 'agent.env'), 'TOK=agent://core-canary\n');
    expect((await w.agent(['set', 'core-canary', '--ttl', '1h'], { input: value })).code).toBe(0);
    expect((await w.agent(['allow'], { cwd: dir })).code).toBe(0);
  });
  afterAll(async () => {
    for (const s of shells) if (s.pid) try { process.kill(-s.pid, 'SIGKILL'); } catch { /* ended */ }
    await w.cleanup();
  });

  /** Runs `script` in bash with core files unlimited, in its own process group, in `dir`. */
  function shell(script: string): ChildProcess {
    const child = spawn('bash', ['-c', `ulimit -c unlimited; ${script}`], { cwd: dir, env: w.env, detached: true, stdio: 'ignore' });
    shells.push(child);
    return child;
  }

  function readsOf(event: string): number {
    return readAudit(w.stateDir).filter((r) => r.event === event && r.secret === 'core-canary' && r.outcome === 'ok').length;
  }

  async function crash(pid: number): Promise<void> {
    // /proc has no dumpable field to read; the core limit is set first, prctl right after it.
    const hardened = await until(() => coreLimit(pid) === '0');
    process.kill(pid, 'SIGSEGV');
    expect(await until(() => gone(pid))).toBe(true);
    if (CORE_IN_CWD) expect(cores(dir)).toEqual([]);
    expect(hardened, 'the process never set its core limit to 0').toBe(true);
  }

  it('SECURITY 45: SIGSEGV to `agent exec --mask -- sleep` holding a value writes no core file', async () => {
    const before = readsOf('exec');
    const sh = shell(`exec ${cliNode()} -- ${CLI} exec --mask -- sleep 600`);
    const pid = sh.pid as number;
    // The masking process holds the value once it has started the command.
    expect(await until(() => readsOf('exec') > before && readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim() !== '')).toBe(true);
    await crash(pid);
  });

  it('SECURITY 45: SIGSEGV to `agent get` blocked on a full pipe writes no core file', async () => {
    const before = readsOf('get');
    const pidFile = join(w.dir, 'get.pid');
    // 64 KiB fills the pipe, so agent get blocks writing the value after it arrived.
    shell(`{ head -c 65536 /dev/zero; echo $BASHPID > ${pidFile}; exec ${cliNode()} -- ${CLI} get core-canary; } | sleep 600`);
    expect(await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'))).toBe(true);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(await until(() => readsOf('get') > before)).toBe(true);
    await crash(pid);
  });

  it('the plain `agent exec` path hands the command the core limit it had: the agent hardens nothing there', async () => {
    const sh = shell(`exec ${cliNode()} -- ${CLI} exec -- sleep 600`);
    const pid = sh.pid as number;
    // The agent replaces itself with sleep (same pid; libc's execve through koffi, or process.execve), or
    // spawns it: whichever process runs sleep is the command.
    const runsSleep = (p: number) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('sleep\0');
      } catch {
        return false;
      }
    };
    const command = () => {
      if (runsSleep(pid)) return pid;
      const children = existsSync(`/proc/${pid}/task/${pid}/children`) ? readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/) : [];
      return children.map(Number).find(runsSleep);
    };
    expect(await until(() => command() !== undefined)).toBe(true);
    expect(coreLimit(command() as number)).toBe('unlimited');
  });
});
