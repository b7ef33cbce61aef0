// Minted secrets: a shell command produces the value (`agent set NAME --mint 'gh auth token'`). The
// daemon runs it (mint-command.ts), stores the result like any secret, and mints again when 75% of the
// TTL has passed. Rotation is make-before-break: the old value is served until the new one is stored.
//
// A value the command produced is never thrown away before it is stored: the command may have had a side
// effect (a provider that revokes the previous token, `ALTER ROLE ... PASSWORD`), so a value nobody holds
// is a credential lost. When the store (or its audit) fails, the new value is held in memory and served,
// the store is retried with backoff until it lands, and the command is not run again meanwhile. The held
// value survives a restart only if a retry landed in the keychain: it is never written to a file.
import { inputError, isLatchkeyError, isoTime, quote, redactValues, type Clock, type Scope, type SecretMeta, type SecretRecord } from '@latchkey/core';
import { DEFAULT_SAFE_PATH } from '@latchkey/protocol';
import type { AuditSink, Peer } from './audit.js';
import type { Logger } from './log.js';
import { MintFailure, runMintCommand, type MintRunOptions, type MintStep } from './mint-command.js';
import type { Minted } from './mint-output.js';
import { resolveMintProgram } from './mint-program.js';
import { failedInStore, type AgentService, type PutInput } from './service.js';

export { MINT_TIMEOUT_MS, runMintCommand } from './mint-command.js';
export { parseMintOutput, type Minted } from './mint-output.js';

/** Rotation starts when this share of the lifetime has passed... */
export const ROTATE_AT = 0.75;
/**
 * ...or earlier, when the command is slow: twice its last run time (plus a margin) before the expiry,
 * but never before this share of the lifetime. A 1 s secret whose command takes 0.3 s is then minted
 * again at 0.5 s, not at 0.75 s, when the new value would land after the old one expired.
 */
export const ROTATE_NOT_BEFORE = 0.5;
const ROTATE_MARGIN_MS = 100;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Backoff of a failing command, and of a store retry (shorter cap: the value is only in memory). */
const COMMAND_BACKOFF_MAX_MS = 60_000;
const STORE_BACKOFF_MAX_MS = 10_000;
/** How long before the old value's expiry a new value whose store is still running is served anyway. */
const SERVE_EARLY_LEAD_MS = 50;

/** Runs one mint command (the real one, or a fake in unit tests). */
export type MintRunner = (command: string, options: MintRunOptions) => Promise<Minted>;

export interface MinterDeps {
  service: AgentService;
  audit: AuditSink;
  log: Logger;
  clock: Clock;
  /** The environment mint commands run with: the daemon's clean one, PATH from config. */
  env: NodeJS.ProcessEnv;
  /** The fixed working directory of mint commands (the state folder). */
  cwd: string;
  run?: MintRunner;
}

/** A minted value whose store has not landed yet, and the input that stores it. */
interface Pending {
  input: PutInput;
  record: SecretRecord;
  attempt: number;
}

/** Runs mint commands, stores what they print, and keeps every minted secret fresh. */
export class Minter {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private readonly pending = new Map<string, Pending>();
  /** How long the last successful run of each secret's command took, in ms. */
  private readonly durations = new Map<string, number>();
  private closed = false;

  constructor(private readonly deps: MinterDeps) {}

  /** Stores a new minted secret: pins its program, runs the command now, then keeps it fresh. */
  async create(input: Omit<PutInput, 'value'> & { mint: string }, peer?: Peer): Promise<SecretMeta> {
    const { command } = resolveMintProgram(input.mint, this.deps.env.PATH ?? DEFAULT_SAFE_PATH);
    const started = this.deps.clock();
    const minted = await this.run(command, input.name);
    const ran = this.deps.clock() - started; // the command's own time, not the keychain's
    const meta = await this.store({ ...input, mint: command, value: minted.value, expiresAt: minted.expiresAt, source: 'mint', createdAt: started + ran }, peer);
    this.durations.set(this.key(meta), ran);
    if (!this.pending.has(this.key(meta))) this.schedule(meta);
    return meta;
  }

  /** Mints the secret visible from `cwd` again now (or, while a minted value awaits its store, stores it). */
  async rotate(name: string, cwd: string, peer?: Peer): Promise<SecretMeta> {
    const record = await this.deps.service.lookup(name, cwd, peer);
    if (!record.meta.mint) throw inputError(`${quote(name)} is not a minted secret`, `store it with agent set ${name} --mint 'COMMAND'`);
    const held = this.pending.get(this.key(record.meta));
    if (held) return this.retryStore(this.key(record.meta), held);
    return this.remint(record, peer);
  }

  /** Arms the rotation timers of every minted secret (after the daemon loaded the keychain). */
  scheduleAll(): void {
    for (const r of this.deps.service.minted()) this.schedule(r.meta);
  }

  /** Whether a minted value of this secret is served from memory, its store not landed yet. */
  isHeld(scope: Scope, name: string): boolean {
    return this.pending.has(`${scope}:${name}`);
  }

  /** Tries once more to store every held value (at shutdown: memory is all that holds them). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending].map(([key, held]) => this.retryStore(key, held).catch(() => undefined)));
  }

  /** Stops every timer (pending values stay unstored: they were never written anywhere but the keychain). */
  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const [key] of this.pending) this.deps.log.error(`the minted value of ${quote(key)} was never stored and is lost with this daemon`);
  }

  private key(meta: SecretMeta): string {
    return `${meta.scope}:${meta.name}`;
  }

  /** Runs the command; a failure is logged and audited as the command step, with its redacted stderr. */
  private async run(command: string, name: string): Promise<Minted> {
    try {
      return await (this.deps.run ?? runMintCommand)(command, {
        env: this.deps.env,
        cwd: this.deps.cwd,
        redact: (text) => redactValues(text, this.deps.service.knownValues()),
      });
    } catch (err) {
      const stderr = err instanceof MintFailure ? err.stderr : '';
      this.deps.log.warn(`mint of ${quote(name)} failed at the command step: ${(err as Error).message}${stderr ? `; its stderr: ${stderr}` : ''}`);
      await this.deps.audit.write({ event: 'mint', outcome: 'failed', secret: name, step: 'command', reason: (err as Error).message }).catch(() => {});
      throw err;
    }
  }

  /**
   * Stores a minted value; when the store or its audit fails, holds it in memory and retries. When it
   * replaces `previous` and the store is still running as `previous` is about to expire (a frozen keychain
   * answers only at its 3 s timeout), the new value is served from memory already.
   */
  private async store(input: PutInput, peer?: Peer, previous?: SecretRecord): Promise<SecretMeta> {
    const early = previous
      ? setTimeout(() => this.deps.service.serveEarly(input, previous), Math.max(0, previous.meta.expiresAt - SERVE_EARLY_LEAD_MS - this.deps.clock()))
      : undefined;
    try {
      return await this.deps.service.put(input, peer);
    } catch (err) {
      if (refusedValue(err)) throw err;
      let record: SecretRecord;
      try {
        record = await this.deps.service.hold(input);
      } catch {
        // Expired while the keychain kept it waiting: nothing left worth holding; the command runs again.
        this.deps.log.warn(`mint of ${quote(input.name)} failed at the ${failedInStore(err) ? 'store' : 'audit'} step: ${(err as Error).message}; the new value expired before the keychain answered`);
        throw err;
      }
      const key = this.key(record.meta);
      const held: Pending = { input: { ...input, scope: record.meta.scope, createdAt: record.meta.createdAt, expiresAt: record.meta.expiresAt }, record, attempt: 0 };
      this.pending.set(key, held);
      this.heldFailed(key, held, failedInStore(err) ? 'store' : 'audit', err as Error);
      return record.meta;
    } finally {
      clearTimeout(early);
    }
  }

  /** Logs and audits a failed store of a held value, and arms its next retry. */
  private heldFailed(key: string, held: Pending, step: MintStep, err: Error): void {
    held.attempt++;
    // Never past the value's expiry: then the command must run again (see fire).
    const untilExpiry = Math.max(0, held.record.meta.expiresAt - this.deps.clock());
    const wait = Math.min(STORE_BACKOFF_MAX_MS, 250 * 2 ** Math.min(held.attempt, 8), untilExpiry);
    const name = held.record.meta.name;
    this.deps.log.warn(
      `mint of ${quote(name)} failed at the ${step} step: ${err.message}; the command succeeded, its value is served from memory and its store retried in ${wait / 1000}s (attempt ${held.attempt})`,
    );
    void this.deps.audit.write({ event: 'mint', outcome: 'held', secret: name, scope: held.record.meta.scope, step, reason: err.message }).catch(() => {});
    this.schedule(held.record.meta, wait);
  }

  /** Tries again to store a held value; on success the secret rotates on its normal schedule. */
  private async retryStore(key: string, held: Pending): Promise<SecretMeta> {
    const { scope, name } = held.record.meta;
    if (this.deps.service.current(scope, name) !== held.record) {
      this.pending.delete(key); // replaced (`agent set`) or removed meanwhile: nothing left to store
      const current = this.deps.service.current(scope, name);
      if (current) this.schedule(current.meta);
      return current?.meta ?? held.record.meta;
    }
    try {
      const meta = await this.deps.service.put(held.input);
      this.pending.delete(key);
      this.deps.log.info(`the held minted value of ${quote(name)} is stored after ${held.attempt} failed attempt(s)`);
      this.schedule(meta);
      return meta;
    } catch (err) {
      if (refusedValue(err)) {
        this.pending.delete(key);
        throw err;
      }
      this.heldFailed(key, held, failedInStore(err) ? 'store' : 'audit', err as Error);
      return held.record.meta;
    }
  }

  private async remint(record: SecretRecord, peer?: Peer): Promise<SecretMeta> {
    const { meta } = record;
    const started = this.deps.clock();
    const minted = await this.run(meta.mint as string, meta.name);
    const ran = this.deps.clock() - started; // the command's own time, not the keychain's
    const ttlSeconds = Math.max(1, Math.round((meta.expiresAt - meta.createdAt) / 1000));
    const next = await this.store(
      {
        name: meta.name,
        value: minted.value,
        ttlSeconds,
        expiresAt: minted.expiresAt,
        owner: meta.owner,
        description: meta.description,
        project: false,
        cwd: '',
        scope: meta.scope,
        source: 'mint',
        mint: meta.mint,
        // The value's life starts when the command produced it (a slow command on a loaded machine
        // would otherwise eat into the time the value is served).
        createdAt: started + ran,
      },
      peer,
      record,
    );
    this.deps.log.info(`minted ${quote(meta.name)} again; expires ${isoTime(next.expiresAt)}`);
    this.failures.delete(this.key(meta));
    this.durations.set(this.key(meta), ran);
    if (!this.pending.has(this.key(meta))) this.schedule(next);
    return next;
  }

  /** When `meta` is due to be minted again: at 75% of its lifetime, earlier for a slow command. */
  private rotateAt(meta: SecretMeta): number {
    const life = meta.expiresAt - meta.createdAt;
    const lead = 2 * (this.durations.get(this.key(meta)) ?? 0) + ROTATE_MARGIN_MS;
    return Math.max(meta.createdAt + ROTATE_NOT_BEFORE * life, Math.min(meta.createdAt + ROTATE_AT * life, meta.expiresAt - lead));
  }

  /** Arms the timer that mints `meta` again at 75% of its lifetime (or retries with backoff). */
  private schedule(meta: SecretMeta, retryInMs?: number): void {
    if (this.closed || !meta.mint) return;
    const key = this.key(meta);
    clearTimeout(this.timers.get(key));
    const now = this.deps.clock();
    const due = retryInMs !== undefined ? now + retryInMs : this.rotateAt(meta);
    const timer = setTimeout(() => void this.fire(meta), Math.min(MAX_TIMER_MS, Math.max(0, due - now)));
    timer.unref();
    this.timers.set(key, timer);
  }

  private async fire(meta: SecretMeta): Promise<void> {
    const key = this.key(meta);
    this.timers.delete(key);
    const held = this.pending.get(key);
    // A held value is stored before anything else happens, unless it expired unstored: a value past its
    // expiry is never served, so holding it would only keep the secret dead; the command runs again.
    if (held && this.deps.clock() < held.record.meta.expiresAt) {
      await this.retryStore(key, held).catch(() => {});
      return;
    }
    if (held) {
      this.pending.delete(key);
      this.deps.log.warn(`the held minted value of ${quote(held.record.meta.name)} expired before its store landed; minting again`);
    }
    const current = this.deps.service.current(meta.scope, meta.name);
    // Gone, replaced by a plain secret, or already rotated by someone else: nothing to do here.
    if (!current?.meta.mint || current.meta.createdAt !== meta.createdAt) {
      if (current?.meta.mint && current.meta.createdAt !== meta.createdAt) this.schedule(current.meta);
      return;
    }
    const now = this.deps.clock();
    if (now < this.rotateAt(meta) - 5 && !this.failures.has(key) && !held) {
      this.schedule(meta); // a timer capped at 24.8 days fired early
      return;
    }
    try {
      await this.remint(current);
    } catch {
      const attempt = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempt);
      if (this.deps.clock() >= meta.expiresAt) {
        this.deps.log.warn(`${quote(meta.name)} expired while its mint command kept failing; retrying`);
      }
      this.schedule(meta, Math.min(COMMAND_BACKOFF_MAX_MS, 250 * 2 ** Math.min(attempt, 8)));
    }
  }
}

/**
 * Whether `put` refused the value itself (a check: too long, already expired), which no retry mends. Any
 * other failure is of the keychain write or of the audit record it needs, and the value is held.
 */
function refusedValue(err: unknown): boolean {
  return !failedInStore(err) && isLatchkeyError(err) && err.kind === 'input';
}
