// SECURITY 36: project scope follows the working directory the kernel reports for the caller, not the
// one the caller sends. A raw gRPC client (grpc-js and proto-loader, no Latchkey client) running
// outside project A sends A's path as its cwd.
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawAgent, readAudit, testdir, useLab, type RawAgent, type World } from '@latchkey/test-utils';

describe.skipIf(process.platform !== 'linux')('project scope and the caller’s working directory', () => {
  const lab = useLab({ store: 'memory' });
  let w: World;
  let a: string;
  let raw: RawAgent;
  const value = 'scoped-to-project-a';
  beforeAll(async () => {
    w = lab.world;
    a = testdir({ 'agent.env': 'A_TOKEN=agent://a-token\n' }, w.dir);
    const set = await w.agent(['set', 'a-token', '--project', '--ttl', '1h'], { input: value, cwd: a });
    expect(set.code, set.stderr).toBe(0);
    const allow = await w.agent(['allow'], { cwd: a });
    expect(allow.code, allow.stderr).toBe(0);
    // This test process is the raw client; it runs in the repository's folder, outside project A.
    expect(process.cwd().startsWith(a)).toBe(false);
    raw = rawAgent(w.socket);
  });
  afterAll(() => {
    raw?.close();
  });

  it('SECURITY 36: GetSecret with A’s path as cwd, from outside A, is denied without naming A, and audited with the kernel’s cwd', async () => {
    const { err, res } = await raw.call('getSecret', { name: 'a-token', cwd: a });
    expect(res?.value).toBeUndefined();
    expect(err?.code).toBe(grpc.status.PERMISSION_DENIED);
    const said = `${err?.details} ${err?.metadata.get('latchkey-hint').join(' ')} ${JSON.stringify(err?.metadata.getMap())}`;
    expect(said).not.toContain(a);
    expect(said).not.toContain(value);
    const record = readAudit(w.stateDir).filter((r) => r.event === 'get' && r.secret === 'a-token').at(-1);
    expect(record).toMatchObject({ outcome: 'denied', pid: process.pid, cwd: realpathSync(process.cwd()), cwdSource: 'kernel' });
  });

  it('SECURITY 36: ResolveEnv of A’s approved manifest with A’s path as cwd, from outside A, does not serve A’s secret', async () => {
    const { err, res } = await raw.call('resolveEnv', { manifests: [join(a, 'agent.env')], cwd: a, command: 'x', allowVars: [] });
    expect(JSON.stringify(res ?? {})).not.toContain(value);
    expect(err?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(err?.details).not.toContain(a);
    const record = readAudit(w.stateDir).filter((r) => r.event === 'exec' && r.secret === 'a-token').at(-1);
    expect(record).toMatchObject({ outcome: 'denied', cwd: realpathSync(process.cwd()), cwdSource: 'kernel' });
  });

  it('SECURITY 36: from inside A, `agent get` is served and its audit record carries A as the kernel’s cwd', async () => {
    const r = await w.agent(['get', 'a-token'], { cwd: a });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(value);
    const record = readAudit(w.stateDir).filter((rec) => rec.event === 'get' && rec.secret === 'a-token').at(-1);
    expect(record).toMatchObject({ outcome: 'ok', cwd: a, cwdSource: 'kernel' });
  });
});
