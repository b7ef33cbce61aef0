// What `agent scan` reads: the files under the paths given, and the user's well-known leak channels.
//
// Decisions:
// - A walk does not follow symbolic links and reads regular files only (a FIFO or a device would block or
//   never end); `.git` folders are skipped (their objects are what --history reads), except each
//   repository's `.git/config`, where tokens sit in remote URLs. node_modules is walked like any folder.
// - --home reads, when they exist: the shell histories of bash, zsh and fish; the transcripts of Claude
//   Code (~/.claude/projects), Codex (~/.codex/sessions) and Gemini CLI (~/.gemini/tmp); ~/.git-credentials;
//   ~/.npmrc; and `.git/config` of the repositories under the paths given.
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';

/** A file to scan and the channel it belongs to (empty for an ordinary file). */
export interface FileSource {
  path: string;
  channel: string;
  /** Its size when listed (0 when unknown). */
  size?: number;
}

/** Every regular file under `root` (or `root` itself), `.git` folders skipped but their config kept. */
export function walk(root: string, channel = '', out: FileSource[] = []): FileSource[] {
  let st: Stats;
  try {
    st = lstatSync(root);
  } catch {
    return out;
  }
  if (st.isFile()) {
    out.push({ path: root, channel, size: st.size });
    return out;
  }
  if (!st.isDirectory()) return out;
  let names: string[];
  try {
    names = readdirSync(root).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(root, name);
    if (name === '.git') {
      const config = join(path, 'config');
      if (isFile(config)) out.push({ path: config, channel: channel || 'git-config' });
      continue;
    }
    walk(path, channel, out);
  }
  return out;
}

function isFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** `.git/config` of each repository under `roots` (not following links; depth-limited). */
function gitConfigs(root: string, depth: number, out: FileSource[]): void {
  if (depth < 0) return;
  let names: string[];
  try {
    names = readdirSync(root).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(root, name);
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (!st.isDirectory()) continue;
    if (name === '.git') {
      const config = join(path, 'config');
      if (isFile(config)) out.push({ path: config, channel: 'git-config' });
    } else if (name !== 'node_modules') gitConfigs(path, depth - 1, out);
  }
}

/** The user's well-known leak channels that exist, plus `.git/config` of repositories under `roots`. */
export function homeChannels(home: string, roots: readonly string[], env: Readonly<Record<string, string | undefined>>): FileSource[] {
  const out: FileSource[] = [];
  const file = (path: string, channel: string) => {
    if (isFile(path) && !out.some((s) => s.path === path)) out.push({ path, channel });
  };
  const dataHome = env.XDG_DATA_HOME || join(home, '.local', 'share');
  file(join(home, '.bash_history'), 'bash-history');
  file(join(home, '.zsh_history'), 'zsh-history');
  file(join(home, '.zhistory'), 'zsh-history');
  if (env.HISTFILE) file(resolve(home, env.HISTFILE), env.HISTFILE.includes('zsh') ? 'zsh-history' : 'bash-history');
  file(join(dataHome, 'fish', 'fish_history'), 'fish-history');
  for (const [dir, channel] of [
    [join(home, '.claude', 'projects'), 'claude-transcript'],
    [join(home, '.codex', 'sessions'), 'codex-transcript'],
    [join(home, '.gemini', 'tmp'), 'gemini-transcript'],
  ] as const) {
    for (const s of walk(dir, channel)) if (/\.jsonl?$/.test(s.path)) out.push(s);
  }
  file(join(home, '.git-credentials'), 'git-credentials');
  file(join(home, '.npmrc'), 'npmrc');
  for (const root of roots) {
    if (isFile(join(root, '.git', 'config'))) file(join(root, '.git', 'config'), 'git-config');
    const before = out.length;
    gitConfigs(root, 4, out);
    // de-duplicate what the root's own check already added
    const seen = new Set(out.slice(0, before).map((s) => s.path));
    for (let i = out.length - 1; i >= before; i--) if (seen.has((out[i] as FileSource).path)) out.splice(i, 1);
  }
  return out;
}
