// What `agent scan --watch` hands chokidar so that its `ready` event means what it says.
//
// chokidar 4 counts a path that does not exist as ready twice and then watches its parent later, so with
// most channels missing (no ~/.codex, no fish history) `ready` came before the watches of the channels that
// do exist were open, and a write just after it was never seen. So chokidar is given only paths that exist:
// for each channel, itself or its nearest existing ancestor, with everything not on the way to a channel or
// under one ignored. A channel created later (~/.codex/sessions/...) is then an ordinary `add` under a
// watched folder.
import { lstatSync } from 'node:fs';
import { dirname } from 'node:path';

export interface WatchPlan {
  /** Existing paths to watch, none inside another. */
  roots: string[];
  /** Whether chokidar should skip `path`: true unless it leads to a target or lies in one. */
  ignored(path: string): boolean;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The plan for `targets` (absolute paths), as the file system is now. */
export function watchPlan(targets: readonly string[], present: (path: string) => boolean = exists): WatchPlan {
  const nearest = targets.map((t) => {
    let p = t;
    while (!present(p) && dirname(p) !== p) p = dirname(p);
    return p;
  });
  const unique = [...new Set(nearest)];
  const roots = unique.filter((r) => !unique.some((o) => o !== r && (o === '/' || r.startsWith(`${o}/`))));
  const relevant = (p: string) => targets.some((t) => p === t || p.startsWith(`${t}/`) || t.startsWith(p === '/' ? '/' : `${p}/`));
  return { roots, ignored: (p) => !relevant(p) };
}
