// The daemon's own log (daemon.log): operational lines only, never a secret value.
import { appendFileSync } from 'node:fs';
import { isoTime } from '@latchkey/core';

/** Writes one line per event to the daemon log, and to stderr when running attached. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger appending to `file` (0600), mirrored to stderr when `toStderr`. */
export function fileLogger(file: string | undefined, toStderr: boolean): Logger {
  const write = (level: string, message: string) => {
    const line = `${isoTime(Date.now())} ${level} ${message}\n`;
    if (file) {
      try {
        appendFileSync(file, line, { mode: 0o600 });
      } catch {
        // the log is best effort; the audit log is the one that must not fail silently
      }
    }
    if (toStderr) process.stderr.write(line);
  };
  return {
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}

/** A logger that keeps lines in memory, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}
