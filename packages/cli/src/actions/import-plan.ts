// What `agent import` will do, computed from the texts alone before anything is stored or written: one
// item per variable of the .env, the merged agent.env, and every problem found (all of them, not just
// the first). Every non-empty value that is not already an agent:// reference, nor an interpolation of other
// variables (`${VAR}`), is treated as a secret.
import {
  formatDotenvLine,
  hasInterpolation,
  normalizeNewlines,
  parseDotenv,
  parseManifest,
  parseReference,
  quote,
  REFERENCE_PREFIX,
  secretNameProblem,
  valueProblem,
  variableProblem,
} from '@latchkey/core';

/** What happens to one variable of the .env. The plan holds values: never print it. */
export type PlanItem =
  | { kind: 'store'; variable: string; line: number; secret: string; value: string; current: Current }
  | { kind: 'reference'; variable: string; line: number; reference: string }
  | { kind: 'literal'; variable: string; line: number; value: string }
  | { kind: 'empty'; variable: string; line: number; inManifest: boolean };

/** What the target scope holds under the item's secret name: nothing, this value, or another one. */
export type Current = 'none' | 'same' | 'different';

export interface ImportPlan {
  items: PlanItem[];
  /** The agent.env to write: the existing one with imported variables added or replaced. */
  manifestText: string;
  /** Why the import cannot go ahead, one line each (`FILE:LINE: ...`); empty when it can. */
  problems: string[];
  /** Things worth saying that do not stop the import. */
  notices: string[];
}

export interface PlanInput {
  dotenvText: string;
  /** The .env as named in messages. */
  dotenvFile: string;
  /** The current agent.env, or undefined when there is none yet. */
  manifestText: string | undefined;
  manifestFile: string;
  allowVars: ReadonlySet<string>;
  /** The values the target scope holds now, by secret name (empty or absent: nothing stored there yet). */
  existing?: ReadonlyMap<string, string>;
  /** Replace a stored secret whose value differs (--replace); without it that is a problem. */
  replace?: boolean;
  /** The target scope as named in messages, e.g. `in project /p` or `globally`. */
  scopeText?: string;
}

/** The first lines of a manifest written by `agent import`. */
export const MANIFEST_HEADER =
  '# The environment of this project for `agent exec`: references to secrets held by Latchkey, never values.\n' +
  '# Written by `agent import`; safe to commit.\n';

/** The secret name for a variable: lowercase, `_` as `-`, runs of dashes collapsed, dashes trimmed. */
export function secretNameFor(variable: string): string {
  return variable.toLowerCase().replace(/_/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
}

/** Plans an import; pure. */
export function planImport(input: PlanInput): ImportPlan {
  const { dotenvFile: file } = input;
  const problems: string[] = [];
  const notices: string[] = [];

  // dotenv keeps the last of a name set twice; so does the import, and says so.
  const last = new Map<string, { value: string; line: number; lines: number[] }>();
  for (const e of parseDotenv(input.dotenvText)) {
    const seen = last.get(e.name);
    last.set(e.name, { value: e.value, line: e.line, lines: [...(seen?.lines ?? []), e.line] });
  }

  const existing = new Map(parseDotenv(input.manifestText ?? '').map((e) => [e.name, e]));
  const items: PlanItem[] = [];
  const bySecret = new Map<string, { variable: string; line: number }>();
  for (const [variable, { value, line, lines }] of last) {
    const at = `${file}:${line}`;
    if (lines.length > 1) notices.push(`${variable} is set ${lines.length} times in ${file} (lines ${lines.join(', ')}); the last one is imported`);
    const varProblem = variableProblem(variable, input.allowVars);
    if (varProblem) {
      problems.push(`${at}: ${varProblem}`);
      continue;
    }
    if (value === '') {
      const inManifest = existing.has(variable);
      items.push({ kind: 'empty', variable, line, inManifest });
      notices.push(`${variable} is empty in ${file}: nothing stored${inManifest ? `; ${input.manifestFile} keeps its own ${variable}` : `; the manifest sets ${variable}= (empty)`}`);
      continue;
    }
    if (value.startsWith(REFERENCE_PREFIX)) {
      try {
        parseReference(value);
        items.push({ kind: 'reference', variable, line, reference: value });
      } catch (err) {
        problems.push(`${at}: bad reference for ${variable}: ${(err as Error).message}`);
      }
      continue;
    }
    if (hasInterpolation(value)) {
      // `URL=postgres://app:${DB_PASSWORD}@db` stays an interpolation in agent.env; the variables it names are
      // imported (or referenced) on their own lines, and `agent exec` expands it as dotenv-expand would.
      items.push({ kind: 'literal', variable, line, value });
      notices.push(`${variable} interpolates other variables: kept in the manifest as written; if it holds a secret itself, move that part into a variable of its own`);
      continue;
    }
    // `\$` is a literal dollar sign to dotenv-expand: the secret holds what dotenv-cli would have passed on.
    const secretValue = value.replace(/\\\$/g, '$');
    const badValue = valueProblem(secretValue);
    if (badValue) problems.push(`${at}: ${badValue.replace(/^the value /, `the value of ${variable} `)}`);
    const secret = secretNameFor(variable);
    const nameProblem = secretNameProblem(secret);
    if (nameProblem) {
      problems.push(`${at}: cannot name a secret after ${variable}: ${nameProblem}`);
      continue;
    }
    const clash = bySecret.get(secret);
    if (clash) {
      problems.push(`${at}: ${variable} and ${clash.variable} (line ${clash.line}) both give the secret name ${quote(secret)}`);
      continue;
    }
    bySecret.set(secret, { variable, line });
    const current = currentOf(input.existing, secret, secretValue);
    if (current === 'different' && !input.replace) {
      problems.push(
        `${at}: ${quote(secret)} already holds a different value ${input.scopeText ?? ''}`.trimEnd() +
          `; import with --replace to replace it, or rename ${variable} in ${file}`,
      );
      continue;
    }
    if (!badValue) items.push({ kind: 'store', variable, line, secret, value: secretValue, current });
  }

  const manifestText = problems.length > 0 ? input.manifestText ?? '' : merge(input, items, existing, problems);
  if (problems.length === 0) {
    // The merged file must be a valid manifest before anything is stored.
    try {
      parseManifest(manifestText, input.manifestFile, input.allowVars);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return { items, manifestText, problems, notices };
}

function currentOf(existing: ReadonlyMap<string, string> | undefined, secret: string, value: string): Current {
  const held = existing?.get(secret);
  if (held === undefined) return 'none';
  return held === value ? 'same' : 'different';
}

/** The existing manifest (or a new one) with a line per imported variable, added or replacing its own. */
function merge(input: PlanInput, items: PlanItem[], existing: Map<string, { line: number; endLine: number }>, problems: string[]): string {
  const original = input.manifestText ?? MANIFEST_HEADER;
  const crlf = original.includes('\r\n');
  const lines = normalizeNewlines(original).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const replacements: Array<{ from: number; to: number; text: string }> = [];
  const appended: string[] = [];
  for (const item of items) {
    if (item.kind === 'empty' && item.inManifest) continue;
    const value = item.kind === 'store' ? `${REFERENCE_PREFIX}${item.secret}` : item.kind === 'reference' ? item.reference : item.kind === 'literal' ? item.value : '';
    const text = formatDotenvLine(item.variable, value);
    if (text === undefined) {
      problems.push(`${input.dotenvFile}:${item.line}: the ${item.kind === 'literal' ? 'value' : 'reference'} of ${item.variable} cannot be written to a dotenv file as it is`);
      continue;
    }
    const at = existing.get(item.variable);
    if (at) {
      const exported = /^\s*export\s+/.test(lines[at.line - 1] ?? '') ? 'export ' : '';
      replacements.push({ from: at.line - 1, to: at.endLine - 1, text: exported + text });
    } else {
      appended.push(text);
    }
  }
  for (const r of replacements.sort((a, b) => b.from - a.from)) lines.splice(r.from, r.to - r.from + 1, r.text);
  const out = `${[...lines, ...appended].join('\n')}\n`;
  return crlf ? out.replace(/\n/g, '\r\n') : out;
}
