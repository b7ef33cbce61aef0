// Reading a value without echoing it: a hidden prompt on a terminal, stdin byte-exact otherwise.
import { LatchkeyError, usageError } from '@latchkey/core';
import type { Deps } from './base.js';

/** Reads all of stdin as bytes. */
export async function readAll(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Asks for a value on the terminal without echo; Ctrl-C aborts (exit 130), Ctrl-D ends the line. */
export function readHidden(deps: Pick<Deps, 'stdin' | 'stderr'>, prompt: string): Promise<Buffer> {
  const { stdin, stderr } = deps;
  if (!stdin.setRawMode) throw usageError('no terminal to ask for the value', 'pipe the value on stdin');
  stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let bytes: number[] = [];
    const finish = (err?: Error) => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      if (err) reject(err);
      else resolve(Buffer.from(bytes));
      bytes = [];
    };
    const onData = (chunk: Buffer | string) => {
      for (const b of typeof chunk === 'string' ? Buffer.from(chunk) : chunk) {
        if (b === 0x03) return finish(new LatchkeyError('usage', 'cancelled'));
        if (b === 0x0d || b === 0x0a || b === 0x04) return finish();
        if (b === 0x7f || b === 0x08) {
          // drop the last UTF-8 character: its continuation bytes, then its lead byte
          while (bytes.length > 0 && ((bytes[bytes.length - 1] ?? 0) & 0xc0) === 0x80) bytes.pop();
          bytes.pop();
          continue;
        }
        bytes.push(b);
      }
    };
    stdin.on('data', onData);
  });
}
