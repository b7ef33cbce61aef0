// The audit commands as functions of (input, deps): query the trail (optionally following it) and verify
// its hash chain. Both read the files of the state folder directly; neither needs the daemon.
import { basename } from 'node:path';
import { failedError, type ChainReport } from '@latchkey/core';
import { socketPath, stateDir } from '@latchkey/protocol';
import { probe } from '@latchkey/client';
import { withAgent, type Deps } from '../deps.js';
import { warn } from '../render.js';
import { AUDIT_FILE, matches, parseLines, parseSince, readTrail, RECORD_FIELDS, TrailFollower, verifyTrail, type AuditFilter, type AuditRecord, type BadLine } from './audit-trail.js';

export interface AuditInput {
  since?: string;
  secret?: string;
  events: string[];
  json: boolean;
  follow: boolean;
  /** Ends --follow (the command aborts it on SIGINT or SIGTERM). */
  signal?: AbortSignal;
  /** How often --follow looks for new records. */
  pollMs?: number;
}

const HEADER = ['TIME', 'EVENT', 'SECRET', 'SCOPE', 'OUTCOME', 'PID', 'EXE', 'COMMAND'];

/**
 * Prints the records that match, oldest first: a table, or one JSON object per line. With `follow`,
 * keeps printing new ones (across rotation) until the signal aborts. Returns how many were printed.
 */
export async function queryAudit(input: AuditInput, deps: Deps): Promise<number> {
  const dir = stateDir(deps.env);
  const filter: AuditFilter = {
    ...(input.since !== undefined ? { sinceMs: parseSince(input.since, deps.now()) } : {}),
    ...(input.secret !== undefined ? { secret: input.secret } : {}),
    events: input.events,
  };
  const printer = new Printer(input.json, deps.stdout);
  let printed = 0;
  const emit = (list: AuditRecord[]) => {
    const kept = list.filter((r) => matches(r, filter));
    printed += kept.length;
    printer.print(kept);
  };

  if (!input.follow) {
    const trail = readTrail(dir);
    emit(trail.records);
    reportBad(trail.bad, deps);
    if (printed === 0 && !input.json) deps.stderr.write(`agent: no audit records${describeFilter(input)} in ${dir}\n`);
    return printed;
  }

  // Open the current file first, then read the rotated ones but that file: a rotation in between
  // neither loses a record nor prints one twice.
  const follower = new TrailFollower(dir, false);
  const trail = readTrail(dir, follower.inode);
  const bad = trail.bad;
  const next = () => parseLines(follower.poll().join('\n'), AUDIT_FILE, 0, bad);
  emit([...trail.records, ...next()]);
  if (!input.json) deps.stderr.write('agent: following the audit trail; Ctrl-C stops\n');
  try {
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => emit(next()), input.pollMs ?? 200);
      const stop = () => {
        clearInterval(timer);
        emit(next());
        resolve();
      };
      if (input.signal?.aborted) stop();
      else input.signal?.addEventListener('abort', stop, { once: true });
    });
  } finally {
    follower.close();
  }
  reportBad(bad, deps);
  return printed;
}

function describeFilter(input: AuditInput): string {
  const parts: string[] = [];
  if (input.since !== undefined) parts.push(`since ${input.since}`);
  if (input.secret !== undefined) parts.push(`for ${input.secret}`);
  if (input.events.length > 0) parts.push(`of event ${input.events.join(' or ')}`);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

function reportBad(bad: BadLine[], deps: Deps): void {
  const first = bad[0];
  if (!first) return;
  warn(deps, `${bad.length} line${bad.length === 1 ? ' is' : 's are'} not audit records (first: ${basename(first.file)} line ${first.line}); run agent audit verify`);
}

/** A record as one JSON line: the named fields first, then the others. */
export function recordJson(r: AuditRecord): string {
  const ordered: Record<string, unknown> = {};
  for (const k of RECORD_FIELDS) ordered[k] = r[k];
  for (const [k, v] of Object.entries(r)) if (!(k in ordered)) ordered[k] = v;
  return JSON.stringify(ordered);
}

/** The table row of a record: times to the second, '-' for what is absent. */
export function recordRow(r: AuditRecord): string[] {
  const time = r.time.replace(/\.\d+Z$/, 'Z');
  const outcome = typeof r.reason === 'string' && r.reason !== '' ? `${r.outcome} (${r.reason})` : r.outcome;
  return [time, r.event, r.secret || '-', r.scope || '-', outcome || '-', r.pid ? String(r.pid) : '-', r.exe || '-', r.command];
}

/**
 * Writes records as they come: JSON lines, or table rows whose columns keep the widths of what was
 * printed before (a column only grows), the header once before the first row.
 */
class Printer {
  private widths: number[] = HEADER.map((h) => h.length);
  private headed = false;

  constructor(
    private readonly json: boolean,
    private readonly out: NodeJS.WritableStream,
  ) {}

  print(records: AuditRecord[]): void {
    if (records.length === 0) return;
    if (this.json) {
      this.out.write(records.map((r) => `${recordJson(r)}\n`).join(''));
      return;
    }
    const rows = records.map(recordRow);
    for (const row of rows) row.forEach((cell, i) => (this.widths[i] = Math.max(this.widths[i] ?? 0, cell.length)));
    if (!this.headed) {
      this.headed = true;
      rows.unshift(HEADER);
    }
    this.out.write(rows.map((row) => this.line(row)).join(''));
  }

  private line(row: string[]): string {
    return `${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(this.widths[i] ?? 0))).join('  ').trimEnd()}\n`;
  }
}

/** What the daemon cannot vouch for when its seal key and checkpoint live in the memory store. */
const MEMORY_STORE_NOTE =
  'the daemon uses the memory store, so its seal key and checkpoint end with it: records written before it last started ' +
  'are checked by the public hash chain only, and a rewrite made while it was stopped cannot be caught';

export interface VerifyInput {
  json: boolean;
}

/**
 * Checks the hash chain of the whole trail. Intact: prints the record count and returns the report. Broken:
 * prints the report (with --json) and throws `failed` naming the first record that does not follow from the one
 * before (file and line): exit 1, the code of a check that found a problem (as `cmp` or `sha256sum -c`): the
 * trail is evidence, not input.
 */
export async function verifyAudit(input: VerifyInput, deps: Deps): Promise<ChainReport> {
  const dir = stateDir(deps.env);
  // A running daemon checks the trail with what only it holds (the seal key, its live head, the
  // checkpoint); it is never started for this. Without it, only the public hash chain can be checked.
  const status = await probe(socketPath(deps.env)).catch(() => undefined);
  let report: ChainReport;
  let sealedFrom: number | undefined;
  const notes: string[] = [];
  if (status && status.stateDir === dir) {
    if (status.store === 'memory') notes.push(MEMORY_STORE_NOTE);
    ({ report, sealedFrom } = await withAgent(deps, (agent) => agent.verifyAudit(), false));
  } else {
    report = verifyTrail(dir);
    if (!input.json) {
      deps.stderr.write('agent: note: no daemon is running, so only the public hash chain was checked: a rewrite that recomputed it, or records cut from the end, are caught only by the daemon (agent daemon start, then verify again)\n');
    }
  }
  if (input.json) {
    const { ok, records, files, broken, repairs, tornTail } = report;
    deps.stdout.write(`${JSON.stringify({ ok, records, files, stateDir: dir, checkedBy: sealedFrom === undefined ? 'chain' : 'daemon', ...(sealedFrom === undefined ? {} : { sealedFrom }), ...(broken ? { broken } : {}), repairs: repairs ?? [], ...(tornTail ? { tornTail } : {}), notes }, null, 2)}\n`);
  } else {
    for (const note of notes) deps.stderr.write(`agent: note: ${note}\n`);
  }
  if (report.ok) {
    if (!input.json) {
      deps.stdout.write(`audit trail intact: ${report.records} record${report.records === 1 ? '' : 's'} in ${report.files} file${report.files === 1 ? '' : 's'} (${dir})\n`);
      if (sealedFrom !== undefined) {
        deps.stdout.write(`checked by the daemon: the hash chain, ${sealedFrom > 0 ? `the seal of every record from ${sealedFrom + 1} on (the ${sealedFrom} before it predate the seal key)` : 'the seal of every record'}, its checkpoint and its last record\n`);
      }
      // A crash repair is not tampering: the daemon cut a torn record and said so in the chain itself.
      for (const r of report.repairs ?? []) {
        deps.stdout.write(`repaired after a crash: ${r.bytes} byte${r.bytes === 1 ? '' : 's'} of a torn record removed at ${r.time} (${basename(r.file)}:${r.line})\n`);
      }
      if (report.tornTail) {
        deps.stdout.write(`torn last record at ${basename(report.tornTail.file)}:${report.tornTail.line}: ${report.tornTail.reason}\n`);
      }
    }
    return report;
  }
  const b = report.broken as NonNullable<ChainReport['broken']>;
  throw failedError(
    `audit trail broken at ${b.file}:${b.line}: ${b.reason} (${report.records} record${report.records === 1 ? '' : 's'} before it check out)`,
    `the record at line ${b.line} of ${basename(b.file)} or the one before it was edited, removed or moved; keep a copy of ${dir} for investigation`,
  );
}
