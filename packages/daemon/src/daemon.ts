// The composition root: takes the lock, opens the store, loads the secrets, binds the socket and
// serves until told to stop. The environment is read by the caller and passed in as a value.
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { inputError, LatchkeyError, redactValues, systemClock, type Clock } from '@latchkey/core';
import { cleanEnvironment, configFile, findProjectRoot, MAX_MESSAGE_BYTES, socketPath, stateDir, VERSION, type Env, type TrailKnowledge } from '@latchkey/protocol';
import { AUDIT_FILE, AuditLog, countRecords, type Peer, type TrailHead } from './audit.js';
import { CHECKPOINT_ACCOUNT, loadSeal, parseCheckpoint, parseSeal, readCheckpoint, SEAL_ACCOUNT, writeCheckpoint, type AuditSeal } from './audit-seal.js';
import { readConfig } from './config.js';
import { assertPrivateFolders } from './private-paths.js';
import { Approvals } from './approvals.js';
import { EventBus } from './events.js';
import { addToServer } from './grpc.js';
import { RpcServer } from './rpc-server.js';
import { LeaseManager } from './leases.js';
import { databaseKinds, DatabaseUsers } from './issuers/database.js';
import { DEFAULT_LEASE_KINDS } from './issuers/kinds.js';
import { Ledger } from './ledger.js';
import { processAlive } from './proc.js';
import { ManifestService } from './manifests.js';
import { Minter } from './minter.js';
import { runMintCommand } from './mint-command.js';
import { UsageStats } from './usage.js';
import { loadScannerKeys, type ScannerKeys } from './scan/keys.js';
import { LeakMarks } from './scan/leaks.js';
import { RetiredValues } from './scan/retired.js';
import { Scanner } from './scan/scanner.js';
import { keychainState } from './keychain-state.js';
import { fileLogger, type Logger } from './log.js';
import { peerCredentials, socketFd, tryLockExclusive } from './native.js';
import { processExecutable } from './proc.js';
import { AgentService } from './service.js';
import { awaitPreface, clearStaleSocket, listenPrivately, prepareSocketDir, stillOurs, watchSocketFile } from './socket.js';
import { lockedError, type KeychainStore } from './store/keychain.js';
import { keychainService, parseStoreChoice, selectStore } from './store/select.js';
import { SyslogCopy } from './syslog.js';
import type { StartTrace } from './trace.js';

/** How often expired secrets are swept (they are refused at read time regardless). */
export const SWEEP_INTERVAL_MS = 2000;
/** How often the audit trail's head is checkpointed in the store when it moved (also at rotation and stop). */
export const AUDIT_CHECKPOINT_INTERVAL_MS = 5000;

export interface DaemonOptions {
  env: Env;
  /** Mirror the daemon log to stderr. */
  foreground: boolean;
  clock?: Clock;
  /** Told as each phase of the start is done (LATCHKEY_DEBUG's timeline). */
  trace?: StartTrace;
  /** A keychain store whose worker is already starting (main.ts), for the store to use if it is the keychain. */
  keychain?: KeychainStore;
}

/** A running daemon. */
export interface RunningDaemon {
  socket: string;
  /** Resolves when the daemon has stopped. */
  stopped: Promise<void>;
  stop(reason: string): Promise<void>;
  /** Whether keychain calls are still running in worker threads (timed out and never returned). */
  keychainCallsStuck(): boolean;
}

/**
 * The sweeper's period: LATCHKEY_SWEEP_INTERVAL_MS (whole milliseconds) when set, else SWEEP_INTERVAL_MS.
 * 0 turns the sweeper off entirely (no sweep at start either): for tests that must show that expiry is
 * enforced at read time, without the sweeper's help. Expired secrets then stay in the keychain until a
 * daemon with a sweeper runs.
 */
export function sweepIntervalMs(env: Env): number {
  const raw = env.LATCHKEY_SWEEP_INTERVAL_MS;
  if (raw === undefined || raw === '') return SWEEP_INTERVAL_MS;
  if (!/^\d{1,9}$/.test(raw)) {
    throw inputError(`LATCHKEY_SWEEP_INTERVAL_MS must be a whole number of milliseconds, not ${JSON.stringify(raw)}`, 'unset it, or use 0 to turn the sweeper off');
  }
  return Number(raw);
}

/** Takes the per-user lock in the state folder; throws when another daemon holds it. */
function takeLock(dir: string): number {
  const file = join(dir, 'daemon.lock');
  const fd = openSync(file, 'a+', 0o600);
  if (!tryLockExclusive(fd)) {
    let holder = '';
    try {
      holder = readFileSync(file, 'utf8').trim();
    } catch {
      // the pid is only for the message
    }
    closeSync(fd);
    throw new LatchkeyError(
      'unavailable',
      `a daemon is already running${holder ? ` (pid ${holder})` : ''}`,
      'run agent daemon status, or agent daemon stop first',
    );
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`);
  return fd;
}

/** Starts the daemon; resolves once it accepts connections. */
export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { env } = options;
  const clock = options.clock ?? systemClock;
  const trace = options.trace ?? (() => {});
  const uid = process.getuid?.() ?? 0;
  const state = stateDir(env);
  mkdirSync(state, { recursive: true, mode: 0o700 });
  assertPrivateFolders(state, configFile(env), { uid, gid: process.getgid?.() ?? 0 });
  const log: Logger = fileLogger(join(state, 'daemon.log'), options.foreground);
  const socket = socketPath(env);
  const config = readConfig(configFile(env));
  const sweepEvery = sweepIntervalMs(env);

  const lockFd = takeLock(state);
  trace('lock taken');
  const cleanups: Array<() => void> = [() => closeSync(lockFd)];
  const cleanup = () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        fn();
      } catch {
        // keep cleaning up
      }
    }
  };

  try {
    prepareSocketDir(dirname(socket), uid);
    await clearStaleSocket(socket);
    trace('socket path cleared');

    const selected = await selectStore(parseStoreChoice(env.LATCHKEY_STORE, config.store), keychainService(env), options.keychain);
    trace(`store chosen (${selected.store.kind}, keychain ${selected.health})`);
    if (selected.note) log.warn(selected.note);
    // The trail's seal key and last checkpoint live in the store, where a process that can only write
    // the user's files cannot reach them; the trail is checked against them before anything is served.
    // With the keychain locked they cannot be read: the daemon runs, writes no record and serves nothing
    // until it is unlocked (every call that would write a record fails with `the keychain is locked`).
    let checkpointFailed = false;
    const saveCheckpoint = async (head: { count: number; head: string }) => {
      try {
        await writeCheckpoint(selected.store, head);
        checkpointFailed = false;
      } catch (err) {
        if (!checkpointFailed) log.warn(`could not checkpoint the audit trail's head: ${(err as Error).message}`);
        checkpointFailed = true;
      }
    };
    // The copy in the system log (config auditSyslog): every record once it is whole in the file.
    const syslog = config.auditSyslog ? new SyslogCopy(config.auditSyslog, log) : undefined;
    if (syslog) {
      syslog.send([`daemon started (pid ${process.pid}): a copy of every record of the audit trail ${join(state, AUDIT_FILE)} follows`]);
      log.info(`a copy of every audit record goes to the system log (${syslog.socketPath})`);
      cleanups.push(() => {
        syslog.send([`daemon stopped (pid ${process.pid}): ${syslog.sent} message(s) sent, ${syslog.lost} not taken; no more records from this process`]);
        syslog.close();
      });
    }
    const audit = new AuditLog(state, clock, { onCheckpoint: saveCheckpoint, sealLater: lockedError, ...(syslog ? { copy: (lines) => syslog.send(lines) } : {}) });
    cleanups.push(() => void audit.close());
    let seal: AuditSeal | undefined;
    let checkpoint: TrailHead | undefined;
    let checkpointed = 0;
    const openTrail = async (): Promise<void> => {
      if (seal) return;
      const found = await loadSeal(selected.store, () => countRecords(state));
      checkpoint = await readCheckpoint(selected.store);
      trace('seal key and checkpoint read');
      seal = found;
      audit.setSeal(found);
      const atStart = await audit.verify(checkpoint);
      trace(`trail verified (${atStart.records} records)`);
      if (!atStart.ok && atStart.broken) {
        const b = atStart.broken;
        log.error(`the audit trail was tampered with while the daemon was down: ${b.file}:${b.line}: ${b.reason}`);
        await audit.write({ event: 'audit', outcome: 'tampered', reason: b.reason, file: b.file, line: b.line });
      }
      // Records from before the key are checked by the chain only: say where sealing starts.
      if (found.created && found.keyedFrom > 0) {
        await audit.write({ event: 'audit', outcome: 'sealed', reason: `a new seal key: records from ${found.keyedFrom + 1} on are sealed`, keyedFrom: found.keyedFrom });
      }
      checkpointed = audit.position().count;
    };
    const checkpointTimer = setInterval(() => {
      if (!seal) return;
      const now = audit.position();
      if (now.count === checkpointed) return;
      checkpointed = now.count;
      void saveCheckpoint(now);
    }, AUDIT_CHECKPOINT_INTERVAL_MS);
    checkpointTimer.unref();
    cleanups.push(() => clearInterval(checkpointTimer));
    const events = new EventBus();
    const usage = new UsageStats(join(state, 'usage.json'), clock, log);
    usage.load();
    cleanups.push(() => usage.flush());
    // The scanner's keys live in the store too: the fingerprints of retired values are matched with them.
    // They are read with the trail's seal key (openTrail); until then a use of them is refused as locked.
    let scanKeysLoaded: ScannerKeys | undefined;
    const scanKeysNow = (): ScannerKeys => {
      if (!scanKeysLoaded) throw lockedError();
      return scanKeysLoaded;
    };
    const scanKeys: ScannerKeys = {
      get keys() {
        return scanKeysNow().keys;
      },
      get seal() {
        return scanKeysNow().seal;
      },
      mac: (value) => scanKeysNow().mac(value),
    };
    const retired = new RetiredValues(join(state, 'retired.json'), scanKeys, clock, log);
    const leaks = new LeakMarks(join(state, 'leaks.json'), log);
    leaks.load();
    let scanner: Scanner | undefined;
    const openKeys = async (): Promise<void> => {
      await openTrail();
      if (scanKeysLoaded) return;
      scanKeysLoaded = await loadScannerKeys(selected.store);
      retired.load();
      trace('scanner keys read');
    };
    let earlier: TrailKnowledge | undefined;
    const keychain = keychainState(selected, {
      agent: () => agent,
      log,
      openTrail: openKeys,
      loaded: () => minter.scheduleAll(),
      switchHooks: {
        // This run began on the memory store, so its start could not check the trail against the
        // keychain's seal key and checkpoint. Its own key and checkpoint take their place in the keychain
        // (records from seal.keyedFrom on are sealed with that key); the records sealed with the earlier
        // key are checked with it once calls resume.
        during: async (r, kc) => {
          const old = parseSeal(r.items.find((i) => i.account === SEAL_ACCOUNT)?.password);
          const oldCheckpoint = parseCheckpoint(r.items.find((i) => i.account === CHECKPOINT_ACCOUNT)?.password);
          const sealedFrom = (seal as AuditSeal).keyedFrom;
          earlier = old ? { seal: { key: old.key, keyedFrom: old.keyedFrom, until: sealedFrom }, ...(oldCheckpoint ? { checkpoint: oldCheckpoint } : {}) } : undefined;
          for (const item of r.internal) await kc.set(item.account, item.password);
        },
        after: async (r) => {
          await audit.write({ event: 'store', outcome: 'switched', reason: 'the keychain answers again', store: 'keychain', replayed: r.replayed, secrets: r.secrets });
          const b = earlier && (await audit.verifyWith(earlier)).broken;
          if (b) {
            log.error(`the audit trail was tampered with before this daemon could check it: ${b.file}:${b.line}: ${b.reason}`);
            await audit.write({ event: 'audit', outcome: 'tampered', reason: b.reason, file: b.file, line: b.line });
          }
        },
      },
    });
    cleanups.push(() => keychain.close());
    const agent = new AgentService({ store: selected.store, audit, log, clock, ttl: config.ttl, projectRoot: findProjectRoot, events, usage, readGate: keychain.readGate, onRetire: (record, why) => scanner?.retire(record, why) });
    const approvals = new Approvals(join(state, 'approvals.json'), { log, audit, events, clock });
    approvals.load();
    cleanups.push(() => void approvals.close());
    // Temporary database users: the ledger's open entries (a daemon that died with users live) are torn
    // down in the background once the store answers, or adopted while their lease is still good.
    const ledger = new Ledger(state);
    trace('approvals read');
    const unfinished = await ledger.open();
    const databases = new DatabaseUsers({
      ledger,
      audit,
      log,
      clock,
      isAlive: processAlive,
      readAdmin: async (name, peer, use) => {
        const record = await agent.get(name, use.cwd, peer, { event: 'admin', fields: { ...use.fields, cwd: use.cwd } });
        return { value: record.value, allow: new Set(record.meta.allowGrants ?? []) };
      },
    });
    cleanups.push(() => void ledger.close());
    if (unfinished.length > 0) log.info(`${unfinished.length} temporary database user(s) left by the last run: tearing down those whose lease ended`);
    void databases.recover(unfinished).catch((err: unknown) => log.error(`database user recovery failed: ${(err as Error).message}`));
    const leases = new LeaseManager({
      clock,
      audit,
      log,
      ttl: config.ttl,
      limits: config.leases,
      readSigner: async (name, peer, use) => (await agent.get(name, use.cwd, peer, { event: 'sign', fields: { ...use.fields, cwd: use.cwd } })).value,
      onKeysChanged: () => scanner?.keysChanged(),
      kinds: { ...DEFAULT_LEASE_KINDS, ...databaseKinds(databases) },
    });
    const minter = new Minter({ service: agent, audit, log, clock, env: cleanEnvironment(env, config.path), cwd: state });
    const hookEnv = cleanEnvironment(env, config.path);
    scanner = new Scanner({
      service: agent,
      minter,
      leases: () => leases,
      audit,
      log,
      clock,
      keys: scanKeys,
      retired,
      leaks,
      leakNotes: (secret) => manifests.leakNotes(secret),
      // Run as a mint command is (clean environment, the state folder, its timeout), told only the name.
      runOnLeak: async (command, secret) => {
        await runMintCommand(command, { env: { ...hookEnv, LATCHKEY_SECRET: secret }, cwd: state, redact: (t) => redactValues(t, agent.knownValues()), expectValue: false });
      },
      projectRoot: findProjectRoot,
    });
    const scannerRef = scanner;
    events.subscribe(() => scannerRef.invalidate());
    cleanups.push(() => minter.close());
    // Loads the store's items (and schedules the minted ones), or leaves that to the watch while it is locked.
    await keychain.load();
    trace('trail checked, secrets loaded');
    const manifests = new ManifestService({ approvals, secrets: agent, leases, audit, clock, maxBytes: config.manifestMaxBytes, projectRoot: findProjectRoot, log });

    const server = new RpcServer<Peer>({
      maxMessageBytes: MAX_MESSAGE_BYTES,
      maxConcurrentStreams: 128,
      // A connection with no call in flight for this long is closed (config connectionIdle).
      idleMs: config.connections.idleSeconds * 1000,
      onFault: (err) => log.error(`internal error serving a call: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    });
    const startedAt = Date.now();
    let stopping: Promise<void> | undefined;
    let resolveStopped!: () => void;
    const stopped = new Promise<void>((r) => (resolveStopped = r));

    const stop = (reason: string): Promise<void> => {
      stopping ??= (async () => {
        log.info(`stopping: ${reason}`);
        clearInterval(sweeper);
        unwatchSocket();
        // net.Server#close unlinks the socket path: only let it when the file there is still ours.
        const ours = stillOurs(socket, identity);
        if (ours) netServer.close();
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, 1000);
          server.tryShutdown(() => {
            clearTimeout(t);
            resolve();
          });
        });
        await leases.close();
        await databases.close();
        await minter.flush(); // a held minted value survives the restart only if it lands now
        // The last records and the checkpoint of the final head, before the store goes away.
        await audit.close();
        cleanup();
        resolveStopped();
      })();
      return stopping;
    };

    addToServer(server, {
      service: agent,
      manifests,
      leases,
      databases,
      minter,
      events,
      scanner,
      log,
      status: async () => ({
        keychain: await keychain.live(),
        pid: process.pid,
        socket,
        store: selected.store.kind,
        storeNote: selected.note,
        uptimeSeconds: (Date.now() - startedAt) / 1000,
        version: VERSION,
        stateDir: state,
        auditHead: audit.head(),
      }),
      shutdown: () => void stop('asked by a client'),
      verifyAudit: async () => {
        if (!seal) throw lockedError();
        return { report: await audit.verify(checkpoint), sealedFrom: seal.keyedFrom, stateDir: state };
      },
    });

    const perPid = new Map<number, number>();
    const floodLogged = new Set<number>();
    const onConnection = (conn: Socket) => {
      let peer: Peer;
      try {
        const cred = peerCredentials(socketFd(conn));
        peer = { pid: cred.pid, uid: cred.uid, exe: processExecutable(cred.pid) };
      } catch (err) {
        log.warn(`dropped a connection whose peer could not be identified: ${(err as Error).message}`);
        conn.destroy();
        return;
      }
      if (peer.uid !== uid) {
        log.warn(`refused a connection from uid ${peer.uid} (pid ${peer.pid})`);
        void audit.write({ event: 'connect', outcome: 'refused', peer, reason: 'uid mismatch' }).catch(() => {});
        conn.destroy();
        return;
      }
      // One process may hold only so many connections: a flood from it cannot take the descriptors
      // that other processes' calls need.
      const held = perPid.get(peer.pid) ?? 0;
      if (held >= config.connections.perProcess) {
        if (!floodLogged.has(peer.pid)) {
          floodLogged.add(peer.pid);
          log.warn(`refusing connections from pid ${peer.pid} (${peer.exe ?? 'unknown'}): it holds ${held}, the most one process may (maxConnectionsPerProcess)`);
        }
        conn.destroy();
        return;
      }
      perPid.set(peer.pid, held + 1);
      conn.once('close', () => {
        const left = (perPid.get(peer.pid) ?? 1) - 1;
        if (left > 0) perPid.set(peer.pid, left);
        else {
          perPid.delete(peer.pid);
          floodLogged.delete(peer.pid);
        }
      });
      conn.on('error', () => {});
      // After the hand-over the socket belongs to the http2 session, and destroying it would not close it.
      awaitPreface(conn, () => server.accept(conn, peer));
    };

    const { server: netServer, identity } = await listenPrivately(socket, onConnection);
    trace('listening');

    const unwatchSocket = watchSocketFile(socket, identity, () => {
      log.error(`the socket ${socket} was deleted or replaced; exiting without touching it`);
      void stop('socket replaced');
    });
    const sweeper = sweepEvery > 0 ? setInterval(() => void agent.sweep(), sweepEvery) : undefined;
    if (sweeper) void agent.sweep();
    else log.warn('the sweeper is off (LATCHKEY_SWEEP_INTERVAL_MS=0): expired secrets stay in the keychain');

    log.info(`listening on ${socket} (pid ${process.pid}, store ${selected.store.kind}, ${agent.count()} secret(s))`);
    return { socket, stopped, stop, keychainCallsStuck: () => (selected.store.pending?.() ?? 0) > 0 };
  } catch (err) {
    cleanup();
    throw err;
  }
}
