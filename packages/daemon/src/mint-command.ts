// Runs one mint command and makes sure nothing it started outlives it. The command runs with /bin/sh -c
// (no value in argv) as the leader of a new process group, with a cookie in its environment. When the
// shell exits, or at the timeout, the group gets SIGTERM then SIGKILL, and so does every process that
// still carries the cookie (a grandchild detached with setsid leaves the group but keeps its environment;
// Jenkins' process-tree killer uses the same rule). A process that clears its environment AND leaves
// the group escapes; that is a limit, not a promise.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { LatchkeyError, MAX_VALUE_BYTES } from '@latchkey/core';
import { MINT_TIMEOUT_MS } from '@latchkey/protocol';
import { parseMintOutput, type Minted } from './mint-output.js';
import { pidsWithEnvironEntry } from './proc.js';

export { MINT_TIMEOUT_MS };

/** Time between SIGTERM and SIGKILL for what the command left behind. */
export const KILL_GRACE_MS = 1000;
/** How much of the command's stderr is kept for the log (after redaction). */
export const STDERR_KEPT_BYTES = 4096;
/** The environment variable that marks every process of one mint. */
export const MINT_COOKIE_VAR = 'LATCHKEY_MINT_ID';

/** The step of a mint that failed: running the command, storing its value, or auditing it. */
export type MintStep = 'command' | 'store' | 'audit';

/** A mint that failed at a known step; `stderr` is the command's redacted stderr, if any. */
export class MintFailure extends LatchkeyError {
  constructor(
    readonly step: MintStep,
    message: string,
    readonly stderr = '',
    hint?: string,
    kind: 'unavailable' | 'input' = 'unavailable',
  ) {
    super(kind, message, hint);
  }
}

/** How a mint command is run. */
export interface MintRunOptions {
  env: NodeJS.ProcessEnv;
  /** The fixed working directory (the state folder). */
  cwd: string;
  timeoutMs?: number;
  /** Removes every known secret value from the stderr kept for the log. */
  redact: (text: string) => string;
  /** False for a command run for its effect (on_leak): its stdout is not a value, exit 0 is success. */
  expectValue?: boolean;
}

/** How long the pipes may still be read after the command exited and its group was ended. */
const PIPE_DRAIN_GRACE_MS = 1000;

/** Runs a mint command; its stdout is never logged, its stderr only redacted and cut to 4 KiB. */
export function runMintCommand(command: string, options: MintRunOptions): Promise<Minted> {
  const timeoutMs = options.timeoutMs ?? MINT_TIMEOUT_MS;
  const cookie = randomBytes(12).toString('hex');
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      env: { ...options.env, [MINT_COOKIE_VAR]: cookie },
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const stdout = new Capture(MAX_VALUE_BYTES + 3, 'head');
    const stderr = new Capture(STDERR_KEPT_BYTES + MAX_VALUE_BYTES, 'tail');
    child.stdout.on('data', (b: Buffer) => stdout.push(b));
    child.stderr.on('data', (b: Buffer) => stderr.push(b));
    let timedOut = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      void reap(child.pid, cookie);
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new MintFailure('command', `the mint command could not start: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    });
    // 'exit' comes when the shell ends, even if something it forked still holds stdout: end the rest then.
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      clearTimeout(timer);
      // Something that escaped both the group and the cookie may still hold the pipes: stop reading then,
      // but only after a grace period. Bytes the command wrote before it exited may still sit in the pipe
      // unread ('exit' can come first under load); destroying at once dropped them and the mint looked empty.
      // When the pipes reach their end, 'close' comes and the grace timer is cleared.
      void reap(child.pid, cookie).then(() => {
        const grace = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, PIPE_DRAIN_GRACE_MS);
        child.once('close', () => clearTimeout(grace));
      });
    });
    child.on('close', () => {
      clearTimeout(timer);
      const kept = keptStderr(stderr.text(), options.redact);
      const { code, signal } = exit ?? { code: null, signal: null };
      if (timedOut) return reject(new MintFailure('command', `the mint command did not finish within ${timeoutMs / 1000}s and was killed`, kept, 'run the command by hand to see why it hangs'));
      if (signal) return reject(new MintFailure('command', `the mint command was killed by ${signal}`, kept));
      if (code !== 0) return reject(new MintFailure('command', `the mint command exited with code ${code}`, kept, 'run the command by hand to see why'));
      if (options.expectValue === false) return resolve({ value: '' } as Minted);
      if (stdout.size > MAX_VALUE_BYTES + 2) return reject(new MintFailure('command', `the mint command printed ${stdout.size} bytes, over the limit of ${MAX_VALUE_BYTES}`, kept, undefined, 'input'));
      try {
        resolve(parseMintOutput(stdout.text()));
      } catch (err) {
        reject(new MintFailure('command', (err as Error).message, kept, undefined, 'input'));
      }
    });
  });
}

/** The stderr kept for the log: redacted first (so no value is cut in half), then its last 4 KiB. */
function keptStderr(text: string, redact: (t: string) => string): string {
  const clean = Buffer.from(redact(text).trim(), 'utf8');
  if (clean.length <= STDERR_KEPT_BYTES) return clean.toString('utf8');
  return `...${clean.subarray(clean.length - STDERR_KEPT_BYTES).toString('utf8').replace(/^\uFFFD+/, '')}`;
}

/** Ends the command's process group and every process carrying its cookie: SIGTERM, then SIGKILL. */
async function reap(pgid: number | undefined, cookie: string): Promise<void> {
  if (!pgid) return;
  const signalAll = (signal: NodeJS.Signals): number => {
    let hit = 0;
    try {
      process.kill(-pgid, signal);
      hit++;
    } catch {
      // the group is empty already
    }
    for (const pid of pidsWithCookie(cookie)) {
      try {
        process.kill(pid, signal);
        hit++;
      } catch {
        // gone meanwhile
      }
    }
    return hit;
  };
  if (signalAll('SIGTERM') === 0) return;
  await new Promise((r) => setTimeout(r, KILL_GRACE_MS));
  signalAll('SIGKILL');
  await new Promise((r) => setTimeout(r, 100));
}

/** The pids whose environment holds this mint's cookie (Linux /proc; nothing elsewhere). */
export function pidsWithCookie(cookie: string): number[] {
  return pidsWithEnvironEntry(MINT_COOKIE_VAR, cookie);
}

/** Collects a stream's bytes up to a limit, keeping the head or the tail. */
class Capture {
  private chunks: Buffer[] = [];
  private held = 0;
  size = 0;

  constructor(
    private readonly limit: number,
    private readonly keep: 'head' | 'tail',
  ) {}

  push(b: Buffer): void {
    this.size += b.length;
    if (this.keep === 'head') {
      if (this.held < this.limit) this.chunks.push(b.subarray(0, this.limit - this.held));
      this.held = Math.min(this.limit, this.held + b.length);
      return;
    }
    this.chunks.push(b);
    this.held += b.length;
    while (this.held - (this.chunks[0]?.length ?? 0) >= this.limit) this.held -= this.chunks.shift()!.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
