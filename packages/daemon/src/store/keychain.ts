// The OS keychain, reached through a worker child process that runs keytar (store/keychain-worker.ts).
// On Linux this is the Secret Service (GNOME Keyring, KWallet); on macOS the login keychain. Every call
// has a timeout, because a locked or missing keychain may hang instead of failing; and the native
// binding can crash its process on a locked keyring, so it does not run in the daemon's: a dead worker
// is a failed call, and the next call starts a new one.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LatchkeyError, unavailableError } from '@latchkey/core';
import type { KeychainHealth } from './secret-service.js';
import type { SecretStore, StoreItem } from './store.js';
import type { WorkerErrorKind, WorkerReply, WorkerRequest } from './worker-protocol.js';

export type { KeychainHealth } from './secret-service.js';

/** Time allowed for one keychain call: 2 s, so that a call that needs the keychain fails within 3 s of its start, its audit records and answer included. */
export const KEYCHAIN_TIMEOUT_MS = 2000;

/** The hint of every keychain failure that is not a lock. */
export const KEYCHAIN_HINT = 'check that the keychain is running and unlocked (on Linux: gnome-keyring-daemon), then retry';
/** The hint when the keychain is locked. */
export const LOCKED_HINT =
  'unlock the login keyring (on Linux: open "Passwords and Keys" and choose Unlock, or log in again), then retry; agent doctor shows the keychain state';

/** The variables the worker gets: what libsecret needs to find the session bus, nothing else. */
const WORKER_ENV = ['HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'XDG_RUNTIME_DIR', 'DBUS_SESSION_BUS_ADDRESS'];
const WORKER_PATH = '/usr/local/bin:/usr/bin:/bin';

/** A request sent and not yet answered. */
interface Pending {
  req: WorkerRequest;
  what: string;
  settle?: (reply: WorkerReply) => void;
}

/** The error for a keychain that is locked, as every command reports it. */
export function lockedError(): LatchkeyError {
  return unavailableError('the keychain is locked', LOCKED_HINT);
}

/** The compiled worker beside this file (src/ maps to dist/ when this runs from sources, in unit tests). */
function workerFile(): string {
  const here = fileURLToPath(new URL('./keychain-worker.js', import.meta.url));
  return existsSync(here) ? here : here.replace(/([/\\])src([/\\])store([/\\])/, '$1dist$2store$3');
}

export class KeychainStore implements SecretStore {
  readonly kind = 'keychain' as const;
  private worker: ChildProcess | undefined;
  private nextId = 1;
  /** Requests sent and not answered, timed-out ones included (a late answer is still noticed). */
  private readonly inFlight = new Map<number, Pending>();
  /** Accounts whose write or delete timed out: the keychain may still apply it (SECURITY 46). */
  private readonly unsettledAccounts = new Set<string>();
  private healthCheck: Promise<KeychainHealth> | undefined;
  /** Told about what the worker reports that is not an answer (its stderr, a death, missing hardening). */
  onNotice: (line: string) => void = () => {};
  /** Told when a call found the keychain locked (so that reads stop at once, not at the next check). */
  onLocked: () => void = () => {};

  constructor(
    readonly service: string,
    private readonly timeoutMs = KEYCHAIN_TIMEOUT_MS,
  ) {}

  get(account: string): Promise<string | undefined> {
    return this.call('read', { op: 'get', service: this.service, account }) as Promise<string | undefined>;
  }

  set(account: string, password: string): Promise<void> {
    return this.call('write', { op: 'set', service: this.service, account, password }) as Promise<void>;
  }

  remove(account: string): Promise<boolean> {
    return this.call('delete', { op: 'remove', service: this.service, account }) as Promise<boolean>;
  }

  list(): Promise<StoreItem[]> {
    return this.call('list', { op: 'list', service: this.service }) as Promise<StoreItem[]>;
  }

  async ping(): Promise<void> {
    const health = await this.health();
    if (health === 'locked') throw lockedError();
    if (health !== 'ok') throw unavailableError(`the keychain did not answer within ${this.timeoutMs / 1000}s`, KEYCHAIN_HINT);
  }

  /** A live check: locked, unavailable (stopped, frozen, no D-Bus) or ok. Never more than one at a time. */
  health(): Promise<KeychainHealth> {
    this.healthCheck ??= this.call('reach', { op: 'health' }).then(
      (r) => (r as { health: KeychainHealth }).health,
      (err: unknown) => (err instanceof LatchkeyError && err.message === 'the keychain is locked' ? 'locked' : 'unavailable'),
    );
    const check = this.healthCheck;
    // A check that timed out stays in the worker's queue; asking again would only queue more behind it.
    const clear = () => {
      if (!this.hasPending('health')) this.healthCheck = undefined;
    };
    void check.then(clear);
    return check;
  }

  pending(): number {
    return this.inFlight.size;
  }

  /** Whether some write or delete timed out and was not read back yet. */
  hasUnsettled(): boolean {
    return this.unsettledAccounts.size > 0;
  }

  /** Takes the accounts whose write or delete timed out, to read back once the keychain answers. */
  takeUnsettled(): string[] {
    const accounts = [...this.unsettledAccounts];
    this.unsettledAccounts.clear();
    return accounts;
  }

  /** Starts the worker now, before the first call needs it (it loads keytar and finds the bus meanwhile). */
  warm(): void {
    this.ensureWorker();
  }

  /** Ends the worker (the daemon is stopping). */
  close(): void {
    this.worker?.kill('SIGKILL');
  }

  private hasPending(op: WorkerRequest['op']): boolean {
    return [...this.inFlight.values()].some((p) => p.req.op === op);
  }

  /** Sends one request; rejects when the worker has not answered within the timeout. */
  private call(what: string, body: DistributiveOmit<WorkerRequest, 'id'>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = { ...body, id: this.nextId++ } as WorkerRequest;
      const pending: Pending = { req, what };
      const timer = setTimeout(() => {
        pending.settle = undefined;
        if (req.op === 'set' || req.op === 'remove') this.unsettledAccounts.add(req.account);
        reject(unavailableError(`the keychain did not answer a ${what} within ${this.timeoutMs / 1000}s`, KEYCHAIN_HINT));
      }, this.timeoutMs);
      timer.unref();
      pending.settle = (reply) => {
        clearTimeout(timer);
        if (reply.ok) resolve(reply.result);
        else {
          if (reply.error.kind === 'locked') this.onLocked();
          reject(failure(what, reply.error.kind, reply.error.message));
        }
      };
      this.inFlight.set(req.id, pending);
      try {
        this.ensureWorker().send(req);
      } catch (err) {
        this.inFlight.delete(req.id);
        clearTimeout(timer);
        reject(unavailableError(`the keychain worker could not be started: ${(err as Error).message}`, KEYCHAIN_HINT));
      }
    });
  }

  private ensureWorker(): ChildProcess {
    if (this.worker && this.worker.exitCode === null && this.worker.signalCode === null && this.worker.connected) return this.worker;
    const env: NodeJS.ProcessEnv = { PATH: WORKER_PATH };
    for (const key of WORKER_ENV) if (process.env[key] !== undefined) env[key] = process.env[key];
    const child = spawn(process.execPath, [workerFile(), String(process.pid)], { env, cwd: '/', stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      for (const line of text.split('\n')) if (line.trim()) this.onNotice(`keychain worker: ${line.trim().slice(0, 300)}`);
    });
    child.on('message', (reply: WorkerReply) => this.answer(reply));
    child.on('error', (err) => this.onNotice(`keychain worker: ${err.message}`));
    child.on('exit', (code, signal) => this.died(child, code, signal));
    // The daemon must be able to exit while its worker waits on a hung keychain.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    this.worker = child;
    return child;
  }

  private answer(reply: WorkerReply): void {
    if (reply.id === 0) {
      const missing = reply.ok ? (reply.result as { hardeningMissing?: string[] }).hardeningMissing ?? [] : [];
      for (const m of missing) this.onNotice(`keychain worker: hardening not applied: ${m}`);
      return;
    }
    const pending = this.inFlight.get(reply.id);
    this.inFlight.delete(reply.id);
    pending?.settle?.(reply);
    // A late answer to a check that timed out: the next check may ask again.
    if (pending?.req.op === 'health' && !this.hasPending('health')) this.healthCheck = undefined;
  }

  /** A dead worker fails every call it held; the next call starts a new one. */
  private died(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.worker === child) this.worker = undefined;
    const held = [...this.inFlight.values()];
    this.inFlight.clear();
    this.healthCheck = undefined;
    if (held.length === 0 && code === 0) return;
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    this.onNotice(`keychain worker ${how} while ${held.length} call(s) were in flight`);
    for (const p of held) {
      if (p.req.op === 'set' || p.req.op === 'remove') this.unsettledAccounts.add(p.req.account);
    }
    const open = held.filter((p) => p.settle);
    if (open.length === 0) return;
    // A crash inside libsecret most often means the keyring locked under the call: ask a new worker.
    void this.health().then((health) => {
      for (const p of open) {
        const kind: WorkerErrorKind = health === 'locked' ? 'locked' : 'unavailable';
        p.settle?.({ id: p.req.id, ok: false, error: { kind, message: `the keychain worker was ${how}` } });
      }
    });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The error a failed call is reported as. */
function failure(what: string, kind: WorkerErrorKind, message: string): LatchkeyError {
  if (kind === 'locked') return lockedError();
  const reason = message.split('\n')[0]?.slice(0, 200).toLowerCase() ?? '';
  if (kind === 'unavailable') return unavailableError(`the keychain could not be reached for a ${what}: ${reason}`, KEYCHAIN_HINT);
  return unavailableError(`the keychain refused a ${what}: ${reason}`, KEYCHAIN_HINT);
}
