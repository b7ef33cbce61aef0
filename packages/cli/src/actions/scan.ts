// `agent scan`: sends the bytes of the sources asked for to the daemon, which knows the values; prints the
// findings (names and places, never values), redacts them with --fix, and exits 1 when anything is found.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { inputError, quote, usageError } from '@latchkey/core';
import type { ScanAnswerInfo, ScanFindingInfo, ScanStream, ScanSummaryInfo } from '@latchkey/client';
import { withAgent, type AgentWith, type Deps } from '../deps.js';
import { historyBlobs, readBlobs, repoRoot, stagedBlobs, type GitBlob } from '../scan/git.js';
import { redactFile, filterRepoCommand } from '../scan/fix.js';
import { homeChannels, walk, type FileSource } from '../scan/sources.js';

export interface ScanInput {
  paths: string[];
  history: boolean;
  staged: boolean;
  home: boolean;
  json: boolean;
  fix: boolean;
  /** Mark what is found leaked and answer it (rotate, revoke, flag). */
  answer: boolean;
}

/** Where a source's bytes came from. */
type Origin = { kind: 'file'; path: string; channel: string } | { kind: 'blob'; sha: string; places: GitBlob['places']; index: boolean };

/** One finding as printed. */
export interface ScanReportFinding {
  secret: string;
  scope: string;
  state: string;
  encoding: string;
  file: string;
  commit?: string;
  index?: boolean;
  channel?: string;
  line: number;
  column: number;
  offset: number;
  length: number;
  leaseId?: string;
}

export interface ScanReport {
  findings: ScanReportFinding[];
  summary: ScanSummaryInfo;
  fixed: Array<{ file: string; redactions: number }>;
  filterRepo?: string;
}

/** Files up to this size are read whole. */
const SMALL_FILE_BYTES = 1 << 20;

/** Sends each file's bytes as one source. */
async function sendFiles(stream: ScanStream, files: readonly FileSource[], origins: Map<number, Origin>): Promise<void> {
  for (const f of files) {
    const id = origins.size + 1;
    origins.set(id, { kind: 'file', path: f.path, channel: f.channel });
    const source = { id, label: f.path, channel: f.channel };
    try {
      // Small files whole (one piece, batched with others); larger ones streamed.
      if ((f.size ?? Infinity) <= SMALL_FILE_BYTES) {
        await stream.send(source, readFileSync(f.path), true);
        continue;
      }
      for await (const chunk of createReadStream(f.path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) await stream.send(source, chunk, false);
    } catch {
      // unreadable (permissions, vanished): scanned as far as it was read
    }
    await stream.send(source, new Uint8Array(0), true);
  }
}

/** Sends each blob's bytes as one source. */
async function sendBlobs(stream: ScanStream, repo: string, blobs: readonly GitBlob[], index: boolean, origins: Map<number, Origin>, env: Deps['env']): Promise<void> {
  const first = origins.size + 1;
  blobs.forEach((b, i) => origins.set(first + i, { kind: 'blob', sha: b.sha, places: b.places, index }));
  await readBlobs(repo, blobs.map((b) => b.sha), env, async (i, chunk, end) => {
    const blob = blobs[i] as GitBlob;
    const place = blob.places[0];
    const label = index ? `:${place?.path ?? ''}` : `${place?.commit.slice(0, 12) ?? ''}:${place?.path ?? ''}`;
    await stream.send({ id: first + i, label }, chunk, end);
  });
}

/** What a scan needs of the daemon: AgentConnection over grpc-js, or h2lite's leanScan (lean/scan.ts). */
export type ScanAgent = AgentWith<'scan'>;

/** Runs a scan and returns its report; prints nothing. */
export async function runScan(input: ScanInput, deps: Deps<ScanAgent>): Promise<ScanReport> {
  if (input.staged && input.history) throw usageError('--staged and --history cannot be used together', 'run agent scan --staged in a pre-commit hook, agent scan --history for the whole history');
  const roots = (input.paths.length > 0 ? input.paths : [deps.cwd]).map((p) => resolve(deps.cwd, p));
  for (const root of roots) {
    try {
      statSync(root);
    } catch {
      throw inputError(`no such file or folder: ${quote(root)}`, 'give paths that exist');
    }
  }
  const mode = input.staged ? 'staged' : input.history ? 'history' : input.home ? 'home' : 'paths';
  let files: FileSource[] = [];
  if (input.home && (input.staged || input.history)) throw usageError('--home cannot be used with --staged or --history', 'run them as two scans');
  let repo = '';
  let blobs: GitBlob[] = [];
  if (input.staged || input.history) {
    repo = repoRoot(roots[0] as string, deps.env);
    blobs = input.staged ? stagedBlobs(repo, deps.env) : historyBlobs(repo, deps.env);
  } else if (input.home) {
    // The channels, and of the paths only their repositories' .git/config.
    files = homeChannels(deps.env.HOME ?? '', roots, deps.env);
  } else {
    for (const root of roots) walk(root, '', files);
  }

  const origins = new Map<number, Origin>();
  const findings: ScanReportFinding[] = [];
  const raw: Array<{ f: ScanFindingInfo; origin: Origin }> = [];
  const summary = await withAgent(deps, async (agent) => {
    const stream = agent.scan({ mode, roots: repo ? [repo] : roots, answer: input.answer }, (f) => {
      const origin = origins.get(f.source);
      if (origin) raw.push({ f, origin });
    });
    try {
      await sendFiles(stream, files, origins);
      if (blobs.length > 0) await sendBlobs(stream, repo, blobs, input.staged, origins, deps.env);
    } catch (err) {
      stream.cancel();
      throw err;
    }
    return stream.finish();
  });

  for (const { f, origin } of raw) {
    const common = { secret: f.secret, scope: f.scope, state: f.state, encoding: f.encoding, line: f.line, column: f.column, offset: f.offset, length: f.length, ...(f.leaseId ? { leaseId: f.leaseId } : {}) };
    if (origin.kind === 'file') findings.push({ ...common, file: origin.path, ...(origin.channel ? { channel: origin.channel } : {}) });
    else for (const p of origin.places) findings.push({ ...common, file: p.path, ...(origin.index ? { index: true } : { commit: p.commit }) });
  }
  const fixed: ScanReport['fixed'] = [];
  let filterRepo: string | undefined;
  if (input.fix && findings.length > 0) {
    const byFile = new Map<string, ScanReportFinding[]>();
    for (const f of findings) if (!f.commit && !f.index) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
    for (const [file, list] of byFile) fixed.push({ file, redactions: redactFile(file, list) });
    if (input.history) filterRepo = filterRepoCommand(raw.filter((r) => r.origin.kind === 'blob').map((r) => ({ sha: (r.origin as { sha: string }).sha, offset: r.f.offset, length: r.f.length, secret: r.f.secret })));
  }
  return { findings, summary, fixed, ...(filterRepo ? { filterRepo } : {}) };
}

/** Where a finding is, as printed: file:line:column, with the commit or the index. */
function place(f: ScanReportFinding): string {
  const at = `${f.file}:${f.line}:${f.column}`;
  return f.commit ? `${f.commit.slice(0, 12)}:${at}` : f.index ? `(staged) ${at}` : at;
}

function answerLine(a: ScanAnswerInfo): string {
  const who = a.leaseId ? `${a.secret} (${a.leaseId})` : a.secret;
  const failed = a.outcome !== 'ok' ? `: failed: ${a.outcome}` : '';
  switch (a.action) {
    case 'rotated':
      return `rotated ${who}${failed || ': the leaked value is no longer served'}`;
    case 'revoked':
      return `revoked ${who}${failed || ': its lease has ended'}`;
    case 'on-leak':
      return `ran the on_leak command of ${who}${failed}`;
    case 'retired':
      return `${who}: an old value${a.owner ? ` (owner ${a.owner})` : ''}`;
    default:
      return `${who} is marked leaked${a.owner ? ` (owner ${a.owner})` : ''}`;
  }
}

/** `agent scan`: prints the report and returns it (the command exits 1 when it holds findings). */
export async function scanCommand(input: ScanInput, deps: Deps<ScanAgent>): Promise<ScanReport> {
  const report = await runScan(input, deps);
  const { findings, summary } = report;
  if (input.json) {
    deps.stdout.write(`${JSON.stringify({ findings, summary, fixed: report.fixed, ...(report.filterRepo ? { filterRepo: report.filterRepo } : {}) }, null, 2)}\n`);
    return report;
  }
  for (const f of findings) {
    const extra = [f.encoding, f.state !== 'current' ? f.state : '', f.channel ?? ''].filter(Boolean).join(', ');
    deps.stdout.write(`${place(f)}: ${f.secret} (${extra})\n`);
  }
  const secrets = new Set(findings.map((f) => f.secret));
  const mb = (summary.bytes / 1e6).toFixed(1);
  if (summary.outOfScope > 0) {
    deps.stderr.write(`agent: ${summary.outOfScope} value(s) of secrets bound to other projects were not looked for: a scan with --no-answer sees only the global secrets and those of the project it runs in\n`);
    deps.stderr.write('agent: hint: run it inside their project, or without --no-answer (what is found is then marked leaked and answered)\n');
  }
  if (findings.length === 0) {
    deps.stderr.write(`agent: no known value found in ${summary.sources} source(s), ${mb} MB (${summary.values} value(s) looked for)\n`);
    return report;
  }
  deps.stderr.write(`agent: found ${findings.length} leak(s) of ${secrets.size} secret(s) in ${summary.sources} source(s), ${mb} MB\n`);
  for (const a of summary.answers) {
    deps.stderr.write(`agent: ${answerLine(a)}\n`);
    if (a.hint) deps.stderr.write(`agent: hint: ${a.hint}\n`);
  }
  for (const f of report.fixed) deps.stderr.write(`agent: redacted ${f.redactions} finding(s) in ${f.file}\n`);
  if (report.filterRepo) deps.stderr.write(`agent: hint: the history still holds them; to rewrite it (every clone must re-clone), run:\n${report.filterRepo}\n`);
  else if (input.staged) deps.stderr.write('agent: hint: remove the values from the files (agent scan --fix FILE redacts them), then git add them again\n');
  else if (!input.fix && !input.history) deps.stderr.write('agent: hint: run agent scan --fix to redact them in place\n');
  else if (!input.fix) deps.stderr.write('agent: hint: run agent scan --history --fix for the git filter-repo command that removes them from the history\n');
  return report;
}
