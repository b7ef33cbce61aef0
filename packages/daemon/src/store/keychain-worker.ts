#!/usr/bin/env node
// The keychain worker: a child process of the daemon and the only importer of keytar. libsecret can
// crash the process it runs in (findCredentials on a locked collection dies in secret_value_get_text),
// so keytar runs here, where a crash is a failed keychain call and not a dead daemon. It is hardened as
// the daemon is (not dumpable, no core files) because the passwords it passes on are secret values.
// Requests come one at a time over the IPC channel; each is answered with its id.
import { createRequire } from 'node:module';
import { dieWithParent, disableCoreDumps, setNotDumpable } from '../native.js';
import { probeKeychain } from './secret-service.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

type Keytar = typeof import('keytar');

/** How long the lock check may wait for the Secret Service (the daemon gives up on a call sooner). */
const PROBE_TIMEOUT_MS = 25_000;

/** The daemon that started this worker (its argument): the worker must not outlive it. */
const daemonPid = Number(process.argv[2] ?? process.ppid);

const hardeningMissing: string[] = [];
for (const [what, fn] of [
  ['not dumpable', setNotDumpable],
  ['no core files', disableCoreDumps],
  // A daemon killed (kill -9) while a write is queued here must not have it land after the next daemon
  // loaded the keychain: the kernel kills the worker with it. If it died before this was set, exit now.
  [
    'dies with the daemon',
    () => {
      dieWithParent();
      if (process.ppid !== daemonPid) process.exit(0);
    },
  ],
] as const) {
  try {
    fn();
  } catch (err) {
    hardeningMissing.push(`${what}: ${(err as Error).message}`);
  }
}

let keytar: Keytar | undefined;
let loadError = '';
try {
  keytar = createRequire(import.meta.url)('keytar') as Keytar;
} catch (err) {
  loadError = (err as Error).message.split('\n')[0] ?? 'unknown error';
}

/** Runs one request; a locked or unreachable Secret Service is refused before keytar is called. */
async function handle(req: WorkerRequest): Promise<WorkerReply> {
  const probe = probeKeychain(PROBE_TIMEOUT_MS);
  // The bus went away under this process: answer, then exit, so that the daemon's next call starts a
  // worker that connects afresh (to a bus that may have come back at the same address).
  if (probe.busClosed) exitAfterReply = true;
  if (req.op === 'health') return { id: req.id, ok: true, result: { health: probe.health, reason: probe.reason } };
  if (probe.health !== 'ok') return { id: req.id, ok: false, error: { kind: probe.health, message: probe.reason } };
  if (!keytar) return { id: req.id, ok: false, error: { kind: 'unavailable', message: `the keychain library could not be loaded: ${loadError}` } };
  switch (req.op) {
    case 'get':
      return { id: req.id, ok: true, result: (await keytar.getPassword(req.service, req.account)) ?? undefined };
    case 'set':
      await keytar.setPassword(req.service, req.account, req.password);
      return { id: req.id, ok: true, result: undefined };
    case 'remove':
      return { id: req.id, ok: true, result: await keytar.deletePassword(req.service, req.account) };
    case 'list':
      return { id: req.id, ok: true, result: await keytar.findCredentials(req.service) };
  }
}

/** Set when this process's D-Bus connection is closed: it exits once its answer is sent. */
let exitAfterReply = false;

/** Serializes requests: one keychain call at a time, in the order the daemon sent them. */
let queue: Promise<void> = Promise.resolve();
process.on('message', (req: WorkerRequest) => {
  queue = queue.then(async () => {
    let reply: WorkerReply;
    try {
      reply = await handle(req);
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
      const kind = /locked/i.test(message) ? 'locked' : 'refused';
      reply = { id: req.id, ok: false, error: { kind, message } };
    }
    if (!exitAfterReply) {
      process.send?.(reply);
      return;
    }
    // Requests still queued here fail with this process; the daemon asks a new worker about them.
    process.send?.(reply, () => process.exit(0));
  });
});
// The daemon is gone (or closed the channel): nothing left to serve.
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, ok: true, result: { hardeningMissing } } satisfies WorkerReply);
