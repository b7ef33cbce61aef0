// Memory handed back once the daemon goes quiet after work: a full GC that also shrinks V8's heap (the young
// generation that a burst of calls grew back to its floor) and glibc's malloc_trim(0). V8's own memory
// reducer does the first some 8 s into a quiet spell on Node 20 and, in the runs measured here, never on
// Node 24 (with --max-semi-space-size=1, idle RSS stayed at 78.9-79.5 MB for 20 s; 73.5 MB from 1 s
// after the calls with this; with 1,000 secrets 96.4 -> 77.5 MB). A check every 500 ms, off the event
// loop's way (unref'd), costs a timer; the release runs only when the daemon used at least RELEASE_AFTER_CPU_MS
// of CPU since the last one and nearly none in the last QUIET_CHECKS intervals, so a busy daemon never pays
// for it and a quiet one pays once per burst. A pause of a second between bursts (a test suite between
// files) is no quiet spell: the next burst would start from the shrunk heap (on Node 24, IssueTempKey at
// 64 in flight read 79.2-88.3% of bare grpc-js with a release after each 0.5 s pause and 94.7-105.8%
// without any, two runs of eight rounds each).
import v8 from 'node:v8';
import vm from 'node:vm';
import { trimMalloc } from './native.js';

const CHECK_MS = 500;
/** CPU (user + system) used since the last release that makes the next quiet spell release memory. */
const RELEASE_AFTER_CPU_MS = 50;
/** CPU in one interval under which the daemon counts as quiet. */
const QUIET_CPU_MS = 5;
/** Quiet intervals in a row that make a quiet spell: 3 s. */
export const QUIET_CHECKS = 6;
/** How long the daemon must be quiet before it hands memory back (what a reading of its idle RSS waits for). */
export const QUIET_SPELL_MS = QUIET_CHECKS * CHECK_MS;

type Gc = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => void;

let gcCache: Gc | null | undefined;

/**
 * V8's gc(), taken from a fresh context so the daemon's own global scope never gets one; null when the
 * flag cannot be set.
 */
function gcFunction(): Gc | null {
  if (gcCache !== undefined) return gcCache;
  try {
    v8.setFlagsFromString('--expose-gc');
    gcCache = vm.runInNewContext('gc') as Gc;
  } catch {
    gcCache = null;
  }
  return gcCache;
}

/**
 * V8 12 and later (Node >= 22) take gc()'s options, and the last-resort flavor is the collection that shrinks
 * the heap. V8 11 (Node 20) runs a young-generation scavenge for any options object, and its plain gc()
 * shrinks nothing but keeps V8's memory reducer from running (idle RSS 67.6 MB for 20 s against 64.3 MB
 * once the reducer ran), so there the release is malloc_trim alone.
 */
const SHRINKING_GC = Number(process.versions.v8.split('.')[0]) >= 12;

/** The GC that shrinks V8's heap where Node has one (>= 22), then malloc_trim. */
export function releaseMemory(): void {
  if (SHRINKING_GC) gcFunction()?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  trimMalloc();
}

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * Starts the quiet-spell check; returns the function that stops it. The CPU the process used before (the
 * start: loading the bundle, the trail's check, the secrets' load) counts as work, so the start's garbage
 * goes back at the first quiet spell too, not only after a later burst of calls.
 */
export function releaseMemoryWhenIdle(release: () => void = releaseMemory, now: () => number = cpuMs, checkMs = CHECK_MS): () => void {
  let sinceRelease = 0;
  let last = now();
  let quietChecks = 0;
  const timer = setInterval(() => {
    const t = now();
    quietChecks = t - last < QUIET_CPU_MS ? quietChecks + 1 : 0;
    last = t;
    if (quietChecks < QUIET_CHECKS || t - sinceRelease < RELEASE_AFTER_CPU_MS) return;
    release();
    sinceRelease = last = now(); // the release's own CPU is no work to release after
  }, checkMs);
  timer.unref();
  return () => clearInterval(timer);
}
