// The Python example client (examples/python) end to end: stubs generated from the proto with Debian's
// protoc and grpc_python_plugin, a throwaway daemon started by the CLI, and example.py run with Debian's
// python3 (python3-grpcio), which mints a key, sees it active, revokes it and sees it inactive.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alive, ROOT, run } from '@latchkey/test-utils';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import grpc, google.protobuf'], { encoding: 'utf8' });
const hasGrpc = probe.status === 0;
const SKIP_REASON = `${PYTHON} cannot import grpc (${(probe.error?.message ?? probe.stderr.trim().split('\n').pop()) || 'unknown error'}): apt-get install python3-grpcio`;
if (!hasGrpc) console.warn(`python-example.test.ts: skipped: ${SKIP_REASON}`);

describe('the Python example client (examples/python/run.sh)', () => {
  it.skipIf(!hasGrpc)(
    hasGrpc ? 'mints a random key, sees it active, revokes it, sees it inactive, and stops its daemon' : `skipped: ${SKIP_REASON}`,
    async () => {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LANG: 'C.UTF-8',
        NODE: process.execPath,
        PYTHON,
      };
      if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
      const r = await run('bash', [join(ROOT, 'examples/python/run.sh')], { env, cwd: ROOT, timeoutMs: 110_000 });
      const report = `exit ${r.code ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
      expect(r.code, report).toBe(0);

      const lines = r.stdout.split('\n');
      const issued = lines.findIndex((l) => /^issued: lease \S+, expires \S+, value [0-9a-f]{64}$/.test(l));
      const active = lines.findIndex((l) => /^introspect: active \(lease \S+, kind random\)$/.test(l));
      const revoked = lines.indexOf('revoke: revoked');
      const inactive = lines.findIndex((l) => /^introspect: inactive\b/.test(l));
      expect(issued, report).toBeGreaterThanOrEqual(0);
      expect(active, report).toBeGreaterThan(issued);
      expect(revoked, report).toBeGreaterThan(active);
      expect(inactive, report).toBeGreaterThan(revoked);
      expect(lines, report).toContain('ok');
      // The lease id printed at issue is the one introspection named.
      const leaseId = /^issued: lease (\S+),/.exec(lines[issued] as string)?.[1];
      expect(lines[active], report).toContain(`(lease ${leaseId},`);

      // The throwaway daemon was stopped.
      const pid = Number(/run\.sh: daemon \(pid (\d+)\) stopped/.exec(r.stderr)?.[1]);
      expect(pid, report).toBeGreaterThan(0);
      expect(alive(pid), report).toBe(false);
    },
    120_000,
  );
});
