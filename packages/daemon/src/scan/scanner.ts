// The scanner: "the scanner" of DESIGN.md, in the daemon because the values live only here and in the
// keychain. A client streams the bytes of its sources (files, Git blobs, transcripts); the daemon searches
// them for every value it knows and answers findings that name secrets, never values.
//
// What is looked for: every stored secret's value (expired ones until swept, as current), every live
// temporary key (its value as the lease manager holds it for the lease's life; no copy is kept here), and
// every value retired in the last 30 days (fingerprints only, see retired.ts).
//
// Answering (a scan with `answer`): the secret whose current value was found is marked leaked; a minted
// one is rotated at once; a temporary key's lease is revoked; a stored value is flagged with its owner
// and the step left to a person; a retired value is reported only. Every scan and answer is audited.
//
// Scope (so that a scan is no silent guess oracle): a same-user process can send any bytes, so a scan would
// tell it whether its guesses hold a stored value. It learns nothing `agent get` would not tell it of the
// secrets its project sees (global ones and those of the project its working directory, as the kernel
// reports it, is in) and of temporary keys (random values no guess finds). A secret bound to another
// project is looked for only by a scan that answers what it finds, and its findings are sent only after
// they were answered: the value is marked leaked (and rotated when minted, so the caller hears "found"
// only once the value is dead) and audited first. A scan that does not answer does not look for them; its
// summary counts them (outOfScope), which `agent ls` tells anyway.
import { accountOf, GLOBAL_SCOPE, inputError, quote, ScanBook, visibleScopes, type FingerprintForm, type Finding, type Scan, type Scope, type SecretRecord, type SourceScan } from '@latchkey/core';
import type { pb } from '@latchkey/protocol';
import type { AuditSink, Peer } from '../audit.js';
import { locatePeer } from '../caller.js';
import type { LeaseManager } from '../leases.js';
import type { Logger } from '../log.js';
import type { Minter } from '../minter.js';
import type { AgentService, RetireReason } from '../service.js';
import type { ScannerKeys } from './keys.js';
import type { LeakMark, LeakMarks } from './leaks.js';
import type { RetiredValues } from './retired.js';

/** What a finding refers to. */
export type ScanRef =
  | { kind: 'secret'; name: string; scope: Scope; state: 'current' | 'retired'; mac: string }
  | { kind: 'lease'; leaseId: string; tempKind: string };

/** A finding as it goes on the wire (the generated message). */
export type WireFinding = pb.ScanFinding;

/** What was done about one leaked secret or key: the wire's ScanAnswer, with its action named. */
export type LeakAnswer = Omit<pb.ScanAnswer, 'action'> & { action: 'rotated' | 'revoked' | 'flagged' | 'retired' | 'on-leak' };

/** A scan's totals: the wire's ScanSummary, holding those answers. */
export type ScanSummary = Omit<pb.ScanSummary, 'answers'> & { answers: LeakAnswer[] };

/** The first message of a scan. */
export interface ScanStart {
  mode: string;
  roots: string[];
  answer: boolean;
}

/** One message of a scan's stream. */
export interface ScanChunk {
  source: number;
  label: string;
  channel: string;
  data: Uint8Array;
  sourceEnd: boolean;
}

export interface ScannerDeps {
  service: AgentService;
  minter: Minter;
  leases: () => LeaseManager;
  audit: AuditSink;
  log: Logger;
  clock: () => number;
  keys: ScannerKeys;
  retired: RetiredValues;
  leaks: LeakMarks;
  /** What approved manifests say of a secret: owner, docs, on_leak command (manifests.ts). */
  leakNotes: (secret: string) => Array<{ manifest: string; owner: string; docs: string; onLeak?: string }>;
  /** Runs an on_leak command as a mint command is run, with the secret's name in LATCHKEY_SECRET. */
  runOnLeak: (command: string, secret: string) => Promise<void>;
  /** The project a folder is in (undefined: none), as the service scopes secrets. */
  projectRoot: (cwd: string) => string | undefined;
}

/** Sources one scan may hold open at once (each holds a small buffer). */
export const MAX_OPEN_SOURCES = 1024;
const MODES = new Set(['paths', 'staged', 'history', 'home', 'watch']);

export class Scanner {
  private cached: Search | undefined;

  constructor(private readonly deps: ScannerDeps) {}

  /**
   * The lease manager's hook, called when a key is served or a lease ends: a key is looked for while its
   * lease lives, from the lease table's own copy when a search is built (nothing of it is kept or
   * computed here on the issue's path).
   */
  keysChanged(): void {
    this.cached = undefined;
  }

  /** The service's hook: a value that stops being current is kept as fingerprints. */
  retire(record: SecretRecord, reason: RetireReason): void {
    this.deps.retired.retire(record, reason);
    this.cached = undefined;
  }

  /** Something the search depends on changed (a secret set or removed). */
  invalidate(): void {
    this.cached = undefined;
  }

  /** The leak mark of a secret when it is of the value it holds now. */
  leakOf(record: SecretRecord | undefined): LeakMark | undefined {
    if (!record) return undefined;
    const mark = this.deps.leaks.get(accountOf(record.meta.scope, record.meta.name));
    return mark && mark.mac === this.deps.keys.mac(record.value) ? mark : undefined;
  }

  /** Starts one scan for `caller`, scoped to the project its working directory (the kernel's) is in. */
  begin(start: ScanStart, caller: Peer | undefined): ScanSession {
    if (!MODES.has(start.mode)) throw inputError(`unknown scan mode ${quote(start.mode)}`, 'use paths, staged, history, home or watch');
    const { cwd, peer } = locatePeer(caller, '');
    const root = cwd ? this.deps.projectRoot(cwd) : undefined;
    const visible = new Set<string>(visibleScopes(root));
    const search = this.search();
    let outOfScope = 0;
    for (const [scope, n] of search.byScope) if (!visible.has(scope)) outOfScope += n;
    const inScope = (ref: ScanRef) => ref.kind === 'lease' || visible.has(ref.scope);
    return new ScanSession(this, this.deps, search.scan, { values: search.values - (start.answer ? 0 : outOfScope), outOfScope: start.answer ? 0 : outOfScope, inScope }, start, peer);
  }

  private search(): Search {
    if (this.cached) return this.cached;
    const { keys } = this.deps.keys;
    const book = new ScanBook<ScanRef>(keys);
    const byScope = new Map<string, number>();
    const add = (ref: ScanRef & { kind: 'secret' }, value: string | readonly FingerprintForm[]) => {
      const before = book.size;
      if (typeof value === 'string') book.addValue(ref, value);
      else book.addFingerprints(ref, value);
      if (book.size > before) byScope.set(ref.scope, (byScope.get(ref.scope) ?? 0) + 1);
    };
    for (const r of this.deps.service.allRecords()) add({ kind: 'secret', name: r.meta.name, scope: r.meta.scope, state: 'current', mac: this.deps.keys.mac(r.value) }, r.value);
    for (const k of this.deps.leases().liveKeys()) book.addValue({ kind: 'lease', leaseId: k.leaseId, tempKind: k.kind }, k.value);
    for (const e of this.deps.retired.list()) add({ kind: 'secret', name: e.secret, scope: e.scope, state: 'retired', mac: e.mac }, e.forms);
    this.cached = { scan: book.build(), values: book.size, byScope };
    return this.cached;
  }
}

/** The search over every value the daemon knows, and how many of them each scope holds. */
interface Search {
  scan: Scan<ScanRef>;
  values: number;
  byScope: Map<string, number>;
}

/** What one scan may report: the values it looks for, those it leaves out, and which refs are the caller's. */
interface ScanReach {
  values: number;
  outOfScope: number;
  inScope: (ref: ScanRef) => boolean;
}

/** One scan in progress: the sources open in it, the findings so far, and what to answer at the end. */
export class ScanSession {
  private readonly sources = new Map<number, { label: string; channel: string; search: SourceScan<ScanRef> }>();
  private readonly labels = new Map<number, { label: string; channel: string }>();
  private readonly first = new Map<string, { ref: ScanRef; where: string; encoding: string }>();
  private bytes = 0;
  private count = 0;
  private readonly ended = new Set<number>();
  /** Findings of secrets outside the caller's scope: sent only after they were answered. */
  private readonly held: WireFinding[] = [];

  constructor(
    private readonly scanner: Scanner,
    private readonly deps: ScannerDeps,
    private readonly scan: Scan<ScanRef>,
    private readonly reach: ScanReach,
    private readonly start: ScanStart,
    private readonly peer: Peer | undefined,
  ) {}

  /** Searches one message's bytes; returns the findings they complete. */
  push(chunk: ScanChunk): WireFinding[] {
    if (this.ended.has(chunk.source)) throw inputError(`scan source ${chunk.source} was already ended`, 'number each source once');
    let open = this.sources.get(chunk.source);
    if (!open) {
      if (this.sources.size >= MAX_OPEN_SOURCES) throw inputError(`more than ${MAX_OPEN_SOURCES} scan sources open at once`, 'end sources as they are sent');
      open = { label: chunk.label, channel: chunk.channel, search: this.scan.source() };
      this.sources.set(chunk.source, open);
      this.labels.set(chunk.source, { label: chunk.label, channel: chunk.channel });
    }
    this.bytes += chunk.data.length;
    const found = chunk.data.length > 0 ? open.search.push(chunk.data) : [];
    if (chunk.sourceEnd) {
      found.push(...open.search.end());
      this.sources.delete(chunk.source);
      this.ended.add(chunk.source);
    }
    return this.wire(chunk.source, found);
  }

  /** Ends the scan: the sources still open end, the scan is audited, and findings answered. */
  async finish(): Promise<{ findings: WireFinding[]; summary: ScanSummary }> {
    const findings: WireFinding[] = [];
    for (const [id, open] of this.sources) findings.push(...this.wire(id, open.search.end()));
    this.sources.clear();
    const secrets = [...new Set([...this.first.values()].map(({ ref }) => nameOf(ref)))].sort();
    await this.deps.audit.write({
      event: 'scan',
      outcome: this.count > 0 ? 'found' : 'clean',
      mode: this.start.mode,
      roots: this.start.roots,
      sources: this.labels.size,
      bytes: this.bytes,
      findings: this.count,
      values: this.reach.values,
      ...(this.reach.outOfScope > 0 ? { outOfScope: this.reach.outOfScope } : {}),
      secrets,
      ...(this.peer ? { peer: this.peer } : {}),
    });
    const answers = this.start.answer ? await this.answerAll() : [];
    findings.push(...this.held.splice(0));
    return { findings, summary: { sources: this.labels.size, bytes: this.bytes, findings: this.count, values: this.reach.values, outOfScope: this.reach.outOfScope, answers } };
  }

  /** The findings to send now; those of secrets outside the caller's scope are held (answered) or dropped. */
  private wire(source: number, found: Finding<ScanRef>[]): WireFinding[] {
    const out: WireFinding[] = [];
    for (const f of found) {
      const inScope = this.reach.inScope(f.ref);
      if (!inScope && !this.start.answer) continue;
      (inScope ? out : this.held).push(this.record(source, f));
    }
    return out;
  }

  /** Counts a finding, keeps the first place of each value for its answer, and makes its wire message. */
  private record(source: number, f: Finding<ScanRef>): WireFinding {
    const where = this.labels.get(source);
    this.count++;
    const key = refKey(f.ref);
    if (!this.first.has(key)) {
      const place = `${where?.label ?? `source ${source}`}:${f.line}${where?.channel ? ` (${where.channel})` : ''}`;
      this.first.set(key, { ref: f.ref, where: place, encoding: f.encoding });
    }
    const r = f.ref;
    return {
      source,
      secret: nameOf(r),
      scope: r.kind === 'secret' ? r.scope : '',
      state: r.kind === 'secret' ? r.state : 'temporary',
      encoding: f.encoding,
      offset: f.offset,
      length: f.length,
      line: f.line,
      column: f.column,
      leaseId: r.kind === 'lease' ? r.leaseId : '',
    };
  }

  private async answerAll(): Promise<LeakAnswer[]> {
    const out: LeakAnswer[] = [];
    for (const { ref, where, encoding } of this.first.values()) {
      for (const answer of await this.answer(ref, where, encoding)) out.push(await this.audited(answer, where, encoding));
    }
    return out;
  }

  private async audited(answer: LeakAnswer, where: string, encoding: string): Promise<LeakAnswer> {
    {
      try {
        await this.deps.audit.write({
          event: 'leak',
          outcome: answer.outcome === 'ok' ? answer.action : `${answer.action}-failed`,
          secret: answer.secret,
          ...(answer.scope ? { scope: answer.scope } : {}),
          ...(answer.leaseId ? { leaseId: answer.leaseId } : {}),
          where,
          encoding,
          ...(answer.owner ? { owner: answer.owner } : {}),
          ...(answer.outcome !== 'ok' ? { reason: answer.outcome } : {}),
          ...(this.peer ? { peer: this.peer } : {}),
        });
      } catch (err) {
        this.deps.log.error(`audit record lost for the leak of ${quote(answer.secret)}: ${(err as Error).message}`);
      }
    }
    return answer;
  }

  /** The answer to one leaked value, then the on_leak commands approved manifests give for its secret. */
  private async answer(ref: ScanRef, where: string, encoding: string): Promise<LeakAnswer[]> {
    const notes = ref.kind === 'secret' ? this.deps.leakNotes(ref.name) : [];
    const first = await this.answerValue(ref, where, encoding, notes);
    if (ref.kind !== 'secret' || first.action === 'retired') return [first];
    const out = [first];
    for (const command of new Set(notes.map((n) => n.onLeak).filter((c): c is string => !!c))) {
      const base = { secret: ref.name, scope: ref.scope, owner: first.owner, hint: '', leaseId: '', action: 'on-leak' as const };
      try {
        await this.deps.runOnLeak(command, ref.name);
        out.push({ ...base, outcome: 'ok' });
      } catch (err) {
        out.push({ ...base, outcome: (err as Error).message, hint: `run the on_leak command of ${ref.name} by hand: ${command}` });
      }
    }
    return out;
  }

  private async answerValue(ref: ScanRef, where: string, encoding: string, notes: ReturnType<ScannerDeps['leakNotes']>): Promise<LeakAnswer> {
    const base = { secret: nameOf(ref), scope: ref.kind === 'secret' ? ref.scope : '', owner: '', hint: '', leaseId: ref.kind === 'lease' ? ref.leaseId : '' };
    if (ref.kind === 'lease') {
      try {
        const revoked = await this.deps.leases().revoke(ref.leaseId, this.peer);
        return { ...base, action: 'revoked', outcome: revoked ? 'ok' : 'the lease had already ended' };
      } catch (err) {
        return { ...base, action: 'revoked', outcome: (err as Error).message };
      }
    }
    const record = this.deps.service.current(ref.scope, ref.name);
    const owner = record?.meta.owner ?? '';
    if (ref.state === 'retired' || !record || this.deps.keys.mac(record.value) !== ref.mac) {
      return { ...base, owner, action: 'retired', outcome: 'ok', hint: `the value found is no longer ${ref.name}'s in Latchkey; if it still works where it was issued, revoke it there` };
    }
    this.deps.leaks.mark(accountOf(ref.scope, ref.name), { at: this.deps.clock(), where, encoding, mac: ref.mac });
    if (record.meta.mint) {
      try {
        await this.deps.minter.rotate(ref.name, ref.scope === GLOBAL_SCOPE ? '' : ref.scope, this.peer);
        this.scanner.invalidate();
        return { ...base, owner, action: 'rotated', outcome: 'ok', hint: '' };
      } catch (err) {
        return { ...base, owner, action: 'rotated', outcome: (err as Error).message, hint: `run agent rotate ${ref.name}` };
      }
    }
    const who = owner || notes.find((n) => n.owner)?.owner || '';
    const docs = notes.find((n) => n.docs)?.docs;
    const step = `${who ? `ask ${who} to revoke it` : 'revoke it'} where it was issued${docs ? ` (${docs})` : ''}, then store the new value with agent set ${ref.name}`;
    return { ...base, owner: who, action: 'flagged', outcome: 'ok', hint: step };
  }
}

function nameOf(ref: ScanRef): string {
  return ref.kind === 'secret' ? ref.name : `temp/${ref.tempKind}`;
}

function refKey(ref: ScanRef): string {
  return ref.kind === 'secret' ? `s:${ref.scope}:${ref.name}:${ref.state}:${ref.mac}` : `l:${ref.leaseId}`;
}
