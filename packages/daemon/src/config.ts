// Reads config.json (default and maximum TTL, store, masking).
import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG, inputError, parseConfig, type Config } from '@latchkey/core';

/** The configuration in `file`, or the defaults when it does not exist. */
export function readConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_CONFIG;
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw inputError(`${file} is not valid JSON`, `fix or remove ${file}`);
  }
  return parseConfig(raw);
}
