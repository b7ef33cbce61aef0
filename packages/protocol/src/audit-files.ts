// Where the audit trail lives in the state folder, shared by the daemon (which writes it) and the CLI
// (which reads and verifies it without the daemon).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The current log and the anchor inside a state folder. */
export const AUDIT_FILE = 'audit.jsonl';
export const AUDIT_ANCHOR_FILE = 'audit.anchor';
/** Rotated logs, named so that a lexical sort is chronological. */
export const ROTATED_PATTERN = /^audit-\d{8}T\d{9}Z(-\d+)?\.jsonl$/;

/** The trail's files, oldest first (rotated ones, then the current one if present). */
export function auditFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => ROTATED_PATTERN.test(n)).sort();
  } catch {
    return [];
  }
  if (existsSync(join(dir, AUDIT_FILE))) names.push(AUDIT_FILE);
  return names.map((n) => join(dir, n));
}

/** The recorded anchor, or undefined when there is none (or it is not 64 hex digits). Never creates one. */
export function readAnchor(dir: string): string | undefined {
  try {
    const text = readFileSync(join(dir, AUDIT_ANCHOR_FILE), 'utf8').trim();
    return /^[0-9a-f]{64}$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}
