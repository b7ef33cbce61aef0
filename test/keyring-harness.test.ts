import { spawn } from 'node:child_process';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { KEYTAR_SCHEMA_ATTRS, keytarModulePath, startKeyring, useKeyring, type Keyring, type RunResult } from '@latchkey/test-utils';

const SERVICE = 'latchkey';

/** Runs `body` (JS using `k` = keytar) in a child with the keyring env; its stdout is JSON of the result. */
function keytarScript(body: string): string {
  return `
    const k = require(${JSON.stringify(keytarModulePath())});
    (async () => { ${body} })()
      .then((r) => process.stdout.write(JSON.stringify(r === undefined ? null : r)))
      .catch((e) => { process.stderr.write('KEYTAR_ERROR: ' + (e && e.message || String(e))); process.exit(3); });`;
}

async function keytar<T>(kr: Keyring, body: string): Promise<T> {
  const r = await kr.exec(process.execPath, ['-e', keytarScript(body)]);
  if (r.code !== 0) throw new Error(`keytar child failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

describe('keyring harness: secret-tool <-> keytar', () => {
  const ring = useKeyring();

  it('gives a private env and an unlocked Secret Service', async () => {
    const k = ring.keyring;
    expect(k.env.DBUS_SESSION_BUS_ADDRESS).toMatch(/^unix:path=/);
    expect(k.env.HOME).toContain(k.dir);
    expect(k.env.XDG_RUNTIME_DIR).toContain(k.dir);
    expect(k.env.XDG_CONFIG_HOME!.startsWith(k.env.HOME!)).toBe(true);
    expect(k.env.XDG_DATA_HOME!.startsWith(k.env.HOME!)).toBe(true);
    expect(k.env.XDG_STATE_HOME!.startsWith(k.env.HOME!)).toBe(true);
    expect(process.env.DBUS_SESSION_BUS_ADDRESS).not.toBe(k.env.DBUS_SESSION_BUS_ADDRESS);
    expect(await k.secretServiceRunning()).toBe(true);
  });

  it('an item stored with secret-tool (with xdg:schema) is read by keytar', async () => {
    const k = ring.keyring;
    const password = JSON.stringify({ v: 1, value: 'sk_test_123', meta: { expiresAt: null } });
    const st = await k.secretTool(
      ['store', '--label=latchkey/global:from-cli', ...KEYTAR_SCHEMA_ATTRS, 'service', SERVICE, 'account', 'global:from-cli'],
      password,
    );
    expect(st.code, st.stderr).toBe(0);

    const got = await keytar<{ pw: string | null; creds: { account: string; password: string }[] }>(
      k,
      `return { pw: await k.getPassword('${SERVICE}', 'global:from-cli'),
                creds: await k.findCredentials('${SERVICE}') };`,
    );
    expect(got.pw).toBe(password);
    expect(got.creds).toContainEqual({ account: 'global:from-cli', password });
  });

  it('an item stored with keytar is read byte-exact by secret-tool lookup', async () => {
    const k = ring.keyring;
    const values: Record<string, string> = {
      'global:trailing-newline': 'line one\nline two\n',
      'global:unicode': 'p\u00e4ss \u{1F511} \u2014 \u65e5\u672c\u8a9e\n',
      'global:json': JSON.stringify({ v: 1, value: 'tok\n\u00e9', meta: { ttl: '8h' } }),
    };
    await keytar(
      k,
      `const vals = ${JSON.stringify(values)};
       for (const [a, v] of Object.entries(vals)) await k.setPassword('${SERVICE}', a, v);`,
    );
    for (const [account, value] of Object.entries(values)) {
      const r = await k.secretTool(['lookup', 'service', SERVICE, 'account', account]);
      expect(r.code, r.stderr).toBe(0);
      expect(Buffer.from(r.stdout, 'utf8').equals(Buffer.from(value, 'utf8'))).toBe(true);
      expect(r.stdout).toBe(value);
    }
    const all = await k.secretTool(['search', '--all', 'service', SERVICE]);
    expect(all.code, all.stderr).toBe(0);
    // secret-tool prints the attributes on stderr and label/secret/schema on stdout.
    for (const account of Object.keys(values)) expect(all.stderr).toContain(`attribute.account = ${account}`);
    expect(all.stdout).toContain('schema = org.freedesktop.Secret.Generic');
  });
});

describe('keyring harness: concurrent keyrings are independent', () => {
  let a: Keyring | undefined;
  let b: Keyring | undefined;
  beforeAll(async () => {
    const [ra, rb] = await Promise.allSettled([startKeyring(), startKeyring()]);
    if (ra.status === 'fulfilled') a = ra.value;
    if (rb.status === 'fulfilled') b = rb.value;
    if (ra.status === 'rejected') throw ra.reason;
    if (rb.status === 'rejected') throw rb.reason;
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('an item in one is not visible in the other', async () => {
    expect(a!.env.DBUS_SESSION_BUS_ADDRESS).not.toBe(b!.env.DBUS_SESSION_BUS_ADDRESS);
    expect(a!.env.HOME).not.toBe(b!.env.HOME);
    const st = await a!.secretTool(['store', '--label=only-a', 'service', SERVICE, 'account', 'global:only-a'], 'A');
    expect(st.code, st.stderr).toBe(0);

    expect((await a!.secretTool(['lookup', 'service', SERVICE, 'account', 'global:only-a'])).stdout).toBe('A');
    const inB = await b!.secretTool(['lookup', 'service', SERVICE, 'account', 'global:only-a']);
    expect(inB.code).not.toBe(0);
    expect(inB.stdout).toBe('');
    expect(await keytar(b!, `return await k.findCredentials('${SERVICE}');`)).toEqual([]);
  });
});

describe('keyring harness: Secret Service gone', () => {
  const ring = useKeyring();

  it('keytar fails (or hangs) and secret-tool fails after stopSecretService', async () => {
    const k = ring.keyring;
    const st = await k.secretTool(['store', '--label=x', 'service', SERVICE, 'account', 'global:x'], 'x');
    expect(st.code, st.stderr).toBe(0);

    await k.stopSecretService();
    expect(await k.secretServiceRunning()).toBe(false);

    // keytar in a child: either it fails within 5 s, or it is still pending at 3 s (a hang).
    const started = Date.now();
    const child = spawn(
      process.execPath,
      ['-e', keytarScript(`return await k.getPassword('${SERVICE}', 'global:x');`)],
      { env: { ...process.env, ...k.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const outcome = await new Promise<{ kind: 'exited'; code: number | null; ms: number } | { kind: 'pending' }>(
      (resolve) => {
        const timer = setTimeout(() => resolve({ kind: 'pending' }), 3000);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ kind: 'exited', code, ms: Date.now() - started });
        });
      },
    );
    if (outcome.kind === 'pending') {
      child.kill('SIGKILL');
      console.log('[keyring harness] keytar with no Secret Service: still pending at 3 s (hangs)');
    } else {
      console.log(
        `[keyring harness] keytar with no Secret Service: exited ${outcome.code} after ${outcome.ms} ms: ${stderr.trim()}`,
      );
      expect(outcome.code).not.toBe(0);
      expect(outcome.ms).toBeLessThan(5000);
      expect(stdout).toBe('');
      expect(stderr).toContain('KEYTAR_ERROR');
    }

    const r: RunResult = await k.secretTool(['lookup', 'service', SERVICE, 'account', 'global:x']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    // Not D-Bus-activated back.
    expect(await k.secretServiceRunning()).toBe(false);
  });
});

describe('keyring harness: locked and frozen', () => {
  const ring = useKeyring({ verifyKeytar: false });

  it('lock() makes secret-tool fail, unlock() serves the item again, freeze() hangs calls until thaw()', async () => {
    const k = ring.keyring;
    const attrs = ['service', SERVICE, 'account', 'global:locked'];
    expect((await k.secretTool(['store', '--label=x', ...attrs], 'kept')).code).toBe(0);
    expect(await k.isLocked()).toBe(false);

    await k.lock();
    expect(await k.isLocked()).toBe(true);
    const whileLocked = await k.secretTool(['lookup', ...attrs]);
    expect(whileLocked.stdout).toBe('');

    await k.unlock();
    expect(await k.isLocked()).toBe(false);
    const after = await k.secretTool(['lookup', ...attrs]);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toBe('kept');

    k.freeze();
    try {
      await expect(k.exec('secret-tool', ['lookup', ...attrs], { timeoutMs: 1500 })).rejects.toThrow(/timed out/);
    } finally {
      k.thaw();
    }
    expect((await k.secretTool(['lookup', ...attrs])).stdout).toBe('kept');
  });
});
