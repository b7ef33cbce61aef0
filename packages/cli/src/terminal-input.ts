// The one prompter: every hidden value and every yes/no question on a terminal goes through TerminalInput.
// It reads in raw mode from one buffer, so that bytes typed or pasted ahead (several lines in one chunk)
// answer the next question instead of being dropped. The keys, the same at every prompt:
// - Enter (CR, LF or CR LF) or Ctrl-D ends the answer; Ctrl-C cancels (the command exits 130);
// - Backspace removes the last whole UTF-8 character; Ctrl-U clears the answer;
// - escape sequences (arrows, Home/End, function keys: CSI `ESC [ ... final` and SS3 `ESC O x`, and the
//   bracketed-paste markers `ESC [200~` / `ESC [201~`) are ignored, never stored; Esc then a key is
//   ignored as one sequence (Alt+key); other control bytes but Tab are ignored too.
// Pasted line breaks follow the same rule as typed ones (PASTE_RULE): an answer is one line.
import { Cancelled } from '@latchkey/core';
import type { Deps } from './deps.js';

/** The multi-line paste rule, as the help and the README state it. */
export const PASTE_RULE =
  'a hidden value is one line: it ends at the first line break, typed or pasted; lines pasted ahead answer the next questions, and ' +
  'what is left after the last one is dropped. Pipe a value with line breaks on stdin instead.';

/** Thrown when the user presses Ctrl-C at a prompt (core's error kind `cancelled`: exit 130). */
export { Cancelled };

type Stdin = Deps['stdin'];

const ESC = 0x1b;
const CSI_FINAL = (b: number) => b >= 0x40 && b <= 0x7e;
const CSI_BODY = (b: number) => b >= 0x20 && b <= 0x3f;

/** A terminal to ask questions on; `close()` when done. */
export class TerminalInput {
  private buf = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;
  /** A byte read while skipping an escape sequence that belongs to the answer's own handling. */
  private pushedBack: number | undefined;
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
    return Buffer.from(await this.line(prompt, false));
  }

  /** Asks a yes/no question (`[y/N]`), echoing the answer: only y or yes is yes; the end of input is no. */
  async confirm(question: string): Promise<boolean> {
    const answer = Buffer.from(await this.line(`${question} [y/N] `, true)).toString('utf8');
    return /^\s*y(es)?\s*$/i.test(answer);
  }

  /** Drops what was typed or pasted ahead and not used by any question. */
  discardPending(): void {
    this.buf = Buffer.alloc(0);
    this.pushedBack = undefined;
  }

  /** Stops listening; the terminal is left in its normal mode. */
  close(): void {
    this.stdin.off('data', this.onData);
    this.stdin.off('end', this.onEnd);
    this.stdin.setRawMode?.(false);
    this.stdin.pause();
  }

  /** Shows `prompt` and reads one answer with the keys above; `echo` shows it (a yes/no answer, never a value). */
  private async line(prompt: string, echo: boolean): Promise<number[]> {
    // Raw before the prompt shows: a key pressed as soon as it appears must not meet the terminal's own
    // line discipline (its echo, or Ctrl-C as a signal).
    this.stdin.setRawMode?.(true);
    this.stderr.write(prompt);
    const bytes: number[] = [];
    const show = (s: string) => echo && this.stderr.write(s);
    try {
      for (;;) {
        const b = await this.nextByte();
        if (b === undefined || b === 0x04) break;
        if (b === 0x0d || b === 0x0a) {
          // A CR LF pair typed or pasted as one Enter.
          if (b === 0x0d && this.buf[0] === 0x0a && this.pushedBack === undefined) this.buf = this.buf.subarray(1);
          break;
        }
        if (b === 0x03) throw new Cancelled();
        if (b === 0x15) {
          show('\b \b'.repeat(charCount(bytes)));
          bytes.length = 0;
        } else if (b === 0x7f || b === 0x08) {
          if (bytes.length > 0) show('\b \b');
          dropLastChar(bytes);
        } else if (b === ESC) {
          await this.skipEscape();
        } else if (b >= 0x20 || b === 0x09) {
          bytes.push(b);
          if (echo) this.stderr.write(Buffer.from([b]));
        }
      }
      return bytes;
    } finally {
      this.stdin.setRawMode?.(false);
      this.stdin.pause();
      this.stderr.write('\n');
    }
  }

  /**
   * Consumes the rest of an escape sequence after ESC: CSI (`[`, parameters, a final byte), SS3 (`O` and
   * one byte) or Alt+key (one byte). A control byte met on the way is not part of it and is read again.
   */
  private async skipEscape(): Promise<void> {
    const first = await this.nextByte();
    if (first === undefined) return;
    if (first < 0x20 || first === 0x7f) {
      this.pushedBack = first;
      return;
    }
    if (first === 0x4f) {
      const final = await this.nextByte();
      if (final !== undefined && (final < 0x20 || final === 0x7f)) this.pushedBack = final;
      return;
    }
    if (first !== 0x5b) return; // Alt+key
    for (;;) {
      const b = await this.nextByte();
      if (b === undefined || CSI_FINAL(b)) return;
      if (!CSI_BODY(b)) {
        this.pushedBack = b;
        return;
      }
    }
  }

  private async nextByte(): Promise<number | undefined> {
    if (this.pushedBack !== undefined) {
      const b = this.pushedBack;
      this.pushedBack = undefined;
      return b;
    }
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

/** Asks one hidden value on its own (as `agent set` does); what was pasted after its line is dropped. */
export async function askHidden(deps: Pick<Deps, 'stdin' | 'stderr'>, prompt: string): Promise<Buffer> {
  const terminal = new TerminalInput(deps.stdin, deps.stderr);
  try {
    return await terminal.hidden(prompt);
  } finally {
    terminal.discardPending();
    terminal.close();
  }
}

/** Asks one yes/no question on its own; no terminal means no (nothing is asked). */
export async function askConfirm(deps: Pick<Deps, 'stdin' | 'stderr'>, question: string): Promise<boolean> {
  if (!deps.stdin.isTTY) return false;
  const terminal = new TerminalInput(deps.stdin, deps.stderr);
  try {
    return await terminal.confirm(question);
  } finally {
    terminal.discardPending();
    terminal.close();
  }
}

/** Removes the last UTF-8 character: its continuation bytes, then its lead byte. */
function dropLastChar(bytes: number[]): void {
  while (bytes.length > 0 && ((bytes[bytes.length - 1] ?? 0) & 0xc0) === 0x80) bytes.pop();
  bytes.pop();
}

function charCount(bytes: number[]): number {
  return bytes.filter((b) => (b & 0xc0) !== 0x80).length;
}
