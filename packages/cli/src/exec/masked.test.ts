import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { maskedValues } from './masked.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('maskedValues', () => {
  it('masks the values of the variables the daemon resolved from references, not literals', () => {
    const env = { TOKEN: 'tok-value-123456', JWT: 'a.b.c-signed-value', STAGE: 'production', EMPTY: '' };
    expect(maskedValues({ env, referenced: ['TOKEN', 'JWT', 'EMPTY'] })).toEqual(['tok-value-123456', 'a.b.c-signed-value']);
  });

  it('a manifest changed between the resolve and the mask does not unmask a resolved value (time of check, time of use)', () => {
    // The daemon resolved TOKEN from agent://tok in the approved content; then a same-user process
    // rewrote the file so that TOKEN reads as a literal. The mask follows the daemon's answer, not the file.
    const dir = mkdtempSync(join(tmpdir(), 'lk-mask-'));
    dirs.push(dir);
    const manifest = join(dir, 'agent.env');
    writeFileSync(manifest, 'TOKEN=agent://tok\n');
    const resolved = { env: { TOKEN: 'tok-value-123456' }, referenced: ['TOKEN'], manifests: [manifest] };
    writeFileSync(manifest, 'TOKEN=not-a-reference\n');
    expect(maskedValues(resolved)).toEqual(['tok-value-123456']);
  });
});
