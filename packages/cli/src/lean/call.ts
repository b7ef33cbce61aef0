// One call of a lean path to the daemon over h2lite, starting the daemon when none listens.
import { DaemonNotRunning, h2liteCall } from '@latchkey/client/h2lite';
import type { UnaryCall } from '@latchkey/client/lean-agent';
import { errorOfStatus, GrpcStatus } from '@latchkey/protocol/lean';
import { installedDaemon } from '../daemon-program.js';
import { warnStoreNote } from '../render.js';

export type Env = Record<string, string>;

/**
 * h2lite's call to `socket`; with `autoStart`, a first call that finds no daemon starts one (saying when it
 * fell back to the memory store) and is made again, as connect() does before its first call. A later call
 * that finds none fails as grpc-js's would.
 */
export function startingCall(socket: string, env: Env, autoStart: boolean): UnaryCall {
  let first = true;
  return async (method, request, timeoutMs) => {
    const mayStart = autoStart && first;
    first = false;
    try {
      return await h2liteCall(socket, method, request, timeoutMs);
    } catch (err) {
      if (!(err instanceof DaemonNotRunning)) throw err;
      if (!mayStart) throw errorOfStatus({ status: GrpcStatus.UNAVAILABLE, details: '', meta: () => undefined }, socket);
      const { startDaemonProcess } = await import('../exec/start-daemon.js');
      warnStoreNote(process, await startDaemonProcess(env, installedDaemon));
      return h2liteCall(socket, method, request, timeoutMs);
    }
  };
}
