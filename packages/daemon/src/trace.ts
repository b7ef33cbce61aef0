// Start-up timestamps for LATCHKEY_DEBUG: where a start spends its time (process start to each phase),
// with the memory held then, written to stderr (daemon.log when auto-started). Names phases only, never a value.
import { performance } from 'node:perf_hooks';

/** Notes that a phase of the start is done. */
export type StartTrace = (phase: string) => void;

/** A trace writing `agent: debug: start: <ms since the process started> ms <phase>` lines, or one that does nothing. */
export function startTrace(env: { LATCHKEY_DEBUG?: string | undefined }, out: { write(line: string): unknown } = process.stderr): StartTrace {
  if (!env.LATCHKEY_DEBUG) return () => {};
  const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
  return (phase) => {
    const m = process.memoryUsage();
    out.write(`agent: debug: start: ${performance.now().toFixed(1)} ms ${phase} (rss ${mb(m.rss)} MB, heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} MB, external ${mb(m.external)} MB)\n`);
  };
}
