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
// - "watching" is printed once every watch is open (chokidar's `ready`, given only paths that exist: see
//   scan/watch-plan.ts) and the first scan is done; a write after that line is seen. The sizes are taken
//   before the first scan, so a write during it is reported (perhaps twice), never lost.
// - chokidar drops a file's second event within 5 ms of its first; so each file scanned is looked at once
//   more SETTLE_MS later, and scanned again if it grew meanwhile.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { watch as chokidar } from 'chokidar';
import type { ScanFindingInfo } from '@latchkey/client';
import { withAgent, type Deps } from '../deps.js';
import { coveredBy, homeChannels, homeTargets, repoTargets, type HomeTarget } from '../scan/sources.js';
import { watchPlan } from '../scan/watch-plan.js';
import { runScan, type ScanInput } from './scan.js';

/** Bytes before the new ones that are sent again. */
export const OVERLAP = 64 * 1024;
/** Changes this close together make one scan. */
export const BATCH_MS = 100;
/** A file scanned is looked at again this long after, in case chokidar dropped a write. */
export const SETTLE_MS = 250;

interface Seen {
  size: number;
  /** Newlines in the first `size` bytes. */
  lines: number;
}

/** One finding as printed (a line of JSON with --json). */
interface WatchFinding {
  secret: string;
  state: string;
  encoding: string;
  file: string;
  channel: string;
  line: number;
  column: number;
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
  const home = deps.env.HOME ?? '';
  const roots = input.paths.length > 0 ? input.paths.map((p) => resolve(deps.cwd, p)) : [deps.cwd];
  const targets: HomeTarget[] = [...homeTargets(home, deps.env), ...repoTargets(roots)];
  const channelOf = (path: string) => targets.find((t) => coveredBy(t, path))?.channel;
  const seen = new Map<string, Seen>();
  const dirty = new Set<string>();
  let live = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let found = 0;
  const print = (out: WatchFinding) => {
    found++;
    deps.stdout.write(input.json ? `${JSON.stringify(out)}\n` : `${out.file}:${out.line}:${out.column}: ${out.secret} (${[out.encoding, out.state !== 'current' ? out.state : '', out.channel].filter(Boolean).join(', ')})\n`);
  };

  const schedule = () => {
    if (timer || closed || dirty.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = running.then(scanDirty).catch((err: unknown) => {
        deps.stderr.write(`agent: warning: a watched scan failed: ${(err as Error).message}\n`);
      });
    }, BATCH_MS);
  };
  const onChange = (path: string) => {
    if (!channelOf(path)) return;
    dirty.add(path);
    if (live) schedule();
  };
  const recheck = (paths: readonly string[]) => {
    setTimeout(() => {
      for (const path of paths) {
        try {
          if (statSync(path).size !== seen.get(path)?.size) onChange(path);
        } catch {
          // vanished
        }
      }
    }, SETTLE_MS).unref();
  };

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
      batch.push({ path, channel: channelOf(path) ?? '', from, baseLines: grown ? before.lines - prior : 0, reportFrom: grown ? before.size : 0, data });
      seen.set(path, { size: from + data.length, lines: (grown ? before.lines - prior : 0) + countLines(data) });
    }
    recheck(paths);
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
    for (const { f, b } of findings) print({ secret: f.secret, state: f.state, encoding: f.encoding, file: b.path, channel: b.channel, line: b.baseLines + f.line, column: f.column });
    for (const a of summary.answers) {
      if (!findings.some(({ f }) => f.secret === a.secret)) continue;
      deps.stderr.write(`agent: ${a.action} ${a.secret}${a.leaseId ? ` (${a.leaseId})` : ''}${a.outcome === 'ok' ? '' : `: failed: ${a.outcome}`}\n`);
      if (a.hint) deps.stderr.write(`agent: hint: ${a.hint}\n`);
    }
  };

  const plan = watchPlan(targets.map((t) => t.path));
  const watcher = chokidar(plan.roots, { ignoreInitial: true, followSymlinks: false, awaitWriteFinish: false, ignored: (p: string) => plan.ignored(p) });
  watcher.on('add', onChange).on('change', onChange);
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  for (const s of homeChannels(home, roots, deps.env)) {
    try {
      const size = statSync(s.path).size;
      seen.set(s.path, { size, lines: countLines(readRange(s.path, 0, size)) });
    } catch {
      // vanished
    }
  }
  const first = await runScan({ ...input, fix: false }, deps);
  for (const f of first.findings) print({ secret: f.secret, state: f.state, encoding: f.encoding, file: f.file, channel: f.channel ?? '', line: f.line, column: f.column });
  live = true;
  schedule();
  deps.stderr.write(`agent: watching ${targets.length} leak channel(s) for known values; Ctrl-C stops\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  closed = true;
  clearTimeout(timer);
  await watcher.close();
  await running;
  return { found };
}
