// Finding the daemon, and starting it when none runs (start.ts, which loads no grpc-js), for the full client:
// probe() and connect() over grpc-js.
import { isLatchkeyError } from '@latchkey/core';
import { socketPath, type Env } from '@latchkey/protocol';
import { AgentConnection, type DaemonStatus } from './connection.js';
import { startDaemonProcess, type InstalledDaemon } from './start.js';

export { daemonArgs, daemonEnvironment, daemonNodeFlags, findDaemon, START_TIMEOUT_MS, startDaemonProcess, type InstalledDaemon } from './start.js';

export interface ConnectOptions {
  /** The environment to derive paths from (read once by the caller). Defaults to process.env. */
  env?: Env;
  /** Start the daemon when none answers (default true). */
  autoStart?: boolean;
  /** Called after this call started a daemon (e.g. to say that it fell back to the memory store). */
  onStarted?: (status: DaemonStatus) => void;
  /** Where the daemon program installed with the caller lies, if it knows (see findDaemon). */
  daemon?: InstalledDaemon;
}

/** Status of the daemon on `socket`, or undefined when nothing answers there. */
export async function probe(socket: string, timeoutMs = 1500): Promise<DaemonStatus | undefined> {
  const conn = new AgentConnection(socket);
  try {
    return await conn.status(timeoutMs);
  } catch (err) {
    if (isLatchkeyError(err) && err.kind === 'unavailable') return undefined;
    throw err;
  } finally {
    conn.close();
  }
}

/** Connects to the daemon, starting it first when none answers and `autoStart` allows. */
export async function connect(options: ConnectOptions = {}): Promise<AgentConnection> {
  const env = options.env ?? process.env;
  const socket = socketPath(env);
  if (options.autoStart !== false && !(await probe(socket))) {
    // Started before the optional callback is looked at: `a?.(await f())` skips f when a is absent.
    const status = await startDaemonProcess(env, options.daemon);
    options.onStarted?.(status);
  }
  return new AgentConnection(socket);
}
