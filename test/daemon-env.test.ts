// SECURITY 37 and 38 (the daemon half): whatever starts the daemon gives it a clean environment and `/`
// as its folder, and a daemon that was started with code preloaded into it refuses to serve.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SAFE_PATH } from '@latchkey/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnDaemon, useWorlds, type World } from '@latchkey/test-utils';

const freshWorld = useWorlds();

/** Preloads that leave a file named by the pid of every process they run in. */
interface Preloads {
  markers: string;
  requireCjs: string;
  importMjs: string;
  loaderMjs: string;
  deleterCjs: string;
  sharedObject: string;
}

function makePreloads(dir: string): Preloads {
  const markers = join(dir, 'markers');
  mkdirSync(markers);
  const mark = (how: string) =>
    `require('node:fs').writeFileSync(require('node:path').join(${JSON.stringify(markers)}, String(process.pid)), ${JSON.stringify(how)});\n`;
  const markEsm = (how: string) =>
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(markers)} + '/' + process.pid, ${JSON.stringify(how)});\n`;
  const p: Preloads = {
    markers,
    requireCjs: join(dir, 'marker.cjs'),
    importMjs: join(dir, 'marker.mjs'),
    loaderMjs: join(dir, 'loader.mjs'),
    deleterCjs: join(dir, 'deleter.cjs'),
    sharedObject: join(dir, 'marker.so'),
  };
  writeFileSync(p.requireCjs, mark('require'));
  writeFileSync(p.importMjs, markEsm('import'));
  writeFileSync(p.loaderMjs, markEsm('loader'));
  // The attack the /proc/self/environ check is for: run, then hide from a check of process.env.
  writeFileSync(p.deleterCjs, `${mark('deleter')}delete process.env.NODE_OPTIONS;\n`);
  const source = join(dir, 'marker.c');
  writeFileSync(
    source,
    `#include <stdio.h>\n#include <fcntl.h>\n#include <unistd.h>\n` +
      `__attribute__((constructor)) static void mark(void) {\n` +
      `  char p[4096]; snprintf(p, sizeof p, "%s/%d", ${JSON.stringify(markers)}, (int)getpid());\n` +
      `  int fd = open(p, O_WRONLY | O_CREAT, 0600); if (fd >= 0) { write(fd, "ld", 2); close(fd); }\n}\n`,
  );
  const gcc = spawnSync('gcc', ['-shared', '-fPIC', '-o', p.sharedObject, source], { encoding: 'utf8' });
  if (gcc.status !== 0) throw new Error(`gcc failed: ${gcc.stderr}`);
  return p;
}

/** The environment variables of a running process, as the kernel holds them from its exec. */
function environOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

async function daemonPid(w: World): Promise<number> {
  const r = await w.agent(['daemon', 'status', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).pid as number;
}

describe.skipIf(process.platform !== 'linux')('the daemon environment', () => {
  let preloads: Preloads;
  let base: World;
  beforeAll(() => {
    base = freshWorld();
    preloads = makePreloads(base.dir);
  });

  const attacks: [string, (p: Preloads) => Record<string, string>][] = [
    ['NODE_OPTIONS=--require', (p) => ({ NODE_OPTIONS: `--require ${p.requireCjs}` })],
    ['NODE_OPTIONS=--import', (p) => ({ NODE_OPTIONS: `--import ${p.importMjs}` })],
    ['NODE_OPTIONS=--loader', (p) => ({ NODE_OPTIONS: `--loader ${p.loaderMjs}` })],
    ['LD_PRELOAD', (p) => ({ LD_PRELOAD: p.sharedObject })],
  ];

  for (const [label, attack] of attacks) {
    for (const command of [['ls', '--json'], ['daemon', 'start']]) {
      it(`SECURITY 37: ${label} in the environment of \`agent ${command.join(' ')}\` does not reach the daemon it starts; it serves`, async () => {
        const w = freshWorld();
        const repo = join(w.dir, 'repo');
        mkdirSync(join(repo, 'bin'), { recursive: true });
        const before = new Set(readdirSync(preloads.markers));
        const r = await w.agent(command, { cwd: repo, env: { ...attack(preloads), PATH: `${join(repo, 'bin')}:${w.env.PATH}`, ONLY_THIS_SHELL: 'x' } });
        expect(r.code, r.stderr).toBe(0);
        const pid = await daemonPid(w);
        const marked = readdirSync(preloads.markers).filter((f) => !before.has(f));
        // The preload is real: it ran in the CLI process that was given it.
        expect(marked.length, 'the preload ran in no process: the test proves nothing').toBeGreaterThan(0);
        expect(marked).not.toContain(String(pid));
        const env = environOf(pid);
        for (const name of ['NODE_OPTIONS', 'LD_PRELOAD', 'ONLY_THIS_SHELL']) expect(env).not.toHaveProperty(name);
        // SECURITY 38 (the daemon half): not the caller's folder, not the caller's PATH.
        expect(readlinkSync(`/proc/${pid}/cwd`)).toBe('/');
        expect(env.PATH).toBe(DEFAULT_SAFE_PATH);
        expect((await w.agent(['ls', '--json'])).code).toBe(0);
      });
    }
  }

  it('SECURITY 37: a daemon started directly with a preload that deletes NODE_OPTIONS from process.env refuses to serve', async () => {
    const w = freshWorld();
    const d = spawnDaemon({ ...w.env, NODE_OPTIONS: `--require ${preloads.deleterCjs}` });
    const exit = await d.exited;
    expect(exit.code, d.output()).toBe(77);
    expect(d.output()).toContain('agent: error: refusing to start the daemon: NODE_OPTIONS');
  });

  it('SECURITY 37: a daemon started directly with LD_PRELOAD refuses to serve, naming it', async () => {
    const w = freshWorld();
    const d = spawnDaemon({ ...w.env, LD_PRELOAD: preloads.sharedObject });
    const exit = await d.exited;
    expect(exit.code, d.output()).toBe(77);
    expect(d.output()).toContain('agent: error: refusing to start the daemon: it was started with LD_PRELOAD set');
    expect(d.output()).toContain('agent: hint: start it with `agent daemon start`');
  });
});
