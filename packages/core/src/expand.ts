// `${VAR}` in manifest literals, read the way dotenv-expand 12 reads it: `$VAR`, `${VAR}`, `${VAR:-default}`,
// `${VAR-default}`, `${VAR:+alternate}`, `${VAR+alternate}`, `\$` for a literal dollar sign, defaults that
// expand in turn. A name is looked up among the manifest's own variables first (resolved secrets included),
// then in the inherited environment.
//
// Where this departs from dotenv-expand, on purpose:
// - A substituted value is inserted as it is, never scanned again: dotenv-expand re-reads its result after each
//   replacement, so a password holding `$word` would lose it. Values from references are never expanded.
// - The manifest wins over the inherited environment (dotenv-expand lets a variable already set in the
//   process win), as everywhere else in `agent exec`.
// - Any order: a literal may use a variable defined below it. A literal that names itself (`PATH=${PATH}:/x`)
//   reads the inherited value; variables that name each other in a cycle are refused (exit 65).
import { inputError } from './errors.js';

/** One manifest variable as the expander sees it: a literal to expand, or a resolved reference left as is. */
export interface ExpandInput {
  name: string;
  value: string;
  /** True for a literal; false for a value that came from a reference (a secret, a temporary key). */
  literal: boolean;
}

/** The expanded values, and for each literal the manifest variables it used (directly or through others). */
export interface ExpandResult {
  values: Record<string, string>;
  uses: Record<string, string[]>;
}

type Node = { text: string } | { name: string; op?: ':-' | '-' | ':+' | '+'; operand?: Node[] };

/** Expands every literal of `vars` against them and `inherited`; references pass through unchanged. */
export function expandVariables(vars: readonly ExpandInput[], inherited: Readonly<Record<string, string | undefined>>): ExpandResult {
  const byName = new Map<string, ExpandInput>();
  for (const v of vars) byName.set(v.name, v);
  const done = new Map<string, { value: string; uses: Set<string> }>();
  const inProgress: string[] = [];

  const valueOf = (name: string): { value: string | undefined; uses: Set<string> } => {
    const own = byName.get(name);
    // A literal that names itself (`PATH=${PATH}:/x`) reads the inherited value.
    if (!own || inProgress.at(-1) === name) return { value: inherited[name], uses: new Set() };
    if (inProgress.includes(name)) {
      const cycle = [...inProgress.slice(inProgress.indexOf(name)), name].join(' -> ');
      throw inputError(`the manifest's variables refer to each other in a cycle: ${cycle}`, 'break the cycle: one of them must not name the other');
    }
    if (!own.literal) return { value: own.value, uses: new Set([name]) };
    const cached = done.get(name);
    if (cached) return { value: cached.value, uses: new Set([name, ...cached.uses]) };
    inProgress.push(name);
    const uses = new Set<string>();
    const value = evaluate(parseTemplate(own.value), uses);
    inProgress.pop();
    done.set(name, { value, uses });
    return { value, uses: new Set([name, ...uses]) };
  };

  const evaluate = (nodes: readonly Node[], uses: Set<string>): string => {
    let out = '';
    for (const node of nodes) {
      if ('text' in node) {
        out += node.text;
        continue;
      }
      const found = valueOf(node.name);
      for (const u of found.uses) uses.add(u);
      const set = found.value !== undefined && found.value !== '';
      if (node.op === ':+' || node.op === '+') out += set ? evaluate(node.operand ?? [], uses) : '';
      else if (set) out += found.value as string;
      else if (node.op) out += evaluate(node.operand ?? [], uses);
    }
    return out;
  };

  const values: Record<string, string> = {};
  const uses: Record<string, string[]> = {};
  for (const v of vars) {
    if (!v.literal) {
      values[v.name] = v.value;
      continue;
    }
    const r = valueOf(v.name);
    values[v.name] = r.value ?? '';
    r.uses.delete(v.name);
    uses[v.name] = [...r.uses].sort();
  }
  return { values, uses };
}

/** True when a literal holds something `expandVariables` would replace (so `agent import` keeps it a literal). */
export function hasInterpolation(text: string): boolean {
  return parseTemplate(text).some((n) => !('text' in n));
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Parses a literal into text and substitutions; `${` without its closing brace stays text. */
function parseTemplate(text: string): Node[] {
  const nodes: Node[] = [];
  let buf = '';
  let i = 0;
  const flush = () => {
    if (buf) nodes.push({ text: buf });
    buf = '';
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\\' && text[i + 1] === '$') {
      buf += '$';
      i += 2;
      continue;
    }
    if (c !== '$') {
      buf += c;
      i++;
      continue;
    }
    if (text[i + 1] === '{') {
      const close = matchingBrace(text, i + 1);
      if (close === -1) {
        buf += c;
        i++;
        continue;
      }
      if (close === i + 2) {
        // `${}` names nothing: dotenv-expand leaves it as it is.
        buf += '${}';
        i = close + 1;
        continue;
      }
      flush();
      nodes.push(parseExpression(text.slice(i + 2, close)));
      i = close + 1;
      continue;
    }
    const name = NAME.exec(text.slice(i + 1))?.[0];
    if (name) {
      flush();
      nodes.push({ name });
      i += 1 + name.length;
      continue;
    }
    buf += c;
    i++;
  }
  flush();
  return nodes;
}

/** The index of the `}` closing the `{` at `open`, counting nested `${...}`; -1 if none. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    if (text[j] === '{') depth++;
    else if (text[j] === '}' && --depth === 0) return j;
  }
  return -1;
}

/** `NAME`, or `NAME` then the first of `:+`, `+`, `:-`, `-` and the operand, as dotenv-expand splits it. */
function parseExpression(expr: string): Node {
  const m = /(:\+|\+|:-|-)/.exec(expr);
  if (!m) return { name: expr };
  return { name: expr.slice(0, m.index), op: m[0] as ':-' | '-' | ':+' | '+', operand: parseTemplate(expr.slice(m.index + m[0].length)) };
}
