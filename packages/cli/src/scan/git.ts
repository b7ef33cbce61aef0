// Git as `agent scan` reads it: plumbing only (no hooks, no textconv, no external diff, no fsmonitor), so
// scanning a repository someone else prepared runs nothing of theirs.
import { spawn, spawnSync } from 'node:child_process';
import { inputError } from '@latchkey/core';

/** Options that keep git from running anything a repository's config names. */
const SAFE = ['-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null', '-c', 'diff.external=', '--no-pager'];
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** A blob to scan and the places it was found at. */
export interface GitBlob {
  sha: string;
  /** Where the blob is: "commit:path" for history, ":path" for the index. */
  places: Array<{ commit: string; path: string }>;
}

/** Runs git in `repo` and returns its stdout; throws an input error when git fails. */
export function git(repo: string, args: string[], env: Readonly<Record<string, string | undefined>>): Buffer {
  const r = spawnSync('git', [...SAFE, '-C', repo, ...args], { env: env as NodeJS.ProcessEnv, maxBuffer: 1 << 30 });
  if (r.error) throw inputError(`could not run git: ${r.error.message}`, 'install git, or scan paths without --history/--staged');
  if (r.status !== 0) {
    const why = r.stderr.toString('utf8').trim().split('\n')[0] ?? '';
    throw inputError(`git failed in ${repo}: ${why}`, 'run it inside a Git repository');
  }
  return r.stdout;
}

/** The top folder of the repository containing `path`. */
export function repoRoot(path: string, env: Readonly<Record<string, string | undefined>>): string {
  return git(path, ['rev-parse', '--show-toplevel'], env).toString('utf8').trim();
}

/** Parses `diff-tree`/`diff-index --raw -z` output into blobs added or modified, with their places. */
function parseRaw(out: Buffer, commitOf: (token: string) => string | undefined, fixedCommit: string): Map<string, GitBlob> {
  const blobs = new Map<string, GitBlob>();
  const tokens = out.toString('utf8').split('\0');
  let commit = fixedCommit;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (t === '') continue;
    if (!t.startsWith(':')) {
      commit = commitOf(t) ?? commit;
      continue;
    }
    const [, dstMode, , dstSha, status] = t.slice(1).split(' ');
    const path = tokens[++i] ?? '';
    if (!status || !/^[AM]/.test(status) || !dstSha || /^0+$/.test(dstSha)) continue;
    if (dstMode !== '100644' && dstMode !== '100755') continue; // symlinks, submodules
    const blob = blobs.get(dstSha) ?? { sha: dstSha, places: [] };
    blob.places.push({ commit, path });
    blobs.set(dstSha, blob);
  }
  return blobs;
}

/** The blobs of the index that differ from HEAD (what a commit would add). */
export function stagedBlobs(repo: string, env: Readonly<Record<string, string | undefined>>): GitBlob[] {
  const head = spawnSync('git', [...SAFE, '-C', repo, 'rev-parse', '--verify', '-q', 'HEAD'], { env: env as NodeJS.ProcessEnv });
  const base = head.status === 0 ? 'HEAD' : EMPTY_TREE;
  const out = git(repo, ['diff-index', '--cached', '--raw', '-z', '--no-renames', '--no-ext-diff', '--no-textconv', base], env);
  return [...parseRaw(out, () => undefined, '').values()];
}

/** Every blob introduced by any commit of any ref, with each commit and path that introduced it. */
export function historyBlobs(repo: string, env: Readonly<Record<string, string | undefined>>): GitBlob[] {
  const commits = git(repo, ['rev-list', '--all'], env);
  if (commits.length === 0) return [];
  const r = spawnSync('git', [...SAFE, '-C', repo, 'diff-tree', '--stdin', '-r', '--root', '--no-renames', '--raw', '-z', '--no-ext-diff', '--no-textconv'], {
    env: env as NodeJS.ProcessEnv,
    input: commits,
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw inputError(`git diff-tree failed in ${repo}`, 'check the repository with git fsck');
  return [...parseRaw(r.stdout, (t) => (/^[0-9a-f]{40,64}$/.test(t) ? t : undefined), '').values()];
}

/**
 * Streams the content of each blob in order through `git cat-file --batch`: `onBlob` is called with each
 * blob's chunks as they arrive and once more with `end` true.
 */
export async function readBlobs(
  repo: string,
  shas: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  onChunk: (index: number, chunk: Uint8Array, end: boolean) => Promise<void>,
): Promise<void> {
  if (shas.length === 0) return;
  const child = spawn('git', [...SAFE, '-C', repo, 'cat-file', '--batch'], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdin.on('error', () => {});
  child.stdin.end(`${shas.join('\n')}\n`);
  let index = 0;
  let header = Buffer.alloc(0);
  let left = -1; // bytes of content left in the current blob, -1 while reading a header
  let skipNewline = false;
  for await (const piece of child.stdout as AsyncIterable<Buffer>) {
    let buf = piece;
    while (buf.length > 0) {
      if (skipNewline) {
        buf = buf.subarray(1);
        skipNewline = false;
        index++;
        continue;
      }
      if (left < 0) {
        const nl = buf.indexOf(10);
        if (nl === -1) {
          header = Buffer.concat([header, buf]);
          break;
        }
        const line = Buffer.concat([header, buf.subarray(0, nl)]).toString('utf8');
        header = Buffer.alloc(0);
        buf = buf.subarray(nl + 1);
        const size = /^\S+ blob (\d+)$/.exec(line);
        if (!size) {
          index++; // missing or not a blob
          continue;
        }
        left = Number(size[1]);
        if (left === 0) {
          await onChunk(index, new Uint8Array(0), true);
          left = -1;
          skipNewline = true;
        }
        continue;
      }
      const take = Math.min(left, buf.length);
      left -= take;
      await onChunk(index, buf.subarray(0, take), left === 0);
      buf = buf.subarray(take);
      if (left === 0) {
        left = -1;
        skipNewline = true;
      }
    }
  }
}
