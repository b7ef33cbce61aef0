// JSON documents of the state folder (usage.json, leaks.json, retired.json): read leniently, written
// atomically (a temp file of mode 0600 renamed over the old one), failures logged rather than thrown.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Logger } from './log.js';

/** The parsed document at `file`; undefined when it is missing or does not parse (the latter logged). */
export function readStateJson(file: string, log: Logger): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`ignored unreadable ${file}`);
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    log.warn(`ignored unreadable ${file}`);
    return undefined;
  }
}

/** Writes `doc` as the document at `file`, atomically; a failure is logged. */
export function writeStateJson(file: string, doc: unknown, log: Logger): void {
  try {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(doc)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  } catch (err) {
    log.warn(`could not write ${file}: ${(err as Error).message}`);
  }
}
