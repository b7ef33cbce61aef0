// The end-to-end fixtures. `const test = labTest()` gives each test file a lab: a world (HOME, XDG folders, a
// keychain service of its own), a daemon on the world's temp socket using a private gnome-keyring, and a
// client of that daemon; each part is made on first use, once per file, and torn down after the file's last
// test. After every test, anything that reported an internal error (a bug) in the world fails it.
//
//   const test = labTest({ store: 'memory' });
//   test('lists what was set', async ({ world, client }) => { ... });
//   test.beforeAll(({ world }) => { ... });  // suite hooks get the file's world, daemon and client too
//
// `useLab()` is the same lab for one describe block (a file whose describes each need a fresh one):
//
//   describe('refusals', () => {
//     const lab = useLab({ config: { maxLeases: 10 } });
//     it('...', async () => { await lab.world.agent(['ls']); });
//   });
import { AgentConnection } from '@latchkey/client';
import { afterAll, afterEach, beforeAll, test as base } from 'vitest';
import { makeWorld, type DaemonProcess, type World } from './agent.js';
import { startKeyring, type Keyring, type StartKeyringOptions } from './keyring.js';

export interface LabOptions {
  /** `keychain` (the default): the daemon uses a private, real Secret Service; `memory`: the memory store. */
  store?: 'keychain' | 'memory';
  /** Variables added to every process of the world (the daemon's included). */
  env?: Record<string, string>;
  /** Written as the world's config.json before its daemon starts. */
  config?: Record<string, unknown>;
}

/** A world, its daemon and a client of it, with the keyring the daemon uses (none with the memory store). */
export interface Lab {
  keyring: Keyring | undefined;
  world: World;
  daemon: DaemonProcess;
  client: AgentConnection;
}

/** The keyring a lab's daemon uses: a fresh private one, or none for the memory store. */
function labKeyring(options: LabOptions): Promise<Keyring | undefined> {
  return options.store === 'memory' ? Promise.resolve(undefined) : startKeyring();
}

/** A lab's world, with its config.json written when the options give one. */
function labWorld(keyring: Keyring | undefined, options: Pick<LabOptions, 'env' | 'config'>): World {
  const world = makeWorld(keyring, options.env);
  if (options.config) world.writeConfig(options.config);
  return world;
}

/** A vitest `test` whose context has `keyring`, `world`, `daemon` and `client`, as LabOptions say. */
export function labTest(options: LabOptions = {}) {
  return base
    .extend('keyring', { scope: 'file' }, async ({}, { onCleanup }): Promise<Keyring | undefined> => {
      const keyring = await labKeyring(options);
      if (keyring) onCleanup(() => keyring.stop());
      return keyring;
    })
    .extend('world', { scope: 'file' }, async ({ keyring }, { onCleanup }): Promise<World> => {
      const world = labWorld(keyring, options);
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

/**
 * A lab for the describe block this is called in: made before its first test, torn down after its last
 * (the world's cleanup fails on an internal error it reported). Its fields are set once the block starts.
 */
export function useLab(options: LabOptions = {}): Lab {
  const lab = {} as Lab;
  beforeAll(async () => {
    lab.keyring = await labKeyring(options);
    lab.world = labWorld(lab.keyring, options);
    lab.daemon = await lab.world.startDaemon();
    lab.client = new AgentConnection(lab.world.socket);
  });
  afterAll(async () => {
    lab.client?.close();
    try {
      await lab.world?.cleanup();
    } finally {
      await lab.keyring?.stop();
    }
  });
  return lab;
}

/**
 * Worlds made on demand (as makeWorld makes them) in the describe block or file this is called in, all
 * cleaned up after its last test, or after each test with `{ each: true }`. A world's cleanup fails on an
 * internal error it reported.
 *
 *   const world = useWorlds();
 *   it('...', async () => { const w = world(keyring, { LATCHKEY_STORE: 'auto' }); ... });
 */
export function useWorlds(options: { each?: boolean } = {}): typeof makeWorld {
  const worlds: World[] = [];
  (options.each ? afterEach : afterAll)(async () => {
    await Promise.all(worlds.splice(0).map((w) => w.cleanup()));
  });
  return (...args) => {
    const world = makeWorld(...args);
    worlds.push(world);
    return world;
  };
}

/**
 * Runs `fn` in a fresh world (with `keyring`, on its keychain; `config` written as its config.json) whose
 * daemon has started; then stops that daemon with SIGTERM, so that it ends as it would (its last audit
 * records sent and written), and removes the world, which fails on an internal error it reported.
 */
export async function withWorld(
  options: { keyring?: Keyring; env?: Record<string, string>; config?: Record<string, unknown> },
  fn: (world: World, daemon: DaemonProcess) => Promise<void>,
): Promise<void> {
  const world = labWorld(options.keyring, options);
  try {
    const daemon = await world.startDaemon();
    try {
      await fn(world, daemon);
    } finally {
      await daemon.kill('SIGTERM');
    }
  } finally {
    await world.cleanup();
  }
}

/** Runs `fn` with a client of the world's daemon (no CLI start-up in what it times), then closes the client. */
export async function withClient<T>(world: World, fn: (client: AgentConnection) => Promise<T>): Promise<T> {
  const client = new AgentConnection(world.socket);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/**
 * A private keyring (a Secret Service of its own) for the describe block or file this is called in: started
 * before its first test, stopped after its last. Its `keyring` is set once the block starts.
 *
 *   const ring = useKeyring();
 *   it('...', async () => { const w = makeWorld(ring.keyring); ... });
 */
export function useKeyring(options: StartKeyringOptions = {}): { keyring: Keyring } {
  const ring = {} as { keyring: Keyring };
  beforeAll(async () => {
    ring.keyring = await startKeyring(options);
  });
  afterAll(async () => {
    await ring.keyring?.stop();
  });
  return ring;
}
