// Realistic noise for `agent scan` benchmarks and the planted-corpus test: source code, JSON log lines,
// shell history, base64 blobs that are not values, and token-like strings that are no known value.
// Deterministic for a seed (xorshift32), so a run can be repeated.

/** A seeded generator of 32-bit numbers. */
export function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const WORDS = 'request response handler user account token session config build deploy cache error retry timeout query index worker queue stripe github charge invoice payload'.split(' ');

function pick(rand, list) {
  return list[rand() % list.length];
}

function chars(rand, n, alphabet = ALNUM) {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[rand() % alphabet.length];
  return s;
}

/** Token-like values: the formats people store (GitHub, Stripe, AWS, Slack, random hex and base64url). */
export function tokenLike(rand, i) {
  switch (i % 6) {
    case 0:
      return `ghp_${chars(rand, 36)}`;
    case 1:
      return `sk_test_${chars(rand, 24)}`;
    case 2:
      return `AKIA${chars(rand, 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
    case 3:
      return `xoxb-${chars(rand, 11, '0123456789')}-${chars(rand, 24)}`;
    case 4:
      return chars(rand, 40, '0123456789abcdef');
    default:
      return Buffer.from(Array.from({ length: 32 }, () => rand() & 255)).toString('base64url');
  }
}

function line(rand) {
  const w = () => pick(rand, WORDS);
  switch (rand() % 6) {
    case 0:
      return `export async function ${w()}${w()[0].toUpperCase()}${w().slice(1)}(${w()}, ${w()}) { return await this.${w()}.get(${rand() % 1000}); }`;
    case 1:
      return JSON.stringify({ ts: new Date(1.7e12 + (rand() % 1e9)).toISOString(), level: pick(rand, ['info', 'warn', 'debug']), msg: `${w()} ${w()} done`, ms: rand() % 500, id: chars(rand, 20) });
    case 2:
      return `  if (${w()}.${w()} !== undefined && ${w()}.length > ${rand() % 64}) throw new Error('${w()} ${w()} failed');`;
    case 3:
      return `: 17${rand() % 100000000}:0;curl -s https://api.example.com/${w()}/${chars(rand, 8)} | jq .${w()}`;
    case 4:
      return `"blob": "${Buffer.from(Array.from({ length: 48 + (rand() % 300) }, () => rand() & 255)).toString('base64')}"`;
    default:
      return `${w()}_id=${tokenLike(rand, rand() % 6)} # not a stored value`;
  }
}

/** About `bytes` bytes of noise (whole lines), as a Buffer. */
export function noise(bytes, seed = 1) {
  const rand = prng(seed);
  const parts = [];
  let size = 0;
  while (size < bytes) {
    const l = `${line(rand)}\n`;
    parts.push(l);
    size += l.length;
  }
  return Buffer.from(parts.join(''), 'utf8');
}
