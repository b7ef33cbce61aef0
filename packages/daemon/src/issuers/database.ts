// Temporary database users (kinds postgres, mysql, redis): created on the server through an admin
// connection URL held in a stored secret, torn down for certain when their lease ends.
//
// Order of an issue: read the admin secret (an audited use of it); then at once, check the admin is an
// admin and the grants are allowed (refusals happen here, before anything exists), write and sync the
// ledger's `begin` line, and compute the password's verifier (what the server stores, verifiers.ts);
// once all three are done, create the user, audit `created`. A refused lease's `begin` line is followed
// by its `done` line. Order of a teardown: disable (no new logins), kill its sessions,
// drop, write the ledger's `done` line; each step audited. A teardown that fails (the server is down, a
// drop refused) is audited with the reason, shown as `teardown pending`, and tried again with backoff
// (250 ms doubling to 30 s) until it succeeds; the ledger keeps it across a daemon restart.
//
// At start the daemon hands the ledger's open entries to `recover()`: those whose lease ended (TTL
// passed, bound process gone, matched by pid and /proc start time) are torn down; those still live are
// adopted and watched until they end (IntrospectTempKey knows them by the hash of their value the
// ledger keeps). Passwords live in memory only, and never in an audit record, a log line or an error: a
// server message that happens to hold one is cut out.
import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DATABASE_KINDS, inputError, isLatchkeyError, isoTime, LatchkeyError, quote, unavailableError, validateDatabaseParams, type DatabaseKind } from '@latchkey/core';
import type { LeaseIntrospection } from '@latchkey/protocol';
import type { AuditEvent, AuditSink, Peer } from '../audit.js';
import type { Ledger, LedgerEntry } from '../ledger.js';
import type { Logger } from '../log.js';
import type { LeaseKind } from './kinds.js';

/** What a backend needs to create, find and drop one user. */
export interface DbUserSpec {
  leaseId: string;
  user: string;
  /** Empty when tearing down (not known any more). */
  password: string;
  /** What the server is sent instead of the password (DbBackend.verifier); empty when tearing down. */
  verifier: string;
  expiresAt: number;
  params: Record<string, string>;
  /** The admin secret's name (for messages). */
  admin: string;
  /** What the admin secret allows a grant to give (superuser, createrole, bypassrls). */
  allow: ReadonlySet<string>;
}

/** An admin connection to one server. */
export interface DbAdmin {
  /**
   * Refuses (denied) when the connection's user cannot create users; then grants of unknown roles
   * (input) or of elevated ones not allowed (denied).
   */
  check(spec: DbUserSpec): Promise<void>;
  create(spec: DbUserSpec): Promise<unknown>;
  exists(user: string): Promise<boolean>;
  /** Stops new logins; false when the user does not exist. */
  disable(user: string): Promise<boolean>;
  /** Closes the user's open sessions; returns how many. */
  killSessions(user: string): Promise<number>;
  drop(spec: DbUserSpec): Promise<void>;
  /** The users whose name starts with `prefix` (tests and diagnostics). */
  users(prefix: string): Promise<string[]>;
}

/** One server kind. */
export interface DbBackend {
  kind: DatabaseKind;
  connect(adminUrl: string, spec: DbUserSpec): Promise<DbAdmin>;
  /** The value handed to the caller: a connection URL, or the password with `format=password`. */
  valueOf(adminUrl: string, spec: DbUserSpec): string;
  /** What the server stores for a password, sent in its place so that no server log holds it. */
  verifier(password: string): Promise<string>;
  /** Closes pooled admin connections. */
  closeAll(): Promise<void>;
}

/** The admin secret's value and what its metadata allows. */
export interface AdminSecret {
  value: string;
  allow: ReadonlySet<string>;
}

export interface DatabaseUsersDeps {
  ledger: Ledger;
  audit: AuditSink;
  log: Logger;
  clock: () => number;
  /** Reads the admin secret with the scope the caller has from `use.cwd` (an audited read). */
  readAdmin: (name: string, peer: Peer | undefined, use: { cwd: string; fields?: Record<string, unknown> }) => Promise<AdminSecret>;
  /** Whether a bound process still runs and started when it did at binding. */
  isAlive: (pid: number, start: string | undefined) => boolean;
  /** The backends by kind, loaded on first use (default: the modules beside this one). */
  backends?: Partial<Record<DatabaseKind, () => Promise<DbBackend>>>;
  /** First retry delay and the most a delay grows to, in ms (default 250 and 30,000). */
  retryMs?: { first: number; max: number };
  /** How often adopted users (found live at start) are checked, in ms (default 250). */
  pollMs?: number;
}

const DEFAULT_BACKENDS: Record<DatabaseKind, () => Promise<DbBackend>> = {
  postgres: async () => (await import('./postgres.js')).postgresBackend,
  mysql: async () => (await import('./mysql.js')).mysqlBackend,
  redis: async () => (await import('./redis.js')).redisBackend,
};

/**
 * Loads a database client library (CommonJS) on first use. A stat of a regular file comes first: Node
 * 20's fs.realpathSync with a cache reads the type of the *previous* stat call to decide whether a
 * cached path part ends the walk, so right after the daemon's socket check (an lstat of its socket) the
 * loader's realpath returned the workspace symlink unresolved, cached it, and the library then missed
 * its own dependencies ("cannot find module 'pg-types'").
 */
export function requireLibrary<T>(name: string): T {
  statSync(fileURLToPath(import.meta.url));
  return createRequire(import.meta.url)(name) as T;
}

/** The user name of a lease: `lk_` and the lease id's random part. */
export function userOf(leaseId: string): string {
  return `lk_${leaseId.replace(/^lease_/, '')}`;
}

/** What the ledger keeps of a value to know it again: a domain-separated SHA-256, hex. */
export function valueHash(value: string): string {
  return createHash('sha256').update('latchkey db-user value\0').update(value, 'utf8').digest('hex');
}

/** A user's place in `agent leases` when it is not an ordinary active lease. */
export interface DbUserState {
  leaseId: string;
  kind: DatabaseKind;
  user: string;
  issuedAt: number;
  expiresAt: number;
  boundPid: number;
  /** `teardown pending` (a teardown failed and is retried) or `adopted` (live at daemon start). */
  state: 'teardown pending' | 'adopted';
  attempts: number;
  lastError: string;
}

interface Tracked {
  entry: LedgerEntry;
  /** The admin URL while this daemon holds it (read again after a restart). */
  adminUrl: string | undefined;
  allow: ReadonlySet<string>;
  state: 'live' | 'tearing' | 'teardown pending' | 'adopted';
  attempts: number;
  lastError: string;
  timer: NodeJS.Timeout | undefined;
  running: Promise<void> | undefined;
  reason: string;
}

export interface CreateRequest {
  kind: DatabaseKind;
  leaseId: string;
  issuedAt: number;
  expiresAt: number;
  params: Record<string, string>;
  cwd: string;
  boundPid: number;
  boundStart: string | undefined;
  fields?: Record<string, unknown>;
}

/** Creates temporary database users and tears them down. */
export class DatabaseUsers {
  private readonly tracked = new Map<string, Tracked>();
  private readonly backends: Record<DatabaseKind, () => Promise<DbBackend>>;
  private readonly loaded = new Map<DatabaseKind, DbBackend>();
  private pollTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly deps: DatabaseUsersDeps) {
    this.backends = { ...DEFAULT_BACKENDS, ...deps.backends };
  }

  /**
   * Creates the user of a new lease and returns the value (a URL or the password). Throws, with nothing
   * created, when the admin is no admin or a grant is refused.
   */
  async create(req: CreateRequest, peer: Peer | undefined): Promise<string> {
    const admin = req.params.admin as string;
    const secret = await this.deps.readAdmin(admin, peer, { cwd: req.cwd, fields: { ...req.fields, leaseId: req.leaseId, kind: req.kind } });
    const backend = await this.backend(req.kind);
    const spec: DbUserSpec = {
      leaseId: req.leaseId,
      user: userOf(req.leaseId),
      password: randomBytes(24).toString('base64url'),
      verifier: '',
      expiresAt: req.expiresAt,
      params: req.params,
      admin,
      allow: secret.allow,
    };
    const redact = redactor([spec.password, secret.value]);
    const value = backend.valueOf(secret.value, spec);
    const entry: LedgerEntry = {
      leaseId: req.leaseId,
      kind: req.kind,
      user: spec.user,
      admin,
      cwd: req.cwd,
      params: req.params,
      issuedAt: req.issuedAt,
      expiresAt: req.expiresAt,
      boundPid: req.boundPid,
      ...(req.boundStart !== undefined ? { boundStart: req.boundStart } : {}),
      valueHash: valueHash(value),
    };
    // The three steps that must precede the CREATE run at once (awaited below, so never unhandled).
    const begun = this.deps.ledger.begin(entry);
    begun.catch(() => undefined);
    const verifier = backend.verifier(spec.password);
    verifier.catch(() => undefined);
    let conn: DbAdmin;
    try {
      conn = await backend.connect(secret.value, spec);
      await conn.check(spec);
    } catch (err) {
      const e = this.asError(err, redact, `the ${req.kind} server of admin secret ${quote(admin)}`);
      await this.event(req.leaseId, req.kind, spec.user, 'refused', { admin, reason: e.message }, peer);
      // Nothing was created: the ledger's entry is closed (a line lost here only makes the next start find no such user).
      begun.then(() => this.deps.ledger.done(req.leaseId)).catch((err2: unknown) => this.deps.log.warn(`ledger line lost for lease ${req.leaseId}: ${(err2 as Error).message}`));
      throw e;
    }
    await begun;
    spec.verifier = await verifier;
    const t: Tracked = { entry, adminUrl: secret.value, allow: secret.allow, state: 'live', attempts: 0, lastError: '', timer: undefined, running: undefined, reason: '' };
    this.tracked.set(req.leaseId, t);
    try {
      await conn.create(spec);
    } catch (err) {
      const e = this.asError(err, redact, `the ${req.kind} server of admin secret ${quote(admin)}`);
      await this.event(req.leaseId, req.kind, spec.user, 'failed', { step: 'create', admin, reason: e.message }, peer);
      // It may exist in part (a connection lost mid-way): tear down what there is.
      await this.teardown(req.leaseId, 'create failed');
      throw e;
    }
    void this.event(req.leaseId, req.kind, spec.user, 'created', { admin, expiresAt: isoTime(req.expiresAt), ...grantFields(req.params) }, peer);
    return value;
  }

  /**
   * Tears a lease's user down; resolves after the first attempt. A failed attempt leaves the user as
   * `teardown pending` and retries with backoff. Concurrent calls share one teardown.
   */
  async teardown(leaseId: string, reason: string): Promise<void> {
    const t = this.tracked.get(leaseId);
    if (!t) return;
    if (t.running) return t.running;
    if (t.state === 'teardown pending' && t.timer) {
      clearTimeout(t.timer);
      t.timer = undefined;
    }
    t.reason = reason;
    t.state = 'tearing';
    t.running = this.attempt(t).finally(() => (t.running = undefined));
    return t.running;
  }

  /**
   * Takes the ledger's open entries at daemon start: tears down the users whose lease ended (TTL passed,
   * bound process gone) and adopts the others until they end. Resolves when every first attempt is done.
   */
  async recover(entries: LedgerEntry[]): Promise<void> {
    const now = this.deps.clock();
    const ending: Promise<void>[] = [];
    for (const entry of entries) {
      const t: Tracked = { entry, adminUrl: undefined, allow: new Set(), state: 'adopted', attempts: 0, lastError: '', timer: undefined, running: undefined, reason: '' };
      this.tracked.set(entry.leaseId, t);
      const why = this.endReason(entry, now);
      if (why) ending.push(this.teardown(entry.leaseId, why));
    }
    if ([...this.tracked.values()].some((t) => t.state === 'adopted')) this.startPoll();
    await Promise.all(ending);
  }

  /** Ends an adopted lease now (a RevokeLease for a lease this daemon found at start). */
  async revokeAdopted(leaseId: string): Promise<boolean> {
    const t = this.tracked.get(leaseId);
    if (!t || t.state !== 'adopted') return false;
    await this.teardown(leaseId, 'revoked');
    return true;
  }

  /**
   * IntrospectTempKey for the users adopted at start (the lease manager knows only the leases it
   * issued): active while the adopted lease is good; one that ended is torn down in the background.
   * Undefined when `value` is no adopted user's.
   */
  introspect(value: string): LeaseIntrospection | undefined {
    if (typeof value !== 'string' || value === '') return undefined;
    const hash = valueHash(value);
    const now = this.deps.clock();
    for (const t of this.tracked.values()) {
      if (t.state !== 'adopted' || t.entry.valueHash !== hash) continue;
      const why = this.endReason(t.entry, now);
      if (why) {
        void this.teardown(t.entry.leaseId, why);
        return undefined;
      }
      return { active: true, leaseId: t.entry.leaseId, expiresAt: t.entry.expiresAt, kind: t.entry.kind };
    }
    return undefined;
  }

  /** Users that are not plain active leases: adopted at start, or waiting for a teardown to succeed. */
  states(): DbUserState[] {
    const out: DbUserState[] = [];
    for (const t of this.tracked.values()) {
      if (t.state === 'live') continue;
      out.push({
        leaseId: t.entry.leaseId,
        kind: t.entry.kind,
        user: t.entry.user,
        issuedAt: t.entry.issuedAt,
        expiresAt: t.entry.expiresAt,
        boundPid: t.entry.boundPid,
        state: t.state === 'adopted' ? 'adopted' : 'teardown pending',
        attempts: t.attempts,
        lastError: t.lastError,
      });
    }
    return out;
  }

  /** How many users this daemon still has to tear down (live, adopted or pending). */
  get size(): number {
    return this.tracked.size;
  }

  /** Stops retries and polling; what is not torn down stays in the ledger for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    for (const t of this.tracked.values()) if (t.timer) clearTimeout(t.timer);
    await Promise.all([...this.tracked.values()].map((t) => t.running?.catch(() => undefined)));
    await Promise.all([...this.loaded.values()].map((b) => b.closeAll()));
  }

  // --- internals ---

  private endReason(entry: LedgerEntry, now: number): string | undefined {
    if (now >= entry.expiresAt) return 'expired';
    if (entry.boundPid > 0 && !this.deps.isAlive(entry.boundPid, entry.boundStart)) return 'process exited';
    return undefined;
  }

  private startPoll(): void {
    if (this.pollTimer || this.closed) return;
    this.pollTimer = setInterval(() => {
      const now = this.deps.clock();
      let adopted = 0;
      for (const t of this.tracked.values()) {
        if (t.state !== 'adopted') continue;
        adopted++;
        const why = this.endReason(t.entry, now);
        if (why) void this.teardown(t.entry.leaseId, why);
      }
      if (adopted === 0 && this.pollTimer) {
        clearInterval(this.pollTimer);
        this.pollTimer = undefined;
      }
    }, this.deps.pollMs ?? 250);
    this.pollTimer.unref();
  }

  private async attempt(t: Tracked): Promise<void> {
    const { entry } = t;
    t.attempts++;
    let redact = redactor(t.adminUrl ? [t.adminUrl] : []);
    let step = 'read admin';
    try {
      if (t.adminUrl === undefined) {
        const secret = await this.deps.readAdmin(entry.admin, undefined, { cwd: entry.cwd, fields: { leaseId: entry.leaseId, kind: entry.kind, reason: 'teardown' } });
        t.adminUrl = secret.value;
        t.allow = secret.allow;
        redact = redactor([secret.value]);
      }
      const backend = await this.backend(entry.kind);
      const spec: DbUserSpec = { leaseId: entry.leaseId, user: entry.user, password: '', verifier: '', expiresAt: entry.expiresAt, params: entry.params, admin: entry.admin, allow: t.allow };
      step = 'connect';
      const conn = await backend.connect(t.adminUrl, spec);
      step = 'disable';
      const existed = await conn.disable(entry.user);
      if (existed) {
        void this.event(entry.leaseId, entry.kind, entry.user, 'disabled', { reason: t.reason });
        step = 'kill sessions';
        const sessions = await conn.killSessions(entry.user);
        void this.event(entry.leaseId, entry.kind, entry.user, 'sessions-killed', { sessions });
        step = 'drop';
        await conn.drop(spec);
        void this.event(entry.leaseId, entry.kind, entry.user, 'dropped', {});
      } else {
        void this.event(entry.leaseId, entry.kind, entry.user, 'dropped', { note: 'no such user on the server' });
      }
      // Not awaited: a `done` line lost to a crash only makes the next start find no such user.
      this.deps.ledger.done(entry.leaseId).catch((err: unknown) => this.deps.log.warn(`ledger line lost for lease ${entry.leaseId}: ${(err as Error).message}`));
      this.tracked.delete(entry.leaseId);
    } catch (err) {
      const e = this.asError(err, redact, `the ${entry.kind} server of admin secret ${quote(entry.admin)}`);
      t.lastError = `${step}: ${e.message}`;
      t.state = 'teardown pending';
      const first = this.deps.retryMs?.first ?? 250;
      const max = this.deps.retryMs?.max ?? 30_000;
      const delay = Math.min(max, first * 2 ** Math.min(t.attempts - 1, 20));
      this.deps.log.warn(`teardown of ${entry.kind} user ${entry.user} (lease ${entry.leaseId}) failed at ${step}: ${e.message}; retrying in ${delay} ms`);
      await this.event(entry.leaseId, entry.kind, entry.user, 'failed', { step, reason: e.message, attempt: t.attempts, retryInMs: delay });
      if (!this.closed) {
        t.timer = setTimeout(() => {
          t.timer = undefined;
          void this.teardown(entry.leaseId, t.reason);
        }, delay);
        t.timer.unref();
      }
    }
  }

  private async backend(kind: DatabaseKind): Promise<DbBackend> {
    let b = this.loaded.get(kind);
    if (!b) {
      b = await this.backends[kind]();
      this.loaded.set(kind, b);
    }
    return b;
  }

  /** A LatchkeyError as it is; anything else (a server or network error) as unavailable, redacted. */
  private asError(err: unknown, redact: (s: string) => string, where: string): LatchkeyError {
    if (isLatchkeyError(err)) return err;
    const e = err as { message?: string; code?: string };
    const msg = redact(String(e.message ?? err)).replace(/\s+/g, ' ').trim().toLowerCase();
    if (e.code === 'ERR_INVALID_URL') return inputError(`${where}: the admin URL does not parse`);
    return unavailableError(`${where} answered: ${msg}`, 'check that the server runs and that the admin secret holds a working admin URL');
  }

  /**
   * Audits a step. The steps of a success are not awaited by their callers: records are written in the
   * order asked, so the lease's own record (awaited by the lease manager) lands after them.
   */
  private async event(leaseId: string, kind: DatabaseKind, user: string, outcome: string, fields: Record<string, unknown>, peer?: Peer): Promise<void> {
    const event: AuditEvent = { event: 'db-user', outcome, leaseId, kind, user, ...fields };
    if (peer) event.peer = peer;
    try {
      await this.deps.audit.write(event);
    } catch (err) {
      this.deps.log.error(`audit record lost for ${kind} user ${user} (${outcome}): ${(err as Error).message}`);
    }
  }
}

/**
 * The lease kinds postgres, mysql and redis, served by `users`: a lease's mint creates its user, its end
 * tears the user down (the first attempt is awaited; a failed one is retried by `users`).
 */
export function databaseKinds(users: DatabaseUsers): Record<DatabaseKind, LeaseKind> {
  const kindOf = (kind: DatabaseKind): LeaseKind => ({
    check: (params) => validateDatabaseParams(kind, params),
    mint: async (m) => {
      const value = await users.create(
        { kind, leaseId: m.leaseId, issuedAt: m.issuedAt, expiresAt: m.expiresAt, params: m.params, cwd: m.cwd, boundPid: m.boundPid, boundStart: m.binding, fields: m.fields },
        m.peer,
      );
      return { value, handle: m.leaseId };
    },
    end: (minted, how) => users.teardown(minted.handle as string, how),
  });
  return Object.fromEntries(DATABASE_KINDS.map((k) => [k, kindOf(k)])) as Record<DatabaseKind, LeaseKind>;
}

function grantFields(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['grant', 'privileges', 'database', 'schema', 'keys', 'channels', 'commands']) if (params[k] !== undefined) out[k] = params[k] as string;
  return out;
}

/** Cuts every occurrence of the given secrets (and a URL's password part) out of a message. */
function redactor(secrets: string[]): (s: string) => string {
  const parts = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    parts.add(s);
    try {
      const u = new URL(s);
      if (u.password) {
        parts.add(u.password);
        parts.add(decodeURIComponent(u.password));
      }
    } catch {
      // not a URL
    }
  }
  const list = [...parts].filter((p) => p.length >= 4).sort((a, b) => b.length - a.length);
  return (s) => list.reduce((acc, p) => acc.split(p).join('***'), s);
}
