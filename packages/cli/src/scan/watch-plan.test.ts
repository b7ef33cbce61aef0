import { describe, expect, it } from 'vitest';
import { watchPlan } from './watch-plan.js';

const H = '/home/u';
const targets = [`${H}/.bash_history`, `${H}/.claude/projects`, `${H}/.codex/sessions`, `${H}/.local/share/fish/fish_history`];

describe('watchPlan', () => {
  it.each([
    ['every channel there', [H, ...targets, `${H}/.codex`, `${H}/.local/share/fish`], targets],
    ['a missing file is covered by its folder, which holds a channel that exists too', [H, `${H}/.claude/projects`], [H]],
    ['a missing channel: its nearest existing folder', [H, `${H}/.bash_history`, `${H}/.claude/projects`, `${H}/.codex`, `${H}/.local/share/fish`], [`${H}/.bash_history`, `${H}/.claude/projects`, `${H}/.codex`, `${H}/.local/share/fish`]],
    ['nothing exists but the root', ['/'], ['/']],
  ])('%s', (_name, present, roots) => {
    const plan = watchPlan(targets, (p) => p === '/' || present.includes(p));
    expect(plan.roots.sort()).toEqual([...roots].sort());
  });

  it('ignores all but the way to a channel and what lies in one', () => {
    const plan = watchPlan(targets, (p) => p === H);
    const kept = ['/', '/home', H, `${H}/.claude`, `${H}/.claude/projects`, `${H}/.claude/projects/p/s.jsonl`, `${H}/.codex`, `${H}/.local/share`, `${H}/.bash_history`];
    const skipped = [`${H}/.bashrc`, `${H}/.bash_history.bak`, `${H}/.claude/settings.json`, `${H}/.codex/config.toml`, `${H}/src`, '/etc', `${H}/.local/bin`];
    expect(kept.filter((p) => plan.ignored(p))).toEqual([]);
    expect(skipped.filter((p) => !plan.ignored(p))).toEqual([]);
  });
});
