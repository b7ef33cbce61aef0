// The calls of a lean path to the daemon over h2lite, starting the daemon when none listens: unary calls
// (startingCall) and the Scan stream (startingScan).
import { DaemonNotRunning, h2liteCall, h2liteCallBlocking } from '@latchkey/client/h2lite';
import type { UnaryCall } from '@latchkey/client/lean-agent';
import { openScan, type OpenScan, type ScanCall } from '@latchkey/client/lean-scan';
import { errorOfStatus, GrpcStatus, type Env } from '@latchkey/protocol/lean';
import { installedDaemon } from '../daemon-program.js';
import { warnStoreNote } from '../render.js';

/** Starts the installed daemon, saying when it fell back to the memory store. */
async function startDaemon(env: Env): Promise<void> {
  const { startDaemonProcess } = await import('../exec/start-daemon.js');
  warnStoreNote(process, await startDaemonProcess(env, installedDaemon));
}

/** What a call that finds no daemon after the first fails with: grpc-js's UNAVAILABLE, as AgentConnection's would. */
function notRunning(socket: string): Error {
  return errorOfStatus({ status: GrpcStatus.UNAVAILABLE, details: '', meta: () => undefined }, socket);
}

/**
 * h2lite's call to `socket`; with `autoStart`, a first call that finds no daemon starts one (saying when it
 * fell back to the memory store) and is made again, as connect() does before its first call. A later call
 * that finds none fails as grpc-js's would. `blocking` makes each call with blocking system calls
 * (h2liteCallBlocking): for a command that runs nothing else until the reply (`agent get`); a command with
 * a timer during its call (`agent set`'s notice of a slow mint command) must not block.
 */
export function startingCall(socket: string, env: Env, autoStart: boolean, blocking = false): UnaryCall {
  const call = blocking ? h2liteCallBlocking : h2liteCall;
  let first = true;
  return async (method, request, timeoutMs) => {
    const mayStart = autoStart && first;
    first = false;
    try {
      return await call(socket, method, request, timeoutMs);
    } catch (err) {
      if (!(err instanceof DaemonNotRunning)) throw err;
      if (!mayStart) throw notRunning(socket);
      await startDaemon(env);
      return call(socket, method, request, timeoutMs);
    }
  };
}

/**
 * The Scan call to `socket` over h2lite; with `autoStart`, a call that finds no daemon starts one (`start`,
 * the installed daemon by default) and is opened again, the messages written to it written again: h2lite
 * fails with DaemonNotRunning only when its connection is refused, so none of them reached a daemon. No
 * other call is made to find out first. Without `autoStart`, or when the call made again finds none either,
 * it fails as grpc-js's would.
 */
export function startingScan(socket: string, env: Env, autoStart: boolean, start: () => Promise<void> = () => startDaemon(env)): OpenScan {
  const open = openScan(socket);
  const plain = (err: unknown) => (err instanceof DaemonNotRunning ? notRunning(socket) : err);
  return (onReply) => {
    const first = open(onReply);
    let call = first;
    let again: Promise<ScanCall> | undefined;
    let ended = false;
    let cancelled = false;
    /** The call opened again after a start, for a failure of the first call that allows it (once for all). */
    const reopened = (err: unknown): Promise<ScanCall> => {
      if (!(err instanceof DaemonNotRunning) || cancelled) return Promise.reject(err);
      if (!autoStart) return Promise.reject(plain(err));
      return (again ??= start().then(() => {
        call = open(onReply);
        if (cancelled) call.cancel();
        else if (ended) call.end();
        return call;
      }));
    };
    return {
      write: async (message) => {
        const on = call;
        try {
          return await on.write(message);
        } catch (err) {
          if (on !== first) throw plain(err);
          const next = await reopened(err);
          return next.write(message).catch((e: unknown) => Promise.reject(plain(e)));
        }
      },
      end: () => {
        ended = true;
        call.end();
      },
      cancel: () => {
        cancelled = true;
        call.cancel();
      },
      done: first.done.catch(async (err: unknown) => {
        const next = await reopened(err);
        return next.done.catch((e: unknown) => Promise.reject(plain(e)));
      }),
    };
  };
}
