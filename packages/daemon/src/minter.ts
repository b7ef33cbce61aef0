// Minted secrets: a shell command produces the value (`agent set NAME --mint 'gh auth token'`). The
// daemon runs it with /bin/sh -c (no value in argv), stores the result like any secret, and mints
// again when 75% of the TTL has passed. Rotation is make-before-break: the old value is served until
// the new one is in the keychain, and a failing command is retried with backoff while the old value
// lives.
import { spawn } from 'node:child_process';
import { inputError, LatchkeyError, MAX_VALUE_BYTES, quote, type Clock, type SecretMeta, type SecretRecord } from '@latchkey/core';
import type { AuditSink, Peer } from './audit.js';
import type { Logger } from './log.js';
import type { AgentService, PutInput } from './service.js';

/** Time allowed for one run of a mint command. */
export const MINT_TIMEOUT_MS = 30_000;
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

/** What a mint command produced. */
export interface Minted {
  value: string;
  expiresAt?: number;
}

/** Parses a mint command's stdout: JSON `{"value", "expires_at"}`, else the text minus one trailing newline. */
export function parseMintOutput(stdout: string): Minted {
  const trimmed = stdout.trim();
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      doc = undefined;
    }
    if (doc && typeof doc === 'object' && typeof (doc as { value?: unknown }).value === 'string') {
      const d = doc as { value: string; expires_at?: unknown };
      let expiresAt: number | undefined;
      if (typeof d.expires_at === 'number') expiresAt = d.expires_at < 1e11 ? d.expires_at * 1000 : d.expires_at;
      else if (typeof d.expires_at === 'string') expiresAt = Date.parse(d.expires_at);
      if (expiresAt !== undefined && !Number.isFinite(expiresAt)) throw inputError('the mint command printed an expires_at that does not parse');
      return { value: d.value, expiresAt };
    }
  }
  return { value: stdout.endsWith('\r\n') ? stdout.slice(0, -2) : stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout };
}

/** Runs a mint command with /bin/sh -c; its output is never logged. */
export function runMintCommand(command: string, env: NodeJS.ProcessEnv, timeoutMs = MINT_TIMEOUT_MS): Promise<Minted> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['ignore', 'pipe', 'ignore'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (b: Buffer) => {
      size += b.length;
      if (size <= MAX_VALUE_BYTES + 2) chunks.push(b);
    });
    child.on('error', (err) => reject(new LatchkeyError('unavailable', `the mint command could not start: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
    child.on('close', (code, signal) => {
      if (signal) return reject(new LatchkeyError('unavailable', `the mint command was killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs / 1000}s?)` : ''}`));
      if (code !== 0) return reject(new LatchkeyError('unavailable', `the mint command exited with code ${code}`, 'run the command by hand to see why'));
      if (size > MAX_VALUE_BYTES + 2) return reject(inputError(`the mint command printed ${size} bytes, over the limit of ${MAX_VALUE_BYTES}`));
      try {
        resolve(parseMintOutput(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(err);
      }
    });
  });
}

export interface MinterDeps {
  service: AgentService;
  audit: AuditSink;
  log: Logger;
  clock: Clock;
  /** The environment mint commands run with. */
  env: NodeJS.ProcessEnv;
  run?: typeof runMintCommand;
}

export class Minter {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  /** How long the last successful run of each secret's command took, in ms. */
  private readonly durations = new Map<string, number>();
  private closed = false;

  constructor(private readonly deps: MinterDeps) {}

  /** Stores a new minted secret: runs the command now, then keeps it fresh. */
  async create(input: Omit<PutInput, 'value'> & { mint: string }, peer?: Peer): Promise<SecretMeta> {
    const started = this.deps.clock();
    const minted = await this.run(input.mint, input.name);
    const meta = await this.deps.service.put({ ...input, value: minted.value, expiresAt: minted.expiresAt, source: 'mint' }, peer);
    this.durations.set(this.key(meta), this.deps.clock() - started);
    this.schedule(meta);
    return meta;
  }

  /** Mints the secret visible from `cwd` again now. */
  async rotate(name: string, cwd: string, peer?: Peer): Promise<SecretMeta> {
    const record = await this.deps.service.lookup(name, cwd, peer);
    if (!record.meta.mint) throw inputError(`${quote(name)} is not a minted secret`, `store it with agent set ${name} --mint 'COMMAND'`);
    return this.remint(record, peer);
  }

  /** Arms the rotation timers of every minted secret (after the daemon loaded the keychain). */
  scheduleAll(): void {
    for (const r of this.deps.service.minted()) this.schedule(r.meta);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private key(meta: SecretMeta): string {
    return `${meta.scope}:${meta.name}`;
  }

  private async run(command: string, name: string): Promise<{ value: string; expiresAt?: number }> {
    try {
      return await (this.deps.run ?? runMintCommand)(command, this.deps.env);
    } catch (err) {
      this.deps.log.warn(`mint of ${quote(name)} failed: ${(err as Error).message}`);
      await this.deps.audit.write({ event: 'mint', outcome: 'failed', secret: name, reason: (err as Error).message }).catch(() => {});
      throw err;
    }
  }

  private async remint(record: SecretRecord, peer?: Peer): Promise<SecretMeta> {
    const { meta } = record;
    const started = this.deps.clock();
    const minted = await this.run(meta.mint as string, meta.name);
    const ttlSeconds = Math.max(1, Math.round((meta.expiresAt - meta.createdAt) / 1000));
    const next = await this.deps.service.put(
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
      },
      peer,
    );
    this.deps.log.info(`minted ${quote(meta.name)} again; expires ${new Date(next.expiresAt).toISOString()}`);
    this.failures.delete(this.key(meta));
    this.durations.set(this.key(meta), this.deps.clock() - started);
    this.schedule(next);
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
    const current = this.deps.service.current(meta.scope, meta.name);
    // Gone, replaced by a plain secret, or already rotated by someone else: nothing to do here.
    if (!current?.meta.mint || current.meta.createdAt !== meta.createdAt) {
      if (current?.meta.mint && current.meta.createdAt !== meta.createdAt) this.schedule(current.meta);
      return;
    }
    const now = this.deps.clock();
    if (now < this.rotateAt(meta) - 5 && !this.failures.has(key)) {
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
      const backoff = Math.min(60_000, 250 * 2 ** Math.min(attempt, 8));
      this.schedule(meta, backoff);
    }
  }
}
