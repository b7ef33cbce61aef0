/**
 * A vitest global setup that hands each test run fresh temporary keys: `@latchkey/client/vitest`.
 *
 * Declare the keys in `vitest.config` under `test.provide.latchkeyKeys` (variable name -> what to mint)
 * and name this module as a global setup; nothing else to write:
 *
 * ```ts
 * // vitest.config.ts
 * export default defineConfig({
 *   test: {
 *     globalSetup: ['@latchkey/client/vitest'],
 *     provide: {
 *       latchkeyKeys: {
 *         API_KEY: { kind: 'random', ttl: '15m', params: { bytes: 32, encoding: 'hex', prefix: 'sk_test_' } },
 *         API_TOKEN: { kind: 'jwt', ttl: '15m', params: { signer: 'dev-signer', sub: 'tests', aud: 'api' } },
 *       },
 *     },
 *   },
 * });
 * // any test: process.env.API_KEY
 * ```
 *
 * Or, to keep the declaration typed in a file of its own, `export default latchkeyGlobalSetup({ keys })`
 * from a setup file and name that file in `globalSetup` instead.
 *
 * What happens:
 * - Before any test file runs, vitest runs the setup once, in its main process. It connects to the
 *   daemon (starting it when none runs), mints every declared key, and sets `process.env[NAME]`. Vitest
 *   builds its workers' environment from `process.env` after global setup, so every worker (forks or
 *   threads) sees the keys; a test reads `process.env.API_KEY`.
 * - Each key's lease is bound to the vitest main process (the process that asked), so a key dies when
 *   the run ends: at teardown it is revoked explicitly; if vitest is killed or crashes, the daemon
 *   ends the lease when that process exits; and the key's TTL is the last backstop. Crashing workers
 *   end nothing (they are not the lease holder), so a retried test file still gets a working key.
 * - If any key cannot be minted (unknown kind, missing signer, TTL over the daemon's maximum), the ones
 *   already minted are revoked and the run fails before any test starts.
 * - At teardown the leases are revoked and the variables restored to what they were.
 *
 * Keys are minted once per vitest process: in watch mode they live until vitest exits (or their TTL),
 * so pick a TTL longer than a watch session if you use one.
 */
import { connect, type ConnectOptions } from './discover.js';
import type { AgentConnection } from './connection.js';
import type { TempKey, TempKeySpec } from './temp.js';
import { isLatchkeyError, usageError } from '@latchkey/core';

/** The `test.provide` key the default setup reads its declarations from. */
export const PROVIDE_KEY = 'latchkeyKeys';

/** One declared key: what `agent.tempKey` takes, without the binding (always the vitest process). */
export type DeclaredKey = Omit<TempKeySpec, 'bindPid'>;

export interface LatchkeyGlobalSetupOptions {
  /** Environment variable name -> key to mint. Default: `test.provide.latchkeyKeys` of the project. */
  keys?: Record<string, DeclaredKey>;
  /** How to reach the daemon (default: from process.env, starting it when none runs). */
  connect?: ConnectOptions;
}

/** What vitest hands a global setup (a TestProject); only its config is read. */
export interface VitestProjectLike {
  config?: { provide?: Record<string, unknown> };
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A vitest global setup function minting `options.keys` (or the project's declared keys). */
export function latchkeyGlobalSetup(options: LatchkeyGlobalSetupOptions = {}): (project?: VitestProjectLike) => Promise<() => Promise<void>> {
  return async function setup(project?: VitestProjectLike): Promise<() => Promise<void>> {
    const declared = checkDeclared(options.keys ?? project?.config?.provide?.[PROVIDE_KEY]);
    const agent = await connect(options.connect);
    const minted: Array<{ name: string; key: TempKey }> = [];
    try {
      const results = await Promise.allSettled(
        Object.entries(declared).map(async ([name, spec]) => {
          const key = await agent.tempKey({ kind: spec.kind, ttl: spec.ttl, params: spec.params, bindPid: 0 });
          minted.push({ name, key });
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        await Promise.allSettled(minted.map((m) => m.key.revoke()));
        throw failed.reason;
      }
    } finally {
      agent.close();
    }

    const previous = new Map<string, string | undefined>();
    for (const { name, key } of minted) {
      previous.set(name, process.env[name]);
      process.env[name] = key.value;
    }

    return async function teardown(): Promise<void> {
      for (const [name, value] of previous) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      let conn: AgentConnection | undefined;
      try {
        conn = await connect({ ...options.connect, autoStart: false });
        await Promise.all(minted.map((m) => conn?.revokeLease(m.key.leaseId)));
      } catch (err) {
        // No daemon: the keys lived in its memory only, so they are gone with it.
        if (!(isLatchkeyError(err) && err.kind === 'unavailable')) throw err;
      } finally {
        conn?.close();
      }
    };
  };
}

/** The default export: reads the keys from `test.provide.latchkeyKeys` of the vitest config. */
export default latchkeyGlobalSetup();

function checkDeclared(raw: unknown): Record<string, DeclaredKey> {
  if (raw === undefined) {
    throw usageError(
      'no temporary keys declared for the latchkey vitest setup',
      `declare them in vitest.config under test.provide.${PROVIDE_KEY}, e.g. { API_KEY: { kind: 'random', ttl: '15m' } }`,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw usageError(`test.provide.${PROVIDE_KEY} must map variable names to keys`);
  const out: Record<string, DeclaredKey> = {};
  for (const [name, spec] of Object.entries(raw as Record<string, unknown>)) {
    if (!VARIABLE_NAME.test(name)) throw usageError(`invalid variable name ${JSON.stringify(name)} for a temporary key`, 'use letters, digits and _');
    if (typeof spec !== 'object' || spec === null || typeof (spec as { kind?: unknown }).kind !== 'string') {
      throw usageError(`the key for ${name} needs a kind`, "e.g. { kind: 'random', ttl: '15m', params: { bytes: 32 } }");
    }
    out[name] = spec as DeclaredKey;
  }
  return out;
}
