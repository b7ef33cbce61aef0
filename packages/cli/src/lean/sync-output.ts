// stdout or stderr written with writeSync, for `agent get`'s lean path: Node's stream for a pipe costs
// about 3 ms to open and flush on this project's machine, against 0.4 ms for the write itself. When the
// descriptor is non-blocking and full (EAGAIN), the rest goes through Node's stream, which waits; a reader
// that went away (EPIPE) ends the writing quietly, as runLean has it for the stream.
import { writeSync } from 'node:fs';
import { isTerminal } from '@latchkey/client/libc';

/** The part of a writable stream the lean paths use: write (with its callback) and isTTY. */
export class SyncOutput {
  readonly isTTY: boolean;
  private stream: NodeJS.WritableStream | undefined;
  private gone = false;

  constructor(private readonly fd: 1 | 2) {
    this.isTTY = isTerminal(fd);
  }

  write(chunk: string | Uint8Array, cb?: (err?: Error | null) => void): boolean {
    if (this.stream) return this.stream.write(chunk, cb);
    let rest = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    while (rest.length > 0 && !this.gone) {
      try {
        rest = rest.subarray(writeSync(this.fd, rest));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') this.gone = true;
        else if (code === 'EAGAIN') return this.streamed().write(rest, cb);
        else throw err;
      }
    }
    cb?.();
    return true;
  }

  /** Node's stream for the rest, opened once, its EPIPE the reader's going away. */
  private streamed(): NodeJS.WritableStream {
    if (!this.stream) {
      this.stream = this.fd === 1 ? process.stdout : process.stderr;
      this.stream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
      });
    }
    return this.stream;
  }
}
