// `agent scan --watch`: scans the --home channels once, then keeps watching them (chokidar) and sends what
// is written to them to the daemon, which answers new findings (rotate, revoke, flag) as they appear.
//
// Decisions:
// - Histories and transcripts grow at their end: after a change only the new bytes are sent, with the
//   OVERLAP bytes before them so that a value split across two writes is found; a finding wholly inside
//   that overlap was reported before and is not reported again. A file that shrank is scanned whole.
// - Changes are gathered for BATCH_MS, then scanned in one audited scan (mode "watch").
// - Line numbers are of the whole file; a finding's column on the first line of a batch counts from the
//   start of what was sent.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { watch as chokidar } from 'chokidar';
import type { ScanFindingInfo } from '@latchkey/client';
import { withAgent, type Deps } from '../deps.js';
import { homeChannels, type FileSource } from '../scan/sources.js';
import { runScan, type ScanInput } from './scan.js';

/** Bytes before the new ones that are sent again. */
export const OVERLAP = 64 * 1024;
/** Changes this close together make one scan. */
export const BATCH_MS = 100;

interface Seen {
  size: number;
  /** Newlines in the first `size` bytes. */
  lines: number;
}

function readRange(path: string, from: number, to: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function countLines(buf: Uint8Array): number {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** Watches until SIGINT or SIGTERM; returns how many findings it printed. */
export async function watchCommand(input: ScanInput, deps: Deps): Promise<{ found: number }> {
  const first = await runScan({ ...input, fix: false }, deps);
  const home = deps.env.HOME ?? '';
  const seen = new Map<string, Seen>();
  const channelOf = new Map<string, string>();
  const remember = (s: FileSource) => {
    channelOf.set(s.path, s.channel);
    try {
      const size = statSync(s.path).size;
      seen.set(s.path, { size, lines: countLines(readRange(s.path, 0, size)) });
    } catch {
      // vanished
    }
  };
  const roots = input.paths.length > 0 ? input.paths.map((p) => join(deps.cwd, p)) : [deps.cwd];
  for (const s of homeChannels(home, roots, deps.env)) remember(s);
  let found = first.findings.length;
  for (const f of first.findings) deps.stdout.write(`${f.file}:${f.line}:${f.column}: ${f.secret} (${[f.encoding, f.channel].filter(Boolean).join(', ')})\n`);

  const dataHome = deps.env.XDG_DATA_HOME || join(home, '.local', 'share');
  const targets = [
    join(home, '.bash_history'),
    join(home, '.zsh_history'),
    join(home, '.zhistory'),
    join(dataHome, 'fish', 'fish_history'),
    join(home, '.claude', 'projects'),
    join(home, '.codex', 'sessions'),
    join(home, '.gemini', 'tmp'),
    join(home, '.git-credentials'),
    join(home, '.npmrc'),
  ];
  const watcher = chokidar(targets, { ignoreInitial: true, followSymlinks: false, awaitWriteFinish: false });
  const dirty = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const scanDirty = async () => {
    const paths = [...dirty];
    dirty.clear();
    const batch: Array<{ path: string; channel: string; from: number; baseLines: number; reportFrom: number; data: Buffer }> = [];
    for (const path of paths) {
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        seen.delete(path);
        continue;
      }
      const before = seen.get(path);
      const grown = before && size >= before.size;
      const from = grown ? Math.max(0, before.size - OVERLAP) : 0;
      const data = readRange(path, from, size);
      const prior = grown ? countLines(data.subarray(0, before.size - from)) : 0;
      batch.push({ path, channel: channelOf.get(path) ?? homeChannels(home, [], deps.env).find((c) => c.path === path)?.channel ?? 'transcript', from, baseLines: grown ? before.lines - prior : 0, reportFrom: grown ? before.size : 0, data });
      seen.set(path, { size: from + data.length, lines: (grown ? before.lines - prior : 0) + countLines(data) });
    }
    if (batch.length === 0) return;
    const findings: Array<{ f: ScanFindingInfo; b: (typeof batch)[number] }> = [];
    const summary = await withAgent(deps, async (agent) => {
      const stream = agent.scan({ mode: 'watch', roots: batch.map((b) => b.path), answer: input.answer }, (f) => {
        const b = batch[f.source - 1];
        if (b && b.from + f.offset + f.length > b.reportFrom) findings.push({ f, b });
      });
      for (const [i, b] of batch.entries()) await stream.send({ id: i + 1, label: b.path, channel: b.channel }, b.data, true);
      return stream.finish();
    });
    for (const { f, b } of findings) {
      found++;
      const line = b.baseLines + f.line;
      const out = { secret: f.secret, state: f.state, encoding: f.encoding, file: b.path, channel: b.channel, line, column: f.column };
      deps.stdout.write(input.json ? `${JSON.stringify(out)}\n` : `${b.path}:${line}:${f.column}: ${f.secret} (${[f.encoding, f.state !== 'current' ? f.state : '', b.channel].filter(Boolean).join(', ')})\n`);
    }
    for (const a of summary.answers) {
      if (!findings.some(({ f }) => f.secret === a.secret)) continue;
      deps.stderr.write(`agent: ${a.action} ${a.secret}${a.leaseId ? ` (${a.leaseId})` : ''}${a.outcome === 'ok' ? '' : `: failed: ${a.outcome}`}\n`);
      if (a.hint) deps.stderr.write(`agent: hint: ${a.hint}\n`);
    }
  };

  const onChange = (path: string) => {
    dirty.add(path);
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = running.then(scanDirty).catch((err: unknown) => {
          deps.stderr.write(`agent: warning: a watched scan failed: ${(err as Error).message}\n`);
        });
    }, BATCH_MS);
  };
  watcher.on('add', onChange).on('change', onChange);
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  deps.stderr.write(`agent: watching ${targets.length} leak channel(s) for known values; Ctrl-C stops\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  clearTimeout(timer);
  await watcher.close();
  await running;
  return { found };
}
