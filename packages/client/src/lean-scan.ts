// The Scan stream over h2lite with the generated codec: what `agent scan --staged` (the pre-commit hook's
// command) talks over, loading neither grpc-js nor proto-loader. The same ScanStream as AgentConnection's.
import type { ScanFinding, ScanReply } from '@latchkey/protocol/messages';
import { assertSocketPathLength } from '@latchkey/protocol/lean';
import { scan } from '@latchkey/protocol/methods';
import { h2liteOpen } from './h2lite.js';
import { scanStream, type ScanCall, type ScanStart, type ScanStream } from './scan-stream.js';

/** Opens one Scan call, its replies to `onReply`. */
export type OpenScan = (onReply: (reply: ScanReply) => void) => ScanCall;

/** Scan calls to the daemon at `socket`, each on a connection of its own with no deadline (as AgentConnection's). */
export function openScan(socket: string): OpenScan {
  return (onReply) => {
    const call = h2liteOpen(socket, scan.name, (bytes) => onReply(scan.responseType.decode(bytes)));
    return {
      write: (msg) => call.write(scan.requestType.encode(msg).finish()),
      end: call.end,
      cancel: call.cancel,
      done: call.done,
    };
  };
}

/** Starts a scan on the daemon at `socket`, over the call `open` makes (openScan's by default). */
export function leanScan(socket: string, start: ScanStart, onFinding: (f: ScanFinding) => void, open: OpenScan = openScan(socket)): ScanStream {
  assertSocketPathLength(socket);
  return scanStream(start, onFinding, open);
}
export type { ScanCall, ScanStart, ScanStream } from './scan-stream.js';
