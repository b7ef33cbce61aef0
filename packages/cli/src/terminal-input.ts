// Several questions on one terminal: hidden values (raw mode, no echo) and yes/no lines, reading from
// one buffer so that bytes typed or pasted ahead (several lines in one chunk) go to the next question
// instead of being dropped. Ctrl-C while a value is asked cancels (the caller exits 130).
import { LatchkeyError } from '@latchkey/core';
import type { Deps } from './base.js';

/** Thrown when the user presses Ctrl-C at a hidden prompt. */
export class Cancelled extends LatchkeyError {
  constructor() {
    super('usage', 'cancelled');
  }
}

type Stdin = Deps['stdin'];

/** A terminal to ask questions on; `close()` when done. */
export class TerminalInput {
  private buf = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;
  private readonly onData = (chunk: Buffer | string) => {
    this.buf = Buffer.concat([this.buf, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    this.wake?.();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.wake?.();
  };

  constructor(
    private readonly stdin: Stdin,
    private readonly stderr: NodeJS.WritableStream,
  ) {
    stdin.on('data', this.onData);
    stdin.on('end', this.onEnd);
    stdin.pause();
  }

  /** Asks for a value without echo; resolves with its bytes (empty when just Enter or Ctrl-D). */
  async hidden(prompt: string): Promise<Buffer> {
    this.stdin.setRawMode?.(true);
    this.stderr.write(prompt);
    try {
      const bytes: number[] = [];
      for (;;) {
        const b = await this.nextByte();
        if (b === undefined || b === 0x0d || b === 0x0a || b === 0x04) break;
        if (b === 0x03) throw new Cancelled();
        if (b === 0x7f || b === 0x08) {
          // drop the last UTF-8 character: its continuation bytes, then its lead byte
          while (bytes.length > 0 && ((bytes[bytes.length - 1] ?? 0) & 0xc0) === 0x80) bytes.pop();
          bytes.pop();
          continue;
        }
        bytes.push(b);
      }
      // A CR LF pair typed or pasted as one Enter.
      if (this.buf[0] === 0x0a) this.buf = this.buf.subarray(1);
      return Buffer.from(bytes);
    } finally {
      this.stdin.setRawMode?.(false);
      this.stdin.pause();
      this.stderr.write('\n');
    }
  }

  /** Asks a yes/no question (`[y/N]`): only y or yes is yes; so is nothing else, the end of input included. */
  async confirm(question: string): Promise<boolean> {
    this.stderr.write(`${question} [y/N] `);
    const bytes: number[] = [];
    for (;;) {
      const b = await this.nextByte();
      if (b === undefined) {
        this.stderr.write('\n');
        break;
      }
      if (b === 0x0d || b === 0x0a) {
        if (b === 0x0d && this.buf[0] === 0x0a) this.buf = this.buf.subarray(1);
        break;
      }
      bytes.push(b);
    }
    this.stdin.pause();
    return /^\s*y(es)?\s*$/i.test(Buffer.from(bytes).toString('utf8'));
  }

  /** Stops listening; the terminal is left in its normal mode. */
  close(): void {
    this.stdin.off('data', this.onData);
    this.stdin.off('end', this.onEnd);
    this.stdin.setRawMode?.(false);
    this.stdin.pause();
  }

  private async nextByte(): Promise<number | undefined> {
    while (this.buf.length === 0) {
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.stdin.resume();
      });
      this.wake = undefined;
    }
    const b = this.buf[0] as number;
    this.buf = this.buf.subarray(1);
    return b;
  }
}
