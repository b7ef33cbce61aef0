// The CLI on a real pseudo-terminal, answered like a person at the keyboard (test/fixtures/answer-prompts.py).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, cliNode, ROOT, run, type Result, type World } from './agent.js';

const DRIVER = join(ROOT, 'test/fixtures/answer-prompts.py');
const PYTHON = '/usr/bin/python3';
let n = 0;

/**
 * Runs `agent ARGS...` of `world` on a pty in `cwd`, typing each answer once the prompt (a regular
 * expression) has shown. The result's stdout is everything the terminal showed (stderr included); its
 * code is the CLI's (124 when a prompt did not come in time).
 */
export function onTerminal(
  world: World,
  args: string[],
  steps: Array<[prompt: string, answer: string]>,
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Result> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const spec = join(world.dir, `pty-${process.pid}-${++n}.json`);
  writeFileSync(spec, JSON.stringify({ argv: [cliNode(), '--', CLI, ...args], steps, timeout: timeoutMs / 1000 }));
  return run(PYTHON, [DRIVER, spec], { env: { ...world.env, ...opts.env }, cwd: opts.cwd ?? world.home, timeoutMs: timeoutMs + 10_000 });
}
