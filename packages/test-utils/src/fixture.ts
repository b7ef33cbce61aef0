// The end-to-end fixture: `const test = labTest()` gives each test file a world (HOME, XDG folders, a
// keychain service of its own), a daemon on the world's temp socket using a private gnome-keyring, and a
// client of that daemon; all are made on first use, once per file, and torn down after the file's last
// test. After every test, anything that reported an internal error (a bug) in the world fails it.
//
//   const test = labTest({ store: 'memory' });
//   test('lists what was set', async ({ world, client }) => { ... });
//   test.beforeAll(({ world }) => { ... });  // suite hooks get the file's world, daemon and client too
import { AgentConnection } from '@latchkey/client';
import { test as base } from 'vitest';
import { makeWorld, type DaemonProcess, type World } from './agent.js';
import { startKeyring, type Keyring } from './keyring.js';

export interface LabOptions {
  /** `keychain` (the default): the daemon uses a private, real Secret Service; `memory`: the memory store. */
  store?: 'keychain' | 'memory';
  /** Variables added to every process of the world (the daemon's included). */
  env?: Record<string, string>;
}

/** A vitest `test` whose context has `keyring`, `world`, `daemon` and `client`, as LabOptions say. */
export function labTest(options: LabOptions = {}) {
  return base
    .extend('keyring', { scope: 'file' }, async ({}, { onCleanup }): Promise<Keyring | undefined> => {
      if (options.store === 'memory') return undefined;
      const keyring = await startKeyring();
      onCleanup(() => keyring.stop());
      return keyring;
    })
    .extend('world', { scope: 'file' }, async ({ keyring }, { onCleanup }): Promise<World> => {
      const world = makeWorld(keyring, options.env);
      onCleanup(() => world.cleanup());
      return world;
    })
    .extend('daemon', { scope: 'file' }, async ({ world }): Promise<DaemonProcess> => world.startDaemon())
    .extend('client', { scope: 'file' }, async ({ world, daemon }, { onCleanup }): Promise<AgentConnection> => {
      void daemon;
      const client = new AgentConnection(world.socket);
      onCleanup(() => client.close());
      return client;
    })
    .extend('noInternalErrors', { auto: true }, async ({ world }, { onCleanup }): Promise<void> => {
      const before = world.internalErrors().length;
      onCleanup(() => {
        const bugs = world.internalErrors().slice(before);
        if (bugs.length > 0) throw new Error(`internal errors (bugs) were reported during this test:\n${bugs.join('\n')}`);
      });
    });
}
