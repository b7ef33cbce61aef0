import { describe, expect, it } from 'vitest';
import { callerCwd, locatePeer } from './caller.js';

const peer = { pid: 4242, uid: 1000 };

describe('callerCwd', () => {
  it('takes the folder from /proc/<pid>/cwd on Linux, ignoring the claim', () => {
    const read: string[] = [];
    const where = callerCwd(peer, '/claimed/project', 'linux', (p) => (read.push(p), '/real/folder'));
    expect(where).toEqual({ cwd: '/real/folder', source: 'kernel' });
    expect(read).toEqual(['/proc/4242/cwd']);
  });

  it('on Linux, a cwd that cannot be read is no folder, never the claim', () => {
    const where = callerCwd(peer, '/claimed/project', 'linux', () => {
      throw Object.assign(new Error('gone'), { code: 'ENOENT' });
    });
    expect(where).toEqual({ cwd: '', source: 'unknown' });
  });

  it('uses the claim only where the platform gives nothing, and says so', () => {
    expect(callerCwd(peer, '/claimed', 'darwin', () => '/never')).toEqual({ cwd: '/claimed', source: 'claimed' });
    expect(callerCwd(undefined, '/claimed', 'linux', () => '/never')).toEqual({ cwd: '/claimed', source: 'claimed' });
  });

  it('attaches the folder and its source to the peer for the audit record', () => {
    const located = locatePeer(peer, '/claimed');
    expect(located.peer).toMatchObject({ pid: 4242, uid: 1000, cwd: located.cwd });
    expect(located.peer?.cwdSource).toBeDefined();
  });
});
