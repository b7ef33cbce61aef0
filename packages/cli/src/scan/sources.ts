// What `agent scan` reads: the files under the paths given, and the user's well-known leak channels.
//
// Decisions:
// - A walk does not follow symbolic links and reads regular files only (a FIFO or a device would block or
//   never end); `.git` folders are skipped (their objects are what --history reads), except each
//   repository's `.git/config`, where tokens sit in remote URLs. node_modules is walked like any folder.
// - --home reads, when they exist: the shell histories of bash, zsh and fish; the transcripts of Claude
//   Code (~/.claude/projects), Codex (~/.codex/sessions) and Gemini CLI (~/.gemini/tmp); Aider's chat, input
//   and LLM histories (`.aider.*.history*`) in HOME and at the top of each repository under the paths given;
//   ~/.git-credentials; ~/.npmrc; and `.git/config` of those repositories. Cursor keeps its chats in SQLite
//   databases (state.vscdb), where a long record is split across pages: not read.
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

/** The repositories at or under `root`: folders holding a `.git` folder (links not followed; depth-limited). */
function repositories(root: string, depth: number, out: string[]): void {
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
    if (name === '.git') out.push(root);
    else if (name !== 'node_modules') repositories(path, depth - 1, out);
  }
}

/** Aider's files, in the folder it ran in (a repository's top, or HOME): the chat, the prompts typed, the LLM log. */
const AIDER = [
  ['.aider.chat.history.md', 'aider-chat'],
  ['.aider.input.history', 'aider-input'],
  ['.aider.llm.history', 'aider-llm'],
] as const;

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
  for (const [name, channel] of AIDER) add(join(home, name), channel);
  add(join(home, '.git-credentials'), 'git-credentials');
  add(join(home, '.npmrc'), 'npmrc');
  return out;
}

/** The channels of each repository at or under `roots` (4 folders deep, node_modules skipped): `.git/config` (tokens in remote URLs) and Aider's files. */
export function repoTargets(roots: readonly string[]): HomeTarget[] {
  const repos: string[] = [];
  for (const root of roots) repositories(root, 4, repos);
  return [...new Set(repos)].flatMap((repo) => [
    { path: join(repo, '.git', 'config'), channel: 'git-config', folder: false },
    ...AIDER.map(([name, channel]) => ({ path: join(repo, name), channel, folder: false })),
  ]);
}

/** The user's well-known leak channels that exist, plus those of the repositories under `roots`. */
export function homeChannels(home: string, roots: readonly string[], env: Readonly<Record<string, string | undefined>>): FileSource[] {
  const out: FileSource[] = [];
  for (const t of [...homeTargets(home, env), ...repoTargets(roots)]) {
    if (t.folder) out.push(...walk(t.path, t.channel).filter((s) => coveredBy(t, s.path)));
    else if (isFile(t.path) && !out.some((s) => s.path === t.path)) out.push({ path: t.path, channel: t.channel });
  }
  return out;
}
