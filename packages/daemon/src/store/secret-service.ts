/**
 * Asks the Secret Service over D-Bus whether its default collection is locked, through GIO (loaded with
 * koffi; libsecret, which keytar uses, already depends on it). keytar cannot tell a locked collection
 * from an empty one (getPassword answers null) and findCredentials crashes inside libsecret on one, so
 * the keychain worker asks this before each call. Used only inside the keychain worker process.
 */
import { loadKoffi } from '../koffi.js';

/** What a live check of the keychain found. */
export type KeychainHealth = 'ok' | 'locked' | 'unavailable';

const G_BUS_TYPE_SESSION = 2;
const DEST = 'org.freedesktop.secrets';
const DEFAULT_COLLECTION = '/org/freedesktop/secrets/aliases/default';

type KoffiFunction = ReturnType<ReturnType<typeof import('koffi')['load']>['func']>;

interface Gio {
  busGet: KoffiFunction;
  call: KoffiFunction;
  parsed: KoffiFunction;
  childValue: KoffiFunction;
  getVariant: KoffiFunction;
  getBoolean: KoffiFunction;
  unref: KoffiFunction;
  errorFree: KoffiFunction;
  objectUnref: KoffiFunction;
  isClosed: KoffiFunction;
  errorType: import('koffi').IKoffiCType;
}

let gioCache: Gio | undefined;

function gio(): Gio {
  if (gioCache) return gioCache;
  const koffi = loadKoffi();
  const lib = koffi.load('libgio-2.0.so.0');
  // Anonymous types: named koffi types are process-global and would clash if this module loaded twice.
  const errorType = koffi.struct({ domain: 'uint32_t', code: 'int', message: 'char *' });
  const errOut = koffi.out(koffi.pointer(koffi.pointer(errorType)));
  gioCache = {
    busGet: lib.func('g_bus_get_sync', 'void *', ['int', 'void *', errOut]),
    call: lib.func('g_dbus_connection_call_sync', 'void *', [
      'void *', 'str', 'str', 'str', 'str', 'void *', 'void *', 'int', 'int', 'void *', errOut,
    ]),
    parsed: lib.func('g_variant_new_parsed', 'void *', ['str', '...']),
    childValue: lib.func('g_variant_get_child_value', 'void *', ['void *', 'size_t']),
    getVariant: lib.func('g_variant_get_variant', 'void *', ['void *']),
    getBoolean: lib.func('g_variant_get_boolean', 'int', ['void *']),
    unref: lib.func('g_variant_unref', 'void', ['void *']),
    errorFree: lib.func('g_error_free', 'void', ['void *']),
    objectUnref: lib.func('g_object_unref', 'void', ['void *']),
    isClosed: lib.func('g_dbus_connection_is_closed', 'int', ['void *']),
    errorType,
  };
  return gioCache;
}

/** Reads and frees a GError (its message, which names a D-Bus error, never a secret). */
function takeError(g: Gio, ptr: unknown): string {
  if (!ptr) return 'unknown error';
  const { message } = loadKoffi().decode(ptr, g.errorType) as { message: string | null };
  g.errorFree(ptr);
  return message ?? 'unknown error';
}

/**
 * The Secret Service's answer about its default collection, or why it gave none within `timeoutMs`.
 * `busClosed`: this process's session bus connection is closed (the bus went away). GIO keeps handing out
 * that closed connection, and libsecret its own, so only a new process can reach a bus that came back.
 */
export function probeKeychain(timeoutMs: number): { health: KeychainHealth; reason: string; busClosed?: boolean } {
  const g = gio();
  const err: unknown[] = [null];
  const bus = g.busGet(G_BUS_TYPE_SESSION, null, err);
  if (!bus) return { health: 'unavailable', reason: `no D-Bus session: ${takeError(g, err[0])}` };
  if (g.isClosed(bus) !== 0) {
    g.objectUnref(bus);
    return { health: 'unavailable', reason: 'the D-Bus session went away', busClosed: true };
  }
  const args = g.parsed("('org.freedesktop.Secret.Collection', 'Locked')");
  const reply = g.call(bus, DEST, DEFAULT_COLLECTION, 'org.freedesktop.DBus.Properties', 'Get', args, null, 0, timeoutMs, null, err);
  g.objectUnref(bus);
  if (!reply) return { health: 'unavailable', reason: takeError(g, err[0]) };
  const boxed = g.childValue(reply, 0);
  const inner = g.getVariant(boxed);
  const locked = g.getBoolean(inner) !== 0;
  g.unref(inner);
  g.unref(boxed);
  g.unref(reply);
  return locked ? { health: 'locked', reason: 'the default collection is locked' } : { health: 'ok', reason: '' };
}
