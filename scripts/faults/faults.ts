// The fault scenarios of scripts/faults/run.mjs. Each drives real daemons (the built program) against a
// real gnome-keyring and counts what a fault did to the values and the audit trail:
//   kill9     kill -9 of the daemon at random moments during N operations (sets of one name with
//             changing values, and rotations of a 1 s minted secret); after each restart the served
//             value, the keychain item and the trail are checked.
//   keychain  the keychain stopped, frozen (SIGSTOP), locked, and its D-Bus session gone, each while
//             20 `agent exec` runs and 20 `agent set` runs are in flight.
//   disk      the state folder on a full tmpfs: reads and writes while no audit record fits.
// Values are compared inside this process only; nothing here prints a value.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { AgentConnection as Connection } from '../../packages/client/src/index.js';
import { startKeyring, type Keyring } from '../../packages/test-utils/src/keyring.js';
import { alive, keychainLookup, makeWorld, spawnDaemon, waitForSocket, type DaemonProcess, type World } from '../../packages/test-utils/src/agent.js';
import { seeded } from '../../packages/test-utils/src/seeded.js';

type ClientModule = typeof import('../../packages/client/src/index.js');
let client: ClientModule;

interface Figures {
  [scenario: string]: Record<string, number | string | boolean>;
}

/** Entry: parses flags, runs the chosen scenarios, prints the figures; returns the exit code. */
export async function main(argv: string[], root: string): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ops: { type: 'string', default: '1000' },
      only: { type: 'string', default: 'kill9,keychain,disk' },
      json: { type: 'boolean', default: false },
      seed: { type: 'string' },
    },
  });
  client = (await import(pathToFileURL(join(root, 'packages/client/dist/index.js')).href)) as ClientModule;
  const only = new Set(values.only.split(','));
  const random = seeded(values.seed ? Number(values.seed) : Date.now());
  const figures: Figures = {};
  const keyring = await startKeyring();
  try {
    const scenarios: Record<string, () => Promise<Figures[string]>> = {
      kill9: () => kill9(keyring, Number(values.ops), random),
      keychain: () => keychainFaults(),
      disk: () => fullDisk(keyring),
    };
    for (const [name, run] of Object.entries(scenarios)) {
      if (!only.has(name)) continue;
      figures[name] = await run().catch((err: unknown) => ({ 'could not run': (err as Error).message.split('\n')[0] ?? '' }));
    }
  } finally {
    await keyring.stop().catch(() => {});
  }
  if (values.json) process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  else for (const [name, f] of Object.entries(figures)) printTable(name, f);
  return 0;
}

function printTable(name: string, f: Record<string, number | string | boolean>): void {
  process.stdout.write(`\n${name}\n`);
  const width = Math.max(...Object.keys(f).map((k) => k.length));
  for (const [k, v] of Object.entries(f)) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
}

/** The whole records of every trail file in `stateDir`; a torn or unparsable line is counted, not returned. */
function wholeRecords(stateDir: string): { records: Array<Record<string, unknown>>; torn: number } {
  const records: Array<Record<string, unknown>> = [];
  let torn = 0;
  let files: string[] = [];
  try {
    files = readdirSync(stateDir).filter((f) => /^audit.*\.jsonl$/.test(f));
  } catch {
    return { records, torn };
  }
  for (const f of files) {
    const text = readFileSync(join(stateDir, f), 'utf8');
    const lines = text.split('\n');
    if (lines.at(-1) !== '') torn++; // a last line without its newline was not written whole
    for (const line of lines.slice(0, -1)) {
      if (!line) continue;
      try {
        records.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        torn++;
      }
    }
  }
  return { records, torn };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startDaemon(world: World): Promise<DaemonProcess> {
  const d = spawnDaemon(world.env);
  await waitForSocket(world.socket, d, 60_000); // a daemon start takes 15 s and more on a machine loaded 15 times over
  return d;
}

/** The value field of one of our keychain items, read from outside with secret-tool. */
async function keychainValue(keyring: Keyring, world: World, account: string): Promise<string | undefined> {
  const raw = await keychainLookup(keyring, world.service, account);
  if (raw === undefined) return undefined;
  try {
    return (JSON.parse(raw) as { value?: string }).value;
  } catch {
    return '<malformed>';
  }
}

// ---------------------------------------------------------------------------------------------------
// kill -9 at random moments

async function kill9(keyring: Keyring, ops: number, random: () => number): Promise<Record<string, number | string | boolean>> {
  const world = makeWorld(keyring);
  const mintLog = join(world.dir, 'minted.log');
  writeFileSync(mintLog, '');
  // Each run of the mint command makes a fresh value and appends it to mintLog first.
  const mintCommand = `v=m$(od -An -N12 -tx1 /dev/urandom | tr -d ' \\n'); printf '%s\\n' "$v" >> ${mintLog}; printf '%s' "$v"`;
  const sent: string[] = [];
  let acked = -1; // index in `sent` of the last set the daemon acknowledged
  let minted = -1; // index in the mint log of the last rotation a client saw acknowledged
  const figures = { operations: 0, kills: 0, 'values lost': 0, 'values mixed or torn': 0, 'keychain and memory disagree': 0, 'minted values lost': 0, 'restart failures': 0, 'reads failed after a restart': 0, 'why reads failed': '' as string, 'audit verify after repair': '' as string };
  const failures = new Set<string>();
  let daemon = await startDaemon(world);
  let conn: Connection = new client.AgentConnection(world.socket);
  await conn.putSecret({ name: 'mint1', value: '', ttlSeconds: 1, mintCommand });
  const producedValues = () => readFileSync(mintLog, 'utf8').split('\n').filter(Boolean);

  let op = 0;
  while (op < ops) {
    // A cycle: operations back to back until a kill -9 lands at a random moment (5-305 ms in).
    const killAt = 5 + random() * 300;
    let killed = false;
    const killer = setTimeout(() => {
      killed = true;
      try {
        process.kill(daemon.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, killAt);
    while (!killed && op < ops) {
      op++;
      figures.operations++;
      if (op % 10 === 0) {
        const before = producedValues().length;
        try {
          await conn.rotateSecret('mint1');
          minted = Math.max(minted, before); // at least the value produced by this rotation
        } catch {
          // in flight when the kill landed
        }
      } else {
        const value = `v${op}-${random().toString(36).slice(2)}`;
        sent.push(value);
        const index = sent.length - 1;
        try {
          await conn.putSecret({ name: 'k9', value, ttlSeconds: 3600 });
          acked = Math.max(acked, index);
        } catch {
          // in flight when the kill landed: either value may be current
        }
      }
    }
    clearTimeout(killer);
    if (!killed) process.kill(daemon.pid, 'SIGKILL');
    figures.kills++;
    await daemon.exited;
    conn.close();
    try {
      daemon = await startDaemon(world);
    } catch {
      figures['restart failures']++;
      daemon = await startDaemon(world);
    }
    conn = new client.AgentConnection(world.socket);
    await checkAfterRestart();
  }

  async function checkAfterRestart(): Promise<void> {
    // The set name: the value served must be the last acknowledged one or one sent after it.
    if (acked >= 0) {
      let failed = '';
      const served = await conn.getSecret('k9').then((r) => r.value, (err: Error) => void (failed = err.message));
      if (served === undefined) {
        // Not a value lost (the keychain is read below): a read that failed, counted apart with its reason.
        figures['reads failed after a restart']++;
        failures.add(failed.split('\n')[0] ?? '');
      }
      const at = served === undefined ? -1 : sent.lastIndexOf(served);
      const stored = await keychainValue(keyring, world, 'global:k9');
      const storedAt = stored === undefined ? -1 : sent.lastIndexOf(stored);
      if ((served !== undefined && at < 0) || (stored !== undefined && storedAt < 0)) figures['values mixed or torn']++;
      // Lost: what is served (or, when the read failed, what the keychain holds) is older than the last acknowledged set.
      else if ((served !== undefined ? at : storedAt) < acked) figures['values lost']++;
      if (served !== undefined && stored !== served) figures['keychain and memory disagree']++;
    }
    // The minted secret: served from a value its command produced, never older than an acknowledged rotation.
    // The command's log is read after the value: a rotation (every 0.75 s) may produce a newer one meanwhile.
    const servedMint = await waitForValue(conn, 'mint1', 5000);
    const produced = producedValues();
    const at = servedMint === undefined ? -1 : produced.indexOf(servedMint);
    if (servedMint !== undefined && at < 0) figures['values mixed or torn']++;
    else if (at < minted) figures['minted values lost']++;
    const storedMint = await keychainValue(keyring, world, 'global:mint1');
    // Rotation may land between the two reads: compare with the value served just after the keychain read.
    const servedAgain = await conn.getSecret('mint1').then((r) => r.value, () => undefined);
    if (storedMint !== servedMint && storedMint !== servedAgain) figures['keychain and memory disagree']++;
  }

  figures['why reads failed'] = [...failures].join('; ') || '-';
  conn.close();
  await daemon.kill('SIGTERM');
  await daemon.exited;
  const verify = await world.agent(['audit', 'verify']);
  const repaired = wholeRecords(world.stateDir).records.filter((r) => r.event === 'audit' && /repair/.test(String(r.outcome ?? r.reason ?? ''))).length;
  figures['audit verify after repair'] = `exit ${verify.code}${repaired ? ` (${repaired} torn tail(s) repaired)` : ''}: ${verify.stdout.trim().split('\n')[0] ?? ''}`;
  await world.cleanup();
  return figures;
}

/** The current value of `name`, waiting up to `ms` for a minted secret that is being minted again. */
async function waitForValue(conn: Connection, name: string, ms: number): Promise<string | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return (await conn.getSecret(name)).value;
    } catch {
      if (Date.now() > deadline) return undefined;
      await sleep(50);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// keychain faults: each in a keyring of its own, since some of them cannot be undone

type KeyringFault = 'stopped' | 'frozen' | 'locked' | 'dbus gone';

interface FaultControls {
  inject(kr: Keyring): Promise<void>;
  /** Ends the fault (true once the keyring is back). */
  heal(kr: Keyring): Promise<boolean>;
}

/** How to put a keyring in each fault state, and how to bring it back. */
const CONTROLS: Record<KeyringFault, FaultControls> = {
  // restartBus starts whatever of the bus and gnome-keyring is not running, unlocking the keyring on disk.
  stopped: { inject: (kr) => kr.stopSecretService(), heal: async (kr) => (await kr.restartBus(), true) },
  frozen: { inject: async (kr) => kr.freeze(), heal: async (kr) => (kr.thaw(), true) },
  locked: { inject: (kr) => kr.lock(), heal: async (kr) => (await kr.unlock(), true) },
  'dbus gone': { inject: (kr) => kr.stopBus(), heal: async (kr) => (await kr.restartBus(), true) },
};

async function keychainFaults(): Promise<Record<string, number | string | boolean>> {
  const figures: Record<string, number | string | boolean> = {};
  for (const fault of ['stopped', 'frozen', 'locked', 'dbus gone'] as const) {
    const kr = await startKeyring();
    const world = makeWorld(kr);
    try {
      const f = await oneKeychainFault(kr, world, fault);
      for (const [k, v] of Object.entries(f)) figures[`${fault}: ${k}`] = v;
    } catch (err) {
      figures[`${fault}: not run`] = (err as Error).message.split('\n')[0] ?? '';
    } finally {
      await world.cleanup().catch(() => {});
      await kr.stop().catch(() => {});
    }
  }
  return figures;
}

async function oneKeychainFault(kr: Keyring, world: World, fault: KeyringFault): Promise<Record<string, number | string>> {
  const ctl = CONTROLS[fault];
  const daemon = await startDaemon(world);
  const timed = async <T>(fn: () => Promise<T>): Promise<{ r: T; ms: number; error?: string }> => {
    const t0 = Date.now();
    try {
      return { r: await fn(), ms: Date.now() - t0 };
    } catch (err) {
      return { r: undefined as T, ms: Date.now() - t0, error: (err as Error).message };
    }
  };
  const conn = new client.AgentConnection(world.socket);
  const names = Array.from({ length: 10 }, (_, i) => `kf-${i}`);
  const values = new Map<string, string>();
  for (const n of names) {
    const v = `${n}-${Math.random().toString(36).slice(2)}`;
    values.set(n, v);
    await conn.putSecret({ name: n, value: v, ttlSeconds: 3600 });
  }
  const project = join(world.dir, 'proj');
  mkdirSync(project);
  writeFileSync(join(project, 'agent.env'), names.map((n, i) => `V${i}=agent://${n}`).join('\n') + '\n');
  await conn.allowManifest(join(project, 'agent.env'));

  // The same 20 CLI sets against a healthy keychain first: what 20 `agent` starts at once cost here.
  const baseline = await Promise.all(Array.from({ length: 20 }, (_, i) => timed(() => world.agent(['set', `kf-base-${i}`, '--ttl', '1h'], { input: `base-${i}-value\n`, timeoutMs: 30_000 }))));
  await ctl.inject(kr);
  // 20 sets and 20 reads at once through the client library, each on a connection of its own, timed
  // from its own start: what the daemon does, without the start-up of 40 node processes.
  const calls = await Promise.all([
    ...Array.from({ length: 20 }, (_, i) => timed(() => onOwnConnection(world, (c) => c.putSecret({ name: `kf-lib-${i}`, value: `lib-${i}-value`, ttlSeconds: 3600 })))),
    ...Array.from({ length: 20 }, (_, i) => timed(() => onOwnConnection(world, (c) => c.getSecret(names[i % names.length] as string)))),
  ]);
  const libSets = calls.slice(0, 20);
  const libGets = calls.slice(20);
  // The same through the CLI: 20 `agent exec` and 20 `agent set` processes at once.
  const execResults = await Promise.all(Array.from({ length: 20 }, () => timed(() => world.agent(['exec', '--', 'sh', '-c', 'test -n "$V0"'], { cwd: project, timeoutMs: 30_000 }))));
  const setResults = await Promise.all(Array.from({ length: 20 }, (_, i) => timed(() => world.agent(['set', `kf-new-${i}`, '--ttl', '1h'], { input: `new-${i}-value\n`, timeoutMs: 30_000 }))));
  const failedSets = setResults.filter((s) => s.r.code !== 0);
  const failedLib = libSets.filter((s) => s.error);
  const figures: Record<string, number | string> = {
    'sets refused (client library, 20 at once)': `${failedLib.length}/20 (${[...new Set(failedLib.map((s) => s.error))].join('; ') || '-'})`,
    'time to fail from its own start, slowest set (ms)': failedLib.length ? Math.max(...failedLib.map((s) => s.ms)) : 0,
    'reads served from memory (20 at once)': `${libGets.filter((g) => !g.error).length}/20`,
    'time to answer, slowest read (ms)': Math.max(...libGets.map((g) => g.ms)),
    'CLI: execs served': `${execResults.filter((e) => e.r.code === 0).length}/20`,
    'CLI: sets refused': `${failedSets.length}/20 (exit ${[...new Set(failedSets.map((s) => s.r.code))].join(',') || '-'})`,
    'CLI: slowest of 20 `agent set` to fail, process start to exit (ms)': failedSets.length ? Math.max(...failedSets.map((s) => s.ms)) : 0,
    'CLI: slowest of 20 `agent set` on a healthy keychain (ms)': Math.max(...baseline.map((b) => b.ms)),
    'daemon crashes': alive(daemon.pid) ? 0 : 1,
  };
  const healed = await ctl.heal(kr);
  let lost = 0;
  for (const n of names) {
    // The daemon sees the keychain's state change within its next check (about a second).
    const served = healed ? await waitForValue(conn, n, 10_000) : await conn.getSecret(n).then((r) => r.value, () => undefined);
    if (served !== values.get(n)) lost++;
    if (healed && (await keychainValue(kr, world, `global:${n}`)) !== values.get(n)) lost++;
  }
  figures['values lost after it is back'] = lost;
  conn.close();
  await daemon.kill('SIGKILL');
  return figures;
}

/** Runs one call on a connection of its own (as a separate process would), closing it after. */
async function onOwnConnection<T>(world: World, fn: (c: Connection) => Promise<T>): Promise<T> {
  const c = new client.AgentConnection(world.socket);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// the state folder on a full filesystem

async function fullDisk(keyring: Keyring): Promise<Record<string, number | string | boolean>> {
  if (process.getuid?.() !== 0) return { 'not run': 'needs root to mount a tmpfs' };
  const world = makeWorld(keyring);
  const mnt = join(world.dir, 'state-fs');
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', mnt]);
  const stateHome = join(mnt, 'state');
  mkdirSync(stateHome, { mode: 0o700 });
  const env = { ...world.env, XDG_STATE_HOME: stateHome };
  const stateDir = join(stateHome, 'latchkey');
  const figures: Record<string, number | string | boolean> = {};
  let daemon: DaemonProcess | undefined;
  try {
    daemon = spawnDaemon(env);
    await waitForSocket(world.socket, daemon, 15_000);
    const conn = new client.AgentConnection(world.socket);
    await conn.putSecret({ name: 'disk-src', value: `disk-${Math.random().toString(36).slice(2)}`, ttlSeconds: 3600 });
    // Fill the filesystem up to the last byte.
    const filler = join(mnt, 'filler');
    spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1k', 'count=100000'], { stdio: 'ignore' });
    let readsServed = 0;
    let setsAcked = 0;
    const setNames: string[] = [];
    for (let i = 0; i < 200; i++) {
      if (await conn.getSecret('disk-src').then(() => true, () => false)) readsServed++;
      const name = `disk-set-${i}`;
      if (await conn.putSecret({ name, value: `w-${i}-${Math.random().toString(36).slice(2)}`, ttlSeconds: 3600 }).then(() => true, () => false)) {
        setsAcked++;
        setNames.push(name);
      }
    }
    // Every served read and every stored value must have its whole record in the trail.
    const { records, torn } = wholeRecords(stateDir);
    const readRecords = records.filter((r) => r.event === 'get' && r.outcome === 'ok' && r.secret === 'disk-src').length;
    const stored = (await Promise.all(Array.from({ length: 200 }, (_, i) => keychainLookup(keyring, world.service, `global:disk-set-${i}`)))).map((v, i) => (v === undefined ? undefined : `disk-set-${i}`)).filter((n): n is string => n !== undefined);
    const setRecorded = new Set(records.filter((r) => r.event === 'set' && r.outcome === 'ok').map((r) => String(r.secret)));
    figures['reads attempted on a full disk'] = 200;
    figures['reads served'] = readsServed;
    figures['reads served without a whole audit record'] = Math.max(0, readsServed - readRecords);
    figures['sets attempted on a full disk'] = 200;
    figures['sets acknowledged'] = setsAcked;
    figures['values stored without a record'] = stored.filter((n) => !setRecorded.has(n)).length;
    figures['torn lines in the trail'] = torn;
    figures['daemon alive'] = alive(daemon.pid);
    rmSync(filler, { force: true });
    conn.close();
    await daemon.kill('SIGTERM');
    await daemon.exited;
    const verify = await world.agent(['audit', 'verify'], { env: { XDG_STATE_HOME: stateHome } });
    figures['audit verify after the disk is freed'] = `exit ${verify.code}: ${verify.stdout.trim().split('\n')[0] ?? ''}`;
  } finally {
    if (daemon && alive(daemon.pid)) await daemon.kill('SIGKILL');
    spawnSync('umount', ['-l', mnt]);
    await world.cleanup();
  }
  return figures;
}
