// What a token can do, told offline from its format: provider and kind, whether it is a live (production)
// key, and whether it is a full-access key where a scoped one exists. The rules are data, in the spirit of
// gitleaks' and secretlint's rule sets (the documented prefixes of each provider); a value no rule knows
// has no kind. Classified once, when a value is stored (set, import, onboard, mint), and kept in the
// metadata: never derived from the value at list time.

/** A kind of token: what `agent ls` shows and `forbid=` judges. */
export interface TokenKind {
  /** e.g. "github/classic-pat", "stripe/secret-live". */
  id: string;
  /** A live (production) key, as its format says; undefined when the format does not tell. */
  live?: boolean;
  /** A key that can do everything its account can, where the provider offers a scoped one. */
  fullAccess?: boolean;
  /** The scoped kind to use instead, for doctor's advice. */
  scoped?: string;
}

interface Rule extends TokenKind {
  pattern: RegExp;
}

/** The rules, most specific first. */
export const TOKEN_RULES: readonly Rule[] = [
  { id: 'github/classic-pat', pattern: /^ghp_[A-Za-z0-9]{36}$/, fullAccess: true, live: true, scoped: 'a fine-grained personal access token (github_pat_)' },
  { id: 'github/fine-grained-pat', pattern: /^github_pat_[A-Za-z0-9_]{22,255}$/, live: true },
  { id: 'github/oauth', pattern: /^gho_[A-Za-z0-9]{36}$/, live: true },
  { id: 'github/app-installation', pattern: /^ghs_[A-Za-z0-9]{36}$/, live: true },
  { id: 'github/app-user', pattern: /^ghu_[A-Za-z0-9]{36}$/, live: true },
  { id: 'stripe/secret-live', pattern: /^sk_live_[A-Za-z0-9]{16,247}$/, live: true, fullAccess: true, scoped: 'a restricted key (rk_live_)' },
  { id: 'stripe/secret-test', pattern: /^sk_test_[A-Za-z0-9]{16,247}$/, live: false, fullAccess: true, scoped: 'a restricted key (rk_test_)' },
  { id: 'stripe/restricted-live', pattern: /^rk_live_[A-Za-z0-9]{16,247}$/, live: true },
  { id: 'stripe/restricted-test', pattern: /^rk_test_[A-Za-z0-9]{16,247}$/, live: false },
  { id: 'stripe/publishable-live', pattern: /^pk_live_[A-Za-z0-9]{16,247}$/, live: true },
  { id: 'stripe/publishable-test', pattern: /^pk_test_[A-Za-z0-9]{16,247}$/, live: false },
  { id: 'stripe/webhook-secret', pattern: /^whsec_[A-Za-z0-9]{24,}$/ },
  { id: 'aws/access-key', pattern: /^AKIA[A-Z2-7]{16}$/, live: true },
  { id: 'aws/temporary-access-key', pattern: /^ASIA[A-Z2-7]{16}$/, live: true },
  { id: 'slack/bot', pattern: /^xoxb-[0-9]{8,}-[0-9A-Za-z-]{16,}$/, live: true },
  { id: 'slack/user', pattern: /^xoxp-[0-9]{8,}-[0-9A-Za-z-]{16,}$/, live: true, fullAccess: true, scoped: 'a bot token (xoxb-) with only the scopes it needs' },
  { id: 'slack/app', pattern: /^xapp-[0-9]-[A-Z0-9]+-[0-9]+-[a-f0-9]{32,}$/, live: true },
  { id: 'gitlab/pat', pattern: /^glpat-[A-Za-z0-9_-]{20,}$/, live: true },
  { id: 'anthropic/api-key', pattern: /^sk-ant-(api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,}$/, live: true },
  { id: 'openai/project-key', pattern: /^sk-proj-[A-Za-z0-9_-]{40,}$/, live: true },
  { id: 'openai/api-key', pattern: /^sk-[A-Za-z0-9]{40,}$/, live: true, fullAccess: true, scoped: 'a project key (sk-proj-)' },
  { id: 'npm/token', pattern: /^npm_[A-Za-z0-9]{36}$/, live: true },
  { id: 'google/api-key', pattern: /^AIza[0-9A-Za-z_-]{35}$/, live: true },
  { id: 'private-key', pattern: /^-----BEGIN ([A-Z]+ )?PRIVATE KEY-----[\s\S]+-----END ([A-Z]+ )?PRIVATE KEY-----\s*$/ },
  { id: 'connection-string', pattern: /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:[^@\s]+@[^\s]+$/ },
];

/** The kind of `value`, or undefined when no rule knows its format. */
export function classifyToken(value: string): TokenKind | undefined {
  const v = value.trim();
  for (const rule of TOKEN_RULES) {
    if (rule.pattern.test(v)) {
      const { pattern: _p, ...kind } = rule;
      return kind;
    }
  }
  return undefined;
}

/** The kind with id `id` (as stored in metadata), or undefined. */
export function tokenKindById(id: string | undefined): TokenKind | undefined {
  if (!id) return undefined;
  const rule = TOKEN_RULES.find((r) => r.id === id);
  if (!rule) return undefined;
  const { pattern: _p, ...kind } = rule;
  return kind;
}

/** What a manifest reference may forbid. */
export const FORBIDDABLE = ['live', 'full-access'] as const;
export type Forbidden = (typeof FORBIDDABLE)[number];

/** The first of `forbid` that a token of kind `id` is, or undefined. */
export function forbiddenBy(id: string | undefined, forbid: readonly Forbidden[]): Forbidden | undefined {
  const kind = tokenKindById(id);
  if (!kind) return undefined;
  return forbid.find((f) => (f === 'live' ? kind.live === true : kind.fullAccess === true));
}
