// Where a caller runs: its working directory as the kernel knows it, not as the client says. Project
// scope keys off this folder, so a process must not be able to name another project's path and get
// that project's secrets by claiming it.
import { readlinkSync } from 'node:fs';
import type { Peer } from './audit.js';

/** How the daemon knows a caller's working directory (written into the audit record). */
export type CwdSource = 'kernel' | 'claimed' | 'unknown';

/** A caller's working directory and where it came from. */
export interface CallerCwd {
  cwd: string;
  source: CwdSource;
}

/**
 * The working directory of `peer`: /proc/<pid>/cwd on Linux. The client's `claimed` folder is used only
 * where the platform gives nothing (no procfs, no peer pid); on Linux a cwd that cannot be read (the
 * process that connected has exited, or hides its /proc entry) is no folder at all, never the claim,
 * since a process could otherwise connect, hand the socket to a child and exit to be believed.
 */
export function callerCwd(
  peer: Peer | undefined,
  claimed: string,
  platform: NodeJS.Platform = process.platform,
  readlink: (path: string) => string = readlinkSync,
): CallerCwd {
  if (platform !== 'linux' || peer === undefined || peer.pid <= 0) return { cwd: claimed, source: 'claimed' };
  try {
    return { cwd: readlink(`/proc/${peer.pid}/cwd`), source: 'kernel' };
  } catch {
    return { cwd: '', source: 'unknown' };
  }
}

/** The peer with its working directory attached, so every audit record of the call carries it. */
export function locatePeer(peer: Peer | undefined, claimed: string): { cwd: string; peer: Peer | undefined } {
  const where = callerCwd(peer, claimed);
  return { cwd: where.cwd, peer: peer ? { ...peer, cwd: where.cwd, cwdSource: where.source } : undefined };
}
