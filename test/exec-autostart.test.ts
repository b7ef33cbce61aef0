import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canConnect, makeWorld } from '@latchkey/test-utils';

describe('agent exec with no daemon running', () => {
  const world = makeWorld();
  afterAll(() => world.cleanup());

  it('starts the daemon, then resolves the approved manifest', async () => {
    expect(await canConnect(world.socket)).toBe(false);
    writeFileSync(join(world.home, 'agent.env'), 'GREETING=hello-from-manifest\n');
    const first = await world.agent(['exec', '--', 'sh', '-c', 'echo "$GREETING"']);
    // The daemon came up on demand and refused the unapproved manifest.
    expect(first.code, first.stderr).toBe(77);
    expect(first.stderr).toContain('agent allow');
    expect(await canConnect(world.socket)).toBe(true);
    expect((await world.agent(['allow'])).code).toBe(0);
    const second = await world.agent(['exec', '--', 'sh', '-c', 'echo "$GREETING"']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe('hello-from-manifest\n');
  });
});
