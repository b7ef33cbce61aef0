// A copy of the audit trail in the system log, off by default (config.json `auditSyslog`). Each record,
// once it is whole in audit.jsonl, is sent as one message to the system log's socket (/dev/log: the
// systemd journal or rsyslog), where a process of the user cannot edit or remove it afterwards. A copy
// only: a record the system log does not take is still in the trail, and a read is not refused for it
// (that is noted in daemon.log, with the count). Node has no Unix datagram sockets, so the socket is
// driven through koffi calls into libc, without blocking: a full socket drops the message, never the
// daemon's answer.
import { constants as osConstants } from 'node:os';
import { loadKoffi } from './koffi.js';
import type { Logger } from './log.js';

/** The system log's socket on Linux (journald's or rsyslog's). */
export const SYSTEM_LOG_SOCKET = '/dev/log';
/** authpriv (10) * 8 + info (6): security messages, kept apart from the general log (auth.log on Debian). */
const PRIORITY = 86;
const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;

type KoffiFunction = ReturnType<ReturnType<typeof import('koffi')['load']>['func']>;
interface Libc {
  socket: KoffiFunction;
  connect: KoffiFunction;
  send: KoffiFunction;
  close: KoffiFunction;
}
let libcCache: Libc | undefined;
function libc(): Libc {
  if (libcCache) return libcCache;
  const koffi = loadKoffi();
  const lib = koffi.load('libc.so.6');
  // Anonymous struct: named koffi types are process-global and would clash if this module loaded twice.
  const sockaddrUn = koffi.struct({ sun_family: 'uint16_t', sun_path: koffi.array('char', 108) });
  libcCache = {
    socket: lib.func('socket', 'int', ['int', 'int', 'int']),
    connect: lib.func('connect', 'int', ['int', koffi.pointer(sockaddrUn), 'uint32_t']),
    send: lib.func('send', 'long', ['int', 'void *', 'size_t', 'int']),
    close: lib.func('close', 'int', ['int']),
  };
  return libcCache;
}

const errnoName = (n: number): string => Object.entries(osConstants.errno).find(([, v]) => v === n)?.[0] ?? `E${n}`;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The RFC 3164 header glibc's syslog() writes: `<86>Dec  2 00:10:00 latchkey[pid]: `. */
function header(now: Date, pid: number): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const day = String(now.getDate()).padStart(2, ' ');
  return `<${PRIORITY}>${MONTHS[now.getMonth()]} ${day} ${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())} latchkey[${pid}]: `;
}

/** Sends lines to the system log's socket; reconnects after the system log restarted. */
export class SyslogCopy {
  private fd = -1;
  /** Messages the system log did not take since the last warning, and why. */
  private dropped = 0;
  private lastError = '';
  private warnedAt = 0;
  /** Messages sent and not taken over this daemon's life. */
  sent = 0;
  lost = 0;

  constructor(
    readonly socketPath: string,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    if (Buffer.byteLength(socketPath) >= 108) throw new Error(`the system log socket path is too long: ${socketPath}`);
  }

  /** Sends each line as one message; never throws (what is not taken is counted and logged). */
  send(lines: readonly string[]): void {
    for (const line of lines) {
      const message = Buffer.from(header(new Date(this.clock()), process.pid) + line, 'utf8');
      const error = this.sendOne(message);
      if (error === undefined) {
        this.sent++;
        continue;
      }
      this.lost++;
      this.dropped++;
      this.lastError = error;
    }
    this.report();
  }

  /** Closes the socket. */
  close(): void {
    this.report(true);
    if (this.fd >= 0) libc().close(this.fd);
    this.fd = -1;
  }

  /** One message, reconnecting once when the socket is gone or was replaced; the errno name on failure. */
  private sendOne(message: Buffer): string | undefined {
    for (let attempt = 0; attempt < 2; attempt++) {
      const connectError = this.connect();
      if (connectError) return connectError;
      const rc = Number(libc().send(this.fd, message, message.length, MSG_DONTWAIT | MSG_NOSIGNAL));
      if (rc === message.length) return undefined;
      const errno = loadKoffi().errno();
      const name = rc < 0 ? errnoName(errno) : `short send (${rc} of ${message.length} bytes)`;
      // The system log restarted (a new socket at the path): connect again once.
      if (rc < 0 && (errno === osConstants.errno.ECONNREFUSED || errno === osConstants.errno.ENOTCONN)) {
        libc().close(this.fd);
        this.fd = -1;
        continue;
      }
      return name;
    }
    return 'ECONNREFUSED';
  }

  private connect(): string | undefined {
    if (this.fd >= 0) return undefined;
    const lib = libc();
    const fd = Number(lib.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (fd < 0) return errnoName(loadKoffi().errno());
    const rc = Number(lib.connect(fd, { sun_family: AF_UNIX, sun_path: this.socketPath }, 2 + Buffer.byteLength(this.socketPath) + 1));
    if (rc !== 0) {
      const name = errnoName(loadKoffi().errno());
      lib.close(fd);
      return name;
    }
    this.fd = fd;
    return undefined;
  }

  /** Logs what was not taken: at once the first time, then at most once a minute (and at close). */
  private report(force = false): void {
    if (this.dropped === 0) return;
    const now = this.clock();
    if (!force && this.warnedAt !== 0 && now - this.warnedAt < 60_000) return;
    this.log.warn(`the system log (${this.socketPath}) did not take ${this.dropped} audit record(s) (${this.lastError}); they are in the trail file only`);
    this.warnedAt = now;
    this.dropped = 0;
  }
}
