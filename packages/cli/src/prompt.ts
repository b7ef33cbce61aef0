// Reading a value without echoing it: a hidden prompt on a terminal, stdin byte-exact otherwise.
import { usageError } from '@latchkey/core';
import type { Deps } from './deps.js';
import { askHidden } from './terminal-input.js';

/** Reads all of stdin as bytes. */
export async function readAll(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Asks for a value on the terminal without echo (the one prompter's keys); Ctrl-C cancels (exit 130). */
export function readHidden(deps: Pick<Deps, 'stdin' | 'stderr'>, prompt: string): Promise<Buffer> {
  if (!deps.stdin.setRawMode) throw usageError('no terminal to ask for the value', 'pipe the value on stdin');
  return askHidden(deps, prompt);
}
