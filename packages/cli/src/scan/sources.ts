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

/** A well-known leak channel: a file, or a folder whose transcripts (`*.json`, `*.jsonl`) are read. */
export interface HomeTarget {
  path: string;
  channel: string;
  folder: boolean;
}

/** Whether `path` is a file a target covers: the target's file, or a transcript under its folder. */
export function coveredBy(t: HomeTarget, path: string): boolean {
  return t.folder ? path.startsWith(`${t.path}/`) && TRANSCRIPT.test(path) : path === t.path;
}

const TRANSCRIPT = /\.jsonl?$/;

/** The user's well-known leak channels, whether they exist or not (what --home reads and --watch watches). */
export function homeTargets(home: string, env: Readonly<Record<string, string | undefined>>): HomeTarget[] {
  const dataHome = env.XDG_DATA_HOME || join(home, '.local', 'share');
  const out: HomeTarget[] = [];
  const add = (path: string, channel: string, folder = false) => {
    if (!out.some((t) => t.path === path)) out.push({ path, channel, folder });
  };
  add(join(home, '.bash_history'), 'bash-history');
  add(join(home, '.zsh_history'), 'zsh-history');
  add(join(home, '.zhistory'), 'zsh-history');
  if (env.HISTFILE) add(resolve(home, env.HISTFILE), env.HISTFILE.includes('zsh') ? 'zsh-history' : 'bash-history');
  add(join(dataHome, 'fish', 'fish_history'), 'fish-history');
  add(join(home, '.claude', 'projects'), 'claude-transcript', true);
  add(join(home, '.codex', 'sessions'), 'codex-transcript', true);
  add(join(home, '.gemini', 'tmp'), 'gemini-transcript', true);
  add(join(home, '.git-credentials'), 'git-credentials');
  add(join(home, '.npmrc'), 'npmrc');
  return out;
}

/** The user's well-known leak channels that exist, plus `.git/config` of repositories under `roots`. */
export function homeChannels(home: string, roots: readonly string[], env: Readonly<Record<string, string | undefined>>): FileSource[] {
  const out: FileSource[] = [];
  const file = (path: string, channel: string) => {
    if (isFile(path) && !out.some((s) => s.path === path)) out.push({ path, channel });
  };
  for (const t of homeTargets(home, env)) {
    if (!t.folder) file(t.path, t.channel);
    else for (const s of walk(t.path, t.channel)) if (coveredBy(t, s.path)) out.push(s);
  }
  for (const c of repoConfigs(roots)) file(c.path, c.channel);
  return out;
}

/** `.git/config` of each repository at or under `roots` (4 folders deep, node_modules skipped). */
export function repoConfigs(roots: readonly string[]): FileSource[] {
  const out: FileSource[] = [];
  for (const root of roots) {
    if (isFile(join(root, '.git', 'config'))) out.push({ path: join(root, '.git', 'config'), channel: 'git-config' });
    gitConfigs(root, 4, out);
  }
  return out.filter((s, i) => out.findIndex((o) => o.path === s.path) === i);
}
