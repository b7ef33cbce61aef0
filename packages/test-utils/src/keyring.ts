/**
 * A private, throwaway Secret Service for tests.
 *
 * `startKeyring()` starts, inside a fresh temp dir:
 *   - a dbus-daemon on its own session bus, from a minimal config that has NO service dirs, so nothing can
 *     be D-Bus-activated on it (stopping gnome-keyring really makes `org.freedesktop.secrets` disappear);
 *   - `gnome-keyring-daemon --foreground --unlock --components=secrets`, unlocked with a throwaway password
 *     read from stdin, which creates an unlocked "login" collection (the default alias) in the fresh HOME.
 * It resolves once the name is owned on the bus and a write/read round trip works with secret-tool and with
 * keytar (in a child process, since keytar reads DBUS_SESSION_BUS_ADDRESS when it first connects).
 *
 * process.env is never changed: hand `keyring.env` to the child processes that must see this keyring.
 * Always `await keyring.stop()` in afterAll; an exit hook and (where util-linux's `setpriv` exists) a
 * parent-death signal on dbus-daemon also clean up if the test process dies first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ROOT as REPO_ROOT } from './root.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed (stdin is closed empty when omitted). */
  input?: string;
  /** Kill the child and reject after this long. Default 15 s. */
  timeoutMs?: number;
  /** Extra variables on top of the keyring env. */
  env?: Record<string, string>;
}

export interface Keyring {
  /** What a child needs to use this keyring: DBUS_SESSION_BUS_ADDRESS, HOME, XDG_* dirs. */
  readonly env: Record<string, string>;
  /** The temp dir holding HOME, XDG_RUNTIME_DIR and the bus config (removed by stop()). */
  readonly dir: string;
  /** Runs `secret-tool ...args` against this keyring; `input` goes to stdin (the password for `store`). */
  secretTool(args: string[], input?: string): Promise<RunResult>;
  /** Runs any command with process.env + this keyring's env (e.g. `process.execPath, ['-e', code]`). */
  exec(command: string, args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Whether org.freedesktop.secrets is currently owned on this keyring's bus. */
  secretServiceRunning(): Promise<boolean>;
  /** Kills gnome-keyring-daemon; the bus stays up and the name does not come back (no activation). */
  stopSecretService(): Promise<void>;
  /** Locks the login collection through org.freedesktop.Secret.Service.Lock, as a screen lock does. */
  lock(): Promise<void>;
  /** Unlocks it with the harness's throwaway password (gnome-keyring's UnlockWithMasterPassword). */
  unlock(): Promise<void>;
  /** Whether the login collection is locked (its Locked property, read through D-Bus). */
  isLocked(): Promise<boolean>;
  /** Stops gnome-keyring-daemon with SIGSTOP: calls to it hang (the name stays owned on the bus). */
  freeze(): void;
  /** Resumes it with SIGCONT (nothing to do when it is not running). */
  thaw(): void;
  /**
   * Kills the D-Bus session itself (dbus-daemon, SIGKILL): every connection to it closes, and gnome-keyring
   * quits with it. The address stays in `env`; nothing answers there until restartBus().
   */
  stopBus(): Promise<void>;
  /**
   * Starts a new bus at the same address and gnome-keyring on it again, unlocking the keyring on disk
   * (whichever of the two is not running: it also brings back a keyring that stopSecretService stopped).
   */
  restartBus(): Promise<void>;
  /** Kills gnome-keyring-daemon and dbus-daemon, removes the temp dirs. Idempotent. */
  stop(): Promise<void>;
}

export interface StartKeyringOptions {
  /** Overall budget for start-up, default 30 s. */
  timeoutMs?: number;
  /** Check that keytar can set/get/find/delete in a child process (default true). */
  verifyKeytar?: boolean;
}

/**
 * keytar (libsecret with schema org.freedesktop.Secret.Generic and no DONT_MATCH_NAME flag) searches with
 * `xdg:schema` = that schema. `secret-tool store` sets no schema, and gnome-keyring then may or may not
 * match the item (not at first; after it reloads the keyring file, it does: it is racy). So add these
 * attributes when writing with secret-tool an item keytar must see:
 *   kr.secretTool(['store', '--label=L', ...KEYTAR_SCHEMA_ATTRS, 'service', S, 'account', A], password)
 * Note too: `secret-tool search` prints `attribute.x = y` lines on stderr, the rest on stdout.
 */
export const KEYTAR_SCHEMA_ATTRS: readonly string[] = ['xdg:schema', 'org.freedesktop.Secret.Generic'];

const LOGIN_COLLECTION = '/org/freedesktop/secrets/collection/login';

/**
 * A node script that unlocks the login collection over ONE D-Bus connection (a plain session is bound to
 * the connection that opened it, so dbus-send cannot do it): OpenSession("plain"), then gnome-keyring's
 * UnlockWithMasterPassword(collection, (session, params, password, content type)), through libgio and koffi.
 * `gnome-keyring-daemon --unlock` against a running daemon exits 0 and leaves the collection locked here.
 */
function unlockScript(koffiPath: string): string {
  return `
    const koffi = require(${JSON.stringify(koffiPath)});
    const gio = koffi.load('libgio-2.0.so.0');
    const P = 'void*';
    const bus = gio.func('g_bus_get_sync', P, ['int', P, P]);
    const v = gio.func('g_variant_new', P, ['str', '...']);
    const bytes = gio.func('g_variant_new_fixed_array', P, ['str', 'uint8_t*', 'size_t', 'size_t']);
    const call = gio.func('g_dbus_connection_call_sync', P, [P, 'str', 'str', 'str', 'str', P, P, 'int', 'int', P, P]);
    const child = gio.func('g_variant_get_child_value', P, [P, 'size_t']);
    const str = gio.func('g_variant_get_string', 'str', [P, P]);
    const conn = bus(2, null, null);
    if (!conn) { process.stderr.write('no session bus'); process.exit(2); }
    const c = (iface, method, params) => {
      const r = call(conn, 'org.freedesktop.secrets', '/org/freedesktop/secrets', iface, method, params, null, 0, 5000, null, null);
      if (!r) { process.stderr.write(method + ' failed'); process.exit(3); }
      return r;
    };
    const session = str(child(c('org.freedesktop.Secret.Service', 'OpenSession', v('(sv)', 'str', 'plain', P, v('s', 'str', ''))), 1), null);
    const pw = Buffer.from(process.env.LK_HARNESS_PW || '', 'utf8');
    c('org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface', 'UnlockWithMasterPassword',
      v('(o(o@ay@ays))', 'str', ${JSON.stringify(LOGIN_COLLECTION)}, 'str', session, P, bytes('y', Buffer.alloc(0), 0, 1), P, bytes('y', pw, pw.length, 1), 'str', 'text/plain'));`;
}

const REQUIRED_BINARIES = ['gnome-keyring-daemon', 'dbus-daemon', 'dbus-send', 'secret-tool'] as const;
const SECRETS_NAME = 'org.freedesktop.secrets';
/** Variables of the outer session that must not leak into the private keyring's children. */
const SCRUBBED_ENV = [
  'DBUS_SESSION_BUS_ADDRESS',
  'DBUS_STARTER_ADDRESS',
  'DBUS_STARTER_BUS_TYPE',
  'GNOME_KEYRING_CONTROL',
  'GNOME_KEYRING_PID',
  'DISPLAY',
  'WAYLAND_DISPLAY',
];

function which(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, bin);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/** The binaries the harness needs that are not on PATH. */
export function missingKeyringBinaries(): string[] {
  return REQUIRED_BINARIES.filter((b) => which(b) === undefined);
}

/** True when gnome-keyring-daemon, dbus-daemon, dbus-send and secret-tool are all on PATH. */
export function keyringAvailable(): boolean {
  return missingKeyringBinaries().length === 0;
}

/** Absolute path of the keytar module the daemon uses (packages/daemon/node_modules/keytar). */
export function keytarModulePath(): string {
  const req = createRequire(path.join(REPO_ROOT, 'packages', 'daemon', 'package.json'));
  try {
    return req.resolve('keytar');
  } catch (err) {
    throw new Error(
      `keyring harness: cannot resolve keytar from packages/daemon (run pnpm install): ${(err as Error).message}`,
    );
  }
}

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of SCRUBBED_ENV) delete env[k];
  return { ...env, ...extra };
}

function tail(s: string, max = 2000): string {
  const t = s.trim();
  return t.length > max ? `...${t.slice(-max)}` : t;
}

/** Runs a command to completion; rejects on spawn failure or timeout (after SIGKILLing it). */
function run(
  what: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input: string | undefined,
  timeoutMs: number,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      reject(new Error(`${what}: cannot start ${command}: ${(err as Error).message}`));
      return;
    }
    const out: Buffer[] = [];
    const errs: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => errs.push(b));
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(
        new Error(
          `${what}: \`${command} ${args.join(' ')}\` timed out after ${timeoutMs} ms` +
            (errs.length ? `; stderr: ${tail(Buffer.concat(errs).toString('utf8'))}` : ''),
        ),
      );
    }, timeoutMs);
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${what}: cannot run ${command}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(errs).toString('utf8') + (signal ? `\n[killed by ${signal}]` : ''),
      });
    });
    // EPIPE if the child exits without reading stdin is harmless.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input ?? '');
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (exited(child)) return;
  child.kill('SIGTERM');
  if (await waitExit(child, graceMs)) return;
  child.kill('SIGKILL');
  if (!(await waitExit(child, 5000))) {
    throw new Error(`keyring harness: pid ${child.pid} did not die after SIGKILL`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Escapes a path for a D-Bus address value (unix:path=...). */
function dbusEscape(value: string): string {
  return Array.from(Buffer.from(value, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[-0-9A-Za-z_/.\\*]/.test(c) ? c : `%${b.toString(16).padStart(2, '0')}`;
    })
    .join('');
}

function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function busConfig(socketPath: string): string {
  // No <servicedir>, <standard_session_servicedirs> or <include>: nothing is ever activated on this bus.
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>${xmlEscape(`unix:path=${dbusEscape(socketPath)}`)}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}

// Last-resort cleanup if the test process exits without calling stop().
const live = new Set<{ procs: ChildProcess[]; dir: string }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const entry of live) {
      for (const p of entry.procs) {
        if (!exited(p)) {
          try {
            p.kill('SIGKILL');
          } catch {
            // already gone
          }
        }
      }
      try {
        rmSync(entry.dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  });
}

/** Captures a child's output (bounded) for error messages. */
function capture(child: ChildProcess): () => string {
  let buf = '';
  const add = (b: Buffer): void => {
    buf += b.toString('utf8');
    if (buf.length > 8000) buf = buf.slice(-8000);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => tail(buf);
}

/**
 * Starts dbus-daemon and gnome-keyring-daemon in a fresh temp dir and checks that secret-tool and keytar
 * can write and read in the unlocked default collection. Rejects (after cleaning up) with an error naming
 * the step that failed.
 */
export async function startKeyring(opts: StartKeyringOptions = {}): Promise<Keyring> {
  const missing = missingKeyringBinaries();
  if (missing.length > 0) {
    throw new Error(
      `keyring harness: missing ${missing.join(', ')} on PATH ` +
        `(apt-get install gnome-keyring dbus libsecret-tools)`,
    );
  }
  const budget = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + budget;
  const left = (): number => Math.max(1, deadline - Date.now());

  const dir = await mkdtemp(path.join(tmpdir(), 'lk-kr-'));
  const home = path.join(dir, 'home');
  const runtime = path.join(dir, 'run');
  const env: Record<string, string> = {
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    XDG_CONFIG_HOME: path.join(home, '.config'),
  };
  const entry = { procs: [] as ChildProcess[], dir };
  live.add(entry);
  installExitHook();

  let bus: ChildProcess | undefined;
  let gkr: ChildProcess | undefined;
  let gkrOutput: () => string = () => '';
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const errors: string[] = [];
      for (const [name, p] of [
        ['gnome-keyring-daemon', gkr],
        ['dbus-daemon', bus],
      ] as const) {
        if (!p) continue;
        try {
          if (!exited(p)) p.kill('SIGCONT'); // a frozen process would ignore SIGTERM until resumed
          await terminate(p, 3000);
        } catch (err) {
          errors.push(`${name}: ${(err as Error).message}`);
        }
      }
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      live.delete(entry);
      if (errors.length) throw new Error(`keyring harness: stop: ${errors.join('; ')}`);
    })();
    return stopping;
  };

  try {
    for (const d of [home, env.XDG_DATA_HOME!, env.XDG_STATE_HOME!, env.XDG_CONFIG_HOME!]) {
      await mkdir(d, { recursive: true, mode: 0o700 });
    }
    await mkdir(runtime, { mode: 0o700 });
    await chmod(runtime, 0o700); // the umask may have masked bits off; be exact

    const socketPath = path.join(runtime, 'bus');
    if (Buffer.byteLength(socketPath) > 100) {
      throw new Error(`keyring harness: bus socket path too long for AF_UNIX (${socketPath}); set TMPDIR shorter`);
    }
    const configPath = path.join(dir, 'session-bus.conf');
    await writeFile(configPath, busConfig(socketPath), { mode: 0o600 });

    // --- dbus-daemon --------------------------------------------------------------------------------
    // setpriv --pdeathsig: the bus dies with the test process even if it is SIGKILLed. gnome-keyring quits
    // when its bus goes away, so that covers it too.
    const busArgs = ['--config-file', configPath, '--nofork', '--nopidfile', '--print-address=1'];
    const setpriv = which('setpriv');
    const launchBus = async (withinMs: number): Promise<void> => {
      // A bus killed hard leaves its socket file behind, and a new one could not bind it.
      await rm(socketPath, { force: true });
      const child = setpriv
        ? spawn(setpriv, ['--pdeathsig', 'SIGKILL', '--', 'dbus-daemon', ...busArgs], {
            env: childEnv(env),
            stdio: ['ignore', 'pipe', 'pipe'],
          })
        : spawn('dbus-daemon', busArgs, { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
      bus = child;
      entry.procs.push(child);
      const busStderr: Buffer[] = [];
      child.stderr?.on('data', (b: Buffer) => busStderr.push(b));
      const address = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(
          () => reject(new Error(`keyring harness: dbus-daemon printed no address within 10 s`)),
          withinMs,
        );
        child.stdout?.on('data', (b: Buffer) => {
          out += b.toString('utf8');
          const nl = out.indexOf('\n');
          if (nl >= 0) {
            clearTimeout(timer);
            resolve(out.slice(0, nl).trim());
          }
        });
        child.once('error', (err) => {
          clearTimeout(timer);
          reject(new Error(`keyring harness: cannot start dbus-daemon: ${err.message}`));
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(
            new Error(
              `keyring harness: dbus-daemon exited (code ${code}, signal ${signal}) before printing its address: ` +
                tail(Buffer.concat(busStderr).toString('utf8')),
            ),
          );
        });
      });
      if (!address.startsWith('unix:')) {
        throw new Error(`keyring harness: dbus-daemon printed an unexpected address: ${JSON.stringify(address)}`);
      }
    };
    await launchBus(Math.min(10_000, left()));
    // The address without the bus's guid: a client checks a guid it is given against the server's, and a
    // bus started again (restartBus) at the same path has a new one.
    env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${dbusEscape(socketPath)}`;

    const secretServiceRunning = async (): Promise<boolean> => {
      const r = await run(
        'keyring harness: NameHasOwner',
        'dbus-send',
        [
          '--session',
          '--dest=org.freedesktop.DBus',
          '--type=method_call',
          '--print-reply',
          '/org/freedesktop/DBus',
          'org.freedesktop.DBus.NameHasOwner',
          `string:${SECRETS_NAME}`,
        ],
        childEnv(env),
        undefined,
        5000,
      );
      if (r.code !== 0) {
        throw new Error(`keyring harness: dbus-send NameHasOwner failed (${r.code}): ${tail(r.stderr)}`);
      }
      return /boolean true/.test(r.stdout);
    };

    // --- gnome-keyring-daemon -----------------------------------------------------------------------
    // --unlock reads the login keyring password from stdin until EOF; in a fresh HOME it creates the
    // "login" collection with that password, unlocked, as the default alias (started again, it unlocks the
    // one on disk). --foreground keeps it our direct child (no double fork), so we know its pid and it
    // never outlives its bus.
    const password = randomBytes(12).toString('hex');
    const launchKeyring = async (): Promise<void> => {
      const child = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
        env: childEnv(env),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      gkr = child;
      entry.procs.push(child);
      gkrOutput = capture(child);
      let gkrSpawnError: Error | undefined;
      child.once('error', (err) => (gkrSpawnError = err));
      child.stdin?.on('error', () => {});
      child.stdin?.end(password);
      const until = Math.max(deadline, Date.now() + 15_000);
      for (;;) {
        if (gkrSpawnError) throw new Error(`keyring harness: cannot start gnome-keyring-daemon: ${gkrSpawnError.message}`);
        if (exited(child)) {
          throw new Error(
            `keyring harness: gnome-keyring-daemon exited (code ${child.exitCode}, signal ${child.signalCode}) ` +
              `before owning ${SECRETS_NAME}: ${gkrOutput()}`,
          );
        }
        if (await secretServiceRunning()) break;
        if (Date.now() >= until) {
          throw new Error(
            `keyring harness: ${SECRETS_NAME} not owned on the private bus within ${budget} ms; ` +
              `gnome-keyring-daemon said: ${gkrOutput() || '(nothing)'}`,
          );
        }
        await sleep(50);
      }
    };
    await launchKeyring();

    const exec = (command: string, args: string[], o: RunOptions = {}): Promise<RunResult> =>
      run(
        `keyring harness: ${path.basename(command)}`,
        command,
        args,
        childEnv({ ...env, ...(o.env ?? {}) }),
        o.input,
        o.timeoutMs ?? 15_000,
      );
    const secretTool = (args: string[], input?: string): Promise<RunResult> =>
      exec('secret-tool', args, { input, timeoutMs: Math.max(15_000, left()) });

    // --- verify: a write and a read through secret-tool ----------------------------------------------
    const probe = `probe-${randomBytes(6).toString('hex')}\n\u00e9`;
    const probeAttrs = ['service', 'latchkey-harness-probe', 'account', 'probe'];
    const stored = await secretTool(['store', '--label=latchkey harness probe', ...probeAttrs], probe);
    if (stored.code !== 0) {
      throw new Error(
        `keyring harness: secret-tool store failed in the fresh keyring (code ${stored.code}): ` +
          `${tail(stored.stderr)}; gnome-keyring-daemon said: ${gkrOutput() || '(nothing)'}`,
      );
    }
    const looked = await secretTool(['lookup', ...probeAttrs]);
    if (looked.code !== 0 || looked.stdout !== probe) {
      throw new Error(
        `keyring harness: secret-tool lookup of the probe failed (code ${looked.code}, ` +
          `got ${JSON.stringify(looked.stdout)}): ${tail(looked.stderr)}`,
      );
    }
    const cleared = await secretTool(['clear', ...probeAttrs]);
    if (cleared.code !== 0) throw new Error(`keyring harness: secret-tool clear failed: ${tail(cleared.stderr)}`);

    // --- verify: keytar, in a child (it binds to the bus address when it first connects) ------------
    if (opts.verifyKeytar ?? true) {
      const script = `
        const k = require(${JSON.stringify(keytarModulePath())});
        (async () => {
          const s = 'latchkey-harness-probe-keytar', a = 'global:probe', v = ${JSON.stringify(probe)};
          await k.setPassword(s, a, v);
          const got = await k.getPassword(s, a);
          const found = await k.findCredentials(s);
          const deleted = await k.deletePassword(s, a);
          process.stdout.write(JSON.stringify({ ok: got === v && found.length === 1 && found[0].account === a
            && found[0].password === v && deleted === true, got, found, deleted }));
        })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
      const r = await exec(process.execPath, ['-e', script], { timeoutMs: Math.max(15_000, left()) });
      let ok = false;
      try {
        ok = r.code === 0 && (JSON.parse(r.stdout) as { ok: boolean }).ok;
      } catch {
        ok = false;
      }
      if (!ok) {
        throw new Error(
          `keyring harness: keytar round trip failed in a child (code ${r.code}): ` +
            `stdout ${tail(r.stdout)} stderr ${tail(r.stderr)}`,
        );
      }
    }

    const stopSecretService = async (): Promise<void> => {
      if (gkr && !exited(gkr)) await terminate(gkr, 3000);
      const until = Date.now() + 5000;
      while (await secretServiceRunning()) {
        if (Date.now() > until) {
          throw new Error(`keyring harness: ${SECRETS_NAME} still owned 5 s after gnome-keyring-daemon died`);
        }
        await sleep(50);
      }
    };

    const secretsCall = async (what: string, args: string[]): Promise<string> => {
      const r = await run(`keyring harness: ${what}`, 'dbus-send', ['--session', '--dest=org.freedesktop.secrets', '--print-reply', ...args], childEnv(env), undefined, 5000);
      if (r.code !== 0) throw new Error(`keyring harness: ${what} failed (${r.code}): ${tail(r.stderr)}`);
      return r.stdout;
    };
    const isLocked = async (): Promise<boolean> => {
      const out = await secretsCall('read Locked', [LOGIN_COLLECTION, 'org.freedesktop.DBus.Properties.Get', 'string:org.freedesktop.Secret.Collection', 'string:Locked']);
      return /boolean true/.test(out);
    };
    const lock = async (): Promise<void> => {
      await secretsCall('Lock', ['/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', `array:objpath:${LOGIN_COLLECTION}`]);
      if (!(await isLocked())) throw new Error('keyring harness: the login collection is still unlocked after Lock');
    };
    const unlock = async (): Promise<void> => {
      const koffiPath = createRequire(path.join(REPO_ROOT, 'packages', 'daemon', 'package.json')).resolve('koffi');
      const r = await run('keyring harness: unlock', process.execPath, ['-e', unlockScript(koffiPath)], childEnv({ ...env, LK_HARNESS_PW: password }), undefined, 10_000);
      if (r.code !== 0) throw new Error(`keyring harness: unlock failed (${r.code}): ${tail(r.stderr)}`);
      if (await isLocked()) throw new Error('keyring harness: the login collection is still locked after UnlockWithMasterPassword');
    };
    const stopBus = async (): Promise<void> => {
      if (bus && !exited(bus)) {
        bus.kill('SIGKILL');
        if (!(await waitExit(bus, 5000))) throw new Error(`keyring harness: dbus-daemon ${bus.pid} did not die after SIGKILL`);
      }
      // gnome-keyring quits on its own when its bus goes away; make sure it did.
      if (gkr && !exited(gkr) && !(await waitExit(gkr, 5000))) await terminate(gkr, 3000);
    };
    const restartBus = async (): Promise<void> => {
      // Whatever of the two is not running is started (a restart that failed halfway can be tried again).
      if (!bus || exited(bus)) await launchBus(10_000);
      if (!gkr || exited(gkr)) await launchKeyring();
      if (await isLocked()) throw new Error('keyring harness: the login collection came back locked after restartBus');
    };
    const signal = (sig: NodeJS.Signals): void => {
      if (!gkr || exited(gkr)) throw new Error(`keyring harness: cannot send ${sig}: gnome-keyring-daemon is not running`);
      gkr.kill(sig);
    };

    const keyring: Keyring = {
      env: { ...env },
      dir,
      secretTool,
      exec,
      secretServiceRunning,
      stopSecretService,
      lock,
      unlock,
      isLocked,
      freeze: () => signal('SIGSTOP'),
      thaw: () => {
        if (gkr && !exited(gkr)) signal('SIGCONT');
      },
      stopBus,
      restartBus,
      stop,
    };
    return keyring;
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
