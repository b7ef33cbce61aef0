import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '@latchkey/test-utils/testdir';
import { MintFailure, runMintCommand, STDERR_KEPT_BYTES } from './mint-command.js';
import { processAlive } from './proc.js';

const env = { PATH: '/usr/bin:/bin' };
const noRedact = (t: string) => t;

const alive = (pid: number) => processAlive(pid, undefined);
function pidsIn(file: string): number[] {
  return readFileSync(file, 'utf8').split(/\s+/).filter(Boolean).map(Number);
}
/** Waits until none of `pids` runs (SIGKILL comes KILL_GRACE_MS after SIGTERM at most). */
async function allEnd(pids: number[], withinMs = 5000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!pids.some(alive)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('runMintCommand', () => {
  it('runs in the given folder with the given environment, and returns stdout minus one newline', async () => {
    const cwd = testdir();
    const out = await runMintCommand('printf "%s:%s\\n" "$PWD" "${ONLY_HERE:-unset}"', { env: { ...env, ONLY_HERE: 'yes' }, cwd, redact: noRedact });
    expect(out.value).toBe(`${cwd}:yes`);
  });

  it('SECURITY 39: a child holding stdout and a setsid grandchild end when the command ends', async () => {
    const cwd = testdir();
    const pids = join(cwd, 'pids');
    // The background sleep keeps stdout open; the setsid one leaves the process group and session.
    const cmd = `sleep 300 & echo $! >> ${pids}; setsid sh -c 'echo $$ >> ${pids}; exec sleep 300' >/dev/null 2>&1 < /dev/null & ` +
      `while [ "$(wc -l < ${pids})" -lt 2 ]; do sleep 0.05; done; echo tok`;
    const started = Date.now();
    const out = await runMintCommand(cmd, { env, cwd, redact: noRedact });
    expect(out.value).toBe('tok');
    expect(Date.now() - started).toBeLessThan(10_000);
    const ps = pidsIn(pids);
    expect(ps).toHaveLength(2);
    expect(await allEnd(ps)).toBe(true);
  });

  it('SECURITY 39: at the timeout the whole group gets SIGTERM, then SIGKILL if it ignores it', async () => {
    const cwd = testdir();
    const pids = join(cwd, 'pids');
    const cmd = `sh -c 'trap "" TERM; echo $$ >> ${pids}; while :; do sleep 0.1; done' & setsid sh -c 'echo $$ >> ${pids}; exec sleep 300' & wait`;
    const err = await runMintCommand(cmd, { env, cwd, timeoutMs: 700, redact: noRedact }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MintFailure);
    expect((err as MintFailure).step).toBe('command');
    expect((err as MintFailure).message).toMatch(/did not finish within 0.7s/);
    const ps = pidsIn(pids);
    expect(ps).toHaveLength(2);
    expect(await allEnd(ps)).toBe(true);
  });

  it('keeps the last 4 KiB of stderr, redacted before it is cut', async () => {
    const cwd = testdir();
    const secret = 'value-of-other-secret';
    const cmd = `head -c 10000 /dev/zero | tr '\\0' x >&2; echo " leaked ${secret} here" >&2; exit 3`;
    const err = (await runMintCommand(cmd, { env, cwd, redact: (t) => t.split(secret).join('[redacted]') }).catch((e: unknown) => e)) as MintFailure;
    expect(err.message).toBe('the mint command exited with code 3');
    expect(err.stderr).not.toContain(secret);
    expect(err.stderr).toMatch(/leaked \[redacted\] here$/);
    expect(Buffer.byteLength(err.stderr)).toBeLessThanOrEqual(STDERR_KEPT_BYTES + 3);
  });
});
