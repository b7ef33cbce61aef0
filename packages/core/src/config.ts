// The user's configuration model (config.json); reading the file is the daemon's job.
import { inputError } from './errors.js';
import { checkTtl, DEFAULT_TTL_POLICY, parseDuration, type TtlPolicy } from './ttl.js';

export type StoreChoice = 'keychain' | 'memory' | 'auto';

/** The configuration in force. */
export interface Config {
  ttl: TtlPolicy;
  store: StoreChoice;
  mask: boolean;
  /** The PATH for the daemon's mint commands; undefined means the built-in safe default. */
  path?: string;
  /** The largest manifest the daemon reads, in bytes (256 KiB by default). */
  manifestMaxBytes: number;
  /** Most temporary-key leases active at once, in all and bound to any one process. */
  leases: LeaseLimits;
  /** Connection limits: idle connections close, and one process holds at most so many. */
  connections: ConnectionLimits;
  /** The system log socket that gets a copy of every audit record (config auditSyslog); undefined: off. */
  auditSyslog?: string;
}

/** How long a connection may sit idle, and how many one process may hold open. */
export interface ConnectionLimits {
  idleSeconds: number;
  perProcess: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { idleSeconds: 300, perProcess: 64 };

/** Caps on active leases, so that no client can grow the daemon's memory without bound. */
export interface LeaseLimits {
  total: number;
  perProcess: number;
}

/**
 * 20,000 in all, 10,000 bound to one process: a test run of 100 workers taking 50 keys each (5,000 leases,
 * all bound to the one test process: DESIGN.md's "100 parallel workers are served") fits twice over,
 * while one process can still take only half the room.
 */
export const DEFAULT_LEASE_LIMITS: LeaseLimits = { total: 20_000, perProcess: 10_000 };

export const DEFAULT_CONFIG: Config = { ttl: DEFAULT_TTL_POLICY, store: 'auto', mask: false, manifestMaxBytes: 256 * 1024, leases: DEFAULT_LEASE_LIMITS, connections: DEFAULT_CONNECTION_LIMITS };

/** Normalizes a raw config.json document ({defaultTtl, maxTtl, store, mask, path, manifestMaxBytes, maxLeases, maxLeasesPerProcess, connectionIdle, maxConnectionsPerProcess, auditSyslog}) into a Config. */
export function parseConfig(raw: unknown): Config {
  if (raw === undefined || raw === null) return DEFAULT_CONFIG;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw inputError('config.json must hold a JSON object');
  const r = raw as Record<string, unknown>;
  const seconds = (v: unknown, field: string, fallback: number): number => {
    if (v === undefined) return fallback;
    if (typeof v === 'number') return v;
    // A string of digits stays seconds here, as config.json has always read it (a typed CLI flag must name a unit).
    if (typeof v === 'string') return /^\s*\d+\s*$/.test(v) ? Number(v) : parseDuration(v);
    throw inputError(`config.json: ${field} must be a duration like "12h"`);
  };
  const maxSeconds = seconds(r.maxTtl, 'maxTtl', DEFAULT_TTL_POLICY.maxSeconds);
  if (!Number.isInteger(maxSeconds) || maxSeconds <= 0) throw inputError('config.json: maxTtl must be positive');
  const defaultSeconds = checkTtl(seconds(r.defaultTtl, 'defaultTtl', Math.min(DEFAULT_TTL_POLICY.defaultSeconds, maxSeconds)), {
    defaultSeconds: 0,
    maxSeconds,
  });
  const store = r.store ?? 'auto';
  if (store !== 'keychain' && store !== 'memory' && store !== 'auto') {
    throw inputError('config.json: store must be "keychain", "memory" or "auto"');
  }
  if (r.mask !== undefined && typeof r.mask !== 'boolean') throw inputError('config.json: mask must be true or false');
  const manifestMaxBytes = r.manifestMaxBytes ?? DEFAULT_CONFIG.manifestMaxBytes;
  if (typeof manifestMaxBytes !== 'number' || !Number.isInteger(manifestMaxBytes) || manifestMaxBytes <= 0) {
    throw inputError('config.json: manifestMaxBytes must be a positive whole number of bytes');
  }
  const count = (v: unknown, field: string, fallback: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw inputError(`config.json: ${field} must be a positive whole number`);
    return v;
  };
  const leases = { total: count(r.maxLeases, 'maxLeases', DEFAULT_LEASE_LIMITS.total), perProcess: count(r.maxLeasesPerProcess, 'maxLeasesPerProcess', DEFAULT_LEASE_LIMITS.perProcess) };
  const idleSeconds = seconds(r.connectionIdle, 'connectionIdle', DEFAULT_CONNECTION_LIMITS.idleSeconds);
  if (!Number.isInteger(idleSeconds) || idleSeconds <= 0) throw inputError('config.json: connectionIdle must be a positive duration like "5m"');
  const connections = { idleSeconds, perProcess: count(r.maxConnectionsPerProcess, 'maxConnectionsPerProcess', DEFAULT_CONNECTION_LIMITS.perProcess) };
  const config: Config = { ttl: { defaultSeconds, maxSeconds }, store, mask: r.mask === true, manifestMaxBytes, leases, connections };
  if (r.path !== undefined) config.path = parsePath(r.path);
  const syslog = parseAuditSyslog(r.auditSyslog);
  if (syslog !== undefined) config.auditSyslog = syslog;
  return config;
}

/** auditSyslog: false or absent (off), true (/dev/log), or the absolute path of a system log socket. */
function parseAuditSyslog(v: unknown): string | undefined {
  if (v === undefined || v === false) return undefined;
  if (v === true) return '/dev/log';
  if (typeof v === 'string' && v.startsWith('/') && Buffer.byteLength(v) < 108) return v;
  throw inputError('config.json: auditSyslog must be true, false, or the absolute path of the system log socket (like "/dev/log")');
}

// An empty or relative entry would be searched relative to whatever folder a command runs in, which is
// the very thing a fixed PATH is there to rule out.
function parsePath(v: unknown): string {
  const hint = 'config.json: path must be absolute folders separated by ":", like "/usr/local/bin:/usr/bin:/bin"';
  if (typeof v !== 'string' || v === '') throw inputError(hint);
  for (const entry of v.split(':')) {
    if (!entry.startsWith('/')) throw inputError(`config.json: path entry ${JSON.stringify(entry)} is not an absolute folder`, hint.slice('config.json: '.length));
  }
  return v;
}
