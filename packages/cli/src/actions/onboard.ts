// `agent onboard`: gathers the facts (the daemon's inspection of the manifest, the values file, whether a
// terminal can ask), plans with onboard-plan.ts, applies the plan with {agent, prompter, clock} and
// prints what the plan module renders. Never prints a value. "Ready" means every secret the manifest
// needs is present and the manifest approved: then `agent exec` works.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { escapeControl, inputError, isoTime, LatchkeyError, notFoundError, parseDotenv, relativeTime, valueFromBytes, type SecretMeta } from '@latchkey/core';
import type { AgentConnection, ManifestInspection } from '@latchkey/client';
import { withAgent, type Deps } from '../deps.js';
import { warn } from '../render.js';
import { Cancelled, TerminalInput } from '../terminal-input.js';
import { describeManifest, manifestPath } from './manifest.js';
import { isReady, notReady, onboardResult, planOnboard, promptContext, renderHeader, renderSummary, rowFor, type OnboardPlan, type ValueSource, type ValueStep } from './onboard-plan.js';

export interface OnboardInput {
  /** The manifest (or its folder); the nearest agent.env when absent. */
  path?: string;
  /** Only report; exit 1 unless ready. */
  check: boolean;
  json: boolean;
  /** Take values from this dotenv file, keyed by the manifest's variable names. */
  fromEnvFile?: string;
  /** Approve the manifest without asking. */
  yes: boolean;
  /** Store new secrets in the project's scope instead of the global one. */
  project: boolean;
  allowVars: string[];
  now?: () => number;
}

/** What applying a plan asks of the terminal. */
export interface Prompter {
  /** Shows text (context for the next question, progress). */
  say(text: string): void;
  /** Asks for a value without echoing it; empty means skip. */
  hidden(prompt: string): Promise<Buffer>;
  confirm(question: string): Promise<boolean>;
  close(): void;
}

/** What applying a plan needs from the world. */
export interface OnboardWorld {
  agent: Pick<AgentConnection, 'inspectManifest' | 'putSecret' | 'allowManifest'>;
  /** Present when the plan asks on a terminal. */
  prompter: Prompter | undefined;
  clock: () => number;
  /** Where progress lines go (stderr). */
  progress: (line: string) => void;
}

/** How applying went: what was stored, whether it was cancelled at a prompt, and the state afterwards. */
export interface Applied {
  stored: string[];
  cancelled: boolean;
  inspection: ManifestInspection;
}

/** Stores the plan's values, settles the approval, and inspects again. */
export async function applyOnboard(plan: OnboardPlan, before: ManifestInspection, allowVars: readonly string[], world: OnboardWorld): Promise<Applied> {
  const stored: string[] = [];
  const projectDir = dirname(before.path);
  const { prompter, progress } = world;
  try {
    const asked = plan.steps.filter((s) => s.from === 'prompt').length;
    if (asked > 0 && prompter) prompter.say(`\n${asked} secret${asked === 1 ? '' : 's'} to enter; the values are not shown as you type (Enter skips one)\n`);
    for (const step of plan.steps) {
      const value = step.from === 'file' ? step.value : prompter ? await ask(step, prompter, progress) : undefined;
      if (value === undefined) continue;
      const meta = await store(step, value, projectDir, world);
      if (meta) stored.push(step.secret.name);
    }
    let approve = plan.approval === 'yes';
    if (plan.approval === 'ask' && prompter) {
      let listing = '';
      describeManifest(before, { write: (t: string) => ((listing += t), true) } as NodeJS.WritableStream);
      prompter.say(`\n${listing}`);
      approve = await prompter.confirm(`approve ${before.path} for agent exec?`);
    }
    if (approve) {
      const info = await world.agent.allowManifest(before.path, before.sha256, allowVars);
      progress(`agent: approved ${escapeControl(info.path)}`);
    }
  } catch (err) {
    if (err instanceof Cancelled) return { stored, cancelled: true, inspection: before };
    throw err;
  } finally {
    prompter?.close();
  }
  const inspection = await world.agent.inspectManifest(before.path, allowVars);
  return { stored, cancelled: false, inspection };
}

/** Stores one value; a refusal of that value (not of the daemon) is reported and the rest go on. */
async function store(step: ValueStep, value: string, projectDir: string, world: OnboardWorld): Promise<SecretMeta | undefined> {
  const s = step.secret;
  try {
    const meta = await world.agent.putSecret({
      name: s.name,
      value,
      ...(s.maxTtlSeconds !== undefined ? { ttlSeconds: s.maxTtlSeconds } : {}),
      owner: s.owner,
      description: s.description,
      project: step.project,
      cwd: projectDir,
      source: 'onboard',
    });
    const scope = meta.scope === 'global' ? '' : ` in project ${meta.scope}`;
    world.progress(`agent: stored ${meta.name}${scope}, expires ${relativeTime(meta.expiresAt, world.clock())} (${isoTime(meta.expiresAt)})`);
    return meta;
  } catch (err) {
    if (!(err instanceof LatchkeyError) || err.kind === 'unavailable') throw err;
    world.progress(`agent: warning: ${s.name} was not stored: ${escapeControl(err.message)}`);
    return undefined;
  }
}

/** Asks one value on the terminal after showing whom to ask and where it is documented. */
async function ask(step: ValueStep, prompter: Prompter, progress: (line: string) => void): Promise<string | undefined> {
  const s = step.secret;
  prompter.say(promptContext(s));
  for (;;) {
    const bytes = await prompter.hidden(`value for ${s.name} (hidden, Enter to skip): `);
    if (bytes.length === 0) {
      progress(`agent: skipped ${s.name}`);
      return undefined;
    }
    try {
      return valueFromBytes(bytes);
    } catch (err) {
      prompter.say(`agent: warning: ${escapeControl((err as Error).message)}; try again\n`);
    }
  }
}

/**
 * Runs onboarding; returns whether the project is ready. Throws `notFound` when --check finds it not ready
 * and Cancelled (130) for Ctrl-C at a prompt.
 */
export async function onboard(input: OnboardInput, deps: Deps): Promise<{ ready: boolean }> {
  const clock = input.now ?? Date.now;
  const path = manifestPath(input.path, deps, 'onboard');
  const interactive = Boolean(deps.stdin.isTTY && deps.stderr.isTTY && deps.stdin.setRawMode);
  const source: ValueSource = input.check
    ? { kind: 'check' }
    : input.fromEnvFile !== undefined
      ? { kind: 'file', file: input.fromEnvFile, values: readEnvFile(input.fromEnvFile, deps) }
      : interactive
        ? { kind: 'terminal' }
        : { kind: 'none' };

  return withAgent(deps, async (agent) => {
    const inspection = await agent.inspectManifest(path, input.allowVars);
    if (!input.json) deps.stdout.write(renderHeader(inspection, clock()));

    if (source.kind === 'check') {
      if (input.json) deps.stdout.write(`${JSON.stringify(onboardResult(inspection, []), null, 2)}\n`);
      if (isReady(inspection.needed.map(rowFor), inspection.approved)) return { ready: true };
      const { lines, message } = notReady(inspection);
      for (const line of lines) deps.stderr.write(`${line}\n`);
      throw notFoundError(message, 'run agent onboard on a terminal, or agent onboard --from-env-file FILE --yes');
    }

    const plan = planOnboard({ inspection, source, yes: input.yes, project: input.project });
    for (const w of plan.warnings) warn(deps, w);
    const prompter = plan.usesTerminal ? terminalPrompter(deps) : undefined;
    const applied = await applyOnboard(plan, inspection, input.allowVars, { agent, prompter, clock, progress: (line) => deps.stderr.write(`${line}\n`) });
    if (applied.cancelled) {
      throw new Cancelled(`onboarding cancelled${applied.stored.length > 0 ? `; stored before that: ${applied.stored.join(', ')}` : ''}`);
    }
    if (input.json) deps.stdout.write(`${JSON.stringify(onboardResult(applied.inspection, applied.stored), null, 2)}\n`);
    deps.stderr.write(renderSummary(plan, source, applied));
    return { ready: isReady(applied.inspection.needed.map(rowFor), applied.inspection.approved) };
  });
}

function terminalPrompter(deps: Deps): Prompter {
  const terminal = new TerminalInput(deps.stdin, deps.stderr);
  return {
    say: (text) => deps.stderr.write(text),
    hidden: (prompt) => terminal.hidden(prompt),
    confirm: (question) => terminal.confirm(question),
    close: () => terminal.close(),
  };
}

/** The values of a dotenv file by name (the last assignment wins, as in dotenv). */
function readEnvFile(file: string, deps: Deps): Map<string, string> {
  const path = resolve(deps.cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw inputError(`cannot read ${path}${code ? ` (${code})` : ''}`, 'name a dotenv file with NAME=value lines for the variables of agent.env');
  }
  return new Map(parseDotenv(text).map((e) => [e.name, e.value]));
}
