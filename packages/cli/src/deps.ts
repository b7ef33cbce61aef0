// What actions need from the outside world, as a value: built from the process by the oclif commands
// (base.ts, with grpc-js's AgentConnection) and by the lean paths (lean/deps.ts, with h2lite's LeanAgent).
import type { AgentConnection } from '@latchkey/client';
import type { Output } from './render.js';

/** What actions need from the outside world; built once per command from the process. */
export interface Deps<Agent extends Closable = AgentConnection> extends Output {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  /** Opens a connection to the daemon, starting it when needed. */
  connect(options?: { autoStart?: boolean }): Promise<Agent>;
  /** The wall clock, in ms since the epoch. */
  now(): number;
}

/** A connection to the daemon: something to close. */
export interface Closable {
  close(): void;
}

/** A connection with only the calls `K` of AgentConnection (what an action that the lean paths run needs). */
export type AgentWith<K extends keyof AgentConnection> = Pick<AgentConnection, K | 'close'>;

/** Runs `fn` with a daemon connection and always closes it. */
export async function withAgent<A extends Closable, T>(deps: Deps<A>, fn: (agent: A) => Promise<T>, autoStart = true): Promise<T> {
  const agent = await deps.connect({ autoStart });
  try {
    return await fn(agent);
  } finally {
    agent.close();
  }
}
