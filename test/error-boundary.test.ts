// The one error boundary, end to end: a "daemon" on the world's socket that fails every call with a status
// Latchkey never sends (DATA_LOSS, no kind metadata) makes the built CLI meet an error it does not expect,
// on the oclif path and on the lean exec path. Each prints it as a bug, with how to report it, and the stack
// only with LATCHKEY_DEBUG=1.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { agentService } from '@latchkey/protocol';
import { BUG_HINT } from '@latchkey/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, testdir, type World } from '@latchkey/test-utils';

const BUG = /^agent: error: internal error\b.*\nagent: hint: (this is a bug in latchkey: .*; LATCHKEY_DEBUG=1 prints the stack)\n$/;

describe('an error the agent does not expect', () => {
  let world: World;
  const server = new grpc.Server();
  beforeAll(async () => {
    world = makeWorld(undefined, {}, { allowInternalErrors: true });
    mkdirSync(dirname(world.socket), { recursive: true, mode: 0o700 });
    const service = agentService();
    const failing = Object.fromEntries(
      Object.keys(service).map((method) => [method, (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.DATA_LOSS, details: 'the bytes came out wrong' })]),
    );
    server.addService(service, failing);
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${world.socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  });
  afterAll(async () => {
    server.forceShutdown();
    await world?.cleanup();
  });

  it('on the oclif path, prints as a bug with the report hint, exit 1, and no stack', async () => {
    const r = await world.agent(['ls']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(BUG);
    expect(BUG.exec(r.stderr)?.[1]).toBe(BUG_HINT);
    expect(r.stderr).not.toMatch(/https?:\/\//);
    expect(r.stderr).toContain('the bytes came out wrong');
    expect(r.stderr).not.toContain('    at ');
    expect(r.stdout).toBe('');
    expect(world.internalErrors()).toHaveLength(1);
  });

  it('on the exec path, the same, and nothing runs', async () => {
    const dir = testdir({ 'agent.env': 'MODE=test\n' }, world.home);
    const marker = join(dir, 'ran');
    const r = await world.agent(['exec', '--', 'touch', marker], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(BUG);
    expect(r.stderr).not.toContain('    at ');
  });

  it('with LATCHKEY_DEBUG=1, the stack follows', async () => {
    const r = await world.agent(['ls'], { env: { LATCHKEY_DEBUG: '1' } });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').slice(0, 2).join('\n')).toMatch(/^agent: error: internal error\b.*\nagent: hint: this is a bug/);
    expect(r.stderr).toMatch(/\n {4}at /);
  });
});
