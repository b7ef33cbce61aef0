// The client side of the Scan stream, whatever carries it (grpc-js's bidirectional call in connection.ts,
// h2lite's in lean-scan.ts): sources' bytes batched into ScanRequest messages, findings handed on as the
// replies bring them, the summary at the end.
import type { ScanFinding, ScanPiece, ScanReply, ScanRequest, ScanSummary } from '@latchkey/protocol/messages';

/** Bytes of a source sent per message (under the 64 KiB message cap). */
export const SCAN_CHUNK_BYTES = 60 * 1024;

/** A scan in progress: send each source's bytes, then finish(). */
export interface ScanStream {
  /** Sends bytes of source `source` (labelled on its first call); `end` closes the source. */
  send(source: { id: number; label: string; channel?: string }, data: Uint8Array, end: boolean): Promise<void>;
  /** Ends the scan; resolves with its summary once every finding has been delivered. */
  finish(): Promise<ScanSummary>;
  /** Abandons the scan. */
  cancel(): void;
}

/** What a scan needs from its call: messages out, replies in (to the `onReply` it was opened with). */
export interface ScanCall {
  /** Resolves once the message is taken; rejects with the call's error once it has failed. */
  write(message: ScanRequest): Promise<void>;
  end(): void;
  cancel(): void;
  /** Resolves when the daemon has ended the call after its last reply; rejects with the call's error. */
  readonly done: Promise<void>;
}

export interface ScanStart {
  mode: string;
  roots: readonly string[];
  answer: boolean;
}

/** A scan over the call `open` makes; `onFinding` gets each finding as its reply arrives. */
export function scanStream(start: ScanStart, onFinding: (f: ScanFinding) => void, open: (onReply: (reply: ScanReply) => void) => ScanCall): ScanStream {
  let summary: ScanSummary | undefined;
  const call = open((reply) => {
    for (const f of reply.findings) onFinding(f);
    if (reply.summary) summary = reply.summary;
  });
  call.done.catch(() => {});
  const labelled = new Set<number>();
  // Pieces of sources gathered into one message until it holds SCAN_CHUNK_BYTES (many small files).
  let pieces: ScanPiece[] = [];
  let batched = 0;
  let first = true;
  // The scan's mode, roots and answer travel on its first message only; its pieces in `pieces`.
  const flush = (): Promise<void> => {
    const msg: ScanRequest = {
      ...(first ? { mode: start.mode, roots: [...start.roots], answer: start.answer } : { mode: '', roots: [], answer: false }),
      source: 0,
      label: '',
      data: new Uint8Array(0),
      sourceEnd: false,
      channel: '',
      pieces,
    };
    first = false;
    pieces = [];
    batched = 0;
    return call.write(msg);
  };
  return {
    send: async (source, data, end) => {
      for (let at = 0; at < data.length || at === 0; at += SCAN_CHUNK_BYTES) {
        const piece = data.subarray(at, at + SCAN_CHUNK_BYTES);
        const fresh = !labelled.has(source.id);
        const size = piece.length + 64 + (fresh ? Buffer.byteLength(source.label) + Buffer.byteLength(source.channel ?? '') : 0);
        if (pieces.length > 0 && batched + size > SCAN_CHUNK_BYTES) await flush();
        labelled.add(source.id);
        pieces.push({ source: source.id, label: fresh ? source.label : '', channel: fresh ? (source.channel ?? '') : '', data: piece, sourceEnd: end && at + SCAN_CHUNK_BYTES >= data.length });
        batched += size;
        if (data.length === 0) break;
      }
    },
    finish: async () => {
      if (first || pieces.length > 0) await flush();
      call.end();
      await call.done;
      if (!summary) throw new Error('the daemon ended the scan without a summary');
      return summary;
    },
    cancel: () => call.cancel(),
  };
}
