// The Agent service as a plain class: the in-memory view of the keychain, and the rules for reading,
// writing, listing and expiring secrets. The keychain is the source of truth: it is read once at start,
// every write goes to it first, and expiry is checked against the clock at every read.
import {
  accountOf,
  classifyToken,
  assertSecretName,
  assertValue,
  checkTtl,
  decodeRecord,
  deniedError,
  ELEVATED_GRANTS,
  encodeRecord,
  formatDuration,
  GLOBAL_SCOPE,
  inputError,
  isExpired,
  MalformedRecord,
  notFoundError,
  quote,
  relativeTime,
  resolveVisible,
  type Clock,
  type Scope,
  type SecretMeta,
  type SecretRecord,
  type SecretSource,
  type TtlPolicy,
} from '@latchkey/core';
import type { AuditSink, Peer } from './audit.js';
import { isInternalAccount } from './audit-seal.js';
import type { EventBus } from './events.js';
import { KeyedMap, SortedKeys, takePage, type Page, type PageRequest } from './paging.js';
import { compareText } from './collate.js';
import type { Usage, UsageStats } from './usage.js';
import type { Logger } from './log.js';
import type { SecretStore } from './store/store.js';

/** What the service needs from the world. */
export interface ServiceDeps {
  store: SecretStore;
  audit: AuditSink;
  log: Logger;
  clock: Clock;
  ttl: TtlPolicy;
  /** Finds the project root for a working directory (nearest agent.env, else Git root). */
  projectRoot: (cwd: string) => string | undefined;
  /** Where changes are announced (watch mode); optional. */
  events?: EventBus;
  /** Usage statistics for the inventory; optional. */
  usage?: UsageStats;
  /** Throws when values must not be served now (the keychain is locked); optional. */
  readGate?: () => void;
  /** Told of each value that stops being current (replaced, removed, swept), for the scanner; optional. */
  onRetire?: (record: SecretRecord, reason: RetireReason) => void;
}

/** Why a value stopped being current. */
export type RetireReason = 'replaced' | 'removed' | 'expired';

/** How a read is recorded in the audit log. */
export interface ReadContext {
  /** The audit event name: "get" for `agent get`, "exec" for a resolved manifest. */
  event?: string;
  /** Extra audit fields, such as the command and working directory. */
  fields?: Record<string, unknown>;
  /** Where this read's records go (an AuditBatch of the call); the daemon's audit log when absent. */
  audit?: AuditSink;
  /** Finds the project root of a folder, when the caller shares one lookup among its reads. */
  projectRoot?: (dir: string) => string | undefined;
}

export interface PutInput {
  name: string;
  value: string;
  ttlSeconds: number;
  owner: string;
  description: string;
  project: boolean;
  cwd: string;
  source: string;
  /** For minted secrets: the command that produced the value. */
  mint?: string;
  /** An expiry given by the source itself (a mint command's expires_at), instead of ttlSeconds. */
  expiresAt?: number;
  /** The scope to write to, overriding `project`/`cwd` (rotation of an existing secret). */
  scope?: Scope;
  /** When the value came to be, if earlier than now (a minted value whose store is retried keeps its lifetime). */
  createdAt?: number;
  /** What a grant made through this admin secret may give; absent keeps what the secret had (a rotation). */
  allowGrants?: string[];
}

/** The metadata field naming what the value is, when its format tells (classified once, at store time). */
function tokenKindOf(value: string): { tokenKind?: string } {
  const kind = classifyToken(value);
  return kind ? { tokenKind: kind.id } : {};
}

/** Errors thrown by the store write of `put` (not by its checks or its audit). */
const storeFailures = new WeakSet<object>();

/** Whether `err` came from the keychain write of `put`. */
export function failedInStore(err: unknown): boolean {
  return typeof err === 'object' && err !== null && storeFailures.has(err);
}

export interface StatusInfo {
  secrets: number;
}

/** Where a page of the inventory ends: the scope and name of its last secret. */
export interface SecretCursor {
  scope: string;
  name: string;
  account: string;
}

/** The cursor of a secret. */
export function secretCursor(scope: string, name: string): SecretCursor {
  return { scope, name, account: accountOf(scope as Scope, name) };
}

function cursorOfAccount(account: string): SecretCursor {
  const i = account.lastIndexOf(':');
  return { scope: account.slice(0, i), name: account.slice(i + 1), account };
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Global first, then projects by path, then by name (root collation, collate.ts); its ties broken by code point. */
export function compareSecretCursors(a: SecretCursor, b: SecretCursor): number {
  if (a.scope !== b.scope) {
    if (a.scope === GLOBAL_SCOPE) return -1;
    if (b.scope === GLOBAL_SCOPE) return 1;
    return compareText(a.scope, b.scope) || byCodePoint(a.scope, b.scope);
  }
  return compareText(a.name, b.name) || byCodePoint(a.name, b.name);
}

const SOURCES: readonly SecretSource[] = ['manual', 'import', 'mint', 'onboard'];

export class AgentService {
  private readonly records = new KeyedMap<string, SecretRecord>();
  private readonly order = new SortedKeys<SecretCursor>(
    () => this.records.keysVersion,
    () => [...this.records.keys()].map(cursorOfAccount),
    compareSecretCursors,
  );
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: ServiceDeps) {}

  /** Reads every item of our keychain service once; malformed or foreign items are logged and ignored. */
  async load(): Promise<void> {
    const items = await this.deps.store.list();
    for (const { account, password } of items) {
      if (isInternalAccount(account)) continue;
      try {
        const record = decodeRecord(account, password);
        this.records.set(account, record);
      } catch (err) {
        if (!(err instanceof MalformedRecord)) throw err;
        this.deps.log.warn(`ignored keychain item ${quote(account)}: ${err.message}`);
      }
    }
    this.deps.log.info(`loaded ${this.records.size} secret(s) from the ${this.deps.store.kind} store`);
  }

  /**
   * Takes in what the keychain holds now that the daemon switched to it from the memory store (whose
   * writes were replayed into it first): the keychain's items join or replace the records. Runs while
   * store calls wait, so without the per-account queues; returns how many secrets it took in.
   */
  takeIn(items: readonly { account: string; password: string }[]): number {
    let taken = 0;
    for (const { account, password } of items) {
      if (isInternalAccount(account)) continue;
      try {
        this.records.set(account, decodeRecord(account, password));
        taken++;
      } catch (err) {
        if (!(err instanceof MalformedRecord)) throw err;
        this.deps.log.warn(`ignored keychain item ${quote(account)}: ${err.message}`);
      }
    }
    return taken;
  }

  /**
   * Makes memory agree with what the keychain holds for one account (`password` as read back from it,
   * undefined when absent), after a write or delete whose answer never came (SECURITY 46); audited.
   */
  async adopt(account: string, password: string | undefined): Promise<void> {
    await this.serialized(account, async () => {
      const held = this.records.get(account);
      let found: SecretRecord | undefined;
      try {
        found = password === undefined ? undefined : decodeRecord(account, password);
      } catch (err) {
        if (!(err instanceof MalformedRecord)) throw err;
        this.deps.log.warn(`ignored keychain item ${quote(account)} read back after a timeout: ${err.message}`);
        return;
      }
      const same = held !== undefined && found !== undefined && encodeRecord(held) === encodeRecord(found);
      if (same || (held === undefined && found === undefined)) return;
      if (found) this.records.set(account, found);
      else this.records.delete(account);
      const meta = (found ?? held) as SecretRecord;
      this.deps.log.warn(`a keychain ${found ? 'write' : 'delete'} that timed out landed later: memory now agrees with the keychain for ${quote(meta.meta.name)} (${meta.meta.scope})`);
      this.deps.events?.emit({ kind: found ? 'changed' : 'removed', secret: meta.meta.name });
      await this.auditBestEffort({ event: 'reconcile', outcome: found ? 'changed' : 'removed', secret: meta.meta.name, scope: meta.meta.scope, reason: 'a keychain call that timed out landed later' });
    });
  }

  /** How many secrets are held (expired ones included until swept). */
  count(): number {
    return this.records.size;
  }

  /** Stores or replaces a secret: the keychain first, then memory. */
  async put(input: PutInput, peer?: Peer): Promise<SecretMeta> {
    const record = this.build(input);
    const { name, scope, source } = record.meta;
    const ttl = Math.round((record.meta.expiresAt - record.meta.createdAt) / 1000);
    const account = accountOf(scope, name);
    const setEvent = { event: 'set', secret: name, scope, peer, ttl: formatDuration(ttl), source };
    await this.serialized(account, async () => {
      // The record first: nothing is stored that the trail does not show. A failed audit write refuses
      // the set (unavailable, exit 69); a failed store write afterwards is recorded as such.
      await this.deps.audit.write({ ...setEvent, outcome: 'ok' });
      try {
        await this.deps.store.set(account, encodeRecord(record));
      } catch (err) {
        if (typeof err === 'object' && err !== null) storeFailures.add(err);
        await this.auditBestEffort({ ...setEvent, outcome: 'failed', reason: (err as Error).message });
        throw err;
      }
      this.replace(account, record);
    });
    this.deps.events?.emit({ kind: 'changed', secret: name });
    return record.meta;
  }

  /**
   * Serves a minted value from memory only, because its store failed: the minter retries the store, and a
   * value a command produced (perhaps revoking the one before) must not be lost meanwhile.
   */
  async hold(input: PutInput): Promise<SecretRecord> {
    const record = this.build(input);
    const account = accountOf(record.meta.scope, record.meta.name);
    await this.serialized(account, async () => {
      this.replace(account, record);
    });
    this.deps.events?.emit({ kind: 'changed', secret: record.meta.name });
    return record;
  }

  /**
   * Serves a minted value whose store is still running, if `previous` is still the current record (its
   * expiry is at hand): not queued behind that store, which is what is slow. A later put or hold of the
   * same input replaces it with an equal record.
   */
  serveEarly(input: PutInput, previous: SecretRecord): void {
    const account = accountOf(previous.meta.scope, previous.meta.name);
    if (this.records.get(account) !== previous) return;
    try {
      this.replace(account, this.build(input));
    } catch {
      return; // already expired itself: nothing worth serving
    }
    this.deps.events?.emit({ kind: 'changed', secret: previous.meta.name });
  }

  /** Every record held in memory (expired ones included until swept), for the scanner. */
  allRecords(): SecretRecord[] {
    return [...this.records.values()];
  }

  /** Sets the record of `account`; a different value it replaces is retired. */
  private replace(account: string, record: SecretRecord): void {
    const previous = this.records.get(account);
    this.records.set(account, record);
    if (previous && previous.value !== record.value) this.deps.onRetire?.(previous, 'replaced');
  }

    /** Every value held in memory, for redacting them from what a mint command prints. */
  knownValues(): string[] {
    return [...this.records.values()].map((r) => r.value);
  }

  /** The record `put` would write, checked. */
  private build(input: PutInput): SecretRecord {
    const name = assertSecretName(input.name);
    assertValue(input.value);
    const ttl = input.ttlSeconds === 0 ? this.deps.ttl.defaultSeconds : checkTtl(input.ttlSeconds, this.deps.ttl);
    const scope = input.scope ?? (input.project ? this.projectScope(input.cwd) : GLOBAL_SCOPE);
    const source = (SOURCES as readonly string[]).includes(input.source) ? (input.source as SecretSource) : 'manual';
    const now = Math.min(input.createdAt ?? Infinity, this.deps.clock());
    // A new value keeps the owner and description it had unless new ones are given (`agent set` again).
    const previous = this.records.get(accountOf(scope, name))?.meta;
    const allowGrants = input.allowGrants ?? previous?.allowGrants ?? [];
    for (const g of allowGrants) {
      if (!(ELEVATED_GRANTS as readonly string[]).includes(g)) throw inputError(`--allow-grant ${quote(g)} is not one of ${ELEVATED_GRANTS.join(', ')}`);
    }
    const record: SecretRecord = {
      value: input.value,
      meta: {
        name,
        scope,
        owner: input.owner || previous?.owner || '',
        description: input.description || previous?.description || '',
        createdAt: now,
        expiresAt: input.expiresAt !== undefined ? Math.min(input.expiresAt, now + this.deps.ttl.maxSeconds * 1000) : now + ttl * 1000,
        source,
        ...(input.mint ? { mint: input.mint } : {}),
        ...tokenKindOf(input.value),
        ...(input.expiresAt !== undefined ? { sourceExpiry: true } : {}),
        ...(allowGrants.length > 0 ? { allowGrants: [...new Set(allowGrants)].sort() } : {}),
      },
    };
    if (record.meta.expiresAt <= this.deps.clock()) throw inputError(`the value for ${quote(name)} is already expired`);
    return record;
  }

  /** Reads a value visible from `cwd`; the read is audited before the value is returned. */
  async get(nameRaw: string, cwd: string, peer?: Peer, context: ReadContext = {}): Promise<SecretRecord> {
    const name = assertSecretName(nameRaw);
    this.deps.readGate?.();
    const event = context.event ?? 'get';
    const audit = context.audit ?? this.deps.audit;
    const record = await this.visible(name, cwd, peer, event, context.fields, audit, context.projectRoot);
    const now = this.deps.clock();
    if (isExpired(record.meta.expiresAt, now)) {
      await this.auditBestEffort({ event, outcome: 'expired', secret: name, scope: record.meta.scope, peer, ...context.fields }, audit);
      throw notFoundError(
        `secret ${quote(name)} expired ${relativeTime(record.meta.expiresAt, now)}`,
        record.meta.mint ? `run agent rotate ${name} to mint a new value` : `run agent set ${name} to store a new value`,
      );
    }
    await audit.write({ event, outcome: 'ok', secret: name, scope: record.meta.scope, peer, ...context.fields });
    this.deps.usage?.record(accountOf(record.meta.scope, name));
    return record;
  }

  /** The record of `name` visible from `cwd`, without reading its value (no audit). */
  async lookup(nameRaw: string, cwd: string, peer?: Peer): Promise<SecretRecord> {
    return this.visible(assertSecretName(nameRaw), cwd, peer, 'lookup');
  }

  /**
   * The metadata of the secret `name` visible from `projectRoot` (undefined: outside any project), or
   * undefined; no audit, as for the inventory (no value is read).
   */
  visibleMeta(name: string, projectRoot: string | undefined): SecretMeta | undefined {
    return resolveVisible(name, projectRoot, (scope, n) => this.records.get(accountOf(scope, n))?.meta, () => []).visible;
  }

  /** The current record of an account, if any (for rotation bookkeeping). */
  current(scope: Scope, name: string): SecretRecord | undefined {
    return this.records.get(accountOf(scope, name));
  }

  /** Every record whose value comes from a mint command. */
  minted(): SecretRecord[] {
    return [...this.records.values()].filter((r) => r.meta.mint);
  }

  /** The usage statistics of a secret, if it was ever read. */
  usageOf(meta: SecretMeta): Usage | undefined {
    return this.deps.usage?.get(accountOf(meta.scope, meta.name));
  }

  /** Every secret's metadata, sorted by scope then name (global first). */
  list(): SecretMeta[] {
    return this.order.all().map((c) => (this.records.get(c.account) as SecretRecord).meta);
  }

  /** One page of the inventory in list() order, after `req.after`; `sizeOf` is an entry's encoded size. */
  listPage<T>(req: PageRequest<SecretCursor>, toItem: (meta: SecretMeta) => T, sizeOf: (item: T) => number): Page<T, SecretCursor> {
    return takePage(this.order.all(), compareSecretCursors, req, (c) => {
      const record = this.records.get(c.account);
      return record && toItem(record.meta);
    }, sizeOf);
  }

  /** Removes the secret visible from `cwd` (or the project's own with `project`). */
  async delete(nameRaw: string, cwd: string, project: boolean, peer?: Peer): Promise<SecretMeta> {
    const name = assertSecretName(nameRaw);
    let record: SecretRecord;
    if (project) {
      const scope = this.projectScope(cwd);
      const found = this.records.get(accountOf(scope, name));
      if (!found) throw notFoundError(`no secret ${quote(name)} in project ${scope}`, 'run agent ls to see what is stored');
      record = found;
    } else {
      record = await this.visible(name, cwd, peer, 'rm');
    }
    const account = accountOf(record.meta.scope, name);
    await this.serialized(account, async () => {
      await this.deps.store.remove(account);
      this.records.delete(account);
    });
    this.deps.onRetire?.(record, 'removed');
    this.deps.usage?.forget(account);
    this.deps.events?.emit({ kind: 'removed', secret: name });
    await this.auditBestEffort({ event: 'rm', outcome: 'ok', secret: name, scope: record.meta.scope, peer });
    return record.meta;
  }

  /** Deletes expired secrets from the store; returns how many went. Reads never rely on this. */
  async sweep(): Promise<number> {
    const now = this.deps.clock();
    let removed = 0;
    for (const [account, record] of [...this.records]) {
      if (!isExpired(record.meta.expiresAt, now)) continue;
      // A minted secret belongs to its minter, which keeps retrying its command: sweeping it would lose
      // the command for good (e.g. expired at a restart, before the first mint). Its expired value is
      // never served (reads check expiry); `agent rm` removes it.
      if (record.meta.mint) continue;
      try {
        const swept = await this.serialized(account, async () => {
          const current = this.records.get(account);
          if (!current || !isExpired(current.meta.expiresAt, this.deps.clock())) return false;
          await this.deps.store.remove(account);
          this.records.delete(account);
          this.deps.onRetire?.(current, 'expired');
          return true;
        });
        // Replaced or removed while queued: nothing expired, so nothing to announce or audit.
        if (!swept) continue;
        removed++;
        this.deps.events?.emit({ kind: 'expired', secret: record.meta.name });
        this.deps.log.info(`swept expired secret ${quote(record.meta.name)} (${record.meta.scope})`);
        await this.auditBestEffort({ event: 'expire', outcome: 'ok', secret: record.meta.name, scope: record.meta.scope });
      } catch (err) {
        this.deps.log.warn(`could not sweep ${quote(record.meta.name)}: ${(err as Error).message}`);
      }
    }
    return removed;
  }

  private projectScope(cwd: string): Scope {
    const root = cwd ? this.deps.projectRoot(cwd) : undefined;
    if (!root) {
      throw inputError(
        'not inside a project: no agent.env or Git repository above the working directory',
        'run the command from inside the project, or drop --project to store a global secret',
      );
    }
    return root as Scope;
  }

  /** The record of `name` visible from `cwd`, project scope first; denies secrets of other projects. */
  private async visible(
    name: string,
    cwd: string,
    peer: Peer | undefined,
    event: string,
    fields?: Record<string, unknown>,
    audit = this.deps.audit,
    projectRoot = this.deps.projectRoot,
  ): Promise<SecretRecord> {
    const root = cwd ? projectRoot(cwd) : undefined;
    const found = resolveVisible(
      name,
      root,
      (scope, n) => this.records.get(accountOf(scope, n)),
      () => [...this.records.values()].map((r) => r.meta),
    );
    if (found.visible) return found.visible;
    if (found.elsewhere) {
      await this.auditBestEffort({ event, outcome: 'denied', secret: name, scope: found.elsewhere.scope, peer, reason: 'out of scope', ...fields }, audit);
      // The other project's path is not spelled out: it is exactly what a forged working directory needs.
      throw deniedError(
        `secret ${quote(name)} is bound to another project`,
        `run the command inside the project it belongs to (agent ls shows its scope), or store a global secret with agent set ${name}`,
      );
    }
    throw notFoundError(`no secret named ${quote(name)}`, `run agent set ${name} to store it`);
  }

  /** Runs `fn` after every earlier operation on the same account has settled. */
  private serialized<T>(account: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(account) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => {});
    this.queues.set(account, settled);
    void settled.then(() => {
      if (this.queues.get(account) === settled) this.queues.delete(account);
    });
    return next;
  }

  /** Audits an event whose action already happened; a failure is logged, not thrown. */
  private async auditBestEffort(event: Parameters<AuditSink['write']>[0], audit = this.deps.audit): Promise<void> {
    try {
      await audit.write(event);
    } catch (err) {
      this.deps.log.error(`audit record lost for ${event.event} of ${quote(String(event.secret ?? ''))}: ${(err as Error).message}`);
    }
  }
}
