// koffi for the daemon and its keychain worker. Its native module is required by its path where koffi ships it
// prebuilt (Linux on x64 and arm64): koffi's index.js also loads its installer's tools (node:https, node:zlib),
// 25-45 ms and 3 MB of RSS on this machine against 1 ms for the module alone, paid by every daemon start and
// every worker start before the first keychain call. The index's wrapper only adds deprecated names. Anything
// else (musl, another platform, a module of another version) goes through koffi's index.
import { createRequire } from 'node:module';

type Koffi = typeof import('koffi');

function openKoffi(): Koffi {
  const require = createRequire(import.meta.url);
  if (process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64')) {
    try {
      const native = require(`koffi/build/koffi/linux_${process.arch}/koffi.node`) as Koffi & { version?: string };
      if (native.version === (require('koffi/package.json') as { version: string }).version) return native;
    } catch {
      // not this layout: koffi's index finds its module
    }
  }
  return require('koffi') as Koffi;
}

let koffiCache: Koffi | undefined;

/** The koffi module, opened on the first call (the daemon makes its own libc calls without it where it can). */
export function loadKoffi(): Koffi {
  return (koffiCache ??= openKoffi());
}
