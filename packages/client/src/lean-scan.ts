// The Scan stream over h2lite with the generated codec: what `agent scan --staged` (the pre-commit hook's
// command) talks over, loading neither grpc-js nor proto-loader. The same ScanStream as AgentConnection's.
import type { ScanFinding } from '@latchkey/protocol/messages';
import { assertSocketPathLength } from '@latchkey/protocol/lean';
import { scan } from '@latchkey/protocol/methods';
import { h2liteOpen } from './h2lite.js';
import { scanStream, type ScanStart, type ScanStream } from './scan-stream.js';

/** Starts a scan on the daemon at `socket` (one connection of its own, no deadline, as AgentConnection's). */
export function leanScan(socket: string, start: ScanStart, onFinding: (f: ScanFinding) => void): ScanStream {
  assertSocketPathLength(socket);
  return scanStream(start, onFinding, (onReply) => {
    const call = h2liteOpen(socket, scan.name, (bytes) => onReply(scan.responseType.decode(bytes)));
    return {
      write: (msg) => call.write(scan.requestType.encode(msg).finish()),
      end: call.end,
      cancel: call.cancel,
      done: call.done,
    };
  });
}
export type { ScanStart, ScanStream } from './scan-stream.js';
